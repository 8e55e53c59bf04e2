// jx::np::linalg: the linear-algebra functions of jax.numpy.linalg,
// composed of the jx::lax::linalg primitives (jx/lax_linalg.h), so they are
// differentiable and batch under vmap. Matrices are the last two axes; any
// leading axes are batch axes. Integer and bool inputs become float32
// (float64 for 64-bit integers); float16/bfloat16 are not supported (LAPACK
// has no such routines). As in JAX, singular or ill-conditioned input gives
// inf/NaN, never an exception; shapes that do not fit throw jx::Error
// starting with `[op]` at the caller's line. Include this header next to
// jx/jx.h.
#pragma once

#include <concepts>
#include <limits>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "jx/array.h"
#include "jx/lax_linalg.h"
#include "jx/numpy.h"

namespace jx::np::linalg {

using Loc = std::source_location;

/// The `ord` argument of norm: none (the default: 2-norm of vectors,
/// Frobenius of matrices), a number (1, 2, inf, -inf, 0, any p for vectors;
/// 1, -1, 2, -2, inf, -inf for matrices) or "fro" / "nuc".
class NormOrd {
 public:
  NormOrd() = default;
  NormOrd(double p) : p_(p), kind_(Kind::kNumber) {}  // NOLINT: implicit by design
  template <std::integral I>
  NormOrd(I p) : NormOrd(double(p)) {}                                 // NOLINT
  NormOrd(const char* name) : name_(name), kind_(Kind::kName) {}       // NOLINT
  NormOrd(std::string_view name) : name_(name), kind_(Kind::kName) {}  // NOLINT
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  double number() const { return p_; }
  const std::string& name() const { return name_; }
  /// "None", "2", "inf", "'fro'" for messages.
  std::string str() const;

 private:
  enum class Kind { kNone, kNumber, kName };
  double p_ = 0;
  std::string name_;
  Kind kind_ = Kind::kNone;
};
inline constexpr double inf = std::numeric_limits<double>::infinity();

/// Lower Cholesky factor L of symmetric positive-definite a (a = L L^T);
/// upper: U = L^T instead. NaN where a is not positive definite.
Array cholesky(const Array& a, bool upper = false, Loc loc = Loc::current());

/// QR decomposition: mode "reduced" (q [..., m, k], r [..., k, n], k = min(m, n)),
/// "complete" (q [..., m, m], r [..., m, n]) or "r" (only r, reduced; q is
/// an empty Array).
std::pair<Array, Array> qr(const Array& a, std::string_view mode = "reduced",
                           Loc loc = Loc::current());

/// (eigenvalues ascending, eigenvectors in columns) of symmetric a. UPLO
/// "L" or "U" names the triangle read when symmetrize_input is false.
std::pair<Array, Array> eigh(const Array& a, std::string_view UPLO = "L",
                             bool symmetrize_input = true, Loc loc = Loc::current());
/// The eigenvalues of symmetric a, ascending.
Array eigvalsh(const Array& a, std::string_view UPLO = "L", Loc loc = Loc::current());

/// (u, s, vh) with a = u diag(s) vh and s descending; full_matrices gives
/// square u and vh. Without compute_uv, u and vh are empty Arrays.
std::tuple<Array, Array, Array> svd(const Array& a, bool full_matrices = true,
                                    bool compute_uv = true, Loc loc = Loc::current());
/// The singular values of a, descending.
Array svdvals(const Array& a, Loc loc = Loc::current());

/// The inverse of square a (inf/NaN for singular a).
Array inv(const Array& a, Loc loc = Loc::current());
/// x with a x = b for square a [..., n, n]: b is [n] or [..., n] (one vector
/// per matrix, b.ndim == a.ndim - 1) or [..., n, k]; batch axes broadcast.
Array solve(const Array& a, const ArrayLike& b, Loc loc = Loc::current());
/// The determinant of square a (via LU with partial pivoting).
Array det(const Array& a, Loc loc = Loc::current());
/// (sign, log|det|) of square a: sign is -1, 0 or 1 and log|det| is -inf for
/// singular a.
std::pair<Array, Array> slogdet(const Array& a, Loc loc = Loc::current());

/// Vector norm (one axis; for 1-d x without an axis) or matrix norm (two
/// axes; for 2-d x without an axis); without ord and axis, the 2-norm of the
/// flattened x for any rank. See NormOrd for the orders.
Array norm(const Array& x, NormOrd ord = {}, Axis axis = {}, bool keepdims = false,
           Loc loc = Loc::current());

/// The Moore-Penrose pseudo-inverse via the SVD; singular values at or
/// below rtol * the largest (default rtol: 10 * max(m, n) * eps) count as 0.
Array pinv(const Array& a, std::optional<double> rtol = std::nullopt, Loc loc = Loc::current());

/// a raised to the integer power n by repeated squaring (n = 0: identity;
/// n < 0: powers of inv(a)).
Array matrix_power(const Array& a, int64_t n, Loc loc = Loc::current());

}  // namespace jx::np::linalg
