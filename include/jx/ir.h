// The IR: jaxprs. A Jaxpr is typed SSA over array values: constvars (values
// closed over), invars, equations (a primitive applied to atoms, producing
// new vars) and outvars. It prints in JAX's jaxpr style, parses back from that
// text, and has a verifier. make_jaxpr, jit and linearize produce jaxprs;
// eval_jaxpr interprets one by binding each equation on the current trace, so
// interpreting a jaxpr under a transformation transforms it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jx/primitive.h"

namespace jx {

/// An equation input: a variable, or a literal (a concrete 0-d array).
struct Atom {
  int var = -1;   ///< variable id, or -1 for a literal
  Array literal;  ///< the value when var < 0
  bool is_literal() const { return var < 0; }
  static Atom of_var(int v) { return Atom{v, Array()}; }
  static Atom of_literal(Array a) { return Atom{-1, std::move(a)}; }
};

struct Eqn {
  const Primitive* prim = nullptr;
  std::vector<Atom> inputs;
  std::vector<int> outputs;  ///< variable ids
  Params params;
};

struct Jaxpr {
  std::vector<Aval> avals;  ///< the aval of each variable id
  std::vector<int> constvars;
  std::vector<int> invars;
  std::vector<Eqn> eqns;
  std::vector<Atom> outvars;

  /// A fresh variable of the given aval.
  int new_var(Aval aval) {
    avals.push_back(std::move(aval));
    return int(avals.size()) - 1;
  }
  const Aval& aval_of(const Atom& a) const {
    return a.is_literal() ? a.literal.aval() : avals[size_t(a.var)];
  }
  /// Jaxpr text: `{ lambda a:f32[3]; b:f32[3]. let c:f32[3] = mul a b in (c,) }`.
  std::string str() const;
};

/// A jaxpr with the values of its constvars.
struct ClosedJaxpr {
  Jaxpr jaxpr;
  std::vector<Array> consts;
  std::string str() const { return jaxpr.str(); }
  std::vector<Aval> in_avals() const;
  std::vector<Aval> out_avals() const;
};

std::ostream& operator<<(std::ostream& os, const Jaxpr& j);
std::ostream& operator<<(std::ostream& os, const ClosedJaxpr& j);

/// Parses jaxpr text (as str() prints it) back into a Jaxpr. Errors name the
/// line and column. Primitives are looked up in the registry.
Jaxpr parse_jaxpr(std::string_view text);

/// Checks types, SSA (each var defined once, before use), arities and that
/// every equation's outputs match its primitive's shape rule. Throws jx::Error.
void verify_jaxpr(const Jaxpr& j);

/// Interprets the jaxpr on the current trace: binds each equation in order.
std::vector<Array> eval_jaxpr(const Jaxpr& j, std::span<const Array> consts,
                              std::span<const Array> args);

}  // namespace jx
