// Kernel IR -> LLVM IR (internal). See render.cpp for the loop structure.
#pragma once

#include <llvm/IR/Module.h>

#include <string>

#include "compiler/kernel_ir.h"

namespace jx::cpu::llvm_backend {

/// Adds to `m` the external functions `name` (rows entry: void(char**, i64,
/// i64)) and, for kernels without reduced dims, `name + "_points"` (flat
/// points entry). The module's triple and data layout must be set.
void render_kernel(const compiler::kir::Kernel& k, llvm::Module& m, const std::string& name);

}  // namespace jx::cpu::llvm_backend
