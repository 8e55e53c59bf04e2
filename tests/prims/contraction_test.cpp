// dot_general: values against a naive loop in double (integers exactly,
// with wrapping) over a table of dimension numbers that reaches every
// layout path of the kernel (operands used in place, transposed by the gemm,
// or copied), in every dtype; edge cases (empty batch, zero-size contraction,
// size-1 dims); preferred_element_type; error messages of the shape rule;
// derivatives to second order in both modes (float32 and float64); and vmap
// against a loop over slices with random in_axes, unmapped operands included.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

#include "jx/check_grads.h"
#include "jx/lax_contract.h"
#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;
using jx::Array;
using jx::DType;
using jx::Shape;
using Ints = std::vector<int64_t>;
using Arrays = std::vector<Array>;

// Small integers (exact in every dtype and in any summation order) or, with
// `real`, uniform floats in [-1, 1].
Array random_array(DType dt, const Shape& s, std::mt19937& rng, bool real = false) {
  HostBuf b(dt, s.numel());
  std::uniform_int_distribution<int> small(-3, 3);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int64_t i = 0; i < s.numel(); ++i) {
    long double v = real && dt.is_floating() ? (long double)u(rng) : (long double)small(rng);
    if (dt.is_bool()) v = small(rng) > 0;
    if (dt.is_unsigned_int() && v < 0) v = -v;
    store_ld(dt, b.data(), i, dt.is_floating() ? round_to(dt, v) : v);
  }
  return b.to_array(s);
}

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

// out[batch, lhs free, rhs free] = sum over contracted indices, in long double.
std::vector<long double> reference(const Array& a, const Array& b, const lx::DotDimensionNumbers& d) {
  auto rest = [](int64_t nd, const Ints& x, const Ints& y) {
    Ints r;
    for (int64_t i = 0; i < nd; ++i)
      if (std::find(x.begin(), x.end(), i) == x.end() && std::find(y.begin(), y.end(), i) == y.end()) r.push_back(i);
    return r;
  };
  Ints lf = rest(a.ndim(), d.lhs_contracting, d.lhs_batch), rf = rest(b.ndim(), d.rhs_contracting, d.rhs_batch);
  Ints out_dims;  // sizes: batch, lf, rf, then contracted
  for (int64_t x : d.lhs_batch) out_dims.push_back(a.shape()[size_t(x)]);
  for (int64_t x : lf) out_dims.push_back(a.shape()[size_t(x)]);
  for (int64_t x : rf) out_dims.push_back(b.shape()[size_t(x)]);
  int64_t nout = std::accumulate(out_dims.begin(), out_dims.end(), int64_t(1), std::multiplies<>());
  Ints kdims;
  for (int64_t x : d.lhs_contracting) kdims.push_back(a.shape()[size_t(x)]);
  int64_t nk = std::accumulate(kdims.begin(), kdims.end(), int64_t(1), std::multiplies<>());
  auto as = strides_of(a.shape()), bs = strides_of(b.shape());
  std::vector<long double> out(size_t(nout), 0);
  for (int64_t o = 0; o < nout; ++o) {
    Ints idx(out_dims.size());
    for (int64_t r = o, k = int64_t(out_dims.size()) - 1; k >= 0; --k) {
      idx[size_t(k)] = r % out_dims[size_t(k)];
      r /= out_dims[size_t(k)];
    }
    int64_t ab = 0, bb = 0;
    size_t p = 0;
    for (size_t i = 0; i < d.lhs_batch.size(); ++i, ++p) {
      ab += idx[p] * as[size_t(d.lhs_batch[i])];
      bb += idx[p] * bs[size_t(d.rhs_batch[i])];
    }
    for (int64_t x : lf) ab += idx[p++] * as[size_t(x)];
    for (int64_t x : rf) bb += idx[p++] * bs[size_t(x)];
    long double acc = 0;
    bool bacc = false;
    for (int64_t k = 0; k < nk; ++k) {
      int64_t ak = ab, bk = bb;
      for (int64_t r = k, j = int64_t(kdims.size()) - 1; j >= 0; --j) {
        int64_t v = r % kdims[size_t(j)];
        r /= kdims[size_t(j)];
        ak += v * as[size_t(d.lhs_contracting[size_t(j)])];
        bk += v * bs[size_t(d.rhs_contracting[size_t(j)])];
      }
      long double x = load_ld(a.dtype(), a.data(), ak), y = load_ld(b.dtype(), b.data(), bk);
      acc += x * y;
      bacc = bacc || (x != 0 && y != 0);
    }
    out[size_t(o)] = a.dtype().is_bool() ? (long double)bacc : acc;
  }
  return out;
}

void expect_matches(const Array& got, const std::vector<long double>& want, DType out_dt, int64_t k,
                    const std::string& what) {
  ASSERT_EQ(got.dtype(), out_dt) << what;
  ASSERT_EQ(int64_t(want.size()), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    long double g = load_ld(out_dt, got.data(), int64_t(i));
    if (out_dt.is_integer()) {
      EXPECT_EQ(load_int(out_dt, got.data(), int64_t(i)), wrap_int(out_dt, I128(want[i]))) << what << " at " << i;
    } else if (out_dt.is_bool()) {
      EXPECT_EQ(g != 0, want[i] != 0) << what << " at " << i;
    } else {
      // Small-integer inputs: exact unless the result needs more bits than
      // the dtype has (bf16 / f16 round the f32 sum once).
      long double tol = out_dt == jx::bfloat16 ? std::fabs(want[i]) / 128 : out_dt == jx::float16 ? std::fabs(want[i]) / 1024 : 0;
      EXPECT_LE(std::fabs(g - want[i]), tol) << what << " at " << i << " k=" << k;
    }
  }
}

struct DotCase {
  const char* what;
  Shape lhs, rhs;
  lx::DotDimensionNumbers dims;
};

const std::vector<DotCase>& dot_cases() {
  static const std::vector<DotCase> cases = {
      {"matmul", {2, 3}, {3, 4}, {{1}, {0}}},
      {"lhs transposed", {3, 2}, {3, 4}, {{0}, {0}}},
      {"rhs transposed", {2, 3}, {4, 3}, {{1}, {1}}},
      {"both transposed", {3, 2}, {4, 3}, {{0}, {1}}},
      {"vector-vector", {5}, {5}, {{0}, {0}}},
      {"matrix-vector", {4, 5}, {5}, {{1}, {0}}},
      {"outer product", {3}, {4}, {{}, {}}},
      {"batched", {2, 3, 4}, {2, 4, 5}, {{2}, {1}, {0}, {0}}},
      {"batch dim in the middle", {3, 2, 4}, {4, 2, 5}, {{2}, {0}, {1}, {1}}},
      {"two contracted dims, rhs order", {2, 3, 4}, {4, 3, 5}, {{2, 1}, {0, 1}}},
      {"two contracted dims, crossed", {3, 4, 2}, {5, 3, 4}, {{0, 1}, {1, 2}}},
      {"two batch dims", {2, 3, 4, 5}, {3, 2, 5, 6}, {{3}, {2}, {0, 1}, {1, 0}}},
      {"free dims on both sides of batch", {4, 2, 3, 5}, {2, 5, 6}, {{3}, {1}, {1}, {0}}},
      {"size-1 dims", {1, 3, 1}, {1, 3, 2}, {{1}, {1}, {0}, {0}}},
      {"empty batch", {0, 3, 4}, {0, 4, 2}, {{2}, {1}, {0}, {0}}},
      {"empty free dim", {0, 4}, {4, 3}, {{1}, {0}}},
      {"zero-size contraction", {3, 0}, {0, 2}, {{1}, {0}}},
      {"no contraction, batch", {2, 3}, {2, 4}, {{}, {}, {0}, {0}}},
      {"larger (library path)", {37, 65}, {65, 29}, {{1}, {0}}},
      {"larger transposed", {65, 37}, {29, 65}, {{0}, {1}}},
  };
  return cases;
}

TEST(DotGeneral, MatchesReferenceAllDtypes) {
  std::mt19937 rng(1);
  for (DType dt : all_dtypes()) {
    for (const DotCase& c : dot_cases()) {
      std::string what = std::string(c.what) + " " + std::string(dt.name());
      Array a = random_array(dt, c.lhs, rng), b = random_array(dt, c.rhs, rng);
      Array y = lx::dot_general(a, b, c.dims);
      int64_t k = 1;
      for (int64_t x : c.dims.lhs_contracting) k *= c.lhs.begin()[x];
      expect_matches(y, reference(a, b, c.dims), dt, k, what);
    }
  }
}

TEST(DotGeneral, FloatValuesMatchReference) {
  std::mt19937 rng(2);
  for (DType dt : {jx::float32, jx::float64}) {
    for (const DotCase& c : dot_cases()) {
      Array a = random_array(dt, c.lhs, rng, true), b = random_array(dt, c.rhs, rng, true);
      Array y = lx::dot_general(a, b, c.dims);
      auto want = reference(a, b, c.dims);
      double tol = dt == jx::float32 ? 1e-5 : 1e-13;
      for (size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(double(load_ld(dt, y.data(), int64_t(i))), double(want[i]), tol * 70) << c.what << " " << dt.name();
    }
  }
}

TEST(DotGeneral, OutputShapeOrder) {
  Array a = jx::np::zeros({4, 2, 3, 5}), b = jx::np::zeros({2, 5, 6});
  Array y = lx::dot_general(a, b, {{3}, {1}, {1}, {0}});
  EXPECT_EQ(y.shape(), (Shape{2, 4, 3, 6}));
}

TEST(DotGeneral, IntegersWrapInTheirWidth) {
  Array a = array<int8_t>({100, 100}, {1, 2}), b = array<int8_t>({2, 1}, {2, 1});
  Array y = lx::dot_general(a, b, {{1}, {0}});
  EXPECT_EQ(y.dtype(), jx::int8);
  EXPECT_EQ(y.to_vector<int>()[0], int8_t(300 & 0xff));
  Array w = lx::dot_general(a, b, {{1}, {0}}, jx::int32);
  EXPECT_EQ(w.dtype(), jx::int32);
  EXPECT_EQ(w.to_vector<int>()[0], 300);
}

TEST(DotGeneral, HalfPrecisionAccumulatesInFloat32) {
  // 1 + 2^-9 * 512 terms: each term is below bf16's resolution at 1, but
  // the f32 accumulator sums them exactly.
  const int n = 513;
  std::vector<float> av(n, 1.f / 512), bv(n, 1.f);
  av[0] = 1.f;
  Array a = lx::convert_element_type(array(av, {1, n}), jx::bfloat16);
  Array b = lx::convert_element_type(array(bv, {n, 1}), jx::bfloat16);
  Array y = lx::dot_general(a, b, {{1}, {0}}, jx::float32);
  EXPECT_EQ(y.dtype(), jx::float32);
  EXPECT_FLOAT_EQ(y.to_vector<float>()[0], 2.f);
  EXPECT_EQ(lx::dot_general(a, b, {{1}, {0}}).dtype(), jx::bfloat16);
  EXPECT_FLOAT_EQ(lx::dot_general(a, b, {{1}, {0}}).to_vector<float>()[0], 2.f);
}

TEST(DotGeneral, LaxDot) {
  Array a = array<float>({1, 2, 3, 4, 5, 6}, {2, 3}), v = array<float>({1, 0, -1});
  EXPECT_EQ(lx::dot(a, v).to_vector<float>(), (std::vector<float>{-2, -2}));
  EXPECT_NE(error_of([&] { lx::dot(array<float>({1}, {1, 1, 1}), v); }).find("[dot] takes operands of rank 1 or 2"),
            std::string::npos);
}

TEST(DotGeneral, Errors) {
  Array a = jx::np::zeros({2, 3}), b = jx::np::zeros({4, 5});
  auto msg = [&](const Array& x, const Array& y, lx::DotDimensionNumbers d, std::optional<DType> p = {}) {
    return error_of([&] { lx::dot_general(x, y, d, p); });
  };
  std::string m = msg(a, b, {{1}, {0}});
  EXPECT_NE(m.find("[dot_general] requires contracting dimensions to have the same shape, got (3,) and (4,)"), std::string::npos) << m;
  EXPECT_NE(m.find("contraction_test.cpp"), std::string::npos) << m;
  m = msg(a, b, {{2}, {0}});
  EXPECT_NE(m.find("requires lhs contracting dimensions to be nonnegative and less than the rank of lhs"), std::string::npos) << m;
  m = msg(a, b, {{-1}, {0}});
  EXPECT_NE(m.find("lhs_contracting (-1,)"), std::string::npos) << m;
  m = msg(a, b, {{1}, {0, 1}});
  EXPECT_NE(m.find("requires equal numbers of lhs and rhs contracting dimensions"), std::string::npos) << m;
  m = msg(a, b, {{}, {}, {0}, {}});
  EXPECT_NE(m.find("requires equal numbers of lhs_batch and rhs_batch dimensions"), std::string::npos) << m;
  m = msg(jx::np::zeros({2, 3, 3}), jx::np::zeros({3, 3}), {{1, 1}, {0, 1}});
  EXPECT_NE(m.find("requires lhs contracting dimensions to be distinct"), std::string::npos) << m;
  m = msg(jx::np::zeros({2, 3}), jx::np::zeros({2, 3}), {{0}, {1}, {0}, {0}});
  EXPECT_NE(m.find("requires lhs batch dimensions to be disjoint from contracting dimensions"), std::string::npos) << m;
  m = msg(jx::np::zeros({2, 3}), jx::np::zeros({4, 3}), {{1}, {1}, {0}, {0}});
  EXPECT_NE(m.find("batch dimensions to have the same shape, got (2,) and (4,)"), std::string::npos) << m;
  m = msg(a, jx::np::zeros({3, 2}, jx::int32), {{1}, {0}});
  EXPECT_NE(m.find("operands must have equal dtypes, got float32 and int32"), std::string::npos) << m;
  m = msg(jx::np::zeros({2, 3}, jx::int32), jx::np::zeros({3, 2}, jx::int32), {{1}, {0}}, jx::int16);
  EXPECT_NE(m.find("must not be narrower"), std::string::npos) << m;
  m = msg(jx::np::zeros({2, 3}, jx::int32), jx::np::zeros({3, 2}, jx::int32), {{1}, {0}}, jx::float32);
  EXPECT_NE(m.find("same kind"), std::string::npos) << m;
}

// ---------------------------------------------------------------- derivatives
TEST(DotGeneral, GradientsSecondOrder) {
  std::mt19937 rng(3);
  for (DType dt : {jx::float32, jx::float64}) {
    for (const DotCase& c : dot_cases()) {
      if (Shape(c.lhs).numel() > 64 || Shape(c.rhs).numel() > 64) continue;
      SCOPED_TRACE(std::string(c.what) + " " + std::string(dt.name()));
      Arrays args{random_array(dt, c.lhs, rng, true), random_array(dt, c.rhs, rng, true)};
      lx::DotDimensionNumbers d = c.dims;
      jx::FlatFn f = [d](std::span<const Array> in) { return Arrays{lx::dot_general(in[0], in[1], d)}; };
      std::optional<double> eps;
      if (dt == jx::float32) eps = 1e-2;  // bilinear: exact differences, rounding only
      try {
        jx::test::check_grads(f, args, 2, {"fwd", "rev"}, {}, {}, eps);
      } catch (const jx::Error& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
}

TEST(DotGeneral, VjpMatchesMatmulFormulas) {
  std::mt19937 rng(4);
  Array a = random_array(jx::float64, {3, 4}, rng, true), b = random_array(jx::float64, {4, 2}, rng, true);
  Array g = random_array(jx::float64, {3, 2}, rng, true);
  auto [outs, pullback] = jx::vjp_flat(
      [](std::span<const Array> in) { return Arrays{lx::dot_general(in[0], in[1], {{1}, {0}})}; }, Arrays{a, b});
  Arrays cts = pullback(Arrays{g});
  Array ga = lx::dot_general(g, b, {{1}, {1}}), gb = lx::dot_general(a, g, {{0}, {0}});
  EXPECT_EQ(cts[0].to_vector<double>(), ga.to_vector<double>());
  EXPECT_EQ(cts[1].to_vector<double>(), gb.to_vector<double>());
}

TEST(DotGeneral, PreferredElementTypeGradient) {
  std::mt19937 rng(5);
  Array a = lx::convert_element_type(random_array(jx::float32, {2, 3}, rng, true), jx::bfloat16);
  Array b = lx::convert_element_type(random_array(jx::float32, {3, 2}, rng, true), jx::bfloat16);
  auto [outs, pullback] = jx::vjp_flat(
      [](std::span<const Array> in) { return Arrays{lx::dot_general(in[0], in[1], {{1}, {0}}, jx::float32)}; },
      Arrays{a, b});
  EXPECT_EQ(outs[0].dtype(), jx::float32);
  Arrays cts = pullback(Arrays{jx::np::ones({2, 2})});
  EXPECT_EQ(cts[0].dtype(), jx::bfloat16);
  EXPECT_EQ(cts[1].dtype(), jx::bfloat16);
}

// ---------------------------------------------------------------- vmap
Array take(const Array& x, int axis, int64_t i) {
  std::vector<int64_t> start(size_t(x.ndim()), 0), limit = x.shape().to_vector();
  start[size_t(axis)] = i;
  limit[size_t(axis)] = i + 1;
  return lx::squeeze(lx::slice(x, start, limit), {axis});
}

TEST(DotGeneral, VmapMatchesLoop) {
  std::mt19937 rng(6);
  int checked = 0;
  for (const DotCase& c : dot_cases()) {
    if (Shape(c.lhs).numel() > 64 || Shape(c.rhs).numel() > 64) continue;
    for (int trial = 0; trial < 4; ++trial) {
      const int64_t n = 1 + int64_t(rng() % 3);
      std::vector<std::optional<int>> in_axes;
      Arrays args;
      int mapped_count = 0;
      for (int k = 0; k < 2; ++k) {
        Shape s = k ? c.rhs : c.lhs;
        bool mapped = trial == 0 || rng() % 3 != 0 || (k == 1 && mapped_count == 0);
        if (!mapped) {
          in_axes.push_back(std::nullopt);
          args.push_back(random_array(jx::float64, s, rng));
          continue;
        }
        ++mapped_count;
        int ax = int(rng() % (s.size() + 1));
        s.insert(size_t(ax), n);
        args.push_back(random_array(jx::float64, s, rng));
        in_axes.push_back(ax);
      }
      lx::DotDimensionNumbers d = c.dims;
      jx::FlatFn f = [d](std::span<const Array> in) { return Arrays{lx::dot_general(in[0], in[1], d)}; };
      Arrays parts;
      for (int64_t i = 0; i < n; ++i) {
        Arrays xs;
        for (int k = 0; k < 2; ++k) xs.push_back(in_axes[size_t(k)] ? take(args[size_t(k)], *in_axes[size_t(k)], i) : args[size_t(k)]);
        parts.push_back(f(xs)[0]);
      }
      std::optional<int> out_ax = int(rng() % unsigned(parts[0].ndim() + 1));
      Arrays got = jx::vmap_flat(f, args, in_axes, std::vector<std::optional<int>>{out_ax});
      Array want = jx::np::stack(parts, *out_ax);
      SCOPED_TRACE(std::string(c.what) + " trial " + std::to_string(trial));
      ASSERT_EQ(got[0].shape(), want.shape());
      EXPECT_EQ(got[0].to_vector<double>(), want.to_vector<double>());
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST(DotGeneral, VmapKeepsBatchAxisInPlace) {
  // One batched operand: the batch axis becomes a free dim; no transpose.
  Array a = jx::np::ones({3, 2, 4}), b = jx::np::ones({4, 5});
  auto jaxpr = jx::make_jaxpr_flat(
      [](std::span<const Array> in) {
        return jx::vmap_flat([](std::span<const Array> x) { return Arrays{lx::dot_general(x[0], x[1], {{1}, {0}})}; },
                             in, std::vector<std::optional<int>>{1, std::nullopt},
                             std::vector<std::optional<int>>{1});
      },
      std::vector<jx::Aval>{a.aval(), b.aval()});
  std::ostringstream os;
  os << jaxpr;
  EXPECT_EQ(os.str().find("transpose"), std::string::npos) << os.str();
}

}  // namespace
}  // namespace jxt

namespace jxt {
namespace {

TEST(DotGeneral, JaxprRoundTrip) {
  std::vector<jx::Aval> avals{{jx::bfloat16, {2, 3, 4}}, {jx::bfloat16, {2, 4, 5}}};
  auto j = jx::make_jaxpr_flat([](std::span<const Array> in) {
    return Arrays{lx::dot_general(in[0], in[1], {{2}, {1}, {0}, {0}}, jx::float32)};
  }, avals);
  std::string text = j.str();
  EXPECT_NE(text.find("preferred_element_type=float32"), std::string::npos) << text;
  jx::Jaxpr back = jx::parse_jaxpr(text);
  jx::verify_jaxpr(back);
  EXPECT_EQ(back.str(), text);
  std::mt19937 rng(7);
  Arrays args{random_array(jx::bfloat16, {2, 3, 4}, rng), random_array(jx::bfloat16, {2, 4, 5}, rng)};
  EXPECT_EQ(jx::eval_jaxpr(back, {}, args)[0].to_vector<float>(),
            lx::dot_general(args[0], args[1], {{2}, {1}, {0}, {0}}, jx::float32).to_vector<float>());
}

}  // namespace
}  // namespace jxt
