// Per-example gradients with vmap(grad): the gradient of each example's loss
// with respect to all parameters of an MLP, for a whole batch in one jitted
// call, then the per-example gradient norms and a DP-SGD-style clipped mean.
// The result is checked against a loop of grad over single examples and
// against grad of the batch-mean loss.
//
//   ./build/per_example_grads [--batch 128]
#include <jx/datasets.h>
#include <jx/jx.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace np = jx::np;
using jx::Array;

namespace {

struct Dense {
  Array weight, bias;  // [in, out], [out]
};
JX_TREE(Dense, weight, bias);

// A 784-256-256-10 MLP with tanh hidden layers.
struct MLP {
  std::vector<Dense> layers;
  explicit MLP(const Array& key) {
    const int64_t sizes[] = {784, 256, 256, 10};
    Array keys = jx::random::split(key, 3);
    for (int i = 0; i < 3; ++i) {
      double scale = 1.0 / std::sqrt(double(sizes[i]));
      layers.push_back({jx::random::normal(keys[i], {sizes[i], sizes[i + 1]}) * float(scale),
                        np::zeros({sizes[i + 1]})});
    }
  }
  MLP() = default;
  /// x: float32[..., 784] -> logits float32[..., 10].
  Array operator()(Array x) const {
    for (size_t i = 0; i < layers.size(); ++i) {
      x = np::matmul(x, layers[i].weight) + layers[i].bias;
      if (i + 1 < layers.size()) x = np::tanh(x);
    }
    return x;
  }
};
JX_TREE(MLP, layers);

// Cross-entropy of one example: x float32[784], y int32[].
Array example_loss(const MLP& m, const Array& x, const Array& y) {
  Array z = m(x);
  Array lse = np::log(np::sum(np::exp(z - np::max(z)))) + np::max(z);
  return lse - np::sum(np::where(np::equal(np::arange(10), y), z, 0.0f));
}

// The global L2 norm of every example's gradient: leaves have a leading batch axis.
Array per_example_norms(const MLP& g) {
  Array total;
  for (const Array& leaf : jx::tree::leaves(g)) {
    Array sq = np::sum(np::reshape(np::square(leaf), {leaf.shape()[0], -1}), 1);
    total = total.defined() ? total + sq : sq;
  }
  return np::sqrt(total);
}

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) try {
  int64_t batch = 128;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--batch") batch = std::stoll(argv[i + 1]);

  auto ds = jx::datasets::load_fashion_mnist();
  Array x = np::reshape(jx::lax::slice(ds.test.images_float(), {0, 0, 0, 0}, {batch, 28, 28, 1}),
                        {batch, 784});
  Array y = jx::lax::slice(ds.test.labels, {0}, {batch});
  MLP model(jx::random::key(0));

  // vmap over the examples (axis 0 of x and y), the parameters shared.
  auto per_example_grads = jx::jit([](const MLP& m, const Array& x, const Array& y) {
    return jx::vmap(jx::grad(example_loss), {std::nullopt, 0, 0})(m, x, y);
  });
  auto single_grad = jx::jit(jx::grad(example_loss));
  auto batch_grad = jx::jit(jx::grad([](const MLP& m, const Array& x, const Array& y) {
    return np::mean(jx::vmap(example_loss, {std::nullopt, 0, 0})(m, x, y));
  }));

  MLP grads = per_example_grads(model, x, y);  // compile
  auto t0 = std::chrono::steady_clock::now();
  constexpr int kReps = 10;
  for (int r = 0; r < kReps; ++r) grads = per_example_grads(model, x, y);
  double t_vmap = seconds(t0) / kReps;
  std::printf("per-example gradients of a 784-256-256-10 MLP, batch %lld\n", (long long)batch);
  std::printf("  layer 0 weight gradients: %s (one [784, 256] gradient per example)\n",
              grads.layers[0].weight.aval().str().c_str());
  std::vector<float> norms = per_example_norms(grads).to_vector<float>();

  // The reference: one grad call per example.
  single_grad(model, x[0], y[0]);  // compile
  t0 = std::chrono::steady_clock::now();
  std::vector<float> loop_norms;
  for (int64_t i = 0; i < batch; ++i) {
    MLP g = single_grad(model, x[i], y[i]);
    double s = 0;
    for (const Array& leaf : jx::tree::leaves(g)) s += np::sum(np::square(leaf)).item<double>();
    loop_norms.push_back(float(std::sqrt(s)));
  }
  double t_loop = seconds(t0);
  double max_rel = 0;
  for (int64_t i = 0; i < batch; ++i)
    max_rel = std::max(max_rel, std::abs(double(norms[i]) - loop_norms[i]) / loop_norms[i]);
  std::printf("  norms of examples 0..7:");
  for (int i = 0; i < 8 && i < batch; ++i) std::printf(" %.4f", norms[i]);
  std::printf("\n  vmap(grad): %.2f ms per batch; loop of grad: %.2f ms (%.1fx)\n", t_vmap * 1e3,
              t_loop * 1e3, t_loop / t_vmap);
  std::printf("  max relative difference of the norms, vmap vs loop: %.2e\n", max_rel);

  // The mean of the per-example gradients is the gradient of the mean loss.
  MLP mean_grad = batch_grad(model, x, y);
  double max_diff = 0;
  auto pe = jx::tree::leaves(grads), mg = jx::tree::leaves(mean_grad);
  for (size_t i = 0; i < pe.size(); ++i)
    max_diff = std::max(max_diff, np::max(np::abs(np::mean(pe[i], 0) - mg[i])).item<double>());
  std::printf("  max |mean of per-example grads - grad of mean loss|: %.2e\n", max_diff);

  // DP-SGD's step: clip every example's gradient to norm <= C, then average.
  const float clip = 1.0f;
  Array scale = np::minimum(1.0f, clip / (per_example_norms(grads) + 1e-12f));
  MLP clipped = jx::tree::map(
      [&](const Array& g) {
        std::vector<int64_t> dims(size_t(g.ndim()), 1);
        dims[0] = batch;  // [batch, 1, ...]: broadcasts over the leaf's own axes
        return np::mean(g * np::reshape(scale, jx::Shape(dims)), 0);
      },
      grads);
  std::printf(
      "  clipped mean gradient (C = %.1f): global norm %.4f\n", clip,
      std::sqrt(jx::tree::reduce(
          [](double acc, const Array& g) { return acc + np::sum(np::square(g)).item<double>(); },
          clipped, 0.0)));
  bool ok = max_rel < 1e-4 && max_diff < 1e-5;
  std::printf("%s\n", ok ? "vmap(grad) agrees with the loop" : "MISMATCH");
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "per_example_grads: %s\n", e.what());
  return 1;
}
