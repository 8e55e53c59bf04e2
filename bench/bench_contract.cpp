// Contraction and convolution benchmarks (docs/BENCHMARKS_contract.md):
//   - sgemm / dgemm, square 256, 1024, 4096, through jx::lax::dot_general and
//     through the best library called directly (oneDNN's sgemm for float32,
//     OpenBLAS's dgemm for float64; OpenBLAS's sgemm is shown too), with 1
//     and 2 threads;
//   - the ResNet-style conv2d (N=32, 56x56, 64->64, 3x3, NHWC/HWIO, SAME)
//     through jx::lax::conv_general_dilated and through oneDNN directly (the
//     primitive and the reordered kernel made once, outside the loop).
// Counters: GFLOP/s (2 flops per multiply-add).
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <random>
#include <vector>

// The bench links libjx only; the libraries it compares against come in
// through libjx's own dependencies, so their entry points are weak here and
// resolve at load time (declared before the headers that use them).
#pragma weak cblas_sgemm
#pragma weak cblas_dgemm
#pragma weak openblas_set_num_threads
#pragma weak dnnl_convolution_forward_desc_init
#pragma weak dnnl_engine_create
#pragma weak dnnl_engine_destroy
#pragma weak dnnl_memory_create
#pragma weak dnnl_memory_desc_init_by_tag
#pragma weak dnnl_memory_destroy
#pragma weak dnnl_memory_get_engine
#pragma weak dnnl_memory_get_memory_desc
#pragma weak dnnl_primitive_attr_create
#pragma weak dnnl_primitive_attr_destroy
#pragma weak dnnl_primitive_create
#pragma weak dnnl_primitive_desc_destroy
#pragma weak dnnl_primitive_desc_iterator_create
#pragma weak dnnl_primitive_desc_iterator_destroy
#pragma weak dnnl_primitive_desc_iterator_fetch
#pragma weak dnnl_primitive_desc_query
#pragma weak dnnl_primitive_desc_query_md
#pragma weak dnnl_primitive_destroy
#pragma weak dnnl_primitive_execute
#pragma weak dnnl_reorder_primitive_desc_create
#pragma weak dnnl_sgemm
#pragma weak dnnl_stream_create
#pragma weak dnnl_stream_destroy
#pragma weak dnnl_stream_wait
#include <cblas.h>

#include <dnnl.hpp>

#include "backend/cpu/contract_kernels.h"
#include "backend/cpu/thread_pool.h"
#include "jx/jx.h"

extern "C" void openblas_set_num_threads(int);
extern "C" char* openblas_get_corename(void);
#pragma weak openblas_get_corename

namespace {

jx::Array random_array(jx::DType dt, const jx::Shape& s) {
  std::vector<double> v(size_t(s.numel()));
  std::mt19937 rng(0);
  std::uniform_real_distribution<double> u(-1, 1);
  for (double& x : v) x = u(rng);
  jx::Array d = jx::make_from_host(v.data(), jx::Aval{jx::float64, s, false}, jx::default_device());
  return dt == jx::float64 ? d : jx::lax::convert_element_type(d, dt);
}

void set_threads(int n) {
  jx::cpu::set_num_threads(n);
  openblas_set_num_threads(n);
  using Fn = void (*)(int);
  static Fn omp = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  if (omp) omp(n);
}

void gflops(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// ---------------------------------------------------------------- gemm
template <jx::DType (*Dt)()>
void BM_JxGemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  set_threads(int(state.range(1)));
  jx::Array a = random_array(Dt(), {n, n}), b = random_array(Dt(), {n, n});
  for (auto _ : state) {
    jx::Array c = jx::lax::dot_general(a, b, {{1}, {0}});
    benchmark::DoNotOptimize(c);
  }
  gflops(state, 2.0 * double(n) * double(n) * double(n));
  state.SetLabel(jx::cpu::gemm_library_name(Dt()));
}

jx::DType f32() { return jx::float32; }
jx::DType f64() { return jx::float64; }

// The library directly: n x n row-major operands, output written in place.
enum class Lib { kOneDnn, kOpenBlas };
template <class T, Lib L>
void BM_LibGemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  set_threads(int(state.range(1)));
  std::vector<T> a(size_t(n * n)), b(size_t(n * n)), c(size_t(n * n));
  std::mt19937 rng(0);
  std::uniform_real_distribution<T> u(-1, 1);
  for (auto* v : {&a, &b})
    for (T& x : *v) x = u(rng);
  for (auto _ : state) {
    if constexpr (std::is_same_v<T, double>) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(n), int(n), int(n), 1.0, a.data(),
                  int(n), b.data(), int(n), 0.0, c.data(), int(n));
    } else if constexpr (L == Lib::kOneDnn) {
      dnnl_sgemm('N', 'N', n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(n), int(n), int(n), 1.f, a.data(),
                  int(n), b.data(), int(n), 0.f, c.data(), int(n));
    }
    benchmark::DoNotOptimize(c.data());
  }
  gflops(state, 2.0 * double(n) * double(n) * double(n));
}

void gemm_args(benchmark::internal::Benchmark* b) {
  for (int t : {1, 2})
    for (int n : {256, 1024, 4096}) b->Args({n, t});
  b->ArgNames({"n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
}

BENCHMARK(BM_JxGemm<f32>)->Name("sgemm/jx")->Apply(gemm_args);
BENCHMARK(BM_LibGemm<float, Lib::kOneDnn>)->Name("sgemm/onednn")->Apply(gemm_args);
BENCHMARK(BM_LibGemm<float, Lib::kOpenBlas>)->Name("sgemm/openblas")->Apply(gemm_args);
BENCHMARK(BM_JxGemm<f64>)->Name("dgemm/jx")->Apply(gemm_args);
BENCHMARK(BM_LibGemm<double, Lib::kOpenBlas>)->Name("dgemm/openblas")->Apply(gemm_args);

// ---------------------------------------------------------------- conv2d
constexpr int64_t kN = 32, kH = 56, kW = 56, kC = 64, kO = 64, kK = 3;
double conv_flops() { return 2.0 * kN * kH * kW * kO * kC * kK * kK; }

void BM_JxConv(benchmark::State& state) {
  set_threads(int(state.range(0)));
  jx::Array x = random_array(jx::float32, {kN, kH, kW, kC}),
            w = random_array(jx::float32, {kK, kK, kC, kO});
  for (auto _ : state) {
    jx::Array y =
        jx::lax::conv_general_dilated(x, w, {1, 1}, "SAME", {}, {}, {"NHWC", "HWIO", "NHWC"});
    benchmark::DoNotOptimize(y);
  }
  gflops(state, conv_flops());
}

// oneDNN as a user with NHWC data and HWIO weights would call it: the same
// plain src/dst layouts, the kernel reordered once to the primitive's format.
void BM_OneDnnConv(benchmark::State& state) {
  set_threads(int(state.range(0)));
  using namespace dnnl;
  using tag = memory::format_tag;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  auto f32 = memory::data_type::f32;
  memory::desc src({kN, kC, kH, kW}, f32, tag::nhwc), dst({kN, kO, kH, kW}, f32, tag::nhwc);
  memory::desc wuser({kO, kC, kK, kK}, f32, tag::hwio), wany({kO, kC, kK, kK}, f32, tag::any);
  convolution_forward::desc d(prop_kind::forward_inference, algorithm::convolution_direct, src,
                              wany, dst, {1, 1}, {1, 1}, {1, 1});
  convolution_forward::primitive_desc pd(d, eng);
  jx::Array x = random_array(jx::float32, {kN, kH, kW, kC}),
            w = random_array(jx::float32, {kK, kK, kC, kO});
  std::vector<float> out(size_t(kN * kH * kW * kO));
  memory msrc(src, eng, const_cast<void*>(x.data())), mdst(dst, eng, out.data());
  memory mwu(wuser, eng, const_cast<void*>(w.data())), mw(pd.weights_desc(), eng);
  reorder(mwu, mw).execute(s, mwu, mw);
  convolution_forward conv(pd);
  for (auto _ : state) {
    conv.execute(s, {{DNNL_ARG_SRC, msrc}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, mdst}});
    s.wait();
    benchmark::DoNotOptimize(out.data());
  }
  gflops(state, conv_flops());
  state.SetLabel(pd.impl_info_str());
}

void conv_args(benchmark::internal::Benchmark* b) {
  b->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
}
BENCHMARK(BM_JxConv)->Name("conv2d_resnet/jx")->Apply(conv_args);
BENCHMARK(BM_OneDnnConv)->Name("conv2d_resnet/onednn")->Apply(conv_args);

}  // namespace

int main(int argc, char** argv) {
  // The first jx product selects OpenBLAS's kernels for this CPU (see
  // src/backend/cpu/gemm.cpp); do it before any library is timed directly.
  jx::lax::dot_general(random_array(jx::float64, {2, 2}), random_array(jx::float64, {2, 2}),
                       {{1}, {0}});
  benchmark::AddCustomContext("openblas_core",
                              openblas_get_corename ? openblas_get_corename() : "?");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
