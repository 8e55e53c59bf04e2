// float32 convolutions on oneDNN (internal to the CPU backend): as a
// forward convolution, or, for the shape a kernel gradient has (a window
// larger than the output), as oneDNN's convolution backward_weights with
// batch and features trading places. Primitives are cached by geometry.
#pragma once

#include <string>

#include "backend/cpu/contract_kernels.h"

namespace jx::cpu {

/// out = conv(lhs, rhs) for float32 operands laid out as g's strides say.
/// Returns false, writing nothing, when oneDNN has no fast kernel for g.
/// Results do not depend on the thread count.
bool conv_onednn(const ConvGeometry& g, const float* lhs, const float* rhs, float* out);

/// "oneDNN <impl>" or "oneDNN backward_weights <impl>" for g, or "" when
/// conv_onednn would decline.
std::string conv_onednn_path(const ConvGeometry& g);

}  // namespace jx::cpu
