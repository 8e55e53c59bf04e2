// A compiled program (internal): the optimized jaxpr plus an execution plan
// with buffer liveness. Executables run on concrete arrays only; under a
// transformation, jit_call's rules transform the jaxpr instead.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "compiler/fusion.h"
#include "jx/ir.h"

namespace jx::cpu::llvm_backend {
struct CompiledKernel;
}

namespace jx::compiler {

struct CostAnalysis {
  double flops = 0;           ///< arithmetic operations (one per element per elementwise op)
  double bytes_accessed = 0;  ///< bytes read and written by all equations
};

class Executable {
 public:
  /// Optimizes `traced` and plans its execution. donated[i]: input i may be
  /// overwritten (its buffer reused for an output).
  static std::shared_ptr<const Executable> compile(ClosedJaxpr traced, std::string name,
                                                   std::vector<bool> donated = {});
  /// Runs on concrete inputs.
  std::vector<Array> run(std::span<const Array> args) const;
  /// Runs taking ownership of the inputs: an input nobody else holds (a
  /// donated one) can have its buffer reused for an output.
  std::vector<Array> run_owned(std::vector<Array>&& args) const;
  const ClosedJaxpr& traced() const { return traced_; }
  const ClosedJaxpr& optimized() const { return optimized_; }
  const std::string& name() const { return name_; }
  const std::vector<bool>& donated() const { return donated_; }
  /// The program as text: the optimized jaxpr and the execution plan.
  std::string as_text() const;
  CostAnalysis cost_analysis() const { return cost_; }
  /// How many times run() wrote an output into a dead input's buffer.
  mutable std::atomic<size_t> reused_buffers{0};

 private:
  struct Step {
    const Primitive* prim = nullptr;  ///< null for a fused kernel
    Params params;
    int kernel = -1;  ///< index into kernels_ for a fused kernel
    std::vector<Atom> inputs;
    std::vector<int> outputs;
    std::vector<int> free_after;  ///< vars whose last use is this step
  };
  struct Kernel {
    FusedKernel fused;
    std::shared_ptr<const cpu::llvm_backend::CompiledKernel> code;
    /// For each output param: the input param whose dying buffer it may
    /// take (every load of it reads exactly where the output is stored), or -1.
    std::vector<int> reusable_input;
  };
  void run_kernel_step(const Step& s, std::vector<Array>& env) const;
  ClosedJaxpr traced_, optimized_;
  std::vector<Kernel> kernels_;
  std::string name_;
  std::vector<bool> donated_;
  std::vector<Step> steps_;
  CostAnalysis cost_;
};

}  // namespace jx::compiler
