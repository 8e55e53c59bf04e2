// jx::nn functions against jax.nn: values on stored inputs
// (tests/fixtures/nn/functions.txt, written by JAX; float32, bfloat16 and
// float64, with infinities and nan), derivatives by finite differences
// (check_grads, first and second order), JAX's derivative of relu at 0,
// stability at extreme inputs, jit/vmap and error messages.
#include "jx/nn/functions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "jx/check_grads.h"
#include "jx/jx.h"
#include "nn/nn_fixtures.h"

namespace {

namespace nn = jx::nn;
namespace np = jx::np;
using jx::Array;
using jx::Shape;
using jxt::nn::FixtureCase;

np::Axis axis_of(const FixtureCase& c) {
  if (c.at("axis") == "none") return {};
  std::vector<int> axes = c.ints("axis");
  if (axes.size() == 1 && c.at("axis").find(',') == std::string::npos) return axes[0];
  return axes;
}

// Calls the jx function a fixture line names.
Array call(const FixtureCase& c) {
  const Array& x = c.arrays.at(0);
  const std::string& n = c.name;
  if (n == "relu") return nn::relu(x);
  if (n == "relu6") return nn::relu6(x);
  if (n == "leaky_relu") return nn::leaky_relu(x, c.num("negative_slope"));
  if (n == "elu") return nn::elu(x, c.num("alpha"));
  if (n == "celu") return nn::celu(x, c.num("alpha"));
  if (n == "selu") return nn::selu(x);
  if (n == "gelu") return nn::gelu(x, c.integer("approximate") != 0);
  if (n == "silu") return nn::silu(x);
  if (n == "swish") return nn::swish(x);
  if (n == "softplus") return nn::softplus(x);
  if (n == "sigmoid") return nn::sigmoid(x);
  if (n == "log_sigmoid") return nn::log_sigmoid(x);
  if (n == "hard_tanh") return nn::hard_tanh(x);
  if (n == "hard_sigmoid") return nn::hard_sigmoid(x);
  if (n == "hard_silu") return nn::hard_silu(x);
  if (n == "soft_sign") return nn::soft_sign(x);
  if (n == "mish") return nn::mish(x);
  if (n == "squareplus") return nn::squareplus(x, c.num("b"));
  if (n == "softmax") return nn::softmax(x, axis_of(c));
  if (n == "log_softmax") return nn::log_softmax(x, axis_of(c));
  if (n == "logsumexp") return nn::logsumexp(x, axis_of(c), c.integer("keepdims") != 0);
  if (n == "standardize") return nn::standardize(x, axis_of(c), c.num("epsilon"));
  if (n == "glu") return nn::glu(x, c.integer("axis"));
  if (n == "one_hot")
    return nn::one_hot(x, c.integer("num_classes"), jx::dtype_from_name(c.at("dtype")),
                       c.integer("axis"));
  throw std::runtime_error("unknown function " + n);
}

// Tolerance: {ulps, scale}, the error measured in units of the dtype's
// epsilon times max(|want|, scale). exp, log1p, tanh, erfc are not correctly
// rounded in XLA nor in jx, so results differ by an ulp or two. gelu's tanh
// form computes 1 + tanh(z) for z near -inf (cancellation: an ulp of tanh is
// many ulps of the result), and standardize's E[x^2] - E[x]^2 cancels too:
// for those the error is measured against 1 (their inputs and outputs are O(1)).
std::pair<double, double> tolerance(const FixtureCase& c) {
  const std::string& n = c.name;
  if (n == "one_hot" || n == "relu" || n == "relu6" || n == "hard_tanh" || n == "leaky_relu")
    return {0, 1e-6};
  if ((n == "gelu" && c.integer("approximate")) || n == "standardize") return {8, 1.0};
  return {4, 1e-6};
}

TEST(NnFunctions, MatchJaxFixtures) {
  auto cases = jxt::nn::load_fixtures("functions.txt");
  ASSERT_GT(cases.size(), 150u);
  std::map<std::string, double> worst;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.where());
    const Array& want = c.arrays.back();
    Array got = call(c);
    ASSERT_EQ(got.shape(), want.shape());
    ASSERT_EQ(got.dtype(), want.dtype());
    auto [tol, scale] = tolerance(c);
    double ulps = jxt::nn::max_rel_ulps(got, want, scale);
    worst[c.name] = std::max(worst[c.name], ulps);
    EXPECT_LE(ulps, tol) << "got " << got << "\nwant " << want;
  }
  std::string summary;
  for (auto& [k, v] : worst) summary += k + "=" + std::to_string(v) + " ";
  RecordProperty("worst_ulps", summary);
}

// ------------------------------------------------------------------ gradients

using Unary = std::function<Array(const Array&)>;

void check_unary_grads(const std::string& name, const Unary& f, const Array& x, int order = 2) {
  SCOPED_TRACE(name);
  jx::FlatFn flat = [f](std::span<const Array> in) { return std::vector<Array>{f(in[0])}; };
  std::vector<Array> args{x};
  EXPECT_NO_THROW(jx::test::check_grads(flat, args, order)) << name;
}

// Points away from the kinks (0, +-1, 6) of the piecewise functions.
Array grid64() { return np::array({-7.3, -4.1, -2.2, -0.7, -0.3, 0.2, 0.6, 1.3, 2.4, 4.7, 7.7}); }

TEST(NnFunctions, ElementwiseGradients) {
  Array x = grid64();  // float64: finite differences are sharp
  std::vector<std::pair<std::string, Unary>> fs = {
      {"relu", [](const Array& v) { return nn::relu(v); }},
      {"relu6", [](const Array& v) { return nn::relu6(v); }},
      {"leaky_relu", [](const Array& v) { return nn::leaky_relu(v, 0.1); }},
      {"elu", [](const Array& v) { return nn::elu(v, 0.8); }},
      {"celu", [](const Array& v) { return nn::celu(v, 0.6); }},
      {"selu", [](const Array& v) { return nn::selu(v); }},
      {"gelu_tanh", [](const Array& v) { return nn::gelu(v, true); }},
      {"gelu_erf", [](const Array& v) { return nn::gelu(v, false); }},
      {"silu", [](const Array& v) { return nn::silu(v); }},
      {"softplus", [](const Array& v) { return nn::softplus(v); }},
      {"sigmoid", [](const Array& v) { return nn::sigmoid(v); }},
      {"log_sigmoid", [](const Array& v) { return nn::log_sigmoid(v); }},
      {"hard_tanh", [](const Array& v) { return nn::hard_tanh(v); }},
      {"hard_silu", [](const Array& v) { return nn::hard_silu(v); }},
      {"soft_sign", [](const Array& v) { return nn::soft_sign(v); }},
      {"mish", [](const Array& v) { return nn::mish(v); }},
      {"squareplus", [](const Array& v) { return nn::squareplus(v, 2.0); }},
  };
  for (auto& [name, f] : fs) check_unary_grads(name, f, x);
  // float32 too (JAX's float32 tolerances), first order.
  for (auto& [name, f] : fs) check_unary_grads(name + "_f32", f, np::astype(x, jx::float32), 1);
}

TEST(NnFunctions, ReductionGradients) {
  Array a = np::reshape(
      np::array({0.3, -1.2, 2.5, 0.7, -0.4, 1.9, -2.2, 0.05, 1.1, -0.6, 0.9, -1.7}), {3, 4});
  check_unary_grads(
      "softmax", [](const Array& v) { return nn::softmax(v); }, a);
  check_unary_grads(
      "softmax_axis0", [](const Array& v) { return nn::softmax(v, 0); }, a);
  check_unary_grads(
      "softmax_all",
      [](const Array& v) {
        return nn::softmax(v, {0, 1});
      },
      a);
  check_unary_grads(
      "log_softmax", [](const Array& v) { return nn::log_softmax(v); }, a);
  check_unary_grads(
      "log_softmax_axis0", [](const Array& v) { return nn::log_softmax(v, 0); }, a);
  check_unary_grads(
      "logsumexp", [](const Array& v) { return nn::logsumexp(v); }, a);
  check_unary_grads(
      "logsumexp_axis1", [](const Array& v) { return nn::logsumexp(v, 1); }, a);
  check_unary_grads(
      "logsumexp_keep", [](const Array& v) { return nn::logsumexp(v, 0, true); }, a);
  check_unary_grads(
      "standardize", [](const Array& v) { return nn::standardize(v); }, a);
  check_unary_grads(
      "standardize_axis0", [](const Array& v) { return nn::standardize(v, 0, 1e-3); }, a);
  check_unary_grads(
      "glu", [](const Array& v) { return nn::glu(v); }, a);
  check_unary_grads(
      "glu_axis0",
      [](const Array& v) {
        return nn::glu(np::concatenate({v, v}), 0);
      },
      a);
}

Array grad_at(const Unary& f, double x) {
  return jx::grad([&](const Array& v) { return f(v); })(np::array(x));
}

TEST(NnFunctions, DerivativesAtKinksMatchJax) {
  // jax.grad(jax.nn.relu)(0.) == 0 (custom_jvp); relu6 and hard_tanh also 0 at
  // their corners, leaky_relu takes the x >= 0 branch (1) at 0.
  EXPECT_EQ(grad_at([](const Array& v) { return nn::relu(v); }, 0.0).item<double>(), 0.0);
  EXPECT_EQ(grad_at([](const Array& v) { return nn::relu(v); }, 1e-30).item<double>(), 1.0);
  EXPECT_EQ(grad_at([](const Array& v) { return nn::relu6(v); }, 0.0).item<double>(), 0.0);
  EXPECT_EQ(grad_at([](const Array& v) { return nn::hard_tanh(v); }, 1.0).item<double>(), 1.0);
  EXPECT_EQ(grad_at([](const Array& v) { return nn::leaky_relu(v, 0.1); }, 0.0).item<double>(),
            1.0);
  // softplus' = sigmoid, including at 0 and second order there.
  Unary sp = [](const Array& v) { return nn::softplus(v); };
  EXPECT_DOUBLE_EQ(grad_at(sp, 0.0).item<double>(), 0.5);
  auto d2 = jx::grad([&](const Array& v) { return jx::grad(sp)(v); })(np::array(0.0));
  EXPECT_DOUBLE_EQ(d2.item<double>(), 0.25);
  // Large inputs: no overflow in values or derivatives.
  EXPECT_EQ(grad_at(sp, 1000.0).item<double>(), 1.0);
  EXPECT_EQ(grad_at(sp, -1000.0).item<double>(), 0.0);
  Unary ls = [](const Array& v) { return nn::log_sigmoid(v); };
  EXPECT_EQ(grad_at(ls, -1000.0).item<double>(), 1.0);
  EXPECT_EQ(nn::log_sigmoid(np::array(-1000.f)).item<float>(), -1000.f);
  EXPECT_EQ(nn::softplus(np::array(1000.f)).item<float>(), 1000.f);
  Unary el = [](const Array& v) { return nn::elu(v); };
  EXPECT_EQ(grad_at(el, 1000.0).item<double>(), 1.0);
}

TEST(NnFunctions, StableReductions) {
  Array big = np::array({1000.f, 1000.f, -1000.f});
  Array sm = nn::softmax(big);
  EXPECT_FLOAT_EQ(sm[0].item<float>(), 0.5f);
  EXPECT_FLOAT_EQ(sm[2].item<float>(), 0.f);
  EXPECT_FLOAT_EQ(nn::logsumexp(big).item<float>(), 1000.f + std::log(2.f));
  EXPECT_FLOAT_EQ(nn::log_softmax(big)[2].item<float>(), -2000.f - std::log(2.f));
  // All -inf: logsumexp is -inf (the max is replaced by 0), empty reductions too.
  float inf = INFINITY;
  EXPECT_EQ(nn::logsumexp(np::array({-inf, -inf})).item<float>(), -inf);
  Array e = nn::logsumexp(np::zeros({2, 0}), 1);
  ASSERT_EQ(e.shape(), Shape({2}));
  EXPECT_EQ(e[0].item<float>(), -inf);
  EXPECT_EQ(nn::softmax(np::zeros({0, 3})).shape(), Shape({0, 3}));
  // Gradients of logsumexp with an infinite entry stay finite elsewhere.
  Array g = jx::grad([](const Array& v) { return nn::logsumexp(v); })(np::array({-inf, 0.f, 0.f}));
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{0.f, 0.5f, 0.5f}));
}

TEST(NnFunctions, DtypesAndPromotion) {
  Array i = np::array({-2, 0, 3});
  EXPECT_EQ(nn::relu(i).dtype(), jx::int32);
  EXPECT_EQ(nn::relu(i).to_vector<int>(), (std::vector<int>{0, 0, 3}));
  EXPECT_EQ(nn::sigmoid(i).dtype(), jx::float32);
  EXPECT_EQ(nn::softmax(i).dtype(), jx::float32);
  EXPECT_EQ(nn::gelu(np::astype(i, jx::bfloat16)).dtype(), jx::bfloat16);
  EXPECT_EQ(nn::softplus(np::astype(i, jx::float16)).dtype(), jx::float16);
  Array oh = nn::one_hot(np::array({1, 0}), 3);
  EXPECT_EQ(oh.dtype(), jx::float32);
  EXPECT_EQ(oh.to_vector<float>(), (std::vector<float>{0, 1, 0, 1, 0, 0}));
}

TEST(NnFunctions, JitAndVmapAgreeWithEager) {
  Array a = np::reshape(np::linspace(-3, 3, 12), {3, 4});
  auto f = [](const Array& v) {
    return nn::softmax(v) + nn::gelu(v) + nn::log_sigmoid(v) + nn::standardize(v) + nn::relu(v);
  };
  Array eager = f(a);
  EXPECT_TRUE(np::allclose(jx::jit(f)(a), eager, 1e-6, 1e-6));
  EXPECT_TRUE(np::allclose(jx::vmap(f)(a), eager, 1e-6, 1e-6));
  Array gj = jx::jit(jx::grad([&](const Array& v) { return np::sum(f(v) * v); }))(a);
  Array ge = jx::grad([&](const Array& v) { return np::sum(f(v) * v); })(a);
  EXPECT_TRUE(np::allclose(gj, ge, 1e-5, 1e-6));
  // Positive axes refer to the per-example array under vmap.
  Array b = np::reshape(np::linspace(-2, 2, 24), {2, 3, 4});
  auto g = [](const Array& v) { return nn::softmax(v, 0) + nn::logsumexp(v, 0, true); };
  Array mapped = jx::vmap(g)(b);
  EXPECT_TRUE(np::allclose(mapped[1], g(b[1]), 1e-6, 1e-6));
  Array gm = jx::vmap(jx::grad([&](const Array& v) { return np::sum(g(v) * v); }))(b);
  Array g1 = jx::grad([&](const Array& v) { return np::sum(g(v) * v); })(b[1]);
  EXPECT_TRUE(np::allclose(gm[1], g1, 1e-5, 1e-6));
  Array oh = jx::vmap([](const Array& l) { return nn::one_hot(l, 3, jx::float32, 0); })(
      np::array({{0, 2}, {1, 1}}));
  ASSERT_EQ(oh.shape(), Shape({2, 3, 2}));
  EXPECT_TRUE(np::array_equal(oh[0], nn::one_hot(np::array({0, 2}), 3, jx::float32, 0)));
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected: " << needle;
  } catch (const jx::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("functions_test.cpp"), std::string::npos) << e.what();
  }
}

TEST(NnFunctions, Errors) {
  Array a = np::zeros({2, 3});
  expect_error([&] { nn::glu(a); }, "[nn.glu] the size of axis -1 must be even, got 3");
  expect_error([&] { nn::softmax(a, 2); }, "[nn.softmax] axis 2 is out of range");
  expect_error([&] { nn::logsumexp(a, {0, -2}); }, "[nn.logsumexp] repeated axis");
  expect_error(
      [&] {
        nn::one_hot(np::array({1, 2}), -1);
      },
      "[nn.one_hot] num_classes must be non-negative");
  expect_error(
      [&] {
        nn::one_hot(np::array({1, 2}), 3, jx::float32, 2);
      },
      "[nn.one_hot] axis 2 is out of range");
  expect_error([&] { nn::one_hot(np::array({true}), 3); }, "labels must be integers");
  expect_error([&] { nn::standardize(a, 5); }, "[nn.standardize] axis 5 is out of range");
}

}  // namespace
