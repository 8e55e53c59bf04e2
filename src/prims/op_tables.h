// Which kernel op an elementwise or reduction primitive computes (internal):
// the compiler's fusion pass maps jaxpr equations to kernel IR with these.
#pragma once

#include "backend/cpu/kernels.h"
#include "jx/primitive.h"

namespace jx::prims {

/// The op of a one-operand elementwise primitive (`round` reports kRoundAway;
/// its rounding_method param picks kRoundEven). False for other primitives.
bool unary_op_of(const Primitive& p, cpu::UnaryOp* op);
/// The op of a two-operand elementwise primitive (comparisons included).
bool binary_op_of(const Primitive& p, cpu::BinaryOp* op);
/// The op of a reduce_* primitive (its axes are the `axes` param).
bool reduce_op_of(const Primitive& p, cpu::ReduceOp* op);

}  // namespace jx::prims
