// Dead code elimination: every primitive is pure, so an equation none of whose
// outputs is used can go. One backward sweep over the equations.
#include <unordered_set>

#include "compiler/passes.h"

namespace jx::compiler {

void dce(ClosedJaxpr& c) {
  Jaxpr& j = c.jaxpr;
  std::unordered_set<int> live;
  for (const Atom& a : j.outvars)
    if (!a.is_literal()) live.insert(a.var);
  std::vector<Eqn> kept;
  for (size_t k = j.eqns.size(); k-- > 0;) {
    Eqn& e = j.eqns[k];
    bool used = false;
    for (int o : e.outputs) used = used || live.count(o);
    if (!used) continue;
    for (const Atom& a : e.inputs)
      if (!a.is_literal()) live.insert(a.var);
    kept.push_back(std::move(e));
  }
  j.eqns.assign(std::make_move_iterator(kept.rbegin()), std::make_move_iterator(kept.rend()));
  // Drop constants nothing reads.
  std::vector<int> cv;
  std::vector<Array> consts;
  for (size_t i = 0; i < j.constvars.size(); ++i)
    if (live.count(j.constvars[i])) {
      cv.push_back(j.constvars[i]);
      consts.push_back(c.consts[i]);
    }
  j.constvars = std::move(cv);
  c.consts = std::move(consts);
}

}  // namespace jx::compiler
