// THE op table: one row per elementwise primitive, kept as plain data so that
// every transformation's tests (forward vs reference here; gradients, vmap,
// jit and other backends later) iterate over the same list.
//
// A row says which dtypes the op accepts, where random inputs come from, how
// close a float result must be to the reference (in ulps of the result dtype),
// and gives two references computed independently of jx: `fref` in long double
// for floating dtypes (and for the bool results of float comparisons), `iref`
// in 128-bit integers for bool/integer dtypes (the harness wraps its result to
// the dtype, which is how XLA's integer arithmetic behaves).
#pragma once

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "test_util.h"

namespace jxt {

// ---------------------------------------------------------------- dtype sets
constexpr unsigned dbit(jx::DType d) { return 1u << d.index(); }
inline constexpr unsigned kBoolT = dbit(jx::bool_);
inline constexpr unsigned kSignedT =
    dbit(jx::int8) | dbit(jx::int16) | dbit(jx::int32) | dbit(jx::int64);
inline constexpr unsigned kUnsignedT =
    dbit(jx::uint8) | dbit(jx::uint16) | dbit(jx::uint32) | dbit(jx::uint64);
inline constexpr unsigned kIntT = kSignedT | kUnsignedT;
inline constexpr unsigned kFloatT =
    dbit(jx::float16) | dbit(jx::bfloat16) | dbit(jx::float32) | dbit(jx::float64);
inline constexpr unsigned kNumT = kIntT | kFloatT;
inline constexpr unsigned kAnyT = kNumT | kBoolT;
inline constexpr unsigned kBoolIntT = kBoolT | kIntT;

using FloatRef = long double (*)(const long double* x, jx::DType dt);
using IntRef = I128 (*)(const I128* x, jx::DType dt);
using LaxCall = jx::Array (*)(std::span<const jx::Array> x);

/// Where random inputs are drawn from. Integers are clipped to the dtype's
/// range (so {-1e30, 1e30} means "every value"). `grid` > 0 rounds float
/// samples to multiples of it (comparisons need ties).
struct Domain {
  double lo, hi;
  double grid = 0;
};
inline constexpr Domain kFull{-1e30, 1e30};

struct OpEntry {
  const char* name;  ///< what the test is called: the jx::lax function, plus a parameter
  const char* prim;  ///< the primitive's name, as errors print it ("[and] ...")
  int arity;
  unsigned dtypes;  ///< accepted dtypes (dbit set); every other dtype must throw
  Domain domain;    ///< operand 0 (and every operand unless domain2 is set)
  Domain domain2;   ///< operand 1, when lo < hi
  double ulps_f32;  ///< max ulps from the reference for float32 results
  double ulps_f64;  ///< ... and float64 (float16/bfloat16: 1 ulp of the rounded reference)
  double atol;      ///< results within atol of the reference also pass (0: none);
                    ///< for ops whose results cross zero away from x = 0
  bool bool_out;    ///< the result is bool (comparisons, is_finite)
  FloatRef fref;    ///< reference for floating dtypes (nullptr if none accepted)
  IntRef iref;      ///< reference for bool/integer dtypes (nullptr if none accepted)
  LaxCall call;     ///< applies the jx::lax op
};

// ---------------------------------------------------------------- references
namespace ref {

using LD = long double;
inline constexpr LD kNaN = std::numeric_limits<LD>::quiet_NaN();
inline constexpr LD kPi = 3.141592653589793238462643383279502884L;

// erf^-1 by safeguarded Newton in long double, on erfc for |x| > 0.5 so the
// tails keep their relative accuracy.
inline LD erf_inv(LD x) {
  if (std::isnan(x) || std::fabs(x) > 1) return kNaN;
  if (x == 0) return x;
  if (std::fabs(x) == 1) return std::copysign(std::numeric_limits<LD>::infinity(), x);
  LD a = std::fabs(x);
  bool tail = a > 0.5L;
  LD target = tail ? 1 - a : a;  // exact in long double for float/double a
  auto f = [&](LD y) { return tail ? target - std::erfc(y) : std::erf(y) - target; };  // increasing
  LD lo = 0, hi = 7, y = tail ? 1.0L : a;
  for (int i = 0; i < 200; ++i) {
    LD fy = f(y);
    if (fy == 0) break;
    (fy < 0 ? lo : hi) = y;
    LD d = 1.1283791670955125738961589031215452L * std::exp(-y * y);  // d/dy erf
    LD next = y - fy / d;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (std::fabs(next - y) <= 1e-19L * std::fabs(y) || hi - lo <= 1e-19L * hi) {
      y = next;
      break;
    }
    y = next;
  }
  return std::copysign(y, x);
}

// digamma: NaN at non-positive integers (as XLA); reflection with the exactly
// reduced argument, recurrence to x >= 20, then the asymptotic series.
inline LD digamma(LD x) {
  if (std::isnan(x) || x == -INFINITY) return kNaN;
  if (x == INFINITY) return x;
  if (x <= 0 && std::floor(x) == x) return kNaN;
  LD r = 0;
  if (x < 0) {
    LD frac = x - std::nearbyint(x);  // exact, in [-0.5, 0.5]
    r -= kPi / std::tan(kPi * frac);
    x = 1 - x;
  }
  while (x < 20) {
    r -= 1 / x;
    x += 1;
  }
  LD f = 1 / (x * x);
  // Bernoulli terms B_2k / (2k x^2k), k = 1..8.
  LD t = f * (1.0L / 12 -
              f * (1.0L / 120 -
                   f * (1.0L / 252 -
                        f * (1.0L / 240 -
                             f * (1.0L / 132 -
                                  f * (691.0L / 32760 - f * (1.0L / 12 - f * 3617.0L / 8160)))))));
  return r + std::log(x) - 1 / (2 * x) - t;
}

inline LD jax_max(LD a, LD b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == b) return std::signbit(a) ? b : a;  // max(-0, +0) = +0
  return a > b ? a : b;
}
inline LD jax_min(LD a, LD b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

inline LD sign(LD x) { return x > 0 ? 1 : x < 0 ? -1 : x; }

// x ** y by exact long double power (the kernel's square-and-multiply in the
// dtype is what the ulp bounds of the integer_pow rows allow for).
inline LD ipow(LD x, int y) { return std::pow(x, LD(y)); }

// Integer x ** y, wrapping: square-and-multiply modulo 2^bits.
inline I128 ipow_int(I128 x, int y, jx::DType dt) {
  I128 acc = 1;
  for (int i = 0; i < y; ++i) acc = wrap_int(dt, mul_wrap(acc, x));
  return acc;
}

// ---- integer semantics (XLA's): see src/backend/cpu/scalar_ops.h
inline I128 div(I128 a, I128 b) { return b == 0 ? -1 : a / b; }  // -1 wraps to all ones
inline I128 rem(I128 a, I128 b) { return b == 0 ? a : a % b; }
inline I128 shl(I128 a, I128 b, jx::DType dt) {
  I128 s = as_unsigned(dt, b);
  return s >= int_bits(dt) ? 0 : I128(U128(as_unsigned(dt, a)) << int(s));
}
inline I128 shr_logical(I128 a, I128 b, jx::DType dt) {
  I128 s = as_unsigned(dt, b);
  return s >= int_bits(dt) ? 0 : as_unsigned(dt, a) >> int(s);
}
inline I128 shr_arith(I128 a, I128 b, jx::DType dt) {
  I128 s = as_unsigned(dt, b), v = as_signed(dt, a);
  if (s >= int_bits(dt)) return v < 0 ? -1 : 0;
  return v >> int(s);
}
inline I128 popcount(I128 a, jx::DType dt) {
  U128 u = U128(as_unsigned(dt, a));
  int n = 0;
  for (; u; u &= u - 1) ++n;
  return n;
}
inline I128 clz(I128 a, jx::DType dt) {
  U128 u = U128(as_unsigned(dt, a));
  int b = int_bits(dt), n = 0;
  for (int i = b - 1; i >= 0 && !((u >> i) & 1); --i) ++n;
  return n;
}

}  // namespace ref

// ---------------------------------------------------------------- the table
// Lambdas without captures decay to the function pointers above.
#define JXT_F1(expr)                                      \
  [](const long double* x, jx::DType dt) -> long double { \
    (void)dt;                                             \
    return (expr);                                        \
  }
#define JXT_I1(expr)                        \
  [](const I128* x, jx::DType dt) -> I128 { \
    (void)dt;                               \
    return (expr);                          \
  }
#define JXT_CALL(expr) [](std::span<const jx::Array> a) -> jx::Array { return (expr); }

namespace lx = jx::lax;

// Ulp bounds: 0 where the op is exact (IEEE arithmetic, rounding, max/min,
// bit ops); otherwise the error Highway documents for its polynomials
// (src/backend/cpu/simd_kernels.cpp: exp 1, log 4, expm1/tanh/sinh 4, sin/cos
// 3, ...), 1 ulp for float32 ops computed in double and rounded, and for
// float64 the measured worst case of glibc (cbrt 4, erfc 2). float64 + - * /
// and sqrt allow 1 ulp only because the long double reference (64-bit
// mantissa) rounds twice on the way to double. digamma also accepts an
// absolute error of 4e-15: near its root at 1.4616 no ulp bound holds for a
// sum of terms of size ~1.
// clang-format off
inline const OpEntry kOpTable[] = {
    // --- one operand
    {"neg", "neg", 1, kNumT, {-1e4, 1e4}, {}, 0, 0, 0, false, JXT_F1(-x[0]), JXT_I1(-x[0]), JXT_CALL(lx::neg(a[0]))},
    {"sign", "sign", 1, kNumT, {-100, 100}, {}, 0, 0, 0, false, JXT_F1(ref::sign(x[0])), JXT_I1(x[0] > 0 ? 1 : x[0] < 0 ? -1 : 0), JXT_CALL(lx::sign(a[0]))},
    {"floor", "floor", 1, kFloatT, {-100, 100}, {}, 0, 0, 0, false, JXT_F1(std::floor(x[0])), nullptr, JXT_CALL(lx::floor(a[0]))},
    {"ceil", "ceil", 1, kFloatT, {-100, 100}, {}, 0, 0, 0, false, JXT_F1(std::ceil(x[0])), nullptr, JXT_CALL(lx::ceil(a[0]))},
    {"round_away", "round", 1, kFloatT, {-100, 100, 0.25}, {}, 0, 0, 0, false, JXT_F1(std::round(x[0])), nullptr, JXT_CALL(lx::round(a[0], lx::RoundingMethod::kAwayFromZero))},
    {"round_even", "round", 1, kFloatT, {-100, 100, 0.25}, {}, 0, 0, 0, false, JXT_F1(std::nearbyint(x[0])), nullptr, JXT_CALL(lx::round(a[0], lx::RoundingMethod::kToNearestEven))},
    {"is_finite", "is_finite", 1, kFloatT, {-1e4, 1e4}, {}, 0, 0, 0, true, JXT_F1(std::isfinite(x[0]) ? 1 : 0), nullptr, JXT_CALL(lx::is_finite(a[0]))},
    {"exp", "exp", 1, kFloatT, {-100, 100}, {}, 1, 1, 0, false, JXT_F1(std::exp(x[0])), nullptr, JXT_CALL(lx::exp(a[0]))},
    {"exp2", "exp2", 1, kFloatT, {-130, 130}, {}, 1, 1, 0, false, JXT_F1(std::exp2(x[0])), nullptr, JXT_CALL(lx::exp2(a[0]))},
    {"log", "log", 1, kFloatT, {0, 1e6}, {}, 4, 4, 0, false, JXT_F1(std::log(x[0])), nullptr, JXT_CALL(lx::log(a[0]))},
    {"log1p", "log1p", 1, kFloatT, {-1, 1e4}, {}, 2, 2, 0, false, JXT_F1(std::log1p(x[0])), nullptr, JXT_CALL(lx::log1p(a[0]))},
    {"expm1", "expm1", 1, kFloatT, {-100, 100}, {}, 4, 4, 0, false, JXT_F1(std::expm1(x[0])), nullptr, JXT_CALL(lx::expm1(a[0]))},
    {"tanh", "tanh", 1, kFloatT, {-20, 20}, {}, 4, 4, 0, false, JXT_F1(std::tanh(x[0])), nullptr, JXT_CALL(lx::tanh(a[0]))},
    {"logistic", "logistic", 1, kFloatT, {-100, 100}, {}, 3, 3, 0, false, JXT_F1(1 / (1 + std::exp(-x[0]))), nullptr, JXT_CALL(lx::logistic(a[0]))},
    {"sin", "sin", 1, kFloatT, {-100, 100}, {}, 3, 3, 0, false, JXT_F1(std::sin(x[0])), nullptr, JXT_CALL(lx::sin(a[0]))},
    {"cos", "cos", 1, kFloatT, {-100, 100}, {}, 3, 3, 0, false, JXT_F1(std::cos(x[0])), nullptr, JXT_CALL(lx::cos(a[0]))},
    {"tan", "tan", 1, kFloatT, {-100, 100}, {}, 1, 1, 0, false, JXT_F1(std::tan(x[0])), nullptr, JXT_CALL(lx::tan(a[0]))},
    {"asin", "asin", 1, kFloatT, {-1, 1}, {}, 2, 2, 0, false, JXT_F1(std::asin(x[0])), nullptr, JXT_CALL(lx::asin(a[0]))},
    {"acos", "acos", 1, kFloatT, {-1, 1}, {}, 2, 2, 0, false, JXT_F1(std::acos(x[0])), nullptr, JXT_CALL(lx::acos(a[0]))},
    {"atan", "atan", 1, kFloatT, {-100, 100}, {}, 3, 3, 0, false, JXT_F1(std::atan(x[0])), nullptr, JXT_CALL(lx::atan(a[0]))},
    {"sinh", "sinh", 1, kFloatT, {-100, 100}, {}, 4, 4, 0, false, JXT_F1(std::sinh(x[0])), nullptr, JXT_CALL(lx::sinh(a[0]))},
    {"cosh", "cosh", 1, kFloatT, {-100, 100}, {}, 1, 1, 0, false, JXT_F1(std::cosh(x[0])), nullptr, JXT_CALL(lx::cosh(a[0]))},
    {"asinh", "asinh", 1, kFloatT, {-1e4, 1e4}, {}, 3, 3, 0, false, JXT_F1(std::asinh(x[0])), nullptr, JXT_CALL(lx::asinh(a[0]))},
    {"acosh", "acosh", 1, kFloatT, {1, 1e4}, {}, 3, 3, 0, false, JXT_F1(std::acosh(x[0])), nullptr, JXT_CALL(lx::acosh(a[0]))},
    {"atanh", "atanh", 1, kFloatT, {-1, 1}, {}, 3, 3, 0, false, JXT_F1(std::atanh(x[0])), nullptr, JXT_CALL(lx::atanh(a[0]))},
    {"sqrt", "sqrt", 1, kFloatT, {0, 1e6}, {}, 0, 1, 0, false, JXT_F1(std::sqrt(x[0])), nullptr, JXT_CALL(lx::sqrt(a[0]))},
    {"rsqrt", "rsqrt", 1, kFloatT, {0, 1e6}, {}, 1, 1, 0, false, JXT_F1(1 / std::sqrt(x[0])), nullptr, JXT_CALL(lx::rsqrt(a[0]))},
    {"cbrt", "cbrt", 1, kFloatT, {-1e6, 1e6}, {}, 1, 4, 0, false, JXT_F1(std::cbrt(x[0])), nullptr, JXT_CALL(lx::cbrt(a[0]))},
    {"abs", "abs", 1, kNumT, {-1e4, 1e4}, {}, 0, 0, 0, false, JXT_F1(std::fabs(x[0])), JXT_I1(x[0] < 0 ? -x[0] : x[0]), JXT_CALL(lx::abs(a[0]))},
    {"erf", "erf", 1, kFloatT, {-6, 6}, {}, 1, 1, 0, false, JXT_F1(std::erf(x[0])), nullptr, JXT_CALL(lx::erf(a[0]))},
    {"erfc", "erfc", 1, kFloatT, {-6, 30}, {}, 1, 2, 0, false, JXT_F1(std::erfc(x[0])), nullptr, JXT_CALL(lx::erfc(a[0]))},
    // erf_inv is XLA:CPU's algorithm, so it gives JAX's exact values (and random.normal's bits).
    // It loses accuracy near +-1, where 1 - x^2 cancels (measured: ~60 ulps in float32, ~1200 in
    // float64 for 1 - |x| < 1e-5), and flushes denormal results to zero as XLA:CPU does (atol).
    {"erf_inv", "erf_inv", 1, kFloatT, {-1, 1}, {}, 128, 2048, 1.2e-38, false, JXT_F1(ref::erf_inv(x[0])), nullptr, JXT_CALL(lx::erf_inv(a[0]))},
    {"lgamma", "lgamma", 1, kFloatT, {0, 50}, {}, 1, 4, 0, false, JXT_F1(std::lgamma(x[0])), nullptr, JXT_CALL(lx::lgamma(a[0]))},
    {"digamma", "digamma", 1, kFloatT, {0, 30}, {}, 1, 8, 4e-15, false, JXT_F1(ref::digamma(x[0])), nullptr, JXT_CALL(lx::digamma(a[0]))},
    {"bitwise_not", "not", 1, kBoolIntT, kFull, {}, 0, 0, 0, false, nullptr, JXT_I1(~x[0]), JXT_CALL(lx::bitwise_not(a[0]))},
    {"population_count", "population_count", 1, kIntT, kFull, {}, 0, 0, 0, false, nullptr, JXT_I1(ref::popcount(x[0], dt)), JXT_CALL(lx::population_count(a[0]))},
    {"clz", "clz", 1, kIntT, kFull, {}, 0, 0, 0, false, nullptr, JXT_I1(ref::clz(x[0], dt)), JXT_CALL(lx::clz(a[0]))},
    {"integer_pow:0", "integer_pow", 1, kNumT, {-100, 100}, {}, 0, 0, 0, false, JXT_F1(ref::ipow(x[0], 0)), JXT_I1(ref::ipow_int(x[0], 0, dt)), JXT_CALL(lx::integer_pow(a[0], 0))},
    {"integer_pow:2", "integer_pow", 1, kNumT, {-100, 100}, {}, 1, 1, 0, false, JXT_F1(ref::ipow(x[0], 2)), JXT_I1(ref::ipow_int(x[0], 2, dt)), JXT_CALL(lx::integer_pow(a[0], 2))},
    {"integer_pow:3", "integer_pow", 1, kNumT, {-100, 100}, {}, 2, 2, 0, false, JXT_F1(ref::ipow(x[0], 3)), JXT_I1(ref::ipow_int(x[0], 3, dt)), JXT_CALL(lx::integer_pow(a[0], 3))},
    {"integer_pow:7", "integer_pow", 1, kNumT, {-10, 10}, {}, 4, 4, 0, false, JXT_F1(ref::ipow(x[0], 7)), JXT_I1(ref::ipow_int(x[0], 7, dt)), JXT_CALL(lx::integer_pow(a[0], 7))},
    {"integer_pow:-1", "integer_pow", 1, kFloatT, {-100, 100}, {}, 0, 1, 0, false, JXT_F1(ref::ipow(x[0], -1)), nullptr, JXT_CALL(lx::integer_pow(a[0], -1))},
    {"integer_pow:-3", "integer_pow", 1, kFloatT, {-10, 10}, {}, 3, 3, 0, false, JXT_F1(ref::ipow(x[0], -3)), nullptr, JXT_CALL(lx::integer_pow(a[0], -3))},

    // --- two operands
    {"add", "add", 2, kNumT, {-1e3, 1e3}, {}, 0, 1, 0, false, JXT_F1(x[0] + x[1]), JXT_I1(x[0] + x[1]), JXT_CALL(lx::add(a[0], a[1]))},
    {"sub", "sub", 2, kNumT, {-1e3, 1e3}, {}, 0, 1, 0, false, JXT_F1(x[0] - x[1]), JXT_I1(x[0] - x[1]), JXT_CALL(lx::sub(a[0], a[1]))},
    {"mul", "mul", 2, kNumT, {-1e3, 1e3}, {}, 0, 1, 0, false, JXT_F1(x[0] * x[1]), JXT_I1(mul_wrap(x[0], x[1])), JXT_CALL(lx::mul(a[0], a[1]))},
    {"div", "div", 2, kNumT, {-1e3, 1e3}, {}, 0, 1, 0, false, JXT_F1(x[0] / x[1]), JXT_I1(ref::div(x[0], x[1])), JXT_CALL(lx::div(a[0], a[1]))},
    {"rem", "rem", 2, kNumT, {-1e3, 1e3}, {}, 0, 0, 0, false, JXT_F1(std::fmod(x[0], x[1])), JXT_I1(ref::rem(x[0], x[1])), JXT_CALL(lx::rem(a[0], a[1]))},
    {"pow", "pow", 2, kFloatT, {0, 20}, {-8, 8}, 1, 1, 0, false, JXT_F1(std::pow(x[0], x[1])), nullptr, JXT_CALL(lx::pow(a[0], a[1]))},
    {"max", "max", 2, kAnyT, {-4, 4, 0.5}, {}, 0, 0, 0, false, JXT_F1(ref::jax_max(x[0], x[1])), JXT_I1(x[0] > x[1] ? x[0] : x[1]), JXT_CALL(lx::max(a[0], a[1]))},
    {"min", "min", 2, kAnyT, {-4, 4, 0.5}, {}, 0, 0, 0, false, JXT_F1(ref::jax_min(x[0], x[1])), JXT_I1(x[0] < x[1] ? x[0] : x[1]), JXT_CALL(lx::min(a[0], a[1]))},
    {"atan2", "atan2", 2, kFloatT, {-10, 10}, {}, 1, 1, 0, false, JXT_F1(std::atan2(x[0], x[1])), nullptr, JXT_CALL(lx::atan2(a[0], a[1]))},
    {"nextafter", "nextafter", 2, kFloatT, {-10, 10, 0.5}, {}, 0, 0, 0, false, JXT_F1(next_toward(dt, x[0], x[1])), nullptr, JXT_CALL(lx::nextafter(a[0], a[1]))},
    {"bitwise_and", "and", 2, kBoolIntT, kFull, {}, 0, 0, 0, false, nullptr, JXT_I1(x[0] & x[1]), JXT_CALL(lx::bitwise_and(a[0], a[1]))},
    {"bitwise_or", "or", 2, kBoolIntT, kFull, {}, 0, 0, 0, false, nullptr, JXT_I1(x[0] | x[1]), JXT_CALL(lx::bitwise_or(a[0], a[1]))},
    {"bitwise_xor", "xor", 2, kBoolIntT, kFull, {}, 0, 0, 0, false, nullptr, JXT_I1(x[0] ^ x[1]), JXT_CALL(lx::bitwise_xor(a[0], a[1]))},
    {"shift_left", "shift_left", 2, kIntT, kFull, {-3, 70}, 0, 0, 0, false, nullptr, JXT_I1(ref::shl(x[0], x[1], dt)), JXT_CALL(lx::shift_left(a[0], a[1]))},
    {"shift_right_logical", "shift_right_logical", 2, kIntT, kFull, {-3, 70}, 0, 0, 0, false, nullptr, JXT_I1(ref::shr_logical(x[0], x[1], dt)), JXT_CALL(lx::shift_right_logical(a[0], a[1]))},
    {"shift_right_arithmetic", "shift_right_arithmetic", 2, kIntT, kFull, {-3, 70}, 0, 0, 0, false, nullptr, JXT_I1(ref::shr_arith(x[0], x[1], dt)), JXT_CALL(lx::shift_right_arithmetic(a[0], a[1]))},
    {"eq", "eq", 2, kAnyT, {-4, 4, 0.5}, {}, 0, 0, 0, true, JXT_F1(x[0] == x[1]), JXT_I1(x[0] == x[1]), JXT_CALL(lx::eq(a[0], a[1]))},
    {"ne", "ne", 2, kAnyT, {-4, 4, 0.5}, {}, 0, 0, 0, true, JXT_F1(x[0] != x[1]), JXT_I1(x[0] != x[1]), JXT_CALL(lx::ne(a[0], a[1]))},
    {"lt", "lt", 2, kAnyT, {-4, 4, 0.5}, {}, 0, 0, 0, true, JXT_F1(x[0] < x[1]), JXT_I1(x[0] < x[1]), JXT_CALL(lx::lt(a[0], a[1]))},
    {"le", "le", 2, kAnyT, {-4, 4, 0.5}, {}, 0, 0, 0, true, JXT_F1(x[0] <= x[1]), JXT_I1(x[0] <= x[1]), JXT_CALL(lx::le(a[0], a[1]))},
    {"gt", "gt", 2, kAnyT, {-4, 4, 0.5}, {}, 0, 0, 0, true, JXT_F1(x[0] > x[1]), JXT_I1(x[0] > x[1]), JXT_CALL(lx::gt(a[0], a[1]))},
    {"ge", "ge", 2, kAnyT, {-4, 4, 0.5}, {}, 0, 0, 0, true, JXT_F1(x[0] >= x[1]), JXT_I1(x[0] >= x[1]), JXT_CALL(lx::ge(a[0], a[1]))},

    // --- three operands (lo, x, hi)
    {"clamp", "clamp", 3, kAnyT, {-10, 10, 0.5}, {}, 0, 0, 0, false, JXT_F1(ref::jax_min(ref::jax_max(x[1], x[0]), x[2])), JXT_I1(std::min(std::max(x[1], x[0]), x[2])), JXT_CALL(lx::clamp(a[0], a[1], a[2]))},
};
// clang-format on

#undef JXT_F1
#undef JXT_I1
#undef JXT_CALL

/// The row called `name`, or nullptr.
inline const OpEntry* find_op(std::string_view name) {
  for (const OpEntry& e : kOpTable)
    if (name == e.name) return &e;
  return nullptr;
}

}  // namespace jxt
