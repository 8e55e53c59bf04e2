// Scalar reference semantics of the elementwise ops (internal), shared by the
// scalar kernels and the SIMD kernels' out-of-range lanes. Integer semantics
// follow XLA as JAX exposes it: wrapping arithmetic, x/0 = -1 (signed) or
// all-ones (unsigned), x%0 = x, shifts by >= the bit width give 0 (or the sign
// fill for arithmetic shifts); lax.max/min propagate NaN and order -0 < +0.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "backend/cpu/kernels.h"
#include "backend/cpu/xla_erf_inv.h"

namespace jx::cpu {

double digamma(double x);
double lgamma_safe(double x);  // thread-safe lgamma

template <class T>
T scalar_unary_float(UnaryOp op, T tv) {
  double x = double(tv);
  double r;
  switch (op) {
    case UnaryOp::kNeg: return -tv;
    case UnaryOp::kSign: r = x > 0 ? 1.0 : x < 0 ? -1.0 : x; break;
    case UnaryOp::kFloor: r = std::floor(x); break;
    case UnaryOp::kCeil: r = std::ceil(x); break;
    case UnaryOp::kRoundEven: r = std::nearbyint(x); break;
    case UnaryOp::kRoundAway: r = std::round(x); break;
    case UnaryOp::kExp: r = std::exp(x); break;
    case UnaryOp::kExp2: r = std::exp2(x); break;
    case UnaryOp::kLog: r = std::log(x); break;
    case UnaryOp::kLog1p: r = std::log1p(x); break;
    case UnaryOp::kExpm1: r = std::expm1(x); break;
    case UnaryOp::kTanh: r = std::tanh(x); break;
    case UnaryOp::kLogistic: r = 1.0 / (1.0 + std::exp(-x)); break;
    case UnaryOp::kSin: r = std::sin(x); break;
    case UnaryOp::kCos: r = std::cos(x); break;
    case UnaryOp::kTan: r = std::tan(x); break;
    case UnaryOp::kAsin: r = std::asin(x); break;
    case UnaryOp::kAcos: r = std::acos(x); break;
    case UnaryOp::kAtan: r = std::atan(x); break;
    case UnaryOp::kSinh: r = std::sinh(x); break;
    case UnaryOp::kCosh: r = std::cosh(x); break;
    case UnaryOp::kAsinh: r = std::asinh(x); break;
    case UnaryOp::kAcosh: r = std::acosh(x); break;
    case UnaryOp::kAtanh: r = std::atanh(x); break;
    case UnaryOp::kSqrt: r = std::sqrt(x); break;
    case UnaryOp::kRsqrt: r = 1.0 / std::sqrt(x); break;
    case UnaryOp::kCbrt: r = std::cbrt(x); break;
    case UnaryOp::kAbs: return std::fabs(tv);
    case UnaryOp::kErf: r = std::erf(x); break;
    case UnaryOp::kErfc: r = std::erfc(x); break;
    case UnaryOp::kErfInv:
      // XLA:CPU's algorithm, so erf_inv (and random.normal) match JAX bit for bit.
      if constexpr (std::is_same_v<T, double>) return xla::erf_inv_f64(tv);
      else return T(xla::erf_inv_f32(float(tv)));
    case UnaryOp::kLgamma: r = lgamma_safe(x); break;
    case UnaryOp::kDigamma: r = digamma(x); break;
    default: r = x; break;
  }
  return T(r);
}

template <class T>
T scalar_unary_int(UnaryOp op, T x) {
  using U = std::make_unsigned_t<T>;
  switch (op) {
    case UnaryOp::kNeg: return T(U(0) - U(x));
    case UnaryOp::kSign:
      if constexpr (std::is_signed_v<T>) return T(x > 0 ? 1 : x < 0 ? -1 : 0);
      else return T(x > 0 ? 1 : 0);
    case UnaryOp::kAbs:
      if constexpr (std::is_signed_v<T>) return x < 0 ? T(U(0) - U(x)) : x;
      else return x;
    case UnaryOp::kNot: return T(~U(x));
    case UnaryOp::kPopulationCount: return T(std::popcount(U(x)));
    case UnaryOp::kClz: return T(std::countl_zero(U(x)));
    default: return x;
  }
}

template <class T>
T jax_max(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return a + b;
    if (a == b) return std::signbit(a) ? b : a;
  }
  return a > b ? a : b;
}
template <class T>
T jax_min(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return a + b;
    if (a == b) return std::signbit(a) ? a : b;
  }
  return a < b ? a : b;
}

template <class T>
T scalar_binary_float(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kRem: return std::fmod(a, b);
    case BinaryOp::kPow: return T(std::pow(double(a), double(b)));
    case BinaryOp::kMax: return jax_max(a, b);
    case BinaryOp::kMin: return jax_min(a, b);
    case BinaryOp::kAtan2: return T(std::atan2(double(a), double(b)));
    case BinaryOp::kNextafter: return std::nextafter(a, b);
    default: return a;
  }
}

template <class T>
T scalar_binary_int(BinaryOp op, T a, T b) {
  using U = std::make_unsigned_t<T>;
  constexpr int kBits = sizeof(T) * 8;
  switch (op) {
    case BinaryOp::kAdd: return T(U(a) + U(b));
    case BinaryOp::kSub: return T(U(a) - U(b));
    case BinaryOp::kMul: return T(U(a) * U(b));
    case BinaryOp::kDiv:
      if (b == 0) return std::is_signed_v<T> ? T(-1) : std::numeric_limits<T>::max();
      if constexpr (std::is_signed_v<T>)
        if (a == std::numeric_limits<T>::min() && b == T(-1)) return a;
      return T(a / b);
    case BinaryOp::kRem:
      if (b == 0) return a;
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1)) return T(0);
      return T(a % b);
    case BinaryOp::kMax: return a > b ? a : b;
    case BinaryOp::kMin: return a < b ? a : b;
    case BinaryOp::kAnd: return T(a & b);
    case BinaryOp::kOr: return T(a | b);
    case BinaryOp::kXor: return T(a ^ b);
    case BinaryOp::kShiftLeft:
      return U(b) >= U(kBits) ? T(0) : T(U(a) << U(b));
    case BinaryOp::kShiftRightLogical:
      return U(b) >= U(kBits) ? T(0) : T(U(a) >> U(b));
    case BinaryOp::kShiftRightArithmetic: {
      using S = std::make_signed_t<T>;
      S sa = S(a);
      if (U(b) >= U(kBits)) return T(sa < 0 ? S(-1) : S(0));
      return T(S(sa >> U(b)));
    }
    default: return a;
  }
}

inline bool scalar_binary_bool(BinaryOp op, bool a, bool b) {
  switch (op) {
    case BinaryOp::kAnd:
    case BinaryOp::kMin: return a && b;
    case BinaryOp::kOr:
    case BinaryOp::kMax: return a || b;
    case BinaryOp::kXor: return a != b;
    default: return a;
  }
}

template <class T>
bool scalar_compare(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::kEq: return a == b;
    case BinaryOp::kNe: return a != b;
    case BinaryOp::kLt: return a < b;
    case BinaryOp::kLe: return a <= b;
    case BinaryOp::kGt: return a > b;
    case BinaryOp::kGe: return a >= b;
    default: return false;
  }
}

}  // namespace jx::cpu
