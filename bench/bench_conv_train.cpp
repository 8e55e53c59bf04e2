// Training a small CNN on the CPU (the Fashion-MNIST example's network):
//   x [128,1,28,28] NCHW -> conv 1->32 3x3 SAME -> relu -> maxpool 2x2
//   -> conv 32->64 3x3 SAME -> relu -> maxpool 2x2 -> dense 3136->128 -> relu
//   -> dense 128->10 -> softmax cross-entropy,
// timed piece by piece and as one jitted value_and_grad step:
//   - each conv forward, and the lhs- and rhs-gradient convolutions exactly
//     as conv_general_dilated's transpose rules emit them (taken from the
//     pullback of jx::vjp, so they stay what the rules produce);
//   - max pooling forward and its gradient (select_and_scatter_add), relu;
//   - oneDNN called directly (forward, backward_data, backward_weights
//     primitives, made once outside the loop, blocked layouts chosen by
//     oneDNN, reorders excluded) as the floor for each conv.
// The JAX side is bench/jax_conv_train.py. JX_BENCH_PRINT=1 prints the
// jitted step's optimized IR first.
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <vector>

// The bench links libjx only; oneDNN comes in through libjx's dependencies,
// so its entry points are weak here and resolve at load time.
#pragma weak dnnl_convolution_forward_desc_init
#pragma weak dnnl_convolution_backward_data_desc_init
#pragma weak dnnl_convolution_backward_weights_desc_init
#pragma weak dnnl_engine_create
#pragma weak dnnl_engine_destroy
#pragma weak dnnl_memory_create
#pragma weak dnnl_memory_desc_init_by_tag
#pragma weak dnnl_memory_destroy
#pragma weak dnnl_memory_get_engine
#pragma weak dnnl_memory_get_data_handle
#pragma weak dnnl_memory_desc_get_size
#pragma weak dnnl_memory_get_memory_desc
#pragma weak dnnl_primitive_attr_create
#pragma weak dnnl_primitive_attr_destroy
#pragma weak dnnl_primitive_create
#pragma weak dnnl_primitive_desc_clone
#pragma weak dnnl_primitive_desc_destroy
#pragma weak dnnl_primitive_desc_iterator_create
#pragma weak dnnl_primitive_desc_iterator_destroy
#pragma weak dnnl_primitive_desc_iterator_fetch
#pragma weak dnnl_primitive_desc_query
#pragma weak dnnl_primitive_desc_query_md
#pragma weak dnnl_primitive_destroy
#pragma weak dnnl_primitive_execute
#pragma weak dnnl_stream_create
#pragma weak dnnl_stream_destroy
#pragma weak dnnl_stream_wait
#include <dnnl.hpp>

#include "backend/cpu/thread_pool.h"
#include "jx/jx.h"

namespace {

using jx::Array;
constexpr int64_t kB = 128;

Array random_array(const jx::Shape& s, double scale = 1.0, unsigned seed = 0) {
  std::vector<float> v(size_t(s.numel()));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  for (float& x : v) x = float(scale) * u(rng);
  return jx::make_from_host(v.data(), jx::Aval{jx::float32, s, false}, jx::default_device());
}

void set_threads(int n) {
  jx::cpu::set_num_threads(n);
  using Fn = void (*)(int);
  static Fn omp = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  if (omp) omp(n);
}

// ---------------------------------------------------------------- the network
struct Params {
  Array w1, b1, w2, b2, w3, b3, w4, b4;
};
JX_TREE(Params, w1, b1, w2, b2, w3, b3, w4, b4);

Params init_params() {
  return {random_array({32, 1, 3, 3}, 0.33, 1),  random_array({32}, 0.0, 2),
          random_array({64, 32, 3, 3}, 0.06, 3), random_array({64}, 0.0, 4),
          random_array({3136, 128}, 0.018, 5),   random_array({128}, 0.0, 6),
          random_array({128, 10}, 0.09, 7),      random_array({10}, 0.0, 8)};
}

const jx::lax::ConvDims kNCHW{"NCHW", "OIHW", "NCHW"};

Array conv(const Array& x, const Array& w) {
  return jx::lax::conv_general_dilated(x, w, {1, 1}, "SAME", {}, {}, kNCHW);
}
Array relu(const Array& x) { return jx::np::maximum(x, 0.0f); }
Array maxpool(const Array& x) {
  return jx::lax::reduce_window_max(x, {{1, 1, 2, 2}, {1, 1, 2, 2}});
}
Array add_channel_bias(const Array& x, const Array& b) {
  return jx::np::add(x, jx::np::reshape(b, {1, b.shape()[0], 1, 1}));
}

Array loss_fn(const Params& p, const Array& x, const Array& onehot) {
  Array h = maxpool(relu(add_channel_bias(conv(x, p.w1), p.b1)));
  h = maxpool(relu(add_channel_bias(conv(h, p.w2), p.b2)));
  h = jx::np::reshape(h, {h.shape()[0], 3136});
  h = relu(jx::np::add(jx::np::matmul(h, p.w3), p.b3));
  Array z = jx::np::add(jx::np::matmul(h, p.w4), p.b4);
  Array m = jx::stop_gradient(jx::np::max(z, 1, true));
  Array lse =
      jx::np::add(jx::np::log(jx::np::sum(jx::np::exp(jx::np::subtract(z, m)), 1, true)), m);
  return jx::np::negative(
      jx::np::mean(jx::np::sum(jx::np::multiply(onehot, jx::np::subtract(z, lse)), 1)));
}

Array onehot_labels() {
  std::vector<float> v(size_t(kB * 10), 0.f);
  for (int64_t i = 0; i < kB; ++i) v[size_t(i * 10 + (i * 7) % 10)] = 1.f;
  return jx::make_from_host(v.data(), jx::Aval{jx::float32, {kB, 10}, false}, jx::default_device());
}

auto make_step() { return jx::jit(jx::value_and_grad(loss_fn)); }

void BM_Step(benchmark::State& state) {
  set_threads(int(state.range(0)));
  Params p = init_params();
  Array x = random_array({kB, 1, 28, 28}, 1.0, 9), y = onehot_labels();
  auto step = make_step();
  auto warm = step(p, x, y);
  for (auto _ : state) {
    auto [loss, grads] = step(p, x, y);
    benchmark::DoNotOptimize(loss.data());
    benchmark::DoNotOptimize(grads.w1.data());
  }
}

// ---------------------------------------------------------------- conv pieces
struct ConvCase {
  int64_t c, o, hw;
};
constexpr ConvCase kConv[2] = {{1, 32, 28}, {32, 64, 14}};

enum class Piece { kForward, kLhsGrad, kRhsGrad };

// The forward conv, or the pullback of one operand (which runs exactly the
// transposed conv the rule emits, plus a rev of the 3x3 kernel for lhs).
void BM_JxConv(benchmark::State& state, int layer, Piece piece) {
  set_threads(int(state.range(0)));
  const ConvCase& k = kConv[layer];
  Array x = random_array({kB, k.c, k.hw, k.hw}, 1.0, 1), w = random_array({k.o, k.c, 3, 3}, 0.1, 2);
  Array ct = random_array({kB, k.o, k.hw, k.hw}, 1.0, 3);
  if (piece == Piece::kForward) {
    for (auto _ : state) {
      Array y = conv(x, w);
      benchmark::DoNotOptimize(y.data());
    }
  } else if (piece == Piece::kLhsGrad) {
    auto [y, pull] = jx::vjp([&w](const Array& a) { return conv(a, w); }, x);
    for (auto _ : state) {
      auto [gx] = pull(ct);
      benchmark::DoNotOptimize(gx.data());
    }
  } else {
    auto [y, pull] = jx::vjp([&x](const Array& b) { return conv(x, b); }, w);
    for (auto _ : state) {
      auto [gw] = pull(ct);
      benchmark::DoNotOptimize(gw.data());
    }
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2e-9 * double(kB * k.o * k.c * k.hw * k.hw * 9),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

// oneDNN directly: plain NCHW/OIHW user layouts, the primitive's own
// (blocked) layouts for its operands; operands reordered once outside the
// loop, so this is the floor for the arithmetic alone.
void BM_OneDnnConv(benchmark::State& state, int layer, Piece piece) {
  set_threads(int(state.range(0)));
  const ConvCase& k = kConv[layer];
  using namespace dnnl;
  using tag = memory::format_tag;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  const auto f32 = memory::data_type::f32;
  memory::dims sd{kB, k.c, k.hw, k.hw}, wd{k.o, k.c, 3, 3}, dd{kB, k.o, k.hw, k.hw};
  memory::desc sa(sd, f32, tag::any), wa(wd, f32, tag::any), da(dd, f32, tag::any);
  memory::dims st{1, 1}, pl{1, 1}, pr{1, 1};
  convolution_forward::desc fd(prop_kind::forward_training, algorithm::convolution_direct, sa, wa,
                               da, st, pl, pr);
  convolution_forward::primitive_desc fpd(fd, eng);
  memory src(fpd.src_desc(), eng), wei(fpd.weights_desc(), eng), dst(fpd.dst_desc(), eng);
  for (memory* m : {&src, &wei, &dst}) {
    float* p = static_cast<float*>(m->get_data_handle());
    std::mt19937 rng(0);
    std::uniform_real_distribution<float> u(-1, 1);
    for (size_t i = 0; i < m->get_desc().get_size() / sizeof(float); ++i) p[i] = u(rng);
  }
  std::string impl;
  if (piece == Piece::kForward) {
    convolution_forward prim(fpd);
    impl = fpd.impl_info_str();
    for (auto _ : state) {
      prim.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}});
      s.wait();
    }
  } else if (piece == Piece::kLhsGrad) {
    convolution_backward_data::desc bd(algorithm::convolution_direct, fpd.src_desc(),
                                       fpd.weights_desc(), fpd.dst_desc(), st, pl, pr);
    convolution_backward_data::primitive_desc bpd(bd, eng, fpd);
    convolution_backward_data prim(bpd);
    impl = bpd.impl_info_str();
    memory dsrc(bpd.diff_src_desc(), eng), ddst(bpd.diff_dst_desc(), eng),
        w2(bpd.weights_desc(), eng);
    for (auto _ : state) {
      prim.execute(s,
                   {{DNNL_ARG_DIFF_SRC, dsrc}, {DNNL_ARG_WEIGHTS, w2}, {DNNL_ARG_DIFF_DST, ddst}});
      s.wait();
    }
  } else {
    convolution_backward_weights::desc bd(algorithm::convolution_direct, sa, wa, da, st, pl, pr);
    convolution_backward_weights::primitive_desc bpd(bd, eng, fpd);
    convolution_backward_weights prim(bpd);
    impl = bpd.impl_info_str();
    memory s2(bpd.src_desc(), eng), dw(bpd.diff_weights_desc(), eng), dd2(bpd.diff_dst_desc(), eng);
    for (auto _ : state) {
      prim.execute(s, {{DNNL_ARG_SRC, s2}, {DNNL_ARG_DIFF_WEIGHTS, dw}, {DNNL_ARG_DIFF_DST, dd2}});
      s.wait();
    }
  }
  state.SetLabel(impl);
  state.counters["GFLOP/s"] = benchmark::Counter(2e-9 * double(kB * k.o * k.c * k.hw * k.hw * 9),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

// ---------------------------------------------------------------- pooling, relu
void BM_MaxPool(benchmark::State& state, int layer, bool grad) {
  set_threads(int(state.range(0)));
  const ConvCase& k = kConv[layer];
  Array x = random_array({kB, k.o, k.hw, k.hw}, 1.0, 4);
  Array ct = random_array({kB, k.o, k.hw / 2, k.hw / 2}, 1.0, 5);
  if (!grad) {
    for (auto _ : state) {
      Array y = maxpool(x);
      benchmark::DoNotOptimize(y.data());
    }
  } else {
    auto [y, pull] = jx::vjp(maxpool, x);
    for (auto _ : state) {
      auto [gx] = pull(ct);
      benchmark::DoNotOptimize(gx.data());
    }
  }
}

void BM_Relu(benchmark::State& state, int layer, bool grad) {
  set_threads(int(state.range(0)));
  const ConvCase& k = kConv[layer];
  Array x = random_array({kB, k.o, k.hw, k.hw}, 1.0, 4),
        ct = random_array({kB, k.o, k.hw, k.hw}, 1.0, 5);
  if (!grad) {
    for (auto _ : state) {
      Array y = relu(x);
      benchmark::DoNotOptimize(y.data());
    }
  } else {
    auto [y, pull] = jx::vjp(relu, x);
    for (auto _ : state) {
      auto [gx] = pull(ct);
      benchmark::DoNotOptimize(gx.data());
    }
  }
}

void args(benchmark::internal::Benchmark* b) {
  b->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Step)->Name("step/jx")->Apply(args)->MinTime(2.0);
BENCHMARK_CAPTURE(BM_JxConv, conv1_fwd, 0, Piece::kForward)->Apply(args);
BENCHMARK_CAPTURE(BM_OneDnnConv, conv1_fwd, 0, Piece::kForward)->Apply(args);
BENCHMARK_CAPTURE(BM_JxConv, conv1_rhs_grad, 0, Piece::kRhsGrad)->Apply(args);
BENCHMARK_CAPTURE(BM_OneDnnConv, conv1_rhs_grad, 0, Piece::kRhsGrad)->Apply(args);
BENCHMARK_CAPTURE(BM_JxConv, conv2_fwd, 1, Piece::kForward)->Apply(args);
BENCHMARK_CAPTURE(BM_OneDnnConv, conv2_fwd, 1, Piece::kForward)->Apply(args);
BENCHMARK_CAPTURE(BM_JxConv, conv2_lhs_grad, 1, Piece::kLhsGrad)->Apply(args);
BENCHMARK_CAPTURE(BM_OneDnnConv, conv2_lhs_grad, 1, Piece::kLhsGrad)->Apply(args);
BENCHMARK_CAPTURE(BM_JxConv, conv2_rhs_grad, 1, Piece::kRhsGrad)->Apply(args);
BENCHMARK_CAPTURE(BM_OneDnnConv, conv2_rhs_grad, 1, Piece::kRhsGrad)->Apply(args);
BENCHMARK_CAPTURE(BM_MaxPool, pool1_fwd, 0, false)->Apply(args);
BENCHMARK_CAPTURE(BM_MaxPool, pool1_grad, 0, true)->Apply(args);
BENCHMARK_CAPTURE(BM_MaxPool, pool2_fwd, 1, false)->Apply(args);
BENCHMARK_CAPTURE(BM_MaxPool, pool2_grad, 1, true)->Apply(args);
BENCHMARK_CAPTURE(BM_Relu, relu1_fwd, 0, false)->Apply(args);
BENCHMARK_CAPTURE(BM_Relu, relu1_grad, 0, true)->Apply(args);

}  // namespace

int main(int argc, char** argv) {
  if (const char* e = std::getenv("JX_BENCH_PRINT"); e && *e == '1') {
    Params p = init_params();
    Array x = random_array({kB, 1, 28, 28}), y = onehot_labels();
    std::cout << make_step().lower(p, x, y).as_text() << "\n";
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
