// The jit_call primitive (internal): applies a compiled program. Its rules
// transform the program's jaxpr (jvp, vmap, transpose) and re-bind jit_call,
// so jit composes with every transformation, as pjit does in JAX.
#pragma once

#include "compiler/executable.h"

namespace jx::compiler {

const Primitive& jit_call_primitive();
/// Params for a jit_call of `exe`.
Params jit_call_params(std::shared_ptr<const Executable> exe);
/// The executable a jit_call's params hold.
const Executable& jit_call_executable(const Params& p);
/// A copy of the traced body of a jit_call.
ClosedJaxpr jit_call_body(const Params& p);

}  // namespace jx::compiler
