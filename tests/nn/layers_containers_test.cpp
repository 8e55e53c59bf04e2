// jx::nn.Sequential: order of application, key splitting to Dropout, pytree
// structure, grad/jit/vmap of a small CNN built from Sequential, and
// inference_mode reaching inside it.
#include <gtest/gtest.h>

#include "jx/jx.h"
#include "jx/nn.h"
#include "nn/layers_fixture.h"

namespace np = jx::np;
namespace nn = jx::nn;
using jx::Array;
using jxt::nn::close;

namespace {

auto make_cnn() {
  Array keys = jx::random::split(jx::random::key(0), 3);
  return nn::Sequential{
      nn::Conv2d(1, 4, 3, keys[0], {.padding = "SAME"}),
      nn::Lambda(nn::Activation::relu()),
      nn::MaxPool2d(2, {.stride = 2}),
      nn::Lambda(
          [](const Array& x) {
            return np::reshape(x, {x.shape()[0], -1});
          },
          "flatten"),
      nn::Dropout(0.25),
      nn::Linear(4 * 3 * 3, 5, keys[1]),
  };
}

TEST(NnSequential, AppliesLayersInOrder) {
  auto net = make_cnn();
  static_assert(decltype(net)::size() == 6);
  Array x = jx::random::normal(jx::random::key(1), {2, 1, 6, 6});
  Array by_hand = x;
  by_hand = net.get<0>()(by_hand);
  by_hand = np::maximum(by_hand, 0);
  by_hand = net.get<2>()(by_hand);
  by_hand = np::reshape(by_hand, {2, 36});
  by_hand = net.get<5>()(by_hand);
  EXPECT_TRUE(close(nn::inference_mode(net)(x), by_hand, 0, 0));
  // With a key, layer i gets split(key, 6)[i].
  Array key = jx::random::key(5);
  Array h = np::reshape(net.get<2>()(np::maximum(net.get<0>()(x), 0)), {2, 36});
  h = net.get<4>()(h, jx::random::split(key, 6)[4]);
  EXPECT_TRUE(close(net(x, key), net.get<5>()(h), 0, 0));
  EXPECT_THROW(net(x), jx::Error);  // the Dropout needs a key in training mode
}

TEST(NnSequential, PytreeGradJitVmap) {
  auto net = nn::inference_mode(make_cnn());
  using Net = decltype(net);
  EXPECT_EQ(jx::tree::num_leaves(net), 4u);
  EXPECT_EQ(jx::tree::structure(net).str().rfind("PyTreeDef(Sequential(layers=(Conv2d(", 0), 0u);
  Array x = jx::random::normal(jx::random::key(1), {3, 1, 6, 6});
  Array labels = np::array({0, 3, 4});
  auto loss = [&](const Net& n, const Array& xs) {
    Array logits = n(xs);
    Array lse = np::log(np::sum(np::exp(logits), -1));
    return np::mean(lse - np::reshape(np::take_along_axis(logits, np::reshape(labels, {3, 1}), 1), {3}));
  };
  auto [v, g] = jx::value_and_grad(loss)(net, x);
  auto step =
      jx::jit([&](const Net& n, const Array& xs) { return jx::value_and_grad(loss)(n, xs); });
  auto [vj, gj] = step(net, x);
  EXPECT_NEAR(vj.item<float>(), v.item<float>(), 1e-5);
  auto le = jx::tree::leaves(g), lj = jx::tree::leaves(gj);
  for (size_t i = 0; i < le.size(); ++i) EXPECT_TRUE(close(lj[i], le[i], 1e-5, 1e-4)) << i;
  // vmap over single examples [1, 6, 6] equals the batched call (the flatten
  // lambda keeps dim 0, so unbatched examples are fed as [1, 1, 6, 6]).
  Array per = jx::vmap([&](const Array& xi) { return net(np::expand_dims(xi, 0))[0]; })(x);
  EXPECT_TRUE(close(per, net(x), 1e-5, 1e-5));
  // Gradient check through the whole stack (small sizes).
  jxt::nn::check_module_grads(
      net, [](const Net& n, const Array& xs) { return n(xs); }, 1, x);
}

TEST(NnSequential, NestedAndMlpLike) {
  auto [k1, k2] = jx::random::split2(jx::random::key(3));
  nn::Sequential inner{nn::Linear(3, 4, k1), nn::Lambda(nn::Activation::tanh())};
  nn::Sequential outer{inner, nn::Linear(4, 2, k2)};
  Array x = np::ones({5, 3});
  EXPECT_TRUE(close(outer(x), outer.get<1>()(np::tanh(inner.get<0>()(x))), 0, 0));
  EXPECT_TRUE(close(outer(x, jx::random::key(1)), outer(x), 0, 0));  // no dropout: key unused
}

}  // namespace
