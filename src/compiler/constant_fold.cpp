// Constant folding: an equation whose inputs are all literals or constvars is
// evaluated now, with the eager kernels, and its outputs become constants
// (0-d results become literals). Outputs larger than kMaxFoldElements are left
// alone so folding never bloats a program with big constants, and so are
// equations whose output is larger than every input (a broadcast of a literal
// stays symbolic: fusion turns it into a constant or a stride-0 load, never
// a materialized array).
#include <algorithm>
#include <unordered_map>

#include "compiler/passes.h"

namespace jx::compiler {
namespace {
constexpr int64_t kMaxFoldElements = 1 << 16;
}

void constant_fold(ClosedJaxpr& c) {
  Jaxpr& j = c.jaxpr;
  std::unordered_map<int, Array> known;
  for (size_t i = 0; i < j.constvars.size(); ++i) known[j.constvars[i]] = c.consts[i];
  std::unordered_map<int, Atom> rename;
  std::vector<Eqn> kept;
  for (Eqn& e : j.eqns) {
    for (Atom& a : e.inputs)
      if (!a.is_literal())
        if (auto it = rename.find(a.var); it != rename.end()) a = it->second;
    bool all_known = !e.prim->impl ? false : true;
    std::vector<Array> in;
    for (const Atom& a : e.inputs) {
      if (a.is_literal()) {
        in.push_back(a.literal);
      } else if (auto it = known.find(a.var); it != known.end() && !it->second.is_tracer()) {
        in.push_back(it->second);
      } else {
        all_known = false;
        break;
      }
    }
    int64_t out_elems = 0, max_in_elems = 1;
    for (int o : e.outputs) out_elems += j.avals[size_t(o)].size();
    for (const Array& x : in) max_in_elems = std::max(max_in_elems, x.size());
    // Custom calls run user code: leave them to execution.
    bool opaque = false;
    for (const auto& [k, v] : e.params.items())
      opaque = opaque || std::holds_alternative<OpaqueParam>(v);
    if (!all_known || out_elems > kMaxFoldElements || out_elems > max_in_elems || opaque) {
      kept.push_back(std::move(e));
      continue;
    }
    std::vector<Array> outs = eval_primitive(*e.prim, in, e.params);
    for (size_t i = 0; i < outs.size(); ++i) {
      int v = e.outputs[i];
      if (outs[i].ndim() == 0) {
        rename[v] = Atom::of_literal(outs[i]);
      } else {
        known[v] = outs[i];
        j.constvars.push_back(v);
        c.consts.push_back(outs[i]);
      }
    }
  }
  j.eqns = std::move(kept);
  for (Atom& a : j.outvars)
    if (!a.is_literal())
      if (auto it = rename.find(a.var); it != rename.end()) a = it->second;
}

}  // namespace jx::compiler
