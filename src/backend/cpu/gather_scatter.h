// Eager CPU kernels of gather and the scatters (internal). Shapes and
// dimension numbers are checked by the primitives' shape rules; the kernels
// trust them. Index vectors are the last dimension of the indices.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "jx/dtype.h"

namespace jx::cpu {

struct GatherArgs {
  DType dtype;
  const void* operand;
  std::span<const int64_t> operand_shape;
  DType index_dtype;
  const void* indices;
  std::span<const int64_t> indices_shape;
  void* out;
  std::span<const int64_t> out_shape;
  std::span<const int64_t> offset_dims, collapsed_slice_dims, start_index_map,
      operand_batching_dims, start_indices_batching_dims, slice_sizes;
  /// false: clamp window starts (clip / promise_in_bounds); true: fill
  /// out-of-bounds windows with the element at `fill_value` (operand dtype).
  bool fill = false;
  const void* fill_value = nullptr;
};
/// out = gather(operand, indices); parallel over the index positions.
void gather(const GatherArgs& a);

enum class ScatterOp : uint8_t { kSet, kAdd, kMul, kMin, kMax };

struct ScatterArgs {
  DType dtype;
  void* out;  ///< holds a copy of the operand on entry
  std::span<const int64_t> operand_shape;
  DType index_dtype;
  const void* indices;
  std::span<const int64_t> indices_shape;
  const void* updates;
  std::span<const int64_t> updates_shape;
  std::span<const int64_t> update_window_dims, inserted_window_dims, scatter_dims_to_operand_dims,
      operand_batching_dims, scatter_indices_batching_dims;
  /// true: clamp window starts; false: drop windows that do not fit.
  bool clip = false;
};
/// Applies the updates to `out` in the row-major order of the scatter
/// positions. Parallel over disjoint ranges of one operand dimension, each
/// range applied by one thread in that same order, so the result is the same
/// for any thread count.
void scatter(ScatterOp op, const ScatterArgs& a);

/// An index element as int64 (unsigned values above INT64_MAX saturate).
int64_t load_index(DType dt, const void* base, int64_t i);

}  // namespace jx::cpu
