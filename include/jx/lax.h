// jx::lax: the primitives, with the semantics of jax.lax.
//
// Operands of the n-ary ops must have equal shapes and dtypes (no implicit
// broadcasting or promotion; jx::np provides both). Each function reports bad
// input with jx::Error naming the op, the shapes/dtypes at fault and the
// caller's line.
#pragma once

#include <cstdint>
#include <source_location>
#include <span>
#include <vector>

#include "jx/array.h"

namespace jx::lax {

using Loc = std::source_location;

// --- elementwise, one operand -------------------------------------------
Array neg(const Array& x, Loc loc = Loc::current());
Array sign(const Array& x, Loc loc = Loc::current());
Array floor(const Array& x, Loc loc = Loc::current());
Array ceil(const Array& x, Loc loc = Loc::current());
/// Rounding: away from zero (JAX's default, ROUND_AWAY_FROM_ZERO) or to
/// nearest even (TO_NEAREST_EVEN).
enum class RoundingMethod { kAwayFromZero = 0, kToNearestEven = 1 };
Array round(const Array& x, RoundingMethod method = RoundingMethod::kAwayFromZero,
            Loc loc = Loc::current());
Array is_finite(const Array& x, Loc loc = Loc::current());
Array exp(const Array& x, Loc loc = Loc::current());
Array exp2(const Array& x, Loc loc = Loc::current());
Array log(const Array& x, Loc loc = Loc::current());
Array log1p(const Array& x, Loc loc = Loc::current());
Array expm1(const Array& x, Loc loc = Loc::current());
Array tanh(const Array& x, Loc loc = Loc::current());
Array logistic(const Array& x, Loc loc = Loc::current());
Array sin(const Array& x, Loc loc = Loc::current());
Array cos(const Array& x, Loc loc = Loc::current());
Array tan(const Array& x, Loc loc = Loc::current());
Array asin(const Array& x, Loc loc = Loc::current());
Array acos(const Array& x, Loc loc = Loc::current());
Array atan(const Array& x, Loc loc = Loc::current());
Array sinh(const Array& x, Loc loc = Loc::current());
Array cosh(const Array& x, Loc loc = Loc::current());
Array asinh(const Array& x, Loc loc = Loc::current());
Array acosh(const Array& x, Loc loc = Loc::current());
Array atanh(const Array& x, Loc loc = Loc::current());
Array sqrt(const Array& x, Loc loc = Loc::current());
Array rsqrt(const Array& x, Loc loc = Loc::current());
Array cbrt(const Array& x, Loc loc = Loc::current());
Array abs(const Array& x, Loc loc = Loc::current());
Array erf(const Array& x, Loc loc = Loc::current());
Array erfc(const Array& x, Loc loc = Loc::current());
Array erf_inv(const Array& x, Loc loc = Loc::current());
Array lgamma(const Array& x, Loc loc = Loc::current());
Array digamma(const Array& x, Loc loc = Loc::current());
Array bitwise_not(const Array& x, Loc loc = Loc::current());
Array population_count(const Array& x, Loc loc = Loc::current());
Array clz(const Array& x, Loc loc = Loc::current());
/// x ** y for a static integer y (negative y only for floating x).
Array integer_pow(const Array& x, int64_t y, Loc loc = Loc::current());

// --- elementwise, two operands ------------------------------------------
Array add(const Array& x, const Array& y, Loc loc = Loc::current());
Array sub(const Array& x, const Array& y, Loc loc = Loc::current());
Array mul(const Array& x, const Array& y, Loc loc = Loc::current());
/// Division; integers round toward zero, x/0 is -1 (signed) or all ones (unsigned).
Array div(const Array& x, const Array& y, Loc loc = Loc::current());
/// Remainder with the sign of x (C fmod / %); x % 0 is x for integers.
Array rem(const Array& x, const Array& y, Loc loc = Loc::current());
/// x ** y for floating x; y has x's dtype or is an integer array of x's shape.
Array pow(const Array& x, const Array& y, Loc loc = Loc::current());
Array max(const Array& x, const Array& y, Loc loc = Loc::current());
Array min(const Array& x, const Array& y, Loc loc = Loc::current());
Array atan2(const Array& x, const Array& y, Loc loc = Loc::current());
Array nextafter(const Array& x, const Array& y, Loc loc = Loc::current());
Array bitwise_and(const Array& x, const Array& y, Loc loc = Loc::current());
Array bitwise_or(const Array& x, const Array& y, Loc loc = Loc::current());
Array bitwise_xor(const Array& x, const Array& y, Loc loc = Loc::current());
Array shift_left(const Array& x, const Array& y, Loc loc = Loc::current());
Array shift_right_logical(const Array& x, const Array& y, Loc loc = Loc::current());
Array shift_right_arithmetic(const Array& x, const Array& y, Loc loc = Loc::current());

// --- comparison and selection --------------------------------------------
Array eq(const Array& x, const Array& y, Loc loc = Loc::current());
Array ne(const Array& x, const Array& y, Loc loc = Loc::current());
Array lt(const Array& x, const Array& y, Loc loc = Loc::current());
Array le(const Array& x, const Array& y, Loc loc = Loc::current());
Array gt(const Array& x, const Array& y, Loc loc = Loc::current());
Array ge(const Array& x, const Array& y, Loc loc = Loc::current());
/// cases[which] elementwise; `which` is bool (two cases) or int32.
Array select_n(const Array& which, std::span<const Array> cases, Loc loc = Loc::current());
Array select_n(const Array& which, std::initializer_list<Array> cases, Loc loc = Loc::current());
/// min(max(x, lo), hi); lo and hi are scalars or have x's shape.
Array clamp(const Array& lo, const Array& x, const Array& hi, Loc loc = Loc::current());

// --- types ------------------------------------------------------------------
Array convert_element_type(const Array& x, DType new_dtype, Loc loc = Loc::current());
/// As above, with the result's weak type set explicitly (for promotion code).
Array convert_element_type(const Array& x, DType new_dtype, bool weak_type,
                           Loc loc = Loc::current());
/// Reinterprets the bits; a narrower target adds a trailing dimension, a wider
/// one consumes the last dimension.
Array bitcast_convert_type(const Array& x, DType new_dtype, Loc loc = Loc::current());

// --- reductions (axes: distinct, in range) ----------------------------------
Array reduce_sum(const Array& x, std::vector<int64_t> axes, Loc loc = Loc::current());
Array reduce_prod(const Array& x, std::vector<int64_t> axes, Loc loc = Loc::current());
Array reduce_max(const Array& x, std::vector<int64_t> axes, Loc loc = Loc::current());
Array reduce_min(const Array& x, std::vector<int64_t> axes, Loc loc = Loc::current());
Array reduce_and(const Array& x, std::vector<int64_t> axes, Loc loc = Loc::current());
Array reduce_or(const Array& x, std::vector<int64_t> axes, Loc loc = Loc::current());
Array argmax(const Array& x, int64_t axis, DType index_dtype = int32, Loc loc = Loc::current());
Array argmin(const Array& x, int64_t axis, DType index_dtype = int32, Loc loc = Loc::current());

// --- structure --------------------------------------------------------------
/// Operand dimension i becomes output dimension broadcast_dimensions[i].
Array broadcast_in_dim(const Array& x, const Shape& shape,
                       std::vector<int64_t> broadcast_dimensions, Loc loc = Loc::current());
Array reshape(const Array& x, const Shape& new_sizes, Loc loc = Loc::current());
Array squeeze(const Array& x, std::vector<int64_t> dimensions, Loc loc = Loc::current());
Array expand_dims(const Array& x, std::vector<int64_t> dimensions, Loc loc = Loc::current());
Array transpose(const Array& x, std::vector<int64_t> permutation, Loc loc = Loc::current());
Array rev(const Array& x, std::vector<int64_t> dimensions, Loc loc = Loc::current());
Array slice(const Array& x, std::vector<int64_t> start_indices,
            std::vector<int64_t> limit_indices, std::vector<int64_t> strides = {},
            Loc loc = Loc::current());
/// One (low, high, interior) triple per dimension; low/high may be negative.
struct PadConfig {
  int64_t low = 0, high = 0, interior = 0;
};
Array pad(const Array& x, const Array& padding_value, std::vector<PadConfig> config,
          Loc loc = Loc::current());
Array concatenate(std::span<const Array> operands, int64_t dimension, Loc loc = Loc::current());
Array concatenate(std::initializer_list<Array> operands, int64_t dimension,
                  Loc loc = Loc::current());
Array iota(DType dtype, const Shape& shape, int64_t dimension = 0, Loc loc = Loc::current());
/// A copy of x (a new buffer with the same value).
Array copy(const Array& x, Loc loc = Loc::current());

}  // namespace jx::lax
