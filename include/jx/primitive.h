// Primitives, their parameters, bind, and the trace stack.
//
// A primitive is declared once, with its parameters, its shape/dtype rule (the
// only place its shape errors come from), its eager CPU kernel, and slots for
// the transformation rules and the lowering that later layers fill. Every op
// goes through bind(), which hands the call to the innermost active trace
// (thread-local): the eager EvalTrace at the bottom, transformations above it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "jx/array.h"

namespace jx {

/// An opaque callable carried as a parameter (custom_jvp/custom_vjp rules,
/// later sub-computations). Compared by identity; prints as its name; not
/// parseable from jaxpr text.
struct OpaqueParam {
  std::string name;
  std::shared_ptr<const void> object;
  bool operator==(const OpaqueParam& o) const { return object == o.object; }
  template <class T>
  const T& as() const {
    return *static_cast<const T*>(object.get());
  }
};

/// One parameter value. Vectors of ints cover axes, shapes, strides, padding.
using ParamValue =
    std::variant<bool, int64_t, double, std::string, DType, std::vector<int64_t>, OpaqueParam>;

/// A primitive's parameters: named values, kept in insertion order. Hashable
/// and comparable (jit caches, CSE) and printable as jaxprs show them.
class Params {
 public:
  Params() = default;
  Params(std::initializer_list<std::pair<std::string, ParamValue>> items) : items_(items) {}

  void set(std::string name, ParamValue value);
  bool has(std::string_view name) const;
  const ParamValue& at(std::string_view name) const;
  template <class T>
  const T& get(std::string_view name) const {
    const ParamValue& v = at(name);
    if (const T* p = std::get_if<T>(&v)) return *p;
    bad_type(name);
  }
  int64_t get_int(std::string_view name) const { return get<int64_t>(name); }
  const std::vector<int64_t>& get_ints(std::string_view name) const {
    return get<std::vector<int64_t>>(name);
  }
  const std::vector<std::pair<std::string, ParamValue>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  bool operator==(const Params&) const = default;
  size_t hash() const;
  /// "axes=(0, 1) keepdims=False" in jaxpr style.
  std::string str() const;

 private:
  [[noreturn]] void bad_type(std::string_view name) const;
  std::vector<std::pair<std::string, ParamValue>> items_;
};

std::string param_value_str(const ParamValue& v);

struct Primitive;

using ShapeRule = std::function<std::vector<Aval>(std::span<const Aval>, const Params&)>;
/// Fills the preallocated outputs from the inputs (all concrete, on one device).
using EagerKernel =
    std::function<void(std::span<const Array> in, std::span<Array> out, const Params&)>;
/// Forward mode: (primals, tangents) -> (primal outs, tangent outs). Tangents
/// may be empty (undefined) Arrays standing for symbolic zeros.
using JvpRule = std::function<std::pair<std::vector<Array>, std::vector<Array>>(
    std::span<const Array> primals, std::span<const Array> tangents, const Params&)>;
/// Linear primitives: cotangents of the outputs -> cotangents of the linear inputs.
using TransposeRule = std::function<std::vector<Array>(
    std::span<const Array> cotangents, std::span<const Array> inputs, const Params&)>;
/// vmap: (values, batch dims, -1 for unbatched) -> (outs, out batch dims).
using BatchRule = std::function<std::pair<std::vector<Array>, std::vector<int>>(
    std::span<const Array> values, std::span<const int> dims, const Params&)>;

struct Primitive {
  std::string name;
  ShapeRule abstract_eval;
  EagerKernel impl;
  JvpRule jvp;              // filled by the transformations layer
  TransposeRule transpose;  // linear primitives only
  BatchRule batch;          // filled by the transformations layer
  /// Where the outputs live when not on the inputs' device (device_put, factories).
  std::function<Device(std::span<const Array>, const Params&)> placement;
  /// The kernel creates its outputs itself (views such as reshape share the
  /// input's buffer); the trace then passes outputs holding only their avals.
  bool self_allocating = false;
  /// One output computed element by element from same-shaped inputs, so the
  /// kernel may write over a dead input of the output's size (buffer reuse).
  bool elementwise = false;
};

/// Registers a primitive under its name (for the IR parser and introspection).
/// The object must outlive the program; the registry never owns it.
Primitive& register_primitive(Primitive& p);
/// The primitive called `name`, or nullptr.
const Primitive* find_primitive(std::string_view name);
/// Every registered primitive.
std::vector<const Primitive*> all_primitives();

/// An interpreter on the trace stack. Each trace has a parent (the trace that
/// was current when it was created) and a tag; a value belongs to a trace only
/// through its tracer, so nested transformations never confuse their values.
/// Rules run with the parent as the current trace. When a trace is destroyed
/// its tracers become "leaked": using one is a clear error.
class Trace {
 public:
  explicit Trace(Trace* parent);
  virtual ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;
  /// Runs or records one primitive application.
  virtual std::vector<Array> process_primitive(const Primitive& p, std::span<const Array> in,
                                               const Params& params) = 0;
  /// A short name for messages ("jvp", "vmap", "make_jaxpr"...).
  virtual std::string_view kind() const { return "trace"; }
  Trace* parent() const { return parent_; }
  /// A number unique to this trace, used to tell whose tracer a value is.
  uint64_t tag() const { return tag_; }
  const std::shared_ptr<bool>& alive() const { return alive_; }

 private:
  Trace* parent_;
  uint64_t tag_;
  std::shared_ptr<bool> alive_;
};

/// A value owned by one trace. Transformations subclass it.
class Tracer {
 public:
  explicit Tracer(const Trace& t) : trace_(&t), tag_(t.tag()), alive_(t.alive()) {}
  virtual ~Tracer();
  uint64_t trace_tag() const { return tag_; }
  bool alive() const { return *alive_; }
  /// The owning trace; valid only while alive().
  const Trace* trace() const { return trace_; }

 private:
  const Trace* trace_;
  uint64_t tag_;
  std::shared_ptr<bool> alive_;
};

/// Wraps a tracer into an Array with the given aval.
Array make_tracer_array(Aval aval, std::shared_ptr<Tracer> tracer);
/// The tracer of x if x belongs to trace t, else nullptr.
template <class T>
T* tracer_of(const Array& x, const Trace& t) {
  if (!x.defined()) return nullptr;
  const auto& tr = x.impl().tracer;
  if (!tr || tr->trace_tag() != t.tag()) return nullptr;
  return static_cast<T*>(tr.get());
}

/// A placeholder for a linear input during transposition: it has an aval but
/// no value (JAX's UndefinedPrimal).
Array undefined_primal(const Aval& aval);
bool is_undefined_primal(const Array& x);

/// The eager interpreter: checks shapes with the primitive's rule, allocates
/// the outputs and runs its CPU kernel now.
class EvalTrace final : public Trace {
 public:
  EvalTrace() : Trace(nullptr) {}
  std::vector<Array> process_primitive(const Primitive& p, std::span<const Array> in,
                                       const Params& params) override;
};

/// The innermost active trace of this thread (the EvalTrace when none).
Trace* current_trace();

/// Makes `t` the current trace for this scope (restores the previous on exit).
class TraceScope {
 public:
  explicit TraceScope(Trace* t);
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  Trace* saved_;
};

/// Applies a primitive: the single entry point of every op.
std::vector<Array> bind(const Primitive& p, std::span<const Array> in, const Params& params = {});
/// bind for single-output primitives.
Array bind1(const Primitive& p, std::span<const Array> in, const Params& params = {});
inline Array bind1(const Primitive& p, std::initializer_list<Array> in, const Params& params = {}) {
  return bind1(p, std::span<const Array>(in.begin(), in.size()), params);
}

/// Runs a primitive eagerly on concrete inputs, bypassing the trace stack.
std::vector<Array> eval_primitive(const Primitive& p, std::span<const Array> in,
                                  const Params& params);

}  // namespace jx
