// jx::nn LayerNorm, RMSNorm, GroupNorm (equinox fixtures, weights set with
// tree_at as in the generator) and BatchNorm (hand-computed reference):
// outputs, explicit state threading, gradients, jit and errors.
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
  static jxt::nn::Fixture f("layers_norm.txt");
  return f;
}

template <class L>
L with_affine(const L& layer, const std::string& p) {
  return nn::tree_at([](L& m) { return std::tie(m.weight, m.bias); }, layer,
                     std::make_tuple(std::optional<Array>(fx()[p + ".weight"]),
                                     std::optional<Array>(fx()[p + ".bias"])));
}

TEST(NnNorm, LayerNormMatchesEquinox) {
  nn::LayerNorm ln({2, 3});
  EXPECT_TRUE(close(*ln.weight, np::ones({2, 3}), 0, 0));
  ln = with_affine(ln, "layernorm");
  Array x = fx()["layernorm.x"];
  EXPECT_TRUE(close(ln(x), fx()["layernorm.y"]));
  EXPECT_TRUE(close(ln(x[2]), fx()["layernorm.y"][2]));
  EXPECT_EQ(ln(np::ones({5, 4, 2, 3})).shape(), jx::Shape({5, 4, 2, 3}));
  EXPECT_THROW(ln(np::ones({3, 2})), jx::Error);
}

TEST(NnNorm, RmsNormMatchesEquinox) {
  nn::RMSNorm rms = with_affine(nn::RMSNorm({5}), "rmsnorm");
  EXPECT_TRUE(close(rms(fx()["rmsnorm.x"]), fx()["rmsnorm.y"]));
}

TEST(NnNorm, GroupNormMatchesEquinox) {
  nn::GroupNorm gn = with_affine(nn::GroupNorm(2, 4), "groupnorm");
  Array x = fx()["groupnorm.x"];
  EXPECT_TRUE(close(gn.batched(x), fx()["groupnorm.y"]));
  EXPECT_TRUE(close(gn(x[1]), fx()["groupnorm.y"][1]));
  EXPECT_TRUE(close(jx::vmap([&](const Array& v) { return gn(v); })(x), gn.batched(x), 1e-6, 1e-6));
  EXPECT_THROW(nn::GroupNorm(3, 4), jx::Error);
  EXPECT_THROW(gn(np::ones({3, 2})), jx::Error);
}

TEST(NnNorm, BatchNormTrainAndInference) {
  nn::BatchNorm bn(3, 1e-5, true, /*momentum=*/0.9);
  bn.weight = fx()["batchnorm.weight"];
  bn.bias = fx()["batchnorm.bias"];
  nn::BatchNormState init = bn.init_state();
  EXPECT_TRUE(close(init.running_mean, np::zeros({3}), 0, 0));
  EXPECT_TRUE(close(init.running_var, np::ones({3}), 0, 0));
  nn::BatchNormState state{fx()["batchnorm.running_mean"], fx()["batchnorm.running_var"]};
  Array x = fx()["batchnorm.x"];
  auto [y, next] = bn(x, state);
  EXPECT_TRUE(close(y, fx()["batchnorm.y_train"], 1e-5, 1e-4));
  EXPECT_TRUE(close(next.running_mean, fx()["batchnorm.new_mean"], 1e-6, 1e-5));
  EXPECT_TRUE(close(next.running_var, fx()["batchnorm.new_var"], 1e-6, 1e-5));
  auto [yi, same] = bn(x, state, /*inference=*/true);
  EXPECT_TRUE(close(yi, fx()["batchnorm.y_infer"], 1e-5, 1e-4));
  EXPECT_TRUE(close(same.running_mean, state.running_mean, 0, 0));
  // The layer's flag, set through inference_mode, gives the same.
  auto [yi2, s2] = nn::inference_mode(bn)(x, state);
  EXPECT_TRUE(close(yi2, yi, 0, 0));
  // jit over (model, state, x) equals eager.
  auto step = jx::jit(
      [](const nn::BatchNorm& m, const nn::BatchNormState& s, const Array& v) { return m(v, s); });
  auto [yj, nj] = step(bn, state, x);
  EXPECT_TRUE(close(yj, y, 1e-6, 1e-5));
  EXPECT_TRUE(close(nj.running_var, next.running_var, 1e-6, 1e-5));
  EXPECT_THROW(bn(x[0], state), jx::Error);  // needs (N, C, ...)
  EXPECT_THROW(bn(x, nn::BatchNormState{np::zeros({2}), np::ones({2})}), jx::Error);
}

TEST(NnNorm, Grads) {
  Array x = jx::random::normal(jx::random::key(1), {3, 4});
  nn::LayerNorm ln = with_affine(nn::LayerNorm({2, 3}), "layernorm");
  jxt::nn::check_module_grads(
      ln, [](const nn::LayerNorm& m, const Array& v) { return m(v); }, 1, fx()["layernorm.x"]);
  nn::RMSNorm rms({4});
  jxt::nn::check_module_grads(
      rms, [](const nn::RMSNorm& m, const Array& v) { return m(v); }, 1, x);
  nn::GroupNorm gn = with_affine(nn::GroupNorm(2, 4), "groupnorm");
  jxt::nn::check_module_grads(
      gn, [](const nn::GroupNorm& m, const Array& v) { return m.batched(v); }, 1,
      fx()["groupnorm.x"]);
  nn::BatchNorm bn(3);
  nn::BatchNormState s = bn.init_state();
  jxt::nn::check_module_grads(
      bn, [&](const nn::BatchNorm& m, const Array& v) { return m(v, s).first; }, 1,
      fx()["batchnorm.x"]);
}

}  // namespace
