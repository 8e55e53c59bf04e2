// Helpers shared by the primitive families (internal): dtype classes, shape
// checks and their error messages, axis canonicalisation.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jx/primitive.h"

namespace jx::prims {

using Loc = std::source_location;

enum DTypeClass : unsigned {
  kBoolClass = 1,
  kSignedClass = 2,
  kUnsignedClass = 4,
  kFloatClass = 8,
  kIntClass = kSignedClass | kUnsignedClass,
  kNumClass = kIntClass | kFloatClass,
  kAnyClass = kNumClass | kBoolClass,
  kBoolOrIntClass = kBoolClass | kIntClass,
};

bool dtype_in(DType dt, unsigned classes);
/// "floating", "integer", "boolean or integer", ... for messages.
std::string class_name(unsigned classes);
/// "f32[3,4]" list: "f32[3], i32[3]".
std::string avals_str(std::span<const Aval> avals);

void check_dtype(std::string_view op, const Aval& a, unsigned classes);
/// All operands share one shape and one dtype (lax's n-ary rule).
void check_same(std::string_view op, std::span<const Aval> avals);
/// The result weak type of an n-ary op: weak only if every operand is.
bool all_weak(std::span<const Aval> avals);

/// Canonical axis in [0, ndim) for a possibly negative axis.
int64_t canonical_axis(std::string_view op, int64_t axis, int64_t ndim);
/// Canonical, distinct axes (order kept).
std::vector<int64_t> canonical_axes(std::string_view op, std::span<const int64_t> axes,
                                    int64_t ndim);

/// Concrete data pointers (kernels run only on concrete arrays).
inline const void* in_data(const Array& a) { return a.impl().buffer->data(); }
inline void* out_data(Array& a) { return a.impl().buffer->data(); }

/// Row-major strides (in elements) of a shape.
std::vector<int64_t> strides_of(const Shape& s);

// ---- helpers for transformation rules (they bind ops on the current trace) ----

/// Moves axis `from` of x to position `to` (a transpose; identity if equal).
Array move_axis(const Array& x, int from, int to);
/// Gives an unbatched value a batch axis of `size` at position `at` (broadcast).
Array add_batch_axis(const Array& x, int64_t size, int at);
/// The batch size from the first mapped operand.
int64_t batch_size(std::span<const Array> vals, std::span<const int> dims);
/// Makes every operand of an elementwise op batched along the same axis (the
/// first mapped operand's), broadcasting unmapped ones; returns that axis.
int align_batch_dims(std::vector<Array>& vals, std::span<const int> dims);
/// A zero array like x (same aval), on the current trace.
Array zeros_like(const Array& x);
/// A 0-d array of x's dtype holding v, broadcast to x's shape.
Array full_like(const Array& x, double v);

}  // namespace jx::prims
