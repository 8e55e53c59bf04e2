// jx::np sorting, searching and cumulative functions, with the names and
// semantics of jax.numpy: sort, argsort, lexsort, searchsorted, cumsum,
// cumprod, nancumsum, nancumprod, diff. Compositions of the jx::lax primitives in jx/lax_sort.h, so
// they work under every transformation. Axes may be negative; misuse throws jx::Error starting with
// `[op]` (the jnp name) and located at the caller's line. Include this header (or
// jx/numpy_linalg.h) next to jx/jx.h.
#pragma once

#include <optional>
#include <source_location>
#include <string_view>
#include <vector>

#include "jx/array.h"
#include "jx/numpy.h"

namespace jx::np {

/// A sorted copy of x along `axis` (std::nullopt: of the flattened array).
/// NaNs sort to the end (to the front when descending); -0.0 equals 0.0.
/// Sorting is stable; descending keeps equal elements in their original order.
Array sort(const Array& x, std::optional<int> axis = -1, bool stable = true,
           bool descending = false, Loc loc = Loc::current());

/// The int32 indices that sort x along `axis` (std::nullopt: flattened),
/// stable: equal elements keep their order (also when descending).
Array argsort(const Array& x, std::optional<int> axis = -1, bool stable = true,
              bool descending = false, Loc loc = Loc::current());

/// The int32 indices that sort by several keys of one shape, the last key
/// primary (np.lexsort), stably, along `axis`.
Array lexsort(const std::vector<Array>& keys, int axis = -1, Loc loc = Loc::current());

/// Where to insert the values v into the sorted 1-d array a to keep it
/// sorted: side "left" gives the first suitable index (a[i-1] < v <= a[i]),
/// "right" the last (a[i-1] <= v < a[i]). NaNs are larger than every number,
/// as sort orders them. a and v promote to a common dtype; the result is
/// int32 with v's shape.
Array searchsorted(const Array& a, const ArrayLike& v, std::string_view side = "left",
                   Loc loc = Loc::current());

/// Inclusive cumulative sum / product along `axis` (std::nullopt: of the
/// flattened array). Without dtype, bool accumulates in int32 and other
/// dtypes in themselves (integers wrap), as jnp.cumsum does.
Array cumsum(const Array& x, std::optional<int> axis = std::nullopt,
             std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
Array cumprod(const Array& x, std::optional<int> axis = std::nullopt,
              std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());

/// cumsum / cumprod treating NaNs as 0 / 1.
Array nancumsum(const Array& x, std::optional<int> axis = std::nullopt,
                std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
Array nancumprod(const Array& x, std::optional<int> axis = std::nullopt,
                 std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());

/// The n-th discrete difference along axis: x[1:] - x[:-1] applied n times
/// (bool: x[1:] != x[:-1]). n = 0 returns x; n < 0 is an error.
Array diff(const Array& x, int n = 1, int axis = -1, Loc loc = Loc::current());

}  // namespace jx::np
