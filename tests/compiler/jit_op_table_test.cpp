// Differential test of the compiler over THE op table (tests/prims/op_table.h):
// every row, in every dtype the fused kernels support, runs eagerly and under
// jit (where it becomes a fused kernel compiled by LLVM, or an eager call),
// and so do its gradient and its vmap. Results agree exactly for integer and
// bool results, and for floats within the eager kernel's ulp bound plus the
// code generator's (docs/codegen.md: at most a few ulps), with matching NaN
// and infinities on special inputs.
#include <gtest/gtest.h>

#include <random>

#include "jx/jit.h"
#include "jx/jx.h"
#include "prims/op_table.h"
#include "test_util.h"

namespace jxt {
namespace {

using jx::Array;

constexpr jx::DType kDtypes[] = {jx::float32, jx::float64, jx::int32, jx::uint8, jx::bool_};
const jx::Shape kShape{4, 1031};  // vector bodies, tails, rows; above the fusion threshold

Array random_operand(const OpEntry& e, int k, jx::DType dt, std::mt19937& rng) {
  Domain d = (k == 1 && e.domain2.lo < e.domain2.hi) ? e.domain2 : e.domain;
  int64_t n = kShape.numel();
  HostBuf buf(dt, n);
  for (int64_t i = 0; i < n; ++i) {
    if (dt.is_floating()) {
      long double lo = std::max<long double>(d.lo, -max_finite(dt) / 2);
      long double hi = std::min<long double>(d.hi, max_finite(dt) / 2);
      long double v = lo + (hi - lo) * std::uniform_real_distribution<double>(0, 1)(rng);
      if (d.grid > 0) v = std::round(v / d.grid) * d.grid;
      // A few special values where the whole real line is the domain.
      if (d.lo <= -1e29 && i < 5) {
        const long double sp[] = {0.0L, -0.0L, INFINITY, -INFINITY, NAN};
        v = sp[i];
      }
      store_ld(dt, buf.data(), i, round_to(dt, v));
    } else {
      I128 lo = std::max<I128>(I128(std::max(d.lo, -1e18)), int_min(dt));
      I128 hi = std::min<I128>(I128(std::min(d.hi, 1e18)), int_max(dt));
      I128 span = hi - lo + 1;
      I128 v = lo + I128(rng() % uint64_t(span > 0 && span < I128(1) << 62 ? span : I128(1) << 62));
      store_int(dt, buf.data(), i, v);
    }
  }
  return buf.to_array(kShape);
}

double ulp_bound(const OpEntry& e, jx::DType dt) {
  return (dt == jx::float64 ? e.ulps_f64 : e.ulps_f32) + 4;
}

// Compares two results of the same op: exact for non-floats; floats within
// `ulps` (or atol), NaN where the other is NaN, infinities equal.
void expect_close(const std::string& what, const Array& want, const Array& got, double ulps,
                  double atol, double rtol = 0) {
  ASSERT_EQ(want.aval(), got.aval()) << what;
  jx::DType dt = want.dtype();
  int64_t n = want.size();
  int bad = 0;
  for (int64_t i = 0; i < n && bad < 3; ++i) {
    if (!dt.is_floating()) {
      I128 a = load_int(dt, want.data(), i), b = load_int(dt, got.data(), i);
      if (a != b) {
        ++bad;
        ADD_FAILURE() << what << " element " << i << ": eager " << i128_str(a) << ", jit "
                      << i128_str(b);
      }
      continue;
    }
    long double a = load_ld(dt, want.data(), i), b = load_ld(dt, got.data(), i);
    if (std::isnan(a) || std::isnan(b)) {
      if (std::isnan(a) != std::isnan(b)) {
        ++bad;
        ADD_FAILURE() << what << " element " << i << ": eager " << fstr(a) << ", jit " << fstr(b);
      }
      continue;
    }
    if (std::isinf(a) || std::isinf(b)) {
      if (a != b) {
        ++bad;
        ADD_FAILURE() << what << " element " << i << ": eager " << fstr(a) << ", jit " << fstr(b);
      }
      continue;
    }
    long double diff = std::fabs(a - b);
    if (ulp_diff(dt, a, b) <= ulps || diff <= atol || diff <= rtol * std::fabs(a)) continue;
    ++bad;
    ADD_FAILURE() << what << " element " << i << ": eager " << fstr(a) << ", jit " << fstr(b)
                  << " (" << ulp_diff(dt, a, b) << " ulps, bound " << ulps << ")";
  }
}

TEST(JitOpTable, ForwardGradAndVmapMatchEager) {
  std::mt19937 rng(2024);
  int checked = 0;
  for (const OpEntry& e : kOpTable) {
    for (jx::DType dt : kDtypes) {
      if (!(e.dtypes & dbit(dt))) continue;
      std::vector<Array> x;
      for (int k = 0; k < e.arity; ++k) x.push_back(random_operand(e, k, dt, rng));
      std::string what = std::string(e.name) + " " + std::string(dt.name());
      Array eager = e.call(x);
      auto f = jx::jit([&e](const std::vector<Array>& a) { return e.call(a); });
      expect_close(what, eager, f(x), ulp_bound(e, dt), e.atol);
      // vmap over the rows: under jit, and jit under vmap.
      auto rows = [&e](const std::vector<Array>& a) { return e.call(a); };
      Array vm = jx::vmap(rows)(x);
      expect_close(what + " jit(vmap)", vm, jx::jit(jx::vmap(rows))(x), ulp_bound(e, dt), e.atol);
      expect_close(what + " vmap(jit)", vm, jx::vmap(f)(x), ulp_bound(e, dt), e.atol);
      ++checked;
      if (!dt.is_floating() || e.bool_out) continue;
      // Gradient of sum(op(x)) w.r.t. every operand, at inputs without
      // specials (finite differences of the rule are tested elsewhere).
      std::vector<Array> xs;
      for (int k = 0; k < e.arity; ++k) {
        Array a = x[size_t(k)];
        xs.push_back(jx::np::where(jx::np::isfinite(a), a, jx::np::ones_like(a)));
      }
      auto loss = [&e](const std::vector<Array>& a) { return jx::np::sum(e.call(a)); };
      std::vector<Array> ge, gj;
      try {
        ge = jx::grad(loss)(xs);
      } catch (const jx::Error&) {
        continue;  // not differentiable (the rule says so clearly; tested elsewhere)
      }
      gj = jx::jit(jx::grad(loss))(xs);
      // Derivatives like 1 - tanh(x)^2 cancel: a few ulps of an O(1)
      // intermediate become an absolute error, hence the absolute bound.
      double eps = dt == jx::float64 ? 0x1p-52 : 0x1p-23;
      double rtol = dt == jx::float64 ? 1e-12 : 2e-5;
      for (int k = 0; k < e.arity; ++k)
        expect_close(what + " grad " + std::to_string(k), ge[size_t(k)], gj[size_t(k)],
                     ulp_bound(e, dt) * 4, std::max(e.atol, 64 * eps), rtol);
    }
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace jxt
