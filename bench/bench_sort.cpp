// Sorting benchmarks (numbers in docs/BENCHMARKS_sort.md), items/s = elements sorted per second:
//   - lax::sort of 1M float32 (one row: the stable radix path), against
//     std::sort and std::stable_sort of the same values
//   - argsort of 1M float32 (sort_key_val with an int32 iota)
//   - 1000 rows of 1000 float32 along the last axis (rows run in parallel)
//   - top_k (k = 10) of 1000 rows of 1000 float32
// Each benchmark repeats 5 times and reports the median.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <vector>

#include "jx/jx.h"

namespace {

constexpr int64_t kN = int64_t(1) << 20;  // 1M elements

std::vector<float> random_values(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  std::mt19937 rng(0);
  std::normal_distribution<float> dist(0, 1);
  for (auto& x : v) x = dist(rng);
  return v;
}
jx::Array random_f32(const jx::Shape& s) {
  auto v = random_values(s.numel());
  return jx::make_from_host(v.data(), jx::Aval{jx::float32, s, false}, jx::default_device());
}

void BM_LaxSortF32_1M(benchmark::State& state) {
  jx::Array x = random_f32({kN});
  for (auto _ : state) {
    jx::Array y = jx::lax::sort(x);
    benchmark::DoNotOptimize(y);
  }
  state.SetItemsProcessed(state.iterations() * kN);
}
BENCHMARK(BM_LaxSortF32_1M)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

void BM_StdSortF32_1M(benchmark::State& state) {
  auto v = random_values(kN);
  std::vector<float> w(v.size());
  for (auto _ : state) {
    w = v;
    std::sort(w.begin(), w.end());
    benchmark::DoNotOptimize(w.data());
  }
  state.SetItemsProcessed(state.iterations() * kN);
}
BENCHMARK(BM_StdSortF32_1M)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

void BM_StdStableSortF32_1M(benchmark::State& state) {
  auto v = random_values(kN);
  std::vector<float> w(v.size());
  for (auto _ : state) {
    w = v;
    std::stable_sort(w.begin(), w.end());
    benchmark::DoNotOptimize(w.data());
  }
  state.SetItemsProcessed(state.iterations() * kN);
}
BENCHMARK(BM_StdStableSortF32_1M)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

void BM_ArgsortF32_1M(benchmark::State& state) {
  jx::Array x = random_f32({kN});
  jx::Array idx = jx::lax::iota(jx::int32, {kN});
  for (auto _ : state) {
    auto [k, i] = jx::lax::sort_key_val(x, idx);
    benchmark::DoNotOptimize(i);
  }
  state.SetItemsProcessed(state.iterations() * kN);
}
BENCHMARK(BM_ArgsortF32_1M)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

void BM_LaxSortF32_1000x1000(benchmark::State& state) {
  jx::Array x = random_f32({1000, 1000});
  for (auto _ : state) {
    jx::Array y = jx::lax::sort(x, 1);
    benchmark::DoNotOptimize(y);
  }
  state.SetItemsProcessed(state.iterations() * 1000 * 1000);
}
BENCHMARK(BM_LaxSortF32_1000x1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

void BM_TopK10F32_1000x1000(benchmark::State& state) {
  jx::Array x = random_f32({1000, 1000});
  for (auto _ : state) {
    auto [v, i] = jx::lax::top_k(x, 10);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations() * 1000 * 1000);
}
BENCHMARK(BM_TopK10F32_1000x1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
