// Fusion (internal): groups the equations of an optimized jaxpr into fused
// kernels (kernel IR) and leaves the rest to run as eager kernel calls.
//
// What fuses: elementwise ops (those the kernel IR supports for their dtype),
// convert_element_type, select_n with a bool predicate, clamp, integer_pow,
// the index-only ops broadcast_in_dim / transpose / reshape / squeeze /
// expand_dims (they become load strides, never copies), and reduce_sum / max /
// min over the trailing axes of their operand (row reductions) together with
// their producers and consumers — softmax, layernorm, mean/variance each
// become one kernel. A value used outside its group is stored by the kernel
// (multi-output fusion). dot_general, conv, gather, sort, column reductions and
// everything else run as calls to their eager kernels.
//
// Grouping is greedy, from the last equation backwards: a group pulls in a
// producer when the merged group still builds into one kernel (same domain,
// compatible reductions), stays acyclic with the rest of the program, and
// stays under a size limit.
#pragma once

#include <vector>

#include "compiler/kernel_ir.h"
#include "jx/ir.h"

namespace jx::compiler {

struct FusedKernel {
  kir::Kernel kernel;
  std::vector<int> inputs;   ///< jaxpr var per kernel input param
  std::vector<int> outputs;  ///< jaxpr var per kernel output param
  std::vector<size_t> eqns;  ///< the equations it computes (ascending)
};

struct FusionPlan {
  struct Item {
    bool is_kernel = false;
    size_t index = 0;  ///< into kernels, or the equation index
  };
  std::vector<Item> order;  ///< a valid execution order
  std::vector<FusedKernel> kernels;
};

struct FusionOptions {
  size_t max_group_eqns = 64;
  size_t max_group_inputs = 24;
};

FusionPlan plan_fusion(const Jaxpr& j, const FusionOptions& opts = {});

}  // namespace jx::compiler
