// jx::np sorting/searching/cumulative functions and jx::np::linalg against
// naive references in double and values JAX printed: sort/argsort (axis
// none, descending, stability), searchsorted with NaN, cumsum/cumprod dtypes,
// diff; inv, solve (vectors, matrices, broadcast batches), det and slogdet
// (including singular matrices), norms of every order, pinv, matrix_power;
// errors with their messages; check_grads of det, inv and solve.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "jx/check_grads.h"
#include "jx/numpy_linalg.h"
#include "jx/numpy_sort.h"
#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace np = jx::np;
namespace la = jx::np::linalg;
namespace lx = jx::lax;
using jx::Array;
using jx::DType;
using jx::Shape;
using Arrays = std::vector<Array>;

Array f64(const std::vector<double>& v, const Shape& s) { return array(v, s); }
Array f32(const std::vector<double>& v, const Shape& s) {
  return lx::convert_element_type(array(v, s), jx::float32);
}
std::vector<double> vals(const Array& a) { return a.to_vector<double>(); }

void expect_near(const Array& got, const std::vector<double>& want, double tol,
                 const std::string& what = "") {
  auto g = vals(got);
  ASSERT_EQ(g.size(), want.size()) << what;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << what << " at " << i;
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(g[i], want[i]) << what << " at " << i;
    } else {
      EXPECT_NEAR(g[i], want[i], tol * (1 + std::fabs(want[i]))) << what << " at " << i;
    }
  }
}

// ---------------------------------------------------------------- sorting

TEST(SortNp, SortAndArgsort) {
  Array x = f32({3, 1, 2, 1, NAN, -1}, Shape{2, 3});
  expect_near(np::sort(x), {1, 2, 3, -1, 1, NAN}, 0);
  expect_near(np::sort(x, 0), {1, 1, -1, 3, NAN, 2}, 0);
  expect_near(np::sort(x, std::nullopt), {-1, 1, 1, 2, 3, NAN}, 0);
  EXPECT_EQ(np::argsort(x).to_vector<int>(), (std::vector<int>{1, 2, 0, 2, 0, 1}));
  EXPECT_EQ(np::argsort(x).dtype(), jx::int32);
  // Descending keeps equal elements in their original order.
  Array t = array<int>({2, 5, 2, 7, 5});
  EXPECT_EQ(np::argsort(t, -1, true, true).to_vector<int>(), (std::vector<int>{3, 1, 4, 0, 2}));
  EXPECT_EQ(np::sort(t, -1, true, true).to_vector<int>(), (std::vector<int>{7, 5, 5, 2, 2}));
  EXPECT_EQ(np::argsort(t, std::nullopt).to_vector<int>(), (std::vector<int>{0, 2, 1, 4, 3}));
  std::string m = error_of([&] { np::sort(x, 2); });
  EXPECT_NE(m.find("[sort] axis 2 is out of bounds for array of dimension 2"), std::string::npos)
      << m;
}

TEST(SortNp, LexsortAndNanCumulative) {
  // np.lexsort((b, a)): a primary, b breaks ties.
  Array a = array<int>({1, 0, 1, 0, 1});
  Array b = array<int>({5, 4, 3, 2, 1});
  EXPECT_EQ(np::lexsort({b, a}).to_vector<int>(), (std::vector<int>{3, 1, 4, 2, 0}));
  EXPECT_EQ(np::lexsort({a, b}).to_vector<int>(), (std::vector<int>{4, 3, 2, 1, 0}));
  std::string m = error_of([&] { np::lexsort({a, array<int>({1})}); });
  EXPECT_NE(m.find("[lexsort] all keys must have one shape"), std::string::npos) << m;
  Array x = f32({1, NAN, 2, NAN}, Shape{4});
  expect_near(np::nancumsum(x), {1, 1, 3, 3}, 0);
  expect_near(np::nancumprod(x), {1, 1, 2, 2}, 0);
}

// Values printed by JAX 0.10.2.
TEST(SortNp, SearchsortedLeftRightAndNaN) {
  Array a = f32({1, 2, 2, 3, NAN}, Shape{5});
  Array v = f32({2, NAN, 0, 5}, Shape{4});
  EXPECT_EQ(np::searchsorted(a, v).to_vector<int>(), (std::vector<int>{1, 4, 0, 4}));
  EXPECT_EQ(np::searchsorted(a, v, "right").to_vector<int>(), (std::vector<int>{3, 5, 0, 4}));
  // Scalars and n-d queries keep the query's shape; dtypes promote.
  Array ints = array<int>({0, 10, 20, 30});
  EXPECT_EQ(np::searchsorted(ints, 15).item<int>(), 2);
  EXPECT_EQ(np::searchsorted(ints, f32({-1, 10, 10.5, 40}, Shape{2, 2})).shape(), (Shape{2, 2}));
  EXPECT_EQ(np::searchsorted(ints, f32({-1, 10, 10.5, 40}, Shape{2, 2}), "right").to_vector<int>(),
            (std::vector<int>{0, 2, 2, 4}));
  EXPECT_EQ(np::searchsorted(ints, np::zeros({0})).shape(), Shape{0});
  std::string m = error_of([&] { np::searchsorted(ints, 1, "middle"); });
  EXPECT_NE(m.find("[searchsorted] side must be \"left\" or \"right\", got \"middle\""),
            std::string::npos)
      << m;
  m = error_of([&] { np::searchsorted(np::zeros({2, 2}), 1); });
  EXPECT_NE(m.find("[searchsorted] a must be 1-dimensional, got shape (2, 2)"), std::string::npos)
      << m;
}

TEST(SortNp, CumsumCumprodDiff) {
  Array x = array<int>({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  EXPECT_EQ(np::cumsum(x).to_vector<int>(), (std::vector<int>{1, 3, 6, 10, 15, 21}));
  EXPECT_EQ(np::cumsum(x, 1).to_vector<int>(), (std::vector<int>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(np::cumprod(x, 0).to_vector<int>(), (std::vector<int>{1, 2, 3, 4, 10, 18}));
  // jnp: bool accumulates in the default int; narrow ints keep their dtype.
  EXPECT_EQ(np::cumsum(array<bool>({true, true, false})).dtype(), jx::int32);
  Array i8 = lx::convert_element_type(array<int>({100, 100}), jx::int8);
  EXPECT_EQ(np::cumsum(i8).dtype(), jx::int8);
  EXPECT_EQ(np::cumsum(i8).to_vector<int>(), (std::vector<int>{100, -56}));
  EXPECT_EQ(np::cumsum(x, 0, jx::float32).dtype(), jx::float32);
  EXPECT_EQ(np::diff(array<int>({1, 4, 9, 16})).to_vector<int>(), (std::vector<int>{3, 5, 7}));
  EXPECT_EQ(np::diff(array<int>({1, 4, 9, 16}), 2).to_vector<int>(), (std::vector<int>{2, 2}));
  EXPECT_EQ(np::diff(x, 1, 0).to_vector<int>(), (std::vector<int>{3, 3, 3}));
  EXPECT_EQ(np::diff(array<bool>({true, true, false})).to_vector<int>(), (std::vector<int>{0, 1}));
  EXPECT_EQ(np::diff(array<int>({1}), 3).shape(), Shape{0});
  std::string m = error_of([&] { np::diff(x, -1); });
  EXPECT_NE(m.find("[diff] order must be non-negative, got n=-1"), std::string::npos) << m;
}

// ---------------------------------------------------------------- linalg: values

std::vector<double> naive_matmul(const std::vector<double>& a, const std::vector<double>& b, int n,
                                 int k, int m) {
  std::vector<double> c(size_t(n * m), 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j)
      for (int t = 0; t < k; ++t)
        c[size_t(i * m + j)] += a[size_t(i * k + t)] * b[size_t(t * m + j)];
  return c;
}
// Determinant by Gaussian elimination with partial pivoting, in double.
double naive_det(std::vector<double> a, int n) {
  double d = 1;
  for (int c = 0; c < n; ++c) {
    int p = c;
    for (int r = c + 1; r < n; ++r)
      if (std::fabs(a[size_t(r * n + c)]) > std::fabs(a[size_t(p * n + c)])) p = r;
    if (a[size_t(p * n + c)] == 0) return 0;
    if (p != c) {
      for (int j = 0; j < n; ++j) std::swap(a[size_t(p * n + j)], a[size_t(c * n + j)]);
      d = -d;
    }
    d *= a[size_t(c * n + c)];
    for (int r = c + 1; r < n; ++r) {
      double f = a[size_t(r * n + c)] / a[size_t(c * n + c)];
      for (int j = c; j < n; ++j) a[size_t(r * n + j)] -= f * a[size_t(c * n + j)];
    }
  }
  return d;
}
std::vector<double> random_values(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(n);
  for (double& e : v) e = u(rng);
  return v;
}

TEST(LinalgNp, InvSolveDet) {
  std::mt19937 rng(1);
  for (int n : {1, 2, 3, 5}) {
    auto av = random_values(size_t(n * n), rng);
    for (int i = 0; i < n; ++i) av[size_t(i * n + i)] += 2;
    Array a = f64(av, Shape{n, n});
    auto iv = vals(la::inv(a));
    auto eye = naive_matmul(av, iv, n, n, n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) EXPECT_NEAR(eye[size_t(i * n + j)], i == j ? 1 : 0, 1e-12);
    EXPECT_NEAR(la::det(a).item<double>(), naive_det(av, n),
                1e-12 * (1 + std::fabs(naive_det(av, n))));
    auto [sign, logdet] = la::slogdet(a);
    double d = naive_det(av, n);
    EXPECT_EQ(sign.item<double>(), d > 0 ? 1 : -1);
    EXPECT_NEAR(logdet.item<double>(), std::log(std::fabs(d)), 1e-12);
    auto bv = random_values(size_t(n), rng);
    auto x = vals(la::solve(a, f64(bv, Shape{n})));
    auto back = naive_matmul(av, x, n, n, 1);
    for (int i = 0; i < n; ++i) EXPECT_NEAR(back[size_t(i)], bv[size_t(i)], 1e-12);
  }
  // Integers promote; batches broadcast.
  Array ai = array<int>({2, 1, 1, 3}, Shape{2, 2});
  EXPECT_EQ(la::inv(ai).dtype(), jx::float32);
  EXPECT_NEAR(la::det(ai).item<double>(), 5, 1e-6);
  Array batch = f64({2, 0, 0, 2, 1, 0, 0, 4}, Shape{2, 2, 2});
  expect_near(la::solve(batch, f64({2, 4, 2, 4}, Shape{2, 2})), {1, 2, 2, 1},
              1e-12);  // one vector per matrix
  expect_near(la::solve(batch, f64({2, 4}, Shape{2})), {1, 2, 2, 1}, 1e-12);  // one shared vector
  expect_near(la::solve(batch, f64({2, 4, 4, 8}, Shape{2, 2})), {1, 2, 4, 2}, 1e-12);
  expect_near(la::solve(batch, f64({2, 4, 6, 8}, Shape{1, 2, 2})), {1, 2, 3, 4, 2, 4, 1.5, 2},
              1e-12);
  expect_near(la::det(batch), {4, 4}, 1e-12);
}

// Values printed by JAX 0.10.2 for [[1, 2], [2, 4]].
TEST(LinalgNp, SingularMatricesGiveInfNotErrors) {
  Array s = f64({1, 2, 2, 4}, Shape{2, 2});
  expect_near(la::inv(s), {-INFINITY, INFINITY, INFINITY, -INFINITY}, 0);
  EXPECT_EQ(la::det(s).item<double>(), 0);
  auto [sign, logdet] = la::slogdet(s);
  EXPECT_EQ(sign.item<double>(), 0);
  EXPECT_EQ(logdet.item<double>(), -INFINITY);
  expect_near(la::solve(s, f64({1, 1}, Shape{2})), {-INFINITY, INFINITY}, 0);
  auto l = vals(la::cholesky(s));
  EXPECT_TRUE(std::isnan(l[0]));
}

TEST(LinalgNp, Norms) {
  Array v = f64({3, -4, 0, 1}, Shape{4});
  EXPECT_NEAR(la::norm(v).item<double>(), std::sqrt(26.0), 1e-12);
  EXPECT_NEAR(la::norm(v, 1).item<double>(), 8, 1e-12);
  EXPECT_NEAR(la::norm(v, la::inf).item<double>(), 4, 1e-12);
  EXPECT_NEAR(la::norm(v, -la::inf).item<double>(), 0, 1e-12);
  EXPECT_NEAR(la::norm(v, 0).item<double>(), 3, 1e-12);
  EXPECT_NEAR(la::norm(v, 3).item<double>(), std::cbrt(27.0 + 64 + 1), 1e-12);
  Array m = f64({1, -2, 3, 4, 5, -6}, Shape{2, 3});
  EXPECT_NEAR(la::norm(m).item<double>(), std::sqrt(91.0), 1e-12);
  EXPECT_NEAR(la::norm(m, "fro").item<double>(), std::sqrt(91.0), 1e-12);
  EXPECT_NEAR(la::norm(m, 1).item<double>(), 9, 1e-12);  // max column sum
  EXPECT_NEAR(la::norm(m, -1).item<double>(), 5, 1e-12);
  EXPECT_NEAR(la::norm(m, la::inf).item<double>(), 15, 1e-12);  // max row sum
  EXPECT_NEAR(la::norm(m, -la::inf).item<double>(), 6, 1e-12);
  auto s = vals(la::svdvals(m));
  EXPECT_NEAR(la::norm(m, 2).item<double>(), s[0], 1e-12);
  EXPECT_NEAR(la::norm(m, -2).item<double>(), s[1], 1e-12);
  EXPECT_NEAR(la::norm(m, "nuc").item<double>(), s[0] + s[1], 1e-12);
  EXPECT_NEAR(s[0] * s[0] + s[1] * s[1], 91, 1e-10);
  // Axes and keepdims.
  expect_near(la::norm(m, {}, 1), {std::sqrt(14.0), std::sqrt(77.0)}, 1e-12);
  EXPECT_EQ(la::norm(m, {}, 0, true).shape(), (Shape{1, 3}));
  EXPECT_EQ(la::norm(m, 1, std::vector<int>{0, 1}, true).shape(), (Shape{1, 1}));
  Array t = f64(std::vector<double>(24, 1.0), Shape{2, 3, 4});
  EXPECT_NEAR(la::norm(t).item<double>(), std::sqrt(24.0), 1e-12);
  expect_near(la::norm(t, "fro", std::vector<int>{1, 2}), {std::sqrt(12.0), std::sqrt(12.0)},
              1e-12);
  std::string e = error_of([&] { la::norm(v, "nuc"); });
  EXPECT_NE(e.find("[norm] invalid order 'nuc' for a vector norm"), std::string::npos) << e;
  e = error_of([&] { la::norm(m, 3); });
  EXPECT_NE(e.find("[norm] invalid order 3 for a matrix norm"), std::string::npos) << e;
  e = error_of([&] { la::norm(t, 2); });
  EXPECT_NE(e.find("[norm] improper number of axes for norm: 3"), std::string::npos) << e;
}

TEST(LinalgNp, DecompositionsPinvMatrixPower) {
  std::mt19937 rng(2);
  Array a = f64(random_values(12, rng), Shape{4, 3});
  // pinv: a pinv(a) a = a.
  auto av = vals(a), pv = vals(la::pinv(a));
  auto back = naive_matmul(naive_matmul(av, pv, 4, 3, 4), av, 4, 4, 3);
  for (size_t i = 0; i < av.size(); ++i) EXPECT_NEAR(back[i], av[i], 1e-12);
  EXPECT_EQ(la::pinv(a).shape(), (Shape{3, 4}));
  // A rank-1 matrix: the small singular value is cut.
  Array r1 = f64({1, 2, 2, 4}, Shape{2, 2});
  expect_near(la::pinv(r1), {0.04, 0.08, 0.08, 0.16}, 1e-12);
  // matrix_power
  Array m = f64({1, 1, 0, 1}, Shape{2, 2});
  expect_near(la::matrix_power(m, 5), {1, 5, 0, 1}, 0);
  expect_near(la::matrix_power(m, 0), {1, 0, 0, 1}, 0);
  expect_near(la::matrix_power(m, -2), {1, -2, 0, 1}, 1e-12);
  EXPECT_EQ(la::matrix_power(array<int>({1, 1, 0, 1}, Shape{2, 2}), 3).to_vector<int>(),
            (std::vector<int>{1, 3, 0, 1}));
  // cholesky upper, qr modes, eigh / eigvalsh, svd
  Array spd = f64({4, 2, 2, 3}, Shape{2, 2});
  expect_near(la::cholesky(spd, true), {2, 1, 0, std::sqrt(2.0)}, 1e-12);
  auto [q, r] = la::qr(a);
  EXPECT_EQ(q.shape(), (Shape{4, 3}));
  auto [q2, r2] = la::qr(a, "complete");
  EXPECT_EQ(q2.shape(), (Shape{4, 4}));
  auto [q3, r3] = la::qr(a, "r");
  EXPECT_FALSE(q3.defined());
  EXPECT_EQ(r3.shape(), (Shape{3, 3}));
  auto [w, v] = la::eigh(spd);
  expect_near(w, {(7 - std::sqrt(17.0)) / 2, (7 + std::sqrt(17.0)) / 2}, 1e-12);
  expect_near(la::eigvalsh(spd), vals(w), 0);
  auto [u, s, vh] = la::svd(a, false);
  EXPECT_EQ(u.shape(), (Shape{4, 3}));
  std::string e = error_of([&] { la::inv(a); });
  EXPECT_NE(e.find("[inv] a must be a batch of square matrices [..., n, n], got shape (4, 3)"),
            std::string::npos)
      << e;
  e = error_of([&] { la::solve(spd, f64({1, 2, 3}, Shape{3})); });
  EXPECT_NE(e.find("[solve] b must have shape [..., 2] or [..., 2, k]"), std::string::npos) << e;
  e = error_of([&] { la::qr(a, "full"); });
  EXPECT_NE(e.find("[qr] mode must be"), std::string::npos) << e;
  EXPECT_NE(e.find("sort_linalg_test.cpp"), std::string::npos) << e;
}

// ---------------------------------------------------------------- linalg: derivatives

TEST(LinalgNp, GradDetInvSolve) {
  std::mt19937 rng(3);
  for (DType dt : {jx::float32, jx::float64}) {
    double eps = dt == jx::float32 ? 1e-2 : 1e-4;
    auto av = random_values(9, rng);
    for (int i = 0; i < 3; ++i) av[size_t(i * 3 + i)] += 2;
    Array a = lx::convert_element_type(f64(av, Shape{3, 3}), dt);
    Array b = lx::convert_element_type(f64(random_values(6, rng), Shape{3, 2}), dt);
    auto det = [](std::span<const Array> in) { return Arrays{la::det(in[0])}; };
    auto inv = [](std::span<const Array> in) { return Arrays{la::inv(in[0])}; };
    auto solve = [](std::span<const Array> in) { return Arrays{la::solve(in[0], in[1])}; };
    auto slog = [](std::span<const Array> in) { return Arrays{la::slogdet(in[0]).second}; };
    EXPECT_NO_THROW(jx::test::check_grads(det, Arrays{a}, 2, {"fwd", "rev"}, {}, {}, eps))
        << dt.name();
    EXPECT_NO_THROW(jx::test::check_grads(inv, Arrays{a}, 2, {"fwd", "rev"}, {}, {}, eps))
        << dt.name();
    EXPECT_NO_THROW(jx::test::check_grads(solve, Arrays{a, b}, 2, {"fwd", "rev"}, {}, {}, eps))
        << dt.name();
    EXPECT_NO_THROW(jx::test::check_grads(slog, Arrays{a}, 1, {"fwd", "rev"}, {}, {}, eps))
        << dt.name();
  }
}

}  // namespace
}  // namespace jxt
