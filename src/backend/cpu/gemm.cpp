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
std::atomic<int> g_openblas_threads{0};
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
                   int64_t ldc, int64_t sc) {
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
      std::fill(row.begin(), row.end(), A(0));
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
      T* cr = c + bi * sc + i * ldc;
      for (int64_t j = 0; j < n; ++j) cr[j] = T(row[size_t(j)]);
    }
  });
}

// float32 on oneDNN: single-threaded sgemm calls on tiles of the output,
// spread over jx's pool. oneDNN's own OpenMP threading was measured 2-20x
// slower than one thread for n <= 1024 on this 2-core machine (its barriers
// spin against everything else running), and the tiles depend only on the
// problem size, so results are bit-identical for any thread count. Tiles
// split the longer of m and n first; each tile re-packs its slices of a and
// b, so there are few of them (<= 4 per matrix).
void onednn_sgemm(int64_t batch, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                  int64_t sa, bool ta, const float* b, int64_t ldb, int64_t sb, bool tb, float* c,
                  int64_t ldc, int64_t sc) {
  std::call_once(g_blas_once, fix_openblas_core);
  const double flops = 2.0 * double(m) * double(n) * double(k);
  int64_t tm = 1, tn = 1;
  if (flops >= 1e9 && m >= 32 && n >= 32) tm = tn = 2;
  else if (flops >= 3e7 && (m >= 32 || n >= 32)) (m >= n ? tm : tn) = 2;
  const int64_t rm = (m + tm - 1) / tm, rn = (n + tn - 1) / tn;
  parallel_for(batch * tm * tn, [&](int64_t t) {
    set_omp_threads(1);
    const int64_t bi = t / (tm * tn), i0 = (t / tn % tm) * rm, j0 = (t % tn) * rn;
    const int64_t mm = std::min(rm, m - i0), nn = std::min(rn, n - j0);
    if (mm <= 0 || nn <= 0) return;
    const float* ap = a + bi * sa + (ta ? i0 : i0 * lda);
    const float* bp = b + bi * sb + (tb ? j0 * ldb : j0);
    dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', mm, nn, k, 1.f, ap, lda, bp, ldb, 0.f,
               c + bi * sc + i0 * ldc + j0, ldc);
  });
}

}  // namespace

void sync_library_threads(double flops) {
  std::call_once(g_blas_once, fix_openblas_core);
  constexpr double kParallelFlops = 3e7;  // about 0.3 ms of one core's work
  int n = flops < kParallelFlops ? 1 : num_threads();
  if (openblas_set_num_threads && g_openblas_threads.load() != n) {
    openblas_set_num_threads(n);
    g_openblas_threads.store(n);
  }
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
          bool trans_b, void* c, int64_t ldc, int64_t stride_c, GemmLibrary library) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  int es = dt.itemsize();
  if (k <= 0) {
    for (int64_t bi = 0; bi < batch; ++bi)
      for (int64_t i = 0; i < m; ++i)
        std::memset(static_cast<char*>(c) + (bi * stride_c + i * ldc) * es, 0, size_t(n * es));
    return;
  }
  // BLAS wants leading dims of at least the row length (and >= 1).
  lda = std::max<int64_t>(lda, trans_a ? m : k);
  ldb = std::max<int64_t>(ldb, trans_b ? k : n);
  if (dt == float32 && choose(dt, library) == GemmLibrary::kOneDnn) {
    onednn_sgemm(batch, m, n, k, static_cast<const float*>(a), lda, stride_a, trans_a,
                 static_cast<const float*>(b), ldb, stride_b, trans_b, static_cast<float*>(c), ldc,
                 stride_c);
    return;
  }
  if (dt == float32 || dt == float64) {
    sync_library_threads(2.0 * double(batch) * double(m) * double(n) * double(k));
    for (int64_t bi = 0; bi < batch; ++bi) {
      if (dt == float64) {
        cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                    trans_b ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), blasint(k), 1.0,
                    static_cast<const double*>(a) + bi * stride_a, blasint(lda),
                    static_cast<const double*>(b) + bi * stride_b, blasint(ldb), 0.0,
                    static_cast<double*>(c) + bi * stride_c, blasint(ldc));
      } else {
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                    trans_b ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), blasint(k), 1.f,
                    static_cast<const float*>(a) + bi * stride_a, blasint(lda),
                    static_cast<const float*>(b) + bi * stride_b, blasint(ldb), 0.f,
                    static_cast<float*>(c) + bi * stride_c, blasint(ldc));
      }
    }
    return;
  }
  dispatch_dtype(dt, [&]<class T>() {
    if constexpr (std::is_integral_v<T>) {
      portable_gemm<T>(batch, m, n, k, static_cast<const T*>(a), lda, stride_a, trans_a,
                       static_cast<const T*>(b), ldb, stride_b, trans_b, static_cast<T*>(c), ldc,
                       stride_c);
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
