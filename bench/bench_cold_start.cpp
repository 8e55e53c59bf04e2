// Cold start: process start to the first completed jitted training step of
// the flagship CNN (examples/fashion_mnist.cpp's model, here built from
// jx::nn), initialization and compilation included, then exit. Run it under
// `/usr/bin/time -v` for the wall time and the peak resident memory; the
// JAX side is `bench/jax_train.py --cold-start` (same model, optax adamw
// with a warmup-cosine schedule, batch f32[128,1,28,28]).
//
//   /usr/bin/time -v ./build/bench_cold_start [--steps N]
//
// Set JX_DISABLE_DISK_CACHE=1 for a truly cold compile (the LLVM kernel
// cache on disk otherwise serves a second run). --steps N runs N steps
// (peak memory over a longer run); it prints the time from main() to the end
// of the first step and the first loss.
#include <jx/jx.h>
#include <jx/nn.h>
#include <jx/optim.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>

#include "fashion_cnn.h"

namespace np = jx::np;
namespace nn = jx::nn;
namespace optim = jx::optim;
using jx::Array;

namespace {

using jx_bench::Cnn;

Array loss_fn(const Cnn& m, const Array& x, const Array& y) {
  return -np::mean(np::sum(nn::one_hot(y, 10) * nn::log_softmax(m(x)), -1));
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) try {
  auto t0 = std::chrono::steady_clock::now();
  int steps = 1;
  if (argc == 3 && std::string(argv[1]) == "--steps") steps = std::max(1, std::atoi(argv[2]));
  Cnn params(jx::random::key(0));
  auto opt = optim::adamw(optim::warmup_cosine_decay_schedule(0.0, 3e-3, 100, 1400),
                          {.weight_decay = 1e-4});
  optim::OptState state = opt.init(params);
  auto step = jx::jit(
      [&opt](const Cnn& p, const optim::OptState& s, const Array& x, const Array& y) {
        auto [l, g] = jx::value_and_grad(loss_fn)(p, x, y);
        auto [u, s2] = opt.update(g, s, p);
        return std::make_tuple(optim::apply_updates(p, u), s2, l);
      },
      {.donate_argnums = {0, 1}});
  Array x = jx::random::uniform(jx::random::key(1), {128, 1, 28, 28});
  Array y = jx::random::randint(jx::random::key(2), {128}, 0, 10);
  x.block_until_ready();
  double init_ms = since(t0);
  Array loss;
  std::tie(params, state, loss) = step(params, state, x, y);
  double first = loss.item<double>();
  double ms = since(t0);
  for (int i = 1; i < steps; ++i) std::tie(params, state, loss) = step(params, state, x, y);
  std::printf(
      "cold start: first step loss %.6f after %.1f ms in main (initialization %.1f ms, first step "
      "%.1f ms; %d steps)\n",
      first, ms, init_ms, ms - init_ms, steps);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_cold_start: %s\n", e.what());
  return 1;
}
