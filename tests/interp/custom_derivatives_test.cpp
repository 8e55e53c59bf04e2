// custom_jvp / custom_vjp: the user's rule is used by every transformation.
#include <gtest/gtest.h>

#include <cmath>

#include "jx/custom_derivatives.h"
#include "jx/jx.h"

namespace np = jx::np;
using jx::Array;

namespace {

// softplus with a deliberately "wrong" derivative (2x the true one) so the
// tests can tell the custom rule from ordinary differentiation.
auto softplus_custom() {
  return jx::custom_jvp([](const Array& x) { return np::log1p(np::exp(x)); },
                        [](const std::vector<Array>& p, const std::vector<Array>& t) {
                          Array y = np::log1p(np::exp(p[0]));
                          return std::pair{y, t[0] * jx::lax::logistic(p[0]) * 2.f};
                        });
}

auto sin_custom_vjp() {
  return jx::custom_vjp([](const Array& x) { return np::sin(x); },
                        [](const std::vector<Array>& p) {
                          return std::pair{np::sin(p[0]), std::vector<Array>{p[0]}};
                        },
                        [](const std::vector<Array>& res, const Array& ct) {
                          return std::vector<Array>{ct * np::cos(res[0]) * 3.f};  // 3x: visible
                        });
}

float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

}  // namespace

TEST(CustomJvp, EvaluatesPrimalAndUsesRuleInGradJvpAndVmap) {
  auto f = softplus_custom();
  Array x = np::array(0.3f);
  EXPECT_NEAR(f(x).item<float>(), std::log1p(std::exp(0.3f)), 1e-6);
  EXPECT_NEAR(jx::grad([&](const Array& v) { return f(v); })(x).item<float>(), 2 * sigmoid(0.3f), 1e-6);
  auto [y, t] = jx::jvp([&](const Array& v) { return f(v); }, std::make_tuple(x), std::make_tuple(np::array(1.f)));
  EXPECT_NEAR(t.item<float>(), 2 * sigmoid(0.3f), 1e-6);
  Array xs = np::array({0.1f, 0.2f, 0.3f});
  Array gs = jx::vmap([&](const Array& v) { return jx::grad([&](const Array& u) { return f(u); })(v); })(xs);
  auto g = gs.to_vector<float>();
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(g[size_t(i)], 2 * sigmoid(0.1f * float(i + 1)), 1e-6);
  // grad of vmap keeps the rule too (batching maps the rule).
  Array gv = jx::grad([&](const Array& v) { return np::sum(jx::vmap([&](const Array& u) { return f(u); })(v)); })(xs);
  auto gvv = gv.to_vector<float>();
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(gvv[size_t(i)], 2 * sigmoid(0.1f * float(i + 1)), 1e-6);
}

TEST(CustomJvp, AppearsInJaxpr) {
  auto f = softplus_custom();
  auto j = jx::make_jaxpr([&](const Array& v) { return f(v); })(np::array(1.f));
  ASSERT_EQ(j.jaxpr.eqns.size(), 1u) << j;
  EXPECT_EQ(j.jaxpr.eqns[0].prim->name, "custom_jvp_call");
}

TEST(CustomVjp, GradUsesBwdAndVmapMapsIt) {
  auto f = sin_custom_vjp();
  Array x = np::array(0.5f);
  EXPECT_NEAR(f(x).item<float>(), std::sin(0.5f), 1e-6);
  EXPECT_NEAR(jx::grad([&](const Array& v) { return f(v); })(x).item<float>(), 3 * std::cos(0.5f), 1e-6);
  Array xs = np::array({0.1f, 0.2f});
  auto g = jx::vmap([&](const Array& v) { return jx::grad([&](const Array& u) { return f(u); })(v); })(xs)
               .to_vector<float>();
  EXPECT_NEAR(g[0], 3 * std::cos(0.1f), 1e-6);
  EXPECT_NEAR(g[1], 3 * std::cos(0.2f), 1e-6);
}

TEST(CustomVjp, ForwardModeIsAClearError) {
  auto f = sin_custom_vjp();
  try {
    jx::jvp([&](const Array& v) { return f(v); }, std::make_tuple(np::array(0.5f)),
            std::make_tuple(np::array(1.f)));
    FAIL() << "expected an error";
  } catch (const jx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("forward-mode differentiation"), std::string::npos) << e.what();
  }
}
