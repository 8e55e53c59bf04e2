// jx::nn losses: the common losses of optax.losses, with optax's names,
// arguments and semantics.
//
// Every loss returns the *per-example* values, as optax does: no reduction
// over the batch. softmax_cross_entropy(logits (B, C), labels (B, C)) is (B,);
// the regression losses are elementwise. Average them yourself
// (`np::mean(nn::softmax_cross_entropy(logits, labels))`), or use mse() for
// the mean of squared_error.
//
// Each follows optax's formula step by step in a numerically stable form
// (log_softmax / logsumexp / log_sigmoid instead of log(softmax(x))), and is a
// composition of primitives: differentiable, vmap-able and jit-able.
// Logits and predictions must be floating; integer labels must be integers.
// Misuse throws jx::Error `[nn.<loss>] ...` naming the shapes or dtypes at
// fault, located at the caller's line.
#pragma once

#include <optional>
#include <source_location>

#include "jx/array.h"
#include "jx/numpy.h"

namespace jx::nn {

using Loc = std::source_location;
using np::Axis;

// --- classification -------------------------------------------------------------

/// -sum(labels * log_softmax(logits, axis), axis): the cross entropy of the
/// label distribution (one-hot or soft; broadcastable to logits) against
/// softmax(logits). logits (..., C) -> (...) with the default axis -1.
Array softmax_cross_entropy(const Array& logits, const Array& labels, Axis axis = -1,
                            Loc loc = Loc::current());
/// The same with integer class labels: logsumexp(logits, axis) -
/// logits[label]. logits (..., C, ...) with the class axis `axis`, labels of
/// logits' shape without that axis -> labels' shape. A label outside
/// [-C, C) gives nan (as optax: take_along_axis fills), negative ones wrap.
Array softmax_cross_entropy_with_integer_labels(const Array& logits, const Array& labels,
                                                int axis = -1, Loc loc = Loc::current());
/// -labels * log_sigmoid(logits) - (1 - labels) * log_sigmoid(-logits),
/// elementwise (labels in [0, 1], broadcastable; converted to logits' dtype).
Array sigmoid_binary_cross_entropy(const Array& logits, const Array& labels,
                                   Loc loc = Loc::current());

// --- regression (elementwise; targets default to zeros) --------------------------

/// (predictions - targets)^2. targets, when given, must have predictions' shape.
Array squared_error(const Array& predictions, const std::optional<Array>& targets = std::nullopt,
                    Loc loc = Loc::current());
/// 0.5 * squared_error.
Array l2_loss(const Array& predictions, const std::optional<Array>& targets = std::nullopt,
              Loc loc = Loc::current());
/// mean(squared_error(predictions, targets)) over all elements: the mean
/// squared error as a 0-d array (a jx convenience; optax has no mse).
Array mse(const Array& predictions, const std::optional<Array>& targets = std::nullopt,
          Loc loc = Loc::current());
/// Huber loss: 0.5 e^2 where |e| <= delta, else 0.5 delta^2 + delta (|e| - delta),
/// e = predictions - targets (broadcast).
Array huber_loss(const Array& predictions, const std::optional<Array>& targets = std::nullopt,
                 double delta = 1.0, Loc loc = Loc::current());
/// log(cosh(e)), e = predictions - targets, as logaddexp(e, -e) - log(2) (no
/// overflow for large |e|).
Array log_cosh(const Array& predictions, const std::optional<Array>& targets = std::nullopt,
               Loc loc = Loc::current());
/// Cosine similarity along `axis` (default -1): sum(a/|a| * b/|b|, axis),
/// each squared norm clipped below at epsilon (default 0; a zero vector then
/// gives nan, as optax).
Array cosine_similarity(const Array& predictions, const Array& targets, double epsilon = 0.0,
                        Axis axis = -1, Loc loc = Loc::current());
/// 1 - cosine_similarity.
Array cosine_distance(const Array& predictions, const Array& targets, double epsilon = 0.0,
                      Axis axis = -1, Loc loc = Loc::current());

}  // namespace jx::nn
