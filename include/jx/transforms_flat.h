// The type-erased core of the transformations: functions of flat lists of
// arrays. The templates in jx/transforms.h flatten C++ pytrees into these;
// the Python bindings will reuse them with Python pytrees.
#pragma once

#include <functional>
#include <optional>
#include <source_location>
#include <span>
#include <vector>

#include "jx/ir.h"

namespace jx {

using FlatFn = std::function<std::vector<Array>(std::span<const Array>)>;

/// Forward mode: (outputs, output tangents). Undefined tangents are zeros.
std::pair<std::vector<Array>, std::vector<Array>> jvp_flat(
    const FlatFn& f, std::span<const Array> primals, std::span<const Array> tangents,
    std::source_location loc = std::source_location::current());

/// A linear function of tangents, as a jaxpr with its residuals.
struct LinearFn {
  ClosedJaxpr jaxpr;            ///< invars: input tangents; outvars: output tangents
  std::vector<Aval> in_avals;   ///< avals of the primal inputs
  std::vector<Aval> out_avals;  ///< avals of the primal outputs
  /// Evaluates the linear map (jvp at the linearization point).
  std::vector<Array> operator()(std::span<const Array> tangents) const;
  /// Its transpose: output cotangents -> input cotangents (zeros materialized).
  std::vector<Array> transpose(std::span<const Array> cotangents) const;
};

/// Evaluates f at `primals` and returns its outputs and its linearization.
std::pair<std::vector<Array>, LinearFn> linearize_flat(
    const FlatFn& f, std::span<const Array> primals,
    std::source_location loc = std::source_location::current());

/// Reverse mode: outputs and the pullback (cotangents of outputs -> of inputs).
std::pair<std::vector<Array>, std::function<std::vector<Array>(std::span<const Array>)>>
vjp_flat(const FlatFn& f, std::span<const Array> primals,
         std::source_location loc = std::source_location::current());

/// vmap: in_axes[i] is the mapped axis of input i (nullopt: unmapped; negative
/// counts from the end); out_axes likewise for outputs (nullopt means the
/// output must be unbatched... as in JAX, an unbatched output is broadcast).
std::vector<Array> vmap_flat(const FlatFn& f, std::span<const Array> args,
                             std::span<const std::optional<int>> in_axes,
                             std::span<const std::optional<int>> out_axes,
                             std::optional<int64_t> axis_size = std::nullopt,
                             std::source_location loc = std::source_location::current());

/// Traces f on abstract inputs of the given avals and returns its jaxpr.
ClosedJaxpr make_jaxpr_flat(const FlatFn& f, std::span<const Aval> in_avals,
                            std::source_location loc = std::source_location::current());

/// stop_gradient: the identity whose derivative is zero.
Array stop_gradient(const Array& x, std::source_location loc = std::source_location::current());

}  // namespace jx
