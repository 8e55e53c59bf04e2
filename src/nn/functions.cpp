// jax.nn functions in jx, following jax/_src/nn/functions.py formula by
// formula so that values agree with JAX's up to the rounding of exp, tanh...
#include "jx/nn/functions.h"

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "jx/custom_derivatives.h"
#include "jx/error.h"
#include "jx/lax.h"
#include "jx/transforms_flat.h"

namespace jx::nn {
namespace {

// JAX's promote_args_inexact: integer and bool inputs become float32.
Array inexact(const Array& x) { return x.dtype().is_floating() ? x : np::astype(x, float32); }

// A 0-d array of `v` rounded to dt (a NumPy scalar of dt in JAX's code: not weak).
Array constant_of(double v, DType dt) { return np::full(Shape{}, v, dt); }

// The axes `axis` names, normalised and checked against x's rank.
std::vector<int> reduced_axes(std::string_view op, const Array& x, const Axis& axis) {
  int r = int(x.ndim());
  std::vector<int> out;
  if (axis.is_none()) {
    for (int i = 0; i < r; ++i) out.push_back(i);
    return out;
  }
  for (int a : axis.axes()) {
    if (a < -r || a >= r)
      throw_error(op, "axis " + std::to_string(a) + " is out of range for an array of shape " +
                          shape_str(x.shape()));
    int n = a < 0 ? a + r : a;
    for (int seen : out)
      if (seen == n) throw_error(op, "repeated axis " + std::to_string(a));
    out.push_back(n);
  }
  return out;
}

Array softmax_unchecked(const Array& x, const Axis& axis) {
  Array unnormalized = np::exp(x - np::max(x, axis, true));
  return unnormalized / np::sum(unnormalized, axis, true);
}

// Softplus with the derivative sigmoid(x) (JAX's logaddexp has a custom jvp
// t * exp(x - softplus(x)); the same function, and well defined at 0 to every order).
Array softplus_unchecked(const Array& x) {
  auto f =
      custom_jvp([](const Array& v) { return np::maximum(v, 0) + np::log1p(np::exp(-np::abs(v))); },
                 [](const std::vector<Array>& p, const std::vector<Array>& t) {
                   Array y = np::maximum(p[0], 0) + np::log1p(np::exp(-np::abs(p[0])));
                   return std::pair{y, t[0] * lax::logistic(p[0])};
                 });
  return f(x);
}

}  // namespace

Array relu(const Array& x, Loc loc) {
  CallSite site(loc);
  if (!x.dtype().is_floating()) return np::maximum(x, 0);
  // JAX's custom_jvp: the derivative at 0 is 0 (not the 1/2 of max's tie rule).
  auto f = custom_jvp(
      [](const Array& v) { return np::maximum(v, 0); },
      [](const std::vector<Array>& p, const std::vector<Array>& t) {
        return std::pair{np::maximum(p[0], 0), np::where(p[0] > 0, t[0], np::zeros_like(t[0]))};
      });
  return f(x);
}

Array relu6(const Array& x, Loc loc) {
  CallSite site(loc);
  return np::minimum(relu(x), 6.);
}

Array leaky_relu(const Array& x, double negative_slope, Loc loc) {
  CallSite site(loc);
  return np::where(x >= 0, x, negative_slope * x);
}

Array elu(const Array& x, double alpha, Loc loc) {
  CallSite site(loc);
  Array v = inexact(x);
  // The inner where keeps expm1 away from large positive x (no inf * 0 in the gradient).
  return np::where(v > 0, v, alpha * np::expm1(np::where(v > 0, 0., v)));
}

Array celu(const Array& x, double alpha, Loc loc) {
  CallSite site(loc);
  if (alpha == 0) throw_error("nn.celu", "alpha must be nonzero");
  Array v = inexact(x);
  return np::maximum(v, 0.0) + alpha * np::expm1(np::minimum(v, 0.0) / alpha);
}

Array selu(const Array& x, Loc loc) {
  CallSite site(loc);
  constexpr double alpha = 1.6732632423543772848170429916717;
  constexpr double scale = 1.0507009873554804934193349852946;
  return scale * elu(x, alpha);
}

Array gelu(const Array& x, bool approximate, Loc loc) {
  CallSite site(loc);
  Array v = inexact(x);
  if (approximate) {
    Array sqrt_2_over_pi = constant_of(std::sqrt(2 / M_PI), v.dtype());
    Array cdf = 0.5 * (1.0 + np::tanh(sqrt_2_over_pi * (v + 0.044715 * lax::integer_pow(v, 3))));
    return v * cdf;
  }
  Array sqrt_half = constant_of(std::sqrt(0.5), v.dtype());
  return 0.5 * v * lax::erfc(-v * sqrt_half);
}

Array sigmoid(const Array& x, Loc loc) {
  CallSite site(loc);
  return lax::logistic(inexact(x));
}

Array silu(const Array& x, Loc loc) {
  CallSite site(loc);
  Array v = inexact(x);
  return v * lax::logistic(v);
}

Array swish(const Array& x, Loc loc) { return silu(x, loc); }

Array softplus(const Array& x, Loc loc) {
  CallSite site(loc);
  return softplus_unchecked(inexact(x));
}

Array log_sigmoid(const Array& x, Loc loc) {
  CallSite site(loc);
  return -softplus_unchecked(-inexact(x));
}

Array hard_tanh(const Array& x, Loc loc) {
  CallSite site(loc);
  return np::where(x > 1, 1, np::where(x < -1, -1, x));
}

Array hard_sigmoid(const Array& x, Loc loc) {
  CallSite site(loc);
  return relu6(x + 3., loc) / 6.;
}

Array hard_silu(const Array& x, Loc loc) {
  CallSite site(loc);
  return x * hard_sigmoid(x, loc);
}

Array hard_swish(const Array& x, Loc loc) { return hard_silu(x, loc); }

Array soft_sign(const Array& x, Loc loc) {
  CallSite site(loc);
  return x / (np::abs(x) + 1);
}

Array mish(const Array& x, Loc loc) {
  CallSite site(loc);
  Array v = inexact(x);
  return v * np::tanh(softplus_unchecked(v));
}

Array squareplus(const Array& x, double b, Loc loc) {
  CallSite site(loc);
  Array v = inexact(x);
  return (v + np::sqrt(np::square(v) + b)) / 2;
}

Array softmax(const Array& x, Axis axis, Loc loc) {
  CallSite site(loc);
  reduced_axes("nn.softmax", x, axis);
  Array v = inexact(x);
  if (v.size() == 0) return v;
  // JAX's custom_jvp: y * (t - sum(y * t)) instead of differentiating through the max.
  auto f = custom_jvp([axis](const Array& a) { return softmax_unchecked(a, axis); },
                      [axis](const std::vector<Array>& p, const std::vector<Array>& t) {
                        Array y = softmax_unchecked(p[0], axis);
                        return std::pair{y, y * (t[0] - np::sum(y * t[0], axis, true))};
                      });
  return f(v);
}

Array log_softmax(const Array& x, Axis axis, Loc loc) {
  CallSite site(loc);
  reduced_axes("nn.log_softmax", x, axis);
  Array v = inexact(x);
  if (v.size() == 0) return v;
  Array shifted = v - stop_gradient(np::max(v, axis, true));
  return shifted - np::log(np::sum(np::exp(shifted), axis, true));
}

Array logsumexp(const Array& x, Axis axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  std::vector<int> axes = reduced_axes("nn.logsumexp", x, axis);
  Array v = inexact(x);
  bool empty = false;
  for (int a : axes) empty = empty || v.shape()[size_t(a)] == 0;
  Shape kept = v.shape();
  for (int a : axes) kept[size_t(a)] = 1;
  // max with JAX's initial -inf; a non-finite max (all -inf, or inf) is replaced by 0.
  Array amax = empty ? np::zeros(kept, v.dtype()) : np::max(v, axis, true);
  amax = stop_gradient(np::where(np::isfinite(amax), amax, 0));
  Array sumexp = np::sum(np::exp(v - amax), axis, keepdims);
  return np::log(sumexp) + (keepdims ? amax : np::reshape(amax, sumexp.shape()));
}

Array standardize(const Array& x, Axis axis, double epsilon, const std::optional<Array>& mean,
                  const std::optional<Array>& variance, Loc loc) {
  CallSite site(loc);
  reduced_axes("nn.standardize", x, axis);
  Array v = inexact(x);
  Array m = mean ? *mean : np::mean(v, axis, true);
  Array var =
      variance ? *variance : np::clip(np::mean(np::square(v), axis, true) - np::square(m), 0);
  return (v - m) * lax::rsqrt(var + epsilon);
}

Array glu(const Array& x, int axis, Loc loc) {
  CallSite site(loc);
  int a = reduced_axes("nn.glu", x, axis)[0];
  int64_t size = x.shape()[size_t(a)];
  if (size % 2 != 0)
    throw_error("nn.glu", "the size of axis " + std::to_string(axis) + " must be even, got " +
                              std::to_string(size) + " in shape " + shape_str(x.shape()));
  std::vector<Array> halves = np::split(inexact(x), 2, a);
  return halves[0] * lax::logistic(halves[1]);
}

Array one_hot(const Array& x, int64_t num_classes, DType dtype, int axis, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "nn.one_hot";
  if (num_classes < 0)
    throw_error(op, "num_classes must be non-negative, got " + std::to_string(num_classes));
  if (x.dtype().is_bool()) throw_error(op, "labels must be integers, got dtype bool");
  int r = int(x.ndim()) + 1;
  if (axis < -r || axis >= r)
    throw_error(op, "axis " + std::to_string(axis) + " is out of range for the result of rank " +
                        std::to_string(r) + " (labels of shape " + shape_str(x.shape()) + ")");
  int out_axis = axis < 0 ? axis + r : axis;
  Shape rhs_shape;
  for (int i = 0; i < r - 1; ++i) rhs_shape.push_back(1);
  rhs_shape.insert(size_t(out_axis), num_classes);
  Array classes = lax::iota(x.dtype(), rhs_shape, out_axis);
  return np::astype(np::equal(np::expand_dims(x, out_axis), classes), dtype);
}

}  // namespace jx::nn
