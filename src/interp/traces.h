// The transformation interpreters (internal): staging (make_jaxpr, and the
// partial evaluation behind linearize), JVP (forward mode) and batching
// (vmap). Each is a Trace on the thread's trace stack; see jx/primitive.h.
#pragma once

#include <unordered_map>

#include "jx/ir.h"
#include "jx/primitive.h"

namespace jx::interp {

/// Records primitive applications into a Jaxpr. In partial-evaluation mode an
/// application whose inputs are all known (none of them this trace's tracers)
/// is forwarded to the parent trace and computed now; only the rest is
/// staged, with the known inputs captured as constants. That split is what
/// turns a JVP into a linear jaxpr of the tangents (linearize).
class StagingTrace final : public Trace {
 public:
  struct VarTracer : Tracer {
    VarTracer(const Trace& t, int v) : Tracer(t), var(v) {}
    int var;
  };

  StagingTrace(Trace* parent, bool partial_eval, std::string_view kind)
      : Trace(parent), partial_eval_(partial_eval), kind_(kind) {}
  std::string_view kind() const override { return kind_; }

  /// A new input of the jaxpr.
  Array new_arg(const Aval& aval);
  std::vector<Array> process_primitive(const Primitive& p, std::span<const Array> in,
                                       const Params& params) override;
  /// Finishes the jaxpr with `outs` as its outputs (any values: own tracers,
  /// foreign values captured as constants, or undefined = zeros of `avals`).
  ClosedJaxpr finish(std::span<const Array> outs);

 private:
  Atom atom_of(const Array& x);
  Jaxpr jaxpr_;
  std::vector<Array> consts_;
  std::unordered_map<const ArrayImpl*, int> const_index_;
  bool partial_eval_;
  std::string_view kind_;
};

/// Forward mode: each tracer carries a primal and a tangent (an undefined
/// tangent is a symbolic zero).
class JvpTrace final : public Trace {
 public:
  struct JvpTracer : Tracer {
    JvpTracer(const Trace& t, Array p, Array tan) : Tracer(t), primal(std::move(p)), tangent(std::move(tan)) {}
    Array primal, tangent;
  };
  explicit JvpTrace(Trace* parent) : Trace(parent) {}
  std::string_view kind() const override { return "jvp"; }
  Array make(Array primal, Array tangent);
  /// (primal, tangent) of any value: own tracers unpack, others have zero tangent.
  std::pair<Array, Array> unpack(const Array& x) const;
  std::vector<Array> process_primitive(const Primitive& p, std::span<const Array> in,
                                       const Params& params) override;
};

/// vmap: each tracer carries a value with a batch dimension.
class BatchTrace final : public Trace {
 public:
  struct BatchTracer : Tracer {
    BatchTracer(const Trace& t, Array v, int d) : Tracer(t), val(std::move(v)), bdim(d) {}
    Array val;
    int bdim;
  };
  BatchTrace(Trace* parent, int64_t axis_size) : Trace(parent), axis_size_(axis_size) {}
  std::string_view kind() const override { return "vmap"; }
  int64_t axis_size() const { return axis_size_; }
  /// A tracer for `val` batched along `bdim` (or `val` itself if bdim < 0).
  Array make(Array val, int bdim);
  std::pair<Array, int> unpack(const Array& x) const;
  std::vector<Array> process_primitive(const Primitive& p, std::span<const Array> in,
                                       const Params& params) override;

 private:
  int64_t axis_size_;
};

/// Transposes a linear jaxpr: given cotangents of its outputs, returns the
/// cotangents of its invars (undefined where zero). Runs on the current trace.
std::vector<Array> backward_pass(const Jaxpr& j, std::span<const Array> consts,
                                 std::span<const Array> out_cts);
/// The general form: args[i] is the value of invar i when known, or an
/// undefined_primal for a linear invar. Returns cotangents for the linear
/// invars (undefined for the known ones and for zeros).
std::vector<Array> backward_pass_with_args(const Jaxpr& j, std::span<const Array> consts,
                                           std::span<const Array> args,
                                           std::span<const Array> out_cts);

/// Zeros of an aval, on the current trace.
Array zeros_like_aval(const Aval& a);
/// a + b where either may be undefined (a symbolic zero).
Array add_tangents(const Array& a, const Array& b);

}  // namespace jx::interp
