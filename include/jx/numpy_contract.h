// jx::np products and convolutions, with the names and semantics of
// jax.numpy: matmul, dot, vdot, inner, outer, tensordot, einsum, trace,
// diagonal, convolve and correlate. Each is a composition of lax.dot_general /
// lax.conv_general_dilated and structural primitives, so it works eagerly and
// under every transformation. Operands promote to their common dtype (JAX's
// lattice); preferred_element_type, where offered, is the accumulation and
// result dtype. Misuse throws jx::Error starting with `[op]`, naming the
// shapes at fault, located at the caller's line.
#pragma once

#include <optional>
#include <source_location>
#include <string_view>
#include <vector>

#include "jx/numpy.h"

namespace jx::np {

/// Matrix product with NumPy's rules: 1-D operands are promoted to matrices
/// (a row for a, a column for b) and the added dim removed afterwards; the
/// leading (batch) dims broadcast. Errors for 0-d operands and for
/// mismatched inner dimensions.
Array matmul(const Array& a, const Array& b,
             std::optional<DType> preferred_element_type = std::nullopt, Loc loc = Loc::current());

/// numpy.dot: scalars multiply; otherwise contracts the last axis of a with
/// the last (1-D b) or second-to-last axis of b; result a[:-1] + b's rest.
Array dot(const ArrayLike& a, const ArrayLike& b,
          std::optional<DType> preferred_element_type = std::nullopt, Loc loc = Loc::current());

/// The dot product of the flattened operands (equal sizes).
Array vdot(const ArrayLike& a, const ArrayLike& b,
           std::optional<DType> preferred_element_type = std::nullopt, Loc loc = Loc::current());

/// Contracts the last axes of a and b; scalars multiply.
Array inner(const ArrayLike& a, const ArrayLike& b,
            std::optional<DType> preferred_element_type = std::nullopt, Loc loc = Loc::current());

/// The outer product of the flattened operands: shape (a.size, b.size).
Array outer(const ArrayLike& a, const ArrayLike& b, Loc loc = Loc::current());

/// The axes argument of tensordot: an int n (the last n axes of a with the
/// first n of b), one axis per side `{1, 0}`, or a list per side
/// `{{1, 0}, {0, 1}}`. Axes may be negative.
class TensordotAxes {
 public:
  TensordotAxes(int n) : n_(n) {}  // NOLINT
  TensordotAxes(int a_axis, int b_axis) : a_{a_axis}, b_{b_axis}, pairs_(true) {}
  TensordotAxes(std::vector<int> a_axes, std::vector<int> b_axes)
      : a_(std::move(a_axes)), b_(std::move(b_axes)), pairs_(true) {}
  bool is_count() const { return !pairs_; }
  int count() const { return n_; }
  const std::vector<int>& a_axes() const { return a_; }
  const std::vector<int>& b_axes() const { return b_; }

 private:
  int n_ = 0;
  std::vector<int> a_, b_;
  bool pairs_ = false;
};

/// Sum of products over the given axes; result: a's free axes, then b's.
Array tensordot(const Array& a, const Array& b, const TensordotAxes& axes = 2,
                std::optional<DType> preferred_element_type = std::nullopt,
                Loc loc = Loc::current());

/// Einstein summation: "ij,jk->ik", implicit output ("ij,jk": the labels
/// used once, sorted), "..." for broadcast leading dims, repeated labels
/// within an operand for diagonals and traces ("ii->i", "ii"). Operands are
/// contracted pairwise, each pair as one dot_general, choosing greedily the
/// pair with the smallest result.
Array einsum(std::string_view subscripts, const std::vector<Array>& operands,
             std::optional<DType> preferred_element_type = std::nullopt, Loc loc = Loc::current());

/// The diagonal at `offset` (> 0: above) of the plane (axis1, axis2); those
/// axes are removed and the diagonal becomes the last axis.
Array diagonal(const Array& x, int64_t offset = 0, int axis1 = 0, int axis2 = 1,
               Loc loc = Loc::current());

/// Sum along the diagonal of (axis1, axis2) (np.sum's dtype rules, or dtype).
Array trace(const Array& x, int64_t offset = 0, int axis1 = 0, int axis2 = 1,
            std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());

/// Discrete linear convolution of two non-empty 1-D arrays; mode "full"
/// (length n + m - 1), "same" (max(n, m)) or "valid" (max - min + 1).
/// Without preferred_element_type the operands become floating (as jnp).
Array convolve(const ArrayLike& a, const ArrayLike& v, std::string_view mode = "full",
               std::optional<DType> preferred_element_type = std::nullopt,
               Loc loc = Loc::current());

/// Cross-correlation of two non-empty 1-D arrays (convolve without the
/// flip); default mode "valid".
Array correlate(const ArrayLike& a, const ArrayLike& v, std::string_view mode = "valid",
                std::optional<DType> preferred_element_type = std::nullopt,
                Loc loc = Loc::current());

}  // namespace jx::np
