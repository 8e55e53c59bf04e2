// Tests of jx::np against values computed by hand or by naive loops in double.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <numbers>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "jx/jx.h"

namespace np = jx::np;
using jx::Array;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> values(const Array& a) { return a.to_vector<double>(); }

void expect_values(const Array& a, const std::vector<double>& want, double tol = 1e-6) {
  std::vector<double> got = values(a);
  ASSERT_EQ(got.size(), want.size()) << "shape " << a.shape().str();
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "at " << i;
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << "at " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], tol * std::max(1.0, std::abs(want[i]))) << "at " << i;
    }
  }
}

std::string dtype_of(const Array& a) { return std::string(a.dtype().name()); }

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const jx::Error& e) {
    return e.what();
  }
  return "<no error>";
}

// 0, 1, 2, ... as float32 with the given shape.
Array iota_f32(const jx::Shape& s) {
  std::vector<float> v(size_t(s.numel()));
  std::iota(v.begin(), v.end(), 0.f);
  return np::array(v, s);
}

}  // namespace

// ============================================================================ construction
TEST(NpCreation, ArrayKeepsTheCppType) {
  Array f = np::array({1.f, 2.f, 3.f});
  EXPECT_EQ(dtype_of(f), "float32");
  EXPECT_EQ(f.shape(), jx::Shape({3}));
  EXPECT_FALSE(f.weak_type());
  EXPECT_EQ(dtype_of(np::array({1, 2})), "int32");
  EXPECT_EQ(dtype_of(np::array({1.0, 2.0})), "float64");
  EXPECT_EQ(dtype_of(np::array({true, false})), "bool");
  EXPECT_EQ(dtype_of(np::array({int64_t(1)})), "int64");
  Array s = np::array(3.f);
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_EQ(s.item<float>(), 3.f);
  Array m = np::array(std::vector<int>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(m.shape(), jx::Shape({2, 3}));
  expect_values(m, {1, 2, 3, 4, 5, 6});
  double raw[] = {1.5, 2.5, 3.5, 4.5};
  Array p = np::array(raw, {2, 2});
  EXPECT_EQ(dtype_of(p), "float64");
  expect_values(p, {1.5, 2.5, 3.5, 4.5});
  Array n = np::array({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(n.shape(), jx::Shape({2, 3}));
  expect_values(n, {1, 2, 3, 4, 5, 6});
  Array b = np::array(std::vector<bool>{true, false, true});
  expect_values(b, {1, 0, 1});
  EXPECT_EQ(dtype_of(np::asarray(m, np::float32)), "float32");
}

TEST(NpCreation, ArrayErrors) {
  std::string e = error_of([] { np::array(std::vector<float>{1, 2, 3}, {2, 2}); });
  EXPECT_NE(e.find("[array]"), std::string::npos) << e;
  EXPECT_NE(e.find("(2, 2)"), std::string::npos) << e;
  e = error_of([] { np::array({{1, 2}, {3}}); });
  EXPECT_NE(e.find("ragged"), std::string::npos) << e;
}

TEST(NpCreation, ZerosOnesFull) {
  Array z = np::zeros({2, 3});
  EXPECT_EQ(dtype_of(z), "float32");
  EXPECT_EQ(z.shape(), jx::Shape({2, 3}));
  expect_values(z, std::vector<double>(6, 0));
  expect_values(np::ones({2}, np::int8), {1, 1});
  EXPECT_EQ(dtype_of(np::ones({2}, np::int8)), "int8");
  EXPECT_EQ(np::empty({0, 2}).size(), 0);
  Array f = np::full({2, 2}, 7);
  EXPECT_EQ(dtype_of(f), "int32");
  EXPECT_TRUE(f.weak_type());
  expect_values(f, {7, 7, 7, 7});
  Array h = np::full({3}, 0.5);
  EXPECT_EQ(dtype_of(h), "float32");
  expect_values(h, {0.5, 0.5, 0.5});
  EXPECT_EQ(dtype_of(np::full({3}, 1, np::float16)), "float16");
  Array row = np::full({2, 3}, np::array({1.f, 2.f, 3.f}));
  expect_values(row, {1, 2, 3, 1, 2, 3});
  Array x = np::array({1, 2, 3});
  EXPECT_EQ(dtype_of(np::zeros_like(x)), "int32");
  EXPECT_EQ(dtype_of(np::ones_like(x, np::float32)), "float32");
  expect_values(np::full_like(x, 4.7), {4, 4, 4});  // converted to x's int32
  std::string e = error_of([] { np::full({2}, np::array({1.f, 2.f, 3.f})); });
  EXPECT_NE(e.find("[full]"), std::string::npos) << e;
}

TEST(NpCreation, Arange) {
  Array a = np::arange(5);
  EXPECT_EQ(dtype_of(a), "int32");
  expect_values(a, {0, 1, 2, 3, 4});
  expect_values(np::arange(1, 10, 3), {1, 4, 7});
  expect_values(np::arange(5, -1, -2), {5, 3, 1});
  Array f = np::arange(0.0, 1.0, 0.25);
  EXPECT_EQ(dtype_of(f), "float32");
  expect_values(f, {0, 0.25, 0.5, 0.75});
  EXPECT_EQ(dtype_of(np::arange(3, np::float32)), "float32");
  EXPECT_EQ(np::arange(3, 1).size(), 0);
  Array g = np::arange(0, 1, 0.1);
  EXPECT_EQ(g.size(), 10);
  for (int i = 0; i < 10; ++i) EXPECT_FLOAT_EQ(g.to_vector<float>()[size_t(i)], float(i * 0.1));
  EXPECT_NE(error_of([] { np::arange(0, 3, 0); }).find("[arange]"), std::string::npos);
}

TEST(NpCreation, Linspace) {
  expect_values(np::linspace(0, 1, 5), {0, 0.25, 0.5, 0.75, 1});
  expect_values(np::linspace(0, 1, 4, /*endpoint=*/false), {0, 0.25, 0.5, 0.75});
  expect_values(np::linspace(2, 3, 1), {2});
  EXPECT_EQ(np::linspace(2, 3, 0).size(), 0);
  Array i = np::linspace(0, 10, 4, true, np::int32);
  EXPECT_EQ(dtype_of(i), "int32");
  expect_values(i, {0, 3, 6, 10});
  Array l = np::linspace(-1, 7, 50);
  std::vector<double> want;
  for (int k = 0; k < 50; ++k) want.push_back(-1 + 8.0 * k / 49);
  expect_values(l, want, 1e-6);
}

TEST(NpCreation, EyeTriTrilTriu) {
  expect_values(np::eye(3), {1, 0, 0, 0, 1, 0, 0, 0, 1});
  Array e = np::eye(2, 3, 1, np::int32);
  EXPECT_EQ(e.shape(), jx::Shape({2, 3}));
  EXPECT_EQ(dtype_of(e), "int32");
  expect_values(e, {0, 1, 0, 0, 0, 1});
  expect_values(np::eye(3, std::nullopt, -1), {0, 0, 0, 1, 0, 0, 0, 1, 0});
  expect_values(np::identity(2), {1, 0, 0, 1});
  expect_values(np::tri(3), {1, 0, 0, 1, 1, 0, 1, 1, 1});
  expect_values(np::tri(2, 3, 1), {1, 1, 0, 1, 1, 1});
  Array x = iota_f32({2, 3, 3});
  Array lo = np::tril(x), hi = np::triu(x, 1);
  std::vector<double> want_lo, want_hi;
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double v = b * 9 + i * 3 + j;
        want_lo.push_back(j <= i ? v : 0);
        want_hi.push_back(j >= i + 1 ? v : 0);
      }
  expect_values(lo, want_lo);
  expect_values(hi, want_hi);
  std::string err = error_of([] { np::tril(np::arange(3)); });
  EXPECT_NE(err.find("[tril]"), std::string::npos) << err;
}

TEST(NpCreation, Meshgrid) {
  Array x = np::array({1, 2, 3}), y = np::array({10, 20});
  auto xy = np::meshgrid({x, y});
  EXPECT_EQ(xy[0].shape(), jx::Shape({2, 3}));
  expect_values(xy[0], {1, 2, 3, 1, 2, 3});
  expect_values(xy[1], {10, 10, 10, 20, 20, 20});
  auto ij = np::meshgrid({x, y}, "ij");
  EXPECT_EQ(ij[0].shape(), jx::Shape({3, 2}));
  expect_values(ij[0], {1, 1, 2, 2, 3, 3});
  expect_values(ij[1], {10, 20, 10, 20, 10, 20});
}

// ============================================================================ promotion
TEST(NpPromotion, WeakScalarsKeepTheArrayDtype) {
  Array i8 = np::array({int8_t(3), int8_t(-4)});
  Array a = i8 * 2;
  EXPECT_EQ(dtype_of(a), "int8");
  EXPECT_FALSE(a.weak_type());
  expect_values(a, {6, -8});
  EXPECT_EQ(dtype_of(2 * i8), "int8");
  EXPECT_EQ(dtype_of(np::add(i8, 1)), "int8");

  Array f16 = np::astype(np::array({1.5f, -2.f}), np::float16);
  Array h = f16 * 2.0;
  EXPECT_EQ(dtype_of(h), "float16");
  expect_values(h, {3, -4});

  Array f32 = np::array({1.f, 2.f});
  EXPECT_EQ(dtype_of(f32 * 2.0), "float32");  // a double scalar stays weak
  EXPECT_EQ(dtype_of(2.5 + f32), "float32");

  Array i32 = np::array({1, 2});
  Array g = i32 + 1.5;
  EXPECT_EQ(dtype_of(g), "float32");
  expect_values(g, {2.5, 3.5});
  EXPECT_EQ(dtype_of(i32 * 2L), "int32");  // weak int64 yields to int32

  // Only weak operands: the result is weak.
  Array w = np::add(2, 3);
  EXPECT_EQ(dtype_of(w), "int32");
  EXPECT_TRUE(w.weak_type());
  Array wf = np::add(np::full({2}, 1), 0.5f);
  EXPECT_EQ(dtype_of(wf), "float32");
  EXPECT_TRUE(wf.weak_type());
  EXPECT_FALSE((f32 + 1).weak_type());
}

TEST(NpPromotion, StrongArraysPromoteOnTheLattice) {
  Array u8 = np::array({uint8_t(200)}), i8 = np::array({int8_t(-1)});
  Array s = u8 + i8;
  EXPECT_EQ(dtype_of(s), "int16");
  expect_values(s, {199});
  EXPECT_EQ(dtype_of(np::array({1}) + np::array({int64_t(2)})), "int64");
  EXPECT_EQ(dtype_of(np::array({1}) + np::array({2.f})), "float32");
  EXPECT_EQ(dtype_of(np::array({1.f}) + np::array({2.0})), "float64");
  EXPECT_EQ(dtype_of(np::array({true}) + np::array({int16_t(1)})), "int16");
  EXPECT_EQ(np::result_type({np::array({int8_t(1)}), 2.0}).name(), "float32");
  EXPECT_EQ(np::result_type({np::array({int8_t(1)}), 2}).name(), "int8");
}

TEST(NpPromotion, FloatFunctionsPromoteIntegers) {
  Array i = np::array({1, 2, 3});
  Array d = i / np::array({2, 2, 2});
  EXPECT_EQ(dtype_of(d), "float32");
  expect_values(d, {0.5, 1, 1.5});
  EXPECT_EQ(dtype_of(i / 2), "float32");
  Array s = np::sin(i);
  EXPECT_EQ(dtype_of(s), "float32");
  expect_values(s, {std::sin(1.0), std::sin(2.0), std::sin(3.0)});
  EXPECT_EQ(dtype_of(np::sqrt(np::array({int64_t(4)}))), "float64");
  EXPECT_EQ(dtype_of(np::exp(np::array({true}))), "float32");
}

TEST(NpPromotion, IntegerScalarOutOfRangeIsAnError) {
  Array i8 = np::array({int8_t(1)});
  std::string e = error_of([&] { np::add(i8, 1000); });
  EXPECT_NE(e.find("[add]"), std::string::npos) << e;
  EXPECT_NE(e.find("1000"), std::string::npos) << e;
  EXPECT_NE(e.find("int8"), std::string::npos) << e;
}

// ============================================================================ broadcasting
TEST(NpBroadcast, NumpyRules) {
  Array a = iota_f32({3, 1}), b = iota_f32({1, 4});
  Array c = a + b;
  EXPECT_EQ(c.shape(), jx::Shape({3, 4}));
  std::vector<double> want;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) want.push_back(i + j);
  expect_values(c, want);

  Array m = iota_f32({2, 3}), v = np::array({10.f, 20.f, 30.f});
  expect_values(m * v, {0, 20, 60, 30, 80, 150});
  expect_values(v - m, {10, 19, 28, 7, 16, 25});
  Array t = iota_f32({2, 1, 3}) + iota_f32({4, 1});
  EXPECT_EQ(t.shape(), jx::Shape({2, 4, 3}));
  EXPECT_EQ(t.to_vector<float>()[size_t(1 * 12 + 2 * 3 + 1)], 4.f + 2.f);
  EXPECT_EQ(np::broadcast_shapes({{2, 1}, {3}, {1, 1, 1}}), jx::Shape({1, 2, 3}));
  auto arrs = np::broadcast_arrays({iota_f32({3}), iota_f32({2, 1})});
  EXPECT_EQ(arrs[0].shape(), jx::Shape({2, 3}));
  expect_values(arrs[1], {0, 0, 0, 1, 1, 1});
  expect_values(np::broadcast_to(np::array({1, 2}), {2, 2}), {1, 2, 1, 2});
}

TEST(NpBroadcast, IncompatibleShapesAreAnError) {
  Array a = np::zeros({3, 4}), b = np::zeros({5});
  std::string e = error_of([&] { np::add(a, b); });
  EXPECT_NE(e.find("[add]"), std::string::npos) << e;
  EXPECT_NE(e.find("(3, 4)"), std::string::npos) << e;
  EXPECT_NE(e.find("(5,)"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot broadcast"), std::string::npos) << e;
  EXPECT_NE(e.find("np_test.cpp"), std::string::npos) << e;  // the caller's line
  e = error_of([&] { a* b; });
  EXPECT_NE(e.find("[multiply]"), std::string::npos) << e;
  e = error_of([&] { np::where(np::zeros({2}, np::bool_), a, 1); });
  EXPECT_NE(e.find("[where]"), std::string::npos) << e;
  e = error_of([] { np::broadcast_to(np::zeros({3}), {4}); });
  EXPECT_NE(e.find("[broadcast_to]"), std::string::npos) << e;
  EXPECT_NE(e.find("(3,)"), std::string::npos) << e;
}

// ============================================================================ elementwise
TEST(NpElementwise, UnaryMath) {
  std::vector<double> xs = {0.1, 0.5, 0.9};
  Array x = np::array({0.1f, 0.5f, 0.9f});
  auto each = [&](double (*f)(double)) {
    std::vector<double> r;
    for (double v : xs) r.push_back(f(float(v)));
    return r;
  };
  expect_values(np::exp(x), each([](double v) { return std::exp(v); }), 1e-6);
  expect_values(np::exp2(x), each([](double v) { return std::exp2(v); }), 1e-6);
  expect_values(np::expm1(x), each([](double v) { return std::expm1(v); }), 1e-6);
  expect_values(np::log(x), each([](double v) { return std::log(v); }), 1e-6);
  expect_values(np::log1p(x), each([](double v) { return std::log1p(v); }), 1e-6);
  expect_values(np::log2(x), each([](double v) { return std::log2(v); }), 1e-6);
  expect_values(np::log10(x), each([](double v) { return std::log10(v); }), 1e-6);
  expect_values(np::sin(x), each([](double v) { return std::sin(v); }), 1e-6);
  expect_values(np::cos(x), each([](double v) { return std::cos(v); }), 1e-6);
  expect_values(np::tan(x), each([](double v) { return std::tan(v); }), 1e-6);
  expect_values(np::arcsin(x), each([](double v) { return std::asin(v); }), 1e-6);
  expect_values(np::arccos(x), each([](double v) { return std::acos(v); }), 1e-6);
  expect_values(np::arctan(x), each([](double v) { return std::atan(v); }), 1e-6);
  expect_values(np::sinh(x), each([](double v) { return std::sinh(v); }), 1e-6);
  expect_values(np::cosh(x), each([](double v) { return std::cosh(v); }), 1e-6);
  expect_values(np::tanh(x), each([](double v) { return std::tanh(v); }), 1e-6);
  expect_values(np::arcsinh(x), each([](double v) { return std::asinh(v); }), 1e-6);
  expect_values(np::arctanh(x), each([](double v) { return std::atanh(v); }), 1e-6);
  expect_values(np::arccosh(x + 1), each([](double v) { return std::acosh(v + 1); }), 1e-6);
  expect_values(np::sqrt(x), each([](double v) { return std::sqrt(v); }), 1e-6);
  expect_values(np::cbrt(-x), each([](double v) { return std::cbrt(-v); }), 1e-6);
  expect_values(np::square(x), each([](double v) { return v * v; }), 1e-6);
  expect_values(np::reciprocal(x), each([](double v) { return 1 / v; }), 1e-6);
  expect_values(np::deg2rad(np::array({180.f, 90.f})), {std::numbers::pi, std::numbers::pi / 2});
  expect_values(np::rad2deg(np::array({float(std::numbers::pi)})), {180}, 1e-5);
  expect_values(np::negative(x), {-0.1, -0.5, -0.9});
  expect_values(np::positive(x), {0.1, 0.5, 0.9});
  expect_values(np::sign(np::array({-2.f, 0.f, 3.f})), {-1, 0, 1});
  expect_values(np::sign(np::array({-2, 0, 3})), {-1, 0, 1});
  expect_values(np::abs(np::array({-2, 0, 3})), {2, 0, 3});
  Array u = np::array({uint8_t(250)});
  EXPECT_EQ(dtype_of(np::abs(u)), "uint8");
  EXPECT_EQ(dtype_of(np::fabs(np::array({-2}))), "float32");
  EXPECT_EQ(dtype_of(np::square(np::array({3}))), "int32");
  expect_values(np::square(np::array({3})), {9});
}

TEST(NpElementwise, RoundingIsHalfToEven) {
  Array x = np::array({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.7f, 2.2f});
  expect_values(np::round(x), {0, 2, 2, -0.0, -2, -3, 2});
  expect_values(np::rint(x), {0, 2, 2, -0.0, -2, -3, 2});
  expect_values(np::floor(x), {0, 1, 2, -1, -2, -3, 2});
  expect_values(np::ceil(x), {1, 2, 3, -0.0, -1, -2, 3});
  expect_values(np::trunc(x), {0, 1, 2, -0.0, -1, -2, 2});
  expect_values(np::round(np::array({1.25, -2.25, 1.75}), 1), {1.2, -2.2, 1.8}, 1e-12);
  expect_values(np::round(np::array({1234.0}), -2), {1200});
  Array i = np::array({3, -4});
  EXPECT_EQ(dtype_of(np::floor(i)), "int32");
  EXPECT_EQ(dtype_of(np::round(i)), "int32");
  EXPECT_EQ(dtype_of(np::rint(i)), "float32");
  EXPECT_TRUE(std::signbit(np::trunc(np::array({-0.5f})).item<float>()));
}

TEST(NpElementwise, FloorDivideAndModFollowPython) {
  // Python semantics: the quotient rounds toward -inf, the remainder has the
  // divisor's sign; integer division by zero follows jnp.
  Array a = np::array({7, 7, -7, -7, 7, -7, 0, 6, -6});
  Array b = np::array({2, -2, 2, -2, 0, 0, 0, -2, 2});
  expect_values(np::floor_divide(a, b), {3, -4, -4, 3, -2, -2, -1, -3, -3});
  expect_values(np::mod(a, b), {1, -1, 1, -1, 0, 0, 0, 0, 0});
  expect_values(a % b, {1, -1, 1, -1, 0, 0, 0, 0, 0});
  Array imin = np::array({std::numeric_limits<int32_t>::min()});
  expect_values(np::floor_divide(imin, -1), {double(std::numeric_limits<int32_t>::min())});
  expect_values(np::mod(imin, -1), {0});
  // Against a naive loop over many pairs.
  std::vector<int> xs, ys;
  for (int i = -9; i <= 9; ++i)
    for (int j = -4; j <= 4; ++j)
      if (j != 0) xs.push_back(i), ys.push_back(j);
  Array fx = np::floor_divide(np::array(xs), np::array(ys)),
        mx = np::mod(np::array(xs), np::array(ys));
  for (size_t k = 0; k < xs.size(); ++k) {
    double q = std::floor(double(xs[k]) / ys[k]);
    EXPECT_EQ(fx.to_vector<int>()[k], int(q)) << xs[k] << " // " << ys[k];
    EXPECT_EQ(mx.to_vector<int>()[k], int(xs[k] - q * ys[k])) << xs[k] << " % " << ys[k];
  }
  Array u = np::array({7u, 7u});
  expect_values(np::floor_divide(u, np::array({2u, 0u})), {3, 4294967295.0});
  expect_values(np::mod(u, np::array({2u, 0u})), {1, 0});
  Array f = np::array({5.5f, -5.5f, 5.5f, -0.0f, 0.0f});
  Array g = np::array({-2.f, 2.f, 0.f, 2.f, -2.f});
  expect_values(np::floor_divide(f, g), {-3, -3, kInf, 0, -0.0});
  expect_values(np::mod(f, g), {-0.5, 0.5, kNan, -0.0, 0.0});
  EXPECT_FALSE(std::signbit(np::floor_divide(f, g).to_vector<float>()[3]));
  EXPECT_TRUE(std::signbit(np::floor_divide(f, g).to_vector<float>()[4]));
  expect_values(np::fmod(np::array({-7, 7, 7}), np::array({2, -2, 0})), {-1, 1, 0});
  expect_values(np::mod(np::array({-7.5f}), 2), {0.5});
}

TEST(NpElementwise, Power) {
  Array i = np::array({-2, 3, 0});
  Array p = np::power(i, 3);
  EXPECT_EQ(dtype_of(p), "int32");
  expect_values(p, {-8, 27, 0});
  expect_values(np::power(i, np::array({2, 0, 3})), {4, 1, 0});
  expect_values(np::power(np::array({2}), np::array({10})), {1024});
  expect_values(np::power(np::array({0}), np::array({0})), {1});
  Array i8 = np::array({int8_t(3)});
  EXPECT_EQ(dtype_of(np::power(i8, 2)), "int8");
  expect_values(np::power(np::array({4.f, 9.f}), 0.5), {2, 3});
  expect_values(np::power(2, np::array({1.f, 3.f})), {2, 8});
  expect_values(np::power(np::array({2.f}), -2), {0.25});
  expect_values(np::pow(np::array({1.5f}), np::array({2})), {2.25});
}

TEST(NpElementwise, MaximumMinimumAndNans) {
  Array a = np::array({1.f, float(kNan), 3.f, float(kNan)});
  Array b = np::array({2.f, 1.f, float(kNan), float(kNan)});
  expect_values(np::maximum(a, b), {2, kNan, kNan, kNan});
  expect_values(np::minimum(a, b), {1, kNan, kNan, kNan});
  expect_values(np::fmax(a, b), {2, 1, 3, kNan});
  expect_values(np::fmin(a, b), {1, 1, 3, kNan});
  expect_values(np::maximum(np::array({1, 5}), 3), {3, 5});
  EXPECT_EQ(dtype_of(np::maximum(np::array({true}), np::array({false}))), "bool");
}

TEST(NpElementwise, BinaryMath) {
  expect_values(
      np::hypot(np::array({3.f, 0.f, 1e30f, -float(kInf)}), np::array({4.f, 0.f, 1e30f, 1.f})),
      {5, 0, std::hypot(1e30, 1e30), kInf}, 1e-6);
  expect_values(np::arctan2(np::array({1.f, -1.f}), np::array({-1.f, -1.f})),
                {std::atan2(1.0, -1.0), std::atan2(-1.0, -1.0)});
  float next = np::nextafter(np::array({1.f}), 2.f).item<float>();
  EXPECT_EQ(next, std::nextafter(1.f, 2.f));
  expect_values(np::subtract(10, np::array({1, 2})), {9, 8});
  expect_values(np::add(np::array({true, false}), np::array({true, false})), {1, 0});
  EXPECT_EQ(dtype_of(np::multiply(np::array({true}), np::array({false}))), "bool");
  std::string e = error_of([] { np::subtract(np::array({true}), np::array({false})); });
  EXPECT_NE(e.find("[subtract]"), std::string::npos) << e;
}

TEST(NpElementwise, WhereAndClip) {
  Array c = np::array({true, false, true});
  expect_values(np::where(c, np::array({1.f, 2.f, 3.f}), 0), {1, 0, 3});
  Array w = np::where(np::array({1, 0}), 1.5, np::array({10, 20}));
  EXPECT_EQ(dtype_of(w), "float32");
  expect_values(w, {1.5, 20});
  Array grid = np::where(iota_f32({2, 1}) > 0, iota_f32({3}), -1);
  EXPECT_EQ(grid.shape(), jx::Shape({2, 3}));
  expect_values(grid, {-1, -1, -1, 0, 1, 2});
  Array x = np::array({-2.f, 0.5f, 3.f});
  expect_values(np::clip(x, 0, 1), {0, 0.5, 1});
  expect_values(np::clip(x, std::nullopt, 1), {-2, 0.5, 1});
  expect_values(np::clip(x, 0), {0, 0.5, 3});
  Array ci = np::clip(np::array({1, 5, 9}), 2, 6);
  EXPECT_EQ(dtype_of(ci), "int32");
  expect_values(ci, {2, 5, 6});
  expect_values(np::clip(np::array({1.f, 5.f}), np::array({2.f, 0.f}), np::array({3.f, 4.f})),
                {2, 4});
}

TEST(NpElementwise, Predicates) {
  Array x = np::array({1.f, float(kNan), float(kInf), -float(kInf)});
  expect_values(np::isnan(x), {0, 1, 0, 0});
  expect_values(np::isinf(x), {0, 0, 1, 1});
  expect_values(np::isposinf(x), {0, 0, 1, 0});
  expect_values(np::isneginf(x), {0, 0, 0, 1});
  expect_values(np::isfinite(x), {1, 0, 0, 0});
  EXPECT_EQ(dtype_of(np::isnan(x)), "bool");
  expect_values(np::isnan(np::array({1, 2})), {0, 0});
  expect_values(np::isfinite(np::array({1, 2})), {1, 1});
  Array a = np::array({1.0f, 1e10f, float(kNan), float(kInf), 1.f});
  Array b = np::array({1.000001f, 1.0001e10f, float(kNan), float(kInf), 1.1f});
  expect_values(np::isclose(a, b), {1, 0, 0, 1, 0});
  expect_values(np::isclose(a, b, 1e-3), {1, 1, 0, 1, 0});
  expect_values(np::isclose(a, b, 1e-5, 1e-8, /*equal_nan=*/true), {1, 0, 1, 1, 0});
  EXPECT_TRUE(np::allclose(np::array({1.f, 2.f}), np::array({1.f, 2.000001f})));
  EXPECT_FALSE(np::allclose(np::array({1.f, 2.f}), np::array({1.f, 2.1f})));
  EXPECT_TRUE(np::array_equal(np::array({1, 2}), np::array({1.f, 2.f})));
  EXPECT_FALSE(np::array_equal(np::array({1, 2}), np::array({1, 2, 3})));
  EXPECT_FALSE(np::array_equal(np::array({1.f, float(kNan)}), np::array({1.f, float(kNan)})));
  EXPECT_TRUE(np::array_equal(np::array({1.f, float(kNan)}), np::array({1.f, float(kNan)}), true));
  Array n = np::nan_to_num(x);
  expect_values(n, {1, 0, double(std::numeric_limits<float>::max()),
                    -double(std::numeric_limits<float>::max())});
  expect_values(np::nan_to_num(x, -1, 99, -99), {1, -1, 99, -99});
  EXPECT_EQ(dtype_of(np::nan_to_num(np::array({1}))), "int32");
}

TEST(NpElementwise, LogicalAndBitwise) {
  Array a = np::array({0, 1, 2, 0}), b = np::array({0, 0, 3, 5});
  expect_values(np::logical_and(a, b), {0, 0, 1, 0});
  expect_values(np::logical_or(a, b), {0, 1, 1, 1});
  expect_values(np::logical_xor(a, b), {0, 1, 0, 1});
  expect_values(np::logical_not(a), {1, 0, 0, 1});
  EXPECT_EQ(dtype_of(np::logical_and(a, b)), "bool");
  Array x = np::array({12, -7}), y = np::array({10, 3});
  expect_values(np::bitwise_and(x, y), {12 & 10, -7 & 3});
  expect_values(np::bitwise_or(x, y), {12 | 10, -7 | 3});
  expect_values(np::bitwise_xor(x, y), {12 ^ 10, -7 ^ 3});
  expect_values(np::bitwise_not(x), {~12, ~-7});
  expect_values(np::invert(np::array({uint8_t(0), uint8_t(1)})), {255, 254});
  expect_values(np::invert(np::array({true, false})), {0, 1});
  expect_values(np::left_shift(np::array({1, -8}), 3), {8, -64});
  expect_values(np::right_shift(np::array({-8, 8}), 1), {-4, 4});
  expect_values(np::right_shift(np::array({uint8_t(200)}), uint8_t(1)), {100});
  expect_values((x & y), {12 & 10, -7 & 3});
  expect_values((x | 1), {13, -7});
  expect_values((x ^ y), {12 ^ 10, -7 ^ 3});
  expect_values(~np::array({true, false}), {0, 1});
  std::string e = error_of([] { np::bitwise_and(np::array({1.f}), np::array({1.f})); });
  EXPECT_NE(e.find("[bitwise_and]"), std::string::npos) << e;
  EXPECT_NE(e.find("float32"), std::string::npos) << e;
}

TEST(NpElementwise, Comparisons) {
  Array a = np::array({1.f, 2.f, 3.f});
  Array b = np::array({3, 2, 1});
  expect_values(np::equal(a, b), {0, 1, 0});
  expect_values(np::not_equal(a, b), {1, 0, 1});
  expect_values(np::less(a, b), {1, 0, 0});
  expect_values(np::less_equal(a, b), {1, 1, 0});
  expect_values(np::greater(a, b), {0, 0, 1});
  expect_values(np::greater_equal(a, b), {0, 1, 1});
  EXPECT_EQ(dtype_of(a == b), "bool");
  expect_values(a == 2, {0, 1, 0});
  expect_values(2 < a, {0, 0, 1});
  expect_values(a != b, {1, 0, 1});
  expect_values(a <= 2.5, {1, 1, 0});
  expect_values(a >= b, {0, 1, 1});
  expect_values(a > b, {0, 0, 1});
}

TEST(NpElementwise, Astype) {
  Array a = np::array({1.7f, -1.7f, 0.f});
  Array i = np::astype(a, np::int32);
  EXPECT_EQ(dtype_of(i), "int32");
  expect_values(i, {1, -1, 0});
  expect_values(np::astype(a, np::bool_), {1, 1, 0});
  EXPECT_FALSE(np::astype(2, np::float32).weak_type());
}

// ============================================================================ operators
TEST(NpOperators, ArithmeticWithArraysAndScalars) {
  Array a = np::array({1.f, 2.f, 4.f}), b = np::array({2.f, 2.f, 2.f});
  expect_values(a + b, {3, 4, 6});
  expect_values(a - b, {-1, 0, 2});
  expect_values(a * b, {2, 4, 8});
  expect_values(a / b, {0.5, 1, 2});
  expect_values(a % b, {1, 0, 0});
  expect_values(-a, {-1, -2, -4});
  expect_values(+a, {1, 2, 4});
  expect_values(a + 1, {2, 3, 5});
  expect_values(1 - a, {0, -1, -3});
  expect_values(2.0 * a, {2, 4, 8});
  expect_values(a / 2, {0.5, 1, 2});
  expect_values(8 / a, {8, 4, 2});
  expect_values(np::array({-7, 7}) % 3, {2, 1});
  expect_values(np::array({7}) / np::array({2}), {3.5});
  Array c = a;
  c += 1;
  c *= b;
  c -= 0.5f;
  c /= 2;
  expect_values(c, {1.75, 2.75, 4.75});
  expect_values(a, {1, 2, 4});  // the old value is unchanged
}

// ============================================================================ reductions
TEST(NpReductions, SumOverAxes) {
  Array x = iota_f32({2, 3, 4});
  auto at = [](int i, int j, int k) { return double(i * 12 + j * 4 + k); };
  expect_values(np::sum(x), {276});
  EXPECT_EQ(np::sum(x).ndim(), 0);
  Array s1 = np::sum(x, 1);
  EXPECT_EQ(s1.shape(), jx::Shape({2, 4}));
  std::vector<double> want;
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) want.push_back(at(i, 0, k) + at(i, 1, k) + at(i, 2, k));
  expect_values(s1, want);
  Array s02 = np::sum(x, {0, 2});
  EXPECT_EQ(s02.shape(), jx::Shape({3}));
  want.clear();
  for (int j = 0; j < 3; ++j) {
    double t = 0;
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k) t += at(i, j, k);
    want.push_back(t);
  }
  expect_values(s02, want);
  expect_values(np::sum(x, {-1, 0}, false), values(np::sum(x, {0, 2})));
  Array kd = np::sum(x, {0, 2}, /*keepdims=*/true);
  EXPECT_EQ(kd.shape(), jx::Shape({1, 3, 1}));
  expect_values(kd, want);
  EXPECT_EQ(np::sum(x, -1, true).shape(), jx::Shape({2, 3, 1}));
  EXPECT_EQ(np::sum(x, std::nullopt, true).shape(), jx::Shape({1, 1, 1}));
  EXPECT_EQ(np::sum(x, std::vector<int>{}).shape(), x.shape());
  expect_values(np::prod(np::array({1, 2, 3, 4})), {24});
  expect_values(np::prod(iota_f32({2, 2}) + 1, 0), {3, 8});
}

TEST(NpReductions, SumDtypesFollowJnp) {
  EXPECT_EQ(dtype_of(np::sum(np::array({true, true, false}))), "int32");
  expect_values(np::sum(np::array({true, true, false})), {2});
  Array i8 = np::full({100}, 100, np::int8);
  EXPECT_EQ(dtype_of(np::sum(i8)), "int32");
  expect_values(np::sum(i8), {10000});
  Array u8 = np::full({3}, 200, np::uint8);
  EXPECT_EQ(dtype_of(np::sum(u8)), "uint32");
  expect_values(np::sum(u8), {600});
  EXPECT_EQ(dtype_of(np::sum(np::array({int64_t(1)}))), "int64");
  Array h = np::astype(np::full({4096}, 1.f), np::float16);
  EXPECT_EQ(dtype_of(np::sum(h)), "float16");
  expect_values(np::sum(h), {4096});  // accumulated in float32
  EXPECT_EQ(dtype_of(np::sum(np::array({1, 2}), std::nullopt, false, np::float32)), "float32");
  EXPECT_EQ(dtype_of(np::prod(np::array({int16_t(2)}))), "int32");
  EXPECT_EQ(dtype_of(np::sum(np::array({true}), std::nullopt, false, np::bool_)), "bool");
}

TEST(NpReductions, MeanVarStd) {
  Array i = np::array(std::vector<int>{1, 2, 3, 4, 6, 8}, {2, 3});
  Array m = np::mean(i);
  EXPECT_EQ(dtype_of(m), "float32");
  expect_values(m, {4});
  expect_values(np::mean(i, 1), {2, 6});
  expect_values(np::mean(i, 0, true), {2.5, 4, 5.5});
  EXPECT_EQ(np::mean(i, 0, true).shape(), jx::Shape({1, 3}));
  std::vector<double> d = {1, 2, 3, 4, 6, 8};
  double mu = 4, ss = 0;
  for (double v : d) ss += (v - mu) * (v - mu);
  expect_values(np::var(i), {ss / 6});
  expect_values(np::var(i, {}, 1), {ss / 5});
  expect_values(np::std(i), {std::sqrt(ss / 6)});
  expect_values(np::std(i, {}, 1), {std::sqrt(ss / 5)});
  EXPECT_EQ(dtype_of(np::var(i)), "float32");
  // Per row: [1, 2, 3] and [4, 6, 8].
  expect_values(np::var(i, 1, 1), {1, 4});
  expect_values(np::std(i, -1, 0, true), {std::sqrt(2.0 / 3), std::sqrt(8.0 / 3)});
  EXPECT_EQ(np::std(i, -1, 0, true).shape(), jx::Shape({2, 1}));
  Array h = np::astype(np::array({1.f, 2.f, 3.f}), np::float16);
  EXPECT_EQ(dtype_of(np::mean(h)), "float16");
  EXPECT_EQ(dtype_of(np::var(np::array({1.0, 2.0}))), "float64");
}

TEST(NpReductions, MaxMinArgmaxAnyAll) {
  Array x = np::array(std::vector<float>{3, 9, 1, 9, -2, 5}, {2, 3});
  expect_values(np::max(x), {9});
  expect_values(np::min(x), {-2});
  expect_values(np::max(x, 0), {9, 9, 5});
  expect_values(np::min(x, -1), {1, -2});
  expect_values(np::amax(x, 1, true), {9, 9});
  EXPECT_EQ(np::amax(x, 1, true).shape(), jx::Shape({2, 1}));
  expect_values(np::ptp(x, 1), {8, 11});
  Array am = np::argmax(x);
  EXPECT_EQ(dtype_of(am), "int32");
  EXPECT_EQ(am.ndim(), 0);
  expect_values(am, {1});  // first of the two 9s in the flattened array
  expect_values(np::argmin(x), {4});
  expect_values(np::argmax(x, 0), {1, 0, 1});
  expect_values(np::argmax(x, -1), {1, 0});
  expect_values(np::argmin(x, 1), {2, 1});
  EXPECT_EQ(np::argmax(x, 1, true).shape(), jx::Shape({2, 1}));
  EXPECT_EQ(np::argmax(x, std::nullopt, true).shape(), jx::Shape({1, 1}));
  Array b = np::array(std::vector<int>{0, 0, 1, 0, 0, 0}, {2, 3});
  expect_values(np::any(b), {1});
  expect_values(np::all(b), {0});
  expect_values(np::any(b, 1), {1, 0});
  expect_values(np::all(np::array({1.f, 2.f})), {1});
  EXPECT_EQ(dtype_of(np::any(b)), "bool");
  EXPECT_EQ(np::any(b, 0, true).shape(), jx::Shape({1, 3}));
  expect_values(np::count_nonzero(b), {1});
  expect_values(np::max(np::array({int8_t(-3), int8_t(4)})), {4});
  EXPECT_EQ(dtype_of(np::max(np::array({int8_t(-3)}))), "int8");
}

TEST(NpReductions, Errors) {
  Array x = np::zeros({2, 3, 4});
  std::string e = error_of([&] { np::sum(x, 3); });
  EXPECT_NE(e.find("[sum]"), std::string::npos) << e;
  EXPECT_NE(e.find("axis 3"), std::string::npos) << e;
  e = error_of([&] { np::mean(x, {0, -3}); });
  EXPECT_NE(e.find("[mean]"), std::string::npos) << e;
  EXPECT_NE(e.find("repeated"), std::string::npos) << e;
  e = error_of([&] { np::argmax(x, -4); });
  EXPECT_NE(e.find("[argmax]"), std::string::npos) << e;
  e = error_of([] { np::max(np::zeros({0, 3}), 0); });
  EXPECT_NE(e.find("[max]"), std::string::npos) << e;
  EXPECT_NE(e.find("zero-size"), std::string::npos) << e;
  e = error_of([] { np::argmin(np::zeros({0})); });
  EXPECT_NE(e.find("[argmin]"), std::string::npos) << e;
  EXPECT_NE(e.find("np_test.cpp"), std::string::npos) << e;
}

// ============================================================================ manipulation
TEST(NpManipulation, ReshapeTranspose) {
  Array x = iota_f32({2, 3, 4});
  EXPECT_EQ(np::reshape(x, {4, -1}).shape(), jx::Shape({4, 6}));
  EXPECT_EQ(np::reshape(x, {-1}).shape(), jx::Shape({24}));
  EXPECT_EQ(np::ravel(x).shape(), jx::Shape({24}));
  std::string e = error_of([&] { np::reshape(x, {5, -1}); });
  EXPECT_NE(e.find("[reshape]"), std::string::npos) << e;
  EXPECT_NE(e.find("(2, 3, 4)"), std::string::npos) << e;
  e = error_of([&] { np::reshape(x, {-1, -1}); });
  EXPECT_NE(e.find("one unknown"), std::string::npos) << e;

  Array t = np::transpose(x);
  EXPECT_EQ(t.shape(), jx::Shape({4, 3, 2}));
  Array p = np::transpose(x, {1, -1, 0});
  EXPECT_EQ(p.shape(), jx::Shape({3, 4, 2}));
  std::vector<double> want;
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 4; ++k)
      for (int i = 0; i < 2; ++i) want.push_back(i * 12 + j * 4 + k);
  expect_values(p, want);
  EXPECT_EQ(np::swapaxes(x, 0, -1).shape(), jx::Shape({4, 3, 2}));
  expect_values(np::swapaxes(x, 0, -1), values(t));
  EXPECT_EQ(np::moveaxis(x, 0, -1).shape(), jx::Shape({3, 4, 2}));
  expect_values(np::moveaxis(x, 0, -1), want);
  EXPECT_EQ(np::moveaxis(x, -1, 0).shape(), jx::Shape({4, 2, 3}));
  EXPECT_EQ(np::moveaxis(x, {0, 1}, {-1, -2}).shape(), jx::Shape({4, 3, 2}));
  e = error_of([&] { np::transpose(x, {0, 0, 1}); });
  EXPECT_NE(e.find("[transpose]"), std::string::npos) << e;
}

TEST(NpManipulation, ExpandDimsSqueeze) {
  Array x = iota_f32({2, 3});
  EXPECT_EQ(np::expand_dims(x, 0).shape(), jx::Shape({1, 2, 3}));
  EXPECT_EQ(np::expand_dims(x, -1).shape(), jx::Shape({2, 3, 1}));
  EXPECT_EQ(np::expand_dims(x, {0, 3}).shape(), jx::Shape({1, 2, 3, 1}));
  Array y = np::zeros({1, 2, 1, 3});
  EXPECT_EQ(np::squeeze(y).shape(), jx::Shape({2, 3}));
  EXPECT_EQ(np::squeeze(y, -2).shape(), jx::Shape({1, 2, 3}));
  std::string e = error_of([&] { np::squeeze(y, 1); });
  EXPECT_NE(e.find("[squeeze]"), std::string::npos) << e;
  EXPECT_NE(e.find("(1, 2, 1, 3)"), std::string::npos) << e;
  e = error_of([&] { np::expand_dims(x, 4); });
  EXPECT_NE(e.find("[expand_dims]"), std::string::npos) << e;
}

TEST(NpManipulation, ConcatenateStack) {
  Array a = iota_f32({2, 2}), b = np::array(std::vector<int>{10, 11}, {2, 1});
  Array c = np::concatenate({a, b}, 1);
  EXPECT_EQ(c.shape(), jx::Shape({2, 3}));
  EXPECT_EQ(dtype_of(c), "float32");
  expect_values(c, {0, 1, 10, 2, 3, 11});
  expect_values(np::concatenate({a, b}, std::nullopt), {0, 1, 2, 3, 10, 11});
  expect_values(np::concatenate({a, a}, -2), {0, 1, 2, 3, 0, 1, 2, 3});
  std::string e = error_of([&] { np::concatenate({a, b}, 0); });
  EXPECT_NE(e.find("[concatenate]"), std::string::npos) << e;
  EXPECT_NE(e.find("(2, 1)"), std::string::npos) << e;

  Array x = np::array({1, 2, 3}), y = np::array({4, 5, 6});
  Array s0 = np::stack({x, y});
  EXPECT_EQ(s0.shape(), jx::Shape({2, 3}));
  expect_values(s0, {1, 2, 3, 4, 5, 6});
  Array s1 = np::stack({x, y}, -1);
  EXPECT_EQ(s1.shape(), jx::Shape({3, 2}));
  expect_values(s1, {1, 4, 2, 5, 3, 6});
  e = error_of([&] { np::stack({x, np::array({1, 2})}); });
  EXPECT_NE(e.find("[stack]"), std::string::npos) << e;
  expect_values(np::hstack({x, y}), {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(np::vstack({x, y}).shape(), jx::Shape({2, 3}));
  EXPECT_EQ(np::hstack({a, b}).shape(), jx::Shape({2, 3}));
  EXPECT_EQ(np::dstack({x, y}).shape(), jx::Shape({1, 3, 2}));
}

TEST(NpManipulation, Split) {
  Array x = np::arange(10);
  auto parts = np::split(np::arange(9), 3);
  ASSERT_EQ(parts.size(), 3u);
  expect_values(parts[1], {3, 4, 5});
  auto at = np::split(x, {2, 5});
  ASSERT_EQ(at.size(), 3u);
  expect_values(at[0], {0, 1});
  expect_values(at[1], {2, 3, 4});
  expect_values(at[2], {5, 6, 7, 8, 9});
  auto neg = np::split(x, {-3, 20});
  expect_values(neg[0], {0, 1, 2, 3, 4, 5, 6});
  expect_values(neg[1], {7, 8, 9});
  EXPECT_EQ(neg[2].size(), 0);
  auto uneven = np::array_split(x, 3);
  ASSERT_EQ(uneven.size(), 3u);
  expect_values(uneven[0], {0, 1, 2, 3});
  expect_values(uneven[1], {4, 5, 6});
  expect_values(uneven[2], {7, 8, 9});
  std::string e = error_of([&] { np::split(x, 3); });
  EXPECT_NE(e.find("[split]"), std::string::npos) << e;
  EXPECT_NE(e.find("equal division"), std::string::npos) << e;
  Array m = iota_f32({2, 4});
  auto cols = np::split(m, 2, 1);
  EXPECT_EQ(cols[0].shape(), jx::Shape({2, 2}));
  expect_values(cols[1], {2, 3, 6, 7});
  auto rows = np::split(m, 2, -2);
  expect_values(rows[1], {4, 5, 6, 7});
}

TEST(NpManipulation, TileRepeat) {
  Array x = np::array({1, 2});
  expect_values(np::tile(x, 3), {1, 2, 1, 2, 1, 2});
  Array t = np::tile(x, {2, 2});
  EXPECT_EQ(t.shape(), jx::Shape({2, 4}));
  expect_values(t, {1, 2, 1, 2, 1, 2, 1, 2});
  Array m = np::array({{1, 2}, {3, 4}});
  expect_values(np::tile(m, {1, 2}), {1, 2, 1, 2, 3, 4, 3, 4});
  expect_values(np::tile(m, 2), {1, 2, 1, 2, 3, 4, 3, 4});
  expect_values(np::repeat(m, 2), {1, 1, 2, 2, 3, 3, 4, 4});
  Array r0 = np::repeat(m, 2, 0);
  EXPECT_EQ(r0.shape(), jx::Shape({4, 2}));
  expect_values(r0, {1, 2, 1, 2, 3, 4, 3, 4});
  expect_values(np::repeat(m, 3, -1), {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4});
  EXPECT_EQ(np::repeat(m, 0, 1).shape(), jx::Shape({2, 0}));
}

TEST(NpManipulation, FlipRoll) {
  Array m = iota_f32({2, 3});
  expect_values(np::flip(m), {5, 4, 3, 2, 1, 0});
  expect_values(np::flip(m, 1), {2, 1, 0, 5, 4, 3});
  expect_values(np::fliplr(m), {2, 1, 0, 5, 4, 3});
  expect_values(np::flipud(m), {3, 4, 5, 0, 1, 2});
  expect_values(np::roll(m, 1), {5, 0, 1, 2, 3, 4});
  expect_values(np::roll(m, -1, 1), {1, 2, 0, 4, 5, 3});
  expect_values(np::roll(m, 4, -1), {2, 0, 1, 5, 3, 4});
  expect_values(np::roll(m, 1, {0, 1}), {5, 3, 4, 2, 0, 1});
  expect_values(np::roll(m, {1, -1}, {0, 1}), {4, 5, 3, 1, 2, 0});
  // Against a naive loop.
  Array big = iota_f32({5, 7});
  for (int shift : {-12, -1, 0, 3, 7, 20}) {
    std::vector<double> got = values(np::roll(big, shift, 1)), want;
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 7; ++j) want.push_back(i * 7 + (((j - shift) % 7) + 7) % 7);
    EXPECT_EQ(got, want) << "shift " << shift;
  }
}

namespace {
// The source index NumPy's pad reads for output position i of an axis of size
// n padded by `before`.
int64_t pad_source(int64_t i, int64_t before, int64_t n, const std::string& mode) {
  int64_t j = i - before;
  if (mode == "edge") return std::clamp<int64_t>(j, 0, n - 1);
  if (mode == "wrap") return ((j % n) + n) % n;
  if (mode == "symmetric") {
    int64_t p = 2 * n;
    j = ((j % p) + p) % p;
    return j < n ? j : p - 1 - j;
  }
  if (n == 1) return 0;  // reflect
  int64_t p = 2 * n - 2;
  j = ((j % p) + p) % p;
  return j < n ? j : p - j;
}
}  // namespace

TEST(NpManipulation, PadModes) {
  Array x = iota_f32({2, 3});
  Array c = np::pad(x, 1);
  EXPECT_EQ(c.shape(), jx::Shape({4, 5}));
  expect_values(c, {0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 5, 0, 0, 0, 0, 0, 0});
  Array c2 = np::pad(x, {{0, 1}, {2, 0}}, "constant", 9);
  EXPECT_EQ(c2.shape(), jx::Shape({3, 5}));
  expect_values(c2, {9, 9, 0, 1, 2, 9, 9, 3, 4, 5, 9, 9, 9, 9, 9});
  EXPECT_EQ(np::pad(x, {1, 2}).shape(), jx::Shape({5, 6}));
  Array xi = np::array({1, 2});
  EXPECT_EQ(dtype_of(np::pad(xi, 1, "constant", 7)), "int32");

  for (std::string mode : {"edge", "wrap", "reflect", "symmetric"}) {
    for (auto [b0, a0, b1, a1] :
         std::vector<std::array<int64_t, 4>>{{1, 2, 0, 3}, {5, 4, 7, 8}, {0, 0, 2, 2}}) {
      Array p = np::pad(x, {{b0, a0}, {b1, a1}}, mode);
      ASSERT_EQ(p.shape(), jx::Shape({2 + b0 + a0, 3 + b1 + a1})) << mode;
      std::vector<double> want;
      for (int64_t i = 0; i < 2 + b0 + a0; ++i)
        for (int64_t j = 0; j < 3 + b1 + a1; ++j)
          want.push_back(double(pad_source(i, b0, 2, mode) * 3 + pad_source(j, b1, 3, mode)));
      EXPECT_EQ(values(p), want) << mode << " " << b0 << " " << a0 << " " << b1 << " " << a1;
    }
  }
  expect_values(np::pad(np::array({1, 2, 3}), {2, 3}, "reflect"), {3, 2, 1, 2, 3, 2, 1, 2});
  expect_values(np::pad(np::array({1, 2, 3}), 2, "symmetric"), {2, 1, 1, 2, 3, 3, 2});
  expect_values(np::pad(np::array({7}), 2, "reflect"), {7, 7, 7, 7, 7});
  std::string e = error_of([&] { np::pad(x, {{1, 1}, {1, 1}, {1, 1}}); });
  EXPECT_NE(e.find("[pad]"), std::string::npos) << e;
  e = error_of([&] { np::pad(x, 1, "median"); });
  EXPECT_NE(e.find("median"), std::string::npos) << e;
  e = error_of([&] { np::pad(x, -1); });
  EXPECT_NE(e.find("non-negative"), std::string::npos) << e;
}

// ============================================================================ JAX fixtures
// The jnp-level lines of tests/fixtures/edge_semantics.txt (generated from
// JAX): each is `op dtype inputs... -> output`, evaluated on 0-d arrays and
// compared bit for bit (signed zeros and nan included).
TEST(NpEdgeSemantics, MatchesJaxFixtures) {
  std::ifstream in(std::string(JX_FIXTURES_DIR) + "/edge_semantics.txt");
  ASSERT_TRUE(in.good());
  auto parse = [](const std::string& text, jx::DType dt) {
    if (dt.is_floating())
      return np::astype(np::array(double(std::strtold(text.c_str(), nullptr))), dt);
    return np::astype(np::array(int64_t(std::strtoll(text.c_str(), nullptr, 10))), dt);
  };
  int checked = 0;
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    std::istringstream ss(line);
    std::string op, dtype_name, tok;
    std::vector<std::string> args;
    ss >> op >> dtype_name;
    while (ss >> tok && tok != "->") args.push_back(tok);
    std::string want_text;
    ss >> want_text;
    if (op.rfind("jnp.", 0) == 0) op = op.substr(4);
    static const std::set<std::string> kOps = {"floor_divide", "mod",  "maximum", "minimum",
                                               "fmax",         "fmin", "round",   "power"};
    if (!kOps.count(op)) continue;
    jx::DType dt = jx::dtype_from_name(dtype_name);
    std::vector<Array> xs;
    for (const std::string& a : args) xs.push_back(parse(a, dt));
    Array got;
    if (op == "floor_divide") got = np::floor_divide(xs[0], xs[1]);
    if (op == "mod") got = np::mod(xs[0], xs[1]);
    if (op == "maximum") got = np::maximum(xs[0], xs[1]);
    if (op == "minimum") got = np::minimum(xs[0], xs[1]);
    if (op == "fmax") got = np::fmax(xs[0], xs[1]);
    if (op == "fmin") got = np::fmin(xs[0], xs[1]);
    if (op == "round") got = np::round(xs[0]);
    if (op == "power") got = np::power(xs[0], xs[1]);
    ASSERT_EQ(got.dtype(), dt) << "line " << lineno << ": " << line;
    Array want = parse(want_text, dt);
    if (dt.is_floating()) {
      double g = got.item<double>(), w = want.item<double>();
      if (std::isnan(w)) {
        EXPECT_TRUE(std::isnan(g)) << "line " << lineno << ": " << line << " got " << g;
      } else {
        EXPECT_TRUE(g == w && std::signbit(g) == std::signbit(w))
            << "line " << lineno << ": " << line << " got " << g;
      }
    } else {
      EXPECT_EQ(got.item<int64_t>(), want.item<int64_t>()) << "line " << lineno << ": " << line;
    }
    ++checked;
  }
  EXPECT_GE(checked, 60);
}
