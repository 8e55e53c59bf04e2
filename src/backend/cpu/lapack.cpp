// Linear-algebra kernels over batches of row-major matrices, calling LAPACKE
// (potrf, getrf, geqrf/orgqr, syevd, gesdd) and CBLAS (trsm) in float32 or
// float64. Failures follow JAX: a factorization LAPACK reports as failed
// (info != 0; for LU only a bad argument) gives NaNs rather than an error,
// and exact zero pivots simply propagate inf/NaN through later solves.
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "jx/dtype.h"

namespace jx::cpu {
namespace {

// Overloads picking the s/d LAPACKE and CBLAS routines.
lapack_int potrf(float* a, lapack_int n) { return LAPACKE_spotrf(LAPACK_ROW_MAJOR, 'L', n, a, n); }
lapack_int potrf(double* a, lapack_int n) { return LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, a, n); }
lapack_int getrf(float* a, lapack_int m, lapack_int n, lapack_int* piv) {
  return LAPACKE_sgetrf(LAPACK_ROW_MAJOR, m, n, a, n, piv);
}
lapack_int getrf(double* a, lapack_int m, lapack_int n, lapack_int* piv) {
  return LAPACKE_dgetrf(LAPACK_ROW_MAJOR, m, n, a, n, piv);
}
lapack_int geqrf(float* a, lapack_int m, lapack_int n, float* tau) {
  return LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, m, n, a, n, tau);
}
lapack_int geqrf(double* a, lapack_int m, lapack_int n, double* tau) {
  return LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, m, n, a, n, tau);
}
lapack_int orgqr(float* q, lapack_int m, lapack_int n, lapack_int k, const float* tau) {
  return LAPACKE_sorgqr(LAPACK_ROW_MAJOR, m, n, k, q, n, tau);
}
lapack_int orgqr(double* q, lapack_int m, lapack_int n, lapack_int k, const double* tau) {
  return LAPACKE_dorgqr(LAPACK_ROW_MAJOR, m, n, k, q, n, tau);
}
lapack_int syevd(float* a, lapack_int n, char uplo, float* w) {
  return LAPACKE_ssyevd(LAPACK_ROW_MAJOR, 'V', uplo, n, a, n, w);
}
lapack_int syevd(double* a, lapack_int n, char uplo, double* w) {
  return LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', uplo, n, a, n, w);
}
lapack_int gesdd(char job, float* a, lapack_int m, lapack_int n, float* s, float* u, lapack_int ldu,
                 float* vt, lapack_int ldvt) {
  return LAPACKE_sgesdd(LAPACK_ROW_MAJOR, job, m, n, a, n, s, u, ldu, vt, ldvt);
}
lapack_int gesdd(char job, double* a, lapack_int m, lapack_int n, double* s, double* u,
                 lapack_int ldu, double* vt, lapack_int ldvt) {
  return LAPACKE_dgesdd(LAPACK_ROW_MAJOR, job, m, n, a, n, s, u, ldu, vt, ldvt);
}
void trsm(CBLAS_SIDE side, CBLAS_UPLO uplo, CBLAS_TRANSPOSE tr, CBLAS_DIAG diag, int m, int n,
          const float* a, int lda, float* b) {
  cblas_strsm(CblasRowMajor, side, uplo, tr, diag, m, n, 1.0f, a, lda, b, n);
}
void trsm(CBLAS_SIDE side, CBLAS_UPLO uplo, CBLAS_TRANSPOSE tr, CBLAS_DIAG diag, int m, int n,
          const double* a, int lda, double* b) {
  cblas_dtrsm(CblasRowMajor, side, uplo, tr, diag, m, n, 1.0, a, lda, b, n);
}

template <class T>
void fill_nan(T* p, int64_t n) {
  std::fill(p, p + n, std::numeric_limits<T>::quiet_NaN());
}

// out (rows x cols) = the identity's top-left block.
template <class T>
void set_eye(T* out, int64_t rows, int64_t cols) {
  std::fill(out, out + rows * cols, T(0));
  for (int64_t i = 0; i < std::min(rows, cols); ++i) out[i * cols + i] = T(1);
}

// Runs f<float> or f<double>.
template <class F>
void by_float(DType dt, F&& f) {
  if (dt == float32)
    f.template operator()<float>();
  else
    f.template operator()<double>();
}

}  // namespace

/// Lower Cholesky factors of `batch` n x n matrices (lower triangle read);
/// zeros above the diagonal; NaN (lower triangle) where a matrix is not
/// positive definite.
void cholesky(DType dt, const void* a, void* l, int64_t batch, int64_t n) {
  by_float(dt, [&]<class T>() {
    const T* src = static_cast<const T*>(a);
    T* dst = static_cast<T*>(l);
    std::memcpy(dst, src, size_t(batch * n * n) * sizeof(T));
    for (int64_t b = 0; b < batch && n > 0; ++b) {
      T* m = dst + b * n * n;
      lapack_int info = potrf(m, lapack_int(n));
      if (info != 0) fill_nan(m, n * n);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = i + 1; j < n; ++j) m[i * n + j] = T(0);
    }
  });
}

/// x = op(a)^-1 b (left_side) or b op(a)^-1, for batches of b: m x n and a:
/// k x k (k = m on the left, n on the right), reading a's lower or upper
/// triangle.
void triangular_solve(DType dt, const void* a, const void* b, void* x, int64_t batch, int64_t m,
                      int64_t n, bool left_side, bool lower, bool transpose_a, bool unit_diagonal) {
  by_float(dt, [&]<class T>() {
    int64_t k = left_side ? m : n;
    const T* as = static_cast<const T*>(a);
    T* xs = static_cast<T*>(x);
    std::memcpy(xs, b, size_t(batch * m * n) * sizeof(T));
    if (m == 0 || n == 0) return;
    for (int64_t i = 0; i < batch; ++i)
      trsm(left_side ? CblasLeft : CblasRight, lower ? CblasLower : CblasUpper,
           transpose_a ? CblasTrans : CblasNoTrans, unit_diagonal ? CblasUnit : CblasNonUnit,
           int(m), int(n), as + i * k * k, int(k), xs + i * m * n);
  });
}

/// LU with partial pivoting of m x n matrices: packed factors (unit-lower L
/// below the diagonal, U on and above), 0-based int32 row swaps (min(m, n))
/// and the permutation (m) with a[perm] = L U.
void lu(DType dt, const void* a, void* lu_out, int32_t* pivots, int32_t* perm, int64_t batch,
        int64_t m, int64_t n) {
  by_float(dt, [&]<class T>() {
    T* out = static_cast<T*>(lu_out);
    std::memcpy(out, a, size_t(batch * m * n) * sizeof(T));
    int64_t k = std::min(m, n);
    std::vector<lapack_int> ipiv(size_t(std::max<int64_t>(k, 1)));
    for (int64_t b = 0; b < batch; ++b) {
      T* mat = out + b * m * n;
      int32_t* pv = pivots + b * k;
      int32_t* pm = perm + b * m;
      std::iota(pm, pm + m, 0);
      if (k == 0) continue;
      lapack_int info = getrf(mat, lapack_int(m), lapack_int(n), ipiv.data());
      if (info < 0) fill_nan(mat, m * n);  // info > 0 is an exact zero pivot: keep it
      for (int64_t i = 0; i < k; ++i) {
        pv[i] = int32_t(ipiv[size_t(i)] - 1);
        std::swap(pm[i], pm[pv[i]]);
      }
    }
  });
}

/// QR of m x n matrices: q is m x m (full) or m x min(m, n), r is m x n or
/// min(m, n) x n, upper triangular.
void qr(DType dt, const void* a, void* q_out, void* r_out, int64_t batch, int64_t m, int64_t n,
        bool full_matrices) {
  by_float(dt, [&]<class T>() {
    int64_t k = std::min(m, n);
    int64_t qc = full_matrices ? m : k, rr = full_matrices ? m : k;
    const T* src = static_cast<const T*>(a);
    T* qs = static_cast<T*>(q_out);
    T* rs = static_cast<T*>(r_out);
    std::vector<T> work(size_t(m * n)), tau(size_t(std::max<int64_t>(k, 1)));
    for (int64_t b = 0; b < batch; ++b) {
      T* q = qs + b * m * qc;
      T* r = rs + b * rr * n;
      if (k == 0) {
        set_eye(q, m, qc);
        std::fill(r, r + rr * n, T(0));
        continue;
      }
      std::copy(src + b * m * n, src + (b + 1) * m * n, work.begin());
      lapack_int info = geqrf(work.data(), lapack_int(m), lapack_int(n), tau.data());
      for (int64_t i = 0; i < rr; ++i)
        for (int64_t j = 0; j < n; ++j)
          r[i * n + j] = i <= j && i < m ? work[size_t(i * n + j)] : T(0);
      // The reflectors sit below the diagonal of the first k columns.
      std::fill(q, q + m * qc, T(0));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < std::min(qc, n); ++j) q[i * qc + j] = work[size_t(i * n + j)];
      if (info == 0) info = orgqr(q, lapack_int(m), lapack_int(qc), lapack_int(k), tau.data());
      if (info != 0) {
        fill_nan(q, m * qc);
        fill_nan(r, rr * n);
      }
    }
  });
}

/// Eigenvectors (columns of v) and ascending eigenvalues w of symmetric
/// n x n matrices, reading the lower or upper triangle.
void eigh(DType dt, const void* a, void* v_out, void* w_out, int64_t batch, int64_t n, bool lower) {
  by_float(dt, [&]<class T>() {
    T* v = static_cast<T*>(v_out);
    T* w = static_cast<T*>(w_out);
    std::memcpy(v, a, size_t(batch * n * n) * sizeof(T));
    for (int64_t b = 0; b < batch && n > 0; ++b) {
      lapack_int info = syevd(v + b * n * n, lapack_int(n), lower ? 'L' : 'U', w + b * n);
      if (info != 0) {
        fill_nan(v + b * n * n, n * n);
        fill_nan(w + b * n, n);
      }
    }
  });
}

/// Singular values (descending, min(m, n)) of m x n matrices and, with
/// compute_uv, u (m x m or m x k) and vt (n x n or k x n).
void svd(DType dt, const void* a, void* s_out, void* u_out, void* vt_out, int64_t batch, int64_t m,
         int64_t n, bool full_matrices, bool compute_uv) {
  by_float(dt, [&]<class T>() {
    int64_t k = std::min(m, n);
    int64_t uc = full_matrices ? m : k, vr = full_matrices ? n : k;
    const T* src = static_cast<const T*>(a);
    T* s = static_cast<T*>(s_out);
    T* u = static_cast<T*>(u_out);
    T* vt = static_cast<T*>(vt_out);
    std::vector<T> work(size_t(m * n));
    T dummy[1] = {T(0)};
    char job = !compute_uv ? 'N' : full_matrices ? 'A' : 'S';
    for (int64_t b = 0; b < batch; ++b) {
      T* ub = compute_uv ? u + b * m * uc : dummy;
      T* vb = compute_uv ? vt + b * vr * n : dummy;
      if (k == 0) {
        if (compute_uv) {
          set_eye(ub, m, uc);
          set_eye(vb, vr, n);
        }
        continue;
      }
      std::copy(src + b * m * n, src + (b + 1) * m * n, work.begin());
      lapack_int info = gesdd(job, work.data(), lapack_int(m), lapack_int(n), s + b * k, ub,
                              lapack_int(compute_uv ? uc : 1), vb, lapack_int(n));
      if (info != 0) {
        fill_nan(s + b * k, k);
        if (compute_uv) {
          fill_nan(ub, m * uc);
          fill_nan(vb, vr * n);
        }
      }
    }
  });
}

}  // namespace jx::cpu
