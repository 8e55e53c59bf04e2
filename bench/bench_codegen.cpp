// The CPU code generator: compile time per kernel (fresh, and loaded from
// the disk cache) and throughput of JIT kernels on 16M float32 next to
// memcpy and the eager kernels, in one run. Prints a table (no Google
// Benchmark fixtures: each number is the best of several repetitions).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "backend/cpu/kernels.h"
#include "backend/cpu/llvm/codegen.h"
#include "backend/cpu/thread_pool.h"
#include "compiler/kernel_ir.h"

namespace kir = jx::compiler::kir;
namespace lb = jx::cpu::llvm_backend;
using jx::cpu::BinaryOp;
using jx::cpu::ReduceOp;
using jx::cpu::UnaryOp;

namespace {

// CPU time of the calling thread: compile times a loaded machine does not
// inflate.
double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

double best_seconds(int reps, const std::function<void()>& f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

kir::Kernel elementwise(int64_t n, bool exp, double tag = 1.0) {
  kir::Kernel k;
  k.name = exp ? "exp" : "add";
  k.domain = {n};
  if (exp) {
    k.params = {{jx::float32, n, false}, {jx::float32, n, true}};
    int x = kir::add_load(k, 0, jx::float32, {1});
    if (tag != 1.0)
      x = kir::add_binary(k, BinaryOp::kMul, x, kir::add_constant(k, jx::float32, tag));
    k.stores.push_back({1, kir::add_unary(k, UnaryOp::kExp, x), 0, {1}});
  } else {
    k.params = {{jx::float32, n, false}, {jx::float32, n, false}, {jx::float32, n, true}};
    k.stores.push_back({2,
                        kir::add_binary(k, BinaryOp::kAdd, kir::add_load(k, 0, jx::float32, {1}),
                                        kir::add_load(k, 1, jx::float32, {1})),
                        0,
                        {1}});
  }
  return k;
}

// A typical fused kernel: softmax over the last dim (max, exp-sum, divide).
kir::Kernel softmax(int64_t rows, int64_t n, double tag) {
  kir::Kernel k;
  k.name = "softmax";
  k.params = {{jx::float32, rows * n, false}, {jx::float32, rows * n, true}};
  k.domain = {rows, n};
  k.num_reduced = 1;
  int x = kir::add_binary(k, BinaryOp::kMul, kir::add_load(k, 0, jx::float32, {n, 1}),
                          kir::add_constant(k, jx::float32, tag));
  int m = kir::add_reduce(k, ReduceOp::kMax, x);
  int e = kir::add_unary(k, UnaryOp::kExp, kir::add_binary(k, BinaryOp::kSub, x, m));
  int s = kir::add_reduce(k, ReduceOp::kSum, e);
  k.stores.push_back({1, kir::add_binary(k, BinaryOp::kDiv, e, s), 0, {n, 1}});
  return k;
}

}  // namespace

// --ulp [step]: max ulp error of the JIT's float32 transcendentals over every
// step-th float32 bit pattern (step 1: all 2^32) against double libm.
int ulp_sweep(uint64_t step) {
  const UnaryOp ops[] = {UnaryOp::kExp,   UnaryOp::kExp2, UnaryOp::kLog,      UnaryOp::kLog1p,
                         UnaryOp::kExpm1, UnaryOp::kTanh, UnaryOp::kLogistic, UnaryOp::kSin,
                         UnaryOp::kCos,   UnaryOp::kErf};
  const char* names[] = {"exp",  "exp2",     "log", "log1p", "expm1",
                         "tanh", "logistic", "sin", "cos",   "erf"};
  const int64_t chunk = 1 << 22;
  std::vector<float> x(static_cast<size_t>(chunk), 0.0f), y(static_cast<size_t>(chunk), 0.0f);
  kir::Kernel k;
  k.domain = {chunk};
  k.params = {{jx::float32, chunk, false}, {jx::float32, chunk, true}};
  int ld = kir::add_load(k, 0, jx::float32, {1});
  k.stores.push_back({1, -1, 0, {1}});
  for (int o = 0; o < 10; ++o) {
    kir::Kernel ko = k;
    ko.name = names[o];
    ko.stores[0].node = kir::add_unary(ko, ops[o], ld);
    auto ck = lb::compile_kernel(ko);
    double worst = 0;
    float worst_x = 0;
    uint64_t count = 0;
    for (uint64_t base = 0; base < (uint64_t(1) << 32); base += uint64_t(chunk) * step) {
      int64_t n = 0;
      for (; n < chunk && base + uint64_t(n) * step < (uint64_t(1) << 32); ++n) {
        uint32_t bits = uint32_t(base + uint64_t(n) * step);
        std::memcpy(&x[size_t(n)], &bits, 4);
      }
      char* p[2] = {reinterpret_cast<char*>(x.data()), reinterpret_cast<char*>(y.data())};
      lb::run_kernel(*ck, ko, p);
      std::vector<double> w(2, 0);
      std::vector<float> wx(2, 0);
      jx::cpu::parallel_for(2, [&](int64_t t) {
        for (int64_t i = t; i < n; i += 2) {
          double xv = x[size_t(i)], r;
          switch (ops[o]) {
            case UnaryOp::kExp:
              r = std::exp(xv);
              break;
            case UnaryOp::kExp2:
              r = std::exp2(xv);
              break;
            case UnaryOp::kLog:
              r = std::log(xv);
              break;
            case UnaryOp::kLog1p:
              r = std::log1p(xv);
              break;
            case UnaryOp::kExpm1:
              r = std::expm1(xv);
              break;
            case UnaryOp::kTanh:
              r = std::tanh(xv);
              break;
            case UnaryOp::kLogistic:
              r = 1.0 / (1.0 + std::exp(-xv));
              break;
            case UnaryOp::kSin:
              r = std::sin(xv);
              break;
            case UnaryOp::kCos:
              r = std::cos(xv);
              break;
            default:
              r = std::erf(xv);
              break;
          }
          float yv = y[size_t(i)];
          double e;
          if (std::isnan(r) || std::isnan(yv))
            e = std::isnan(r) && std::isnan(yv) ? 0 : INFINITY;
          else if (std::isinf(float(r)) || std::isinf(yv))
            e = float(r) == yv ? 0 : INFINITY;
          else {
            int ex;
            std::frexp(float(r) == 0 ? 0x1p-126 : double(float(r)), &ex);
            e = std::fabs(double(yv) - r) / std::ldexp(1.0, std::max(ex, -125) - 24);
          }
          if (e > w[size_t(t)]) {
            w[size_t(t)] = e;
            wx[size_t(t)] = x[size_t(i)];
          }
        }
      });
      for (int t = 0; t < 2; ++t)
        if (w[size_t(t)] > worst) {
          worst = w[size_t(t)];
          worst_x = wx[size_t(t)];
        }
      count += uint64_t(n);
    }
    std::printf("%-9s f32 max %.3f ulp at x = %.9g (%llu inputs)\n", names[o], worst,
                double(worst_x), (unsigned long long)count);
    std::fflush(stdout);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--ulp")
    return ulp_sweep(argc > 2 ? std::stoull(argv[2]) : 1);
  std::printf("host: %s\nthreads: %d\n\n", lb::host_cpu_description().substr(0, 60).c_str(),
              jx::cpu::num_threads());
  // ---------------------------------------------------------- compile time
  std::string dir = (std::filesystem::temp_directory_path() / "jx_bench_codegen_cache").string();
  std::filesystem::remove_all(dir);
  lb::set_disk_cache_dir(dir);
  const int kKernels = 20;
  std::vector<kir::Kernel> ks;
  for (int i = 0; i < kKernels; ++i) ks.push_back(softmax(128, 1000, 1.0 + i * 1e-3));
  auto t0 = std::chrono::steady_clock::now();
  double c0 = thread_cpu_seconds();
  for (auto& k : ks) lb::compile_kernel(k);
  double fresh = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double fresh_cpu = thread_cpu_seconds() - c0;
  lb::clear_memory_cache_for_testing();
  t0 = std::chrono::steady_clock::now();
  for (auto& k : ks) lb::compile_kernel(k);
  double cached = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<kir::Kernel> ks2;
  for (int i = 0; i < kKernels; ++i) ks2.push_back(softmax(128, 1000, 2.0 + i * 1e-3));
  t0 = std::chrono::steady_clock::now();
  lb::compile_kernels(ks2);
  double batch = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<kir::Kernel> ks3;
  for (int i = 0; i < kKernels; ++i) ks3.push_back(elementwise(1000, true, 3.0 + i * 1e-3));
  t0 = std::chrono::steady_clock::now();
  for (auto& k : ks3) lb::compile_kernel(k);
  double simple = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("compile softmax kernel (render+O3+object+load): %.1f ms/kernel (%.1f ms CPU)\n",
              1e3 * fresh / kKernels, 1e3 * fresh_cpu / kKernels);
  std::printf("compile exp(x*c) kernel:                        %.1f ms/kernel\n",
              1e3 * simple / kKernels);
  std::printf("compile_kernels batch of %d softmax (parallel):  %.1f ms/kernel\n", kKernels,
              1e3 * batch / kKernels);
  std::printf("load softmax kernel from the disk cache:        %.2f ms/kernel\n\n",
              1e3 * cached / kKernels);
  std::filesystem::remove_all(dir);

  // ------------------------------------------------------------ throughput
  const int64_t n = 16 << 20;
  std::vector<float> a(size_t(n), 1.5f), b(size_t(n), 0.25f), c(size_t(n), 0.0f);
  auto report = [&](const char* what, double bytes, const std::function<void()>& f) {
    f();  // warm up (page faults)
    double s = best_seconds(7, f);
    std::printf("%-44s %7.2f ms %7.1f GB/s\n", what, 1e3 * s, bytes / s / 1e9);
  };
  double b2 = 2.0 * 4 * double(n), b3 = 3.0 * 4 * double(n);
  kir::Kernel add = elementwise(n, false), ex = elementwise(n, true);
  auto cadd = lb::compile_kernel(add), cex = lb::compile_kernel(ex);
  char* padd[3] = {reinterpret_cast<char*>(a.data()), reinterpret_cast<char*>(b.data()),
                   reinterpret_cast<char*>(c.data())};
  char* pex[2] = {reinterpret_cast<char*>(a.data()), reinterpret_cast<char*>(c.data())};
  for (int threads : {1, jx::cpu::num_threads()}) {
    jx::cpu::set_num_threads(threads);
    std::printf("-- %d thread(s), 16M float32 (bytes read + written)\n", threads);
    report("memcpy (std::memcpy in kElementwiseGrain chunks)", b2, [&] {
      jx::cpu::parallel_chunks(n, jx::cpu::kElementwiseGrain, [&](int64_t lo, int64_t hi) {
        std::memcpy(c.data() + lo, a.data() + lo, size_t(hi - lo) * 4);
      });
    });
    report("jit add (run_kernel)", b3, [&] { lb::run_kernel(*cadd, add, padd); });
    report("eager cpu::binary add", b3,
           [&] { jx::cpu::binary(BinaryOp::kAdd, jx::float32, a.data(), b.data(), c.data(), n); });
    report("jit exp (run_kernel)", b2, [&] { lb::run_kernel(*cex, ex, pex); });
    report("eager cpu::unary exp", b2,
           [&] { jx::cpu::unary(UnaryOp::kExp, jx::float32, a.data(), c.data(), n); });
  }
  // In-cache throughput (compute bound): 16K floats, repeated.
  jx::cpu::set_num_threads(1);
  const int64_t m = 16 << 10;
  kir::Kernel exs = elementwise(m, true);
  auto cexs = lb::compile_kernel(exs);
  std::printf("-- 1 thread, 16K float32 in cache, 1000 repetitions\n");
  for (int which = 0; which < 2; ++which) {
    double s = best_seconds(5, [&] {
      for (int r = 0; r < 1000; ++r) {
        if (which == 0)
          lb::run_kernel(*cexs, exs, pex);
        else
          jx::cpu::unary(UnaryOp::kExp, jx::float32, a.data(), c.data(), m);
      }
    });
    std::printf("%-44s %7.2f Gelem/s\n", which == 0 ? "jit exp" : "eager cpu::unary exp",
                1000.0 * double(m) / s / 1e9);
  }
  jx::cpu::set_num_threads(0);
  return 0;
}
