// jx::np indexing: x[...] reads, x.at[...] updates, take and take_along_axis,
// lowered to lax.slice / gather / scatter as jax/_src/numpy/indexing.py and
// jax/_src/ops/scatter.py do: an index is parsed into items (bool arrays
// become integer arrays through nonzero), ellipses expanded, then either
// static slicing (no arrays) or one gather whose dimension numbers describe
// every item at once; an update is the scatter with the transposed numbers.
#include "jx/numpy_indexing.h"

#include <algorithm>
#include <limits>

#include "numpy/np_internal.h"

namespace jx::np {

using namespace detail;

namespace {

using Ints = std::vector<int64_t>;
using lax::GatherScatterMode;

template <class T>
Array int_array(const std::vector<T>& v) {
  bool fits = std::all_of(v.begin(), v.end(), [](T x) {
    return int64_t(x) >= std::numeric_limits<int32_t>::min() && int64_t(x) <= std::numeric_limits<int32_t>::max();
  });
  if (fits) return np::array(std::vector<int32_t>(v.begin(), v.end()));
  return np::array(std::vector<int64_t>(v.begin(), v.end()));
}

}  // namespace

Index::Index(const std::vector<int64_t>& v) : kind_(Kind::kArray), array_(int_array(v)) {}
Index::Index(const std::vector<int>& v) : kind_(Kind::kArray), array_(int_array(v)) {}
Index::Index(Array (*fn)(const Array&, Axis, bool, Loc)) : kind_(Kind::kSlice) {
  if (fn != &np::all)
    throw_error("index", "a function is not an index; only np::all stands for ':' (np::slice())");
}

namespace detail {
namespace {

// The smallest signed integer dtype for indices into `shape` (jax's int_dtype_for_shape).
DType index_dtype_for(const Shape& shape) {
  for (int64_t d : shape)
    if (d > std::numeric_limits<int32_t>::max()) return int64;
  return int32;
}

// ------------------------------------------------------------------ parsing
struct Parsed {
  std::vector<Index> items;  // no ellipsis; one per operand dim, plus newaxes
  bool advanced_contiguous = true;
};

std::string ndim_text(int64_t n) { return std::to_string(n) + "-dimensional"; }

// Replaces bool arrays by the integer arrays of their nonzero positions (this
// needs their values), checks dtypes, expands the ellipsis and adds trailing
// full slices.
Parsed parse(std::string_view op, const Shape& shape, const std::vector<Index>& raw) {
  std::vector<Index> items;
  for (const Index& it : raw) {
    if (it.kind() != Index::Kind::kArray || !it.array().dtype().is_bool()) {
      if (it.kind() == Index::Kind::kArray && !it.array().dtype().is_integer())
        throw_error(op, "index arrays must have an integer or bool dtype, got " + it.array().aval().str());
      items.push_back(it);
      continue;
    }
    const Array& mask = it.array();
    if (mask.ndim() == 0)
      throw_error(op, "0-d boolean indices are not supported; use np::where(cond, x, y)");
    if (mask.is_tracer())
      throw_error(op, "a boolean index array " + mask.aval().str() +
                          " needs concrete values: the shape of the result depends on them, and inside a "
                          "transformation (jit, vmap, grad) they are not known. Use np::where(mask, x, y), "
                          "np::extract(mask, x, {.size = n}) or np::nonzero(mask, {.size = n})");
    for (const Array& a : nonzero(mask)) items.push_back(Index(a));
  }
  Parsed p;
  std::vector<size_t> adv;
  int64_t consumed = 0, ellipses = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    Index::Kind k = items[i].kind();
    if (k == Index::Kind::kArray || k == Index::Kind::kInt) adv.push_back(i);
    if (k == Index::Kind::kEllipsis) ++ellipses;
    else if (k != Index::Kind::kNewAxis) ++consumed;
  }
  for (size_t i = 1; i < adv.size(); ++i) p.advanced_contiguous = p.advanced_contiguous && adv[i] == adv[i - 1] + 1;
  if (ellipses > 1) throw_error(op, "an index can only have a single ellipsis (np::ellipsis)");
  int64_t ndim = int64_t(shape.size());
  if (consumed > ndim)
    throw_error(op, "too many indices for array: array is " + ndim_text(ndim) + " (shape " + shape.str() +
                        "), but " + std::to_string(consumed) + " were indexed");
  for (const Index& it : items) {
    if (it.kind() == Index::Kind::kEllipsis) {
      for (int64_t k = 0; k < ndim - consumed; ++k) p.items.push_back(Index(Slice{}));
    } else {
      p.items.push_back(it);
    }
  }
  if (ellipses == 0)
    for (int64_t k = consumed; k < ndim; ++k) p.items.push_back(Index(Slice{}));
  return p;
}

// Python's slice.indices: (start, step, size) of s over a dim of n.
struct Canon {
  int64_t start, step, size;
};
Canon canonical_slice(std::string_view op, const Slice& s, int64_t n) {
  int64_t step = s.step.value_or(1);
  if (step == 0) throw_error(op, "slice step cannot be zero");
  auto fix = [&](std::optional<int64_t> v, int64_t dflt, int64_t lo, int64_t hi) {
    if (!v) return dflt;
    int64_t x = *v < 0 ? *v + n : *v;
    return std::clamp(x, lo, hi);
  };
  if (step > 0) {
    int64_t start = fix(s.start, 0, 0, n), stop = fix(s.stop, n, 0, n);
    return {start, step, stop > start ? (stop - start + step - 1) / step : 0};
  }
  int64_t start = fix(s.start, n - 1, -1, n - 1), stop = fix(s.stop, -1, -1, n - 1);
  return {start, step, start > stop ? (start - stop - step - 1) / (-step) : 0};
}

// x[items] with only integers, slices and newaxes: lax.slice, rev, squeeze, expand_dims.
Array static_take(std::string_view op, const Array& x, const Parsed& p) {
  const Shape& s = x.shape();
  Ints start, limit, strides, rev, squeeze, newaxis;
  int64_t xa = 0, ya = 0;
  bool trivial = true;
  for (const Index& it : p.items) {
    switch (it.kind()) {
      case Index::Kind::kNewAxis:
        newaxis.push_back(ya++);
        break;
      case Index::Kind::kInt: {
        int64_t n = s[size_t(xa)], i = it.int_value();
        if (i < -n || i >= n)
          throw_error(op, "index " + std::to_string(i) + " is out of bounds for axis " + std::to_string(xa) +
                              " with size " + std::to_string(n));
        if (i < 0) i += n;
        start.push_back(i);
        limit.push_back(i + 1);
        strides.push_back(1);
        squeeze.push_back(xa++);
        trivial = false;
        break;
      }
      default: {
        int64_t n = s[size_t(xa)];
        Canon c = canonical_slice(op, it.slice_value(), n);
        if (c.size == 0) {
          start.push_back(0), limit.push_back(0), strides.push_back(1);
        } else if (c.step > 0) {
          start.push_back(c.start), limit.push_back(c.start + (c.size - 1) * c.step + 1), strides.push_back(c.step);
        } else {
          int64_t lo = c.start + (c.size - 1) * c.step;
          start.push_back(lo), limit.push_back(c.start + 1), strides.push_back(-c.step);
          if (c.size > 1) rev.push_back(xa);
        }
        trivial = trivial && start.back() == 0 && limit.back() == n && strides.back() == 1;
        ++xa, ++ya;
      }
    }
  }
  Array y = trivial ? x : lax::slice(x, start, limit, strides);
  if (!rev.empty()) y = lax::rev(y, rev);
  if (!squeeze.empty()) y = lax::squeeze(y, squeeze);
  if (!newaxis.empty()) y = lax::expand_dims(y, newaxis);
  return y;
}

// ------------------------------------------------------------------ gather form
struct GatherIndexer {
  Shape slice_shape;          // shape of x[idx]
  Ints gather_slice_shape;    // slice_sizes of the gather
  Array gather_indices;       // (..., k) in index_dtype; (0,) when nothing is indexed
  lax::GatherDimensionNumbers dnums;
  bool unique = true, sorted = true;  // no advanced indices
  Ints reversed_y_dims, newaxis_dims;
};

// An integer index array normalised to [0, n) where negative (as NumPy), in dtype dt.
Array normalize_array(const Array& a, int64_t n, DType dt) {
  Array i = convert(a, dt);
  if (!a.dtype().is_signed_int()) return i;
  return select(lax::lt(i, full_like_value(i, 0)), lax::add(i, full_like_value(i, double(n))), i);
}

// jax's _index_to_gather.
GatherIndexer to_gather(std::string_view op, const Shape& shape, const Parsed& p) {
  DType idt = index_dtype_for(shape);
  GatherIndexer g;
  bool advanced = std::any_of(p.items.begin(), p.items.end(), [](const Index& it) {
    return it.kind() == Index::Kind::kArray && it.array().ndim() > 0;
  });
  std::vector<Array> adv;
  Ints adv_pos, adv_axes;
  if (advanced) {
    int64_t j = 0;
    for (size_t i = 0; i < p.items.size(); ++i) {
      const Index& it = p.items[i];
      if (it.kind() == Index::Kind::kNewAxis) continue;
      int64_t n = shape[size_t(j)];
      if (it.kind() == Index::Kind::kArray) {
        adv.push_back(normalize_array(it.array(), n, idt));
      } else if (it.kind() == Index::Kind::kInt) {
        int64_t v = it.int_value() < 0 ? it.int_value() + n : it.int_value();
        adv.push_back(scalar(double(v), idt));
      }
      if (it.kind() == Index::Kind::kArray || it.kind() == Index::Kind::kInt) {
        adv_pos.push_back(int64_t(i));
        adv_axes.push_back(j);
      }
      ++j;
    }
    std::vector<Shape> shapes;
    for (const Array& a : adv) shapes.push_back(a.shape());
    Shape bs = broadcast_shapes(op, shapes);
    for (Array& a : adv) a = broadcast_to(a, bs);
    g.unique = g.sorted = false;
  }
  int64_t xa = 0, ya = 0, cya = 0;
  Ints offset, collapsed, sim;
  std::vector<std::pair<Array, int64_t>> parts;  // (index array, first dim in the index batch shape)
  Ints ishape;                                   // the index batch shape
  std::vector<int64_t> slice_shape;
  for (size_t pos = 0; pos < p.items.size(); ++pos) {
    const Index& it = p.items[pos];
    if (advanced && ((p.advanced_contiguous && int64_t(pos) == adv_pos[0]) ||
                     (!p.advanced_contiguous && pos == 0))) {
      const Shape& as = adv[0].shape();
      int64_t start_dim = int64_t(ishape.size());
      for (const Array& a : adv) parts.push_back({a, start_dim});
      ishape.insert(ishape.end(), as.begin(), as.end());
      sim.insert(sim.end(), adv_axes.begin(), adv_axes.end());
      collapsed.insert(collapsed.end(), adv_axes.begin(), adv_axes.end());
      slice_shape.insert(slice_shape.end(), as.begin(), as.end());
      ya += int64_t(as.size());
      cya += int64_t(as.size());
    }
    if (advanced && std::find(adv_pos.begin(), adv_pos.end(), int64_t(pos)) != adv_pos.end()) {
      ++xa;
      g.gather_slice_shape.push_back(1);
      continue;
    }
    switch (it.kind()) {
      case Index::Kind::kInt:
      case Index::Kind::kArray: {  // a scalar (a 0-d array or a static integer)
        int64_t n = shape[size_t(xa)];
        if (n == 0) throw_error(op, "index is out of bounds for axis " + std::to_string(xa) + " with size 0");
        Array i = it.kind() == Index::Kind::kArray
                      ? normalize_array(it.array(), n, idt)
                      : scalar(double(it.int_value() < 0 ? it.int_value() + n : it.int_value()), idt);
        parts.push_back({i, int64_t(ishape.size())});
        collapsed.push_back(xa);
        g.gather_slice_shape.push_back(1);
        sim.push_back(xa);
        ++xa;
        break;
      }
      case Index::Kind::kNewAxis:
        slice_shape.push_back(1);
        g.newaxis_dims.push_back(ya++);
        break;
      default: {
        int64_t n = shape[size_t(xa)];
        Canon c = canonical_slice(op, it.slice_value(), n);
        slice_shape.push_back(c.size);
        if (c.step == 1) {
          if (c.size != n) {
            parts.push_back({scalar(double(c.start), idt), int64_t(ishape.size())});
            sim.push_back(xa);
          }
          g.gather_slice_shape.push_back(c.size);
          offset.push_back(cya);
        } else {
          Array iota = lax::iota(idt, Shape{c.size});
          Array idx = lax::add(lax::mul(iota, filled({c.size}, double(c.step), idt)), filled({c.size}, double(c.start), idt));
          if (c.step < 0) {
            g.reversed_y_dims.push_back(cya);
            idx = lax::rev(idx, {0});
          }
          g.gather_slice_shape.push_back(1);
          parts.push_back({idx, int64_t(ishape.size())});
          sim.push_back(xa);
          ishape.push_back(c.size);
          collapsed.push_back(xa);
        }
        ++cya, ++ya, ++xa;
      }
    }
  }
  if (parts.empty()) {
    g.gather_indices = filled(Shape{0}, 0, idt);
  } else if (parts.size() == 1) {
    const Array& a = parts[0].first;
    g.gather_indices = lax::expand_dims(a, {a.ndim()});
  } else {
    Shape full(ishape);
    full.push_back(1);
    std::vector<Array> cols;
    for (const auto& [a, d0] : parts) {
      Ints dims;
      for (int64_t k = 0; k < a.ndim(); ++k) dims.push_back(d0 + k);
      cols.push_back(lax::broadcast_in_dim(a, full, dims));
    }
    g.gather_indices = lax::concatenate(cols, int64_t(ishape.size()));
  }
  std::sort(collapsed.begin(), collapsed.end());
  g.dnums = {offset, collapsed, sim};
  g.slice_shape = Shape(slice_shape);
  return g;
}

GatherScatterMode read_mode(std::string_view op, std::string_view mode) {
  return mode.empty() ? GatherScatterMode::kPromiseInBounds : lax::parse_mode(op, mode);
}

}  // namespace

Array index_get(const Array& x, const std::vector<Index>& idx, const IndexOptions& o, std::string_view op,
                const Loc& loc) {
  CallSite site(loc);
  Parsed p = parse(op, x.shape(), idx);
  GatherScatterMode mode = read_mode(op, o.mode);
  bool has_array = std::any_of(p.items.begin(), p.items.end(),
                               [](const Index& it) { return it.kind() == Index::Kind::kArray; });
  if (!has_array && mode == GatherScatterMode::kPromiseInBounds) return static_take(op, x, p);
  GatherIndexer g = to_gather(op, x.shape(), p);
  if (g.slice_shape.numel() == 0) return filled(g.slice_shape, 0, x.dtype(), x.weak_type());
  Array y = x;
  if (g.gather_indices.size() != 0)
    y = lax::gather(y, g.gather_indices, g.dnums, g.gather_slice_shape,
                    {.mode = mode,
                     .fill_value = o.fill_value,
                     .indices_are_sorted = g.sorted || o.indices_are_sorted,
                     .unique_indices = g.unique || o.unique_indices});
  if (!g.reversed_y_dims.empty()) y = lax::rev(y, g.reversed_y_dims);
  if (!g.newaxis_dims.empty()) y = lax::expand_dims(y, g.newaxis_dims);
  return y;
}

Array index_update(const Array& x, const std::vector<Index>& idx, const ArrayLike& v, UpdateOp op,
                   const IndexOptions& o, std::string_view name, const Loc& loc) {
  CallSite site(loc);
  // A traced mask of x's shape with one value: an elementwise select, which
  // (unlike the nonzero route) needs no concrete mask.
  if (idx.size() == 1 && idx[0].kind() == Index::Kind::kArray && idx[0].array().dtype().is_bool() &&
      idx[0].array().is_tracer() && idx[0].array().shape() == x.shape() && v.shape().empty()) {
    ArrayLike xl(x);
    const ArrayLike* args[] = {&xl, &v};
    TypeResult r = result_type_of(args);
    Array xx = convert(x, r.dtype, r.weak), vv = broadcast_to(v.as(r.dtype, r.weak, name), x.shape());
    Array nv = vv;
    switch (op) {
      case UpdateOp::kSet: break;
      case UpdateOp::kAdd: nv = lax::add(xx, vv); break;
      case UpdateOp::kMul: nv = lax::mul(xx, vv); break;
      case UpdateOp::kMin: nv = lax::min(xx, vv); break;
      case UpdateOp::kMax: nv = lax::max(xx, vv); break;
    }
    return convert(select(idx[0].array(), nv, xx), x.dtype(), x.weak_type());
  }
  Parsed p = parse(name, x.shape(), idx);
  GatherIndexer g = to_gather(name, x.shape(), p);
  if (g.slice_shape.numel() == 0) return x;
  ArrayLike xl(x);
  const ArrayLike* args[] = {&xl, &v};
  TypeResult r = result_type_of(args);
  Array xx = convert(x, r.dtype, r.weak);
  Array y = v.as(r.dtype, r.weak, name);
  bool fits = y.ndim() <= int64_t(g.slice_shape.size());
  for (int64_t i = 1; fits && i <= y.ndim(); ++i) {
    int64_t d = y.shape()[size_t(y.ndim() - i)];
    fits = d == 1 || d == g.slice_shape[g.slice_shape.size() - size_t(i)];
  }
  if (!fits)
    throw_error(name, "values of shape " + y.shape().str() + " cannot be broadcast to the indexed shape " +
                          g.slice_shape.str());
  y = broadcast_to(y, g.slice_shape);
  if (!g.newaxis_dims.empty()) y = lax::squeeze(y, g.newaxis_dims);
  if (!g.reversed_y_dims.empty()) y = lax::rev(y, g.reversed_y_dims);
  lax::ScatterDimensionNumbers dn{g.dnums.offset_dims, g.dnums.collapsed_slice_dims, g.dnums.start_index_map};
  lax::ScatterOptions so{o.mode.empty() ? GatherScatterMode::kFillOrDrop : lax::parse_mode(name, o.mode),
                         g.sorted || o.indices_are_sorted, g.unique || o.unique_indices};
  Array out;
  switch (op) {
    case UpdateOp::kSet: out = lax::scatter(xx, g.gather_indices, y, dn, so); break;
    case UpdateOp::kAdd: out = lax::scatter_add(xx, g.gather_indices, y, dn, so); break;
    case UpdateOp::kMul: out = lax::scatter_mul(xx, g.gather_indices, y, dn, so); break;
    case UpdateOp::kMin: out = lax::scatter_min(xx, g.gather_indices, y, dn, so); break;
    case UpdateOp::kMax: out = lax::scatter_max(xx, g.gather_indices, y, dn, so); break;
  }
  return convert(out, x.dtype(), x.weak_type());
}

}  // namespace detail

Array AtIndexer::subtract(const ArrayLike& v, const IndexOptions& options, Loc loc) const {
  CallSite site(loc);
  return detail::index_update(x_, idx_, np::negative(v), detail::UpdateOp::kAdd, options, "at.subtract", loc);
}

Array AtIndexer::divide(const ArrayLike& v, const IndexOptions& options, Loc loc) const {
  CallSite site(loc);
  Array ones = np::ones_like(x_);
  return np::true_divide(
      x_, detail::index_update(ones, idx_, v, detail::UpdateOp::kMul, options, "at.divide", loc));
}

// ------------------------------------------------------------------ take
namespace {

struct TakeMode {
  GatherScatterMode mode;
  bool wrap_negative;  // NumPy's negative indices
  bool modulo;         // "wrap"
};
TakeMode take_mode(std::string_view op, std::string_view mode) {
  if (mode.empty() || mode == "fill") return {GatherScatterMode::kFillOrDrop, true, false};
  if (mode == "clip") return {GatherScatterMode::kClip, false, false};  // jnp.take clamps -1 to 0
  if (mode == "wrap") return {GatherScatterMode::kPromiseInBounds, false, true};
  if (mode == "promise_in_bounds") return {GatherScatterMode::kPromiseInBounds, false, false};
  if (mode == "raise")
    throw_error(op, "mode 'raise' is not supported (jx cannot raise on values; use 'fill' or 'clip')");
  throw_error(op, "invalid mode '" + std::string(mode) + "' (expected fill, clip, wrap or promise_in_bounds)");
}

// Indices as int32 (int64 for 64-bit indices or huge axes), wrapped per mode.
Array prepare_indices(std::string_view op, const Array& indices, int64_t n, const TakeMode& m) {
  if (!indices.dtype().is_integer())
    throw_error(op, "indices must have an integer dtype, got " + indices.aval().str());
  DType dt = indices.dtype().bits() == 64 || n > std::numeric_limits<int32_t>::max() ? int64 : int32;
  if (indices.dtype().is_unsigned_int() && indices.dtype().bits() < 32) dt = int32;
  Array i = convert(indices, dt);
  if (m.modulo) return np::mod(i, filled({}, double(n), dt));
  if (m.wrap_negative && indices.dtype().is_signed_int())
    i = select(lax::lt(i, full_like_value(i, 0)), lax::add(i, full_like_value(i, double(n))), i);
  return i;
}

}  // namespace

Array take(const Array& a, const ArrayLike& indices_like, std::optional<int> axis, std::string_view mode,
           std::optional<double> fill_value, bool unique_indices, bool indices_are_sorted, Loc loc) {
  CallSite site(loc);
  Array x = axis ? a : np::ravel(a);
  int ax = axis ? canonical_axis("take", *axis, a.ndim()) : 0;
  TakeMode m = take_mode("take", mode);
  Array indices = indices_like.array();
  Shape xs = x.shape();
  if (xs[size_t(ax)] == 0) {
    if (indices.size() != 0) throw_error("take", "cannot do a non-empty take from an empty axis");
    return x;
  }
  Ints out_shape(xs.begin(), xs.begin() + ax);
  out_shape.insert(out_shape.end(), indices.shape().begin(), indices.shape().end());
  out_shape.insert(out_shape.end(), xs.begin() + ax + 1, xs.end());
  if (indices.size() == 0) return filled(Shape(out_shape), 0, x.dtype(), x.weak_type());
  Array idx = prepare_indices("take", indices, xs[size_t(ax)], m);
  int64_t index_dims = idx.ndim();
  Ints offset, ss = xs.to_vector();
  for (int64_t i = 0; i < ax; ++i) offset.push_back(i);
  for (int64_t i = ax + index_dims; i < x.ndim() + index_dims - 1; ++i) offset.push_back(i);
  ss[size_t(ax)] = 1;
  return lax::gather(x, lax::expand_dims(idx, {index_dims}), {offset, {ax}, {ax}}, ss,
                     {.mode = m.mode,
                      .fill_value = fill_value,
                      .indices_are_sorted = indices_are_sorted,
                      .unique_indices = unique_indices});
}

Array take_along_axis(const Array& arr, const Array& indices, std::optional<int> axis, std::string_view mode,
                      std::optional<double> fill_value, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "take_along_axis";
  if (!indices.dtype().is_integer())
    throw_error(op, "indices must have an integer dtype, got " + indices.aval().str());
  Array a = arr;
  int ax;
  if (!axis) {
    if (indices.ndim() != 1) throw_error(op, "indices must be 1-d when axis is none, got " + indices.shape().str());
    a = np::ravel(arr);
    ax = 0;
  } else {
    if (indices.ndim() != arr.ndim())
      throw_error(op, "indices and arr must have the same number of dimensions; " +
                          std::to_string(indices.ndim()) + " vs. " + std::to_string(arr.ndim()));
    ax = canonical_axis(op, *axis, arr.ndim());
  }
  int64_t rank = a.ndim();
  const Shape& is = indices.shape();
  Shape arr_shape = a.shape();
  int64_t axis_size = arr_shape[size_t(ax)];
  arr_shape[size_t(ax)] = 1;
  Shape shapes[] = {is, arr_shape};
  Shape out_shape = broadcast_shapes(op, shapes);
  if (axis_size == 0) return filled(out_shape, 0, a.dtype(), a.weak_type());
  TakeMode m = take_mode(op, mode);
  m.wrap_negative = m.mode != GatherScatterMode::kPromiseInBounds || m.modulo;  // jnp's legacy default
  Array idx = prepare_indices(op, indices, axis_size, m);
  Ints index_dims;
  for (int64_t i = 0; i < rank; ++i)
    if (i == ax || is[size_t(i)] != 1) index_dims.push_back(i);
  Ints gshape;
  for (int64_t d : index_dims) gshape.push_back(out_shape[size_t(d)]);
  gshape.push_back(1);
  // Dims of size 1 in the indices are dropped (whole operand dims are taken there).
  Array gidx = lax::reshape(idx, Shape(gshape));
  Ints ss, offset, sim, collapsed, obd, sibd, squeeze;
  int64_t new_i = 0, j = 0;
  for (int64_t i = 0; i < rank; ++i) {
    if (i == ax) {
      ss.push_back(1), sim.push_back(new_i), collapsed.push_back(new_i);
      ++new_i, ++j;
    } else if (is[size_t(i)] == 1) {
      offset.push_back(i), ss.push_back(arr_shape[size_t(i)]);
      ++new_i;
    } else if (arr_shape[size_t(i)] == 1) {
      squeeze.push_back(i);
      ++j;
    } else {
      ss.push_back(arr_shape[size_t(i)] == 0 ? 0 : 1), obd.push_back(new_i), sibd.push_back(j);
      ++new_i, ++j;
    }
  }
  if (!squeeze.empty()) a = lax::squeeze(a, squeeze);
  return lax::gather(a, gidx, {offset, collapsed, sim, obd, sibd}, ss, {.mode = m.mode, .fill_value = fill_value});
}

}  // namespace jx::np
