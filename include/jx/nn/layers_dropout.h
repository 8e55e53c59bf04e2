// jx::nn.Dropout, as equinox.nn.Dropout: inverted dropout. In training each
// element is kept with probability q = 1 - p (mask = jax.random.bernoulli(key,
// q, x.shape), the same draw as equinox for the same key) and kept elements
// are scaled by 1/q; with inference (or p == 0) the input passes unchanged.
// Works on any shape, batched or not.
#pragma once

#include <optional>

#include "jx/nn/layers_base.h"

namespace jx::nn {

/// equinox.nn.Dropout.
struct Dropout {
  double p = 0.5;          ///< drop probability, in [0, 1]
  bool inference = false;  ///< default mode; nn::inference_mode sets it

  Dropout() = default;
  explicit Dropout(double p, bool inference = false, Loc loc = Loc::current());
  /// `key`: needed unless in inference mode (else jx::Error); `inference`
  /// overrides the layer's flag for this call.
  Array operator()(const Array& x, const std::optional<Array>& key = std::nullopt,
                   std::optional<bool> inference = std::nullopt, Loc loc = Loc::current()) const;
};
JX_TREE(Dropout, p, inference);

}  // namespace jx::nn
