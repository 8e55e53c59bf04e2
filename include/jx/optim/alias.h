// Ready-made optimizers (optax's aliases), each a chain of the building
// blocks in jx/optim/transform.h with optax's defaults. Learning rates are a
// double or a Schedule. Options are aggregates for designated initializers:
//   auto opt = optim::adamw(sched, {.weight_decay = 1e-4});
#pragma once

#include <optional>

#include "jx/optim/base.h"
#include "jx/optim/mask.h"
#include "jx/optim/schedule.h"
#include "jx/optim/transform.h"

namespace jx::optim {

/// Options of sgd.
struct SgdOptions {
  std::optional<double> momentum = {};  ///< none: plain SGD
  bool nesterov = false;
};
/// optax.sgd: chain(trace(momentum, nesterov) if momentum, scale_by_learning_rate(lr)).
GradientTransformation sgd(ScalarOrSchedule learning_rate, SgdOptions opts = {});

/// optax.adam: chain(scale_by_adam(opts), scale_by_learning_rate(lr)).
GradientTransformation adam(ScalarOrSchedule learning_rate, AdamOptions opts = {});

/// Options of adamw.
struct AdamWOptions {
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-8;
  double eps_root = 0.0;
  double weight_decay = 1e-4;
  Mask mask = {};  ///< leaves that get weight decay (all by default)
  bool nesterov = false;
};
/// optax.adamw: chain(scale_by_adam, add_decayed_weights(weight_decay, mask),
/// scale_by_learning_rate(lr)). Needs params.
GradientTransformation adamw(ScalarOrSchedule learning_rate, AdamWOptions opts = {});

/// Options of lion.
struct LionOptions {
  double b1 = 0.9;
  double b2 = 0.99;
  double weight_decay = 1e-3;
  Mask mask = {};
};
/// optax.lion: chain(scale_by_lion, add_decayed_weights, scale_by_learning_rate).
/// Needs params.
GradientTransformation lion(ScalarOrSchedule learning_rate, LionOptions opts = {});

/// Options of rmsprop.
struct RmsPropOptions {
  double decay = 0.9;
  double eps = 1e-8;
  double initial_scale = 0.0;
  bool eps_in_sqrt = true;
  bool centered = false;                ///< divide by the standard deviation
  std::optional<double> momentum = {};  ///< momentum after the learning rate
  bool nesterov = false;
  bool bias_correction = false;
};
/// optax.rmsprop: chain(scale_by_rms or scale_by_stddev (centered),
/// scale_by_learning_rate(lr), trace(momentum) if momentum).
GradientTransformation rmsprop(ScalarOrSchedule learning_rate, RmsPropOptions opts = {});

/// Options of adagrad.
struct AdagradOptions {
  double initial_accumulator_value = 0.1;
  double eps = 1e-7;
};
/// optax.adagrad: chain(scale_by_rss, scale_by_learning_rate(lr)).
GradientTransformation adagrad(ScalarOrSchedule learning_rate, AdagradOptions opts = {});

/// Options of adafactor (optax's arguments after learning_rate).
struct AdafactorOptions {
  int64_t min_dim_size_to_factor = 128;
  double decay_rate = 0.8;
  int64_t decay_offset = 0;
  bool multiply_by_parameter_scale = true;
  std::optional<double> clipping_threshold = 1.0;
  std::optional<double> momentum = {};  ///< ema of the updates (no debias)
  std::optional<double> weight_decay_rate = {};
  double eps = 1e-30;
  bool factored = true;
  Mask weight_decay_mask = {};
};
/// optax.adafactor: chain(scale_by_factored_rms, clip_by_block_rms,
/// scale_by_learning_rate(lr, flip_sign=false) if lr, scale_by_param_block_rms
/// if multiply_by_parameter_scale, ema(momentum) if momentum,
/// add_decayed_weights if weight_decay_rate, scale(-1)). Needs params.
GradientTransformation adafactor(std::optional<ScalarOrSchedule> learning_rate = std::nullopt,
                                 AdafactorOptions opts = {});

/// Options of lamb.
struct LambOptions {
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-6;
  double eps_root = 0.0;
  double weight_decay = 0.0;
  Mask mask = {};
};
/// optax.lamb: chain(scale_by_adam, add_decayed_weights, scale_by_trust_ratio,
/// scale_by_learning_rate). Needs params.
GradientTransformation lamb(ScalarOrSchedule learning_rate, LambOptions opts = {});

}  // namespace jx::optim
