// jx::lax sorting, cumulative scans and windowed reductions, with the
// semantics of jax.lax: sort (several operands, lexicographic keys), top_k,
// cumsum/cumprod/cummax/cummin/cumlogsumexp, reduce_window (sum, max, min) and
// select_and_scatter_add / select_and_gather_add (the derivative of a max or
// min pooling). Every function works eagerly and under every transformation
// (jvp, grad, vmap, jit). Bad shapes or parameters throw jx::Error naming the
// op, the shapes at fault and the caller's line.
//
// The NumPy-level functions built on these (np::sort, np::argsort,
// np::searchsorted, np::cumsum, np::cumprod, np::diff) are in jx/numpy_sort.h.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <span>
#include <utility>
#include <vector>

#include "jx/array.h"

namespace jx::lax {

using Loc = std::source_location;

// --- sort -------------------------------------------------------------------

/// Sorts the operands (equal shapes, any dtypes) along `dimension` by the
/// first `num_keys` of them, compared lexicographically; the others are
/// permuted alongside. Floating keys use JAX's order: -0.0 and 0.0 compare
/// equal, NaNs (of either sign) come last and compare equal. The sort is
/// always stable here (is_stable=false allows any order of equal keys; jx
/// gives the stable one). Returns one array per operand.
std::vector<Array> sort(std::span<const Array> operands, int64_t dimension = -1,
                        bool is_stable = true, int64_t num_keys = 1, Loc loc = Loc::current());
std::vector<Array> sort(std::initializer_list<Array> operands, int64_t dimension = -1,
                        bool is_stable = true, int64_t num_keys = 1, Loc loc = Loc::current());
/// One operand sorted along `dimension`.
Array sort(const Array& operand, int64_t dimension = -1, bool is_stable = true,
           Loc loc = Loc::current());
/// (keys, values) sorted by keys along `dimension`.
std::pair<Array, Array> sort_key_val(const Array& keys, const Array& values, int64_t dimension = -1,
                                     bool is_stable = true, Loc loc = Loc::current());

/// The k largest elements along the last axis, in descending order, and
/// their int32 indices. Order is total: NaN above +inf, 0.0 above -0.0,
/// -NaN below -inf; equal values keep the lower index first.
/// Errors when k < 0 or k exceeds the last dimension, or for a 0-d operand.
std::pair<Array, Array> top_k(const Array& operand, int64_t k, Loc loc = Loc::current());

// --- cumulative reductions -----------------------------------------------------

/// Inclusive prefix reductions along `axis` (negative counts from the end);
/// with `reverse`, from the end of the axis towards its start. cumsum and
/// cumprod take numeric dtypes, cummax and cummin any dtype, cumlogsumexp
/// floating ones. cummax/cummin propagate NaN as lax.max/min do.
Array cumsum(const Array& operand, int64_t axis = 0, bool reverse = false,
             Loc loc = Loc::current());
Array cumprod(const Array& operand, int64_t axis = 0, bool reverse = false,
              Loc loc = Loc::current());
Array cummax(const Array& operand, int64_t axis = 0, bool reverse = false,
             Loc loc = Loc::current());
Array cummin(const Array& operand, int64_t axis = 0, bool reverse = false,
             Loc loc = Loc::current());
Array cumlogsumexp(const Array& operand, int64_t axis = 0, bool reverse = false,
                   Loc loc = Loc::current());

// --- windowed reductions ---------------------------------------------------------

/// The reductions reduce_window supports; the init value is implied (0 for
/// sum, -inf / the lowest value for max, +inf / the highest for min).
enum class WindowOp { kSum, kMax, kMin };

/// The geometry of a windowed reduction, one entry per operand dimension.
/// Empty strides / dilations mean all ones, empty padding means none.
/// Padding is (low, high) per dimension, applied to the base-dilated operand;
/// base dilation inserts (d - 1) holes between elements, window dilation
/// spaces the window's taps. Holes and padding hold the init value.
struct WindowConfig {
  std::vector<int64_t> window_dimensions;
  std::vector<int64_t> window_strides = {};
  std::vector<std::pair<int64_t, int64_t>> padding = {};
  std::vector<int64_t> base_dilation = {};
  std::vector<int64_t> window_dilation = {};
};

/// lax.reduce_window with op's computation and init value. Output dimension
/// i has floor((dilated_padded_i - dilated_window_i) / stride_i) + 1 elements
/// (0 if the window does not fit). sum: numeric dtypes; max/min: any.
Array reduce_window(const Array& operand, WindowOp op, const WindowConfig& window,
                    Loc loc = Loc::current());
Array reduce_window_sum(const Array& operand, const WindowConfig& window, Loc loc = Loc::current());
Array reduce_window_max(const Array& operand, const WindowConfig& window, Loc loc = Loc::current());
Array reduce_window_min(const Array& operand, const WindowConfig& window, Loc loc = Loc::current());

/// The transpose of picking one element per window: for each window of
/// `operand` (as reduce_window with `select` = kMax or kMin would see it), adds
/// source's element for that window at the position of the window's first
/// maximum (minimum); positions in padding or holes are dropped. `source` has
/// reduce_window's output shape; the result has operand's shape and source's
/// dtype (floating).
Array select_and_scatter_add(const Array& source, const Array& operand, WindowOp select,
                             const WindowConfig& window, Loc loc = Loc::current());
/// For each window of `operand`, the element of `tangents` (operand's shape)
/// at the window's first maximum (minimum); 0 where that is padding or a hole.
/// The derivative of reduce_window max/min; the transpose of the above.
Array select_and_gather_add(const Array& tangents, const Array& operand, WindowOp select,
                            const WindowConfig& window, Loc loc = Loc::current());

}  // namespace jx::lax
