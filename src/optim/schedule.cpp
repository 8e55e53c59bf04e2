// optax's schedules, computed in float32 with np ops so they trace under jit.
#include "jx/optim/schedule.h"

#include <algorithm>
#include <numbers>
#include <string>

#include "jx/error.h"
#include "jx/numpy.h"

namespace jx::optim {

namespace np = jx::np;

namespace {
Array as_f32(const Array& x) { return np::astype(x, float32); }
Array const_f32(double v) { return np::full({}, v, float32); }
// x ** p, exact for p == 1 (optax's integer powers are exact there too).
Array pow_f32(const Array& x, double p) { return p == 1.0 ? x : np::power(x, p); }
}  // namespace

Array Schedule::operator()(const Array& count) const { return fn_(count); }

Array Schedule::operator()(int64_t step) const { return fn_(np::full({}, int(step), int32)); }

Schedule constant_schedule(double value) {
  return Schedule([value](const Array&) { return const_f32(value); });
}

Schedule polynomial_schedule(double init_value, double end_value, double power,
                             int64_t transition_steps, int64_t transition_begin) {
  if (transition_steps <= 0) return constant_schedule(init_value);
  transition_begin = std::max<int64_t>(transition_begin, 0);
  return Schedule([=](const Array& count) {
    Array c = np::clip(np::subtract(count, int(transition_begin)), 0, int(transition_steps));
    Array frac = np::subtract(1.0, np::divide(as_f32(c), double(transition_steps)));
    return np::add(np::multiply(init_value - end_value, pow_f32(frac, power)), end_value);
  });
}

Schedule linear_schedule(double init_value, double end_value, int64_t transition_steps,
                         int64_t transition_begin) {
  return polynomial_schedule(init_value, end_value, 1.0, transition_steps, transition_begin);
}

Schedule cosine_decay_schedule(double init_value, int64_t decay_steps, double alpha,
                               double exponent, std::source_location loc) {
  if (decay_steps <= 0)
    throw_error_at("optim.cosine_decay_schedule",
                   "decay_steps must be positive, got " + std::to_string(decay_steps), loc);
  return Schedule([=](const Array& count) {
    Array c = np::minimum(as_f32(count), double(decay_steps));
    Array cosine = np::multiply(
        0.5,
        np::add(1.0, np::cos(np::divide(np::multiply(std::numbers::pi, c), double(decay_steps)))));
    Array decayed = np::add(np::multiply(1.0 - alpha, pow_f32(cosine, exponent)), alpha);
    return np::multiply(init_value, decayed);
  });
}

Schedule warmup_cosine_decay_schedule(double init_value, double peak_value, int64_t warmup_steps,
                                      int64_t decay_steps, double end_value, double exponent,
                                      std::source_location loc) {
  if (decay_steps - warmup_steps <= 0)
    throw_error_at("optim.warmup_cosine_decay_schedule",
                   "decay_steps (" + std::to_string(decay_steps) + ") must exceed warmup_steps (" +
                       std::to_string(warmup_steps) + "): it counts the warmup",
                   loc);
  double alpha = peak_value == 0.0 ? 0.0 : end_value / peak_value;
  return join_schedules(
      {linear_schedule(init_value, peak_value, warmup_steps),
       cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent, loc)},
      {warmup_steps}, loc);
}

Schedule exponential_decay(double init_value, int64_t transition_steps, double decay_rate,
                           ExponentialDecayOptions opts) {
  if (transition_steps <= 0 || decay_rate == 0.0) return constant_schedule(init_value);
  int64_t begin = std::max<int64_t>(opts.transition_begin, 0);
  return Schedule([=](const Array& count) {
    Array dc = np::subtract(count, int(begin));
    Array p = np::divide(as_f32(dc), double(transition_steps));
    if (opts.staircase) p = np::floor(p);
    Array v = np::where(np::less_equal(dc, 0), const_f32(init_value),
                        np::multiply(init_value, np::power(decay_rate, p)));
    if (opts.end_value)
      v = decay_rate < 1.0 ? np::maximum(v, *opts.end_value) : np::minimum(v, *opts.end_value);
    return v;
  });
}

Schedule piecewise_constant_schedule(double init_value,
                                     const std::map<int64_t, double>& boundaries_and_scales,
                                     std::source_location loc) {
  for (const auto& [step, s] : boundaries_and_scales)
    if (s < 0)
      throw_error_at("optim.piecewise_constant_schedule",
                     "scales must be non-negative, got " + std::to_string(s) + " at step " +
                         std::to_string(step),
                     loc);
  return Schedule([=](const Array& count) {
    Array v = const_f32(init_value);
    for (const auto& [threshold, s] : boundaries_and_scales) {
      Array ind = np::maximum(0.0, as_f32(np::sign(np::subtract(int(threshold), count))));
      v = np::add(np::multiply(v, ind), np::multiply(np::multiply(np::subtract(1.0, ind), s), v));
    }
    return v;
  });
}

Schedule join_schedules(std::vector<Schedule> schedules, std::vector<int64_t> boundaries,
                        std::source_location loc) {
  if (schedules.empty() || boundaries.size() + 1 != schedules.size())
    throw_error_at("optim.join_schedules",
                   "needs one boundary between each pair of schedules: got " +
                       std::to_string(schedules.size()) + " schedules and " +
                       std::to_string(boundaries.size()) + " boundaries",
                   loc);
  return Schedule([schedules, boundaries](const Array& step) {
    Array out = schedules[0](step);
    for (size_t i = 0; i < boundaries.size(); ++i)
      out = np::where(np::less(step, int(boundaries[i])), out,
                      schedules[i + 1](np::subtract(step, int(boundaries[i]))));
    return out;
  });
}

}  // namespace jx::optim
