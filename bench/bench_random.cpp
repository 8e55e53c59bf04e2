// Eager jx::random throughput on 16M float32 values (the target:
// normal), side by side with bench/jax_random.py. Bandwidth counts the bytes
// written (4 per value), for jx as for JAX. Runs with the default thread count
// (JX_NUM_THREADS) unless --benchmark_filter picks a *_1T variant.
#include <benchmark/benchmark.h>

#include "backend/cpu/thread_pool.h"
#include "jx/jx.h"
#include "jx/random.h"

namespace {

constexpr int64_t kBig = int64_t(1) << 24;  // 16M values

template <class F>
void run(benchmark::State& state, F&& f, int threads) {
  jx::cpu::set_num_threads(threads);
  jx::Array key = jx::random::key(0);
  for (auto _ : state) {
    jx::Array out = f(key);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * kBig * 4);
  jx::cpu::set_num_threads(0);
}

void BM_Normal16M(benchmark::State& s) {
  run(
      s, [](const jx::Array& k) { return jx::random::normal(k, {kBig}); }, 0);
}
void BM_Normal16M_1T(benchmark::State& s) {
  run(
      s, [](const jx::Array& k) { return jx::random::normal(k, {kBig}); }, 1);
}
void BM_Uniform16M(benchmark::State& s) {
  run(
      s, [](const jx::Array& k) { return jx::random::uniform(k, {kBig}); }, 0);
}
void BM_Bits16M(benchmark::State& s) {
  run(
      s, [](const jx::Array& k) { return jx::random::bits(k, {kBig}); }, 0);
}
void BM_Bits16M_1T(benchmark::State& s) {
  run(
      s, [](const jx::Array& k) { return jx::random::bits(k, {kBig}); }, 1);
}

BENCHMARK(BM_Normal16M)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Normal16M_1T)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Uniform16M)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Bits16M)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Bits16M_1T)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
