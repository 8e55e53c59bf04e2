// jx::np shape manipulation: reshaping, axis permutation, joining, splitting,
// tiling, flipping, rolling and padding, composed from lax's structural ops
// (following jax/_src/numpy/lax_numpy.py).
#include <algorithm>
#include <numeric>

#include "numpy/np_internal.h"

namespace jx::np {

using namespace detail;

namespace {

// x[start:stop] along axis (0 <= start <= stop <= size).
Array slice_in_dim(const Array& x, int64_t start, int64_t stop, int axis) {
  std::vector<int64_t> lo(size_t(x.ndim()), 0), hi(x.shape().begin(), x.shape().end());
  lo[size_t(axis)] = start;
  hi[size_t(axis)] = stop;
  return lax::slice(x, std::move(lo), std::move(hi));
}

// lax::concatenate without the zero-size pieces (one piece is returned as is).
Array join(std::vector<Array> parts, int axis) {
  std::vector<Array> kept;
  for (Array& p : parts)
    if (p.shape()[size_t(axis)] != 0) kept.push_back(std::move(p));
  if (kept.empty()) return parts.front();
  if (kept.size() == 1) return kept.front();
  return lax::concatenate(kept, axis);
}

std::string ints_text(const std::vector<int>& v) {
  std::vector<int64_t> w(v.begin(), v.end());
  return shape_str(w);
}

}  // namespace

// ------------------------------------------------------------------- shapes
Array reshape(const Array& x, const Shape& shape, Loc loc) {
  CallSite site(loc);
  Shape s = shape;
  int unknown = -1;
  int64_t known = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (unknown >= 0)
        throw_error("reshape",
                    "can only specify one unknown dimension, got new shape " + shape.str());
      unknown = int(i);
    } else if (s[i] < 0) {
      throw_error("reshape", "negative dimension in new shape " + shape.str());
    } else {
      known *= s[i];
    }
  }
  if (unknown >= 0) {
    if (known == 0 || x.size() % known != 0)
      throw_error("reshape", "cannot reshape array of shape " + x.shape().str() + " (size " +
                                 std::to_string(x.size()) + ") into shape " + shape.str());
    s[size_t(unknown)] = x.size() / known;
  }
  if (s.numel() != x.size())
    throw_error("reshape", "cannot reshape array of shape " + x.shape().str() + " (size " +
                               std::to_string(x.size()) + ") into shape " + shape.str());
  return s == x.shape() ? x : lax::reshape(x, s);
}

Array ravel(const Array& x, Loc loc) {
  CallSite site(loc);
  return x.ndim() == 1 ? x : lax::reshape(x, Shape{x.size()});
}

Array transpose(const Array& x, const std::vector<int>& axes, Loc loc) {
  CallSite site(loc);
  std::vector<int64_t> perm;
  if (axes.empty()) {
    for (int64_t i = x.ndim() - 1; i >= 0; --i) perm.push_back(i);
  } else {
    if (int64_t(axes.size()) != x.ndim())
      throw_error("transpose",
                  "axes " + ints_text(axes) + " don't match array of shape " + x.shape().str());
    std::vector<bool> seen(size_t(x.ndim()), false);
    for (int a : axes) {
      int c = canonical_axis("transpose", a, x.ndim());
      if (seen[size_t(c)]) throw_error("transpose", "repeated axis in axes " + ints_text(axes));
      seen[size_t(c)] = true;
      perm.push_back(c);
    }
  }
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == int64_t(i);
  return identity ? x : lax::transpose(x, std::move(perm));
}

Array swapaxes(const Array& x, int a, int b, Loc loc) {
  CallSite site(loc);
  int ca = canonical_axis("swapaxes", a, x.ndim()), cb = canonical_axis("swapaxes", b, x.ndim());
  std::vector<int> perm(size_t(x.ndim()));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[size_t(ca)], perm[size_t(cb)]);
  return transpose(x, perm);
}

Array moveaxis(const Array& x, const std::vector<int>& source, const std::vector<int>& destination,
               Loc loc) {
  CallSite site(loc);
  if (source.size() != destination.size())
    throw_error("moveaxis", "source " + ints_text(source) + " and destination " +
                                ints_text(destination) + " must have the same number of elements");
  std::vector<int64_t> src = canonical_axes("moveaxis", source, x.ndim());
  std::vector<int64_t> dst = canonical_axes("moveaxis", destination, x.ndim());
  std::vector<int> perm;
  for (int i = 0; i < x.ndim(); ++i)
    if (std::find(src.begin(), src.end(), i) == src.end()) perm.push_back(i);
  std::vector<std::pair<int64_t, int64_t>> moves;
  for (size_t i = 0; i < src.size(); ++i) moves.push_back({dst[i], src[i]});
  std::sort(moves.begin(), moves.end());
  for (auto [d, s] : moves) perm.insert(perm.begin() + d, int(s));
  return transpose(x, perm);
}
Array moveaxis(const Array& x, int source, int destination, Loc loc) {
  CallSite site(loc);
  return moveaxis(x, std::vector<int>{source}, std::vector<int>{destination});
}

Array expand_dims(const Array& x, Axis axis, Loc loc) {
  CallSite site(loc);
  if (axis.is_none()) throw_error("expand_dims", "needs an axis");
  std::vector<int64_t> axes =
      canonical_axes("expand_dims", axis, x.ndim() + int64_t(axis.axes().size()));
  if (axes.empty()) return x;
  std::sort(axes.begin(), axes.end());
  return lax::expand_dims(x, std::move(axes));
}

Array squeeze(const Array& x, Axis axis, Loc loc) {
  CallSite site(loc);
  std::vector<int64_t> axes;
  if (axis.is_none()) {
    for (int64_t i = 0; i < x.ndim(); ++i)
      if (x.shape()[size_t(i)] == 1) axes.push_back(i);
  } else {
    axes = canonical_axes("squeeze", axis, x.ndim());
    for (int64_t a : axes)
      if (x.shape()[size_t(a)] != 1)
        throw_error("squeeze",
                    "cannot select an axis to squeeze out which has size not equal to one: axis " +
                        std::to_string(a) + " of shape " + x.shape().str());
  }
  return axes.empty() ? x : lax::squeeze(x, std::move(axes));
}

// ------------------------------------------------------------------- broadcasting
Array broadcast_to(const ArrayLike& x, const Shape& shape, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  bool ok = a.ndim() <= int64_t(shape.size());
  size_t off = shape.size() - size_t(std::min<int64_t>(a.ndim(), int64_t(shape.size())));
  for (size_t i = 0; ok && i < size_t(a.ndim()); ++i)
    ok = a.shape()[i] == 1 || a.shape()[i] == shape[off + i];
  for (int64_t d : shape) ok = ok && d >= 0;
  if (!ok)
    throw_error("broadcast_to",
                "cannot broadcast array of shape " + a.shape().str() + " to shape " + shape.str());
  return detail::broadcast_to(a, shape);
}

Shape broadcast_shapes(const std::vector<Shape>& shapes, Loc loc) {
  CallSite site(loc);
  return detail::broadcast_shapes("broadcast_shapes", shapes);
}

std::vector<Array> broadcast_arrays(const std::vector<Array>& arrays, Loc loc) {
  CallSite site(loc);
  std::vector<Shape> shapes;
  for (const Array& a : arrays) shapes.push_back(a.shape());
  Shape shape = detail::broadcast_shapes("broadcast_arrays", shapes);
  std::vector<Array> out;
  for (const Array& a : arrays) out.push_back(detail::broadcast_to(a, shape));
  return out;
}

// ------------------------------------------------------------------- joining
Array concatenate(const std::vector<Array>& arrays, std::optional<int> axis, Loc loc) {
  CallSite site(loc);
  if (arrays.empty()) throw_error("concatenate", "needs at least one array");
  std::vector<Array> parts;
  for (const Array& a : arrays) parts.push_back(axis ? a : lax::reshape(a, Shape{a.size()}));
  const Array& first = parts.front();
  if (first.ndim() == 0)
    throw_error("concatenate", "zero-dimensional arrays cannot be concatenated");
  int ax = canonical_axis("concatenate", axis.value_or(0), first.ndim());
  for (const Array& p : parts) {
    bool ok = p.ndim() == first.ndim();
    for (int64_t i = 0; ok && i < p.ndim(); ++i)
      ok = i == ax || p.shape()[size_t(i)] == first.shape()[size_t(i)];
    if (!ok)
      throw_error("concatenate", "all input arrays must have the same shape except along axis " +
                                     std::to_string(ax) + ", got " + first.shape().str() + " and " +
                                     p.shape().str());
  }
  std::vector<ArrayLike> likes(parts.begin(), parts.end());
  std::vector<const ArrayLike*> ptrs;
  for (const ArrayLike& l : likes) ptrs.push_back(&l);
  TypeResult r = result_type_of(ptrs);
  for (Array& p : parts) p = convert(p, r.dtype, r.weak);
  if (parts.size() == 1) return parts.front();
  return lax::concatenate(parts, ax);
}

Array stack(const std::vector<Array>& arrays, int axis, Loc loc) {
  CallSite site(loc);
  if (arrays.empty()) throw_error("stack", "needs at least one array");
  const Shape& s = arrays.front().shape();
  for (const Array& a : arrays)
    if (!(a.shape() == s))
      throw_error("stack", "all input arrays must have the same shape, got " + s.str() + " and " +
                               a.shape().str());
  int ax = canonical_axis("stack", axis, int64_t(s.size()) + 1);
  std::vector<Array> parts;
  for (const Array& a : arrays) parts.push_back(lax::expand_dims(a, {ax}));
  return concatenate(parts, ax);
}

Array atleast_1d(const Array& x, Loc loc) {
  CallSite site(loc);
  return x.ndim() >= 1 ? x : lax::reshape(x, Shape{1});
}
Array atleast_2d(const Array& x, Loc loc) {
  CallSite site(loc);
  if (x.ndim() >= 2) return x;
  return lax::reshape(x, Shape{1, x.ndim() == 1 ? x.shape()[0] : 1});
}
Array atleast_3d(const Array& x, Loc loc) {
  CallSite site(loc);
  if (x.ndim() >= 3) return x;
  if (x.ndim() == 0) return lax::reshape(x, Shape{1, 1, 1});
  if (x.ndim() == 1) return lax::reshape(x, Shape{1, x.shape()[0], 1});
  return lax::reshape(x, Shape{x.shape()[0], x.shape()[1], 1});
}

Array hstack(const std::vector<Array>& arrays, Loc loc) {
  CallSite site(loc);
  std::vector<Array> parts;
  for (const Array& a : arrays) parts.push_back(atleast_1d(a));
  if (parts.empty()) throw_error("hstack", "needs at least one array");
  return concatenate(parts, parts.front().ndim() == 1 ? 0 : 1);
}
Array vstack(const std::vector<Array>& arrays, Loc loc) {
  CallSite site(loc);
  std::vector<Array> parts;
  for (const Array& a : arrays) parts.push_back(atleast_2d(a));
  return concatenate(parts, 0);
}
Array dstack(const std::vector<Array>& arrays, Loc loc) {
  CallSite site(loc);
  std::vector<Array> parts;
  for (const Array& a : arrays) parts.push_back(atleast_3d(a));
  return concatenate(parts, 2);
}

// ------------------------------------------------------------------- splitting
namespace {
// The pieces of x along axis between consecutive split points, as NumPy
// slices them: x[0:i0], x[i0:i1], ..., x[ik:] (negative indices count from
// the end, out-of-range ones clamp, a decreasing pair gives an empty piece).
std::vector<Array> split_at(const Array& x, int axis, const std::vector<int64_t>& indices) {
  int64_t n = x.shape()[size_t(axis)];
  auto clamp = [n](int64_t i) { return std::clamp(i < 0 ? i + n : i, int64_t(0), n); };
  std::vector<Array> out;
  int64_t start = 0;
  for (size_t i = 0; i <= indices.size(); ++i) {
    int64_t stop = i < indices.size() ? clamp(indices[i]) : n;
    out.push_back(slice_in_dim(x, start, std::max(start, stop), axis));
    start = stop;
  }
  return out;
}

std::vector<Array> split_sections(std::string_view op, const Array& x, int64_t sections, int axis,
                                  bool equal) {
  if (x.ndim() == 0) throw_error(op, "cannot split a zero-dimensional array");
  int ax = canonical_axis(op, axis, x.ndim());
  int64_t n = x.shape()[size_t(ax)];
  if (sections <= 0)
    throw_error(op, "number of sections must be larger than 0, got " + std::to_string(sections));
  if (equal && n % sections != 0)
    throw_error(op, "array split does not result in an equal division: axis " + std::to_string(ax) +
                        " of size " + std::to_string(n) + " into " + std::to_string(sections) +
                        " sections");
  // The first n % sections pieces get one extra element.
  std::vector<int64_t> bounds;
  int64_t pos = 0, each = n / sections, extra = n % sections;
  for (int64_t i = 0; i + 1 < sections; ++i) bounds.push_back(pos += each + (i < extra ? 1 : 0));
  return split_at(x, ax, bounds);
}

std::vector<Array> split_indices(std::string_view op, const Array& x,
                                 const std::vector<int64_t>& indices, int axis) {
  if (x.ndim() == 0) throw_error(op, "cannot split a zero-dimensional array");
  return split_at(x, canonical_axis(op, axis, x.ndim()), indices);
}
}  // namespace

std::vector<Array> split(const Array& x, int64_t sections, int axis, Loc loc) {
  CallSite site(loc);
  return split_sections("split", x, sections, axis, true);
}
std::vector<Array> split(const Array& x, const std::vector<int64_t>& indices, int axis, Loc loc) {
  CallSite site(loc);
  return split_indices("split", x, indices, axis);
}
std::vector<Array> split(const Array& x, std::initializer_list<int64_t> indices, int axis,
                         Loc loc) {
  CallSite site(loc);
  return split_indices("split", x, std::vector<int64_t>(indices), axis);
}
std::vector<Array> array_split(const Array& x, int64_t sections, int axis, Loc loc) {
  CallSite site(loc);
  return split_sections("array_split", x, sections, axis, false);
}
std::vector<Array> array_split(const Array& x, const std::vector<int64_t>& indices, int axis,
                               Loc loc) {
  CallSite site(loc);
  return split_indices("array_split", x, indices, axis);
}
std::vector<Array> array_split(const Array& x, std::initializer_list<int64_t> indices, int axis,
                               Loc loc) {
  CallSite site(loc);
  return split_indices("array_split", x, std::vector<int64_t>(indices), axis);
}

// ------------------------------------------------------------------- repetition
Array tile(const Array& x, const std::vector<int64_t>& reps, Loc loc) {
  CallSite site(loc);
  for (int64_t r : reps)
    if (r < 0) throw_error("tile", "negative repetitions in reps " + shape_str(reps));
  size_t nd = std::max(reps.size(), size_t(x.ndim()));
  std::vector<int64_t> r(nd - reps.size(), 1), s(nd - size_t(x.ndim()), 1);
  r.insert(r.end(), reps.begin(), reps.end());
  s.insert(s.end(), x.shape().begin(), x.shape().end());
  // View x as (1, s0, 1, s1, ...), broadcast to (r0, s0, r1, s1, ...), merge pairs.
  Shape interleaved, target, out;
  for (size_t i = 0; i < nd; ++i) {
    interleaved.push_back(1);
    interleaved.push_back(s[i]);
    target.push_back(r[i]);
    target.push_back(s[i]);
    out.push_back(r[i] * s[i]);
  }
  Array v = lax::reshape(x, interleaved);
  return lax::reshape(detail::broadcast_to(v, target), out);
}
Array tile(const Array& x, int64_t reps, Loc loc) {
  CallSite site(loc);
  return tile(x, std::vector<int64_t>{reps});
}

Array repeat(const Array& x, int64_t repeats, std::optional<int> axis, Loc loc) {
  CallSite site(loc);
  if (repeats < 0)
    throw_error("repeat", "repeats must be non-negative, got " + std::to_string(repeats));
  Array a = axis ? x : lax::reshape(x, Shape{x.size()});
  if (a.ndim() == 0) a = lax::reshape(a, Shape{1});
  int ax = canonical_axis("repeat", axis.value_or(0), a.ndim());
  // (.., n, ..) -> (.., n, 1, ..) -> (.., n, repeats, ..) -> (.., n * repeats, ..)
  Shape expanded = a.shape(), target = a.shape(), out = a.shape();
  expanded.insert(size_t(ax) + 1, 1);
  target.insert(size_t(ax) + 1, repeats);
  out[size_t(ax)] *= repeats;
  return lax::reshape(detail::broadcast_to(lax::reshape(a, expanded), target), out);
}

// ------------------------------------------------------------------- flip, roll
Array flip(const Array& x, Axis axis, Loc loc) {
  CallSite site(loc);
  std::vector<int64_t> axes = canonical_axes("flip", axis, x.ndim());
  return axes.empty() ? x : lax::rev(x, std::move(axes));
}
Array fliplr(const Array& x, Loc loc) {
  CallSite site(loc);
  if (x.ndim() < 2)
    throw_error("fliplr", "input must be at least 2-D, got shape " + x.shape().str());
  return lax::rev(x, {1});
}
Array flipud(const Array& x, Loc loc) {
  CallSite site(loc);
  if (x.ndim() < 1)
    throw_error("flipud", "input must be at least 1-D, got shape " + x.shape().str());
  return lax::rev(x, {0});
}

namespace {
Array roll_axis(const Array& x, int64_t shift, int axis) {
  int64_t n = x.shape()[size_t(axis)];
  if (n == 0) return x;
  int64_t s = ((shift % n) + n) % n;
  if (s == 0) return x;
  return lax::concatenate({slice_in_dim(x, n - s, n, axis), slice_in_dim(x, 0, n - s, axis)}, axis);
}
}  // namespace

Array roll(const Array& x, const std::vector<int64_t>& shifts, const std::vector<int>& axes,
           Loc loc) {
  CallSite site(loc);
  if (shifts.size() != axes.size() && shifts.size() != 1)
    throw_error("roll", "shift " + shape_str(shifts) + " and axis " + ints_text(axes) +
                            " must have the same number of elements");
  Array a = x;
  for (size_t i = 0; i < axes.size(); ++i)
    a = roll_axis(a, shifts[shifts.size() == 1 ? 0 : i], canonical_axis("roll", axes[i], x.ndim()));
  return a;
}
Array roll(const Array& x, int64_t shift, Axis axis, Loc loc) {
  CallSite site(loc);
  if (axis.is_none()) {
    Array flat = lax::reshape(x, Shape{x.size()});
    return lax::reshape(roll_axis(flat, shift, 0), x.shape());
  }
  return roll(x, std::vector<int64_t>{shift}, axis.axes());
}

// ------------------------------------------------------------------- pad
PadWidth::PadWidth(std::initializer_list<int64_t> pair) {
  if (pair.size() == 1)
    pairs_ = {{*pair.begin(), *pair.begin()}};
  else if (pair.size() == 2)
    pairs_ = {{pair.begin()[0], pair.begin()[1]}};
  else
    bad_ = true;
}

PadWidth::PadWidth(std::initializer_list<std::initializer_list<int64_t>> pairs) {
  for (const auto& p : pairs) {
    if (p.size() == 1)
      pairs_.push_back({p.begin()[0], p.begin()[0]});
    else if (p.size() == 2)
      pairs_.push_back({p.begin()[0], p.begin()[1]});
    else
      bad_ = true;
  }
}

std::vector<std::pair<int64_t, int64_t>> PadWidth::resolve(int64_t ndim) const {
  if (bad_ || pairs_.empty())
    throw_error("pad", "pad_width must be an int, a (before, after) pair, or one pair per axis");
  std::vector<std::pair<int64_t, int64_t>> out = pairs_;
  if (out.size() == 1) out.assign(size_t(ndim), pairs_[0]);
  if (int64_t(out.size()) != ndim)
    throw_error("pad", "pad_width has " + std::to_string(pairs_.size()) +
                           " pairs for an array of dimension " + std::to_string(ndim));
  for (auto [b, a] : out)
    if (b < 0 || a < 0)
      throw_error("pad", "pad_width must be non-negative, got (" + std::to_string(b) + ", " +
                             std::to_string(a) + ")");
  return out;
}

namespace {
using Pairs = std::vector<std::pair<int64_t, int64_t>>;

void check_no_padding(const std::pair<int64_t, int64_t>& p, std::string_view mode) {
  if (p.first > 0 || p.second > 0)
    throw_error("pad", "cannot apply '" + std::string(mode) + "' padding to an empty axis");
}

Array pad_edge(Array x, const Pairs& widths) {
  for (int i = 0; i < x.ndim(); ++i) {
    int64_t n = x.shape()[size_t(i)];
    auto [before, after] = widths[size_t(i)];
    if (n == 0) {
      check_no_padding(widths[size_t(i)], "edge");
      continue;
    }
    auto edge = [&](int64_t at, int64_t count) {
      Shape s = x.shape();
      s[size_t(i)] = count;
      return detail::broadcast_to(slice_in_dim(x, at, at + 1, i), s);
    };
    x = join({edge(0, before), x, edge(n - 1, after)}, i);
  }
  return x;
}

Array pad_wrap(Array x, const Pairs& widths) {
  for (int i = 0; i < x.ndim(); ++i) {
    int64_t n = x.shape()[size_t(i)];
    if (n == 0) {
      check_no_padding(widths[size_t(i)], "wrap");
      continue;
    }
    auto [before, after] = widths[size_t(i)];
    std::vector<Array> parts;
    if (before % n) parts.push_back(slice_in_dim(x, n - before % n, n, i));
    for (int64_t r = 0; r < before / n + after / n + 1; ++r) parts.push_back(x);
    if (after % n) parts.push_back(slice_in_dim(x, 0, after % n, i));
    x = join(parts, i);
  }
  return x;
}

// "reflect" mirrors without repeating the edge element, "symmetric" with it;
// padding longer than the axis reflects repeatedly (jnp's _pad_symmetric_or_reflect).
Array pad_reflect(Array x, const Pairs& widths, bool symmetric) {
  std::string_view mode = symmetric ? "symmetric" : "reflect";
  for (int i = 0; i < x.ndim(); ++i) {
    int64_t n = x.shape()[size_t(i)];
    if (n == 0) {
      check_no_padding(widths[size_t(i)], mode);
      continue;
    }
    int64_t offset = !symmetric && n > 1 ? 1 : 0;
    for (int side = 0; side < 2; ++side) {
      int64_t padding = side == 0 ? widths[size_t(i)].first : widths[size_t(i)].second;
      while (padding > 0) {
        int64_t size = x.shape()[size_t(i)];
        int64_t cur = std::min(padding, n - offset);
        padding -= cur;
        Array piece = side == 0 ? slice_in_dim(x, offset, offset + cur, i)
                                : slice_in_dim(x, size - cur - offset, size - offset, i);
        piece = lax::rev(piece, {i});
        x = side == 0 ? join({piece, x}, i) : join({x, piece}, i);
      }
    }
  }
  return x;
}
}  // namespace

Array pad(const Array& x, const PadWidth& pad_width, std::string_view mode,
          const ArrayLike& constant_values, Loc loc) {
  CallSite site(loc);
  Pairs widths = pad_width.resolve(x.ndim());
  if (mode == "constant") {
    if (constant_values.shape().size() != 0)
      throw_error("pad",
                  "constant_values must be a scalar, got shape " + constant_values.shape().str());
    std::vector<lax::PadConfig> config;
    for (auto [b, a] : widths) config.push_back({b, a, 0});
    return lax::pad(x, constant_values.as(x.dtype(), x.weak_type(), "pad"), std::move(config));
  }
  if (mode == "edge") return pad_edge(x, widths);
  if (mode == "wrap") return pad_wrap(x, widths);
  if (mode == "reflect") return pad_reflect(x, widths, false);
  if (mode == "symmetric") return pad_reflect(x, widths, true);
  throw_error("pad", "unsupported mode '" + std::string(mode) +
                         "' (use constant, edge, reflect, symmetric or wrap)");
}

}  // namespace jx::np
