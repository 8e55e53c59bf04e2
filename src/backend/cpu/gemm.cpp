// Batched matrix products: float32 on oneDNN's sgemm or OpenBLAS, float64 on
// OpenBLAS (oneDNN has no f64 gemm), everything else on a portable loop.
// Which library wins per case was measured on the development machine
// (docs/BENCHMARKS_contract.md); JX_GEMM_LIBRARY=openblas|onednn overrides it.
#include <cblas.h>
#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <type_traits>
#include <vector>

#include <dnnl.h>

#include "backend/cpu/contract_kernels.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/thread_pool.h"

// OpenBLAS extensions (weak: absent from other BLAS builds).
extern "C" {
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_num_threads(void) __attribute__((weak));
char* openblas_get_corename(void) __attribute__((weak));
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));
}

namespace jx::cpu {
namespace {

// OpenBLAS 0.3.21 does not know Sapphire/Emerald Rapids and falls back to its
// generic "Prescott" kernels (SSE3, 4-7x slower). When the user has not chosen
// a core (OPENBLAS_CORETYPE) and the CPU has AVX-512, select SkylakeX's
// kernels once, before the first call.
void fix_openblas_core() {
  if (!openblas_get_corename || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) return;
  if (std::getenv("OPENBLAS_CORETYPE")) return;
  std::string_view core = openblas_get_corename();
  if (core != "Prescott" && core != "prescott") return;
  __builtin_cpu_init();
  if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")))
    return;
  gotoblas_dynamic_quit();
  setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
  gotoblas_dynamic_init();
  unsetenv("OPENBLAS_CORETYPE");
}

std::once_flag g_blas_once;
// oneDNN here runs on OpenMP; its thread count is the calling thread's
// omp_set_num_threads (found at run time: libgomp comes in through libdnnl).
// Set on every call (it only writes a thread-local value): a cache would go
// stale when the user's own code calls omp_set_num_threads.
void set_omp_threads(int n) {
  using Fn = void (*)(int);
  static Fn fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  if (fn) fn(n);
}

GemmLibrary env_library() {
  static const GemmLibrary lib = [] {
    const char* e = std::getenv("JX_GEMM_LIBRARY");
    std::string_view v = e ? e : "";
    if (v == "openblas") return GemmLibrary::kOpenBlas;
    if (v == "onednn") return GemmLibrary::kOneDnn;
    return GemmLibrary::kAuto;
  }();
  return lib;
}

// float32: oneDNN's sgemm beat OpenBLAS (even with its AVX-512 kernels) at
// every measured size (docs/BENCHMARKS_contract.md).
GemmLibrary choose(DType dt, GemmLibrary requested) {
  if (dt == float64) return GemmLibrary::kOpenBlas;
  if (requested != GemmLibrary::kAuto) return requested;
  if (env_library() != GemmLibrary::kAuto) return env_library();
  return GemmLibrary::kOneDnn;
}

// ---------------------------------------------------------------- portable loop
// Integers accumulate in 32/64-bit unsigned arithmetic (wrapping, no UB) and
// are truncated to their width at the end, which equals wrapping in the width.
template <class T>
struct Acc {
  using type = std::conditional_t<sizeof(T) <= 4, uint32_t, uint64_t>;
};
template <>
struct Acc<bool> {
  using type = bool;
};

template <class T>
void portable_gemm(int64_t batch, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
                   int64_t sa, bool ta, const T* b, int64_t ldb, int64_t sb, bool tb, T* c,
                   int64_t ldc, int64_t sc, bool accumulate) {
  using A = typename Acc<T>::type;
  int64_t work = std::max<int64_t>(1, n * k);
  int64_t grain = std::max<int64_t>(1, (1 << 15) / work);
  parallel_chunks(batch * m, grain, [&](int64_t lo, int64_t hi) {
    std::vector<A> row(static_cast<size_t>(n));
    std::vector<A> bcol;  // b transposed: the column j as a contiguous run
    for (int64_t r = lo; r < hi; ++r) {
      int64_t bi = r / m, i = r % m;
      const T* ab = a + bi * sa;
      const T* bb = b + bi * sb;
      T* cr = c + bi * sc + i * ldc;
      for (int64_t j = 0; j < n; ++j) row[size_t(j)] = accumulate ? A(cr[j]) : A(0);
      for (int64_t p = 0; p < k; ++p) {
        A av = A(ta ? ab[p * lda + i] : ab[i * lda + p]);
        if constexpr (std::is_same_v<T, bool>) {
          if (!av) continue;
          if (tb)
            for (int64_t j = 0; j < n; ++j) row[size_t(j)] = row[size_t(j)] || bb[j * ldb + p];
          else
            for (int64_t j = 0; j < n; ++j) row[size_t(j)] = row[size_t(j)] || bb[p * ldb + j];
        } else {
          if (tb)
            for (int64_t j = 0; j < n; ++j) row[size_t(j)] += av * A(bb[j * ldb + p]);
          else
            for (int64_t j = 0; j < n; ++j) row[size_t(j)] += av * A(bb[p * ldb + j]);
        }
      }
      for (int64_t j = 0; j < n; ++j) cr[j] = T(row[size_t(j)]);
    }
  });
}


constexpr double kParallelFlops = 3e7;  // about 0.2 ms of one core's work

void set_openblas_threads(int n) {
  if (openblas_set_num_threads && openblas_get_num_threads && openblas_get_num_threads() != n)
    openblas_set_num_threads(n);
}

// One float32/float64 product on a library, which uses the thread count
// set for the calling thread.
void library_gemm(DType dt, GemmLibrary lib, int64_t m, int64_t n, int64_t k, const void* a,
                  int64_t lda, bool ta, const void* b, int64_t ldb, bool tb, void* c, int64_t ldc,
                  bool accumulate) {
  const double beta = accumulate ? 1.0 : 0.0;
  auto t = [](bool tr) { return tr ? CblasTrans : CblasNoTrans; };
  if (dt == float64) {
    cblas_dgemm(CblasRowMajor, t(ta), t(tb), blasint(m), blasint(n), blasint(k), 1.0,
                static_cast<const double*>(a), blasint(lda), static_cast<const double*>(b),
                blasint(ldb), beta, static_cast<double*>(c), blasint(ldc));
  } else if (lib == GemmLibrary::kOneDnn) {
    dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.f, static_cast<const float*>(a), lda,
               static_cast<const float*>(b), ldb, float(beta), static_cast<float*>(c), ldc);
  } else {
    cblas_sgemm(CblasRowMajor, t(ta), t(tb), blasint(m), blasint(n), blasint(k), 1.f,
                static_cast<const float*>(a), blasint(lda), static_cast<const float*>(b),
                blasint(ldb), float(beta), static_cast<float*>(c), blasint(ldc));
  }
}

// A product big enough to pay for threads runs on the library's threads;
// a batch of small ones is spread over jx's pool, one library call per
// matrix (single-threaded), so every matrix is computed the same way for
// any thread count.
void float_gemm(DType dt, GemmLibrary lib, int64_t batch, int64_t m, int64_t n, int64_t k,
                const char* a, int64_t lda, int64_t sa, bool ta, const char* b, int64_t ldb,
                int64_t sb, bool tb, char* c, int64_t ldc, int64_t sc, bool accumulate) {
  const int64_t es = dt.itemsize();
  const double per_call = 2.0 * double(m) * double(n) * double(k);
  if (per_call >= kParallelFlops || batch == 1) {
    sync_library_threads(per_call);
    for (int64_t bi = 0; bi < batch; ++bi)
      library_gemm(dt, lib, m, n, k, a + bi * sa * es, lda, ta, b + bi * sb * es, ldb, tb,
                   c + bi * sc * es, ldc, accumulate);
    return;
  }
  set_openblas_threads(1);
  const int64_t grain = std::max<int64_t>(1, int64_t(kParallelFlops / std::max(per_call, 1.0)));
  parallel_chunks(batch, grain, [&](int64_t lo, int64_t hi) {
    set_omp_threads(1);
    for (int64_t bi = lo; bi < hi; ++bi)
      library_gemm(dt, lib, m, n, k, a + bi * sa * es, lda, ta, b + bi * sb * es, ldb, tb,
                   c + bi * sc * es, ldc, accumulate);
  });
}

}  // namespace

void sync_library_threads(double flops) {
  std::call_once(g_blas_once, fix_openblas_core);
  int n = flops < kParallelFlops ? 1 : num_threads();
  set_openblas_threads(n);
  set_omp_threads(n);
}

const char* gemm_library_name(DType dt) {
  if (dt == float32 || dt == float64)
    return choose(dt, GemmLibrary::kAuto) == GemmLibrary::kOneDnn ? "oneDNN" : "OpenBLAS";
  return "portable";
}

DType accumulation_dtype(DType in, DType out) {
  if (out == float16 || out == bfloat16) return float32;
  return out;
}

void gemm(DType dt, int64_t batch, int64_t m, int64_t n, int64_t k, const void* a, int64_t lda,
          int64_t stride_a, bool trans_a, const void* b, int64_t ldb, int64_t stride_b,
          bool trans_b, void* c, int64_t ldc, int64_t stride_c, bool accumulate,
          GemmLibrary library) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  int es = dt.itemsize();
  if (k <= 0) {
    if (accumulate) return;
    for (int64_t bi = 0; bi < batch; ++bi)
      for (int64_t i = 0; i < m; ++i)
        std::memset(static_cast<char*>(c) + (bi * stride_c + i * ldc) * es, 0, size_t(n * es));
    return;
  }
  // BLAS wants leading dims of at least the row length (and >= 1).
  lda = std::max<int64_t>(lda, trans_a ? m : k);
  ldb = std::max<int64_t>(ldb, trans_b ? k : n);
  if (dt == float32 || dt == float64) {
    std::call_once(g_blas_once, fix_openblas_core);
    float_gemm(dt, choose(dt, library), batch, m, n, k, static_cast<const char*>(a), lda, stride_a,
               trans_a, static_cast<const char*>(b), ldb, stride_b, trans_b, static_cast<char*>(c),
               ldc, stride_c, accumulate);
    return;
  }
  dispatch_dtype(dt, [&]<class T>() {
    if constexpr (std::is_integral_v<T>) {
      portable_gemm<T>(batch, m, n, k, static_cast<const T*>(a), lda, stride_a, trans_a,
                       static_cast<const T*>(b), ldb, stride_b, trans_b, static_cast<T*>(c), ldc,
                       stride_c, accumulate);
    }
  });
}

void batched_matmul(DType in, DType out, int64_t batch, int64_t m, int64_t n, int64_t k,
                    const void* a, bool trans_a, const void* b, bool trans_b, void* c) {
  if (batch * m * n == 0) return;
  DType acc = accumulation_dtype(in, out);
  std::unique_ptr<char[]> ta, tb, tc;
  if (in != acc && k > 0) {
    ta.reset(new char[size_t(batch * m * k * acc.itemsize())]);
    tb.reset(new char[size_t(batch * k * n * acc.itemsize())]);
    convert(in, a, acc, ta.get(), batch * m * k);
    convert(in, b, acc, tb.get(), batch * k * n);
    a = ta.get();
    b = tb.get();
  }
  void* dst = c;
  if (out != acc) {
    tc.reset(new char[size_t(batch * m * n * acc.itemsize())]);
    dst = tc.get();
  }
  gemm(acc, batch, m, n, k, a, trans_a ? m : k, m * k, trans_a, b, trans_b ? k : n, k * n,
       trans_b, dst, n, m * n);
  if (out != acc) convert(acc, dst, out, c, batch * m * n);
}

}  // namespace jx::cpu
