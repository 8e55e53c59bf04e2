// IR passes over jaxprs (internal). Each pass is a free function in its own
// file, rewrites a ClosedJaxpr in place and keeps it valid (verify_jaxpr
// holds before and after; the pipeline checks it in debug builds).
#pragma once

#include <string>
#include <vector>

#include "jx/ir.h"

namespace jx::compiler {

/// Removes equations whose outputs are never used, and unused constvars.
void dce(ClosedJaxpr& j);
/// Common subexpression elimination: equal primitive, params and inputs.
void cse(ClosedJaxpr& j);
/// Evaluates equations whose inputs are all constants (up to a size limit);
/// the results become constants.
void constant_fold(ClosedJaxpr& j);
/// Algebraic simplification: x*1, x/1, x-0 (and x+0 for integers), double
/// negation, convert to the same dtype, reshape/transpose/broadcast chains,
/// stop_gradient (the identity when running forward).
void simplify(ClosedJaxpr& j);
/// Splices the bodies of nested jit calls into the enclosing jaxpr.
void inline_calls(ClosedJaxpr& j);

/// The standard pipeline; with `log` set, appends "-- after <pass>\n<ir>" to it.
void optimize(ClosedJaxpr& j, std::string* log = nullptr);

/// Replaces every use of variable `from` by atom `to` (in eqns and outvars).
void substitute(Jaxpr& j, const std::vector<std::pair<int, Atom>>& subst);

}  // namespace jx::compiler
