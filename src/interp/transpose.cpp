// Reverse mode's second half: transposing a linear jaxpr. Walks the equations
// backwards, handing each primitive's transpose rule the cotangents of its
// outputs; inputs that are linear (defined inside the jaxpr) are passed as
// undefined primals, the rest (constants, residuals) with their values.
#include <unordered_map>

#include "interp/traces.h"

namespace jx::interp {

std::vector<Array> backward_pass(const Jaxpr& j, std::span<const Array> consts,
                                 std::span<const Array> out_cts) {
  std::vector<Array> args;
  for (int v : j.invars) args.push_back(undefined_primal(j.avals[size_t(v)]));
  return backward_pass_with_args(j, consts, args, out_cts);
}

std::vector<Array> backward_pass_with_args(const Jaxpr& j, std::span<const Array> consts,
                                           std::span<const Array> args,
                                           std::span<const Array> out_cts) {
  if (consts.size() != j.constvars.size() || out_cts.size() != j.outvars.size() ||
      args.size() != j.invars.size())
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
  // Equations whose inputs are all known (no linear input) are not part of
  // the linear map: evaluate them forward first (e.g. the primal recomputation
  // inside a jitted tangent function), as JAX's backward_pass does.
  std::vector<bool> linear_eqn(j.eqns.size(), false);
  {
    std::unordered_map<int, bool> is_linear;
    for (size_t i = 0; i < j.invars.size(); ++i) {
      if (is_undefined_primal(args[i])) is_linear[j.invars[i]] = true;
      else known[j.invars[i]] = args[i];
    }
    for (size_t k = 0; k < j.eqns.size(); ++k) {
      const Eqn& e = j.eqns[k];
      bool lin = false;
      for (const Atom& a : e.inputs)
        if (!a.is_literal() && is_linear.count(a.var)) lin = true;
      if (lin) {
        linear_eqn[k] = true;
        for (int o : e.outputs) is_linear[o] = true;
        continue;
      }
      std::vector<Array> in;
      for (const Atom& a : e.inputs) in.push_back(a.is_literal() ? a.literal : known.at(a.var));
      std::vector<Array> outs = jx::bind(*e.prim, in, e.params);
      for (size_t i = 0; i < outs.size(); ++i) known[e.outputs[i]] = outs[i];
    }
  }
  for (size_t i = 0; i < j.outvars.size(); ++i)
    if (!j.outvars[i].is_literal()) accumulate(j.outvars[i].var, out_cts[i]);

  for (size_t k = j.eqns.size(); k-- > 0;) {
    const Eqn& e = j.eqns[k];
    if (!linear_eqn[k]) continue;
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
    if (known.count(v)) {
      result.push_back(Array());
      continue;
    }
    auto it = ct.find(v);
    result.push_back(it == ct.end() ? Array() : it->second);
  }
  return result;
}

}  // namespace jx::interp
