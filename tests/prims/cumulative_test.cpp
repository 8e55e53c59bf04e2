// cumsum / cumprod / cummax / cummin / cumlogsumexp against naive scans in
// double: each axis of a rank-3 array, forward and reverse, several dtypes
// (integer wrap-around, NaN propagation, -inf in logsumexp), empty and
// size-1 axes; errors with their messages; check_grads (order 2, fwd + rev)
// in float32/float64; vmap against a loop over slices.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>

#include "jx/check_grads.h"
#include "jx/lax_sort.h"
#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;
using jx::Array;
using jx::DType;
using jx::Shape;
using Arrays = std::vector<Array>;

enum class Cum { kSum, kProd, kMax, kMin, kLogSumExp };
struct CumRow {
  const char* name;
  Cum op;
  Array (*fn)(const Array&, int64_t, bool, std::source_location);
};
const CumRow kOps[] = {
    {"cumsum", Cum::kSum, lx::cumsum},
    {"cumprod", Cum::kProd, lx::cumprod},
    {"cummax", Cum::kMax, lx::cummax},
    {"cummin", Cum::kMin, lx::cummin},
    {"cumlogsumexp", Cum::kLogSumExp, lx::cumlogsumexp},
};
Array call(const CumRow& r, const Array& x, int64_t axis, bool reverse) {
  return r.fn(x, axis, reverse, std::source_location::current());
}

Array from_doubles(DType dt, const Shape& s, const std::vector<double>& v) {
  return lx::convert_element_type(array(v, s), dt);
}
std::vector<double> vals(const Array& a) { return a.to_vector<double>(); }

double combine(Cum op, double a, double b) {
  switch (op) {
    case Cum::kSum:
      return a + b;
    case Cum::kProd:
      return a * b;
    case Cum::kMax:
      return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
    case Cum::kMin:
      return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
    case Cum::kLogSumExp: {
      double m = std::max(a, b), d = a - b;
      return std::isnan(d) ? a + b : m + std::log1p(std::exp(-std::fabs(d)));
    }
  }
  return 0;
}

// Naive scan along `axis`, each step rounded to dt (integers wrapped); the
// 16-bit floats accumulate unrounded and round each output once.
std::vector<double> naive(Cum op, DType dt, const std::vector<double>& x, const Shape& s, int axis,
                          bool reverse) {
  int64_t outer = 1, inner = 1, n = s[size_t(axis)];
  for (int i = 0; i < axis; ++i) outer *= s[size_t(i)];
  for (size_t i = size_t(axis) + 1; i < s.size(); ++i) inner *= s[i];
  std::vector<double> y(x.size()), acc(x.size());
  auto fit = [&](double v) -> double {
    if (dt.is_floating()) return double(round_to(dt, v));
    return double(wrap_int(dt, I128(v)));
  };
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      for (int64_t t = 0; t < n; ++t) {
        int64_t j = reverse ? n - 1 - t : t;
        size_t at = size_t((o * n + j) * inner + i);
        size_t prev = size_t((o * n + (reverse ? j + 1 : j - 1)) * inner + i);
        acc[at] = t == 0 ? x[at] : combine(op, acc[prev], x[at]);
        if (dt.is_floating() && dt.itemsize() == 2) {
          y[at] = fit(acc[at]);
        } else {
          acc[at] = fit(acc[at]);
          y[at] = acc[at];
        }
      }
  return y;
}

Array sample(DType dt, const Shape& s, Cum op, std::mt19937& rng) {
  std::vector<double> v(size_t(s.numel()));
  std::uniform_int_distribution<int> small(-4, 4);
  for (double& e : v) {
    e = small(rng);
    if (op == Cum::kProd) e = e == 0 ? 1 : (e > 0 ? 2 : -1);
    if (dt.is_floating() && op != Cum::kProd) e /= 4;
    if (dt.is_unsigned_int() && e < 0) e = -e;
  }
  return from_doubles(dt, s, v);
}

TEST(Cumulative, AgainstNaiveEveryAxisBothDirections) {
  std::mt19937 rng(1);
  Shape s{3, 4, 5};
  for (const CumRow& r : kOps)
    for (DType dt : {jx::float32, jx::float64, jx::int32, jx::uint8, jx::int8, jx::float16}) {
      if (r.op == Cum::kLogSumExp && !dt.is_floating()) continue;
      Array x = sample(dt, s, r.op, rng);
      for (int axis = 0; axis < 3; ++axis)
        for (bool rev : {false, true}) {
          Array y = call(r, x, axis, rev);
          ASSERT_EQ(y.dtype(), dt);
          auto want = naive(r.op, dt, vals(x), s, axis, rev);
          auto got = vals(y);
          double tol = r.op == Cum::kLogSumExp ? (dt == jx::float64   ? 1e-12
                                                  : dt == jx::float32 ? 1e-5
                                                                      : 1e-2)
                                               : 0;
          for (size_t i = 0; i < got.size(); ++i)
            ASSERT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i])))
                << r.name << " " << dt.name() << " axis " << axis << " reverse " << rev << " at "
                << i;
        }
    }
}

TEST(Cumulative, NegativeAxisAndBool) {
  Array x = from_doubles(jx::float32, Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(vals(lx::cumsum(x, -1)), (std::vector<double>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(vals(lx::cumsum(x, 0, true)), (std::vector<double>{5, 7, 9, 4, 5, 6}));
  Array b = array<bool>({false, true, false});
  EXPECT_EQ(lx::cummax(b).to_vector<int>(), (std::vector<int>{0, 1, 1}));
  EXPECT_EQ(lx::cummin(b, 0, true).to_vector<int>(), (std::vector<int>{0, 0, 0}));
}

// Values printed by JAX 0.10.2.
TEST(Cumulative, NaNAndInfinities) {
  Array x = from_doubles(jx::float32, Shape{3}, {1, NAN, 2});
  auto m = vals(lx::cummax(x));
  EXPECT_EQ(m[0], 1);
  EXPECT_TRUE(std::isnan(m[1]) && std::isnan(m[2]));
  auto l = vals(lx::cumlogsumexp(from_doubles(jx::float32, Shape{3}, {-INFINITY, -INFINITY, 0})));
  EXPECT_EQ(l, (std::vector<double>{-INFINITY, -INFINITY, 0}));
  auto big = vals(lx::cumlogsumexp(from_doubles(jx::float32, Shape{2}, {1000, 1000})));
  EXPECT_NEAR(big[1], 1000 + std::log(2.0), 1e-3);  // no overflow
}

TEST(Cumulative, EmptyAndSizeOne) {
  for (const CumRow& r : kOps) {
    EXPECT_EQ(call(r, jx::np::zeros({3, 0}), 1, false).shape(), (Shape{3, 0})) << r.name;
    EXPECT_EQ(call(r, jx::np::zeros({0, 2}), 1, true).shape(), (Shape{0, 2})) << r.name;
    Array one = from_doubles(jx::float32, Shape{1, 2}, {0.5, -2});
    EXPECT_EQ(vals(call(r, one, 0, false)), (std::vector<double>{0.5, -2})) << r.name;
  }
}

TEST(Cumulative, Errors) {
  Array x = jx::np::zeros({2, 3});
  std::string m = error_of([&] { lx::cumsum(x, 2); });
  EXPECT_NE(m.find("[cumsum] axis 2 is out of bounds for operand f32[2,3]"), std::string::npos)
      << m;
  m = error_of([&] { lx::cumprod(x, -3); });
  EXPECT_NE(m.find("[cumprod] axis -3 is out of bounds"), std::string::npos) << m;
  m = error_of([&] { lx::cumsum(array<bool>({true})); });
  EXPECT_NE(m.find("[cumsum] expected a numeric (integer or floating) dtype, got bool"),
            std::string::npos)
      << m;
  m = error_of([&] { lx::cumlogsumexp(array<int>({1})); });
  EXPECT_NE(m.find("[cumlogsumexp] expected a floating dtype, got int32"), std::string::npos) << m;
  m = error_of([&] { lx::cummax(jx::np::zeros({})); });
  EXPECT_NE(m.find("[cummax] operand must have at least one dimension"), std::string::npos) << m;
  EXPECT_NE(m.find("cumulative_test.cpp"), std::string::npos) << m;
}

TEST(Cumulative, GradOrder2) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> u(0.5, 1.5);
  for (DType dt : {jx::float32, jx::float64})
    for (const CumRow& r : kOps) {
      // Distinct magnitudes away from zero with mixed signs: no ties for
      // cummax/cummin, tame products.
      std::vector<double> v(12);
      for (size_t i = 0; i < v.size(); ++i)
        v[i] = (i % 3 == 1 ? -1 : 1) * (u(rng) + 0.3 * double(i));
      std::shuffle(v.begin(), v.end(), rng);
      Array x = from_doubles(dt, Shape{3, 4}, v);
      for (int axis : {0, 1})
        for (bool rev : {false, true}) {
          auto f = [&r, axis, rev](std::span<const Array> in) {
            return Arrays{call(r, in[0], axis, rev)};
          };
          EXPECT_NO_THROW(jx::test::check_grads(f, Arrays{x}, 2, {"fwd", "rev"}, {}, {},
                                                dt == jx::float32 ? 1e-2 : 1e-4))
              << r.name << " " << dt.name() << " axis " << axis << " reverse " << rev;
        }
    }
}

TEST(Cumulative, CumsumTransposeIsReverseCumsum) {
  Array x = from_doubles(jx::float64, Shape{4}, {1, 2, 3, 4});
  auto f = [](std::span<const Array> in) { return Arrays{lx::cumsum(in[0])}; };
  auto [ys, pullback] = jx::vjp_flat(f, Arrays{x});
  Array ct = from_doubles(jx::float64, Shape{4}, {1, 10, 100, 1000});
  EXPECT_EQ(vals(pullback(Arrays{ct})[0]), (std::vector<double>{1111, 1110, 1100, 1000}));
}

Array take(const Array& x, int axis, int64_t i) {
  std::vector<int64_t> start(size_t(x.ndim()), 0), limit = x.shape().to_vector();
  start[size_t(axis)] = i;
  limit[size_t(axis)] = i + 1;
  return lx::squeeze(lx::slice(x, start, limit), {axis});
}

TEST(Cumulative, VmapMatchesLoop) {
  std::mt19937 rng(3);
  for (const CumRow& r : kOps)
    for (int trial = 0; trial < 4; ++trial) {
      int in_axis = int(rng() % 3), axis = int(rng() % 2);
      bool rev = rng() % 2;
      Shape s{4, 5};
      s.insert(size_t(in_axis), 3);
      Array x = sample(jx::float32, s, r.op, rng);
      auto f = [&r, axis, rev](std::span<const Array> in) {
        return Arrays{call(r, in[0], axis, rev)};
      };
      Arrays got = jx::vmap_flat(f, Arrays{x}, std::vector<std::optional<int>>{in_axis}, {});
      Arrays parts;
      for (int64_t i = 0; i < 3; ++i) parts.push_back(f(Arrays{take(x, in_axis, i)})[0]);
      Array want = jx::np::stack(parts, 0);
      ASSERT_EQ(got[0].shape(), want.shape()) << r.name;
      EXPECT_EQ(std::memcmp(got[0].data(), want.data(), size_t(want.nbytes())), 0) << r.name;
    }
}

}  // namespace
}  // namespace jxt
