// lax.linalg against reconstructions computed by naive loops in double:
// A = L L^T, op(A) X = B, P A = L U, Q R = A with Q orthonormal,
// V diag(w) V^T = A, U diag(s) V^T = A; batched over leading dims, float32 and
// float64, square and rectangular, empty matrices; failures give NaN (not
// positive definite) or inf (singular) as in JAX; errors with their
// messages; check_grads (fwd + rev) of every decomposition; vmap against a
// loop over slices for cholesky and triangular_solve (a batched or not).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "jx/check_grads.h"
#include "jx/jit.h"
#include "jx/lax_linalg.h"
#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;
namespace ll = jx::lax::linalg;
using jx::Array;
using jx::DType;
using jx::Shape;
using Arrays = std::vector<Array>;

// ---------------------------------------------------------------- host matrices

// A batch of row-major matrices in double.
struct Mats {
  int64_t batch, rows, cols;
  std::vector<double> v;
  double& at(int64_t b, int64_t i, int64_t j) { return v[size_t((b * rows + i) * cols + j)]; }
  double at(int64_t b, int64_t i, int64_t j) const { return v[size_t((b * rows + i) * cols + j)]; }
};
Mats host(const Array& a) {
  int nd = a.ndim();
  int64_t r = a.shape()[size_t(nd - 2)], c = a.shape()[size_t(nd - 1)];
  return {r * c != 0 ? a.size() / (r * c) : 0, r, c, a.to_vector<double>()};
}
Array device(const Mats& m, const Shape& s, DType dt) {
  return lx::convert_element_type(array(m.v, s), dt);
}
Mats matmul(const Mats& a, const Mats& b) {
  Mats c{a.batch, a.rows, b.cols, std::vector<double>(size_t(a.batch * a.rows * b.cols), 0.0)};
  for (int64_t t = 0; t < a.batch; ++t)
    for (int64_t i = 0; i < a.rows; ++i)
      for (int64_t j = 0; j < b.cols; ++j) {
        double s = 0;
        for (int64_t k = 0; k < a.cols; ++k) s += a.at(t, i, k) * b.at(t, k, j);
        c.at(t, i, j) = s;
      }
  return c;
}
Mats transpose(const Mats& a) {
  Mats t{a.batch, a.cols, a.rows, a.v};
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t i = 0; i < a.rows; ++i)
      for (int64_t j = 0; j < a.cols; ++j) t.at(b, j, i) = a.at(b, i, j);
  return t;
}
Mats eye(int64_t batch, int64_t n, int64_t m) {
  Mats e{batch, n, m, std::vector<double>(size_t(batch * n * m), 0.0)};
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < std::min(n, m); ++i) e.at(b, i, i) = 1;
  return e;
}
double max_abs_diff(const Mats& a, const Mats& b) {
  double d = 0;
  for (size_t i = 0; i < a.v.size(); ++i) d = std::max(d, std::fabs(a.v[i] - b.v[i]));
  return d;
}
double tol_of(DType dt) { return dt == jx::float64 ? 1e-10 : 2e-4; }

Array random_matrix(DType dt, const Shape& s, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(size_t(s.numel()));
  for (double& e : v) e = u(rng);
  return lx::convert_element_type(array(v, s), dt);
}
// Symmetric positive definite: B B^T + n I.
Array spd(DType dt, const Shape& s, std::mt19937& rng) {
  Array b = random_matrix(jx::float64, s, rng);
  Mats m = host(b);
  Mats a = matmul(m, transpose(m));
  for (int64_t t = 0; t < a.batch; ++t)
    for (int64_t i = 0; i < a.rows; ++i) a.at(t, i, i) += double(a.rows);
  return device(a, s, dt);
}
// Symmetric with well-separated eigenvalues: Q diag(1, 3, 5, ...) Q^T.
Array separated_symmetric(DType dt, const Shape& s, std::mt19937& rng) {
  auto [q, r] = ll::qr(random_matrix(jx::float64, s, rng));
  Mats qm = host(q), d = eye(qm.batch, qm.rows, qm.rows);
  for (int64_t b = 0; b < d.batch; ++b)
    for (int64_t i = 0; i < d.rows; ++i) d.at(b, i, i) = 2.0 * double(i) + 1 - double(d.rows);
  return device(matmul(matmul(qm, d), transpose(qm)), s, dt);
}

// ---------------------------------------------------------------- forward

TEST(Linalg, CholeskyReconstructs) {
  std::mt19937 rng(1);
  for (DType dt : {jx::float32, jx::float64})
    for (Shape s : {Shape{4, 4}, Shape{2, 3, 5, 5}, Shape{1, 1}}) {
      Array a = spd(dt, s, rng);
      Array l = ll::cholesky(a);
      ASSERT_EQ(l.shape(), s);
      ASSERT_EQ(l.dtype(), dt);
      Mats L = host(l);
      for (int64_t b = 0; b < L.batch; ++b)
        for (int64_t i = 0; i < L.rows; ++i) {
          EXPECT_GT(L.at(b, i, i), 0);
          for (int64_t j = i + 1; j < L.cols; ++j) EXPECT_EQ(L.at(b, i, j), 0);
        }
      EXPECT_LT(max_abs_diff(matmul(L, transpose(L)), host(a)), tol_of(dt) * double(s.back()) * 10)
          << dt.name() << " " << s.str();
    }
}

// JAX: cholesky([[1, 2], [2, 1]]) = [[nan, 0], [nan, nan]].
TEST(Linalg, CholeskyNotPositiveDefiniteGivesNaN) {
  Array a = lx::convert_element_type(array<double>({1, 2, 2, 1}, Shape{2, 2}), jx::float32);
  auto v = ll::cholesky(a).to_vector<double>();
  EXPECT_TRUE(std::isnan(v[0]) && std::isnan(v[2]) && std::isnan(v[3]));
  EXPECT_EQ(v[1], 0);
  // Only the failing matrix of a batch is NaN.
  std::mt19937 rng(2);
  Array good = spd(jx::float64, Shape{1, 2, 2}, rng);
  Array both = lx::concatenate(
      {good, lx::reshape(lx::convert_element_type(a, jx::float64), Shape{1, 2, 2})}, 0);
  auto w = ll::cholesky(both).to_vector<double>();
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(std::isnan(w[size_t(i)]));
  EXPECT_TRUE(std::isnan(w[4]));
}

TEST(Linalg, TriangularSolveAllFlags) {
  std::mt19937 rng(3);
  for (DType dt : {jx::float32, jx::float64})
    for (int flags = 0; flags < 16; ++flags) {
      bool left = flags & 1, lower = flags & 2, trans = flags & 4, unit = flags & 8;
      int64_t m = 4, n = 3, k = left ? m : n;
      Array a = random_matrix(jx::float64, Shape{2, k, k}, rng);
      Mats am = host(a);
      for (int64_t b = 0; b < 2; ++b)
        for (int64_t i = 0; i < k; ++i) am.at(b, i, i) += 3.0;  // well conditioned
      a = device(am, Shape{2, k, k}, dt);
      Array bm = random_matrix(dt, Shape{2, m, n}, rng);
      Array x = ll::triangular_solve(a, bm, left, lower, trans, unit);
      ASSERT_EQ(x.shape(), (Shape{2, m, n}));
      // op(A) built on the host from the triangle that is read.
      Mats t = host(a);
      for (int64_t b = 0; b < 2; ++b)
        for (int64_t i = 0; i < k; ++i)
          for (int64_t j = 0; j < k; ++j) {
            if ((lower && j > i) || (!lower && j < i)) t.at(b, i, j) = 0;
            if (unit && i == j) t.at(b, i, j) = 1;
          }
      if (trans) t = transpose(t);
      Mats xm = host(x);
      Mats back = left ? matmul(t, xm) : matmul(xm, t);
      EXPECT_LT(max_abs_diff(back, host(bm)), tol_of(dt) * 10)
          << "flags " << flags << " " << dt.name();
    }
  // One vector per batch (b is [..., k]).
  Array a = lx::convert_element_type(array<double>({2, 0, 1, 4}, Shape{2, 2}), jx::float64);
  Array b = lx::convert_element_type(array<double>({2, 9}, Shape{2}), jx::float64);
  EXPECT_EQ(ll::triangular_solve(a, b, true, true).to_vector<double>(),
            (std::vector<double>{1, 2}));
}

TEST(Linalg, LuReconstructs) {
  std::mt19937 rng(4);
  for (DType dt : {jx::float32, jx::float64})
    for (Shape s : {Shape{4, 4}, Shape{3, 5}, Shape{5, 3}, Shape{2, 3, 3}}) {
      Array a = random_matrix(dt, s, rng);
      auto [lu, piv, perm] = ll::lu(a);
      int64_t m = s[s.size() - 2], n = s.back(), k = std::min(m, n);
      ASSERT_EQ(piv.dtype(), jx::int32);
      ASSERT_EQ(piv.shape().back(), k);
      ASSERT_EQ(perm.shape().back(), m);
      Mats LU = host(lu);
      Mats L{LU.batch, m, k, std::vector<double>(size_t(LU.batch * m * k), 0.0)};
      Mats U{LU.batch, k, n, std::vector<double>(size_t(LU.batch * k * n), 0.0)};
      for (int64_t b = 0; b < LU.batch; ++b) {
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < k; ++j) L.at(b, i, j) = i == j ? 1 : i > j ? LU.at(b, i, j) : 0;
        for (int64_t i = 0; i < k; ++i)
          for (int64_t j = i; j < n; ++j) U.at(b, i, j) = LU.at(b, i, j);
      }
      Mats A = host(a), PA = A;
      auto p = perm.to_vector<int>();
      auto pv = piv.to_vector<int>();
      for (int64_t b = 0; b < A.batch; ++b) {
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) PA.at(b, i, j) = A.at(b, p[size_t(b * m + i)], j);
        // The pivots are the swaps that build the permutation.
        std::vector<int> q(static_cast<size_t>(m));
        std::iota(q.begin(), q.end(), 0);
        for (int64_t i = 0; i < k; ++i) std::swap(q[size_t(i)], q[size_t(pv[size_t(b * k + i)])]);
        for (int64_t i = 0; i < m; ++i) EXPECT_EQ(q[size_t(i)], p[size_t(b * m + i)]);
      }
      EXPECT_LT(max_abs_diff(matmul(L, U), PA), tol_of(dt) * 10) << dt.name() << " " << s.str();
    }
}

// JAX: lu([[1, 2], [2, 4]]) = ([[2, 4], [0.5, 0]], [1, 1], [1, 0]); solves
// with the singular factor give inf, not an exception.
TEST(Linalg, LuSingular) {
  Array a = lx::convert_element_type(array<double>({1, 2, 2, 4}, Shape{2, 2}), jx::float64);
  auto [lu, piv, perm] = ll::lu(a);
  EXPECT_EQ(lu.to_vector<double>(), (std::vector<double>{2, 4, 0.5, 0}));
  EXPECT_EQ(piv.to_vector<int>(), (std::vector<int>{1, 1}));
  EXPECT_EQ(perm.to_vector<int>(), (std::vector<int>{1, 0}));
  auto x =
      ll::triangular_solve(lu, jx::np::ones({2, 1}, jx::float64), true, false).to_vector<double>();
  EXPECT_TRUE(std::isinf(x[1]) || std::isnan(x[1]));
}

TEST(Linalg, QrReconstructs) {
  std::mt19937 rng(5);
  for (DType dt : {jx::float32, jx::float64})
    for (Shape s : {Shape{4, 4}, Shape{5, 3}, Shape{3, 5}, Shape{2, 4, 2}})
      for (bool full : {true, false}) {
        Array a = random_matrix(dt, s, rng);
        auto [q, r] = ll::qr(a, full);
        int64_t m = s[s.size() - 2], n = s.back(), k = full ? m : std::min(m, n);
        ASSERT_EQ(q.shape().back(), k);
        ASSERT_EQ(q.shape()[q.shape().size() - 2], m);
        ASSERT_EQ(r.shape()[r.shape().size() - 2], k);
        Mats Q = host(q), R = host(r);
        for (int64_t b = 0; b < R.batch; ++b)
          for (int64_t i = 0; i < k; ++i)
            for (int64_t j = 0; j < std::min(i, n); ++j) EXPECT_EQ(R.at(b, i, j), 0);
        EXPECT_LT(max_abs_diff(matmul(transpose(Q), Q), eye(Q.batch, k, k)), tol_of(dt) * 10);
        EXPECT_LT(max_abs_diff(matmul(Q, R), host(a)), tol_of(dt) * 10)
            << dt.name() << " " << s.str() << " full " << full;
      }
}

TEST(Linalg, EighReconstructs) {
  std::mt19937 rng(6);
  for (DType dt : {jx::float32, jx::float64})
    for (Shape s : {Shape{4, 4}, Shape{3, 2, 2}, Shape{1, 1}}) {
      Array a = separated_symmetric(dt, s, rng);
      auto [v, w] = ll::eigh(a);
      Mats V = host(v);
      auto wv = w.to_vector<double>();
      int64_t n = s.back();
      Mats D = eye(V.batch, n, n);
      for (int64_t b = 0; b < V.batch; ++b)
        for (int64_t i = 0; i < n; ++i) {
          D.at(b, i, i) = wv[size_t(b * n + i)];
          if (i) {
            EXPECT_LT(wv[size_t(b * n + i - 1)], wv[size_t(b * n + i)]);  // ascending
          }
        }
      EXPECT_LT(max_abs_diff(matmul(transpose(V), V), eye(V.batch, n, n)), tol_of(dt) * 10);
      EXPECT_LT(max_abs_diff(matmul(matmul(V, D), transpose(V)), host(a)), tol_of(dt) * 20)
          << s.str();
    }
  // Without symmetrization only the chosen triangle is read.
  Array tri = lx::convert_element_type(array<double>({2, 100, 1, 2}, Shape{2, 2}), jx::float64);
  auto wl = ll::eigh(tri, true, false).second.to_vector<double>();
  EXPECT_NEAR(wl[0], 1, 1e-12);
  EXPECT_NEAR(wl[1], 3, 1e-12);
  auto wu = ll::eigh(tri, false, false).second.to_vector<double>();
  EXPECT_NEAR(wu[0], -98, 1e-10);
}

TEST(Linalg, SvdReconstructs) {
  std::mt19937 rng(7);
  for (DType dt : {jx::float32, jx::float64})
    for (Shape s : {Shape{4, 4}, Shape{5, 3}, Shape{3, 5}, Shape{2, 3, 2}})
      for (bool full : {true, false}) {
        Array a = random_matrix(dt, s, rng);
        auto [u, sv, vt] = ll::svd(a, full);
        int64_t m = s[s.size() - 2], n = s.back(), k = std::min(m, n);
        ASSERT_EQ(u.shape().back(), full ? m : k);
        ASSERT_EQ(vt.shape()[vt.shape().size() - 2], full ? n : k);
        Mats U = host(u), Vt = host(vt);
        auto sw = sv.to_vector<double>();
        Mats S{U.batch, U.cols, Vt.rows,
               std::vector<double>(size_t(U.batch * U.cols * Vt.rows), 0.0)};
        for (int64_t b = 0; b < U.batch; ++b)
          for (int64_t i = 0; i < k; ++i) {
            S.at(b, i, i) = sw[size_t(b * k + i)];
            if (i) {
              EXPECT_GE(sw[size_t(b * k + i - 1)], sw[size_t(b * k + i)]);
            }
          }
        EXPECT_LT(max_abs_diff(matmul(transpose(U), U), eye(U.batch, U.cols, U.cols)),
                  tol_of(dt) * 10);
        EXPECT_LT(max_abs_diff(matmul(Vt, transpose(Vt)), eye(U.batch, Vt.rows, Vt.rows)),
                  tol_of(dt) * 10);
        EXPECT_LT(max_abs_diff(matmul(matmul(U, S), Vt), host(a)), tol_of(dt) * 10)
            << s.str() << " full " << full;
        auto [u2, s2, v2] = ll::svd(a, full, false);
        EXPECT_FALSE(u2.defined());
        auto s2v = s2.to_vector<double>();
        for (size_t i = 0; i < sw.size(); ++i) EXPECT_NEAR(s2v[i], sw[i], tol_of(dt));
      }
}

TEST(Linalg, EmptyMatrices) {
  Array z = jx::np::zeros({0, 0});
  EXPECT_EQ(ll::cholesky(z).shape(), (Shape{0, 0}));
  EXPECT_EQ(std::get<0>(ll::lu(jx::np::zeros({0, 3}))).shape(), (Shape{0, 3}));
  auto [q, r] = ll::qr(jx::np::zeros({2, 0}));
  EXPECT_EQ(q.to_vector<double>(), (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(r.shape(), (Shape{2, 0}));
  auto [u, s, vt] = ll::svd(jx::np::zeros({0, 2}));
  EXPECT_EQ(s.shape(), Shape{0});
  EXPECT_EQ(vt.to_vector<double>(), (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(ll::eigh(jx::np::zeros({3, 0, 0})).second.shape(), (Shape{3, 0}));
}

TEST(Linalg, Errors) {
  std::string m = error_of([] { ll::cholesky(jx::np::zeros({3, 4})); });
  EXPECT_NE(
      m.find("[cholesky] operand must be a batch of square matrices [..., n, n], got f32[3,4]"),
      std::string::npos)
      << m;
  EXPECT_NE(m.find("linalg_test.cpp"), std::string::npos) << m;
  m = error_of([] { ll::eigh(jx::np::zeros({2, 3})); });
  EXPECT_NE(m.find("[eigh] operand must be a batch of square matrices"), std::string::npos) << m;
  m = error_of([] { ll::qr(jx::np::zeros({3})); });
  EXPECT_NE(m.find("[qr] operand must be a batch of matrices [..., m, n], got f32[3]"),
            std::string::npos)
      << m;
  m = error_of([] { ll::svd(jx::np::zeros({2, 2}, jx::int32)); });
  EXPECT_NE(m.find("[svd] expected a float32 or float64 operand, got i32[2,2]"), std::string::npos)
      << m;
  m = error_of([] { ll::lu(jx::np::zeros({2, 2}, jx::float16)); });
  EXPECT_NE(m.find("[lu] expected a float32 or float64 operand"), std::string::npos) << m;
  m = error_of([] { ll::triangular_solve(jx::np::zeros({3, 3}), jx::np::zeros({4, 2}), true); });
  EXPECT_NE(m.find("[triangular_solve] incompatible shapes f32[3,3] and f32[4,2]: b's rows must "
                   "match a's size 3"),
            std::string::npos)
      << m;
  m = error_of([] { ll::triangular_solve(jx::np::zeros({2, 3, 3}), jx::np::zeros({3, 3, 3})); });
  EXPECT_NE(m.find("must have the same batch dimensions"), std::string::npos) << m;
  m = error_of([] {
    ll::triangular_solve(jx::np::zeros({3, 3}), jx::np::zeros({3, 3}, jx::float64));
  });
  EXPECT_NE(m.find("a and b must have equal dtypes"), std::string::npos) << m;
}

// ---------------------------------------------------------------- derivatives

jx::FlatFn out(std::function<Arrays(const Array&)> f) {
  return [f](std::span<const Array> in) { return f(in[0]); };
}

TEST(Linalg, GradCholeskyAndTriangularSolve) {
  std::mt19937 rng(8);
  for (DType dt : {jx::float32, jx::float64}) {
    double eps = dt == jx::float32 ? 1e-2 : 1e-4;
    Array a = spd(dt, Shape{3, 3}, rng);
    EXPECT_NO_THROW(
        jx::test::check_grads(out([](const Array& x) { return Arrays{ll::cholesky(x)}; }),
                              Arrays{a}, 2, {"fwd", "rev"}, {}, {}, eps))
        << dt.name();
    Array t = lx::add(random_matrix(dt, Shape{3, 3}, rng),
                      lx::mul(jx::np::eye(3, {}, 0, dt), jx::np::full({3, 3}, 3, dt)));
    Array b = random_matrix(dt, Shape{3, 2}, rng), c = random_matrix(dt, Shape{2, 3}, rng);
    for (int flags = 0; flags < 8; ++flags) {
      bool lower = flags & 1, trans = flags & 2, unit = flags & 4;
      auto left = [=](std::span<const Array> in) {
        return Arrays{ll::triangular_solve(in[0], in[1], true, lower, trans, unit)};
      };
      auto right = [=](std::span<const Array> in) {
        return Arrays{ll::triangular_solve(in[0], in[1], false, lower, trans, unit)};
      };
      EXPECT_NO_THROW(jx::test::check_grads(left, Arrays{t, b}, 2, {"fwd", "rev"}, {}, {}, eps))
          << flags;
      EXPECT_NO_THROW(jx::test::check_grads(right, Arrays{t, c}, 2, {"fwd", "rev"}, {}, {}, eps))
          << flags;
    }
  }
}

TEST(Linalg, GradLuQrEighSvd) {
  std::mt19937 rng(9);
  for (DType dt : {jx::float32, jx::float64}) {
    double eps = dt == jx::float32 ? 1e-2 : 1e-4;
    auto check = [&](const char* what, std::function<Arrays(const Array&)> f, const Array& x,
                     int order) {
      EXPECT_NO_THROW(jx::test::check_grads(out(f), Arrays{x}, order, {"fwd", "rev"}, {}, {}, eps))
          << what << " " << dt.name() << " " << x.shape().str();
    };
    for (Shape s : {Shape{3, 3}, Shape{4, 2}, Shape{2, 4}}) {
      Array a = random_matrix(dt, s, rng);
      check(
          "lu", [](const Array& x) { return Arrays{std::get<0>(ll::lu(x))}; }, a, 1);
    }
    for (Shape s : {Shape{3, 3}, Shape{4, 2}}) {
      Array a = random_matrix(dt, s, rng);
      check(
          "qr",
          [](const Array& x) {
            auto [q, r] = ll::qr(x, false);
            return Arrays{q, r};
          },
          a, 2);
    }
    // Well-separated eigenvalues. LAPACK may flip an eigenvector's sign
    // between nearby matrices, so each column is normalized to a positive
    // first element (the sign's derivative is zero).
    Array sym = separated_symmetric(dt, Shape{3, 3}, rng);
    auto eig = [](const Array& x) {
      auto [v, w] = ll::eigh(x);
      Array first = lx::slice(v, {0, 0}, {1, 3});
      return Arrays{lx::mul(v, lx::broadcast_in_dim(lx::sign(lx::reshape(first, Shape{3})),
                                                    Shape{3, 3}, {1})),
                    w};
    };
    check("eigh", eig, sym, 2);
    for (Shape s : {Shape{3, 3}, Shape{4, 2}, Shape{2, 4}}) {
      Array a = random_matrix(dt, s, rng);
      check(
          "svd",
          [](const Array& x) {
            auto [u, sv, vt] = ll::svd(x, false);
            return Arrays{u, sv, vt};
          },
          a, 1);
      check(
          "svd values",
          [](const Array& x) { return Arrays{std::get<1>(ll::svd(x, false, false))}; }, a, 2);
    }
  }
}

TEST(Linalg, GradUnsupportedCasesAreClearErrors) {
  Array a = random_matrix(jx::float64, Shape{2, 3}, *std::make_unique<std::mt19937>(1));
  auto f = out([](const Array& x) {
    auto [q, r] = ll::qr(x, false);
    return Arrays{q, r};
  });
  std::string m = error_of([&] { jx::jvp_flat(f, Arrays{a}, Arrays{a}); });
  EXPECT_NE(m.find("[qr] differentiation is implemented only for m >= n"), std::string::npos) << m;
  Array b = random_matrix(jx::float64, Shape{3, 2}, *std::make_unique<std::mt19937>(2));
  auto g = out([](const Array& x) {
    auto [u, s, vt] = ll::svd(x, true);
    return Arrays{u};
  });
  m = error_of([&] { jx::jvp_flat(g, Arrays{b}, Arrays{b}); });
  EXPECT_NE(m.find("[svd] differentiation with full_matrices=true is implemented only for square"),
            std::string::npos)
      << m;
}

// ---------------------------------------------------------------- vmap

Array take(const Array& x, int axis, int64_t i) {
  std::vector<int64_t> start(size_t(x.ndim()), 0), limit = x.shape().to_vector();
  start[size_t(axis)] = i;
  limit[size_t(axis)] = i + 1;
  return lx::squeeze(lx::slice(x, start, limit), {axis});
}

void check_vmap(const jx::FlatFn& f, const Arrays& args,
                const std::vector<std::optional<int>>& in_axes, int64_t n, double tol,
                const std::string& what) {
  Arrays got = jx::vmap_flat(f, args, in_axes, {});
  for (size_t k = 0; k < got.size(); ++k) {
    Arrays parts;
    for (int64_t i = 0; i < n; ++i) {
      Arrays xs;
      for (size_t a = 0; a < args.size(); ++a)
        xs.push_back(in_axes[a] ? take(args[a], *in_axes[a], i) : args[a]);
      parts.push_back(f(xs)[k]);
    }
    Array want = jx::np::stack(parts, 0);
    ASSERT_EQ(got[k].shape(), want.shape()) << what;
    auto g = got[k].to_vector<double>(), w = want.to_vector<double>();
    for (size_t i = 0; i < g.size(); ++i) ASSERT_NEAR(g[i], w[i], tol) << what << " at " << i;
  }
}

TEST(Linalg, VmapMatchesLoop) {
  std::mt19937 rng(10);
  for (int trial = 0; trial < 8; ++trial) {
    int ax = int(rng() % 3);
    Shape s{4, 4};
    s.insert(size_t(ax), 3);
    Array a = lx::convert_element_type(
        jx::np::moveaxis(spd(jx::float64, Shape{3, 4, 4}, rng), 0, ax), jx::float64);
    check_vmap(out([](const Array& x) { return Arrays{ll::cholesky(x)}; }), {a}, {ax}, 3, 1e-12,
               "cholesky");
    check_vmap(out([](const Array& x) {
                 auto [v, w] = ll::eigh(x);
                 return Arrays{w};
               }),
               {a}, {ax}, 3, 1e-12, "eigh");
    check_vmap(out([](const Array& x) {
                 auto [q, r] = ll::qr(x);
                 return Arrays{r};
               }),
               {a}, {ax}, 3, 1e-12, "qr");
    check_vmap(out([](const Array& x) { return Arrays{std::get<1>(ll::svd(x))}; }), {a}, {ax}, 3,
               1e-12, "svd");
    check_vmap(out([](const Array& x) { return Arrays{std::get<0>(ll::lu(x))}; }), {a}, {ax}, 3,
               1e-12, "lu");
    // triangular_solve with a batched or unbatched, left and right.
    for (bool left : {true, false})
      for (bool a_mapped : {true, false}) {
        int bx = int(rng() % 3);
        Shape bs = left ? Shape{4, 2} : Shape{2, 4};
        bs.insert(size_t(bx), 3);
        Array b = random_matrix(jx::float64, bs, rng);
        Array a1 = a_mapped ? a : take(a, ax, 0);
        auto f = [left](std::span<const Array> in) {
          return Arrays{ll::triangular_solve(in[0], in[1], left, true)};
        };
        check_vmap(f, {a1, b}, {a_mapped ? std::optional<int>(ax) : std::nullopt, bx}, 3, 1e-12,
                   std::string("triangular_solve left ") + (left ? "1" : "0") + " a_mapped " +
                       (a_mapped ? "1" : "0"));
      }
  }
}

// jit calls the same LAPACK kernels: the same bits as eager.
TEST(Linalg, JitMatchesEager) {
  std::mt19937 rng(11);
  Array a = spd(jx::float64, Shape{2, 3, 3}, rng);
  Array b = random_matrix(jx::float64, Shape{2, 3, 2}, rng);
  auto f = [](const Array& x, const Array& y) {
    Array l = ll::cholesky(x);
    auto [lu, piv, perm] = ll::lu(x);
    auto [q, r] = ll::qr(x);
    auto [v, w] = ll::eigh(x);
    auto [u, s, vt] = ll::svd(y, false);
    return std::make_tuple(l, ll::triangular_solve(l, y, true, true), lu, perm, r, w, s);
  };
  auto eager = f(a, b);
  auto compiled = jx::jit(f)(a, b);
  auto same = [](const Array& x, const Array& y) {
    return x.shape() == y.shape() && std::memcmp(x.data(), y.data(), size_t(x.nbytes())) == 0;
  };
  EXPECT_TRUE(same(std::get<0>(eager), std::get<0>(compiled)));
  EXPECT_TRUE(same(std::get<1>(eager), std::get<1>(compiled)));
  EXPECT_TRUE(same(std::get<2>(eager), std::get<2>(compiled)));
  EXPECT_TRUE(same(std::get<3>(eager), std::get<3>(compiled)));
  EXPECT_TRUE(same(std::get<4>(eager), std::get<4>(compiled)));
  EXPECT_TRUE(same(std::get<5>(eager), std::get<5>(compiled)));
  EXPECT_TRUE(same(std::get<6>(eager), std::get<6>(compiled)));
  auto loss = [](const Array& x) { return jx::np::sum(ll::cholesky(x)); };
  Array g = jx::grad(loss)(a), gj = jx::jit(jx::grad(loss))(a);
  auto gv = g.to_vector<double>(), gjv = gj.to_vector<double>();
  for (size_t i = 0; i < gv.size(); ++i) EXPECT_NEAR(gv[i], gjv[i], 1e-12);
}

// vmap of reverse-mode derivatives: the rules' ops batch too.
TEST(Linalg, VmapOfGradMatchesLoop) {
  std::mt19937 rng(12);
  Array a = spd(jx::float64, Shape{3, 3, 3}, rng);
  Array b = random_matrix(jx::float64, Shape{3, 3, 2}, rng);
  auto loss = [](std::span<const Array> in) {
    Array l = ll::cholesky(in[0]);
    Array x = ll::triangular_solve(l, in[1], true, true, true);
    auto [v, w] = ll::eigh(in[0]);
    auto [q, r] = ll::qr(in[0], false);
    return Arrays{lx::add(lx::add(lx::reduce_sum(lx::mul(x, x), {0, 1}), lx::reduce_sum(w, {0})),
                          lx::reduce_sum(lx::mul(r, r), {0, 1}))};
  };
  jx::FlatFn grads = [loss](std::span<const Array> in) {
    auto [ys, pullback] = jx::vjp_flat(loss, in);
    return pullback(Arrays{jx::np::ones({}, jx::float64)});
  };
  check_vmap(grads, {a, b}, {0, 0}, 3, 1e-10, "vmap(grad)");
  check_vmap(grads, {a, take(b, 0, 0)}, {0, std::nullopt}, 3, 1e-10, "vmap(grad), b unbatched");
}

}  // namespace
}  // namespace jxt
