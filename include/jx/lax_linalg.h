// jx::lax::linalg: matrix decompositions and triangular solves, with the
// semantics of jax.lax.linalg. Operands are float32 or float64 batches of
// matrices [..., m, n]: every leading dimension is a batch dimension.
// Kernels are LAPACK's (via LAPACKE). As in JAX, a decomposition that fails
// numerically (cholesky of a matrix that is not positive definite, eigh/svd
// that do not converge) returns NaNs instead of throwing, and singular
// matrices give inf/NaN in later solves; shapes and dtypes that do not fit
// throw jx::Error naming the op, the shapes and the caller's line.
// Every function is differentiable (JAX's rules: cholesky, triangular_solve,
// lu, qr, eigh, svd) and batches under vmap.
//
// The NumPy-level functions (np::linalg::inv, solve, det, norm, ...) are in
// jx/numpy_linalg.h.
#pragma once

#include <source_location>
#include <tuple>
#include <utility>

#include "jx/array.h"

namespace jx::lax::linalg {

using Loc = std::source_location;

/// The lower Cholesky factor L of symmetric positive-definite matrices
/// [..., n, n]: a = L L^T, zeros above the diagonal. With symmetrize_input,
/// (a + a^T) / 2 is factored; otherwise only the lower triangle is read.
/// A matrix that is not positive definite gives NaN (in the lower triangle).
Array cholesky(const Array& a, bool symmetrize_input = true, Loc loc = Loc::current());

/// Solves op(a) x = b (left_side) or x op(a) = b, for triangular a
/// [..., k, k] (its lower or upper triangle is read; op transposes when
/// transpose_a; unit_diagonal assumes ones on the diagonal) and b
/// [..., m, n] with the same batch dimensions (k = m on the left, n on the
/// right). b may also be [..., k] (one vector per batch). Returns x, b's shape.
Array triangular_solve(const Array& a, const Array& b, bool left_side = false, bool lower = false,
                       bool transpose_a = false, bool unit_diagonal = false,
                       Loc loc = Loc::current());

/// LU decomposition with partial pivoting of [..., m, n]: (lu, pivots,
/// permutation) with lu holding unit-lower L below the diagonal and U on and
/// above it, pivots the int32 row swaps [..., min(m, n)] and permutation the
/// int32 rows [..., m] such that a[permutation] = L U.
std::tuple<Array, Array, Array> lu(const Array& a, Loc loc = Loc::current());

/// QR decomposition of [..., m, n]: (q, r) with q [..., m, m] orthonormal
/// and r [..., m, n] upper triangular (full_matrices), or q [..., m, k] and
/// r [..., k, n] with k = min(m, n). Differentiable for m >= n (reduced, or
/// full when m == n), as in JAX.
std::pair<Array, Array> qr(const Array& a, bool full_matrices = true, Loc loc = Loc::current());

/// Eigendecomposition of symmetric matrices [..., n, n]: (v, w) with the
/// eigenvectors in the columns of v and the eigenvalues w [..., n] in
/// ascending order. With symmetrize_input, (a + a^T) / 2 is decomposed;
/// otherwise only the `lower` (or upper) triangle is read. Derivatives assume
/// distinct eigenvalues.
std::pair<Array, Array> eigh(const Array& a, bool lower = true, bool symmetrize_input = true,
                             Loc loc = Loc::current());

/// Singular value decomposition of [..., m, n]: (u, s, vt) with a = u diag(s)
/// vt, s [..., k] descending (k = min(m, n)), u [..., m, m] and vt [..., n, n]
/// (full_matrices) or u [..., m, k] and vt [..., k, n]. Without compute_uv,
/// u and vt are empty (default-constructed) Arrays. Derivatives assume
/// distinct nonzero singular values, and need !full_matrices unless m == n.
std::tuple<Array, Array, Array> svd(const Array& a, bool full_matrices = true,
                                    bool compute_uv = true, Loc loc = Loc::current());

/// Batched matrix product of [..., m, k] and [..., k, n] with equal batch
/// dimensions and dtypes (lax.batch_matmul, a dot_general); the rules above use it.
Array batch_matmul(const Array& a, const Array& b, Loc loc = Loc::current());

}  // namespace jx::lax::linalg
