#include "interp/traces.h"
#include "jx/lax.h"

namespace jx::interp {

Array StagingTrace::new_arg(const Aval& aval) {
  int v = jaxpr_.new_var(aval);
  jaxpr_.invars.push_back(v);
  return make_tracer_array(aval, std::make_shared<VarTracer>(*this, v));
}

Atom StagingTrace::atom_of(const Array& x) {
  if (auto* t = tracer_of<VarTracer>(x, *this)) return Atom::of_var(t->var);
  const ArrayImpl* key = x.impl_ptr().get();
  // Concrete scalars are inlined as literals, as JAX does for Python scalars.
  if (!x.is_tracer() && x.ndim() == 0) return Atom::of_literal(x);
  auto it = const_index_.find(key);
  if (it != const_index_.end()) return Atom::of_var(it->second);
  int v = jaxpr_.new_var(x.aval());
  jaxpr_.constvars.push_back(v);
  consts_.push_back(x);
  const_index_[key] = v;
  return Atom::of_var(v);
}

std::vector<Array> StagingTrace::process_primitive(const Primitive& p, std::span<const Array> in,
                                                   const Params& params) {
  if (partial_eval_) {
    bool any_unknown = false;
    for (const Array& x : in) any_unknown = any_unknown || tracer_of<VarTracer>(x, *this);
    if (!any_unknown) {
      TraceScope scope(parent());
      return jx::bind(p, in, params);
    }
  }
  std::vector<Aval> in_avals;
  in_avals.reserve(in.size());
  for (const Array& x : in) in_avals.push_back(x.aval());
  std::vector<Aval> out_avals = p.abstract_eval(in_avals, params);
  Eqn e;
  e.prim = &p;
  e.params = params;
  for (const Array& x : in) e.inputs.push_back(atom_of(x));
  std::vector<Array> outs;
  for (Aval& a : out_avals) {
    int v = jaxpr_.new_var(a);
    e.outputs.push_back(v);
    outs.push_back(make_tracer_array(std::move(a), std::make_shared<VarTracer>(*this, v)));
  }
  jaxpr_.eqns.push_back(std::move(e));
  return outs;
}

ClosedJaxpr StagingTrace::finish(std::span<const Array> outs) {
  for (const Array& x : outs) jaxpr_.outvars.push_back(atom_of(x));
  ClosedJaxpr c;
  c.jaxpr = std::move(jaxpr_);
  c.consts = std::move(consts_);
  jaxpr_ = Jaxpr();
  consts_.clear();
  const_index_.clear();
  return c;
}

Array zeros_like_aval(const Aval& a) {
  Array z = scalar_array(0.0, a.dtype, a.weak_type);
  if (a.shape.empty()) return z;
  return lax::broadcast_in_dim(z, a.shape, {});
}

Array add_tangents(const Array& a, const Array& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return lax::add(a, b);
}

}  // namespace jx::interp
