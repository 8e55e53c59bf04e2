// The building blocks of optimizers (optax.transforms / optax.scale_by_*),
// each a GradientTransformation acting leaf by leaf. Names, defaults and
// formulas follow optax; the state of each is an OptState whose slots and
// scalars are listed below. Those marked "needs params" throw jx::Error when
// update is called without params.
#pragma once

#include <optional>

#include "jx/optim/base.h"
#include "jx/optim/mask.h"
#include "jx/optim/schedule.h"

namespace jx::optim {

/// optax.scale: updates * step_size. No state.
GradientTransformation scale(double step_size);

/// optax.scale_by_schedule: updates * schedule(count), count starting at 0.
/// State: scalars {count}.
GradientTransformation scale_by_schedule(Schedule schedule);

/// optax.scale_by_learning_rate: scale(-lr) for a constant, or
/// scale_by_schedule(-lr(count)) for a schedule (flip_sign=false: +lr).
GradientTransformation scale_by_learning_rate(ScalarOrSchedule learning_rate,
                                              bool flip_sign = true);

/// Options of scale_by_adam (optax's keyword arguments).
struct AdamOptions {
  double b1 = 0.9;        ///< decay of the first moment
  double b2 = 0.999;      ///< decay of the second moment
  double eps = 1e-8;      ///< added to sqrt(nu_hat)
  double eps_root = 0.0;  ///< added to nu_hat inside the sqrt
  bool nesterov = false;  ///< Nesterov momentum (NAdam)
};
/// optax.scale_by_adam: bias-corrected mu / (sqrt(nu + eps_root) + eps).
/// State: scalars {count}, slots {mu, nu}.
GradientTransformation scale_by_adam(AdamOptions opts = {});

/// optax.trace: momentum, t = g + decay * t (nesterov: g + decay * t_new).
/// State: slots {trace}.
GradientTransformation trace(double decay, bool nesterov = false);

/// optax.ema: exponential moving average of the updates,
/// e = (1 - decay) * g + decay * e, debiased by 1 - decay^count if `debias`.
/// State: scalars {count}, slots {ema}.
GradientTransformation ema(double decay, bool debias = true);

/// Options of scale_by_rms and scale_by_stddev.
struct RmsOptions {
  double decay = 0.9;
  double eps = 1e-8;
  double initial_scale = 0.0;    ///< initial value of the second moment
  bool eps_in_sqrt = true;       ///< rsqrt(nu + eps) instead of 1 / (sqrt(nu) + eps)
  bool bias_correction = false;  ///< debias the moments by 1 - decay^count
};
/// optax.scale_by_rms: g / sqrt(nu). State: scalars {count}, slots {nu}.
GradientTransformation scale_by_rms(RmsOptions opts = {});
/// optax.scale_by_stddev (centered RMS): g / sqrt(nu - mu^2).
/// State: scalars {count}, slots {mu, nu}.
GradientTransformation scale_by_stddev(RmsOptions opts = {});

/// optax.scale_by_rss (Adagrad): g / sqrt(sum of squares + eps), 0 where the
/// sum is 0. State: slots {sum_of_squares}.
GradientTransformation scale_by_rss(double initial_accumulator_value = 0.1, double eps = 1e-7);

/// optax.scale_by_lion: sign((1 - b1) g + b1 mu), mu = (1 - b2) g + b2 mu.
/// State: scalars {count}, slots {mu}.
GradientTransformation scale_by_lion(double b1 = 0.9, double b2 = 0.99);

/// optax.scale_by_trust_ratio (LAMB): u * ||p|| / (||u|| + eps), 1 where a
/// norm is 0. Needs params. No state.
GradientTransformation scale_by_trust_ratio(double min_norm = 0.0, double trust_coefficient = 1.0,
                                            double eps = 0.0);

/// Options of scale_by_factored_rms (Adafactor's second-moment estimate).
struct FactoredRmsOptions {
  bool factored = true;                  ///< factor 2-D+ leaves into row/column statistics
  double decay_rate = 0.8;               ///< decay = 1 - (step + 1)^-decay_rate
  int64_t step_offset = 0;               ///< subtracted from the step in the decay
  int64_t min_dim_size_to_factor = 128;  ///< factor only if the 2nd largest dim is >= this
  double epsilon = 1e-30;                ///< added to g^2
};
/// optax.scale_by_factored_rms. Needs params. State: scalars {count}, slots
/// {v_row, v_col, v} (unused ones are zeros of shape (1,), as in optax).
GradientTransformation scale_by_factored_rms(FactoredRmsOptions opts = {});

/// optax.scale_by_param_block_rms: u * max(rms(p), min_scale). Needs params.
GradientTransformation scale_by_param_block_rms(double min_scale = 1e-3);

/// optax.clip: clamps each element to [-max_delta, max_delta]. No state.
GradientTransformation clip(double max_delta);

/// optax.clip_by_block_rms: u / max(1, rms(u) / threshold), per leaf.
GradientTransformation clip_by_block_rms(double threshold);

/// optax.clip_by_global_norm: scales all updates by max_norm / global_norm
/// when the global norm exceeds max_norm. No state.
GradientTransformation clip_by_global_norm(double max_norm);

/// optax.add_decayed_weights: updates + weight_decay * params on the leaves
/// selected by `mask` (all by default). Needs params.
GradientTransformation add_decayed_weights(double weight_decay = 0.0, Mask mask = {});

/// optax.zero_nans: NaNs in the updates become 0. State: slots {found_nan}
/// (a bool 0-d array per leaf: whether that leaf had a NaN this step).
GradientTransformation zero_nans();

}  // namespace jx::optim
