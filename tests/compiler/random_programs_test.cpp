// Differential testing of the compiler: random well-typed programs built from
// primitives (fixed seeds), run eagerly and under jit, must agree within the
// code generator's stated error: fused kernels use their own vector
// polynomials (a few ulp from the eager kernels) and vectorized reductions
// sum in another order. Small and large shapes (threaded, vectorized) alternate.
// JX_FUZZ_PROGRAMS=N runs N programs instead of the CI default.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "jx/jit.h"
#include "jx/jx.h"

namespace np = jx::np;
namespace lax = jx::lax;
using jx::Array;

namespace {

// A program: a list of ops applied to a pool of f32[R, C] values.
struct Op {
  int kind, a, b;
};

Array apply(const std::vector<Op>& prog, const Array& x, const Array& y) {
  std::vector<Array> pool{x, y};
  int64_t R = x.shape()[0], C = x.shape()[1];
  for (const Op& op : prog) {
    const Array& a = pool[size_t(op.a) % pool.size()];
    const Array& b = pool[size_t(op.b) % pool.size()];
    Array r;
    switch (op.kind) {
      case 0:
        r = lax::add(a, b);
        break;
      case 1:
        r = lax::mul(a, b);
        break;
      case 2:
        r = lax::sub(a, b);
        break;
      case 3:
        r = lax::tanh(a);
        break;
      case 4:
        r = lax::exp(lax::neg(lax::abs(a)));
        break;
      case 5:
        r = lax::max(a, b);
        break;
      case 6:
        r = lax::broadcast_in_dim(lax::reduce_sum(a, {1}), {R, C}, {0});
        break;
      case 7:
        r = lax::broadcast_in_dim(lax::reduce_max(a, {0}), {R, C}, {1});
        break;
      case 8:
        r = lax::rev(a, {0});
        break;
      case 9:
        r = lax::mul(a, lax::broadcast_in_dim(np::array(1.f), {R, C}, {}));
        break;  // x*1
      case 10:
        r = lax::neg(lax::neg(a));
        break;
      case 11:
        r = lax::sin(a);
        break;
      case 12:
        r = lax::reshape(lax::transpose(lax::reshape(a, {C, R}), {1, 0}), {R, C});
        break;
      default:
        r = lax::select_n(lax::gt(a, b), {a, b});
        break;
    }
    pool.push_back(r);
  }
  return lax::add(pool.back(), pool[pool.size() / 2]);
}

std::vector<Op> random_program(std::mt19937& rng, int len) {
  std::uniform_int_distribution<int> kind(0, 13), idx(0, 1 << 20);
  std::vector<Op> p;
  for (int i = 0; i < len; ++i) p.push_back({kind(rng), idx(rng), idx(rng)});
  return p;
}

}  // namespace

TEST(JitDifferential, RandomProgramsMatchEager) {
  int n = 40;
  if (const char* e = std::getenv("JX_FUZZ_PROGRAMS")) n = std::atoi(e);
  std::mt19937 rng(1234);
  std::normal_distribution<float> nd;
  for (int t = 0; t < n; ++t) {
    std::vector<Op> prog = random_program(rng, 3 + t % 12);
    int64_t R = t % 2 ? 48 : 4, C = t % 2 ? 1030 : 3;
    std::vector<float> xs(size_t(R * C)), ys(size_t(R * C));
    for (auto& v : xs) v = nd(rng);
    for (auto& v : ys) v = nd(rng);
    Array x = np::reshape(np::array(xs), {R, C}), y = np::reshape(np::array(ys), {R, C});
    Array eager = apply(prog, x, y);
    auto jitted = jx::jit([&](const Array& a, const Array& b) { return apply(prog, a, b); });
    Array compiled = jitted(x, y);
    auto e = eager.to_vector<float>(), c = compiled.to_vector<float>();
    ASSERT_EQ(e.size(), c.size());
    double scale = 1;
    for (float v : e) scale = std::isfinite(v) ? std::max(scale, double(std::abs(v))) : scale;
    for (size_t i = 0; i < e.size(); ++i) {
      ASSERT_EQ(std::isnan(e[i]), std::isnan(c[i])) << "program " << t << " element " << i;
      if (std::isnan(e[i])) continue;
      if (std::isinf(e[i])) {
        ASSERT_EQ(e[i], c[i]) << "program " << t << " element " << i;
        continue;
      }
      // Errors scale with the program's magnitudes (sums cancel), and with
      // the term count of the reductions (1030 terms reorder).
      double tol = 2e-5 * scale * (C > 100 ? 8 : 1);
      ASSERT_NEAR(e[i], c[i], tol) << "program " << t << " element " << i;
    }
  }
}
