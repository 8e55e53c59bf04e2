// lax.sort and lax.top_k against naive references in double: every dtype,
// several operands and num_keys, each dimension of a rank-3 array, NaN and
// signed zeros in JAX's order (checked against values JAX printed),
// stability, empty and size-1 axes, a long row (radix path); errors with
// their messages; check_grads (order 2, fwd + rev) in float32/float64; vmap
// against a loop over slices with random in_axes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include "jx/check_grads.h"
#include "jx/jit.h"
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

Array from_doubles(DType dt, const Shape& s, const std::vector<double>& v) {
  return lx::convert_element_type(array(v, s), dt);
}
std::vector<double> vals(const Array& a) { return a.to_vector<double>(); }

// JAX's sort key: NaNs last (equal to each other), -0.0 == 0.0.
bool sort_less(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

Array random_values(DType dt, const Shape& s, std::mt19937& rng, int range = 5) {
  HostBuf b(dt, s.numel());
  std::uniform_int_distribution<int> small(-range, range);
  for (int64_t i = 0; i < s.numel(); ++i) {
    long double v = small(rng);
    if (dt.is_floating()) v = v / 2;  // halves: ties and exact values in every float dtype
    if (dt.is_bool()) v = v > 0;
    if (dt.is_unsigned_int() && v < 0) v = -v;
    store_ld(dt, b.data(), i, v);
  }
  return b.to_array(s);
}

// Naive sort of rows of [outer, n, inner] along the middle axis by the first
// num_keys operands, stably; returns the permuted operands as doubles.
std::vector<std::vector<double>> naive_sort(const std::vector<std::vector<double>>& ops,
                                            const Shape& s, int dim, int num_keys) {
  int64_t outer = 1, inner = 1, n = s[size_t(dim)];
  for (int i = 0; i < dim; ++i) outer *= s[size_t(i)];
  for (size_t i = size_t(dim) + 1; i < s.size(); ++i) inner *= s[i];
  std::vector<std::vector<double>> out = ops;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      auto at = [&](int64_t j) { return (o * n + j) * inner + in; };
      std::vector<int64_t> perm(static_cast<size_t>(n));
      std::iota(perm.begin(), perm.end(), 0);
      std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
        for (int k = 0; k < num_keys; ++k) {
          double x = ops[size_t(k)][size_t(at(a))], y = ops[size_t(k)][size_t(at(b))];
          if (sort_less(x, y)) return true;
          if (sort_less(y, x)) return false;
        }
        return false;
      });
      for (size_t k = 0; k < ops.size(); ++k)
        for (int64_t j = 0; j < n; ++j) out[k][size_t(at(j))] = ops[k][size_t(at(perm[size_t(j)]))];
    }
  return out;
}

void expect_same(const std::vector<double>& got, const std::vector<double>& want,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(same_value(got[i], want[i]))
        << what << " element " << i << ": " << got[i] << " vs " << want[i];
}

// ---------------------------------------------------------------- sort

TEST(Sort, EveryDtypeEveryDimension) {
  std::mt19937 rng(1);
  Shape s{3, 4, 5};
  for (DType dt : all_dtypes()) {
    Array x = random_values(dt, s, rng);
    for (int dim = -3; dim < 3; ++dim) {
      Array y = lx::sort(x, dim);
      ASSERT_EQ(y.dtype(), dt);
      ASSERT_EQ(y.shape(), s);
      int d = dim < 0 ? dim + 3 : dim;
      auto want = naive_sort({vals(x)}, s, d, 1);
      expect_same(vals(y), want[0], std::string(dt.name()) + " dim " + std::to_string(dim));
    }
  }
}

TEST(Sort, SeveralOperandsAndKeys) {
  std::mt19937 rng(2);
  Shape s{4, 7};
  Array k0 = random_values(jx::int32, s, rng, 1);  // many ties in the first key
  Array k1 = random_values(jx::float32, s, rng, 2);
  Array payload = random_values(jx::float64, s, rng, 50);
  for (int num_keys = 1; num_keys <= 3; ++num_keys)
    for (int dim = 0; dim < 2; ++dim) {
      Arrays out = lx::sort({k0, k1, payload}, dim, true, num_keys);
      ASSERT_EQ(out.size(), 3u);
      EXPECT_EQ(out[0].dtype(), jx::int32);
      EXPECT_EQ(out[1].dtype(), jx::float32);
      auto want = naive_sort({vals(k0), vals(k1), vals(payload)}, s, dim, num_keys);
      for (int k = 0; k < 3; ++k)
        expect_same(vals(out[size_t(k)]), want[size_t(k)],
                    "num_keys " + std::to_string(num_keys) + " operand " + std::to_string(k));
    }
}

// Reference values printed by JAX 0.10.2 (lax.sort with an iota, stable).
TEST(Sort, NaNsLastAndSignedZerosEqual) {
  const double nan = std::nan("");
  std::vector<double> x{0.0, -0.0, nan, -nan, 1.0, -INFINITY, INFINITY, -0.0, 0.0};
  Array a = from_doubles(jx::float32, Shape{9}, x);
  auto [s, idx] = lx::sort_key_val(a, lx::iota(jx::int32, Shape{9}), 0);
  EXPECT_EQ(idx.to_vector<int>(), (std::vector<int>{5, 0, 1, 7, 8, 4, 6, 2, 3}));
  auto v = vals(s);
  EXPECT_EQ(v[0], -INFINITY);
  EXPECT_EQ(v[5], 1.0);
  EXPECT_EQ(v[6], INFINITY);
  EXPECT_TRUE(std::isnan(v[7]) && std::isnan(v[8]));
  const bool neg[] = {true, false, true, true, false};  // the zeros keep their own signs
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(std::signbit(v[size_t(i)]), neg[i]) << i;
  // float64 and the 16-bit floats order the same way.
  for (DType dt : {jx::float64, jx::float16, jx::bfloat16}) {
    auto r = lx::sort_key_val(from_doubles(dt, Shape{9}, x), lx::iota(jx::int32, Shape{9}), 0);
    EXPECT_EQ(r.second.to_vector<int>(), (std::vector<int>{5, 0, 1, 7, 8, 4, 6, 2, 3}))
        << dt.name();
  }
}

TEST(Sort, StableForEqualKeys) {
  Array keys = array<int>({3, 1, 3, 2, 1, 3, 2});
  Array payload = lx::iota(jx::int32, Shape{7});
  auto [k, p] = lx::sort_key_val(keys, payload);
  EXPECT_EQ(k.to_vector<int>(), (std::vector<int>{1, 1, 2, 2, 3, 3, 3}));
  EXPECT_EQ(p.to_vector<int>(), (std::vector<int>{1, 4, 3, 6, 0, 2, 5}));
  // is_stable = false is allowed any order of ties; jx gives the stable one.
  auto r = lx::sort({keys, payload}, 0, false, 1);
  EXPECT_EQ(r[1].to_vector<int>(), (std::vector<int>{1, 4, 3, 6, 0, 2, 5}));
}

TEST(Sort, LongRowsUseTheRadixPathCorrectly) {
  std::mt19937 rng(3);
  for (DType dt : {jx::float32, jx::float64, jx::int16, jx::uint8, jx::int64, jx::bfloat16}) {
    Shape s{2, 3000};
    Array x = random_values(dt, s, rng, 100);
    Array idx = lx::iota(jx::int32, s, 1);
    Arrays out = lx::sort({x, idx}, 1, true, 1);
    auto want = naive_sort({vals(x), vals(idx)}, s, 1, 1);
    expect_same(vals(out[0]), want[0], std::string(dt.name()));
    expect_same(vals(out[1]), want[1], std::string(dt.name()));
  }
  // A lone operand (its bits travel through the radix sort), every dtype.
  for (DType dt : all_dtypes()) {
    Shape s{3000, 2};
    Array x = random_values(dt, s, rng, 100);
    expect_same(vals(lx::sort(x, 0)), naive_sort({vals(x)}, s, 0, 1)[0],
                std::string(dt.name()) + " alone");
  }
  // NaNs and zeros of both signs in a long float32 row.
  std::vector<double> v(5000);
  std::uniform_real_distribution<double> u(-3, 3);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = i % 97 == 0 ? std::nan("") : i % 89 == 0 ? -0.0 : i % 83 == 0 ? 0.0 : u(rng);
  Array x = from_doubles(jx::float32, Shape{5000}, v);
  auto [s, p] = lx::sort_key_val(x, lx::iota(jx::int32, Shape{5000}));
  auto want = naive_sort({vals(x), vals(lx::iota(jx::int32, Shape{5000}))}, Shape{5000}, 0, 1);
  expect_same(vals(s), want[0], "nan row");
  expect_same(vals(lx::sort(x)), want[0], "nan row alone");  // zeros keep their signs, in order
  expect_same(vals(p), want[1], "nan row perm");
}

TEST(Sort, EmptyAndSizeOne) {
  Array e = jx::np::zeros({0});
  EXPECT_EQ(lx::sort(e).shape(), Shape{0});
  EXPECT_EQ(lx::sort(jx::np::zeros({3, 0}), 0).shape(), (Shape{3, 0}));
  EXPECT_EQ(lx::sort(jx::np::zeros({0, 4}), 1).shape(), (Shape{0, 4}));
  Array one = from_doubles(jx::float32, Shape{3, 1}, {3, -1, 2});
  EXPECT_EQ(vals(lx::sort(one, 1)), (std::vector<double>{3, -1, 2}));
  EXPECT_EQ(vals(lx::sort(one, 0)), (std::vector<double>{-1, 2, 3}));
}

TEST(Sort, Errors) {
  Array x = jx::np::zeros({2, 3});
  std::string m = error_of([&] { lx::sort({x, jx::np::zeros({3, 2})}, 0); });
  EXPECT_NE(m.find("[sort] operands must have equal shapes, got f32[2,3], f32[3,2]"),
            std::string::npos)
      << m;
  m = error_of([&] { lx::sort({x, x}, 0, true, 3); });
  EXPECT_NE(m.find("[sort] num_keys must be in [1, 2]"), std::string::npos) << m;
  m = error_of([&] { lx::sort({x}, 0, true, 0); });
  EXPECT_NE(m.find("num_keys must be in [1, 1]"), std::string::npos) << m;
  m = error_of([&] { lx::sort(x, 2); });
  EXPECT_NE(m.find("[sort] dimension 2 is out of bounds for operands f32[2,3]"), std::string::npos)
      << m;
  m = error_of([&] { lx::sort(jx::np::zeros({})); });
  EXPECT_NE(m.find("[sort]"), std::string::npos) << m;
  EXPECT_NE(m.find("sort_test.cpp"), std::string::npos) << m;  // the caller's line
}

// ---------------------------------------------------------------- sort: transformations

// Distinct values (no ties within finite-difference reach).
Array distinct(DType dt, const Shape& s, std::mt19937& rng) {
  std::vector<double> v(size_t(s.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.25 * double(i) - 0.1 * double(v.size());
  std::shuffle(v.begin(), v.end(), rng);
  return from_doubles(dt, s, v);
}

TEST(Sort, GradOrder2) {
  std::mt19937 rng(4);
  for (DType dt : {jx::float32, jx::float64}) {
    Array x = distinct(dt, Shape{3, 5}, rng);
    for (int dim : {0, 1}) {
      auto f = [dim](std::span<const Array> in) { return Arrays{lx::sort(in[0], dim)}; };
      EXPECT_NO_THROW(jx::test::check_grads(f, Arrays{x}, 2, {"fwd", "rev"}, {}, {}, 1e-2))
          << dt.name() << " dim " << dim;
    }
    // A key and a differentiable payload: the payload follows the key.
    Array y = distinct(dt, Shape{3, 5}, rng);
    auto g = [](std::span<const Array> in) { return lx::sort({in[0], in[1]}, 1, true, 1); };
    EXPECT_NO_THROW(jx::test::check_grads(g, Arrays{x, y}, 2, {"fwd", "rev"}, {}, {}, 1e-2));
  }
}

// Element i of x along `axis`.
Array take(const Array& x, int axis, int64_t i) {
  std::vector<int64_t> start(size_t(x.ndim()), 0), limit = x.shape().to_vector();
  start[size_t(axis)] = i;
  limit[size_t(axis)] = i + 1;
  return lx::squeeze(lx::slice(x, start, limit), {axis});
}

// vmap(f) against stacking f over slices, bit for bit.
void check_vmap(const jx::FlatFn& f, const Arrays& args,
                const std::vector<std::optional<int>>& in_axes, int64_t n,
                const std::string& what) {
  Arrays got = jx::vmap_flat(f, args, in_axes, {});
  std::vector<Arrays> per;
  for (int64_t i = 0; i < n; ++i) {
    Arrays xs;
    for (size_t a = 0; a < args.size(); ++a)
      xs.push_back(in_axes[a] ? take(args[a], *in_axes[a], i) : args[a]);
    per.push_back(f(xs));
  }
  for (size_t k = 0; k < got.size(); ++k) {
    Arrays parts;
    for (auto& p : per) parts.push_back(p[k]);
    Array want = jx::np::stack(parts, 0);
    ASSERT_EQ(got[k].shape(), want.shape()) << what;
    ASSERT_EQ(got[k].dtype(), want.dtype()) << what;
    EXPECT_EQ(std::memcmp(got[k].data(), want.data(), size_t(want.nbytes())), 0) << what;
  }
}

TEST(Sort, VmapMatchesLoop) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 12; ++trial) {
    int ak = int(rng() % 3), ap = int(rng() % 3);
    bool payload_mapped = rng() % 3 != 0;
    int dim = int(rng() % 2), nk = 1 + int(rng() % 2);
    Shape base{4, 5};
    Shape sk = base, sp = base;
    sk.insert(size_t(ak), 3);
    if (payload_mapped) sp.insert(size_t(ap), 3);
    Array k = random_values(jx::float32, sk, rng, 2), p = random_values(jx::int32, sp, rng, 9);
    auto f = [dim, nk](std::span<const Array> in) {
      return lx::sort({in[0], in[1]}, dim, true, nk);
    };
    check_vmap(f, {k, p}, {ak, payload_mapped ? std::optional<int>(ap) : std::nullopt}, 3,
               "trial " + std::to_string(trial));
  }
}

// ---------------------------------------------------------------- top_k

// Reference values printed by JAX 0.10.2: XLA's total order (NaN first, 0.0
// before -0.0, -NaN last), ties by lower index.
TEST(TopK, TotalOrderAndTies) {
  const double nan = std::nan("");
  Array x = from_doubles(jx::float32, Shape{9},
                         {0.0, -0.0, nan, -nan, 1.0, -INFINITY, INFINITY, -0.0, 0.0});
  auto [v, idx] = lx::top_k(x, 9);
  EXPECT_EQ(idx.dtype(), jx::int32);
  EXPECT_EQ(idx.to_vector<int>(), (std::vector<int>{2, 6, 4, 0, 8, 1, 7, 5, 3}));
  auto a = lx::top_k(from_doubles(jx::float64, Shape{5}, {1, 3, 3, 2, 3}), 3);
  EXPECT_EQ(vals(a.first), (std::vector<double>{3, 3, 3}));
  EXPECT_EQ(a.second.to_vector<int>(), (std::vector<int>{1, 2, 4}));
}

TEST(TopK, BatchedAgainstNaive) {
  std::mt19937 rng(6);
  for (DType dt : {jx::float32, jx::int32, jx::uint8, jx::float16}) {
    Shape s{2, 3, 8};
    Array x = random_values(dt, s, rng, 4);
    for (int64_t k : {0, 1, 3, 8}) {
      auto [v, idx] = lx::top_k(x, k);
      ASSERT_EQ(v.shape(), (Shape{2, 3, k}));
      auto xv = vals(x), vv = vals(v);
      auto iv = idx.to_vector<int>();
      for (int64_t r = 0; r < 6; ++r) {
        std::vector<int> order(8);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
          return xv[size_t(r * 8 + a)] > xv[size_t(r * 8 + b)];
        });
        for (int64_t j = 0; j < k; ++j) {
          EXPECT_EQ(iv[size_t(r * k + j)], order[size_t(j)]) << dt.name();
          EXPECT_EQ(vv[size_t(r * k + j)], xv[size_t(r * 8 + order[size_t(j)])]);
        }
      }
    }
  }
}

// Long rows take the threshold path (k much smaller than the row): ties,
// NaNs and signed zeros against a naive total-order sort.
TEST(TopK, LongRowsWithTiesAndNaN) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> pick(-20, 20);
  for (DType dt : {jx::float32, jx::float64, jx::bfloat16, jx::int16}) {
    int64_t n = 1000;
    std::vector<double> v(size_t(3 * n));
    for (double& e : v) {
      int p = pick(rng);
      e = !dt.is_floating() ? p
          : p == 20         ? std::nan("")
          : p == -20        ? -std::nan("")
          : p == 0          ? -0.0
                            : p / 4.0;
    }
    Array x = lx::convert_element_type(array(v, Shape{3, n}), dt);
    auto xv = vals(x);
    // The order top_k uses: the bits' total order (NaN > inf, 0.0 > -0.0, -NaN lowest).
    auto rank = [](double d) {
      if (std::isnan(d)) return std::signbit(d) ? -1e300 : 1e300;
      return d == 0 ? (std::signbit(d) ? -1e-300 : 1e-300) : d;
    };
    for (int64_t k : {1, 5, 100}) {
      auto [val, idx] = lx::top_k(x, k);
      auto iv = idx.to_vector<int>();
      for (int64_t r = 0; r < 3; ++r) {
        std::vector<int> order(static_cast<size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
          return rank(xv[size_t(r * n + a)]) > rank(xv[size_t(r * n + b)]);
        });
        for (int64_t j = 0; j < k; ++j)
          ASSERT_EQ(iv[size_t(r * k + j)], order[size_t(j)])
              << dt.name() << " k " << k << " row " << r << " j " << j;
      }
    }
  }
}

TEST(TopK, Errors) {
  Array x = jx::np::zeros({2, 3});
  std::string m = error_of([&] { lx::top_k(x, 4); });
  EXPECT_NE(m.find("[top_k] k must be in [0, 3] (the size of the last axis of f32[2,3]), got 4"),
            std::string::npos)
      << m;
  m = error_of([&] { lx::top_k(x, -1); });
  EXPECT_NE(m.find("got -1"), std::string::npos) << m;
  m = error_of([&] { lx::top_k(jx::np::zeros({}), 1); });
  EXPECT_NE(m.find("[top_k] operand must have at least one dimension"), std::string::npos) << m;
  auto [v, i] = lx::top_k(jx::np::zeros({2, 0}), 0);
  EXPECT_EQ(v.shape(), (Shape{2, 0}));
}

TEST(TopK, GradOrder2) {
  std::mt19937 rng(7);
  for (DType dt : {jx::float32, jx::float64}) {
    Array x = distinct(dt, Shape{2, 6}, rng);
    auto f = [](std::span<const Array> in) {
      auto [v, i] = lx::top_k(in[0], 3);
      return Arrays{v};
    };
    EXPECT_NO_THROW(jx::test::check_grads(f, Arrays{x}, 2, {"fwd", "rev"}, {}, {}, 1e-2))
        << dt.name();
  }
}

TEST(TopK, VmapMatchesLoop) {
  std::mt19937 rng(8);
  for (int axis = 0; axis < 3; ++axis) {  // axis 2 is the operand's last axis
    Shape s{4, 6};
    s.insert(size_t(axis), 3);
    Array x = random_values(jx::float32, s, rng, 3);
    auto f = [](std::span<const Array> in) {
      auto [v, i] = lx::top_k(in[0], 2);
      return Arrays{v, i};
    };
    check_vmap(f, {x}, {axis}, 3, "axis " + std::to_string(axis));
  }
}

// The compiled program (eager kernels called from jit) gives the same bits,
// for the ops of this family and their derivatives.
TEST(Sort, JitMatchesEager) {
  std::mt19937 rng(10);
  Array x = distinct(jx::float32, Shape{4, 6}, rng);
  Array k = random_values(jx::int32, Shape{4, 6}, rng, 2);
  auto f = [](const Array& a, const Array& keys) {
    Arrays s = lx::sort({keys, a}, 1, true, 1);
    auto [v, i] = lx::top_k(a, 3);
    lx::WindowConfig w{
        .window_dimensions = {2, 3}, .window_strides = {1, 2}, .padding = {{1, 0}, {0, 1}}};
    return std::make_tuple(s[1], v, i, lx::cumsum(a, 1, true), lx::cumlogsumexp(a, 0),
                           lx::cummax(a, 1), lx::reduce_window_max(a, w),
                           lx::reduce_window_sum(a, w));
  };
  auto eager = f(x, k);
  auto compiled = jx::jit(f)(x, k);
  auto same = [](const Array& a, const Array& b) {
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), size_t(a.nbytes())) == 0;
  };
  EXPECT_TRUE(same(std::get<0>(eager), std::get<0>(compiled)));
  EXPECT_TRUE(same(std::get<1>(eager), std::get<1>(compiled)));
  EXPECT_TRUE(same(std::get<2>(eager), std::get<2>(compiled)));
  EXPECT_TRUE(same(std::get<3>(eager), std::get<3>(compiled)));
  EXPECT_TRUE(same(std::get<4>(eager), std::get<4>(compiled)));
  EXPECT_TRUE(same(std::get<5>(eager), std::get<5>(compiled)));
  EXPECT_TRUE(same(std::get<6>(eager), std::get<6>(compiled)));
  EXPECT_TRUE(same(std::get<7>(eager), std::get<7>(compiled)));
  auto loss = [](const Array& a) {
    lx::WindowConfig w{.window_dimensions = {2, 2}};
    return jx::np::sum(lx::reduce_window_max(lx::cumprod(lx::sort(a, 0), 1), w));
  };
  EXPECT_TRUE(same(jx::grad(loss)(x), jx::jit(jx::grad(loss))(x)));
}

// vmap of reverse-mode derivatives of sort and top_k (the transpose's
// inverse-permutation sort batches like any sort).
TEST(Sort, VmapOfGradMatchesLoop) {
  std::mt19937 rng(13);
  Array x = distinct(jx::float64, Shape{3, 4, 5}, rng);
  Array w = distinct(jx::float64, Shape{4, 5}, rng);
  auto loss = [](std::span<const Array> in) {
    Array s = lx::sort(in[0], 1);
    auto [v, i] = lx::top_k(in[0], 2);
    return Arrays{
        lx::add(lx::reduce_sum(lx::mul(s, in[1]), {0, 1}), lx::reduce_sum(lx::mul(v, v), {0, 1}))};
  };
  jx::FlatFn grads = [loss](std::span<const Array> in) {
    auto [ys, pullback] = jx::vjp_flat(loss, in);
    return pullback(Arrays{jx::np::ones({}, jx::float64)});
  };
  for (int ax : {0, 1, 2})
    check_vmap(grads, {jx::np::moveaxis(x, 0, ax), w}, {ax, std::nullopt}, 3,
               "axis " + std::to_string(ax));
}

}  // namespace
}  // namespace jxt
