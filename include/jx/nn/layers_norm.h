// jx::nn normalization layers: LayerNorm, RMSNorm, GroupNorm, BatchNorm.
//
// Statistics are computed in at least float32 (a float16/bfloat16 input is
// upcast and the result cast back), variances are biased (divide by n), and
// eps defaults to 1e-5, as equinox.
//
// Batching: LayerNorm and RMSNorm normalize over their trailing `shape`, so
// any leading dims are batch dims ([..., *shape]). GroupNorm takes one example
// [C, spatial...] (equinox) via operator() and a batch [N, C, spatial...] via
// batched(). BatchNorm always takes a batch [N, C, spatial...].
//
// BatchNorm has no hidden state: running statistics live in a BatchNormState
// that the call takes and returns. Training (inference false) normalizes
// with the batch's statistics over N and the spatial dims and returns
// running = momentum * running + (1 - momentum) * batch; inference
// normalizes with the running statistics and returns the state unchanged.
// These are flax.linen.BatchNorm / PyTorch semantics; equinox's default
// "ema" mode differs in normalizing training batches with the updated
// running average (see docs/nn.md).
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "jx/nn/layers_base.h"

namespace jx::nn {

/// equinox.nn.LayerNorm over the trailing dims `shape`.
struct LayerNorm {
  std::optional<Array> weight;  ///< `shape`, ones at init
  std::optional<Array> bias;    ///< `shape`, zeros at init
  std::vector<int64_t> shape;
  double eps = 1e-5;
  bool use_weight = true, use_bias = true;

  LayerNorm() = default;
  explicit LayerNorm(std::vector<int64_t> shape, double eps = 1e-5, bool use_weight = true,
                     bool use_bias = true, DType dtype = float32, Loc loc = Loc::current());
  /// x: [..., *shape].
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
};
JX_TREE(LayerNorm, weight, bias, shape, eps, use_weight, use_bias);

/// equinox.nn.RMSNorm: x / sqrt(mean(x^2) + eps) * weight + bias over `shape`.
struct RMSNorm {
  std::optional<Array> weight;
  std::optional<Array> bias;
  std::vector<int64_t> shape;
  double eps = 1e-5;
  bool use_weight = true, use_bias = true;

  RMSNorm() = default;
  explicit RMSNorm(std::vector<int64_t> shape, double eps = 1e-5, bool use_weight = true,
                   bool use_bias = true, DType dtype = float32, Loc loc = Loc::current());
  /// x: [..., *shape].
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
};
JX_TREE(RMSNorm, weight, bias, shape, eps, use_weight, use_bias);

/// equinox.nn.GroupNorm: channels split into `groups`, each normalized over
/// its channels and all spatial positions; then a per-channel affine.
struct GroupNorm {
  std::optional<Array> weight;  ///< [channels]
  std::optional<Array> bias;    ///< [channels]
  int64_t groups = 1, channels = 0;
  double eps = 1e-5;
  bool channelwise_affine = true;

  GroupNorm() = default;
  /// groups divides channels.
  GroupNorm(int64_t groups, int64_t channels, double eps = 1e-5, bool channelwise_affine = true,
            DType dtype = float32, Loc loc = Loc::current());
  /// One example: x [channels, spatial...].
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
  /// A batch: x [N, channels, spatial...].
  Array batched(const Array& x, Loc loc = Loc::current()) const;
};
JX_TREE(GroupNorm, weight, bias, groups, channels, eps, channelwise_affine);

/// BatchNorm's running statistics (the state threaded through calls).
struct BatchNormState {
  Array running_mean;  ///< [C]
  Array running_var;   ///< [C]
};
JX_TREE(BatchNormState, running_mean, running_var);

/// equinox.nn.BatchNorm, functional: y, new_state = bn(x, state).
struct BatchNorm {
  std::optional<Array> weight;  ///< [C], ones
  std::optional<Array> bias;    ///< [C], zeros
  int64_t input_size = 0;
  double eps = 1e-5;
  double momentum = 0.99;
  bool channelwise_affine = true;
  bool inference = false;  ///< default mode; nn::inference_mode sets it

  BatchNorm() = default;
  explicit BatchNorm(int64_t input_size, double eps = 1e-5, bool channelwise_affine = true,
                     double momentum = 0.99, bool inference = false, DType dtype = float32,
                     Loc loc = Loc::current());
  /// The initial state: running mean 0, running variance 1.
  BatchNormState init_state() const;
  /// x: [N, C, spatial...]. `inference` overrides the layer's flag.
  std::pair<Array, BatchNormState> operator()(const Array& x, const BatchNormState& state,
                                              std::optional<bool> inference = std::nullopt,
                                              Loc loc = Loc::current()) const;
};
JX_TREE(BatchNorm, weight, bias, input_size, eps, momentum, channelwise_affine, inference);

}  // namespace jx::nn
