// jx::nn losses against optax: values on stored inputs
// (tests/fixtures/nn/losses.txt, written by optax; float32 and float64,
// extreme logits included), derivatives by finite differences (check_grads)
// and by hand (softmax - labels), per-example shapes, jit/vmap and errors.
#include "jx/nn/losses.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "jx/check_grads.h"
#include "jx/jx.h"
#include "jx/nn/functions.h"
#include "nn/nn_fixtures.h"

namespace {

namespace nn = jx::nn;
namespace np = jx::np;
using jx::Array;
using jx::Shape;
using jxt::nn::FixtureCase;

Array call(const FixtureCase& c) {
  const auto& in = c.arrays;
  const std::string& n = c.name;
  // Regression losses: (predictions[, targets]) -> output.
  std::optional<Array> t;
  if (in.size() == 3) t = in[1];
  if (n == "softmax_cross_entropy")
    return nn::softmax_cross_entropy(in[0], in[1], c.integer("axis"));
  if (n == "softmax_cross_entropy_with_integer_labels")
    return nn::softmax_cross_entropy_with_integer_labels(in[0], in[1], c.integer("axis"));
  if (n == "sigmoid_binary_cross_entropy") return nn::sigmoid_binary_cross_entropy(in[0], in[1]);
  if (n == "squared_error") return nn::squared_error(in[0], t);
  if (n == "l2_loss") return nn::l2_loss(in[0], t);
  if (n == "mse") return nn::mse(in[0], t);
  if (n == "huber_loss") return nn::huber_loss(in[0], t, c.num("delta"));
  if (n == "log_cosh") return nn::log_cosh(in[0], t);
  if (n == "cosine_similarity")
    return nn::cosine_similarity(in[0], in[1], c.num("epsilon"), c.integer("axis"));
  if (n == "cosine_distance")
    return nn::cosine_distance(in[0], in[1], c.num("epsilon"), c.integer("axis"));
  throw std::runtime_error("unknown loss " + n);
}

TEST(NnLosses, MatchOptaxFixtures) {
  auto cases = jxt::nn::load_fixtures("losses.txt");
  ASSERT_GT(cases.size(), 40u);
  std::map<std::string, double> worst;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.where());
    const Array& want = c.arrays.back();
    Array got = call(c);
    ASSERT_EQ(got.shape(), want.shape());
    ASSERT_EQ(got.dtype(), want.dtype());
    // Errors in units of epsilon relative to max(|want|, 1e-3): the losses
    // add and cancel a few transcendental values (log_softmax, logaddexp).
    // optax's log_cosh is |e| + log1p(exp(-2|e|)) - log(2), which cancels
    // near 0 (an ulp of log 2 is many ulps of e^2/2): measured against 1.
    double ulps = jxt::nn::max_rel_ulps(got, want, c.name == "log_cosh" ? 1.0 : 1e-3);
    worst[c.name] = std::max(worst[c.name], ulps);
    EXPECT_LE(ulps, 4) << "got " << got << "\nwant " << want;
  }
  std::string summary;
  for (auto& [k, v] : worst) summary += k + "=" + std::to_string(v) + " ";
  RecordProperty("worst_ulps", summary);
}

void check(const std::string& name, const jx::FlatFn& f, std::vector<Array> args) {
  SCOPED_TRACE(name);
  EXPECT_NO_THROW(jx::test::check_grads(f, args, 2)) << name;
}

Array mat(std::vector<double> v, Shape s) { return np::reshape(np::array(v), s); }

TEST(NnLosses, Gradients) {
  Array logits = mat({0.3, -1.2, 2.5, 0.7, -0.4, 1.9, -2.2, 0.05, 1.1, -0.6, 0.9, -1.7}, {3, 4});
  Array soft = nn::softmax(mat({1, 0, 0.5, -1, 2, 0, 0, 0.1, -0.3, 0.4, 1, 0}, {3, 4}));
  Array labels = np::array({2, 0, 3});
  check("softmax_cross_entropy",
        [](std::span<const Array> a) {
          return std::vector<Array>{nn::softmax_cross_entropy(a[0], a[1])};
        },
        {logits, soft});
  check("softmax_cross_entropy_with_integer_labels",
        [labels](std::span<const Array> a) {
          return std::vector<Array>{nn::softmax_cross_entropy_with_integer_labels(a[0], labels)};
        },
        {logits});
  Array y = mat({1, 0, 0.3, 0.8, 0, 1, 1, 0.5, 0, 0.2, 1, 0}, {3, 4});
  check("sigmoid_binary_cross_entropy",
        [](std::span<const Array> a) {
          return std::vector<Array>{nn::sigmoid_binary_cross_entropy(a[0], a[1])};
        },
        {logits, y});
  Array p = logits, t = mat({0.1, 0.2, 0.1, 1.5, 0.3, -0.2, 0.4, 2.0, -1.1, 0.6, 0.2, 0.1}, {3, 4});
  using Loss2 = std::function<Array(const Array&, const Array&)>;
  std::vector<std::pair<std::string, Loss2>> reg = {
      {"squared_error", [](const Array& a, const Array& b) { return nn::squared_error(a, b); }},
      {"l2_loss", [](const Array& a, const Array& b) { return nn::l2_loss(a, b); }},
      {"mse", [](const Array& a, const Array& b) { return nn::mse(a, b); }},
      {"huber_loss", [](const Array& a, const Array& b) { return nn::huber_loss(a, b, 0.5); }},
      {"log_cosh", [](const Array& a, const Array& b) { return nn::log_cosh(a, b); }},
      {"cosine_similarity",
       [](const Array& a, const Array& b) { return nn::cosine_similarity(a, b); }},
      {"cosine_distance",
       [](const Array& a, const Array& b) { return nn::cosine_distance(a, b, 1e-8, 0); }},
  };
  for (auto& [name, f] : reg)
    check(name, [f](std::span<const Array> a) { return std::vector<Array>{f(a[0], a[1])}; },
          {p, t});
}

TEST(NnLosses, CrossEntropyGradientIsSoftmaxMinusLabels) {
  Array logits = mat({0.3, -1.2, 2.5, 0.7, -0.4, 1.9, -2.2, 0.05}, {2, 4});
  Array labels = np::array({2, 1});
  Array g = jx::grad([&](const Array& l) {
    return np::sum(nn::softmax_cross_entropy_with_integer_labels(l, labels));
  })(logits);
  Array want = nn::softmax(logits) - nn::one_hot(labels, 4, jx::float64);
  EXPECT_TRUE(np::allclose(g, want, 1e-12, 1e-14));
  Array g2 = jx::grad([&](const Array& l) {
    return np::sum(nn::softmax_cross_entropy(l, nn::one_hot(labels, 4, jx::float64)));
  })(logits);
  EXPECT_TRUE(np::allclose(g2, want, 1e-12, 1e-14));
  // Extreme logits: finite loss and gradient.
  Array big = np::array({{1000.f, -1000.f, 0.f}});
  Array l = nn::softmax_cross_entropy_with_integer_labels(big, np::array({1}));
  EXPECT_FLOAT_EQ(l[0].item<float>(), 2000.f);
  Array gb = jx::grad([&](const Array& v) {
    return np::sum(nn::softmax_cross_entropy_with_integer_labels(v, np::array({1})));
  })(big);
  EXPECT_EQ(gb.to_vector<float>(), (std::vector<float>{1.f, -1.f, 0.f}));
  // log_cosh' = tanh, including at 0 to second order (log_cosh'' (0) = 1).
  auto lc = [](const Array& v) { return nn::log_cosh(v); };
  EXPECT_EQ(jx::grad(lc)(np::array(0.0)).item<double>(), 0.0);
  EXPECT_DOUBLE_EQ(
      jx::grad([&](const Array& v) { return jx::grad(lc)(v); })(np::array(0.0)).item<double>(),
      1.0);
  EXPECT_EQ(nn::log_cosh(np::array(1e4f)).item<float>(), 1e4f - std::log(2.f));
}

TEST(NnLosses, PerExampleShapesAndUnderTransforms) {
  Array logits = np::zeros({8, 10});
  Array labels = np::zeros({8}, jx::int32);
  Array l = nn::softmax_cross_entropy_with_integer_labels(logits, labels);
  ASSERT_EQ(l.shape(), Shape({8}));
  EXPECT_FLOAT_EQ(l[3].item<float>(), std::log(10.f));
  EXPECT_EQ(nn::softmax_cross_entropy(logits, nn::one_hot(labels, 10)).shape(), Shape({8}));
  EXPECT_EQ(nn::huber_loss(logits).shape(), Shape({8, 10}));
  EXPECT_EQ(nn::mse(logits, np::ones({8, 10})).shape(), Shape({}));
  EXPECT_EQ(nn::cosine_similarity(np::ones({8, 10}), np::ones({8, 10})).shape(), Shape({8}));
  // The class axis elsewhere: logits (C, B), labels (B,).
  Array lt = np::reshape(np::linspace(-2, 2, 12), {4, 3});
  Array a0 = nn::softmax_cross_entropy_with_integer_labels(lt, np::array({0, 3, 1}), 0);
  Array a1 = nn::softmax_cross_entropy_with_integer_labels(np::transpose(lt), np::array({0, 3, 1}));
  EXPECT_TRUE(np::allclose(a0, a1, 1e-6, 1e-7));
  // vmap over examples and jit agree with the batched call.
  Array lg = np::reshape(np::linspace(-3, 3, 15), {3, 5});
  Array lb = np::array({4, 0, 2});
  Array batched = nn::softmax_cross_entropy_with_integer_labels(lg, lb);
  auto one = [](const Array& x, const Array& y) {
    return nn::softmax_cross_entropy_with_integer_labels(x, y);
  };
  EXPECT_TRUE(np::allclose(jx::vmap(one)(lg, lb), batched, 1e-6, 1e-7));
  EXPECT_TRUE(np::allclose(jx::jit(one)(lg, lb), batched, 1e-6, 1e-7));
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected: " << needle;
  } catch (const jx::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("losses_test.cpp"), std::string::npos) << e.what();
  }
}

TEST(NnLosses, Errors) {
  Array logits = np::zeros({4, 3});
  expect_error([&] { nn::softmax_cross_entropy_with_integer_labels(logits, np::zeros({4})); },
               "[nn.softmax_cross_entropy_with_integer_labels] labels must be integers, got "
               "float32");
  expect_error(
      [&] { nn::softmax_cross_entropy_with_integer_labels(logits, np::zeros({3}, jx::int32)); },
      "labels of shape (3,) do not match logits of shape (4, 3) without the class axis -1 "
      "(expected (4,))");
  expect_error(
      [&] {
        nn::softmax_cross_entropy(np::zeros({4, 3}, jx::int32), logits);
      },
      "[nn.softmax_cross_entropy] logits must be floating, got int32");
  expect_error(
      [&] {
        nn::softmax_cross_entropy(logits, np::zeros({4, 5}));
      },
      "shapes (4, 3) and (4, 5) cannot broadcast");
  expect_error([&] { nn::squared_error(logits, np::zeros({3})); },
               "[nn.squared_error] predictions of shape (4, 3) and targets of shape (3,) must have "
               "equal shapes");
  expect_error([&] { nn::huber_loss(logits, np::zeros({2})); },
               "[nn.huber_loss] shapes (4, 3) and (2,) cannot broadcast");
  expect_error([&] { nn::sigmoid_binary_cross_entropy(np::zeros({2}, jx::int32), np::zeros({2})); },
               "logits must be floating");
}

}  // namespace
