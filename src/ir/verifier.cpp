// verify_jaxpr: SSA (every variable defined once, before its uses), literal
// atoms, and every equation's outputs against its primitive's shape rule
// (dtype and shape; weak_type is not compared, since the text form drops it).
// Messages name the equation index, its primitive and the printed names of
// the variables involved.
#include <algorithm>

#include "jx/ir.h"

namespace jx {
namespace ir_detail {
std::vector<std::string> var_names(const Jaxpr& j);  // printer.cpp
}  // namespace ir_detail

namespace {

constexpr std::string_view kOp = "verify_jaxpr";

// Extra avals placed after an equation's operands when its shape rule runs.
// Rules index their operands without always checking the count first; if an
// equation has too few operands, such a rule reads these (a bool of a shape
// no equation declares) instead of memory past the end, and the output check
// or the rule itself then rejects the equation.
constexpr size_t kPadding = 8;
Aval padding_aval() { return Aval{bool_, Shape{0, 0, 0, 0, 0, 0, 0}, false}; }

class Verifier {
 public:
  explicit Verifier(const Jaxpr& j) : j_(j), names_(ir_detail::var_names(j)), defined_(j.avals.size()) {}

  void run() {
    for (size_t i = 0; i < j_.constvars.size(); ++i) define(j_.constvars[i], "constvar " + std::to_string(i));
    for (size_t i = 0; i < j_.invars.size(); ++i) define(j_.invars[i], "invar " + std::to_string(i));
    for (size_t k = 0; k < j_.eqns.size(); ++k) equation(k);
    for (size_t i = 0; i < j_.outvars.size(); ++i) use(j_.outvars[i], "output " + std::to_string(i));
  }

 private:
  std::string name(int v) const {
    return v >= 0 && size_t(v) < names_.size() ? "'" + names_[size_t(v)] + "'" : "#" + std::to_string(v);
  }
  bool in_range(int v) const { return v >= 0 && size_t(v) < j_.avals.size(); }

  [[noreturn]] void fail(const std::string& message) const { throw_error(kOp, context_ + message); }

  void define(int v, const std::string& what) {
    if (!in_range(v))
      fail(what + " is variable #" + std::to_string(v) + ", but the jaxpr has only " +
           std::to_string(j_.avals.size()) + " variables");
    if (defined_[size_t(v)]) fail(what + " redefines variable " + name(v));
    defined_[size_t(v)] = true;
  }

  void use(const Atom& a, const std::string& what) {
    if (a.is_literal()) {
      if (!a.literal.defined()) fail(what + " is a literal holding an empty Array");
      if (a.literal.ndim() != 0)
        fail(what + " is a literal of aval " + a.literal.aval().str() + "; literals must be scalars");
      return;
    }
    if (!in_range(a.var))
      fail(what + " is variable #" + std::to_string(a.var) + ", but the jaxpr has only " +
           std::to_string(j_.avals.size()) + " variables");
    if (!defined_[size_t(a.var)]) fail(what + " uses " + name(a.var) + " before it is defined");
  }

  void equation(size_t k) {
    const Eqn& e = j_.eqns[k];
    context_ = "equation " + std::to_string(k) + " (" + (e.prim ? e.prim->name : "<null>") + "): ";
    if (!e.prim) fail("has no primitive");
    std::vector<Aval> in;
    in.reserve(e.inputs.size() + kPadding);
    for (size_t i = 0; i < e.inputs.size(); ++i) {
      use(e.inputs[i], "operand " + std::to_string(i));
      in.push_back(j_.aval_of(e.inputs[i]));
    }
    size_t n_in = in.size();
    for (size_t i = 0; i < kPadding; ++i) in.push_back(padding_aval());
    const std::string too_few = "has too few operands (" + std::to_string(n_in) +
                                "): its shape rule reads past them";
    const std::string pad_str = padding_aval().str();
    std::vector<Aval> expected;
    try {
      expected = e.prim->abstract_eval(std::span<const Aval>(in.data(), n_in), e.params);
    } catch (const Error& err) {
      std::string msg = err.what();
      if (msg.find(pad_str) != std::string::npos) fail(too_few);
      fail("the shape rule rejects it: " + msg);
    }
    for (const Aval& o : expected)
      if (o.shape == padding_aval().shape) fail(too_few);
    if (expected.size() != e.outputs.size())
      fail("has " + std::to_string(e.outputs.size()) + " outputs, but the primitive gives " +
           std::to_string(expected.size()));
    for (size_t i = 0; i < e.outputs.size(); ++i) {
      int v = e.outputs[i];
      define(v, "output " + std::to_string(i));
      const Aval& got = j_.avals[size_t(v)];
      if (!(got.dtype == expected[i].dtype) || !(got.shape == expected[i].shape))
        fail("output " + std::to_string(i) + " " + name(v) + " is declared " + got.str() +
             ", but the primitive gives " + expected[i].str() + " for operands " + operands_str(in, n_in));
    }
    context_.clear();
  }

  static std::string operands_str(const std::vector<Aval>& in, size_t n) {
    std::string s = "(";
    for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + in[i].str();
    return s + ")";
  }

  const Jaxpr& j_;
  std::vector<std::string> names_;
  std::vector<bool> defined_;
  std::string context_;
};

}  // namespace

void verify_jaxpr(const Jaxpr& j) { Verifier(j).run(); }

}  // namespace jx
