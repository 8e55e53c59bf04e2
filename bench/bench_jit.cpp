// jit benchmarks (side by side with bench/jax_jit.py; docs/BENCHMARKS.md):
//   - a cached jit call on f32[16]
//   - an 8-op elementwise chain on 16M f32
//   - softmax and layernorm over [4096, 1024]
//   - memcpy of 64 MB on 1 and 2 threads (the bandwidth reference)
//   - compile time of softmax (trace + passes + fusion + LLVM, no caches)
#include <benchmark/benchmark.h>

#include <cstring>
#include <thread>
#include <vector>

#include "backend/cpu/llvm/codegen.h"
#include "jx/jit.h"
#include "jx/jx.h"

namespace np = jx::np;
using jx::Array;

namespace {

void BM_JitCachedCallF32x16(benchmark::State& state) {
  auto f = jx::jit([](const Array& a, const Array& b) { return jx::lax::add(a, b); });
  Array a = np::ones({16}), b = np::ones({16});
  f(a, b);
  for (auto _ : state) {
    Array c = f(a, b);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_JitCachedCallF32x16);

constexpr int64_t kBig = int64_t(1) << 24;

void memcpy_threads(benchmark::State& state, int threads) {
  std::vector<float> a(static_cast<size_t>(kBig), 1.f), b(static_cast<size_t>(kBig));
  for (auto _ : state) {
    std::vector<std::thread> ts;
    size_t chunk = a.size() / size_t(threads);
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&, t] {
        std::memcpy(b.data() + t * chunk, a.data() + t * chunk, chunk * sizeof(float));
      });
    for (auto& t : ts) t.join();
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kBig * 8);
}
void BM_Memcpy16M_1Thread(benchmark::State& state) { memcpy_threads(state, 1); }
void BM_Memcpy16M_2Threads(benchmark::State& state) { memcpy_threads(state, 2); }
BENCHMARK(BM_Memcpy16M_1Thread)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Memcpy16M_2Threads)->Unit(benchmark::kMillisecond)->UseRealTime();

Array chain8(const Array& x) {
  Array y = x * 1.5f;
  y = y + 0.5f;
  y = np::tanh(y);
  y = y * y;
  y = y - 0.25f;
  y = np::exp(y);
  y = y * 0.1f;
  return y + x;
}

void BM_JitElementwiseChain8_16M(benchmark::State& state) {
  auto f = jx::jit(chain8);
  Array x = np::full({1 << 24}, 0.3f);
  f(x);
  for (auto _ : state) {
    Array y = f(x);
    benchmark::DoNotOptimize(y);
  }
  state.SetBytesProcessed(state.iterations() * (int64_t(1) << 24) * 8);
}
BENCHMARK(BM_JitElementwiseChain8_16M)->Unit(benchmark::kMillisecond)->UseRealTime();

Array softmax(const Array& x) {
  Array m = np::max(x, 1, true);
  Array e = np::exp(x - m);
  return e / np::sum(e, 1, true);
}

Array layernorm(const Array& x) {
  Array mu = np::mean(x, 1, true);
  Array c = x - mu;
  Array var = np::mean(c * c, 1, true);
  return c * jx::lax::rsqrt(var + 1e-5f);
}

void BM_JitSoftmax4096x1024(benchmark::State& state) {
  auto f = jx::jit(softmax);
  Array x = np::full({4096, 1024}, 0.5f);
  f(x);
  for (auto _ : state) {
    Array y = f(x);
    benchmark::DoNotOptimize(y);
  }
}
BENCHMARK(BM_JitSoftmax4096x1024)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_JitLayernorm4096x1024(benchmark::State& state) {
  auto f = jx::jit(layernorm);
  Array x = np::full({4096, 1024}, 0.5f);
  f(x);
  for (auto _ : state) {
    Array y = f(x);
    benchmark::DoNotOptimize(y);
  }
}
BENCHMARK(BM_JitLayernorm4096x1024)->Unit(benchmark::kMillisecond)->UseRealTime();

// A fresh jit each iteration, with the in-process and disk caches of compiled
// kernels out of the way: what a first call costs.
void BM_JitCompileSoftmax(benchmark::State& state) {
  jx::cpu::llvm_backend::set_disk_cache_dir("");
  Array x = np::full({4096, 1024}, 0.5f);
  for (auto _ : state) {
    jx::cpu::llvm_backend::clear_memory_cache_for_testing();
    auto f = jx::jit(softmax);
    Array y = f(x);
    benchmark::DoNotOptimize(y);
  }
}
BENCHMARK(BM_JitCompileSoftmax)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
