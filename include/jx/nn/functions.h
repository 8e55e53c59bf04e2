// jx::nn functions: the activation and normalisation functions of jax.nn,
// with JAX's names, arguments and semantics.
//
// Each is a composition of jx::np / jx::lax primitives (no new primitives),
// so it runs eagerly and under grad, vmap and jit. They follow JAX's
// formulas step by step, in their numerically stable forms: softplus is
// logaddexp(x, 0) = max(x, 0) + log1p(exp(-|x|)); log_sigmoid is
// -softplus(-x); logsumexp and log_softmax subtract the (stop-gradient) max;
// softmax has JAX's custom derivative y * (t - sum(y * t)). relu has JAX's
// custom derivative too: 0 at x == 0 (and so does relu6 at 0 and 6).
//
// Inputs of integer or bool dtype are promoted to float32 where JAX promotes
// them to an inexact type (everything but relu, relu6, leaky_relu, hard_tanh
// and one_hot keeps integers only as far as JAX does). Axes may be negative;
// `axis` arguments that take np::Axis accept an int or a list of ints.
// Misuse (an axis out of range, an odd glu axis, a negative num_classes)
// throws jx::Error `[nn.<name>] ...` located at the caller's line.
#pragma once

#include <optional>
#include <source_location>

#include "jx/array.h"
#include "jx/numpy.h"

namespace jx::nn {

using Loc = std::source_location;
using np::Axis;

// --- activations (elementwise) -------------------------------------------------

/// max(x, 0); derivative 0 at 0 (JAX's custom_jvp).
Array relu(const Array& x, Loc loc = Loc::current());
/// min(max(x, 0), 6).
Array relu6(const Array& x, Loc loc = Loc::current());
/// x where x >= 0, else negative_slope * x.
Array leaky_relu(const Array& x, double negative_slope = 1e-2, Loc loc = Loc::current());
/// x where x > 0, else alpha * (exp(x) - 1).
Array elu(const Array& x, double alpha = 1.0, Loc loc = Loc::current());
/// max(x, 0) + alpha * expm1(min(x, 0) / alpha).
Array celu(const Array& x, double alpha = 1.0, Loc loc = Loc::current());
/// scale * elu(x, alpha) with the self-normalising constants
/// alpha = 1.6732632..., scale = 1.0507009...
Array selu(const Array& x, Loc loc = Loc::current());
/// Gaussian error linear unit: x * Phi(x). approximate=true uses the tanh
/// form 0.5 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), false the exact erf form
/// 0.5 x erfc(-x / sqrt(2)).
Array gelu(const Array& x, bool approximate = true, Loc loc = Loc::current());
/// x * sigmoid(x).
Array silu(const Array& x, Loc loc = Loc::current());
/// Alias of silu.
Array swish(const Array& x, Loc loc = Loc::current());
/// log(1 + exp(x)), computed as logaddexp(x, 0) (no overflow).
Array softplus(const Array& x, Loc loc = Loc::current());
/// 1 / (1 + exp(-x)) (lax.logistic).
Array sigmoid(const Array& x, Loc loc = Loc::current());
/// log(sigmoid(x)) = -softplus(-x) (no underflow for large negative x).
Array log_sigmoid(const Array& x, Loc loc = Loc::current());
/// 1 above 1, -1 below -1, x between.
Array hard_tanh(const Array& x, Loc loc = Loc::current());
/// relu6(x + 3) / 6.
Array hard_sigmoid(const Array& x, Loc loc = Loc::current());
/// x * hard_sigmoid(x) (alias hard_swish).
Array hard_silu(const Array& x, Loc loc = Loc::current());
Array hard_swish(const Array& x, Loc loc = Loc::current());
/// x / (|x| + 1).
Array soft_sign(const Array& x, Loc loc = Loc::current());
/// x * tanh(softplus(x)).
Array mish(const Array& x, Loc loc = Loc::current());
/// (x + sqrt(x^2 + b)) / 2.
Array squareplus(const Array& x, double b = 4, Loc loc = Loc::current());

// --- reductions over axes ------------------------------------------------------

/// exp(x) / sum(exp(x), axis), computed from x - max(x); JAX's custom
/// derivative. axis: an int or a list of ints (default -1; `{}` means all).
Array softmax(const Array& x, Axis axis = -1, Loc loc = Loc::current());
/// x - logsumexp(x, axis), with the max subtracted under stop_gradient.
Array log_softmax(const Array& x, Axis axis = -1, Loc loc = Loc::current());
/// log(sum(exp(x), axis)) without overflow (jax.nn.logsumexp /
/// jax.scipy.special.logsumexp): the finite max is subtracted first and
/// added back. Default: all axes. An empty reduction gives -inf.
Array logsumexp(const Array& x, Axis axis = {}, bool keepdims = false, Loc loc = Loc::current());
/// (x - mean) / sqrt(variance + epsilon) over `axis`; mean and variance are
/// computed (JAX's "fast" algorithm: E[x^2] - E[x]^2, clipped at 0) unless
/// given (broadcastable to x with the reduced axes kept).
Array standardize(const Array& x, Axis axis = -1, double epsilon = 1e-5,
                  const std::optional<Array>& mean = std::nullopt,
                  const std::optional<Array>& variance = std::nullopt, Loc loc = Loc::current());
/// Gated linear unit: x is split in two halves a, b along `axis` (whose size
/// must be even) and a * sigmoid(b) is returned.
Array glu(const Array& x, int axis = -1, Loc loc = Loc::current());

// --- encodings -------------------------------------------------------------------

/// One-hot encoding: result[..., i, ...] = (x[...] == i) for i in
/// [0, num_classes), the new axis at `axis` of the result (default last), in
/// `dtype` (default float32). Out-of-range labels (e.g. -1) give all zeros.
/// x: integer (or floating) labels.
Array one_hot(const Array& x, int64_t num_classes, DType dtype = float32, int axis = -1,
              Loc loc = Loc::current());

}  // namespace jx::nn
