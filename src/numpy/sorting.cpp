// jnp sorting, searching and cumulative functions over lax.sort and the
// cumulative primitives (jax/_src/numpy/lax_numpy.py, reductions.py).
#include <string>

#include "jx/lax_sort.h"
#include "jx/numpy_sort.h"
#include "numpy/np_internal.h"

namespace jx::np {

using namespace detail;

namespace {

// x flattened when axis is none, with the axis to work on.
std::pair<Array, int> along(std::string_view op, const Array& x, std::optional<int> axis) {
  if (!axis) return {lax::reshape(x, Shape{x.size()}), 0};
  if (x.ndim() == 0)
    throw_error(op, "axis " + std::to_string(*axis) + " is out of bounds for a 0-d array");
  return {x, canonical_axis(op, *axis, x.ndim())};
}

Array index_iota(const Array& x, int axis) { return lax::iota(int32, x.shape(), axis); }

// The position of each element of 1-d x in its stable ascending order (the
// inverse of argsort, itself an argsort of the argsort).
Array rank_1d(const Array& x) {
  Array perm = lax::sort_key_val(x, index_iota(x, 0), 0).second;
  return lax::sort_key_val(perm, index_iota(x, 0), 0).second;
}

Array slice_axis(const Array& x, int axis, int64_t start, int64_t stop) {
  std::vector<int64_t> s(size_t(x.ndim()), 0), l = x.shape().to_vector();
  s[size_t(axis)] = start;
  l[size_t(axis)] = stop;
  return lax::slice(x, s, l);
}

Array cumulative(std::string_view op, const Array& x, std::optional<int> axis,
                 std::optional<DType> dtype, bool is_sum) {
  auto [y, ax] = along(op, x, axis);
  DType dt = dtype ? *dtype : y.dtype().is_bool() ? int32 : y.dtype();
  if (dt.is_bool()) dt = int32;  // lax's cumulative sums and products are numeric
  y = convert(y, dt, dtype ? false : y.weak_type());
  return is_sum ? lax::cumsum(y, ax) : lax::cumprod(y, ax);
}

}  // namespace

Array sort(const Array& x, std::optional<int> axis, bool stable, bool descending, Loc loc) {
  CallSite site(loc);
  auto [y, ax] = along("sort", x, axis);
  if (!descending) return lax::sort(y, ax, stable);
  // Reversing before and after a stable ascending sort keeps equal elements
  // in their original order.
  return lax::rev(lax::sort(lax::rev(y, {ax}), ax, stable), {ax});
}

Array argsort(const Array& x, std::optional<int> axis, bool stable, bool descending, Loc loc) {
  CallSite site(loc);
  auto [y, ax] = along("argsort", x, axis);
  if (!descending) return lax::sort_key_val(y, index_iota(y, ax), ax, stable).second;
  Array idx = lax::sort_key_val(lax::rev(y, {ax}), index_iota(y, ax), ax, stable).second;
  Array n1 = lax::broadcast_in_dim(scalar(double(y.shape()[size_t(ax)] - 1), int32), y.shape(), {});
  return lax::sub(n1, lax::rev(idx, {ax}));
}

Array lexsort(const std::vector<Array>& keys, int axis, Loc loc) {
  CallSite site(loc);
  if (keys.empty()) throw_error("lexsort", "needs at least one key");
  for (const Array& k : keys)
    if (!(k.shape() == keys[0].shape()))
      throw_error("lexsort", "all keys must have one shape, got " + keys[0].shape().str() +
                                 " and " + k.shape().str());
  if (keys[0].ndim() == 0) throw_error("lexsort", "keys must have at least one dimension");
  int ax = canonical_axis("lexsort", axis, keys[0].ndim());
  std::vector<Array> ops(keys.rbegin(), keys.rend());  // the last key is primary
  ops.push_back(index_iota(keys[0], ax));
  return lax::sort(ops, ax, true, int64_t(keys.size())).back();
}

Array searchsorted(const Array& a, const ArrayLike& v, std::string_view side, Loc loc) {
  CallSite site(loc);
  if (a.ndim() != 1)
    throw_error("searchsorted", "a must be 1-dimensional, got shape " + a.shape().str());
  if (side != "left" && side != "right")
    throw_error("searchsorted",
                "side must be \"left\" or \"right\", got \"" + std::string(side) + "\"");
  const ArrayLike a_like(a);
  const ArrayLike* args[] = {&a_like, &v};
  std::vector<Array> pv = promote_args("searchsorted", args, Promote::kAny, /*broadcast=*/false);
  Array sorted = pv[0], q = pv[1];
  Shape qshape = q.shape();
  Array qf = lax::reshape(q, Shape{q.size()});
  int64_t na = sorted.size(), nq = qf.size();
  if (nq == 0) return lax::reshape(lax::iota(int32, Shape{0}), qshape);
  // A stable sort of queries and a together places each query after the
  // elements of a below it (left) or not above it (right); its rank there
  // minus its rank among the queries counts those elements.
  Array idx;
  if (side == "left")
    idx = lax::slice(rank_1d(lax::concatenate({qf, sorted}, 0)), {0}, {nq});
  else
    idx = lax::slice(rank_1d(lax::concatenate({sorted, qf}, 0)), {na}, {na + nq});
  return lax::reshape(lax::sub(idx, rank_1d(qf)), qshape);
}

Array cumsum(const Array& x, std::optional<int> axis, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  return cumulative("cumsum", x, axis, dtype, true);
}
Array cumprod(const Array& x, std::optional<int> axis, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  return cumulative("cumprod", x, axis, dtype, false);
}

Array nancumsum(const Array& x, std::optional<int> axis, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  Array y = x.dtype().is_floating() ? select(lax::ne(x, x), full_like_value(x, 0), x) : x;
  return cumulative("nancumsum", y, axis, dtype, true);
}
Array nancumprod(const Array& x, std::optional<int> axis, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  Array y = x.dtype().is_floating() ? select(lax::ne(x, x), full_like_value(x, 1), x) : x;
  return cumulative("nancumprod", y, axis, dtype, false);
}

Array diff(const Array& x, int n, int axis, Loc loc) {
  CallSite site(loc);
  if (n < 0) throw_error("diff", "order must be non-negative, got n=" + std::to_string(n));
  if (n == 0) return x;
  if (x.ndim() == 0)
    throw_error("diff", "requires an input of at least one dimension, got a 0-d array");
  int ax = canonical_axis("diff", axis, x.ndim());
  Array y = x;
  for (int i = 0; i < n; ++i) {
    int64_t len = y.shape()[size_t(ax)];
    if (len == 0) break;
    Array hi = slice_axis(y, ax, 1, len), lo = slice_axis(y, ax, 0, len - 1);
    y = y.dtype().is_bool() ? lax::ne(hi, lo) : lax::sub(hi, lo);
  }
  return y;
}

}  // namespace jx::np
