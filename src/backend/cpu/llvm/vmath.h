// Vector-friendly math emitted as LLVM IR (internal): exp, exp2, log,
// log1p, expm1, tanh, logistic, sin, cos and erf for float and double as
// straight-line polynomial code with range reduction and selects for the
// special cases (no libm calls, so the loop vectorizer vectorizes them).
// Accuracy per function is measured in docs/codegen.md.
#pragma once

#include <llvm/IR/IRBuilder.h>

#include "backend/cpu/kernels.h"

namespace jx::cpu::llvm_backend {

/// True when emit_math handles op (the transcendentals above).
bool is_vmath_op(UnaryOp op);
/// Emits op(x) for a float or double scalar x at b's insertion point.
llvm::Value* emit_math(llvm::IRBuilder<>& b, UnaryOp op, llvm::Value* x);

}  // namespace jx::cpu::llvm_backend
