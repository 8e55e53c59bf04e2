// The flagship CNN (examples/fashion_mnist.cpp's model) for the training
// benchmarks: bench_train.cpp and bench_cold_start.cpp time the same network.
#pragma once

#include "jx/jx.h"
#include "jx/nn.h"

namespace jx_bench {

struct Cnn {
  jx::nn::Conv2d conv1, conv2;
  jx::nn::Linear fc1, fc2;
  Cnn() = default;
  explicit Cnn(const jx::Array& key) {
    jx::Array k = jx::random::split(key, 4);
    conv1 = jx::nn::Conv2d(1, 32, 3, k[0], {.stride = 2, .padding = "SAME"});
    conv2 = jx::nn::Conv2d(32, 64, 3, k[1], {.stride = 2, .padding = "SAME"});
    fc1 = jx::nn::Linear(64 * 7 * 7, 128, k[2]);
    fc2 = jx::nn::Linear(128, 10, k[3]);
  }
  /// x f32[N,1,28,28] -> logits f32[N,10].
  jx::Array operator()(const jx::Array& x) const {
    jx::Array h = jx::nn::relu(conv2(jx::nn::relu(conv1(x))));
    h = jx::np::reshape(h, {h.shape()[0], 64 * 7 * 7});
    return fc2(jx::nn::relu(fc1(h)));
  }
};
JX_TREE(Cnn, conv1, conv2, fc1, fc2);

}  // namespace jx_bench
