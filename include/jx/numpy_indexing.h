// jx::np indexing: NumPy-style reads `np::index(x, ...)` (x[...]), JAX's
// functional updates `x.at(...).set(v)` (x.at[...].set(v)), take,
// take_along_axis, and the functions whose output size depends on the values
// (nonzero, argwhere, one-argument where, unique, extract).
//
// Index items, in any number and order, as in Python:
//   an integer                 x[2], x[-1]        negative counts from the end
//   np::slice(start, stop, step)  x[1:5:2]         np::none for an omitted field:
//                              np::slice(np::none, np::none, -1) is x[::-1];
//                              np::slice(stop) is x[:stop]; np::slice() is x[:]
//   np::all                    x[:]               (the reduction function np::all
//                              doubles as the full slice, so x.at(np::all, 0) reads
//                              like x.at[:, 0])
//   np::newaxis                x[None]
//   np::ellipsis               x[...]
//   an integer Array           x[idx]             advanced indexing, broadcast with
//                              the other array indices (NumPy's placement rules);
//                              negative entries wrap
//   a std::vector<int64_t>     x[[0, 2, 2]]       as an int32 / int64 array
//   a bool Array               x[mask]            needs concrete values (the result's
//                              shape depends on them): not under jit/vmap/grad tracing
//
//   Array r = np::index(x, 1, np::slice(0, 3));                    // x[1, 0:3]
//   Array y = x.at(idx, np::all).add(1.f);                         // x.at[idx, :].add(1)
//   Array z = x.at(np::ellipsis, np::newaxis, 0).set(v);           // x.at[..., None, 0].set(v)
//   Array g = x.at(idx).get({.mode = "fill", .fill_value = -1});   // x.at[idx].get(mode='fill',
//   fill_value=-1)
//
// Reads lower to lax.slice / rev / squeeze / expand_dims when every item is
// static, else to one lax.gather; updates lower to one scatter, as jnp does.
// Out-of-bounds behaviour (IndexOptions::mode): reads clamp by default
// ("promise_in_bounds"), updates drop out-of-bounds windows ("drop"); a static
// integer out of range in a read is an error, as in NumPy. Errors are jx::Error
// naming the op ("[index]", "[at.set]", "[take]", ...) and the caller's line.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <source_location>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/array.h"
#include "jx/lax_indexing.h"
#include "jx/numpy.h"

namespace jx::np {

/// start:stop:step; an empty field is Python's None.
struct Slice {
  std::optional<int64_t> start, stop, step;
};
/// Python's None for a slice field.
inline constexpr std::nullopt_t none = std::nullopt;
/// x[:] (no arguments), x[:stop], x[start:stop], x[start:stop:step].
inline Slice slice() { return {}; }
inline Slice slice(std::optional<int64_t> stop) { return {std::nullopt, stop, std::nullopt}; }
inline Slice slice(std::optional<int64_t> start, std::optional<int64_t> stop,
                   std::optional<int64_t> step = std::nullopt) {
  return {start, stop, step};
}
/// None / np.newaxis in an index: inserts a dimension of size 1.
struct NewAxis {};
inline constexpr NewAxis newaxis{};
/// `...` in an index: as many full slices as the other items leave.
struct EllipsisIndex {};
inline constexpr EllipsisIndex ellipsis{};

/// One item of an index (see the header comment).
class Index {
 public:
  enum class Kind { kInt, kSlice, kNewAxis, kEllipsis, kArray };
  template <std::integral I>
  requires(!std::is_same_v<I, bool>) Index(I i) : kind_(Kind::kInt), i_(int64_t(i)) {}  // NOLINT
  Index(Slice s) : kind_(Kind::kSlice), slice_(s) {}                                    // NOLINT
  Index(NewAxis) : kind_(Kind::kNewAxis) {}                                             // NOLINT
  Index(EllipsisIndex) : kind_(Kind::kEllipsis) {}                                      // NOLINT
  Index(const Array& a) : kind_(Kind::kArray), array_(a) {}                             // NOLINT
  Index(const std::vector<int64_t>& v);                                                 // NOLINT
  Index(const std::vector<int>& v);                                                     // NOLINT
  /// np::all, the function, as `:`.
  Index(Array (*fn)(const Array&, Axis, bool, Loc));  // NOLINT
  // `x.at(true)` would silently be x.at(1): bool scalars are not indices.
  Index(bool) = delete;

  Kind kind() const { return kind_; }
  int64_t int_value() const { return i_; }
  const Slice& slice_value() const { return slice_; }
  const Array& array() const { return array_; }

 private:
  Kind kind_;
  int64_t i_ = 0;
  Slice slice_;
  Array array_;
};

/// Options of reads and updates through an index (JAX's at[...] keywords).
struct IndexOptions {
  /// "promise_in_bounds" (reads: clamp), "clip", "fill" or "drop"; empty:
  /// the default (reads promise_in_bounds, updates drop).
  std::string_view mode = {};
  /// For reads in "fill" mode; default NaN / smallest signed / largest unsigned / true.
  std::optional<double> fill_value = std::nullopt;
  bool indices_are_sorted = false;
  bool unique_indices = false;
};

namespace detail {
Array index_get(const Array& x, const std::vector<Index>& idx, const IndexOptions& options,
                std::string_view op, const Loc& loc);
enum class UpdateOp { kSet, kAdd, kMul, kMin, kMax };
Array index_update(const Array& x, const std::vector<Index>& idx, const ArrayLike& v, UpdateOp op,
                   const IndexOptions& options, std::string_view op_name, const Loc& loc);
}  // namespace detail

/// x[idx...]: `np::index(x, 1, np::slice(0, 3))` is x[1, 0:3].
template <class... I>
Array index(jx::detail::ArrayAt x, const I&... idx) {
  return detail::index_get(x.a, std::vector<Index>{Index(idx)...}, {}, "index", x.loc);
}
/// x[idx] with the items in a vector.
inline Array index(const Array& x, const std::vector<Index>& idx, const IndexOptions& options = {},
                   Loc loc = Loc::current()) {
  return detail::index_get(x, idx, options, "index", loc);
}

/// The functional-update view x.at(idx...) (JAX's x.at[idx]). Every method
/// returns a new array; x never changes. Values broadcast to the shape of
/// x[idx] and are promoted with x's dtype, the result converted back to x's
/// dtype. With repeated indices, add/multiply/min/max combine every update and
/// set keeps the last one (in row-major order of the index arrays).
class AtIndexer {
 public:
  AtIndexer(Array x, std::vector<Index> idx) : x_(std::move(x)), idx_(std::move(idx)) {}
  /// x[idx], with options (mode, fill_value) as x.at[idx].get(...).
  Array get(const IndexOptions& options = {}, Loc loc = Loc::current()) const {
    return detail::index_get(x_, idx_, options, "at.get", loc);
  }
  /// x with x[idx] = v.
  Array set(const ArrayLike& v, const IndexOptions& options = {}, Loc loc = Loc::current()) const {
    return detail::index_update(x_, idx_, v, detail::UpdateOp::kSet, options, "at.set", loc);
  }
  /// x with x[idx] += v.
  Array add(const ArrayLike& v, const IndexOptions& options = {}, Loc loc = Loc::current()) const {
    return detail::index_update(x_, idx_, v, detail::UpdateOp::kAdd, options, "at.add", loc);
  }
  /// x with x[idx] -= v.
  Array subtract(const ArrayLike& v, const IndexOptions& options = {},
                 Loc loc = Loc::current()) const;
  /// x with x[idx] *= v.
  Array multiply(const ArrayLike& v, const IndexOptions& options = {},
                 Loc loc = Loc::current()) const {
    return detail::index_update(x_, idx_, v, detail::UpdateOp::kMul, options, "at.multiply", loc);
  }
  /// x with x[idx] /= v (x / ones.at[idx].multiply(v), as JAX).
  Array divide(const ArrayLike& v, const IndexOptions& options = {},
               Loc loc = Loc::current()) const;
  /// x with x[idx] = minimum(x[idx], v) / maximum(x[idx], v).
  Array min(const ArrayLike& v, const IndexOptions& options = {}, Loc loc = Loc::current()) const {
    return detail::index_update(x_, idx_, v, detail::UpdateOp::kMin, options, "at.min", loc);
  }
  Array max(const ArrayLike& v, const IndexOptions& options = {}, Loc loc = Loc::current()) const {
    return detail::index_update(x_, idx_, v, detail::UpdateOp::kMax, options, "at.max", loc);
  }

 private:
  Array x_;
  std::vector<Index> idx_;
};

// =============================================================================
// take / take_along_axis
// =============================================================================

/// Elements of `a` at `indices` along `axis` (none: of the flattened a), as
/// jnp.take. mode: "fill" (default; out-of-bounds gives fill_value, default
/// NaN / smallest signed / largest unsigned / true), "clip", "wrap" or
/// "promise_in_bounds". In "fill" mode negative indices wrap as in NumPy;
/// "clip" clamps them to 0 and "wrap" takes them modulo the axis size (as
/// jnp.take). Result shape: a.shape[:axis] + indices.shape + a.shape[axis+1:].
Array take(const Array& a, const ArrayLike& indices, std::optional<int> axis = std::nullopt,
           std::string_view mode = {}, std::optional<double> fill_value = std::nullopt,
           bool unique_indices = false, bool indices_are_sorted = false, Loc loc = Loc::current());

/// arr[..., indices, ...] along `axis` with indices of arr's rank broadcast
/// against arr elsewhere (jnp.take_along_axis); axis none: arr flattened and
/// indices 1-d. mode as take's (default "fill"); negative indices wrap in
/// every mode but "promise_in_bounds" (jnp's default).
Array take_along_axis(const Array& arr, const Array& indices, std::optional<int> axis = -1,
                      std::string_view mode = {}, std::optional<double> fill_value = std::nullopt,
                      Loc loc = Loc::current());

// =============================================================================
// Value-dependent output sizes
// =============================================================================

/// A static output size for functions whose output shape depends on the
/// values. Without `size` the input must be concrete (not traced by jit,
/// vmap or grad): the size is then read from the values; under a
/// transformation leaving it out is an error asking for one. With `size`,
/// results are truncated or padded to it; padding uses fill_value (each
/// function documents its default).
struct StaticSize {
  std::optional<int64_t> size = std::nullopt;
  std::optional<double> fill_value = std::nullopt;
};

/// Indices (int32, one array per dimension) of the nonzero elements of a
/// (ndim >= 1), in row-major order; padding: fill_value, default 0.
/// `np::nonzero(x, {.size = 4, .fill_value = -1})`.
std::vector<Array> nonzero(const Array& a, StaticSize size = {}, Loc loc = Loc::current());
/// Indices of the nonzero elements of a flattened (int32).
Array flatnonzero(const Array& a, StaticSize size = {}, Loc loc = Loc::current());
/// The nonzero indices as rows: int32 (n, a.ndim()).
Array argwhere(const Array& a, StaticSize size = {}, Loc loc = Loc::current());
/// One-argument where: np::nonzero(condition).
std::vector<Array> where(const Array& condition, StaticSize size = {}, Loc loc = Loc::current());
/// The elements of arr (flattened) where condition (flattened, converted to
/// bool) is true: arr[mask] (jnp.extract); padding default 0.
Array extract(const Array& condition, const Array& arr, StaticSize size = {},
              Loc loc = Loc::current());

/// The sorted distinct values of x (flattened); NaNs count as one value,
/// sorted last. Padding default: the smallest value (as jnp.unique).
/// Concrete inputs are sorted on the host; traced inputs use an O(n^2)
/// comparison composition (until lax has a sort).
Array unique(const Array& x, StaticSize size = {}, Loc loc = Loc::current());
struct UniqueAll {
  Array values;           ///< as unique()
  Array indices;          ///< int32: first position in x (flattened) of each value
  Array inverse_indices;  ///< int32, x's shape: position of each element's value in `values`
  Array counts;           ///< int32: occurrences of each value (0 for padding)
};
/// jnp.unique_all (padding of indices: that of the smallest value).
UniqueAll unique_all(const Array& x, StaticSize size = {}, Loc loc = Loc::current());

}  // namespace jx::np

namespace jx {
template <class... I>
np::AtIndexer Array::at(const I&... idx) const {
  return np::AtIndexer(*this, std::vector<np::Index>{np::Index(idx)...});
}
}  // namespace jx
