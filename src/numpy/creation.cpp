// jx::np construction and creation functions. Anything beyond copying host
// data is built from lax ops (iota, broadcast_in_dim, comparisons), so these
// functions also work inside transformations.
#include <algorithm>
#include <cmath>

#include "numpy/np_internal.h"

namespace jx::np {
namespace detail {

Array from_host(const void* src, int64_t count, DType dt, const Shape& shape, const Loc& loc) {
  CallSite site(loc);
  for (int64_t d : shape)
    if (d < 0) throw_error("array", "negative dimension in shape " + shape.str());
  if (count >= 0 && count != shape.numel())
    throw_error("array", "got " + std::to_string(count) + " elements for shape " + shape.str() +
                             " (" + std::to_string(shape.numel()) + " elements)");
  return make_from_host(src, Aval{dt, shape, false}, default_device());
}

Shape nested_shape(std::span<const int64_t> row_sizes, const Loc& loc) {
  CallSite site(loc);
  int64_t cols = row_sizes.empty() ? 0 : row_sizes[0];
  for (int64_t n : row_sizes)
    if (n != cols)
      throw_error("array", "ragged nested list: rows have lengths " + std::to_string(cols) +
                               " and " + std::to_string(n));
  return Shape{int64_t(row_sizes.size()), cols};
}

Array arange_impl(double start, double stop, double step, bool integral, std::optional<DType> dtype,
                  const Loc& loc) {
  CallSite site(loc);
  if (step == 0) throw_error("arange", "step must be nonzero");
  if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step))
    throw_error("arange", "arguments must be finite");
  DType dt = dtype.value_or(integral ? int32 : float32);
  if (dt.is_bool()) throw_error("arange", "dtype must be numeric, got bool");
  int64_t n = std::max<int64_t>(0, int64_t(std::ceil((stop - start) / step)));
  if (integral && dt.is_integer()) {
    Array r = lax::iota(dt, Shape{n});
    if (step != 1) r = lax::mul(r, full_like_value(r, step));
    if (start != 0) r = lax::add(r, full_like_value(r, start));
    return r;
  }
  // start + i * step, computed in float64 and rounded once to dt (as NumPy
  // computes arange's values before jnp transfers them).
  Array r = lax::iota(float64, Shape{n});
  if (step != 1) r = lax::mul(r, full_like_value(r, step));
  if (start != 0) r = lax::add(r, full_like_value(r, start));
  return convert(r, dt);
}

}  // namespace detail

using namespace detail;

// ------------------------------------------------------------------- filled arrays
Array zeros(const Shape& shape, DType dtype, Loc loc) {
  CallSite site(loc);
  return filled(shape, 0, dtype);
}
Array ones(const Shape& shape, DType dtype, Loc loc) {
  CallSite site(loc);
  return filled(shape, 1, dtype);
}
Array empty(const Shape& shape, DType dtype, Loc loc) {
  CallSite site(loc);
  return filled(shape, 0, dtype);
}

namespace {
// fill broadcast to `shape` in dtype dt (jnp.full's rule: the fill may be any
// array broadcastable to the shape).
Array fill_to(std::string_view op, const Shape& shape, const ArrayLike& fill, DType dt, bool weak) {
  Shape fs = fill.shape();
  Shape shapes[] = {fs, shape};
  if (!(broadcast_shapes(op, shapes) == shape))
    throw_error(op,
                "fill_value of shape " + fs.str() + " cannot be broadcast to shape " + shape.str());
  return detail::broadcast_to(fill.as(dt, weak, op), shape);
}
}  // namespace

Array full(const Shape& shape, const ArrayLike& fill_value, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  if (dtype) return fill_to("full", shape, fill_value, *dtype, false);
  // A C++ floating scalar gives the default float (float32), as a Python
  // float does in JAX; integer scalars keep their (weak) int32 / int64.
  DType dt =
      fill_value.is_scalar() && fill_value.dtype().is_floating() ? float32 : fill_value.dtype();
  return fill_to("full", shape, fill_value, dt, fill_value.weak_type());
}
Array zeros_like(const Array& x, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  return filled(x.shape(), 0, dtype.value_or(x.dtype()), !dtype && x.weak_type());
}
Array ones_like(const Array& x, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  return filled(x.shape(), 1, dtype.value_or(x.dtype()), !dtype && x.weak_type());
}
Array empty_like(const Array& x, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  return filled(x.shape(), 0, dtype.value_or(x.dtype()), !dtype && x.weak_type());
}
Array full_like(const Array& x, const ArrayLike& fill_value, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  return fill_to("full_like", x.shape(), fill_value, dtype.value_or(x.dtype()),
                 !dtype && x.weak_type());
}

// ------------------------------------------------------------------- ranges
Array linspace(double start, double stop, int64_t num, bool endpoint, std::optional<DType> dtype,
               Loc loc) {
  CallSite site(loc);
  if (num < 0)
    throw_error("linspace", "number of samples, " + std::to_string(num) + ", must be non-negative");
  DType dt = dtype.value_or(float32);
  if (dt.is_bool()) throw_error("linspace", "dtype must be numeric, got bool");
  DType ct = to_inexact(dt);
  Array out;
  if (num > 1) {
    // start * (1 - t) + stop * t with t = i / div: recovers both endpoints
    // exactly in floating point (jnp's formulation).
    int64_t div = endpoint ? num - 1 : num;
    Array t = lax::div(lax::iota(ct, Shape{div}), filled(Shape{div}, double(div), ct));
    Array one_minus_t = lax::sub(full_like_value(t, 1), t);
    out = lax::add(lax::mul(full_like_value(t, start), one_minus_t),
                   lax::mul(full_like_value(t, stop), t));
    if (endpoint) out = lax::concatenate({out, filled(Shape{1}, stop, ct)}, 0);
  } else {
    out = filled(Shape{num}, start, ct);
  }
  if (dt.is_integer()) out = lax::floor(out);
  return convert(out, dt);
}

// ------------------------------------------------------------------- matrices
namespace {
// row + k <op> col over an N x M grid of int32 indices.
Array diagonal_mask(int64_t N, int64_t M, int64_t k, bool lower) {
  Shape s{N, M};
  Array row = lax::iota(int64, s, 0), col = lax::iota(int64, s, 1);
  Array shifted = lax::add(row, full_like_value(row, double(k)));
  return lower ? lax::ge(shifted, col) : lax::eq(shifted, col);
}
void check_dims(std::string_view op, int64_t N, int64_t M) {
  if (N < 0 || M < 0)
    throw_error(op, "negative dimensions are not allowed, got N=" + std::to_string(N) +
                        ", M=" + std::to_string(M));
}
}  // namespace

Array eye(int64_t N, std::optional<int64_t> M, int64_t k, DType dtype, Loc loc) {
  CallSite site(loc);
  check_dims("eye", N, M.value_or(N));
  return convert(diagonal_mask(N, M.value_or(N), k, false), dtype);
}
Array identity(int64_t n, DType dtype, Loc loc) {
  CallSite site(loc);
  check_dims("identity", n, n);
  return convert(diagonal_mask(n, n, 0, false), dtype);
}
Array tri(int64_t N, std::optional<int64_t> M, int64_t k, DType dtype, Loc loc) {
  CallSite site(loc);
  check_dims("tri", N, M.value_or(N));
  return convert(diagonal_mask(N, M.value_or(N), k, true), dtype);
}

namespace {
// x where the (lower) mask of its last two axes holds, zero elsewhere.
Array masked_triangle(std::string_view op, const Array& x, int64_t k, bool keep_lower) {
  if (x.ndim() < 2) throw_error(op, "input must be at least 2-D, got shape " + x.shape().str());
  int64_t N = x.shape()[size_t(x.ndim() - 2)], M = x.shape()[size_t(x.ndim() - 1)];
  // tril keeps col <= row + k; triu keeps col >= row + k, i.e. not (col <= row + k - 1).
  Array lower = diagonal_mask(N, M, keep_lower ? k : k - 1, true);
  Array mask = detail::broadcast_to(lower, x.shape());
  Array zero = full_like_value(x, 0);
  return keep_lower ? select(mask, x, zero) : select(mask, zero, x);
}
}  // namespace

Array tril(const Array& x, int64_t k, Loc loc) {
  CallSite site(loc);
  return masked_triangle("tril", x, k, true);
}
Array triu(const Array& x, int64_t k, Loc loc) {
  CallSite site(loc);
  return masked_triangle("triu", x, k, false);
}

std::vector<Array> meshgrid(const std::vector<Array>& xi, std::string_view indexing, Loc loc) {
  CallSite site(loc);
  if (indexing != "xy" && indexing != "ij")
    throw_error("meshgrid",
                "indexing must be \"xy\" or \"ij\", got \"" + std::string(indexing) + "\"");
  Shape shape;
  for (const Array& a : xi) {
    if (a.ndim() != 1)
      throw_error("meshgrid", "arguments must be 1-D, got shape " + a.shape().str());
    shape.push_back(a.shape()[0]);
  }
  // Cartesian ("xy") indexing swaps the first two output axes.
  bool xy = indexing == "xy" && xi.size() >= 2;
  if (xy) std::swap(shape[0], shape[1]);
  std::vector<Array> out;
  for (size_t i = 0; i < xi.size(); ++i) {
    int64_t dim = int64_t(i);
    if (xy && i < 2) dim = 1 - dim;
    out.push_back(lax::broadcast_in_dim(xi[i], shape, {dim}));
  }
  return out;
}

}  // namespace jx::np
