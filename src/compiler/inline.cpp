// Inlining: a jit_call equation inside a jaxpr is replaced by the equations
// of its body, with fresh variables, so the whole program is optimized and
// fused as one.
#include <unordered_map>

#include "compiler/jit_call.h"
#include "compiler/passes.h"

namespace jx::compiler {

void inline_calls(ClosedJaxpr& c) {
  Jaxpr& j = c.jaxpr;
  bool any = false;
  for (const Eqn& e : j.eqns) any = any || e.prim == &jit_call_primitive();
  if (!any) return;
  std::vector<Eqn> out;
  std::unordered_map<int, Atom> rename;
  for (Eqn& e : j.eqns) {
    for (Atom& a : e.inputs)
      if (!a.is_literal())
        if (auto it = rename.find(a.var); it != rename.end()) a = it->second;
    if (e.prim != &jit_call_primitive()) {
      out.push_back(std::move(e));
      continue;
    }
    ClosedJaxpr body = jit_call_body(e.params);  // a copy
    inline_calls(body);
    std::unordered_map<int, Atom> env;
    for (size_t i = 0; i < body.jaxpr.invars.size(); ++i) env[body.jaxpr.invars[i]] = e.inputs[i];
    for (size_t i = 0; i < body.jaxpr.constvars.size(); ++i) {
      int v = j.new_var(body.jaxpr.avals[size_t(body.jaxpr.constvars[i])]);
      j.constvars.push_back(v);
      c.consts.push_back(body.consts[i]);
      env[body.jaxpr.constvars[i]] = Atom::of_var(v);
    }
    for (Eqn& be : body.jaxpr.eqns) {
      Eqn ne;
      ne.prim = be.prim;
      ne.params = be.params;
      for (const Atom& a : be.inputs) ne.inputs.push_back(a.is_literal() ? a : env.at(a.var));
      for (int o : be.outputs) {
        int v = j.new_var(body.jaxpr.avals[size_t(o)]);
        env[o] = Atom::of_var(v);
        ne.outputs.push_back(v);
      }
      out.push_back(std::move(ne));
    }
    for (size_t i = 0; i < e.outputs.size(); ++i) {
      const Atom& a = body.jaxpr.outvars[i];
      rename[e.outputs[i]] = a.is_literal() ? a : env.at(a.var);
    }
  }
  j.eqns = std::move(out);
  for (Atom& a : j.outvars)
    if (!a.is_literal())
      if (auto it = rename.find(a.var); it != rename.end()) a = it->second;
}

void optimize(ClosedJaxpr& j, std::string* log) {
  auto step = [&](const char* name, void (*pass)(ClosedJaxpr&)) {
    pass(j);
#ifndef NDEBUG
    verify_jaxpr(j.jaxpr);
#endif
    if (log) *log += std::string("-- after ") + name + "\n" + j.str() + "\n";
  };
  step("inline_calls", inline_calls);
  step("simplify", simplify);
  step("constant_fold", constant_fold);
  step("cse", cse);
  step("simplify", simplify);
  step("dce", dce);
}

}  // namespace jx::compiler
