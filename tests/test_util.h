// Helpers shared by the jx tests: building arrays from host values, reading
// elements of any dtype as long double / 128-bit integers, rounding a long
// double to a dtype, and ulp distances. Header-only (only *_test.cpp files are
// compiled into jx_tests).
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "jx/jx.h"

namespace jxt {

using I128 = __int128;
/// a * b modulo 2^128 without signed overflow (callers wrap to the dtype).
inline I128 mul_wrap(I128 a, I128 b) {
  return I128(static_cast<unsigned __int128>(a) * static_cast<unsigned __int128>(b));
}
using U128 = unsigned __int128;

// ---------------------------------------------------------------- arrays

/// An array of dtype `dt` and `shape` from raw host bytes.
inline jx::Array make(jx::DType dt, const jx::Shape& shape, const void* data) {
  return jx::make_from_host(data, jx::Aval{dt, shape, false}, jx::default_device());
}

/// An array of T (its dtype is dtype_of<T>) with `shape` (1-D by default).
template <class T>
jx::Array array(const std::vector<T>& v, jx::Shape shape) {
  if constexpr (std::is_same_v<T, bool>) {
    std::unique_ptr<bool[]> tmp(new bool[v.size() ? v.size() : 1]);
    for (size_t i = 0; i < v.size(); ++i) tmp[i] = v[i];
    return make(jx::bool_, shape, tmp.get());
  } else {
    return make(jx::dtype_of<T>(), shape, v.data());
  }
}
template <class T>
jx::Array array(const std::vector<T>& v) {
  return array(v, jx::Shape{int64_t(v.size())});
}
template <class T>
jx::Array array(std::initializer_list<T> v) {
  return array(std::vector<T>(v));
}
/// A 0-d array.
template <class T>
jx::Array scalar(T v) {
  return array(std::vector<T>{v}, jx::Shape{});
}

// ---------------------------------------------------------------- dtype facts

inline bool is_half(jx::DType dt) { return dt == jx::float16 || dt == jx::bfloat16; }
/// Value bits of an integer dtype (1 for bool, which behaves as a 1-bit unsigned).
inline int int_bits(jx::DType dt) { return dt.is_bool() ? 1 : dt.bits(); }

/// v reduced modulo 2^bits of `dt` and read back with its signedness.
inline I128 wrap_int(jx::DType dt, I128 v) {
  int b = int_bits(dt);
  U128 mask = (U128(1) << b) - 1;
  U128 u = U128(v) & mask;
  if (dt.is_signed_int() && (u >> (b - 1)) & 1) return I128(u) - (I128(1) << b);
  return I128(u);
}
/// The bits of v as an unsigned value of dt's width.
inline I128 as_unsigned(jx::DType dt, I128 v) {
  return I128(U128(v) & ((U128(1) << int_bits(dt)) - 1));
}
/// The bits of v as a signed value of dt's width.
inline I128 as_signed(jx::DType dt, I128 v) {
  int b = int_bits(dt);
  U128 u = U128(v) & ((U128(1) << b) - 1);
  return (u >> (b - 1)) & 1 ? I128(u) - (I128(1) << b) : I128(u);
}
inline I128 int_min(jx::DType dt) {
  return dt.is_signed_int() ? -(I128(1) << (int_bits(dt) - 1)) : 0;
}
inline I128 int_max(jx::DType dt) {
  int b = int_bits(dt);
  return dt.is_signed_int() ? (I128(1) << (b - 1)) - 1 : (I128(1) << b) - 1;
}

inline std::string i128_str(I128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  U128 u = neg ? U128(-(v + 1)) + 1 : U128(v);
  std::string s;
  while (u) {
    s.insert(s.begin(), char('0' + int(u % 10)));
    u /= 10;
  }
  return neg ? "-" + s : s;
}

// ---------------------------------------------------------------- element access

/// Element i of a buffer of dtype dt, as long double (exact for every dtype
/// except 64-bit integers beyond 2^64, which cannot occur).
inline long double load_ld(jx::DType dt, const void* base, int64_t i) {
  return jx::dispatch_dtype(dt, [&]<class T>() -> long double {
    T v = static_cast<const T*>(base)[i];
    if constexpr (std::is_same_v<T, jx::float16_t> || std::is_same_v<T, jx::bfloat16_t>)
      return (long double)float(v);
    else
      return (long double)v;
  });
}
/// Element i of an integer or bool buffer.
inline I128 load_int(jx::DType dt, const void* base, int64_t i) {
  return jx::dispatch_dtype(dt, [&]<class T>() -> I128 {
    if constexpr (std::is_integral_v<T>)
      return I128(static_cast<const T*>(base)[i]);
    else
      return 0;
  });
}

/// long double rounded to the nearest value of floating dtype dt (halves go
/// through float, whose 24 bits make the double rounding harmless for the
/// results of +, -, *, / and sqrt; elsewhere it may cost half an ulp).
inline long double round_to(jx::DType dt, long double v) {
  if (dt == jx::float64) return (long double)(double)v;
  if (dt == jx::float32) return (long double)(float)v;
  if (dt == jx::float16) return (long double)float(jx::float16_t(float(v)));
  return (long double)float(jx::bfloat16_t(float(v)));
}

/// Stores v (already a value of dt for floats; an integer for integer dtypes,
/// wrapped) at element i.
inline void store_ld(jx::DType dt, void* base, int64_t i, long double v) {
  jx::dispatch_dtype(dt, [&]<class T>() {
    T* p = static_cast<T*>(base) + i;
    if constexpr (std::is_same_v<T, bool>)
      *p = v != 0;
    else if constexpr (std::is_same_v<T, jx::float16_t> || std::is_same_v<T, jx::bfloat16_t>)
      *p = T(float(v));
    else if constexpr (std::is_floating_point_v<T>)
      *p = T(v);
    else
      *p = T(wrap_int(dt, I128(v)));
  });
}
inline void store_int(jx::DType dt, void* base, int64_t i, I128 v) {
  jx::dispatch_dtype(dt, [&]<class T>() {
    T* p = static_cast<T*>(base) + i;
    if constexpr (std::is_same_v<T, bool>)
      *p = (v & 1) != 0;
    else if constexpr (std::is_integral_v<T>)
      *p = T(wrap_int(dt, v));
  });
}

/// A host buffer of n elements of dtype dt.
struct HostBuf {
  jx::DType dt;
  std::vector<unsigned char> bytes;
  HostBuf(jx::DType d, int64_t n) : dt(d), bytes(size_t(std::max<int64_t>(n, 1)) * d.itemsize()) {}
  void* data() { return bytes.data(); }
  const void* data() const { return bytes.data(); }
  jx::Array to_array(const jx::Shape& shape) const { return make(dt, shape, data()); }
};

// ---------------------------------------------------------------- float comparison

/// The bit pattern of a value of floating dtype dt, mapped to an integer whose
/// order is the order of the values (-0 and +0 map to 0), for ulp distances.
inline int64_t ordered_bits(jx::DType dt, long double v) {
  uint64_t bits, sign_bit;
  if (dt == jx::float64) {
    bits = std::bit_cast<uint64_t>(double(v));
    sign_bit = uint64_t(1) << 63;
  } else if (dt == jx::float32) {
    bits = std::bit_cast<uint32_t>(float(v));
    sign_bit = uint64_t(1) << 31;
  } else if (dt == jx::float16) {
    bits = jx::float16_t(float(v)).bits;
    sign_bit = 0x8000;
  } else {
    bits = jx::bfloat16_t(float(v)).bits;
    sign_bit = 0x8000;
  }
  int64_t mag = int64_t(bits & (sign_bit - 1));
  return bits & sign_bit ? -mag : mag;
}

/// Units in the last place between two (non-NaN) values of dt.
inline double ulp_diff(jx::DType dt, long double a, long double b) {
  I128 d = I128(ordered_bits(dt, a)) - I128(ordered_bits(dt, b));
  return double(d < 0 ? -d : d);
}

/// Same value: NaN equals NaN, and zeros must agree in sign.
inline bool same_value(long double a, long double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == 0 && b == 0) return std::signbit(a) == std::signbit(b);
  return a == b;
}

/// Round-trip text of a float (17 significant digits; "nan", "-0", "inf").
inline std::string fstr(long double v) {
  if (std::isnan(v)) return "nan";
  std::ostringstream os;
  os.precision(19);
  os << v;
  return os.str();
}

/// Largest finite value of a floating dtype.
inline long double max_finite(jx::DType dt) {
  if (dt == jx::float64) return std::numeric_limits<double>::max();
  if (dt == jx::float32) return std::numeric_limits<float>::max();
  if (dt == jx::float16) return 65504.0L;
  return (long double)float(jx::bfloat16_t::from_bits(0x7f7f));
}
/// Smallest positive normal value of a floating dtype.
inline long double min_normal(jx::DType dt) {
  if (dt == jx::float64) return std::numeric_limits<double>::min();
  if (dt == jx::float32) return std::numeric_limits<float>::min();
  if (dt == jx::float16) return 6.103515625e-05L;
  return std::numeric_limits<float>::min();
}
/// Smallest positive subnormal of a floating dtype.
inline long double denorm_min(jx::DType dt) {
  if (dt == jx::float64) return std::numeric_limits<double>::denorm_min();
  if (dt == jx::float32) return std::numeric_limits<float>::denorm_min();
  if (dt == jx::float16) return 5.9604644775390625e-08L;
  return (long double)float(jx::bfloat16_t::from_bits(1));
}

/// The neighbour of a (a value of dt) in the direction of b, as C nextafter.
inline long double next_toward(jx::DType dt, long double a, long double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<long double>::quiet_NaN();
  if (dt == jx::float64) return std::nextafter(double(a), double(b));
  if (dt == jx::float32) return std::nextafter(float(a), float(b));
  if (a == b) return b;
  auto from = [&](uint16_t bits) -> long double {
    return dt == jx::float16 ? (long double)float(jx::float16_t::from_bits(bits))
                             : (long double)float(jx::bfloat16_t::from_bits(bits));
  };
  uint16_t bits = dt == jx::float16 ? jx::float16_t(float(a)).bits : jx::bfloat16_t(float(a)).bits;
  if (a == 0) return from(uint16_t((b > 0 ? 0 : 0x8000) | 1));
  bool away = (b > a) == (a > 0);
  return from(uint16_t(away ? bits + 1 : bits - 1));
}

/// Every dtype jx supports, for loops.
inline const std::vector<jx::DType>& all_dtypes() {
  static const std::vector<jx::DType> v(std::begin(jx::kAllDTypes), std::end(jx::kAllDTypes));
  return v;
}

/// Runs f and returns the jx::Error's message ("" if nothing was thrown; a
/// non-jx exception fails the test).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const jx::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected jx::Error, got another exception: " << e.what();
    return "<non-jx exception>";
  }
  return "";
}

}  // namespace jxt
