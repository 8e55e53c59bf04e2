// Transformation overheads (issue targets in docs/BENCHMARKS.md):
//   - tracing cost per recorded equation (make_jaxpr of a long chain)
//   - grad of a 1,000-op elementwise chain relative to its forward pass, eager
#include <benchmark/benchmark.h>

#include "jx/jx.h"

namespace np = jx::np;
using jx::Array;

namespace {

constexpr int kChain = 1000;

// A chain of cheap differentiable ops (sin, mul, add alternating).
Array chain(const Array& x) {
  Array y = x;
  for (int i = 0; i < kChain; ++i) {
    switch (i % 3) {
      case 0:
        y = jx::lax::sin(y);
        break;
      case 1:
        y = jx::lax::mul(y, x);
        break;
      default:
        y = jx::lax::add(y, x);
        break;
    }
  }
  return y;
}

void BM_TraceChain1000(benchmark::State& state) {
  Array x = np::zeros({16});
  for (auto _ : state) {
    auto j = jx::make_jaxpr(chain)(x);
    benchmark::DoNotOptimize(j);
  }
  state.counters["ns_per_eqn"] =
      benchmark::Counter(double(state.iterations()) * kChain,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_TraceChain1000)->Unit(benchmark::kMicrosecond);

void BM_ForwardChain1000(benchmark::State& state) {
  Array x = np::full({16}, 0.5f);
  for (auto _ : state) {
    Array y = chain(x);
    benchmark::DoNotOptimize(y);
  }
}
BENCHMARK(BM_ForwardChain1000)->Unit(benchmark::kMicrosecond);

void BM_GradChain1000(benchmark::State& state) {
  Array x = np::full({16}, 0.5f);
  auto g = jx::grad([](const Array& v) { return np::sum(chain(v)); });
  for (auto _ : state) {
    Array y = g(x);
    benchmark::DoNotOptimize(y);
  }
}
BENCHMARK(BM_GradChain1000)->Unit(benchmark::kMicrosecond);

void BM_VmapChain1000(benchmark::State& state) {
  Array x = np::full({8, 16}, 0.5f);
  auto f = jx::vmap(chain);
  for (auto _ : state) {
    Array y = f(x);
    benchmark::DoNotOptimize(y);
  }
}
BENCHMARK(BM_VmapChain1000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
