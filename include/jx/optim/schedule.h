// Learning-rate schedules (optax.schedules): functions from a step count to
// a value.
//
// A Schedule maps an int32 step-count Array (0-d, possibly traced under jit)
// to a float32 0-d Array; it is also callable with a C++ integer. Every
// schedule is traceable (np::where, no reads of concrete values), so it runs
// inside a jitted training step. Learning rates accept a double or a Schedule
// (ScalarOrSchedule). Values follow optax's formulas, computed in float32.
//
// Errors (jx::Error): a non-positive decay_steps for cosine decay, boundaries
// of join_schedules that do not match the schedules, negative piecewise scales.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "jx/array.h"

namespace jx::optim {

/// A function step count -> value (optax.Schedule).
class Schedule {
 public:
  /// From any callable Array(const Array& count).
  template <class F>
  requires(std::is_invocable_r_v<Array, const F&, const Array&> &&
           !std::is_same_v<std::remove_cvref_t<F>, Schedule>) Schedule(F fn)
      : fn_(std::move(fn)) {}  // NOLINT: implicit by design

  /// The value at `count` (an integer 0-d Array), as a float32 0-d Array.
  Array operator()(const Array& count) const;
  /// The value at an integer step.
  Array operator()(int64_t step) const;

 private:
  std::function<Array(const Array&)> fn_;
};

/// A learning rate (or other hyperparameter) that is a constant or a schedule.
using ScalarOrSchedule = std::variant<double, Schedule>;

/// optax.constant_schedule: always `value`.
Schedule constant_schedule(double value);

/// optax.polynomial_schedule: from init_value to end_value over
/// transition_steps (starting at transition_begin) with the given power.
/// transition_steps <= 0 gives a constant schedule, as in optax.
Schedule polynomial_schedule(double init_value, double end_value, double power,
                             int64_t transition_steps, int64_t transition_begin = 0);

/// optax.linear_schedule: polynomial_schedule with power 1.
Schedule linear_schedule(double init_value, double end_value, int64_t transition_steps,
                         int64_t transition_begin = 0);

/// optax.cosine_decay_schedule: init_value * ((1 - alpha) * c^exponent + alpha)
/// with c = (1 + cos(pi * min(step, decay_steps) / decay_steps)) / 2.
Schedule cosine_decay_schedule(double init_value, int64_t decay_steps, double alpha = 0.0,
                               double exponent = 1.0,
                               std::source_location loc = std::source_location::current());

/// optax.warmup_cosine_decay_schedule: linear warmup from init_value to
/// peak_value over warmup_steps, then cosine decay to end_value at decay_steps
/// (decay_steps counts the warmup, as in optax).
Schedule warmup_cosine_decay_schedule(double init_value, double peak_value, int64_t warmup_steps,
                                      int64_t decay_steps, double end_value = 0.0,
                                      double exponent = 1.0,
                                      std::source_location loc = std::source_location::current());

/// Options of exponential_decay beyond the three required arguments.
struct ExponentialDecayOptions {
  int64_t transition_begin = 0;          ///< steps held at init_value first
  bool staircase = false;                ///< decay in whole transitions
  std::optional<double> end_value = {};  ///< lower (upper if decay_rate > 1) bound
};

/// optax.exponential_decay: init_value * decay_rate^((step - begin) /
/// transition_steps), held at init_value before transition_begin.
Schedule exponential_decay(double init_value, int64_t transition_steps, double decay_rate,
                           ExponentialDecayOptions opts = {});

/// optax.piecewise_constant_schedule: init_value multiplied by scale at each
/// boundary step (boundaries_and_scales: step -> scale, scales >= 0).
Schedule piecewise_constant_schedule(double init_value,
                                     const std::map<int64_t, double>& boundaries_and_scales = {},
                                     std::source_location loc = std::source_location::current());

/// optax.join_schedules: schedules[0] before boundaries[0], then schedules[i]
/// evaluated at (step - boundaries[i-1]). Needs boundaries.size() ==
/// schedules.size() - 1.
Schedule join_schedules(std::vector<Schedule> schedules, std::vector<int64_t> boundaries,
                        std::source_location loc = std::source_location::current());

}  // namespace jx::optim
