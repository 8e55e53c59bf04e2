// jx::nn Conv1d/2d/3d, ConvTranspose1d/2d and the pools against equinox
// fixtures (same key, same weights; batched outputs from equinox under vmap),
// unbatched == batched slices, gradients, and errors.
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
  static jxt::nn::Fixture f("layers_conv.txt");
  return f;
}

// Weights bit-exact, batched output close, and example 1 alone equals row 1.
template <class L>
void expect_layer(const L& layer, const std::string& p) {
  EXPECT_TRUE(close(layer.weight, fx()[p + ".weight"], 0, 0)) << p;
  if (layer.bias) {
    EXPECT_TRUE(close(*layer.bias, fx()[p + ".bias"], 0, 0)) << p;
  }
  Array x = fx()[p + ".x"];
  Array y = layer(x);
  EXPECT_TRUE(close(y, fx()[p + ".y"], 1e-5, 1e-4)) << p;
  EXPECT_TRUE(close(layer(x[1]), y[1], 1e-6, 1e-6)) << p;
}

TEST(NnConv, Conv2dMatchesEquinox) {
  expect_layer(nn::Conv2d(3, 4, 3, jx::random::key(10), {.stride = 2, .padding = 1}), "conv2d");
  expect_layer(nn::Conv2d(4, 6, {3, 2}, jx::random::key(11),
                          {.padding = "SAME", .dilation = {1, 2}, .groups = 2}),
               "conv2d_same_groups");
}

TEST(NnConv, Conv1dAnd3dMatchEquinox) {
  nn::Conv1d c1(2, 3, 3, jx::random::key(12), {.padding = "VALID", .use_bias = false});
  EXPECT_FALSE(c1.bias.has_value());
  expect_layer(c1, "conv1d");
  expect_layer(nn::Conv3d(2, 2, 2, jx::random::key(13), {.padding = {{1, 0}, {0, 1}, {1, 1}}}),
               "conv3d");
}

TEST(NnConv, ConvTransposeMatchesEquinox) {
  expect_layer(nn::ConvTranspose2d(3, 2, 3, jx::random::key(14),
                                   {.stride = 2, .padding = 1, .output_padding = 1}),
               "convt2d");
  expect_layer(nn::ConvTranspose1d(2, 3, 4, jx::random::key(15), {.stride = 2, .padding = "SAME"}),
               "convt1d_same");
  expect_layer(nn::ConvTranspose2d(4, 2, {2, 3}, jx::random::key(16),
                                   {.stride = {1, 2}, .dilation = 2, .groups = 2}),
               "convt2d_groups");
}

TEST(NnConv, PoolsMatchEquinox) {
  Array x = fx()["pool2d.x"];
  EXPECT_TRUE(close(nn::MaxPool2d(3, {.stride = 2, .padding = 1})(x), fx()["maxpool2d.y"]));
  EXPECT_TRUE(close(nn::AvgPool2d(2, {.stride = 2})(x), fx()["avgpool2d.y"]));
  EXPECT_TRUE(
      close(nn::MaxPool2d(2, {.stride = 2, .use_ceil = true})(x), fx()["maxpool2d_ceil.y"]));
  EXPECT_TRUE(close(nn::MaxPool2d(2, {.stride = 2})(x[0]), nn::MaxPool2d(2, {.stride = 2})(x)[0]));
  Array x1 = fx()["pool1d.x"];
  EXPECT_TRUE(close(nn::MaxPool1d(2)(x1), fx()["maxpool1d.y"]));
  EXPECT_TRUE(close(nn::AvgPool1d(3, {.stride = 2, .padding = 1, .use_ceil = true})(x1),
                    fx()["avgpool1d.y"]));
}

TEST(NnConv, Grads) {
  nn::Conv2d c(2, 3, 2, jx::random::key(4), {.stride = 1, .padding = "SAME"});
  Array x = jx::random::normal(jx::random::key(5), {2, 2, 3, 3});
  jxt::nn::check_module_grads(
      c, [](const nn::Conv2d& m, const Array& v) { return m(v); }, 1, x);
  nn::ConvTranspose2d t(2, 2, 2, jx::random::key(6), {.stride = 2});
  jxt::nn::check_module_grads(
      t, [](const nn::ConvTranspose2d& m, const Array& v) { return m(v); }, 1, x);
  nn::MaxPool2d mp(2, {.stride = 1});
  jxt::nn::check_module_grads(
      mp, [](const nn::MaxPool2d& m, const Array& v) { return m(v); }, 1, x);
  nn::AvgPool2d ap(2, {.stride = 1, .padding = 1});
  jxt::nn::check_module_grads(
      ap, [](const nn::AvgPool2d& m, const Array& v) { return m(v); }, 1, x);
}

TEST(NnConv, VmapEqualsBatched) {
  nn::Conv2d c(3, 4, 3, jx::random::key(10), {.stride = 2, .padding = 1});
  Array x = fx()["conv2d.x"];
  EXPECT_TRUE(close(jx::vmap([&](const Array& v) { return c(v); })(x), c(x), 1e-6, 1e-6));
}

TEST(NnConv, Errors) {
  nn::Conv2d c(3, 4, 3, jx::random::key(0));
  auto msg = [](auto f) {
    try {
      f();
    } catch (const jx::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg([&] {
              c(np::ones({3, 5}));
            }).find("[nn.Conv] input of shape (3, 5) needs rank 3"),
            std::string::npos);
  EXPECT_NE(msg([&] {
              c(np::ones({2, 5, 6, 6}));
            }).find("has 5 channels, the layer expects 3"),
            std::string::npos);
  EXPECT_NE(msg([] {
              nn::Conv2d(3, 4, 3, jx::random::key(0), {.groups = 2});
            }).find("groups=2 must divide"),
            std::string::npos);
  EXPECT_NE(msg([] {
              nn::Conv2d(3, 4, {3, 3, 3}, jx::random::key(0));
            }).find("kernel_size needs 1 or 2 values"),
            std::string::npos);
  EXPECT_NE(msg([] {
              nn::Conv2d(3, 4, 3, jx::random::key(0), {.padding = "FULL"});
            }).find("unknown padding 'FULL'"),
            std::string::npos);
  EXPECT_NE(msg([] {
              nn::ConvTranspose1d(1, 1, 3, jx::random::key(0), {.stride = 2, .output_padding = 2});
            }).find("output_padding (2) must be < stride (2)"),
            std::string::npos);
  EXPECT_NE(msg([] { nn::MaxPool2d(2, {.padding = 3}); }).find("at most the kernel size"),
            std::string::npos);
  EXPECT_NE(msg([] {
              nn::MaxPool2d(3)(np::ones({1, 2, 2}));
            }).find("smaller than the window"),
            std::string::npos);
}

}  // namespace
