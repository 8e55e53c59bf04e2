// Reverse mode's second half: transposing a linear jaxpr. Walks the equations
// backwards, handing each primitive's transpose rule the cotangents of its
// outputs; inputs that are linear (defined inside the jaxpr) are passed as
// undefined primals, the rest (constants, residuals) with their values.
#include <unordered_map>

#include "interp/traces.h"

namespace jx::interp {

std::vector<Array> backward_pass(const Jaxpr& j, std::span<const Array> consts,
                                 std::span<const Array> out_cts) {
  if (consts.size() != j.constvars.size() || out_cts.size() != j.outvars.size())
    throw_error("vjp", "internal: backward_pass got " + std::to_string(consts.size()) +
                           " consts and " + std::to_string(out_cts.size()) + " cotangents");
  std::unordered_map<int, Array> known;  // constvars
  for (size_t i = 0; i < consts.size(); ++i) known[j.constvars[i]] = consts[i];
  std::unordered_map<int, Array> ct;
  auto accumulate = [&](int v, const Array& c) {
    if (!c.defined() || known.count(v)) return;
    auto it = ct.find(v);
    if (it == ct.end()) ct.emplace(v, c);
    else it->second = add_tangents(it->second, c);
  };
  for (size_t i = 0; i < j.outvars.size(); ++i)
    if (!j.outvars[i].is_literal()) accumulate(j.outvars[i].var, out_cts[i]);

  for (size_t k = j.eqns.size(); k-- > 0;) {
    const Eqn& e = j.eqns[k];
    std::vector<Array> cts;
    bool any = false;
    for (int o : e.outputs) {
      auto it = ct.find(o);
      cts.push_back(it == ct.end() ? Array() : it->second);
      any = any || cts.back().defined();
      if (it != ct.end()) ct.erase(it);
    }
    if (!any) continue;
    if (cts.size() > 1)  // multi-output rules get materialized zeros
      for (size_t i = 0; i < cts.size(); ++i)
        if (!cts[i].defined()) cts[i] = zeros_like_aval(j.avals[size_t(e.outputs[i])]);
    std::vector<Array> inputs;
    for (const Atom& a : e.inputs) {
      if (a.is_literal()) inputs.push_back(a.literal);
      else if (auto it = known.find(a.var); it != known.end()) inputs.push_back(it->second);
      else inputs.push_back(undefined_primal(j.avals[size_t(a.var)]));
    }
    if (!e.prim->transpose)
      throw_error(e.prim->name, "reverse-mode differentiation needs the transpose of " +
                                    e.prim->name + ", which is not implemented (it is not linear, "
                                    "or its rule is missing)");
    std::vector<Array> in_cts = e.prim->transpose(cts, inputs, e.params);
    for (size_t i = 0; i < e.inputs.size() && i < in_cts.size(); ++i)
      if (!e.inputs[i].is_literal() && is_undefined_primal(inputs[i]))
        accumulate(e.inputs[i].var, in_cts[i]);
  }
  std::vector<Array> result;
  for (int v : j.invars) {
    auto it = ct.find(v);
    result.push_back(it == ct.end() ? Array() : it->second);
  }
  return result;
}

}  // namespace jx::interp
