// eval_jaxpr: binds each equation in order on the current trace, so running a
// jaxpr under a transformation transforms it (JAX's core.eval_jaxpr).
#include "jx/ir.h"

namespace jx {
namespace {

constexpr std::string_view kOp = "eval_jaxpr";

void bind_inputs(std::vector<Array>& env, const Jaxpr& j, const std::vector<int>& vars,
                 std::span<const Array> values, const char* what) {
  if (values.size() != vars.size())
    throw_error(kOp, "the jaxpr has " + std::to_string(vars.size()) + " " + what + "s, got " +
                         std::to_string(values.size()) + " values for them");
  for (size_t i = 0; i < vars.size(); ++i) {
    const Array& x = values[i];
    if (!x.defined()) throw_error(kOp, std::string(what) + " " + std::to_string(i) + " is an empty Array");
    int v = vars[i];
    if (v < 0 || size_t(v) >= env.size())
      throw_error(kOp, std::string(what) + " " + std::to_string(i) + " is variable #" +
                           std::to_string(v) + ", out of range (run verify_jaxpr)");
    const Aval& want = j.avals[size_t(v)];
    if (!(x.dtype() == want.dtype) || !(x.shape() == want.shape))
      throw_error(kOp, std::string(what) + " " + std::to_string(i) + " has aval " + x.aval().str() +
                           ", but the jaxpr expects " + want.str());
    env[size_t(v)] = x;
  }
}

}  // namespace

std::vector<Array> eval_jaxpr(const Jaxpr& j, std::span<const Array> consts,
                              std::span<const Array> args) {
  std::vector<Array> env(j.avals.size());
  bind_inputs(env, j, j.constvars, consts, "constvar");
  bind_inputs(env, j, j.invars, args, "invar");
  // k == eqns.size() stands for the outvars.
  auto read = [&](const Atom& a, size_t k) -> const Array& {
    if (a.is_literal()) return a.literal;
    if (a.var < 0 || size_t(a.var) >= env.size() || !env[size_t(a.var)].defined())
      throw_error(kOp, (k < j.eqns.size() ? "equation " + std::to_string(k) : std::string("an output")) +
                           " reads variable #" + std::to_string(a.var) +
                           ", which has no value (run verify_jaxpr)");
    return env[size_t(a.var)];
  };
  std::vector<Array> in;
  for (size_t k = 0; k < j.eqns.size(); ++k) {
    const Eqn& e = j.eqns[k];
    if (!e.prim) throw_error(kOp, "equation " + std::to_string(k) + " has no primitive");
    in.clear();
    for (const Atom& a : e.inputs) in.push_back(read(a, k));
    std::vector<Array> outs = jx::bind(*e.prim, in, e.params);
    if (outs.size() != e.outputs.size())
      throw_error(kOp, "equation " + std::to_string(k) + " (" + e.prim->name + ") has " +
                           std::to_string(e.outputs.size()) + " outputs, but binding it gave " +
                           std::to_string(outs.size()));
    for (size_t i = 0; i < outs.size(); ++i) {
      int v = e.outputs[i];
      if (v < 0 || size_t(v) >= env.size())
        throw_error(kOp, "equation " + std::to_string(k) + " writes variable #" + std::to_string(v) +
                             ", out of range (run verify_jaxpr)");
      env[size_t(v)] = std::move(outs[i]);
    }
  }
  std::vector<Array> result;
  result.reserve(j.outvars.size());
  for (const Atom& a : j.outvars) result.push_back(read(a, j.eqns.size()));
  return result;
}

}  // namespace jx
