// Compositions of transformations with known analytic answers, pytree
// arguments, make_jaxpr text, and the transformation errors.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "jx/jx.h"
#include "jx/transforms.h"

namespace np = jx::np;
using jx::Array;

namespace {

float f32(const Array& x) { return x.item<float>(); }

std::vector<float> vec(const Array& x) { return x.to_vector<float>(); }

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i]))) << i;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const jx::Error& e) {
    return e.what();
  }
  return "<no error>";
}

struct Params {
  Array w, b;
  int static_tag = 3;  // a static leaf: passes through untouched
};
JX_TREE(Params, w, b, static_tag);

}  // namespace

TEST(Grad, SinFirstAndSecondOrder) {
  auto f = [](const Array& x) { return np::sin(x); };
  Array x = np::array(0.7f);
  EXPECT_NEAR(f32(jx::grad(f)(x)), std::cos(0.7f), 1e-6);
  EXPECT_NEAR(f32(jx::grad(jx::grad(f))(x)), -std::sin(0.7f), 1e-6);
  EXPECT_NEAR(f32(jx::grad(jx::grad(jx::grad(f)))(x)), -std::cos(0.7f), 1e-6);
}

TEST(Grad, ValueAndGradSeveralArgnums) {
  auto f = [](const Array& x, const Array& y) { return np::sum(x * y + np::exp(x)); };
  Array x = np::array({0.1f, 0.2f}), y = np::array({3.f, 4.f});
  auto [v, g] = jx::value_and_grad<0, 1>(f)(x, y);
  EXPECT_NEAR(f32(v), 0.3f + 0.8f + std::exp(0.1f) + std::exp(0.2f), 1e-5);
  expect_near(vec(std::get<0>(g)), {3.f + std::exp(0.1f), 4.f + std::exp(0.2f)});
  expect_near(vec(std::get<1>(g)), {0.1f, 0.2f});
}

TEST(Grad, HasAux) {
  auto f = [](const Array& x) {
    Array y = np::square(x);
    return std::make_pair(np::sum(y), y);
  };
  auto [g, aux] = jx::grad(f, jx::has_aux)(np::array({1.f, 2.f}));
  expect_near(vec(g), {2.f, 4.f});
  expect_near(vec(aux), {1.f, 4.f});
  EXPECT_FALSE(aux.is_tracer());
}

TEST(Grad, PytreeArgumentWithStaticLeaf) {
  auto loss = [](const Params& p, const Array& x) {
    EXPECT_EQ(p.static_tag, 3);
    return np::sum(np::tanh(x * p.w + p.b));
  };
  Params p{np::array({0.5f, -0.25f}), np::array({0.1f, 0.2f})};
  Array x = np::array({1.f, 2.f});
  Params g = jx::grad(loss)(p, x);
  EXPECT_EQ(g.static_tag, 3);
  for (int i = 0; i < 2; ++i) {
    float xi = vec(x)[i], z = xi * vec(p.w)[i] + vec(p.b)[i];
    float d = 1 - std::tanh(z) * std::tanh(z);
    EXPECT_NEAR(vec(g.w)[i], d * xi, 1e-5);
    EXPECT_NEAR(vec(g.b)[i], d, 1e-5);
  }
}

TEST(Grad, JacfwdJacrevHessian) {
  // f(x) = sum(x^3): Hessian = diag(6x).
  auto f = [](const Array& x) { return np::sum(x * x * x); };
  Array x = np::array({1.f, 2.f, -1.f});
  Array h = jx::hessian(f)(x);
  EXPECT_EQ(h.shape(), (jx::Shape{3, 3}));
  expect_near(vec(h), {6, 0, 0, 0, 12, 0, 0, 0, -6});
  // jacfwd and jacrev agree on a vector function.
  auto g = [](const Array& v) { return np::sin(v) * v[0]; };
  Array jf = jx::jacfwd(g)(x), jr = jx::jacrev(g)(x);
  expect_near(vec(jf), vec(jr));
  // d g_i / d x_0 = cos(x_0) x_0 [i==0] + sin(x_i)
  EXPECT_NEAR(vec(jf)[3 * 1 + 0], std::sin(2.f), 1e-5);
  EXPECT_NEAR(vec(jf)[0], std::cos(1.f) + std::sin(1.f), 1e-5);
}

TEST(Vmap, PerExampleGradients) {
  auto loss = [](const Array& w, const Array& x) { return np::sum(np::square(x * w)); };
  Array w = np::array({1.f, 2.f});
  Array xs = np::array({{1.f, 1.f}, {2.f, 3.f}, {0.f, -1.f}});
  Array g = jx::vmap([&](const Array& x) { return jx::grad(loss)(w, x); })(xs);
  EXPECT_EQ(g.shape(), (jx::Shape{3, 2}));
  // d/dw sum((x w)^2) = 2 x^2 w
  expect_near(vec(g), {2, 4, 8, 36, 0, 4});
}

TEST(Vmap, GradOfVmap) {
  auto f = [](const Array& x) { return np::sum(jx::vmap([](const Array& r) { return np::sin(r); })(x)); };
  Array x = np::array({{0.1f, 0.2f}, {0.3f, 0.4f}});
  expect_near(vec(jx::grad(f)(x)), {std::cos(0.1f), std::cos(0.2f), std::cos(0.3f), std::cos(0.4f)});
}

TEST(Vmap, NestedAndUnmappedAndNegativeAxes) {
  auto outer = [](const Array& a, const Array& b) { return a * b; };
  Array a = np::array({1.f, 2.f, 3.f}), b = np::array({10.f, 20.f});
  // vmap over a (axis 0) of vmap over b: an outer product.
  Array m = jx::vmap([&](const Array& ai) {
    return jx::vmap([&](const Array& bj) { return outer(ai, bj); })(b);
  })(a);
  expect_near(vec(m), {10, 20, 20, 40, 30, 60});
  // unmapped second argument, negative axis on the first
  Array x = np::reshape(np::arange(6.f), {2, 3});
  Array y = jx::vmap([](const Array& col, const Array& s) { return col * s; },
                     {-1, std::nullopt})(x, np::array(2.f));
  EXPECT_EQ(y.shape(), (jx::Shape{3, 2}));
  expect_near(vec(y), {0, 6, 2, 8, 4, 10});
}

TEST(Vmap, OutAxesAndAxisSize) {
  Array x = np::reshape(np::arange(6.f), {2, 3});
  jx::VmapOptions o;
  o.out_axes = {1};
  Array y = jx::vmap([](const Array& r) { return r * 2.f; }, o)(x);
  EXPECT_EQ(y.shape(), (jx::Shape{3, 2}));
  jx::VmapOptions o2;
  o2.in_axes = {std::nullopt};
  o2.axis_size = 4;
  Array z = jx::vmap([](const Array& r) { return r + 1.f; }, o2)(np::array({1.f, 2.f}));
  EXPECT_EQ(z.shape(), (jx::Shape{4, 2}));
}

TEST(Jvp, OfVjpIsForwardOverReverse) {
  // h(x) = d/dx sum(x^2 sin x); its jvp along t gives the Hessian-vector product.
  auto f = [](const Array& x) { return np::sum(x * x * np::sin(x)); };
  auto g = [&](const Array& x) { return jx::grad(f)(x); };
  Array x = np::array({0.5f, 1.5f}), t = np::array({1.f, 0.f});
  auto [gx, hv] = jx::jvp(g, std::make_tuple(x), std::make_tuple(t));
  auto d2 = [](float v) { return 2 * std::sin(v) + 4 * v * std::cos(v) - v * v * std::sin(v); };
  expect_near(vec(hv), {d2(0.5f), 0.f}, 1e-4f);
}

TEST(Vjp, PullbackMatchesJvpInnerProduct) {
  auto f = [](const Array& x) { return np::tanh(x) * 3.f; };
  Array x = np::array({0.1f, -0.4f, 2.f});
  auto [y, pullback] = jx::vjp(f, x);
  Array ct = np::array({1.f, 2.f, 3.f});
  auto [gx] = pullback(ct);
  auto [y2, tan] = jx::jvp(f, std::make_tuple(x), std::make_tuple(np::array({0.3f, 0.5f, -1.f})));
  float lhs = f32(np::sum(gx * np::array({0.3f, 0.5f, -1.f})));
  float rhs = f32(np::sum(ct * tan));
  EXPECT_NEAR(lhs, rhs, 1e-5);
}

TEST(Linearize, EvaluatesTheJvpWithoutRetracing) {
  auto f = [](const Array& x) { return np::exp(x) * x; };
  auto [y, f_jvp] = jx::linearize(f, np::array(1.f));
  EXPECT_NEAR(f32(y), std::exp(1.f), 1e-6);
  EXPECT_NEAR(f32(f_jvp(np::array(2.f))), 2 * 2 * std::exp(1.f), 1e-5);
}

TEST(StopGradient, BlocksTheDerivative) {
  auto f = [](const Array& x) { return np::sum(x * jx::stop_gradient(x)); };
  expect_near(vec(jx::grad(f)(np::array({2.f, 3.f}))), {2.f, 3.f});
}

TEST(MakeJaxpr, SinOfCos) {
  auto j = jx::make_jaxpr([](const Array& x) { return np::sin(np::cos(x)); })(np::array(1.f));
  EXPECT_EQ(j.jaxpr.eqns.size(), 2u);
  EXPECT_EQ(j.jaxpr.eqns[0].prim->name, "cos");
  EXPECT_EQ(j.jaxpr.eqns[1].prim->name, "sin");
  std::string s = j.str();
  EXPECT_NE(s.find("b:f32[] = cos a"), std::string::npos) << s;
  EXPECT_NE(s.find("c:f32[] = sin b"), std::string::npos) << s;
}

TEST(MakeJaxpr, GradOfSinOfCosHasJaxsEquations) {
  // JAX prints: b = cos a; c = sin a; _ = sin b; d = cos b; e = mul 1.0 d;
  // f = neg e; g = mul f c. The same primitives appear here.
  auto j = jx::make_jaxpr(jx::grad([](const Array& x) { return np::sin(np::cos(x)); }))(np::array(1.f));
  std::multiset<std::string> prims;
  for (const auto& e : j.jaxpr.eqns) prims.insert(e.prim->name);
  EXPECT_EQ(prims.count("cos"), 2u) << j;
  EXPECT_EQ(prims.count("sin"), 2u) << j;
  EXPECT_GE(prims.count("mul"), 1u) << j;
  EXPECT_EQ(prims.count("neg"), 1u) << j;
}

TEST(TransformErrors, LeakedTracer) {
  Array leaked;
  auto f = [&](const Array& x) {
    leaked = x * 2.f;
    return np::sum(x);
  };
  jx::grad(f)(np::array({1.f}));
  std::string m = message_of([&] { auto y = leaked + 1.f; });
  EXPECT_NE(m.find("leaked tracer"), std::string::npos) << m;
}

TEST(TransformErrors, GradNeedsScalarOutputAndFloatInputs) {
  std::string m = message_of([] { jx::grad([](const Array& x) { return x * 2.f; })(np::array({1.f, 2.f})); });
  EXPECT_NE(m.find("[grad]"), std::string::npos) << m;
  EXPECT_NE(m.find("scalar"), std::string::npos) << m;
  m = message_of([] { jx::grad([](const Array& x) { return np::sum(x); })(np::array({1, 2})); });
  EXPECT_NE(m.find("int32"), std::string::npos) << m;
}

TEST(TransformErrors, TangentMismatchAndInAxesOutOfRange) {
  std::string m = message_of([] {
    jx::jvp([](const Array& x) { return x; }, std::make_tuple(np::array({1.f, 2.f})),
            std::make_tuple(np::array({1.f, 2.f, 3.f})));
  });
  EXPECT_NE(m.find("tangent"), std::string::npos) << m;
  EXPECT_NE(m.find("f32[3]"), std::string::npos) << m;
  m = message_of([] { jx::vmap([](const Array& x) { return x; }, {2})(np::array({1.f, 2.f})); });
  EXPECT_NE(m.find("[vmap] in_axes 2 is out of range"), std::string::npos) << m;
  m = message_of([] {
    jx::vmap([](const Array& x, const Array& y) { return x + y; })(np::zeros({2}), np::zeros({3}));
  });
  EXPECT_NE(m.find("different sizes"), std::string::npos) << m;
}

TEST(TransformErrors, MismatchedTreeStructures) {
  std::string m = message_of([] {
    jx::jvp([](const std::vector<Array>& v) { return v[0]; },
            std::make_tuple(std::vector<Array>{np::zeros({1}), np::zeros({1})}),
            std::make_tuple(std::vector<Array>{np::zeros({1})}));
  });
  EXPECT_NE(m.find("[jvp]"), std::string::npos) << m;
  EXPECT_NE(m.find("structure"), std::string::npos) << m;
}
