// Eager-mode benchmarks for the foundation (issue targets in docs/BENCHMARKS.md):
//   - dispatch cost of `a + b` on f32[16]
//   - np.tanh / np.exp on 16M f32, one thread, against memcpy bandwidth
//   - sum over 16M f32, one thread
// Bandwidth counts bytes read plus bytes written, for memcpy as for the ops.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "backend/cpu/thread_pool.h"
#include "jx/jx.h"

namespace {

constexpr int64_t kBig = int64_t(1) << 24;  // 16M elements

jx::Array random_f32(int64_t n, float lo, float hi) {
  std::vector<float> v(static_cast<size_t>(n));
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (auto& x : v) x = dist(rng);
  return jx::make_from_host(v.data(), jx::Aval{jx::float32, {n}, false}, jx::default_device());
}

void BM_Memcpy16M(benchmark::State& state) {
  std::vector<float> a(static_cast<size_t>(kBig), 1.f), b(static_cast<size_t>(kBig));
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), a.size() * sizeof(float));
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kBig * 8);
}
BENCHMARK(BM_Memcpy16M)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_EagerAddF32x16(benchmark::State& state) {
  auto a = random_f32(16, -1, 1), b = random_f32(16, -1, 1);
  for (auto _ : state) {
    auto c = jx::lax::add(a, b);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_EagerAddF32x16);

#if __has_include("jx/numpy.h")
void BM_EagerNpAddOperatorF32x16(benchmark::State& state) {
  auto a = random_f32(16, -1, 1), b = random_f32(16, -1, 1);
  for (auto _ : state) {
    auto c = a + b;
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_EagerNpAddOperatorF32x16);
#endif

template <jx::Array (*Op)(const jx::Array&, std::source_location)>
void unary_16m(benchmark::State& state, float lo, float hi) {
  jx::cpu::set_num_threads(1);
  auto x = random_f32(kBig, lo, hi);
  { auto warm = Op(x, std::source_location::current()); }
  for (auto _ : state) {
    auto y = Op(x, std::source_location::current());
    y.block_until_ready();
    benchmark::DoNotOptimize(y);
  }
  state.SetBytesProcessed(state.iterations() * kBig * 8);
  jx::cpu::set_num_threads(0);
}
void BM_Tanh16M_1T(benchmark::State& s) { unary_16m<jx::lax::tanh>(s, -4, 4); }
void BM_Exp16M_1T(benchmark::State& s) { unary_16m<jx::lax::exp>(s, -10, 10); }
void BM_Neg16M_1T(benchmark::State& s) { unary_16m<jx::lax::neg>(s, -4, 4); }
void BM_Sqrt16M_1T(benchmark::State& s) { unary_16m<jx::lax::sqrt>(s, 0, 4); }
BENCHMARK(BM_Neg16M_1T)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Sqrt16M_1T)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Tanh16M_1T)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Exp16M_1T)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Sum16M_1T(benchmark::State& state) {
  jx::cpu::set_num_threads(1);
  auto x = random_f32(kBig, -1, 1);
  for (auto _ : state) {
    auto y = jx::lax::reduce_sum(x, {0});
    benchmark::DoNotOptimize(y);
  }
  state.SetBytesProcessed(state.iterations() * kBig * 4);
  jx::cpu::set_num_threads(0);
}
BENCHMARK(BM_Sum16M_1T)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Add16M_AllThreads(benchmark::State& state) {
  auto a = random_f32(kBig, -1, 1), b = random_f32(kBig, -1, 1);
  for (auto _ : state) {
    auto c = jx::lax::add(a, b);
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(state.iterations() * kBig * 12);
}
BENCHMARK(BM_Add16M_AllThreads)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
