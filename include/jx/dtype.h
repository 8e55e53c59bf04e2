// Element types and JAX's type-promotion lattice.
//
// DType is a small value type; the constants jx::float32 etc. (also reachable
// as jx::np::float32) name the thirteen supported types. promote_types follows
// jax.numpy.promote_types, weak types included: a C++ scalar in `x * 2` is a
// weakly typed value that takes the dtype of the array it meets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "jx/half.h"

namespace jx {

enum class DTypeId : uint8_t {
  kBool, kInt8, kInt16, kInt32, kInt64, kUInt8, kUInt16, kUInt32, kUInt64,
  kFloat16, kBFloat16, kFloat32, kFloat64,
};
inline constexpr int kNumDTypes = 13;

/// An element type. Compare with ==; print with name() ("float32") or
/// short_name() ("f32", as jaxprs print it).
struct DType {
  DTypeId id = DTypeId::kFloat32;
  constexpr bool operator==(const DType&) const = default;
  constexpr int index() const { return int(id); }
  int itemsize() const;
  std::string_view name() const;
  std::string_view short_name() const;
  bool is_bool() const { return id == DTypeId::kBool; }
  bool is_floating() const { return id >= DTypeId::kFloat16; }
  bool is_integer() const { return id >= DTypeId::kInt8 && id <= DTypeId::kUInt64; }
  bool is_signed_int() const { return id >= DTypeId::kInt8 && id <= DTypeId::kInt64; }
  bool is_unsigned_int() const { return id >= DTypeId::kUInt8 && id <= DTypeId::kUInt64; }
  /// Bits of the value (8 for bool).
  int bits() const { return itemsize() * 8; }
};

inline constexpr DType bool_{DTypeId::kBool};
inline constexpr DType int8{DTypeId::kInt8};
inline constexpr DType int16{DTypeId::kInt16};
inline constexpr DType int32{DTypeId::kInt32};
inline constexpr DType int64{DTypeId::kInt64};
inline constexpr DType uint8{DTypeId::kUInt8};
inline constexpr DType uint16{DTypeId::kUInt16};
inline constexpr DType uint32{DTypeId::kUInt32};
inline constexpr DType uint64{DTypeId::kUInt64};
inline constexpr DType float16{DTypeId::kFloat16};
inline constexpr DType bfloat16{DTypeId::kBFloat16};
inline constexpr DType float32{DTypeId::kFloat32};
inline constexpr DType float64{DTypeId::kFloat64};

/// Every dtype, in DTypeId order.
inline constexpr DType kAllDTypes[kNumDTypes] = {
    bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
    float16, bfloat16, float32, float64};

/// Parses "float32" or "f32"; throws jx::Error for an unknown name.
DType dtype_from_name(std::string_view name);

/// The dtype JAX gives two values: jnp.promote_types for strong types; a weak
/// operand yields to a strong one of its kind. `weak_out` (if given) tells
/// whether the result is weakly typed (both inputs weak).
DType promote_types(DType a, DType b, bool a_weak = false, bool b_weak = false,
                    bool* weak_out = nullptr);

/// The C++ type of a dtype's elements (bool, int8_t, ..., float16_t, double).
template <DTypeId> struct ctype_of;
template <> struct ctype_of<DTypeId::kBool> { using type = bool; };
template <> struct ctype_of<DTypeId::kInt8> { using type = int8_t; };
template <> struct ctype_of<DTypeId::kInt16> { using type = int16_t; };
template <> struct ctype_of<DTypeId::kInt32> { using type = int32_t; };
template <> struct ctype_of<DTypeId::kInt64> { using type = int64_t; };
template <> struct ctype_of<DTypeId::kUInt8> { using type = uint8_t; };
template <> struct ctype_of<DTypeId::kUInt16> { using type = uint16_t; };
template <> struct ctype_of<DTypeId::kUInt32> { using type = uint32_t; };
template <> struct ctype_of<DTypeId::kUInt64> { using type = uint64_t; };
template <> struct ctype_of<DTypeId::kFloat16> { using type = float16_t; };
template <> struct ctype_of<DTypeId::kBFloat16> { using type = bfloat16_t; };
template <> struct ctype_of<DTypeId::kFloat32> { using type = float; };
template <> struct ctype_of<DTypeId::kFloat64> { using type = double; };

/// The dtype of a C++ element type (float -> float32, double -> float64 ...).
template <class T>
constexpr DType dtype_of() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>) return bool_;
  else if constexpr (std::is_same_v<U, float16_t>) return float16;
  else if constexpr (std::is_same_v<U, bfloat16_t>) return bfloat16;
  else if constexpr (std::is_same_v<U, float>) return float32;
  else if constexpr (std::is_same_v<U, double>) return float64;
  else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>) {
    static_assert(sizeof(U) <= 8);
    return sizeof(U) == 1 ? int8 : sizeof(U) == 2 ? int16 : sizeof(U) == 4 ? int32 : int64;
  } else if constexpr (std::is_integral_v<U>) {
    static_assert(sizeof(U) <= 8);
    return sizeof(U) == 1 ? uint8 : sizeof(U) == 2 ? uint16 : sizeof(U) == 4 ? uint32 : uint64;
  } else {
    static_assert(sizeof(U) == 0, "no jx dtype for this C++ type");
  }
}

/// Calls f.template operator()<T>() with T the C++ element type of `dt`.
template <class F>
decltype(auto) dispatch_dtype(DType dt, F&& f) {
  switch (dt.id) {
    case DTypeId::kBool: return f.template operator()<bool>();
    case DTypeId::kInt8: return f.template operator()<int8_t>();
    case DTypeId::kInt16: return f.template operator()<int16_t>();
    case DTypeId::kInt32: return f.template operator()<int32_t>();
    case DTypeId::kInt64: return f.template operator()<int64_t>();
    case DTypeId::kUInt8: return f.template operator()<uint8_t>();
    case DTypeId::kUInt16: return f.template operator()<uint16_t>();
    case DTypeId::kUInt32: return f.template operator()<uint32_t>();
    case DTypeId::kUInt64: return f.template operator()<uint64_t>();
    case DTypeId::kFloat16: return f.template operator()<float16_t>();
    case DTypeId::kBFloat16: return f.template operator()<bfloat16_t>();
    case DTypeId::kFloat32: return f.template operator()<float>();
    case DTypeId::kFloat64: break;
  }
  return f.template operator()<double>();
}

}  // namespace jx
