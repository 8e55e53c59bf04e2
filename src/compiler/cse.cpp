// Common subexpression elimination: two equations with the same primitive,
// equal params and the same inputs compute the same values (primitives are
// pure), so the second one's outputs are replaced by the first one's.
#include <cstring>
#include <unordered_map>

#include "compiler/passes.h"

namespace jx::compiler {
namespace {

// Literals are compared by value (dtype and bytes).
bool same_literal(const Array& a, const Array& b) {
  return a.dtype() == b.dtype() && a.weak_type() == b.weak_type() &&
         std::memcmp(a.data(), b.data(), size_t(a.dtype().itemsize())) == 0;
}

bool same_inputs(const Eqn& a, const Eqn& b) {
  if (a.inputs.size() != b.inputs.size()) return false;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const Atom &x = a.inputs[i], &y = b.inputs[i];
    if (x.is_literal() != y.is_literal()) return false;
    if (x.is_literal() ? !same_literal(x.literal, y.literal) : x.var != y.var) return false;
  }
  return true;
}

size_t key_of(const Eqn& e) {
  size_t h = std::hash<const void*>()(e.prim) ^ (e.params.hash() * 31);
  for (const Atom& a : e.inputs) h = h * 1000003 ^ (a.is_literal() ? 7 : size_t(a.var) + 11);
  return h;
}

}  // namespace

void substitute(Jaxpr& j, const std::vector<std::pair<int, Atom>>& subst) {
  if (subst.empty()) return;
  std::unordered_map<int, const Atom*> m;
  for (const auto& [from, to] : subst) m[from] = &to;
  auto fix = [&](Atom& a) {
    // Follow chains (a -> b -> c) introduced by successive rewrites.
    for (int guard = 0; !a.is_literal() && guard < 64; ++guard) {
      auto it = m.find(a.var);
      if (it == m.end()) break;
      a = *it->second;
    }
  };
  for (Eqn& e : j.eqns)
    for (Atom& a : e.inputs) fix(a);
  for (Atom& a : j.outvars) fix(a);
}

void cse(ClosedJaxpr& c) {
  Jaxpr& j = c.jaxpr;
  std::unordered_multimap<size_t, size_t> seen;  // key -> index into kept
  std::vector<Eqn> kept;
  std::unordered_map<int, Atom> rename;
  for (Eqn& e : j.eqns) {
    for (Atom& a : e.inputs)
      if (!a.is_literal())
        if (auto it = rename.find(a.var); it != rename.end()) a = it->second;
    size_t k = key_of(e);
    bool merged = false;
    auto range = seen.equal_range(k);
    for (auto it = range.first; it != range.second && !merged; ++it) {
      const Eqn& f = kept[it->second];
      if (f.prim == e.prim && f.params == e.params && same_inputs(f, e)) {
        for (size_t i = 0; i < e.outputs.size(); ++i) rename[e.outputs[i]] = Atom::of_var(f.outputs[i]);
        merged = true;
      }
    }
    if (merged) continue;
    seen.emplace(k, kept.size());
    kept.push_back(std::move(e));
  }
  j.eqns = std::move(kept);
  for (Atom& a : j.outvars)
    if (!a.is_literal())
      if (auto it = rename.find(a.var); it != rename.end()) a = it->second;
}

}  // namespace jx::compiler
