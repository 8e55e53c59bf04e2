// The kernel IR (internal): one fused kernel as a loop nest over an index
// space, with loads, scalar arithmetic, row reductions and stores. The fusion
// pass (compiler/fusion.cpp) builds kernels from groups of jaxpr equations;
// renderers turn a kernel into native code (backend/cpu/llvm: LLVM IR and the
// ORC JIT). A kernel is plain data: it prints to a canonical text (the key of
// the on-disk code cache) and has a reference interpreter used by the tests.
//
// Semantics. `domain` is the loop nest, row-major, innermost last. The last
// `num_reduced` dims are the *reduced* dims; the ones before are the *row*
// dims. (With num_reduced == 0 the innermost domain dim is still an inner
// loop, but nothing reduces over it.) The kernel runs, for each row index r
// (the row dims flattened, row-major):
//   1. every node that does not depend on the inner dims ("row-level": loads
//      whose strides on the inner dims are all 0, constants, Reduce results,
//      and arithmetic on those) is computed once for the row;
//   2. each Reduce node, in node order, reduces its argument over the whole
//      inner index space (its argument may use row-level values, including
//      earlier Reduce results: this is how softmax's max / exp-sum / divide
//      become one kernel);
//   3. stores: a store whose strides on the inner dims are all 0 writes a
//      row-level value once per row; any other store writes an inner-level
//      value at every point of the inner index space.
// "Inner dims" are the reduced dims when num_reduced > 0, else the last dim.
// Rows are independent, so a kernel is split across threads by rows; the
// result never depends on the split. A Reduce sums in an order fixed by the
// compiled code (it may use vector lanes), never by the thread count.
//
// Loads and stores address element offset = offset + sum_d index[d]*strides[d]
// over the domain dims (strides in elements; 0 broadcasts; a permutation of
// contiguous strides transposes). Buffers are the kernel's params: inputs
// first, then outputs; the entry point is
//   extern "C" void kernel(char** buffers, int64_t row_begin, int64_t row_end)
// and processes rows [row_begin, row_end). Buffers of different params do not
// overlap, with one exception the executor uses for in-place updates: an
// output may share an input's memory when every load of that input reads
// exactly the element the output stores at the same point.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend/cpu/kernels.h"
#include "jx/dtype.h"
#include "jx/shape.h"

namespace jx::compiler::kir {

using cpu::BinaryOp;
using cpu::ReduceOp;
using cpu::UnaryOp;

enum class NodeKind : uint8_t {
  Load,      ///< params[param] at offset + sum index*strides
  Constant,  ///< a scalar of `dtype`: fvalue for floats, ivalue for ints/bool
  Unary,     ///< unary_op(args[0]); kIsFinite yields bool
  Binary,    ///< binary_op(args[0], args[1]); comparisons yield bool
  Select,    ///< args[0] (bool) ? args[1] : args[2]
  Convert,   ///< args[0] converted to dtype (JAX rules: float->int saturates, NaN->0)
  Reduce,    ///< reduce_op over the inner dims of args[0]; a row-level value
};

struct Node {
  NodeKind kind = NodeKind::Constant;
  DType dtype = float32;  ///< the result's dtype
  std::vector<int> args;  ///< earlier node ids
  UnaryOp unary_op = UnaryOp::kNeg;
  BinaryOp binary_op = BinaryOp::kAdd;
  ReduceOp reduce_op = ReduceOp::kSum;
  // Load
  int param = -1;
  int64_t offset = 0;
  std::vector<int64_t> strides;  ///< one per domain dim
  // Constant
  double fvalue = 0;
  int64_t ivalue = 0;
};

struct Store {
  int param = -1;  ///< an output param (index into Kernel::params)
  int node = -1;
  int64_t offset = 0;
  std::vector<int64_t> strides;  ///< one per domain dim
};

struct Param {
  DType dtype = float32;
  int64_t size = 0;  ///< elements
  bool is_output = false;
};

struct Kernel {
  std::string name;
  std::vector<Param> params;  ///< inputs first, then outputs
  Shape domain;               ///< rank >= 1
  int num_reduced = 0;
  std::vector<Node> nodes;  ///< topological order
  std::vector<Store> stores;

  int num_inputs() const;
  int num_outputs() const { return int(params.size()) - num_inputs(); }
  /// Dims of the domain iterated inside a row (num_reduced, or 1 when 0).
  int num_inner() const { return num_reduced > 0 ? num_reduced : 1; }
  /// Rows: the product of the row dims (1 when all dims are inner).
  int64_t rows() const;
  /// Points per row: the product of the inner dims.
  int64_t row_size() const;
  /// True when node n depends on the inner dims (inner-level).
  std::vector<bool> inner_level() const;
  /// Canonical text: same text <=> same kernel (the name is excluded).
  std::string str() const;
  /// Checks the invariants above; throws jx::Error naming the fault.
  void verify() const;
};

/// Node-building helpers (return the new node's id).
int add_load(Kernel& k, int param, DType dt, std::vector<int64_t> strides, int64_t offset = 0);
int add_constant(Kernel& k, DType dt, double value);
int add_unary(Kernel& k, UnaryOp op, int a);
int add_binary(Kernel& k, BinaryOp op, int a, int b);
int add_select(Kernel& k, int pred, int on_true, int on_false);
int add_convert(Kernel& k, DType to, int a);
int add_reduce(Kernel& k, ReduceOp op, int a);

/// Whether renderers support this op on this dtype (the fusion pass fuses
/// only supported nodes; everything else runs as an eager kernel call).
bool supports_unary(UnaryOp op, DType dt);
bool supports_binary(BinaryOp op, DType dt);
bool supports_reduce(ReduceOp op, DType dt);
bool supports_dtype(DType dt);

/// Reference interpreter (slow, exact scalar semantics of the eager kernels
/// where they are elementwise-exact): runs rows [begin, end) on `buffers`.
void interpret(const Kernel& k, char* const* buffers, int64_t row_begin, int64_t row_end);

}  // namespace jx::compiler::kir
