// optax losses in jx, following optax/losses/_classification.py and
// _regression.py formula by formula.
#include "jx/nn/losses.h"

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "jx/custom_derivatives.h"
#include "jx/error.h"
#include "jx/lax.h"
#include "jx/nn/functions.h"
#include "jx/numpy_indexing.h"

namespace jx::nn {
namespace {

void check_floating(std::string_view op, std::string_view what, const Array& x) {
  if (!x.dtype().is_floating())
    throw_error(op, std::string(what) + " must be floating, got " + std::string(x.dtype().name()) +
                        std::string(" of shape ") + shape_str(x.shape()));
}

void check_broadcastable(std::string_view op, const Array& a, const Array& b) {
  size_t r = std::max(a.shape().size(), b.shape().size());
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < a.shape().size() ? a.shape()[a.shape().size() - 1 - i] : 1;
    int64_t db = i < b.shape().size() ? b.shape()[b.shape().size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      throw_error(op, "shapes " + shape_str(a.shape()) + " and " + shape_str(b.shape()) +
                          " cannot broadcast");
  }
}

// predictions - targets (or predictions), after the checks every regression loss makes.
Array errors_of(std::string_view op, const Array& predictions,
                const std::optional<Array>& targets) {
  check_floating(op, "predictions", predictions);
  if (!targets) return predictions;
  check_broadcastable(op, predictions, *targets);
  return predictions - *targets;
}

// log(2) as optax writes it: jnp.log(2.0) (float32, or float64 under x64) cast to dt.
Array log2_constant(DType dt) {
  if (dt == float64) return np::full(Shape{}, std::log(2.0), float64);
  return np::astype(np::full(Shape{}, float(std::log(2.0)), float32), dt);
}

// logaddexp(e, -e) = |e| + log1p(exp(-|2e|)) with the derivative tanh(e) (the
// composed form has sign(e), whose derivative is 0 where it matters at e = 0).
Array logaddexp_neg(const Array& e) {
  auto f =
      custom_jvp([](const Array& v) { return np::abs(v) + np::log1p(np::exp(-np::abs(v - (-v)))); },
                 [](const std::vector<Array>& p, const std::vector<Array>& t) {
                   const Array& v = p[0];
                   Array y = np::abs(v) + np::log1p(np::exp(-np::abs(v - (-v))));
                   return std::pair{y, t[0] * np::tanh(v)};
                 });
  return f(e);
}

}  // namespace

Array softmax_cross_entropy(const Array& logits, const Array& labels, Axis axis, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "nn.softmax_cross_entropy";
  check_floating(op, "logits", logits);
  check_broadcastable(op, logits, labels);
  Array log_probs = log_softmax(logits, axis);
  return -np::sum(labels * log_probs, axis);
}

Array softmax_cross_entropy_with_integer_labels(const Array& logits, const Array& labels, int axis,
                                                Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "nn.softmax_cross_entropy_with_integer_labels";
  check_floating(op, "logits", logits);
  if (!labels.dtype().is_integer())
    throw_error(op, "labels must be integers, got " + std::string(labels.dtype().name()));
  int r = logits.ndim();
  if (axis < -r || axis >= r)
    throw_error(op, "axis " + std::to_string(axis) + " is out of range for logits of shape " +
                        shape_str(logits.shape()));
  int a = axis < 0 ? axis + r : axis;
  Shape expected = logits.shape();
  expected.erase(size_t(a));
  if (labels.shape() != expected)
    throw_error(op, "labels of shape " + shape_str(labels.shape()) +
                        " do not match logits of shape " + shape_str(logits.shape()) +
                        " without the class axis " + std::to_string(axis) + " (expected " +
                        shape_str(expected) + ")");
  // Only the label's logit is normalised, not the whole row (as optax).
  Array label_logits = np::squeeze(np::take_along_axis(logits, np::expand_dims(labels, a), a), a);
  return logsumexp(logits, a) - label_logits;
}

Array sigmoid_binary_cross_entropy(const Array& logits, const Array& labels, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "nn.sigmoid_binary_cross_entropy";
  check_floating(op, "logits", logits);
  check_broadcastable(op, logits, labels);
  Array y = np::astype(labels, logits.dtype());
  // log(1 - sigmoid(x)) = log_sigmoid(-x), the stable form.
  return -y * log_sigmoid(logits) - (1.0 - y) * log_sigmoid(-logits);
}

Array squared_error(const Array& predictions, const std::optional<Array>& targets, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "nn.squared_error";
  if (targets && targets->shape() != predictions.shape())
    throw_error(op, "predictions of shape " + shape_str(predictions.shape()) +
                        " and targets of shape " + shape_str(targets->shape()) +
                        " must have equal shapes");
  return lax::integer_pow(errors_of(op, predictions, targets), 2);
}

Array l2_loss(const Array& predictions, const std::optional<Array>& targets, Loc loc) {
  CallSite site(loc);
  return 0.5 * squared_error(predictions, targets);
}

Array mse(const Array& predictions, const std::optional<Array>& targets, Loc loc) {
  CallSite site(loc);
  return np::mean(squared_error(predictions, targets));
}

Array huber_loss(const Array& predictions, const std::optional<Array>& targets, double delta,
                 Loc loc) {
  CallSite site(loc);
  Array abs_errors = np::abs(errors_of("nn.huber_loss", predictions, targets));
  Array quadratic = np::minimum(abs_errors, delta);
  // abs - min(abs, delta) rather than max(abs - delta, 0): no doubled gradient at the seam.
  Array linear = abs_errors - quadratic;
  return 0.5 * lax::integer_pow(quadratic, 2) + delta * linear;
}

Array log_cosh(const Array& predictions, const std::optional<Array>& targets, Loc loc) {
  CallSite site(loc);
  Array e = errors_of("nn.log_cosh", predictions, targets);
  return logaddexp_neg(e) - log2_constant(e.dtype());
}

Array cosine_similarity(const Array& predictions, const Array& targets, double epsilon, Axis axis,
                        Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "nn.cosine_similarity";
  check_floating(op, "predictions", predictions);
  check_floating(op, "targets", targets);
  check_broadcastable(op, predictions, targets);
  Array a_norm = np::sqrt(np::clip(np::sum(np::square(predictions), axis, true), epsilon));
  Array b_norm = np::sqrt(np::clip(np::sum(np::square(targets), axis, true), epsilon));
  return np::sum((predictions / a_norm) * (targets / b_norm), axis);
}

Array cosine_distance(const Array& predictions, const Array& targets, double epsilon, Axis axis,
                      Loc loc) {
  CallSite site(loc);
  return 1.0 - cosine_similarity(predictions, targets, epsilon, axis);
}

}  // namespace jx::nn
