// jx::lax indexing primitives, with the semantics of jax.lax (XLA's Gather
// and Scatter): gather, scatter, scatter_add, scatter_mul, scatter_min,
// scatter_max, dynamic_slice and dynamic_update_slice.
//
// Gather and scatter take XLA's full dimension numbers, including batching
// dimensions (operand_batching_dims / start_indices_batching_dims) and an
// index_vector_dim. As in JAX the primitives themselves always keep the index
// vector in the last dimension of the indices; these functions move it there
// when another index_vector_dim is given (index_vector_dim == indices.ndim()
// means an implicit trailing dimension of size 1). Indices may have any
// integer dtype. Out-of-bounds indices follow GatherScatterMode:
//   kClip            the start of each window is clamped so the window fits.
//   kFillOrDrop      gather: a window that does not fit entirely is filled
//                    with fill_value; scatter: such a window is dropped.
//   kPromiseInBounds the caller promises in-bounds indices; out-of-bounds
//                    gathers are clamped and out-of-bounds scatters dropped
//                    (what XLA does), and gradients may be wrong.
// Scatters apply the updates of duplicate indices one after the other in the
// row-major order of the scatter positions, so every result is deterministic
// (scatter keeps the last update; min/max/add/mul combine all of them).
// Errors name the primitive, the dimension numbers and the shapes at fault.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <source_location>
#include <span>
#include <string_view>
#include <vector>

#include "jx/array.h"

namespace jx::lax {

using Loc = std::source_location;

/// How gathers and scatters treat out-of-bounds indices (see above).
enum class GatherScatterMode { kClip, kFillOrDrop, kPromiseInBounds };
/// "clip", "fill" or "promise_in_bounds".
std::string_view mode_name(GatherScatterMode mode);
/// Parses "clip", "fill" / "drop", "promise_in_bounds"; errors for others.
GatherScatterMode parse_mode(std::string_view op, std::string_view name);

/// XLA's gather dimension numbers (jax.lax.GatherDimensionNumbers plus
/// index_vector_dim). Output dimensions are the batch dimensions of the
/// indices (every dimension but index_vector_dim, in order) interleaved with
/// the window dimensions listed in offset_dims (sorted).
struct GatherDimensionNumbers {
  /// Output dimensions holding the window (operand dims that are neither
  /// collapsed nor batching, in increasing order).
  std::vector<int64_t> offset_dims;
  /// Operand dims with slice size 1 that do not appear in the output (sorted).
  std::vector<int64_t> collapsed_slice_dims;
  /// Operand dim indexed by each component of an index vector.
  std::vector<int64_t> start_index_map;
  /// Operand dims (sorted, slice size 1) indexed by the position along the
  /// matching start_indices_batching_dims.
  std::vector<int64_t> operand_batching_dims = {};
  std::vector<int64_t> start_indices_batching_dims = {};
  /// The dimension of the indices holding index vectors; -1: the last.
  int64_t index_vector_dim = -1;
};

/// XLA's scatter dimension numbers (jax.lax.ScatterDimensionNumbers plus
/// index_vector_dim); the mirror image of GatherDimensionNumbers.
struct ScatterDimensionNumbers {
  /// Dimensions of `updates` that are window dimensions (sorted).
  std::vector<int64_t> update_window_dims;
  /// Operand dims of window size 1 that have no dimension in `updates` (sorted).
  std::vector<int64_t> inserted_window_dims;
  /// Operand dim indexed by each component of an index vector.
  std::vector<int64_t> scatter_dims_to_operand_dims;
  std::vector<int64_t> operand_batching_dims = {};
  std::vector<int64_t> scatter_indices_batching_dims = {};
  /// The dimension of the indices holding index vectors; -1: the last.
  int64_t index_vector_dim = -1;
};

/// Options of gather (designated initializers: `{.mode = GatherScatterMode::kClip}`).
struct GatherOptions {
  GatherScatterMode mode = GatherScatterMode::kPromiseInBounds;
  /// Used in kFillOrDrop mode; default: NaN for floats, the smallest value
  /// for signed integers, the largest for unsigned ones, true for bool.
  std::optional<double> fill_value = std::nullopt;
  bool indices_are_sorted = false;
  bool unique_indices = false;
};

/// Options of the scatters. JAX's default mode for scatters is kFillOrDrop.
struct ScatterOptions {
  GatherScatterMode mode = GatherScatterMode::kFillOrDrop;
  bool indices_are_sorted = false;
  /// A promise that no two updates touch the same element; enables the
  /// simpler derivative of scatter and the derivatives of scatter_mul.
  bool unique_indices = false;
};

/// Slices of `operand` of size `slice_sizes` starting at the index vectors in
/// `start_indices` (XLA Gather). Output dtype: operand's.
Array gather(const Array& operand, const Array& start_indices,
             const GatherDimensionNumbers& dimension_numbers, std::vector<int64_t> slice_sizes,
             const GatherOptions& options = {}, Loc loc = Loc::current());

/// operand with the windows at `scatter_indices` replaced by `updates` (the
/// last update wins among duplicates). updates has operand's dtype.
Array scatter(const Array& operand, const Array& scatter_indices, const Array& updates,
              const ScatterDimensionNumbers& dimension_numbers, const ScatterOptions& options = {},
              Loc loc = Loc::current());
/// operand with `updates` added at the windows (duplicates accumulate); numeric dtypes.
Array scatter_add(const Array& operand, const Array& scatter_indices, const Array& updates,
                  const ScatterDimensionNumbers& dimension_numbers,
                  const ScatterOptions& options = {}, Loc loc = Loc::current());
/// operand multiplied by `updates` at the windows; numeric dtypes.
Array scatter_mul(const Array& operand, const Array& scatter_indices, const Array& updates,
                  const ScatterDimensionNumbers& dimension_numbers,
                  const ScatterOptions& options = {}, Loc loc = Loc::current());
/// Elementwise min / max of operand and `updates` at the windows (NaN propagates).
Array scatter_min(const Array& operand, const Array& scatter_indices, const Array& updates,
                  const ScatterDimensionNumbers& dimension_numbers,
                  const ScatterOptions& options = {}, Loc loc = Loc::current());
Array scatter_max(const Array& operand, const Array& scatter_indices, const Array& updates,
                  const ScatterDimensionNumbers& dimension_numbers,
                  const ScatterOptions& options = {}, Loc loc = Loc::current());

/// The slice of `operand` of size `slice_sizes` starting at `start_indices`
/// (one 0-d integer array per dimension, all of one dtype). Negative starts
/// count from the end; starts are then clamped so the slice fits (XLA).
Array dynamic_slice(const Array& operand, std::span<const Array> start_indices,
                    std::vector<int64_t> slice_sizes, Loc loc = Loc::current());
Array dynamic_slice(const Array& operand, std::initializer_list<Array> start_indices,
                    std::vector<int64_t> slice_sizes, Loc loc = Loc::current());
/// With static starts (converted to int32 scalars).
Array dynamic_slice(const Array& operand, const std::vector<int64_t>& start_indices,
                    std::vector<int64_t> slice_sizes, Loc loc = Loc::current());

/// operand with `update` (same dtype and rank) written at `start_indices`,
/// clamped like dynamic_slice's.
Array dynamic_update_slice(const Array& operand, const Array& update,
                           std::span<const Array> start_indices, Loc loc = Loc::current());
Array dynamic_update_slice(const Array& operand, const Array& update,
                           std::initializer_list<Array> start_indices, Loc loc = Loc::current());
Array dynamic_update_slice(const Array& operand, const Array& update,
                           const std::vector<int64_t>& start_indices, Loc loc = Loc::current());

}  // namespace jx::lax
