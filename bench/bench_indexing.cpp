// Eager gather / scatter-add throughput (numbers in docs/BENCHMARKS_indexing.md):
//   - gather of 1M rows of 64 f32 from a 100k-row table (lax.gather, and
//     np::take in its default "fill" mode)
//   - scatter-add of 1M rows of 64 f32 into the 100k-row table (lax.scatter_add,
//     and table.at(idx).add(rows)), uniform random indices, so with duplicates
//   - memcpy of the gathered bytes as the bandwidth reference
// Arg: thread count. Bytes: gather = rows read + rows written + indices;
// scatter-add = update rows read + table rows read and written per update +
// the copy of the table into the result + indices.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "backend/cpu/thread_pool.h"
#include "jx/jx.h"
#include "jx/numpy_indexing.h"

namespace {

constexpr int64_t kTable = 100'000, kRows = 1'000'000, kWidth = 64;
constexpr int64_t kRowBytes = kWidth * 4;

jx::Array random_f32(const jx::Shape& s) {
  std::vector<float> v(static_cast<size_t>(s.numel()));
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (auto& x : v) x = dist(rng);
  return jx::make_from_host(v.data(), jx::Aval{jx::float32, s, false}, jx::default_device());
}
jx::Array random_rows(int64_t n, int64_t hi) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  std::mt19937 rng(1);
  std::uniform_int_distribution<int32_t> dist(0, int32_t(hi - 1));
  for (auto& x : v) x = dist(rng);
  return jx::make_from_host(v.data(), jx::Aval{jx::int32, {n, 1}, false}, jx::default_device());
}

struct Data {
  jx::Array table = random_f32({kTable, kWidth});
  jx::Array idx = random_rows(kRows, kTable);
  jx::Array idx1d = jx::lax::reshape(idx, {kRows});
  jx::Array updates = random_f32({kRows, kWidth});
};
const Data& data() {
  static const Data d;
  return d;
}

void report(benchmark::State& state, int64_t bytes_per_iter) {
  state.SetItemsProcessed(state.iterations() * kRows);  // rows/s
  state.SetBytesProcessed(state.iterations() * bytes_per_iter);
  state.counters["threads"] = double(state.range(0));
}
constexpr int64_t kGatherBytes = 2 * kRows * kRowBytes + kRows * 4;
constexpr int64_t kScatterBytes = kRows * kRowBytes * 3 + 2 * kTable * kRowBytes + kRows * 4;

void BM_MemcpyGatheredBytes(benchmark::State& state) {
  jx::cpu::set_num_threads(int(state.range(0)));
  std::vector<char> a(size_t(kRows * kRowBytes), 1), b(a.size());
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), a.size());
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
  }
  report(state, 2 * kRows * kRowBytes);
}

void BM_GatherRows(benchmark::State& state) {
  jx::cpu::set_num_threads(int(state.range(0)));
  const Data& d = data();
  jx::lax::GatherDimensionNumbers dn{{1}, {0}, {0}};
  for (auto _ : state) {
    jx::Array y = jx::lax::gather(d.table, d.idx, dn, {1, kWidth});
    benchmark::DoNotOptimize(y);
  }
  report(state, kGatherBytes);
}

void BM_NpTakeRows(benchmark::State& state) {
  jx::cpu::set_num_threads(int(state.range(0)));
  const Data& d = data();
  for (auto _ : state) {
    jx::Array y = jx::np::take(d.table, d.idx1d, 0);
    benchmark::DoNotOptimize(y);
  }
  report(state, kGatherBytes);
}

void BM_ScatterAddRows(benchmark::State& state) {
  jx::cpu::set_num_threads(int(state.range(0)));
  const Data& d = data();
  jx::lax::ScatterDimensionNumbers dn{{1}, {0}, {0}};
  for (auto _ : state) {
    jx::Array y = jx::lax::scatter_add(d.table, d.idx, d.updates, dn);
    benchmark::DoNotOptimize(y);
  }
  report(state, kScatterBytes);
}

void BM_NpAtAddRows(benchmark::State& state) {
  jx::cpu::set_num_threads(int(state.range(0)));
  const Data& d = data();
  for (auto _ : state) {
    jx::Array y = d.table.at(d.idx1d).add(d.updates);
    benchmark::DoNotOptimize(y);
  }
  report(state, kScatterBytes);
}

#define JX_INDEXING_BENCH(fn)         \
  BENCHMARK(fn)                       \
      ->Arg(1)                        \
      ->Arg(2)                        \
      ->Unit(benchmark::kMillisecond) \
      ->UseRealTime()                 \
      ->Repetitions(5)                \
      ->ReportAggregatesOnly(true)

JX_INDEXING_BENCH(BM_MemcpyGatheredBytes);
JX_INDEXING_BENCH(BM_GatherRows);
JX_INDEXING_BENCH(BM_NpTakeRows);
JX_INDEXING_BENCH(BM_ScatterAddRows);
JX_INDEXING_BENCH(BM_NpAtAddRows);

}  // namespace

BENCHMARK_MAIN();
