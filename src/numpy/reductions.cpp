// jx::np reductions, following jax/_src/numpy/reductions.py: sums and
// products accumulate narrow integers in the default integer types and
// float16/bfloat16 in float32; mean, var and std of integers are float32.
#include <algorithm>

#include "numpy/np_internal.h"

namespace jx::np {

using namespace detail;

namespace {

// jnp's _promote_integer_dtype: bool -> int32, narrower ints -> int32 / uint32.
DType promote_integer(DType dt) {
  if (dt.is_bool()) return int32;
  if (dt.is_unsigned_int()) return dt.bits() < 32 ? uint32 : dt;
  if (dt.is_signed_int()) return dt.bits() < 32 ? int32 : dt;
  return dt;
}
// float16 and bfloat16 accumulate in float32.
DType upcast_f16(DType dt) { return dt == float16 || dt == bfloat16 ? float32 : dt; }

// Re-inserts the reduced axes with size 1.
Array keep_dims(const Array& r, std::vector<int64_t> axes) {
  if (axes.empty()) return r;
  std::sort(axes.begin(), axes.end());
  return lax::expand_dims(r, std::move(axes));
}

int64_t reduced_size(const Array& x, const std::vector<int64_t>& axes) {
  int64_t n = 1;
  for (int64_t a : axes) n *= x.shape()[size_t(a)];
  return n;
}

using LaxReduce = Array (*)(const Array&, std::vector<int64_t>, lax::Loc);

// Sum and product: jnp's _reduction with promote_integers and the f16 upcast.
Array accumulate(std::string_view op, const Array& x, const Axis& axis, bool keepdims,
                 std::optional<DType> dtype, LaxReduce numeric, LaxReduce boolean) {
  std::vector<int64_t> axes = canonical_axes(op, axis, x.ndim());
  DType result = dtype ? *dtype : promote_integer(x.dtype());
  DType comp = dtype ? *dtype : upcast_f16(result);
  Array a = convert(x, comp);
  Array r = comp.is_bool() ? boolean(a, axes, lax::Loc::current())
                           : numeric(a, axes, lax::Loc::current());
  if (keepdims) r = keep_dims(r, axes);
  return convert(r, result);
}

// max and min: no identity, so an empty reduction is an error.
Array extremum(std::string_view op, const Array& x, const Axis& axis, bool keepdims, LaxReduce f) {
  std::vector<int64_t> axes = canonical_axes(op, axis, x.ndim());
  for (int64_t a : axes)
    if (x.shape()[size_t(a)] == 0)
      throw_error(op, "zero-size array to reduction operation " + std::string(op) +
                          " which has no identity (shape " + x.shape().str() + ")");
  Array r = f(x, axes, lax::Loc::current());
  return keepdims ? keep_dims(r, axes) : r;
}

Array arg_extremum(std::string_view op, const Array& x, std::optional<int> axis, bool keepdims,
                   bool is_max) {
  Array a = x;
  int ax = 0;
  if (axis) {
    ax = canonical_axis(op, *axis, x.ndim());
  } else {
    a = lax::reshape(x, Shape{x.size()});
  }
  if (a.shape()[size_t(ax)] == 0)
    throw_error(op, "attempt to get " + std::string(op) + " of an empty sequence (shape " +
                        x.shape().str() + ")");
  Array r = is_max ? lax::argmax(a, ax, int32) : lax::argmin(a, ax, int32);
  if (!keepdims) return r;
  if (axis) return lax::expand_dims(r, {ax});
  Shape ones;
  ones.resize(size_t(x.ndim()), 1);
  return lax::reshape(r, ones);
}

}  // namespace

Array sum(const Array& x, Axis axis, bool keepdims, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  return accumulate("sum", x, axis, keepdims, dtype, lax::reduce_sum, lax::reduce_or);
}
Array prod(const Array& x, Axis axis, bool keepdims, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  return accumulate("prod", x, axis, keepdims, dtype, lax::reduce_prod, lax::reduce_and);
}

Array mean(const Array& x, Axis axis, bool keepdims, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  std::vector<int64_t> axes = canonical_axes("mean", axis, x.ndim());
  DType result = dtype ? *dtype : to_inexact(x.dtype());
  DType comp = upcast_f16(result);
  Array s = sum(x, axes, keepdims, comp);
  Array r = lax::div(s, full_like_value(s, double(reduced_size(x, axes))));
  return convert(r, result);
}

Array var(const Array& x, Axis axis, int ddof, bool keepdims, Loc loc) {
  CallSite site(loc);
  std::vector<int64_t> axes = canonical_axes("var", axis, x.ndim());
  DType result = to_inexact(x.dtype());
  DType comp = upcast_f16(result);
  Array a = convert(x, comp);
  Array centered =
      lax::sub(a, detail::broadcast_to(mean(a, axes, /*keepdims=*/true, comp), a.shape()));
  Array sq = lax::mul(centered, centered);
  Array s = sum(sq, axes, keepdims, comp);
  double normalizer = double(reduced_size(x, axes)) - double(ddof);
  return convert(lax::div(s, full_like_value(s, normalizer)), result);
}

Array std(const Array& x, Axis axis, int ddof, bool keepdims, Loc loc) {
  CallSite site(loc);
  return lax::sqrt(var(x, std::move(axis), ddof, keepdims));
}

Array max(const Array& x, Axis axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  return extremum("max", x, axis, keepdims, lax::reduce_max);
}
Array min(const Array& x, Axis axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  return extremum("min", x, axis, keepdims, lax::reduce_min);
}
Array amax(const Array& x, Axis axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  return extremum("amax", x, axis, keepdims, lax::reduce_max);
}
Array amin(const Array& x, Axis axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  return extremum("amin", x, axis, keepdims, lax::reduce_min);
}
Array ptp(const Array& x, Axis axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  Array hi = extremum("ptp", x, axis, keepdims, lax::reduce_max);
  Array lo = extremum("ptp", x, axis, keepdims, lax::reduce_min);
  return subtract(hi, lo);
}

Array any(const Array& x, Axis axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  std::vector<int64_t> axes = canonical_axes("any", axis, x.ndim());
  Array r = lax::reduce_or(to_bool(x), axes);
  return keepdims ? keep_dims(r, axes) : r;
}
Array all(const Array& x, Axis axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  std::vector<int64_t> axes = canonical_axes("all", axis, x.ndim());
  Array r = lax::reduce_and(to_bool(x), axes);
  return keepdims ? keep_dims(r, axes) : r;
}

Array argmax(const Array& x, std::optional<int> axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  return arg_extremum("argmax", x, axis, keepdims, true);
}
Array argmin(const Array& x, std::optional<int> axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  return arg_extremum("argmin", x, axis, keepdims, false);
}

Array count_nonzero(const Array& x, Axis axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  return sum(to_bool(x), std::move(axis), keepdims, int32);
}

}  // namespace jx::np
