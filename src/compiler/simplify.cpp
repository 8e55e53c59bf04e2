// Algebraic simplification on the jaxpr. Each rewrite is exact in IEEE
// arithmetic (x*1, x/1, x-0; x+0 only for integers since -0+0 is +0), or a
// pure restructuring (double negation, convert to the same dtype, chains of
// reshapes, transposes and broadcasts collapse into one; a transpose that
// swaps the two free blocks of a dot_general's result becomes the dot_general
// with its operands swapped: (A B)^T = B^T A^T, so gradients of matmuls never
// materialize a transpose).
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>

#include "compiler/passes.h"

namespace jx::compiler {
namespace {

// The scalar value of an atom that is a literal, or a broadcast of a literal;
// NaN otherwise (NaN equals nothing, so no rewrite fires).
double scalar_value(const Atom& a, const std::unordered_map<int, const Eqn*>& def) {
  const Array* lit = nullptr;
  if (a.is_literal()) {
    lit = &a.literal;
  } else if (auto it = def.find(a.var); it != def.end() &&
                                        it->second->prim->name == "broadcast_in_dim" &&
                                        it->second->inputs[0].is_literal()) {
    lit = &it->second->inputs[0].literal;
  }
  if (!lit) return std::numeric_limits<double>::quiet_NaN();
  return lit->item<double>();
}

// perm swaps the [lhs free] and [rhs free] blocks of a dot_general result
// laid out [batch, lhs free, rhs free], keeping each block's order.
bool swaps_dot_blocks(const std::vector<int64_t>& perm, size_t nb, size_t nl, size_t nr) {
  if (perm.size() != nb + nl + nr || nl == 0 || nr == 0) return false;
  for (size_t i = 0; i < nb; ++i)
    if (perm[i] != int64_t(i)) return false;
  for (size_t i = 0; i < nr; ++i)
    if (perm[nb + i] != int64_t(nb + nl + i)) return false;
  for (size_t i = 0; i < nl; ++i)
    if (perm[nb + nr + i] != int64_t(nb + i)) return false;
  return true;
}

}  // namespace

void simplify(ClosedJaxpr& c) {
  Jaxpr& j = c.jaxpr;
  std::unordered_map<int, int> uses;
  for (const Eqn& e : j.eqns)
    for (const Atom& a : e.inputs)
      if (!a.is_literal()) ++uses[a.var];
  for (const Atom& a : j.outvars)
    if (!a.is_literal()) ++uses[a.var];
  std::unordered_map<int, const Eqn*> def;
  std::unordered_map<int, Atom> rename;
  std::vector<Eqn> out;
  out.reserve(j.eqns.size());
  auto aval = [&](const Atom& a) -> const Aval& { return j.aval_of(a); };
  for (Eqn& e : j.eqns) {
    for (Atom& a : e.inputs)
      if (!a.is_literal())
        if (auto it = rename.find(a.var); it != rename.end()) a = it->second;
    const std::string& n = e.prim->name;
    std::optional<Atom> replace;  // the whole eqn equals this atom
    if (e.outputs.size() == 1) {
      const Aval& oa = j.avals[size_t(e.outputs[0])];
      auto same_type = [&](const Atom& a) {
        return aval(a).shape == oa.shape && aval(a).dtype == oa.dtype;
      };
      if ((n == "mul" || n == "div" || n == "add" || n == "sub") && e.inputs.size() == 2) {
        auto rhs = scalar_value(e.inputs[1], def);
        auto lhs = scalar_value(e.inputs[0], def);
        bool is_int = !oa.dtype.is_floating();
        if (n == "mul" && rhs == 1.0 && same_type(e.inputs[0]))
          replace = e.inputs[0];
        else if (n == "mul" && lhs == 1.0 && same_type(e.inputs[1]))
          replace = e.inputs[1];
        else if (n == "div" && rhs == 1.0 && same_type(e.inputs[0]))
          replace = e.inputs[0];
        else if (n == "sub" && rhs == 0.0 && same_type(e.inputs[0]))
          replace = e.inputs[0];
        else if (n == "add" && is_int && rhs == 0.0 && same_type(e.inputs[0]))
          replace = e.inputs[0];
        else if (n == "add" && is_int && lhs == 0.0 && same_type(e.inputs[1]))
          replace = e.inputs[1];
      } else if (n == "stop_gradient") {
        // Compiled programs only run forward; transformations of a jitted
        // function transform the traced body, which keeps it.
        replace = e.inputs[0];
      } else if (n == "neg" && !e.inputs[0].is_literal()) {
        auto it = def.find(e.inputs[0].var);
        if (it != def.end() && it->second->prim->name == "neg") replace = it->second->inputs[0];
      } else if (n == "convert_element_type" && same_type(e.inputs[0]) &&
                 aval(e.inputs[0]).weak_type == oa.weak_type) {
        replace = e.inputs[0];
      } else if ((n == "reshape" || n == "squeeze" || n == "expand_dims") &&
                 same_type(e.inputs[0])) {
        replace = e.inputs[0];
      } else if (n == "reshape" && !e.inputs[0].is_literal()) {
        // reshape of a reshape/squeeze/expand_dims: reshape the original.
        auto it = def.find(e.inputs[0].var);
        if (it != def.end()) {
          const std::string& m = it->second->prim->name;
          if (m == "reshape" || m == "squeeze" || m == "expand_dims")
            e.inputs[0] = it->second->inputs[0];
        }
      } else if (n == "transpose") {
        auto perm = e.params.get_ints("permutation");
        bool identity = true;
        for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == int64_t(i);
        if (identity) {
          replace = e.inputs[0];
        } else if (!e.inputs[0].is_literal()) {
          auto it = def.find(e.inputs[0].var);
          const Eqn* d = it != def.end() ? it->second : nullptr;
          if (d && d->prim->name == "dot_general" && uses[e.inputs[0].var] == 1) {
            const auto& lb = d->params.get_ints("lhs_batch_dimensions");
            const auto& lc = d->params.get_ints("lhs_contracting_dimensions");
            const auto& rc = d->params.get_ints("rhs_contracting_dimensions");
            size_t nl = size_t(aval(d->inputs[0]).ndim()) - lb.size() - lc.size();
            size_t nr = size_t(aval(d->inputs[1]).ndim()) - lb.size() - rc.size();
            if (swaps_dot_blocks(perm, lb.size(), nl, nr)) {
              Params p = d->params;
              p.set("lhs_contracting_dimensions", d->params.get_ints("rhs_contracting_dimensions"));
              p.set("rhs_contracting_dimensions", d->params.get_ints("lhs_contracting_dimensions"));
              p.set("lhs_batch_dimensions", d->params.get_ints("rhs_batch_dimensions"));
              p.set("rhs_batch_dimensions", d->params.get_ints("lhs_batch_dimensions"));
              e.prim = d->prim;
              e.params = std::move(p);
              e.inputs = {d->inputs[1], d->inputs[0]};
            }
          } else if (d && d->prim->name == "transpose") {
            // transpose(transpose(x, p), q) = transpose(x, p[q])
            const auto& p = it->second->params.get_ints("permutation");
            std::vector<int64_t> composed;
            for (int64_t q : perm) composed.push_back(p[size_t(q)]);
            e.inputs[0] = it->second->inputs[0];
            e.params.set("permutation", composed);
            bool id2 = true;
            for (size_t i = 0; i < composed.size(); ++i) id2 = id2 && composed[i] == int64_t(i);
            if (id2) replace = e.inputs[0];
          }
        }
      } else if (n == "broadcast_in_dim") {
        if (same_type(e.inputs[0])) {
          replace = e.inputs[0];
        } else if (!e.inputs[0].is_literal()) {
          auto it = def.find(e.inputs[0].var);
          if (it != def.end() && it->second->prim->name == "broadcast_in_dim") {
            // broadcast(broadcast(x, d1), d2): x's dim i lands at d2[d1[i]].
            const auto& d1 = it->second->params.get_ints("broadcast_dimensions");
            const auto& d2 = e.params.get_ints("broadcast_dimensions");
            std::vector<int64_t> composed;
            for (int64_t d : d1) composed.push_back(d2[size_t(d)]);
            e.inputs[0] = it->second->inputs[0];
            e.params.set("broadcast_dimensions", composed);
          }
        }
      }
    }
    if (replace && !e.outputs.empty()) {
      rename[e.outputs[0]] = *replace;
      continue;
    }
    out.push_back(std::move(e));  // no reallocation: reserved above
    for (int o : out.back().outputs) def[o] = &out.back();
  }
  j.eqns = std::move(out);
  for (Atom& a : j.outvars)
    if (!a.is_literal())
      if (auto it = rename.find(a.var); it != rename.end()) a = it->second;
}

}  // namespace jx::compiler
