// Helpers shared by the jx::np sources (internal): dtype promotion with weak
// types, NumPy broadcasting, axis canonicalisation and constants, written once
// so every np function applies the same rules with the same error messages.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jx/lax.h"
#include "jx/numpy.h"

namespace jx::np::detail {

// --- dtypes ---------------------------------------------------------------------
/// The floating type an operand of a float-only function becomes (jnp's
/// to_inexact_dtype): floats stay, bool and integers give float32 (float64
/// for 64-bit integers, as jx::promote_types does with weak floats).
DType to_inexact(DType dt);
/// bool becomes int32 (jnp's to_numeric_dtype); others stay.
DType to_numeric(DType dt);

/// The dtype (and weak flag) jnp.result_type gives the operands.
struct TypeResult {
  DType dtype;
  bool weak;
};
TypeResult result_type_of(std::span<const ArrayLike* const> args);

/// x converted to dtype `dt` with weak flag `weak`; x itself when it already is.
Array convert(const Array& x, DType dt, bool weak = false);

// --- broadcasting -----------------------------------------------------------------
/// NumPy's broadcast of several shapes; "[op] shapes (3, 4) and (5,) cannot
/// broadcast" otherwise.
Shape broadcast_shapes(std::string_view op, std::span<const Shape> shapes);
/// x broadcast to `shape` (leading axes added, size-1 axes stretched); the
/// caller has checked compatibility.
Array broadcast_to(const Array& x, const Shape& shape);

// --- promotion of the operands of elementwise functions ----------------------
enum class Promote {
  kAny,      // jnp promote_args: the common dtype
  kNumeric,  // promote_args_numeric: bool becomes int32
  kInexact,  // promote_args_inexact: bool and integers become floating
};
/// The operands converted to their common dtype (per `how`) and broadcast to
/// their common shape (jnp's promote_args*).
std::vector<Array> promote_args(std::string_view op, std::span<const ArrayLike* const> args,
                                Promote how = Promote::kAny, bool broadcast = true);
inline Array promote1(std::string_view op, const ArrayLike& x, Promote how = Promote::kAny) {
  const ArrayLike* a[] = {&x};
  return promote_args(op, a, how)[0];
}
inline std::pair<Array, Array> promote2(std::string_view op, const ArrayLike& x, const ArrayLike& y,
                                        Promote how = Promote::kAny) {
  const ArrayLike* a[] = {&x, &y};
  auto v = promote_args(op, a, how);
  return {v[0], v[1]};
}

// --- constants -------------------------------------------------------------------
/// A 0-d array of dtype `dt` holding `v` (converted as a C++ cast would).
Array scalar(double v, DType dt, bool weak = false);
/// An array with x's shape and dtype filled with `v` (a broadcast 0-d constant).
Array full_like_value(const Array& x, double v);
/// An array of the given shape and dtype filled with `v`.
Array filled(const Shape& shape, double v, DType dt, bool weak = false);
/// Largest finite value of a floating dtype.
double finfo_max(DType dt);

/// cond ? x : y elementwise for operands of equal shape and dtype (cond bool).
inline Array select(const Array& cond, const Array& x, const Array& y) {
  return lax::select_n(cond, {y, x});
}
/// x converted to bool: x != 0 (jnp's _to_bool).
Array to_bool(const Array& x);

// --- axes ----------------------------------------------------------------------
/// `axis` in [0, ndim); "[op] axis 3 is out of bounds for array of dimension 2".
int canonical_axis(std::string_view op, int64_t axis, int64_t ndim);
/// The axes an Axis names (all for none), canonical, in the order given;
/// errors for out-of-range or repeated axes.
std::vector<int64_t> canonical_axes(std::string_view op, const Axis& axis, int64_t ndim);

/// "(2, 3)"-style text for messages.
std::string shapes_text(std::span<const Shape> shapes);

}  // namespace jx::np::detail
