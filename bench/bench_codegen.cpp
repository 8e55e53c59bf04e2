// The CPU code generator: compile time per kernel (fresh, and loaded from
// the disk cache) and throughput of JIT kernels on 16M float32 next to
// memcpy and the eager kernels, in one run. Prints a table (no Google
// Benchmark fixtures: each number is the best of several repetitions).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
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

double best_seconds(int reps, const std::function<void()>& f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
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
    if (tag != 1.0) x = kir::add_binary(k, BinaryOp::kMul, x, kir::add_constant(k, jx::float32, tag));
    k.stores.push_back({1, kir::add_unary(k, UnaryOp::kExp, x), 0, {1}});
  } else {
    k.params = {{jx::float32, n, false}, {jx::float32, n, false}, {jx::float32, n, true}};
    k.stores.push_back({2, kir::add_binary(k, BinaryOp::kAdd, kir::add_load(k, 0, jx::float32, {1}), kir::add_load(k, 1, jx::float32, {1})), 0, {1}});
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
  int x = kir::add_binary(k, BinaryOp::kMul, kir::add_load(k, 0, jx::float32, {n, 1}), kir::add_constant(k, jx::float32, tag));
  int m = kir::add_reduce(k, ReduceOp::kMax, x);
  int e = kir::add_unary(k, UnaryOp::kExp, kir::add_binary(k, BinaryOp::kSub, x, m));
  int s = kir::add_reduce(k, ReduceOp::kSum, e);
  k.stores.push_back({1, kir::add_binary(k, BinaryOp::kDiv, e, s), 0, {n, 1}});
  return k;
}

}  // namespace

int main() {
  std::printf("host: %s\nthreads: %d\n\n", lb::host_cpu_description().substr(0, 60).c_str(), jx::cpu::num_threads());
  // ---------------------------------------------------------- compile time
  std::string dir = (std::filesystem::temp_directory_path() / "jx_bench_codegen_cache").string();
  std::filesystem::remove_all(dir);
  lb::set_disk_cache_dir(dir);
  const int kKernels = 20;
  std::vector<kir::Kernel> ks;
  for (int i = 0; i < kKernels; ++i) ks.push_back(softmax(128, 1000, 1.0 + i * 1e-3));
  auto t0 = std::chrono::steady_clock::now();
  for (auto& k : ks) lb::compile_kernel(k);
  double fresh = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
  std::printf("compile softmax kernel (render+O3+object+load): %.1f ms/kernel\n", 1e3 * fresh / kKernels);
  std::printf("compile exp(x*c) kernel:                        %.1f ms/kernel\n", 1e3 * simple / kKernels);
  std::printf("compile_kernels batch of %d softmax (parallel):  %.1f ms/kernel\n", kKernels, 1e3 * batch / kKernels);
  std::printf("load softmax kernel from the disk cache:        %.2f ms/kernel\n\n", 1e3 * cached / kKernels);
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
  char* padd[3] = {reinterpret_cast<char*>(a.data()), reinterpret_cast<char*>(b.data()), reinterpret_cast<char*>(c.data())};
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
    report("eager cpu::binary add", b3, [&] { jx::cpu::binary(BinaryOp::kAdd, jx::float32, a.data(), b.data(), c.data(), n); });
    report("jit exp (run_kernel)", b2, [&] { lb::run_kernel(*cex, ex, pex); });
    report("eager cpu::unary exp", b2, [&] { jx::cpu::unary(UnaryOp::kExp, jx::float32, a.data(), c.data(), n); });
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
        if (which == 0) lb::run_kernel(*cexs, exs, pex);
        else jx::cpu::unary(UnaryOp::kExp, jx::float32, a.data(), c.data(), m);
      }
    });
    std::printf("%-44s %7.2f Gelem/s\n", which == 0 ? "jit exp" : "eager cpu::unary exp", 1000.0 * double(m) / s / 1e9);
  }
  jx::cpu::set_num_threads(0);
  return 0;
}
