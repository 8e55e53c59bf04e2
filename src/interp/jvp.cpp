// Forward-mode differentiation: the JVP interpreter.
#include "interp/traces.h"

namespace jx::interp {

Array JvpTrace::make(Array primal, Array tangent) {
  if (!tangent.defined()) return primal;  // a symbolic zero needs no tracer
  Aval aval = primal.aval();
  return make_tracer_array(std::move(aval),
                           std::make_shared<JvpTracer>(*this, std::move(primal), std::move(tangent)));
}

std::pair<Array, Array> JvpTrace::unpack(const Array& x) const {
  if (auto* t = tracer_of<JvpTracer>(x, *this)) return {t->primal, t->tangent};
  return {x, Array()};
}

std::vector<Array> JvpTrace::process_primitive(const Primitive& p, std::span<const Array> in,
                                               const Params& params) {
  std::vector<Array> primals, tangents;
  primals.reserve(in.size());
  tangents.reserve(in.size());
  bool any = false;
  for (const Array& x : in) {
    auto [pr, t] = unpack(x);
    any = any || t.defined();
    primals.push_back(std::move(pr));
    tangents.push_back(std::move(t));
  }
  TraceScope scope(parent());
  if (!any) return jx::bind(p, primals, params);
  if (!p.jvp)
    throw_error(p.name, "differentiation (jvp) of " + p.name + " is not implemented");
  auto [outs, touts] = p.jvp(primals, tangents, params);
  std::vector<Array> result;
  result.reserve(outs.size());
  for (size_t i = 0; i < outs.size(); ++i)
    result.push_back(make(std::move(outs[i]), i < touts.size() ? std::move(touts[i]) : Array()));
  return result;
}

}  // namespace jx::interp
