// jx::nn Linear, MLP, Embedding and Dropout against equinox (fixtures from
// tests/fixtures/nn/gen_layers_fixtures.py): the same key gives the same
// initial weights, outputs match unbatched and batched, gradients pass
// check_grads, vmap over examples equals the batched call, jit(grad) equals
// eager, and misuse gives clear errors.
#include <gtest/gtest.h>

#include "jx/jx.h"
#include "jx/nn.h"
#include "nn/layers_fixture.h"

namespace np = jx::np;
namespace nn = jx::nn;
using jx::Array;
using jxt::nn::close;

namespace {

const jxt::nn::Fixture& fx() {
  static jxt::nn::Fixture f("layers_linear.txt");
  return f;
}

TEST(NnLinear, InitAndOutputMatchEquinox) {
  nn::Linear lin(4, 3, jx::random::key(0));
  EXPECT_TRUE(close(lin.weight, fx()["linear.weight"], 0, 0));  // uniform draws are bit-exact
  ASSERT_TRUE(lin.bias.has_value());
  EXPECT_TRUE(close(*lin.bias, fx()["linear.bias"], 0, 0));
  Array x = fx()["linear.x"];
  EXPECT_TRUE(close(lin(x), fx()["linear.y"]));                       // batched [5, 4]
  EXPECT_TRUE(close(lin(x[1]), fx()["linear.y"][1]));                 // one example [4]
  EXPECT_EQ(lin(np::ones({2, 3, 4})).shape(), jx::Shape({2, 3, 3}));  // any leading dims
}

TEST(NnLinear, NoBias) {
  nn::Linear lin(3, 2, jx::random::key(1), /*use_bias=*/false);
  EXPECT_FALSE(lin.bias.has_value());
  EXPECT_TRUE(close(lin.weight, fx()["linear_nobias.weight"], 0, 0));
  EXPECT_TRUE(close(lin(fx()["linear_nobias.x"]), fx()["linear_nobias.y"]));
  EXPECT_EQ(jx::tree::num_leaves(lin), 1u);
}

TEST(NnLinear, Errors) {
  nn::Linear lin(4, 3, jx::random::key(0));
  try {
    lin(np::ones({2, 5}));
    FAIL();
  } catch (const jx::Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("[nn.Linear] input of shape (2, 5) needs a last dimension of 4"),
        std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("layers_linear_test.cpp"), std::string::npos) << e.what();
  }
  EXPECT_THROW(nn::Linear(0, 3, jx::random::key(0)), jx::Error);
  EXPECT_THROW(nn::Linear(2, 3, jx::random::key(0), true, jx::int32), jx::Error);
}

TEST(NnLinear, Grads) {
  nn::Linear lin(4, 3, jx::random::key(0));
  jxt::nn::check_module_grads(
      lin, [](const nn::Linear& m, const Array& x) { return m(x); }, 2, fx()["linear.x"]);
}

TEST(NnMlp, MatchesEquinox) {
  nn::MLP mlp(3, 2, 5, 2, jx::random::key(2), nn::Activation::tanh());
  ASSERT_EQ(mlp.layers.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    std::string p = "mlp.layers" + std::to_string(i);
    EXPECT_TRUE(close(mlp.layers[i].weight, fx()[p + ".weight"], 0, 0)) << p;
    EXPECT_TRUE(close(*mlp.layers[i].bias, fx()[p + ".bias"], 0, 0)) << p;
  }
  EXPECT_TRUE(close(mlp(fx()["mlp.x"]), fx()["mlp.y"]));
  nn::MLP single(3, 2, 5, 0, jx::random::key(2));
  EXPECT_EQ(single.layers.size(), 1u);
  EXPECT_EQ(single(np::ones({3})).shape(), jx::Shape({2}));
}

TEST(NnMlp, VmapEqualsBatchedAndJitGradEqualsEager) {
  nn::MLP mlp(3, 2, 5, 2, jx::random::key(2), nn::Activation::tanh());
  Array xs = fx()["mlp.x"];
  Array vm = jx::vmap([&](const Array& x) { return mlp(x); })(xs);
  EXPECT_TRUE(close(vm, mlp(xs), 1e-6, 1e-6));

  auto loss = [](const nn::MLP& m, const Array& x) { return np::sum(m(x) * m(x)); };
  nn::MLP g_eager = jx::grad(loss)(mlp, xs);
  auto step = jx::jit([&](const nn::MLP& m, const Array& x) { return jx::grad(loss)(m, x); });
  nn::MLP g_jit = step(mlp, xs);
  auto le = jx::tree::leaves(g_eager), lj = jx::tree::leaves(g_jit);
  ASSERT_EQ(le.size(), 6u);
  for (size_t i = 0; i < le.size(); ++i) EXPECT_TRUE(close(lj[i], le[i], 1e-5, 1e-4)) << i;
  // The activation is static: the jitted function traced once per name.
  step(mlp, xs);
  EXPECT_EQ(step.num_compiles(), 1u);
  nn::MLP relu_mlp = mlp;
  relu_mlp.activation = nn::Activation::relu();
  step(relu_mlp, xs);
  EXPECT_EQ(step.num_compiles(), 2u);
}

TEST(NnMlp, Grads) {
  nn::MLP mlp(3, 2, 4, 1, jx::random::key(5), nn::Activation::tanh());
  jxt::nn::check_module_grads(
      mlp, [](const nn::MLP& m, const Array& x) { return m(x); }, 1, fx()["mlp.x"]);
}

TEST(NnActivation, CustomAndUnknown) {
  nn::Activation sq([](const Array& x) { return x * x; });
  EXPECT_EQ(sq.name().rfind("custom#", 0), 0u);
  EXPECT_TRUE(close(sq(np::array({3.f})), np::array({9.f})));
  nn::Activation named([](const Array& x) { return x + 1; }, "plus_one");
  EXPECT_EQ(jx::tree::structure(named).str(), "PyTreeDef('plus_one')");
  EXPECT_THROW(nn::Activation("relu7"), jx::Error);
  EXPECT_TRUE(close(nn::Activation("relu")(np::array({-1.f, 2.f})), np::array({0.f, 2.f})));
  EXPECT_TRUE(close(nn::Activation("gelu")(np::array({1.f})), np::array({0.841192f}), 1e-6));
  EXPECT_TRUE(
      close(nn::Activation("gelu_exact")(np::array({1.f})), np::array({0.841344746f}), 1e-6));
}

TEST(NnEmbedding, MatchesEquinox) {
  nn::Embedding emb(10, 4, jx::random::key(3));
  // normal draws agree with JAX up to erf_inv rounding.
  EXPECT_TRUE(close(emb.weight, fx()["embedding.weight"], 1e-6, 1e-6));
  Array idx = fx()["embedding.x"];
  EXPECT_TRUE(close(emb(idx), fx()["embedding.y"], 1e-6, 1e-6));
  EXPECT_EQ(emb(idx[0][1]).shape(), jx::Shape({4}));
  EXPECT_THROW(emb(np::ones({2})), jx::Error);  // float indices
  nn::Embedding from(fx()["embedding.weight"]);
  EXPECT_EQ(from.num_embeddings, 10);
  // Gradient w.r.t. the table: rows gathered twice get twice the cotangent.
  auto g = jx::grad([&](const nn::Embedding& e) { return np::sum(e(idx)); })(from);
  Array expected = np::zeros({10, 4});
  auto counts = std::vector<float>{1, 1, 1, 0, 2, 0, 0, 0, 0, 1};
  EXPECT_TRUE(close(g.weight, np::broadcast_to(np::reshape(np::array(counts), {10, 1}), {10, 4})));
}

TEST(NnDropout, MatchesEquinoxAndModes) {
  nn::Dropout drop(0.3);
  Array x = fx()["dropout.x"];
  EXPECT_TRUE(close(drop(x, jx::random::key(7)), fx()["dropout.y"], 1e-6, 1e-6));
  EXPECT_TRUE(close(drop(x, std::nullopt, true), x, 0, 0));  // inference: identity
  EXPECT_TRUE(close(nn::Dropout(0.0)(x), x, 0, 0));          // p = 0: identity, no key needed
  EXPECT_TRUE(close(nn::Dropout(1.0)(x, jx::random::key(1)), np::zeros_like(x), 0, 0));
  try {
    drop(x);
    FAIL();
  } catch (const jx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[nn.Dropout] dropout needs a key"), std::string::npos);
  }
  EXPECT_THROW(nn::Dropout(1.5), jx::Error);
  EXPECT_TRUE(close(nn::inference_mode(drop)(x), x, 0, 0));
  // Statistics: about p of a large input is dropped, the mean is preserved.
  Array big = drop(np::ones({100000}), jx::random::key(3));
  double kept = np::mean(np::astype(big != 0, jx::float32)).item<float>();
  EXPECT_NEAR(kept, 0.7, 0.01);
  EXPECT_NEAR(np::mean(big).item<float>(), 1.0, 0.02);
}

}  // namespace
