// Reductions (reduce_sum/prod/max/min/and/or, argmax/argmin) against naive
// loops: every subset of the axes of a rank-3 array (contiguous or not, in any
// order, negative, empty), several dtypes, NaN and signed zeros, size-0 axes,
// a 3M-element float32 sum against a long double sum, and bit-identical
// results for any thread count.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "backend/cpu/thread_pool.h"
#include "prims/op_table.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;

enum class Red { kSum, kProd, kMax, kMin, kAnd, kOr };

struct ReduceRow {
  const char* name;
  Red op;
  unsigned dtypes;
  jx::Array (*call)(const jx::Array&, std::vector<int64_t>);
};
const ReduceRow kReductions[] = {
    {"reduce_sum", Red::kSum, kNumT,
     [](const jx::Array& x, std::vector<int64_t> a) { return lx::reduce_sum(x, a); }},
    {"reduce_prod", Red::kProd, kNumT,
     [](const jx::Array& x, std::vector<int64_t> a) { return lx::reduce_prod(x, a); }},
    {"reduce_max", Red::kMax, kAnyT,
     [](const jx::Array& x, std::vector<int64_t> a) { return lx::reduce_max(x, a); }},
    {"reduce_min", Red::kMin, kAnyT,
     [](const jx::Array& x, std::vector<int64_t> a) { return lx::reduce_min(x, a); }},
    {"reduce_and", Red::kAnd, kBoolIntT,
     [](const jx::Array& x, std::vector<int64_t> a) { return lx::reduce_and(x, a); }},
    {"reduce_or", Red::kOr, kBoolIntT,
     [](const jx::Array& x, std::vector<int64_t> a) { return lx::reduce_or(x, a); }},
};

// Test values: small integers (sums exact in every order and dtype), powers of
// two for products (exact too), occasional ties for max/min/argmax.
HostBuf sample(jx::DType dt, int64_t n, Red op, uint64_t seed) {
  std::mt19937_64 rng(seed);
  HostBuf b(dt, n);
  for (int64_t i = 0; i < n; ++i) {
    if (dt.is_floating()) {
      long double v;
      if (op == Red::kProd) {
        // Powers of two: exact products. Long rows get only +-1 so that no
        // partial product over- or underflows in some order.
        const long double pick[] = {0.5L, 1, 2, -1, -2, 1, 2, -0.5L};
        v = n > 1000 ? pick[1 + 2 * (rng() % 2)] : pick[rng() % 8];
      } else {
        v = (long double)(int(rng() % 17) - 8);
        if (op != Red::kSum) v += (long double)(rng() % 4) / 4;  // ties, but not only ties
      }
      store_ld(dt, b.data(), i, v);
    } else if (dt.is_bool()) {
      store_int(dt, b.data(), i, rng() % 4 != 0);  // mostly true, so reduce_and varies
    } else if (op == Red::kAnd || op == Red::kOr) {
      store_int(dt, b.data(), i, I128(rng()));
    } else {
      I128 v = I128(rng() % 17) - 8;
      if (dt.is_unsigned_int() && v < 0) v = -v;
      if (op == Red::kProd) v = I128(rng() % 5) - 2;  // wraps for long products
      store_int(dt, b.data(), i, v);
    }
  }
  return b;
}

// Naive reduction of `in` (shape s) over the axes in `mask`.
struct Naive {
  std::vector<int64_t> out_shape;
  std::vector<long double> f;  // floating dtypes
  std::vector<I128> i;         // bool / integer dtypes
};
Naive naive_reduce(Red op, jx::DType dt, const HostBuf& in, const jx::Shape& s, unsigned mask) {
  Naive r;
  for (size_t d = 0; d < s.size(); ++d)
    if (!(mask >> d & 1)) r.out_shape.push_back(s[d]);
  int64_t m = 1;
  for (int64_t d : r.out_shape) m *= d;
  const long double inf = std::numeric_limits<long double>::infinity();
  long double finit = op == Red::kSum ? 0 : op == Red::kProd ? 1 : op == Red::kMax ? -inf : inf;
  I128 iinit = op == Red::kSum || op == Red::kOr ? 0
               : op == Red::kProd                ? 1
               : op == Red::kMax                 ? int_min(dt)
               : op == Red::kMin                 ? int_max(dt)
                                                 : int_max(dt) | int_min(dt);  // all ones
  if (dt.is_bool() && op == Red::kAnd) iinit = 1;
  r.f.assign(size_t(m), finit);
  r.i.assign(size_t(m), iinit);
  int64_t n = s.numel();
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t rest = flat, o = 0, stride = 1;
    for (int d = int(s.size()) - 1; d >= 0; --d) {
      int64_t idx = rest % s[size_t(d)];
      rest /= s[size_t(d)];
      if (!(mask >> d & 1)) {
        o += idx * stride;
        stride *= s[size_t(d)];
      }
    }
    if (dt.is_floating()) {
      long double v = load_ld(dt, in.data(), flat), &acc = r.f[size_t(o)];
      switch (op) {
        case Red::kSum:
          acc += v;
          break;
        case Red::kProd:
          acc *= v;
          break;
        case Red::kMax:
          acc = ref::jax_max(acc, v);
          break;
        case Red::kMin:
          acc = ref::jax_min(acc, v);
          break;
        default:
          break;
      }
    } else {
      I128 v = load_int(dt, in.data(), flat), &acc = r.i[size_t(o)];
      switch (op) {
        case Red::kSum:
          acc = wrap_int(dt, acc + v);
          break;
        case Red::kProd:
          // Multiply modulo 2^128 (unsigned: no UB); wrap_int keeps the dtype's low bits.
          acc = wrap_int(dt, I128(static_cast<unsigned __int128>(acc) * static_cast<unsigned __int128>(v)));
          break;
        case Red::kMax:
          acc = std::max(acc, v);
          break;
        case Red::kMin:
          acc = std::min(acc, v);
          break;
        case Red::kAnd:
          acc = acc & v;
          break;
        case Red::kOr:
          acc = acc | v;
          break;
      }
    }
  }
  return r;
}

// Every way of naming a subset of {0, 1, 2}: each order, and negative axes.
std::vector<std::vector<int64_t>> axis_lists() {
  return {{},     {0},    {1},    {2},      {-1},      {0, 1},    {1, 0},
          {0, 2}, {2, 0}, {1, 2}, {-2, -1}, {0, 1, 2}, {2, 0, 1}, {-3, 2, 1}};
}
unsigned mask_of(const std::vector<int64_t>& axes, int ndim) {
  unsigned m = 0;
  for (int64_t a : axes) m |= 1u << (a < 0 ? a + ndim : a);
  return m;
}

void check_reduction(const ReduceRow& row, jx::DType dt, const jx::Shape& shape) {
  HostBuf in = sample(dt, shape.numel(), row.op, 17 + uint64_t(dt.index()));
  jx::Array x = in.to_array(shape);
  for (const auto& axes : axis_lists()) {
    SCOPED_TRACE(std::string(row.name) + " " + std::string(dt.name()) + " shape " + shape.str() +
                 " axes " + jx::shape_str(axes));
    Naive want = naive_reduce(row.op, dt, in, shape, mask_of(axes, 3));
    jx::Array y = row.call(x, axes);
    ASSERT_EQ(y.shape(), jx::Shape(want.out_shape));
    ASSERT_EQ(y.dtype(), dt);
    for (int64_t k = 0; k < y.size(); ++k) {
      if (dt.is_floating()) {
        long double w = round_to(dt, want.f[size_t(k)]), g = load_ld(dt, y.data(), k);
        ASSERT_TRUE(same_value(g, w))
            << "element " << k << ": got " << fstr(g) << ", want " << fstr(w);
      } else {
        I128 w = wrap_int(dt, want.i[size_t(k)]), g = load_int(dt, y.data(), k);
        ASSERT_EQ(i128_str(g), i128_str(w)) << "element " << k;
      }
    }
  }
}

TEST(Reduction, EveryAxisSubsetEveryDtype) {
  for (const ReduceRow& row : kReductions)
    for (jx::DType dt : all_dtypes())
      if (row.dtypes & dbit(dt)) check_reduction(row, dt, jx::Shape{4, 5, 6});
}

// Long rows (SIMD main loop, tails, several blocks) and a size-0 axis.
TEST(Reduction, LongRowsAndEmptyAxes) {
  for (const ReduceRow& row : kReductions)
    for (jx::DType dt : {jx::float32, jx::float64, jx::int32, jx::uint8, jx::bool_, jx::bfloat16}) {
      if (!(row.dtypes & dbit(dt))) continue;
      check_reduction(row, dt, jx::Shape{3, 1029, 2});
      check_reduction(row, dt, jx::Shape{2, 40000, 1});
      check_reduction(row, dt, jx::Shape{3, 0, 2});
    }
}

TEST(Reduction, RejectsBadDtypes) {
  for (const ReduceRow& row : kReductions)
    for (jx::DType dt : all_dtypes()) {
      if (row.dtypes & dbit(dt)) continue;
      HostBuf b(dt, 4);
      std::string msg = error_of([&] { row.call(b.to_array(jx::Shape{4}), {0}); });
      EXPECT_NE(msg.find(std::string("[") + row.name + "]"), std::string::npos)
          << row.name << " " << dt.name() << ": '" << msg << "'";
    }
}

TEST(Reduction, MaxMinPropagateNaNAndOrderSignedZeros) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (jx::DType dt : {jx::float32, jx::float64, jx::float16, jx::bfloat16}) {
    SCOPED_TRACE(std::string(dt.name()));
    // Row 0 has a NaN first, row 1 last, row 2 none; 37 columns so the SIMD
    // body and its tail both see NaN.
    std::vector<float> v(3 * 37, 1.0f);
    v[0] = nan;
    v[37 + 36] = nan;
    v[2 * 37 + 5] = 7;
    HostBuf b(dt, int64_t(v.size()));
    for (size_t i = 0; i < v.size(); ++i) store_ld(dt, b.data(), int64_t(i), v[i]);
    jx::Array x = b.to_array(jx::Shape{3, 37});
    auto mx = lx::convert_element_type(lx::reduce_max(x, {1}), jx::float32).to_vector<float>();
    auto mn = lx::convert_element_type(lx::reduce_min(x, {1}), jx::float32).to_vector<float>();
    EXPECT_TRUE(std::isnan(mx[0]) && std::isnan(mx[1]));
    EXPECT_EQ(mx[2], 7.0f);
    EXPECT_TRUE(std::isnan(mn[0]) && std::isnan(mn[1]));
    EXPECT_EQ(mn[2], 1.0f);
    // Reduced over the outer axis (the accumulate path).
    auto col = lx::convert_element_type(lx::reduce_max(x, {0}), jx::float32).to_vector<float>();
    EXPECT_TRUE(std::isnan(col[0]) && std::isnan(col[36]));
    EXPECT_EQ(col[5], 7.0f);
  }
  // max(-0, +0) = +0 and min = -0, whatever the order.
  for (const std::vector<float>& v :
       {std::vector<float>{-0.0f, 0.0f}, std::vector<float>{0.0f, -0.0f}}) {
    EXPECT_FALSE(std::signbit(lx::reduce_max(array(v), {0}).item<float>()));
    EXPECT_TRUE(std::signbit(lx::reduce_min(array(v), {0}).item<float>()));
  }
  // Empty float max is -inf, empty int min is the dtype's max.
  EXPECT_EQ(lx::reduce_max(array(std::vector<float>{}), {0}).item<float>(), -INFINITY);
  EXPECT_EQ(lx::reduce_min(array(std::vector<int32_t>{}), {0}).item<int32_t>(), INT32_MAX);
  EXPECT_EQ(lx::reduce_and(array(std::vector<uint8_t>{}), {0}).item<int>(), 255);
  EXPECT_EQ(lx::reduce_prod(array(std::vector<float>{}), {0}).item<float>(), 1.0f);
}

// argmax/argmin along each axis: ties resolve to the first index, NaN wins
// (the first NaN), both index dtypes, negative axes.
TEST(Reduction, ArgmaxArgmin) {
  for (jx::DType dt :
       {jx::float32, jx::float64, jx::bfloat16, jx::int32, jx::uint8, jx::int64, jx::bool_}) {
    jx::Shape shape{4, 5, 6};
    HostBuf in = sample(dt, shape.numel(), Red::kMax, 5);
    if (dt.is_floating()) {  // a few NaNs, one of them not first in its row
      store_ld(dt, in.data(), 7, std::numeric_limits<long double>::quiet_NaN());
      store_ld(dt, in.data(), 7 + 12, std::numeric_limits<long double>::quiet_NaN());
      store_ld(dt, in.data(), 100, std::numeric_limits<long double>::quiet_NaN());
    }
    jx::Array x = in.to_array(shape);
    for (int64_t axis : {0, 1, 2, -1}) {
      for (bool is_max : {true, false}) {
        for (jx::DType idt : {jx::int32, jx::int64}) {
          SCOPED_TRACE(std::string(dt.name()) + (is_max ? " argmax" : " argmin") + " axis " +
                       std::to_string(axis) + " " + std::string(idt.name()));
          jx::Array y = is_max ? lx::argmax(x, axis, idt) : lx::argmin(x, axis, idt);
          int64_t a = axis < 0 ? axis + 3 : axis;
          ASSERT_EQ(y.dtype(), idt);
          std::vector<int64_t> got = y.to_vector<int64_t>();
          int64_t st[3] = {30, 6, 1};
          int64_t k = 0;
          for (int64_t i = 0; i < shape[0]; ++i)
            for (int64_t j = 0; j < shape[1]; ++j)
              for (int64_t l = 0; l < shape[2]; ++l) {
                int64_t idx[3] = {i, j, l};
                if (idx[a] != 0) continue;
                int64_t base = i * st[0] + j * st[1] + l * st[2], best = 0;
                long double bv = load_ld(dt, in.data(), base);
                for (int64_t t = 1; t < shape[size_t(a)] && !std::isnan(bv); ++t) {
                  long double v = load_ld(dt, in.data(), base + t * st[a]);
                  if (std::isnan(v) || (is_max ? v > bv : v < bv)) {
                    best = t;
                    bv = v;
                  }
                }
                ASSERT_EQ(got[size_t(k)], best) << "output " << k;
                ++k;
              }
          ASSERT_EQ(k, y.size());
        }
      }
    }
  }
  EXPECT_NE(error_of([] { lx::argmax(array(std::vector<float>{}), 0); }).find("empty axis"),
            std::string::npos);
}

// 3M float32 values: the blocked pairwise sum stays within a few ulps of the
// exact (long double) sum of |x|.
TEST(Reduction, LargeFloat32SumIsAccurate) {
  const int64_t n = 3'000'000;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 2.0f);
  std::vector<float> v(static_cast<size_t>(n));
  long double exact = 0, abs_sum = 0;
  for (float& f : v) {
    f = u(rng);
    exact += f;
    abs_sum += std::fabs(f);
  }
  float got = lx::reduce_sum(array(v), {0}).item<float>();
  // A naive running float sum would be off by ~1e-3 relative here; pairwise
  // blocks keep the error near n_block * eps.
  EXPECT_LE(std::fabs((long double)got - exact), 1e-6L * abs_sum)
      << "got " << got << ", exact " << fstr(exact);
  // Rows of the same data: each of 3 rows of 1M, and 1000 columns of 3000.
  auto rows = lx::reduce_sum(array(v, jx::Shape{3, 1'000'000}), {1}).to_vector<float>();
  for (int r = 0; r < 3; ++r) {
    long double e = 0, a = 0;
    for (int64_t i = 0; i < 1'000'000; ++i) {
      e += v[size_t(r * 1'000'000 + i)];
      a += std::fabs(v[size_t(r * 1'000'000 + i)]);
    }
    EXPECT_LE(std::fabs((long double)rows[size_t(r)] - e), 1e-6L * a) << "row " << r;
  }
}

// Results do not depend on the thread count: chunk boundaries and the order
// in which partial results are combined depend only on the shape.
TEST(Reduction, BitIdenticalForAnyThreadCount) {
  const int saved = jx::cpu::num_threads();
  const int64_t n = 3'000'000;
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& f : v) f = u(rng);
  jx::Array flat = array(v);                         // inner == 1 path
  jx::Array tall = array(v, jx::Shape{3000, 1000});  // reduce axis 0: inner > 1
  jx::Array exps = array(std::vector<float>(v.begin(), v.begin() + 1'000'000));

  std::vector<float> sum1, sum2, ex;
  for (int threads : {1, 2, 3, 8}) {
    jx::cpu::set_num_threads(threads);
    SCOPED_TRACE("threads=" + std::to_string(threads));
    std::vector<float> s1 = {lx::reduce_sum(flat, {0}).item<float>()};
    std::vector<float> s2 = lx::reduce_sum(tall, {0}).to_vector<float>();
    std::vector<float> e = lx::exp(exps).to_vector<float>();
    if (sum1.empty()) {
      sum1 = s1;
      sum2 = s2;
      ex = e;
      continue;
    }
    EXPECT_EQ(std::memcmp(s1.data(), sum1.data(), sizeof(float)), 0) << s1[0] << " vs " << sum1[0];
    EXPECT_EQ(std::memcmp(s2.data(), sum2.data(), s2.size() * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(e.data(), ex.data(), e.size() * sizeof(float)), 0);
  }
  jx::cpu::set_num_threads(saved);
}

}  // namespace
}  // namespace jxt
