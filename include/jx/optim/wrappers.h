// Transformations that wrap others (optax's combine / wrappers): masked,
// multi_transform, MultiSteps (gradient accumulation) and apply_if_finite.
// All stay traceable: where optax uses lax.cond these compute both branches
// and select with np::where, so the state keeps one structure every step.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "jx/optim/base.h"
#include "jx/optim/mask.h"

namespace jx::optim {

/// optax.masked: `inner` sees only the leaves selected by `mask` (resolved on
/// the params when given, else on the updates); the other updates pass
/// through unchanged. State: inner[0] = the inner state over the selected leaves.
GradientTransformation masked(GradientTransformation inner, Mask mask);

/// optax.multi_transform: each leaf is updated by the transformation named by
/// its label. Every label must have a transformation (jx::Error otherwise).
/// State: inner[i] = the state of the i-th transformation in key order, over
/// the leaves with that label.
GradientTransformation multi_transform(std::map<std::string, GradientTransformation> transforms,
                                       Labels param_labels);

/// The number of mini-steps per update, as a function of the gradient step
/// (an int32 0-d Array) returning an int32 0-d Array.
using EveryKSchedule = std::function<Array(const Array& gradient_step)>;

/// optax.MultiSteps: accumulates gradients for k mini-steps (their mean, or
/// sum without use_grad_mean) and calls `inner` on every k-th; the other
/// mini-steps return zero updates and leave the inner state unchanged.
/// State: scalars {mini_step, gradient_step}, slots {acc_grads}, inner[0].
class MultiSteps {
 public:
  MultiSteps(GradientTransformation inner, int every_k, bool use_grad_mean = true);
  MultiSteps(GradientTransformation inner, EveryKSchedule every_k_schedule,
             bool use_grad_mean = true);

  /// The transformation (init/update) to use in training loops.
  const GradientTransformation& gradient_transformation() const { return tx_; }
  operator const GradientTransformation&() const { return tx_; }  // NOLINT: implicit by design

  template <class P>
  OptState init(const P& params, std::source_location loc = std::source_location::current()) const {
    return tx_.init(params, loc);
  }
  template <class G, class P>
  std::pair<G, OptState> update(const G& grads, const OptState& state, const P& params,
                                std::source_location loc = std::source_location::current()) const {
    return tx_.update(grads, state, params, loc);
  }
  template <class G>
  std::pair<G, OptState> update(const G& grads, const OptState& state,
                                std::source_location loc = std::source_location::current()) const {
    return tx_.update(grads, state, loc);
  }

  /// Whether the last update applied the inner optimizer (a bool 0-d array).
  static Array has_updated(const OptState& state);

 private:
  GradientTransformation tx_;
};

/// optax.apply_if_finite: applies `inner` only when every update is finite;
/// otherwise returns zero updates and keeps the inner state, unless more than
/// max_consecutive_errors non-finite steps occurred in a row (then it applies
/// anyway, as optax does). State: scalars {notfinite_count, last_finite,
/// total_notfinite}, inner[0].
GradientTransformation apply_if_finite(GradientTransformation inner, int max_consecutive_errors);

}  // namespace jx::optim
