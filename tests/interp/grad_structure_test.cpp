// Differentiation of the structural primitives and the reductions: for each
// one, in float32 and float64, the jvp against central finite differences and
// the vjp against the jvp by the inner-product identity <u, J v> = <J^T u, v>;
// the same two checks on the jvp and vjp functions themselves (second order:
// jvp of jvp, vjp of jvp, jvp of vjp, vjp of vjp), also through the shared
// jx::test::check_grads with order 2; and analytic cases: grad of
// sum is ones, max splits among ties, prod with zeros, the transpose of a
// strided slice, a second derivative through broadcast + reduce.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>

#include "jx/check_grads.h"
#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;
using jx::Array;
using jx::DType;
using jx::FlatFn;
using jx::Shape;
using Arrays = std::vector<Array>;

// ---------------------------------------------------------------- helpers

Array from_doubles(DType dt, const Shape& s, const std::vector<double>& v) {
  Array d = array(v, s);
  return dt == jx::float64 ? d : lx::convert_element_type(d, dt);
}
std::vector<double> values(const Array& a) { return a.to_vector<double>(); }

// How a case draws its inputs.
enum class Draw {
  kUniform,       // uniform in [-1, 1]
  kDistinct,      // a shuffled grid with gaps of 0.1 (no ties within finite-difference reach)
  kAwayFromZero,  // magnitudes in [0.5, 1.5], random signs (products stay tame)
};

Array random_input(DType dt, const Shape& s, Draw draw, std::mt19937& rng) {
  std::vector<double> v(size_t(s.numel()));
  std::uniform_real_distribution<double> u(-1, 1);
  if (draw == Draw::kDistinct) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.1 * double(i) - 0.05 * double(v.size());
    std::shuffle(v.begin(), v.end(), rng);
  } else {
    for (double& e : v) {
      e = u(rng);
      if (draw == Draw::kAwayFromZero) e = (e < 0 ? -1 : 1) * (0.5 + std::fabs(e));
    }
  }
  return from_doubles(dt, s, v);
}

Array random_like(const Array& x, std::mt19937& rng) {
  return random_input(x.dtype(), x.shape(), Draw::kUniform, rng);
}

// sum over all arrays of <a_i, b_i>, and the sum of |a_i * b_i| (for a scale).
std::pair<double, double> inner(const Arrays& a, const Arrays& b) {
  double s = 0, mag = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    auto x = values(a[i]), y = values(b[i]);
    for (size_t k = 0; k < x.size(); ++k) {
      s += x[k] * y[k];
      mag += std::fabs(x[k] * y[k]);
    }
  }
  return {s, mag};
}

struct Tol {
  double eps;    // finite-difference step
  double fd;     // tolerance of jvp vs finite differences (relative to the largest value)
  double inner;  // tolerance of the inner-product identity (relative to its magnitude)
};
Tol tol_for(DType dt) { return dt == jx::float64 ? Tol{1e-6, 1e-7, 1e-12} : Tol{1e-2, 2e-3, 1e-5}; }

// jvp of f at xs along vs against (f(x + eps v) - f(x - eps v)) / (2 eps).
void check_jvp_fd(const FlatFn& f, const Arrays& xs, const Arrays& vs, const Tol& tol) {
  auto [ys, ts] = jx::jvp_flat(f, xs, vs);
  ASSERT_EQ(ys.size(), ts.size());
  Arrays plus, minus;
  for (size_t i = 0; i < xs.size(); ++i) {
    auto x = values(xs[i]), v = values(vs[i]);
    std::vector<double> p(x.size()), m(x.size());
    for (size_t k = 0; k < x.size(); ++k) {
      p[k] = x[k] + tol.eps * v[k];
      m[k] = x[k] - tol.eps * v[k];
    }
    plus.push_back(from_doubles(xs[i].dtype(), xs[i].shape(), p));
    minus.push_back(from_doubles(xs[i].dtype(), xs[i].shape(), m));
  }
  Arrays yp = f(plus), ym = f(minus);
  for (size_t o = 0; o < ys.size(); ++o) {
    ASSERT_EQ(ts[o].shape(), ys[o].shape()) << "output " << o;
    ASSERT_EQ(ts[o].dtype(), ys[o].dtype()) << "output " << o;
    auto t = values(ts[o]), a = values(yp[o]), b = values(ym[o]);
    double scale = 1;
    for (size_t k = 0; k < t.size(); ++k) scale = std::max(scale, std::fabs(t[k]));
    for (size_t k = 0; k < t.size(); ++k) {
      double fd = (a[k] - b[k]) / (2 * tol.eps);
      EXPECT_NEAR(t[k], fd, tol.fd * scale) << "output " << o << " element " << k;
    }
  }
}

// <u, J v> (from the jvp) against <J^T u, v> (from the vjp), random u and v.
void check_vjp_vs_jvp(const FlatFn& f, const Arrays& xs, const Tol& tol, std::mt19937& rng) {
  Arrays vs;
  for (const Array& x : xs) vs.push_back(random_like(x, rng));
  auto [ys, ts] = jx::jvp_flat(f, xs, vs);
  auto [ys2, pullback] = jx::vjp_flat(f, xs);
  ASSERT_EQ(ys.size(), ys2.size());
  Arrays us;
  for (const Array& y : ys2) us.push_back(random_like(y, rng));
  Arrays cts = pullback(us);
  ASSERT_EQ(cts.size(), xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    ASSERT_EQ(cts[i].shape(), xs[i].shape()) << "input " << i;
    ASSERT_EQ(cts[i].dtype(), xs[i].dtype()) << "input " << i;
  }
  auto [lhs, m1] = inner(us, ts);
  auto [rhs, m2] = inner(cts, vs);
  EXPECT_NEAR(lhs, rhs, tol.inner * std::max({1.0, m1, m2})) << "<u, Jv> vs <J^T u, v>";
}

// The checks above on f, and with order 2 also on its jvp (x, v) -> J(x) v and
// its vjp (x, u) -> J(x)^T u as functions of both arguments.
void check_grads(const FlatFn& f, const Arrays& xs, int order, std::mt19937& rng) {
  Tol tol = tol_for(xs[0].dtype());
  Arrays vs;
  for (const Array& x : xs) vs.push_back(random_like(x, rng));
  {
    SCOPED_TRACE("first order");
    check_jvp_fd(f, xs, vs, tol);
    check_vjp_vs_jvp(f, xs, tol, rng);
  }
  if (order < 2) return;
  size_t n = xs.size();
  FlatFn jvp_fn = [f, n](std::span<const Array> a) {
    return jx::jvp_flat(f, a.first(n), a.subspan(n)).second;
  };
  Arrays ys = f(xs), us;
  for (const Array& y : ys) us.push_back(random_like(y, rng));
  FlatFn vjp_fn = [f, n](std::span<const Array> a) {
    auto [outs, pullback] = jx::vjp_flat(f, a.first(n));
    return pullback(a.subspan(n));
  };
  // Second-order finite differences lose more digits.
  Tol tol2{tol.eps, tol.fd * 5, tol.inner * 10};
  Arrays xv = xs, xu = xs;
  xv.insert(xv.end(), vs.begin(), vs.end());
  xu.insert(xu.end(), us.begin(), us.end());
  Arrays dxv, dxu;
  for (const Array& a : xv) dxv.push_back(random_like(a, rng));
  for (const Array& a : xu) dxu.push_back(random_like(a, rng));
  {
    SCOPED_TRACE("jvp of jvp");
    check_jvp_fd(jvp_fn, xv, dxv, tol2);
  }
  {
    SCOPED_TRACE("vjp of jvp");
    check_vjp_vs_jvp(jvp_fn, xv, tol2, rng);
  }
  {
    SCOPED_TRACE("jvp of vjp");
    check_jvp_fd(vjp_fn, xu, dxu, tol2);
  }
  {
    SCOPED_TRACE("vjp of vjp");
    check_vjp_vs_jvp(vjp_fn, xu, tol2, rng);
  }
}

// ---------------------------------------------------------------- the cases

struct GradCase {
  const char* prim;  // the primitive under test
  const char* what;  // the parameters, for messages
  std::vector<Shape> shapes;
  FlatFn f;
  Draw draw = Draw::kUniform;
};

Array device_put0(const Array& x) {
  return jx::bind1(*jx::find_primitive("device_put"), {x}, jx::Params{{"device", int64_t(0)}});
}

Array concrete_like(const Array& x, double v) {
  std::vector<double> d(size_t(x.size()), v);
  return from_doubles(x.dtype(), x.shape(), d);
}

const std::vector<GradCase>& grad_cases() {
  static const std::vector<GradCase> cases = {
      {"broadcast_in_dim",
       "(3,1)->(2,3,4) dims (1,2)",
       {{3, 1}},
       [](std::span<const Array> a) {
         return Arrays{lx::broadcast_in_dim(a[0], {2, 3, 4}, {1, 2})};
       }},
      {"broadcast_in_dim",
       "()->(2,3)",
       {{}},
       [](std::span<const Array> a) {
         return Arrays{lx::broadcast_in_dim(a[0], {2, 3}, {})};
       }},
      {"broadcast_in_dim",
       "(1,3)->(1,4,3) dims (0,2)",
       {{1, 3}},
       [](std::span<const Array> a) {
         return Arrays{lx::broadcast_in_dim(a[0], {1, 4, 3}, {0, 2})};
       }},
      {"reshape",
       "(2,3,4)->(6,4)",
       {{2, 3, 4}},
       [](std::span<const Array> a) {
         return Arrays{lx::reshape(a[0], {6, 4})};
       }},
      {"reshape",
       "(6,)->(1,2,3)",
       {{6}},
       [](std::span<const Array> a) {
         return Arrays{lx::reshape(a[0], {1, 2, 3})};
       }},
      {"squeeze",
       "(2,1,3,1) dims (1,-1)",
       {{2, 1, 3, 1}},
       [](std::span<const Array> a) {
         return Arrays{lx::squeeze(a[0], {1, -1})};
       }},
      {"expand_dims",
       "(2,3) dims (0,-1)",
       {{2, 3}},
       [](std::span<const Array> a) {
         return Arrays{lx::expand_dims(a[0], {0, -1})};
       }},
      {"transpose",
       "(2,3,4) perm (2,0,1)",
       {{2, 3, 4}},
       [](std::span<const Array> a) {
         return Arrays{lx::transpose(a[0], {2, 0, 1})};
       }},
      {"rev",
       "(3,4) dims (0,1)",
       {{3, 4}},
       [](std::span<const Array> a) {
         return Arrays{lx::rev(a[0], {0, 1})};
       }},
      {"rev",
       "(3,4) dims (1)",
       {{3, 4}},
       [](std::span<const Array> a) { return Arrays{lx::rev(a[0], {1})}; }},
      {"slice",
       "(5,7) [1:5:2, 0:7:3]",
       {{5, 7}},
       [](std::span<const Array> a) {
         return Arrays{lx::slice(a[0], {1, 0}, {5, 7}, {2, 3})};
       }},
      {"slice",
       "(6,4) [2:5, 1:3]",
       {{6, 4}},
       [](std::span<const Array> a) {
         return Arrays{lx::slice(a[0], {2, 1}, {5, 3})};
       }},
      {"pad",
       "(3,4) lo/hi/interior (1,2,1) (-1,0,2), padding value too",
       {{3, 4}, {}},
       [](std::span<const Array> a) {
         return Arrays{lx::pad(a[0], a[1], {{1, 2, 1}, {-1, 0, 2}})};
       }},
      {"pad",
       "(4,) (-2,-1,0), constant padding value",
       {{4}},
       [](std::span<const Array> a) {
         return Arrays{lx::pad(a[0], concrete_like(lx::reduce_sum(a[0], {0}), 0.5), {{-2, -1, 0}})};
       }},
      {"pad",
       "(2,3) only the padding value differentiated",
       {{}},
       [](std::span<const Array> a) {
         Array x = from_doubles(a[0].dtype(), {2, 3}, {1, 2, 3, 4, 5, 6});
         return Arrays{lx::pad(x, a[0], {{1, 0, 1}, {0, 2, 0}})};
       }},
      {"concatenate",
       "(2,3),(2,1),(2,2) axis 1",
       {{2, 3}, {2, 1}, {2, 2}},
       [](std::span<const Array> a) { return Arrays{lx::concatenate(a, 1)}; }},
      {"concatenate",
       "a constant operand",
       {{1, 3}},
       [](std::span<const Array> a) {
         return Arrays{lx::concatenate({concrete_like(a[0], 2), a[0]}, 0)};
       }},
      {"copy", "(2,3)", {{2, 3}}, [](std::span<const Array> a) { return Arrays{lx::copy(a[0])}; }},
      {"device_put",
       "(2,3) to device 0",
       {{2, 3}},
       [](std::span<const Array> a) { return Arrays{device_put0(a[0])}; }},
      {"reduce_sum",
       "(2,3,4) axes (0,2)",
       {{2, 3, 4}},
       [](std::span<const Array> a) {
         return Arrays{lx::reduce_sum(a[0], {0, 2})};
       }},
      {"reduce_sum",
       "(2,3) all axes",
       {{2, 3}},
       [](std::span<const Array> a) {
         return Arrays{lx::reduce_sum(a[0], {1, 0})};
       }},
      {"reduce_sum",
       "(2,3) no axes",
       {{2, 3}},
       [](std::span<const Array> a) { return Arrays{lx::reduce_sum(a[0], {})}; }},
      {"reduce_max",
       "(3,4) axis 1",
       {{3, 4}},
       [](std::span<const Array> a) { return Arrays{lx::reduce_max(a[0], {1})}; },
       Draw::kDistinct},
      {"reduce_max",
       "(2,3,2) axes (0,2)",
       {{2, 3, 2}},
       [](std::span<const Array> a) {
         return Arrays{lx::reduce_max(a[0], {0, 2})};
       },
       Draw::kDistinct},
      {"reduce_min",
       "(3,4) axis 0",
       {{3, 4}},
       [](std::span<const Array> a) { return Arrays{lx::reduce_min(a[0], {0})}; },
       Draw::kDistinct},
      {"reduce_min",
       "(5,) all",
       {{5}},
       [](std::span<const Array> a) { return Arrays{lx::reduce_min(a[0], {0})}; },
       Draw::kDistinct},
      {"reduce_prod",
       "(3,4) axis 1",
       {{3, 4}},
       [](std::span<const Array> a) { return Arrays{lx::reduce_prod(a[0], {1})}; },
       Draw::kAwayFromZero},
      {"reduce_prod",
       "(2,5,3) axes (0,1)",
       {{2, 5, 3}},
       [](std::span<const Array> a) {
         return Arrays{lx::reduce_prod(a[0], {0, 1})};
       },
       Draw::kAwayFromZero},
      {"reduce_prod",
       "(7,) all",
       {{7}},
       [](std::span<const Array> a) { return Arrays{lx::reduce_prod(a[0], {0})}; },
       Draw::kAwayFromZero},
  };
  return cases;
}

void check_prim(std::string_view prim, int order) {
  int found = 0;
  for (const GradCase& c : grad_cases()) {
    if (c.prim != prim) continue;
    ++found;
    for (DType dt : {jx::float32, jx::float64}) {
      SCOPED_TRACE(std::string(c.prim) + " " + c.what + " " + std::string(dt.name()));
      std::mt19937 rng(1234);
      Arrays xs;
      for (const Shape& s : c.shapes) xs.push_back(random_input(dt, s, c.draw, rng));
      check_grads(c.f, xs, order, rng);
      if (order >= 2) {
        try {
          // Its finite differences use a step of 1e-4, too small for float32 here.
          jx::test::check_grads(c.f, xs, 2, {"fwd", "rev"}, {}, {},
                                dt == jx::float32 ? std::optional<double>(1e-2) : std::nullopt);
        } catch (const jx::Error& e) {
          ADD_FAILURE() << "jx::test::check_grads: " << e.what();
        }
      }
    }
  }
  EXPECT_GT(found, 0) << "no case for " << prim;
}

#define GRAD_TESTS(Name, prim)                       \
  TEST(GradStructure, Name) { check_prim(prim, 1); } \
  TEST(GradStructure, Name##SecondOrder) { check_prim(prim, 2); }

GRAD_TESTS(BroadcastInDim, "broadcast_in_dim")
GRAD_TESTS(Reshape, "reshape")
GRAD_TESTS(Squeeze, "squeeze")
GRAD_TESTS(ExpandDims, "expand_dims")
GRAD_TESTS(Transpose, "transpose")
GRAD_TESTS(Rev, "rev")
GRAD_TESTS(Slice, "slice")
GRAD_TESTS(Pad, "pad")
GRAD_TESTS(Concatenate, "concatenate")
GRAD_TESTS(Copy, "copy")
GRAD_TESTS(DevicePut, "device_put")
GRAD_TESTS(ReduceSum, "reduce_sum")
GRAD_TESTS(ReduceMax, "reduce_max")
GRAD_TESTS(ReduceMin, "reduce_min")
GRAD_TESTS(ReduceProd, "reduce_prod")

// ---------------------------------------------------------------- analytic cases

// The gradient of a scalar function of one input.
Array grad1(const FlatFn& f, const Array& x) {
  auto [ys, pullback] = jx::vjp_flat(f, Arrays{x});
  Array one =
      from_doubles(ys[0].dtype(), ys[0].shape(), std::vector<double>(size_t(ys[0].size()), 1));
  return pullback(Arrays{one})[0];
}

TEST(GradStructure, GradOfSumIsOnes) {
  for (DType dt : {jx::float32, jx::float64}) {
    Array x = from_doubles(dt, {2, 3}, {1, -2, 3, 0.5, 7, -1});
    Array g = grad1(
        [](std::span<const Array> a) {
          return Arrays{lx::reduce_sum(a[0], {0, 1})};
        },
        x);
    EXPECT_EQ(g.dtype(), dt);
    EXPECT_EQ(g.shape(), Shape({2, 3}));
    EXPECT_EQ(values(g), std::vector<double>(6, 1.0));
  }
}

TEST(GradStructure, GradOfMaxSplitsTiesEqually) {
  for (DType dt : {jx::float32, jx::float64}) {
    Array x = from_doubles(dt, {4}, {1, 3, 2, 3});
    auto mx = [](std::span<const Array> a) { return Arrays{lx::reduce_max(a[0], {0})}; };
    EXPECT_EQ(values(grad1(mx, x)), (std::vector<double>{0, 0.5, 0, 0.5}));
    // Along an axis: three-way tie in row 0, none in row 1.
    Array y = from_doubles(dt, {2, 3}, {5, 5, 5, 1, 4, 2});
    auto rowmax = [](std::span<const Array> a) {
      return Arrays{lx::reduce_sum(lx::reduce_max(a[0], {1}), {0})};
    };
    auto g = values(grad1(rowmax, y));
    EXPECT_NEAR(g[0], 1.0 / 3, 1e-7);
    EXPECT_NEAR(g[1], 1.0 / 3, 1e-7);
    EXPECT_NEAR(g[2], 1.0 / 3, 1e-7);
    EXPECT_EQ(std::vector<double>(g.begin() + 3, g.end()), (std::vector<double>{0, 1, 0}));
    // min, and the jvp: the average of the tangents at the ties.
    auto mn = [](std::span<const Array> a) { return Arrays{lx::reduce_min(a[0], {0})}; };
    Array z = from_doubles(dt, {4}, {2, -1, -1, 0});
    Array t = from_doubles(dt, {4}, {10, 20, 40, 80});
    EXPECT_EQ(values(jx::jvp_flat(mn, Arrays{z}, Arrays{t}).second[0]), std::vector<double>{30});
    EXPECT_EQ(values(grad1(mn, z)), (std::vector<double>{0, 0.5, 0.5, 0}));
  }
}

TEST(GradStructure, GradOfProdWithZeros) {
  auto prod = [](std::span<const Array> a) { return Arrays{lx::reduce_prod(a[0], {0})}; };
  for (DType dt : {jx::float32, jx::float64}) {
    // One zero: only its own partial derivative survives (no 0/0).
    EXPECT_EQ(values(grad1(prod, from_doubles(dt, {3}, {2, 0, 3}))),
              (std::vector<double>{0, 6, 0}));
    EXPECT_EQ(values(grad1(prod, from_doubles(dt, {5}, {0, 2, -1, 3, 0.5}))),
              (std::vector<double>{-3, 0, 0, 0, 0}));
    // Two zeros: every partial derivative is zero.
    EXPECT_EQ(values(grad1(prod, from_doubles(dt, {4}, {0, 2, 0, 3}))),
              std::vector<double>(4, 0.0));
    // No zeros, odd length (the tree pads with ones).
    EXPECT_EQ(values(grad1(prod, from_doubles(dt, {3}, {2, 4, -3}))),
              (std::vector<double>{-12, -6, 8}));
    // Along an axis, with a zero in one row.
    Array x = from_doubles(dt, {2, 3}, {1, 0, 2, 3, 4, 5});
    auto rows = [](std::span<const Array> a) {
      return Arrays{lx::reduce_sum(lx::reduce_prod(a[0], {1}), {0})};
    };
    EXPECT_EQ(values(grad1(rows, x)), (std::vector<double>{0, 2, 0, 20, 15, 12}));
    // The jvp agrees: d prod = sum_i t_i prod_{j != i} x_j.
    Array t = from_doubles(dt, {3}, {1, 1, 1});
    EXPECT_EQ(
        values(jx::jvp_flat(prod, Arrays{from_doubles(dt, {3}, {2, 0, 3})}, Arrays{t}).second[0]),
        std::vector<double>{6});
  }
}

TEST(GradStructure, ProdOfEmptyAxisHasZeroDerivative) {
  Array x = from_doubles(jx::float32, {0, 2}, {});
  auto prod = [](std::span<const Array> a) { return Arrays{lx::reduce_prod(a[0], {0})}; };
  Array t = from_doubles(jx::float32, {0, 2}, {});
  auto [ys, ts] = jx::jvp_flat(prod, Arrays{x}, Arrays{t});
  EXPECT_EQ(values(ys[0]), (std::vector<double>{1, 1}));
  EXPECT_EQ(values(ts[0]), (std::vector<double>{0, 0}));
}

TEST(GradStructure, TransposeOfStridedSlicePads) {
  for (DType dt : {jx::float32, jx::float64}) {
    // [1:7:3] of 7 elements takes 1 and 4; the remainder (5, 6) is high padding.
    auto f = [](std::span<const Array> a) { return Arrays{lx::slice(a[0], {1}, {7}, {3})}; };
    auto [ys, pullback] = jx::vjp_flat(f, Arrays{from_doubles(dt, {7}, std::vector<double>(7, 1))});
    ASSERT_EQ(ys[0].shape(), Shape({2}));
    Array ct = pullback(Arrays{from_doubles(dt, {2}, {10, 20})})[0];
    EXPECT_EQ(values(ct), (std::vector<double>{0, 10, 0, 0, 20, 0, 0}));
    // 2-d, strides in both dims, a limit that is not reached exactly.
    auto g = [](std::span<const Array> a) {
      return Arrays{lx::slice(a[0], {0, 1}, {4, 5}, {3, 2})};
    };
    auto [ys2, pb2] = jx::vjp_flat(g, Arrays{from_doubles(dt, {4, 5}, std::vector<double>(20, 1))});
    ASSERT_EQ(ys2[0].shape(), Shape({2, 2}));
    Array ct2 = pb2(Arrays{from_doubles(dt, {2, 2}, {1, 2, 3, 4})})[0];
    EXPECT_EQ(values(ct2), (std::vector<double>{0, 1, 0, 2, 0,  //
                                                0, 0, 0, 0, 0,  //
                                                0, 0, 0, 0, 0,  //
                                                0, 3, 0, 4, 0}));
    // An empty slice transposes to zeros of the operand's shape.
    auto e = [](std::span<const Array> a) { return Arrays{lx::slice(a[0], {2}, {2}, {2})}; };
    auto [ys3, pb3] = jx::vjp_flat(e, Arrays{from_doubles(dt, {3}, {1, 2, 3})});
    EXPECT_EQ(values(pb3(Arrays{from_doubles(dt, {0}, {})})[0]), std::vector<double>(3, 0.0));
  }
}

TEST(GradStructure, TransposeOfPadSlicesAndSumsThePadding) {
  auto f = [](std::span<const Array> a) { return Arrays{lx::pad(a[0], a[1], {{1, -1, 1}})}; };
  // x = [a, b, c] -> [p, a, p, b, p]  (the trailing c is cut by high = -1)
  Array x = from_doubles(jx::float64, {3}, {1, 2, 3});
  Array p = from_doubles(jx::float64, {}, {9});
  auto [ys, pullback] = jx::vjp_flat(f, Arrays{x, p});
  EXPECT_EQ(values(ys[0]), (std::vector<double>{9, 1, 9, 2, 9}));
  Arrays cts = pullback(Arrays{from_doubles(jx::float64, {5}, {1, 10, 100, 1000, 10000})});
  EXPECT_EQ(values(cts[0]), (std::vector<double>{10, 1000, 0}));
  EXPECT_EQ(values(cts[1]), std::vector<double>{10101});
}

TEST(GradStructure, SecondDerivativeThroughBroadcastAndReduce) {
  // f(x) = sum over a (4, 3) broadcast of x*x = 4 * sum(x^2): grad 8x, Hessian 8 I.
  FlatFn f = [](std::span<const Array> a) {
    Array b = lx::broadcast_in_dim(a[0], {4, 3}, {1});
    return Arrays{lx::reduce_sum(lx::mul(b, b), {0, 1})};
  };
  FlatFn grad = [f](std::span<const Array> a) { return Arrays{grad1(f, a[0])}; };
  for (DType dt : {jx::float32, jx::float64}) {
    Array x = from_doubles(dt, {3}, {1, -2, 0.5});
    EXPECT_EQ(values(grad(Arrays{x})[0]), (std::vector<double>{8, -16, 4}));
    // forward over reverse
    Array v = from_doubles(dt, {3}, {1, 0.5, -1});
    EXPECT_EQ(values(jx::jvp_flat(grad, Arrays{x}, Arrays{v}).second[0]),
              (std::vector<double>{8, 4, -8}));
    // reverse over reverse: grad of <grad f(x), v> is H v
    FlatFn gv = [grad, v](std::span<const Array> a) {
      return Arrays{lx::reduce_sum(lx::mul(grad(a)[0], v), {0})};
    };
    EXPECT_EQ(values(grad1(gv, x)), (std::vector<double>{8, 4, -8}));
    // forward over forward: d^2/ds^2 f(x + s v) = 8 |v|^2
    FlatFn df = [f, v](std::span<const Array> a) { return jx::jvp_flat(f, a, Arrays{v}).second; };
    EXPECT_EQ(values(jx::jvp_flat(df, Arrays{x}, Arrays{v}).second[0]),
              std::vector<double>{8 * 2.25});
  }
}

TEST(GradStructure, NonDifferentiableOutputsHaveZeroTangents) {
  Array x = from_doubles(jx::float32, {2, 3}, {1, 5, 2, 7, 0, 3});
  Array t = from_doubles(jx::float32, {2, 3}, {1, 1, 1, 1, 1, 1});
  auto am = [](std::span<const Array> a) {
    return Arrays{lx::argmax(a[0], 1, jx::int32), lx::argmin(a[0], 0, jx::int64)};
  };
  auto [ys, ts] = jx::jvp_flat(am, Arrays{x}, Arrays{t});
  EXPECT_EQ(ys[0].to_vector<int>(), (std::vector<int>{1, 0}));
  EXPECT_EQ(ts[0].dtype(), jx::int32);
  EXPECT_EQ(ts[0].to_vector<int>(), (std::vector<int>{0, 0}));
  EXPECT_EQ(ts[1].to_vector<int>(), (std::vector<int>{0, 0, 0}));
  // Logical reductions of integers: zero tangents too.
  Array ix = array(std::vector<int>{1, 2, 3, 4, 5, 6}, {2, 3});
  auto logic = [](std::span<const Array> a) {
    return Arrays{lx::reduce_and(a[0], {1}), lx::reduce_or(a[0], {0, 1})};
  };
  auto [ly, lt] = jx::jvp_flat(logic, Arrays{ix}, Arrays{ix});
  EXPECT_EQ(ly[0].to_vector<int>(), (std::vector<int>{0, 4}));
  EXPECT_EQ(lt[0].to_vector<int>(), (std::vector<int>{0, 0}));
  EXPECT_EQ(lt[1].to_vector<int>(), std::vector<int>{0});
  // A function mixing an index with the values: only the value path counts.
  auto mix = [](std::span<const Array> a) {
    Array i = lx::convert_element_type(lx::argmax(a[0], 1, jx::int32), jx::float32);
    return Arrays{lx::reduce_sum(lx::concatenate({i, lx::reduce_max(a[0], {1})}, 0), {0})};
  };
  EXPECT_EQ(values(grad1(mix, x)), (std::vector<double>{0, 1, 0, 1, 0, 0}));
  // iota inside a differentiated function is a constant.
  auto with_iota = [](std::span<const Array> a) {
    Array r = lx::iota(jx::float32, {2, 3}, 1);
    return Arrays{lx::reduce_sum(lx::concatenate({r, a[0]}, 0), {0, 1})};
  };
  EXPECT_EQ(values(grad1(with_iota, x)), std::vector<double>(6, 1.0));
}

}  // namespace
}  // namespace jxt
