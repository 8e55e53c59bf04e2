// jnp.linalg over the lax.linalg primitives (jax/_src/numpy/linalg.py):
// solve / inv / det / slogdet through one LU factorization, pinv through the
// SVD, norms as reductions (and the SVD for the 2 and nuclear norms).
#include <cmath>
#include <numeric>
#include <string>

#include "jx/lax_linalg.h"
#include "jx/numpy_linalg.h"
#include "numpy/np_internal.h"

namespace jx::np::linalg {

using namespace jx::np::detail;
namespace ll = jx::lax::linalg;

std::string NormOrd::str() const {
  switch (kind_) {
    case Kind::kNone:
      return "None";
    case Kind::kName:
      return "'" + name_ + "'";
    case Kind::kNumber:
      break;
  }
  if (std::isinf(p_)) return p_ > 0 ? "inf" : "-inf";
  std::string s = std::to_string(p_);
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

namespace {

// a converted to a floating dtype (jnp's promote_dtypes_inexact).
Array inexact(const Array& a) { return convert(a, to_inexact(a.dtype()), a.weak_type()); }

void check_square(std::string_view op, const Array& a) {
  int nd = a.ndim();
  if (nd < 2 || a.shape()[size_t(nd - 1)] != a.shape()[size_t(nd - 2)])
    throw_error(op,
                "a must be a batch of square matrices [..., n, n], got shape " + a.shape().str());
}
void check_matrix(std::string_view op, const Array& a) {
  if (a.ndim() < 2)
    throw_error(op, "a must have at least 2 dimensions (a batch of matrices), got shape " +
                        a.shape().str());
}

Array mT(const Array& x) { return swapaxes(x, -1, -2); }

// Batched matrix product whose batch axes broadcast (jnp.matmul for ndim >= 2).
Array mm(const Array& a, const Array& b) {
  Shape ba = a.shape(), bb = b.shape();
  ba.erase(ba.size() - 1), ba.erase(ba.size() - 1);
  bb.erase(bb.size() - 1), bb.erase(bb.size() - 1);
  Shape batch = broadcast_shapes("matmul", std::vector<Shape>{ba, bb});
  auto full = [&](const Array& x) {
    Shape s = batch;
    s.push_back(x.shape()[size_t(x.ndim() - 2)]);
    s.push_back(x.shape()[size_t(x.ndim() - 1)]);
    return broadcast_to(x, s);
  };
  return ll::batch_matmul(full(a), full(b));
}

// Identity matrices of a's shape and dtype.
Array eye_like(const Array& a) {
  int nd = a.ndim();
  Array r = lax::iota(int32, a.shape(), nd - 2), c = lax::iota(int32, a.shape(), nd - 1);
  return lax::convert_element_type(lax::eq(r, c), a.dtype());
}
Array diagonal(const Array& a) { return lax::reduce_sum(lax::mul(a, eye_like(a)), {a.ndim() - 1}); }

// The LU factors of square a and its row permutation as a one-hot matrix.
struct Lu {
  Array lu, pivots, pmat;
};
Lu lu_of(const Array& a) {
  auto [lu, piv, perm] = ll::lu(a);
  int64_t n = a.shape()[size_t(a.ndim() - 1)];
  Shape s = perm.shape();
  s.push_back(n);
  std::vector<int64_t> bd(size_t(perm.ndim()));
  std::iota(bd.begin(), bd.end(), 0);
  Array rows = lax::broadcast_in_dim(perm, s, bd);
  Array pmat =
      lax::convert_element_type(lax::eq(rows, lax::iota(int32, s, int(s.size()) - 1)), a.dtype());
  return {lu, piv, pmat};
}

// x with a x = b for b [..., n, k] whose batch axes equal a's.
Array lu_solve(const Lu& f, const Array& b) {
  Array pb = ll::batch_matmul(f.pmat, b);
  Array y =
      ll::triangular_solve(f.lu, pb, /*left_side=*/true, /*lower=*/true, false, /*unit=*/true);
  return ll::triangular_solve(f.lu, y, true, false, false, false);
}

}  // namespace

Array cholesky(const Array& a, bool upper, Loc loc) {
  CallSite site(loc);
  Array x = inexact(a);
  check_square("cholesky", x);
  Array l = ll::cholesky(x);
  return upper ? mT(l) : l;
}

std::pair<Array, Array> qr(const Array& a, std::string_view mode, Loc loc) {
  CallSite site(loc);
  if (mode != "reduced" && mode != "complete" && mode != "r")
    throw_error(
        "qr", "mode must be \"reduced\", \"complete\" or \"r\", got \"" + std::string(mode) + "\"");
  Array x = inexact(a);
  check_matrix("qr", x);
  auto [q, r] = ll::qr(x, mode == "complete");
  if (mode == "r") return {Array(), r};
  return {q, r};
}

std::pair<Array, Array> eigh(const Array& a, std::string_view UPLO, bool symmetrize_input,
                             Loc loc) {
  CallSite site(loc);
  if (UPLO != "L" && UPLO != "U")
    throw_error("eigh", "UPLO must be \"L\" or \"U\", got \"" + std::string(UPLO) + "\"");
  Array x = inexact(a);
  check_square("eigh", x);
  auto [v, w] = ll::eigh(x, UPLO == "L", symmetrize_input);
  return {w, v};
}
Array eigvalsh(const Array& a, std::string_view UPLO, Loc loc) {
  CallSite site(loc);
  return eigh(a, UPLO, true, loc).first;
}

std::tuple<Array, Array, Array> svd(const Array& a, bool full_matrices, bool compute_uv, Loc loc) {
  CallSite site(loc);
  Array x = inexact(a);
  check_matrix("svd", x);
  return ll::svd(x, full_matrices, compute_uv);
}
Array svdvals(const Array& a, Loc loc) {
  CallSite site(loc);
  return std::get<1>(svd(a, false, false, loc));
}

Array solve(const Array& a, const ArrayLike& b, Loc loc) {
  CallSite site(loc);
  const ArrayLike a_like(a);
  const ArrayLike* args[] = {&a_like, &b};
  std::vector<Array> ab = promote_args("solve", args, Promote::kInexact, /*broadcast=*/false);
  Array x = ab[0], y = ab[1];
  check_square("solve", x);
  int64_t n = x.shape()[size_t(x.ndim() - 1)];
  bool vector = y.ndim() == 1 || y.ndim() == x.ndim() - 1;
  int64_t rows = y.ndim() == 0 ? -1 : y.shape()[size_t(y.ndim() - (vector ? 1 : 2))];
  if (y.ndim() == 0 || rows != n)
    throw_error("solve", "b must have shape [..., " + std::to_string(n) + "] or [..., " +
                             std::to_string(n) + ", k] to match a of shape " + x.shape().str() +
                             ", got " + y.shape().str());
  if (vector) y = lax::expand_dims(y, {y.ndim()});
  // Broadcast the batch axes of a and b against each other.
  Shape ba = x.shape(), bb = y.shape();
  ba.erase(ba.size() - 1), ba.erase(ba.size() - 1);
  bb.erase(bb.size() - 1), bb.erase(bb.size() - 1);
  Shape batch = broadcast_shapes("solve", std::vector<Shape>{ba, bb});
  Shape sa = batch, sb = batch;
  sa.push_back(n), sa.push_back(n);
  sb.push_back(n), sb.push_back(y.shape()[size_t(y.ndim() - 1)]);
  Array r = lu_solve(lu_of(broadcast_to(x, sa)), broadcast_to(y, sb));
  return vector ? lax::squeeze(r, {r.ndim() - 1}) : r;
}

Array inv(const Array& a, Loc loc) {
  CallSite site(loc);
  Array x = inexact(a);
  check_square("inv", x);
  return lu_solve(lu_of(x), eye_like(x));
}

std::pair<Array, Array> slogdet(const Array& a, Loc loc) {
  CallSite site(loc);
  Array x = inexact(a);
  check_square("slogdet", x);
  int nd = x.ndim();
  int64_t n = x.shape()[size_t(nd - 1)];
  DType dt = x.dtype();
  Lu f = lu_of(x);
  Array d = diagonal(f.lu);
  Array zero = lax::broadcast_in_dim(scalar(0, dt), d.shape(), {});
  Array is_zero = lax::reduce_or(lax::eq(d, zero), {nd - 2});
  // Parity: the row swaps plus the negative pivots.
  Array swaps = lax::ne(f.pivots, lax::iota(int32, f.pivots.shape(), nd - 2));
  Array count =
      lax::add(lax::reduce_sum(lax::convert_element_type(swaps, int32), {nd - 2}),
               lax::reduce_sum(lax::convert_element_type(lax::lt(d, zero), int32), {nd - 2}));
  Array odd = lax::convert_element_type(
      lax::rem(count, lax::broadcast_in_dim(scalar(2, int32), count.shape(), {})), dt);
  auto fill = [&](double v) { return lax::broadcast_in_dim(scalar(v, dt), is_zero.shape(), {}); };
  Array sign = lax::sub(fill(1), lax::mul(fill(2), odd));
  sign = lax::select_n(is_zero, {sign, fill(0)});
  Array logdet = n == 0 ? fill(0) : lax::reduce_sum(lax::log(lax::abs(d)), {nd - 2});
  logdet = lax::select_n(is_zero, {logdet, fill(-INFINITY)});
  return {sign, logdet};
}

Array det(const Array& a, Loc loc) {
  CallSite site(loc);
  Array x = inexact(a);
  check_square("det", x);
  int nd = x.ndim();
  // det = (-1)^(row swaps) * prod(diag(U)): exact zeros for singular input,
  // and the product's derivative needs no division.
  Lu f = lu_of(x);
  Array swaps =
      lax::reduce_sum(lax::convert_element_type(
                          lax::ne(f.pivots, lax::iota(int32, f.pivots.shape(), nd - 2)), int32),
                      {nd - 2});
  Array odd = lax::convert_element_type(
      lax::rem(swaps, lax::broadcast_in_dim(scalar(2, int32), swaps.shape(), {})), x.dtype());
  auto fill = [&](double v) {
    return lax::broadcast_in_dim(scalar(v, x.dtype()), odd.shape(), {});
  };
  Array sign = lax::sub(fill(1), lax::mul(fill(2), odd));
  return lax::mul(sign, lax::reduce_prod(diagonal(f.lu), {nd - 2}));
}

Array norm(const Array& x_in, NormOrd ord, Axis axis, bool keepdims, Loc loc) {
  CallSite site(loc);
  Array x = inexact(x_in);
  int nd = x.ndim();
  auto sq_sum = [&](std::vector<int> axes) {
    return np::sqrt(np::sum(lax::mul(x, x), std::vector<int>(axes), keepdims));
  };
  std::vector<int> axes;
  if (axis.is_none()) {
    if (ord.is_none()) {
      std::vector<int> all(static_cast<size_t>(nd));
      std::iota(all.begin(), all.end(), 0);
      return sq_sum(all);
    }
    for (int i = 0; i < nd; ++i) axes.push_back(i);
  } else {
    for (int a : axis.axes()) axes.push_back(canonical_axis("norm", a, nd));
  }
  if (axes.size() == 1) {
    int ax = axes[0];
    if (!ord.is_none() && !ord.is_number())
      throw_error("norm", "invalid order " + ord.str() + " for a vector norm");
    double p = ord.is_none() ? 2 : ord.number();
    Array ab = np::abs(x);
    if (p == 2) return sq_sum({ax});
    if (p == INFINITY) return np::amax(ab, ax, keepdims);
    if (p == -INFINITY) return np::amin(ab, ax, keepdims);
    if (p == 0) return np::sum(np::astype(np::not_equal(x, 0), x.dtype()), ax, keepdims);
    if (p == 1) return np::sum(ab, ax, keepdims);
    return np::power(np::sum(np::power(ab, p), ax, keepdims), 1.0 / p);
  }
  if (axes.size() == 2) {
    int row = axes[0], col = axes[1];
    if (row == col)
      throw_error("norm", "duplicate axes given: (" + std::to_string(row) + ", " +
                              std::to_string(col) + ")");
    if (ord.is_none() || (!ord.is_number() && (ord.name() == "fro" || ord.name() == "f")))
      return sq_sum({row, col});
    if (ord.is_number() && std::fabs(ord.number()) == 1) {
      int c = !keepdims && col > row ? col - 1 : col;
      Array s = np::sum(np::abs(x), row, keepdims);
      return ord.number() > 0 ? np::amax(s, c, keepdims) : np::amin(s, c, keepdims);
    }
    if (ord.is_number() && std::isinf(ord.number())) {
      int r = !keepdims && row > col ? row - 1 : row;
      Array s = np::sum(np::abs(x), col, keepdims);
      return ord.number() > 0 ? np::amax(s, r, keepdims) : np::amin(s, r, keepdims);
    }
    bool nuc = !ord.is_number() && ord.name() == "nuc";
    if (nuc || (ord.is_number() && std::fabs(ord.number()) == 2)) {
      Array s = svdvals(np::moveaxis(x, std::vector<int>{row, col}, std::vector<int>{-2, -1}));
      Array y = nuc ? np::sum(s, -1) : ord.number() > 0 ? np::amax(s, -1) : np::amin(s, -1);
      if (keepdims) y = np::expand_dims(y, std::vector<int>{row, col});
      return y;
    }
    throw_error("norm", "invalid order " + ord.str() + " for a matrix norm");
  }
  throw_error("norm", "improper number of axes for norm: " + std::to_string(axes.size()) +
                          " (pass one axis for a vector norm or two for a matrix norm)");
}

Array pinv(const Array& a, std::optional<double> rtol, Loc loc) {
  CallSite site(loc);
  Array x = inexact(a);
  check_matrix("pinv", x);
  int nd = x.ndim();
  int64_t m = x.shape()[size_t(nd - 2)], n = x.shape()[size_t(nd - 1)];
  if (m == 0 || n == 0) return np::zeros_like(mT(x));
  double eps = x.dtype() == float32 ? 1.1920929e-07 : 2.220446049250313e-16;
  double tol = rtol ? *rtol : 10.0 * double(std::max(m, n)) * eps;
  auto [u, s, vh] = ll::svd(x, false, true);
  // Singular values at or below tol * the largest become infinite (1/s = 0).
  std::vector<int64_t> start(size_t(s.ndim()), 0), limit = s.shape().to_vector();
  limit.back() = 1;
  Array cutoff = lax::mul(lax::slice(s, start, limit),
                          lax::broadcast_in_dim(scalar(tol, x.dtype()), Shape(limit), {}));
  Shape ks = s.shape();
  std::vector<int64_t> bd(size_t(s.ndim()));
  std::iota(bd.begin(), bd.end(), 0);
  cutoff = lax::broadcast_in_dim(lax::squeeze(cutoff, {s.ndim() - 1}), ks,
                                 std::vector<int64_t>(bd.begin(), bd.end() - 1));
  Array big = lax::broadcast_in_dim(scalar(INFINITY, x.dtype()), ks, {});
  s = lax::select_n(lax::gt(s, cutoff), {big, s});
  // v diag(1/s) u^T
  Shape us = mT(u).shape();
  Array s_cols = lax::broadcast_in_dim(s, us, bd);
  return mm(mT(vh), lax::div(mT(u), s_cols));
}

Array matrix_power(const Array& a, int64_t n, Loc loc) {
  CallSite site(loc);
  check_square("matrix_power", a);
  Array x = a;
  if (n == 0) return eye_like(x);
  if (n < 0) {
    x = inv(x);
    n = -n;
  }
  Array result, base = x;
  while (n > 0) {
    if (n & 1) result = result.defined() ? mm(result, base) : base;
    n >>= 1;
    if (n > 0) base = mm(base, base);
  }
  return result;
}

}  // namespace jx::np::linalg
