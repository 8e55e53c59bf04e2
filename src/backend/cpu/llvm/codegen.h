// The CPU code generator (internal): renders a kernel IR kernel
// (compiler/kernel_ir.h) to LLVM IR, optimizes it at O3 for the host CPU
// (loop-vectorized, transcendentals inlined as vector polynomials, no libm
// calls), compiles it to an object file and loads that into LLVM 19's ORC
// JIT. Compiled kernels are memoized in-process by the kernel's canonical
// text and persisted in an on-disk cache of object files keyed by (kernel
// text, host CPU name + features, LLVM version, jx version), so a second
// process loads machine code instead of compiling. See docs/codegen.md.
//
// Aliasing: the kernel IR's contract (kernel_ir.h): params do not overlap,
// except an output stored over an input that every load reads at the stored
// point (in-place updates). Loads and stores carry one alias scope per param,
// so the vectorizer needs no run-time overlap checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "compiler/kernel_ir.h"

namespace jx::cpu::llvm_backend {

/// kernel(buffers, row_begin, row_end): processes rows [row_begin, row_end).
using KernelFn = void (*)(char** buffers, int64_t row_begin, int64_t row_end);

struct CompiledKernel {
  KernelFn fn = nullptr;
  /// For kernels without reduced dims: processes the flat points
  /// [begin, end) of the domain (rows * row_size of them), so one long row
  /// can be split across threads. Null for reduction kernels.
  KernelFn points_fn = nullptr;
  bool from_disk_cache = false;
};

/// Compiles `k` (verified first; throws jx::Error on an invalid kernel or a
/// code-generation failure). Thread-safe: concurrent calls for the same
/// kernel text compile once. The result lives for the process.
std::shared_ptr<const CompiledKernel> compile_kernel(const compiler::kir::Kernel& k);

/// The optimized LLVM IR of `k`, as compile_kernel produces it (rendered and
/// optimized again on demand: compiles skip printing it).
std::string llvm_ir_text(const compiler::kir::Kernel& k);

/// Compiles several kernels (each as by compile_kernel), in parallel on the
/// jx thread pool: every kernel is its own module, so the disk cache stays
/// per kernel. Rethrows the first failure after all finish.
std::vector<std::shared_ptr<const CompiledKernel>> compile_kernels(
    std::span<const compiler::kir::Kernel> ks);

/// Runs all rows of `k` with `buffers` (params in order): across the jx
/// thread pool when the kernel has >= ~64K points, else on the caller. The
/// result does not depend on the thread count.
void run_kernel(const CompiledKernel& ck, const compiler::kir::Kernel& k, char** buffers);

struct CodegenStats {
  size_t compiled = 0;      ///< kernels rendered and compiled by LLVM
  size_t memory_hits = 0;   ///< compile_kernel answered from the in-process memo
  size_t disk_hits = 0;     ///< loaded from the disk cache
  size_t disk_writes = 0;   ///< entries written to the disk cache
  size_t disk_corrupt = 0;  ///< entries rejected (bad magic, checksum, size, key)
};
CodegenStats codegen_stats();

/// Sets the disk cache directory ("" disables it). The default is
/// $JX_CACHE_DIR, else $XDG_CACHE_HOME/jx, else ~/.cache/jx; setting
/// JX_DISABLE_DISK_CACHE=1 disables it.
void set_disk_cache_dir(std::string dir);
/// The directory in use ("" when disabled).
std::string disk_cache_dir();

/// The host description the cache key uses: "cpu-name +feat1,+feat2,...".
std::string host_cpu_description();

/// Test hook: forgets the in-process memo (compiled code stays loaded).
void clear_memory_cache_for_testing();

}  // namespace jx::cpu::llvm_backend
