// Reduction kernels over an [outer, r, inner] view. Work is split into blocks
// whose boundaries depend only on the shape; partial results are combined in
// a fixed pairwise order, so sums are bit-identical for any thread count.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "backend/cpu/kernels.h"
#include "backend/cpu/scalar_ops.h"
#include "backend/cpu/thread_pool.h"

namespace jx::cpu {
namespace {

constexpr int64_t kBlock = 1 << 14;  // elements per partial sum

template <class T>
constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

template <class T>
T identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return T(0);
    case ReduceOp::kProd: return T(1);
    case ReduceOp::kMax:
      if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
      else return std::numeric_limits<T>::lowest();
    case ReduceOp::kMin:
      if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
      else return std::numeric_limits<T>::max();
    case ReduceOp::kAnd:
      if constexpr (std::is_same_v<T, bool>) return true;
      else if constexpr (std::is_integral_v<T>) return T(~std::make_unsigned_t<T>(0));
      else return T(0);
    case ReduceOp::kOr: return T(0);
  }
  return T(0);
}

template <class T>
T combine(ReduceOp op, T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case ReduceOp::kSum:
      case ReduceOp::kOr:
      case ReduceOp::kMax: return a || b;
      default: return a && b;
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case ReduceOp::kSum: return a + b;
      case ReduceOp::kProd: return a * b;
      case ReduceOp::kMax: return jax_max(a, b);
      case ReduceOp::kMin: return jax_min(a, b);
      default: return a;
    }
  } else {
    using U = std::make_unsigned_t<T>;
    switch (op) {
      case ReduceOp::kSum: return T(U(a) + U(b));
      case ReduceOp::kProd: return T(U(a) * U(b));
      case ReduceOp::kMax: return a > b ? a : b;
      case ReduceOp::kMin: return a < b ? a : b;
      case ReduceOp::kAnd: return T(a & b);
      case ReduceOp::kOr: return T(a | b);
    }
    return a;
  }
}

// One contiguous row segment, sequentially (SIMD for float sum/max/min).
template <class T>
T reduce_segment(ReduceOp op, const T* x, int64_t n) {
  T out;
  if (simd_reduce_rows(op, dtype_of<T>(), x, &out, 1, n)) return out;
  T acc = identity<T>(op);
  for (int64_t i = 0; i < n; ++i) acc = combine(op, acc, x[i]);
  return acc;
}

template <class T>
T tree_combine(ReduceOp op, T* p, size_t n) {
  if (n == 0) return identity<T>(op);
  while (n > 1) {
    size_t half = (n + 1) / 2;
    for (size_t i = 0; i < n / 2; ++i) p[i] = combine(op, p[2 * i], p[2 * i + 1]);
    if (n % 2) p[n / 2] = p[n - 1];
    n = half;
  }
  return p[0];
}

template <class T>
void reduce_t(ReduceOp op, const T* x, T* y, int64_t outer, int64_t r, int64_t inner) {
  if (inner == 1) {
    if (r <= kBlock) {
      parallel_chunks(outer, std::max<int64_t>(1, kBlock / std::max<int64_t>(r, 1)),
                      [&](int64_t lo, int64_t hi) {
                        for (int64_t o = lo; o < hi; ++o) y[o] = reduce_segment(op, x + o * r, r);
                      });
      return;
    }
    int64_t nb = (r + kBlock - 1) / kBlock;
    std::unique_ptr<T[]> partial(new T[size_t(outer * nb)]);
    parallel_for(outer * nb, [&](int64_t t) {
      int64_t o = t / nb, b = t % nb;
      int64_t lo = b * kBlock, hi = std::min(r, lo + kBlock);
      partial[size_t(t)] = reduce_segment(op, x + o * r + lo, hi - lo);
    });
    for (int64_t o = 0; o < outer; ++o)
      y[o] = tree_combine(op, partial.get() + o * nb, size_t(nb));
    return;
  }
  // Accumulate rows of `inner` elements; split over outer and inner chunks.
  const int64_t chunk = 4096;
  int64_t nchunks = (inner + chunk - 1) / chunk;
  parallel_for(outer * nchunks, [&](int64_t t) {
    int64_t o = t / nchunks, c = t % nchunks;
    int64_t lo = c * chunk, m = std::min(inner, lo + chunk) - lo;
    T* yo = y + o * inner + lo;
    const T* xo = x + o * r * inner + lo;
    if (r == 0) {
      for (int64_t j = 0; j < m; ++j) yo[j] = identity<T>(op);
      return;
    }
    std::memcpy(static_cast<void*>(yo), xo, size_t(m) * sizeof(T));
    for (int64_t k = 1; k < r; ++k) {
      const T* row = xo + k * inner;
      if (!simd_accumulate(op, dtype_of<T>(), row, yo, m))
        for (int64_t j = 0; j < m; ++j) yo[j] = combine(op, yo[j], row[j]);
    }
  });
}

}  // namespace

void reduce(ReduceOp op, DType dt, const void* x, void* y, int64_t outer, int64_t r,
            int64_t inner) {
  dispatch_dtype(dt, [&]<class T>() {
    if constexpr (is_half_v<T>) {
      // Accumulate in float32, round once at the end.
      int64_t n = outer * r * inner, m = outer * inner;
      std::vector<float> xf(static_cast<size_t>(n)), yf(static_cast<size_t>(m));
      convert(dt, x, float32, xf.data(), n);
      reduce_t<float>(op, xf.data(), yf.data(), outer, r, inner);
      convert(float32, yf.data(), dt, y, m);
    } else {
      reduce_t<T>(op, static_cast<const T*>(x), static_cast<T*>(y), outer, r, inner);
    }
  });
}

void arg_reduce(bool is_max, DType dt, const void* x, DType index_dt, void* y, int64_t outer,
                int64_t r, int64_t inner) {
  dispatch_dtype(dt, [&]<class T>() {
    using C = std::conditional_t<is_half_v<T>, float, T>;
    const T* xs = static_cast<const T*>(x);
    parallel_for(outer, [&](int64_t o) {
      for (int64_t j = 0; j < inner; ++j) {
        int64_t best = 0;
        C bv = C(xs[o * r * inner + j]);
        for (int64_t k = 1; k < r; ++k) {
          C v = C(xs[(o * r + k) * inner + j]);
          bool take;
          if constexpr (std::is_floating_point_v<C>) {
            if (std::isnan(bv)) break;  // the first NaN wins
            take = std::isnan(v) || (is_max ? v > bv : v < bv);
          } else {
            take = is_max ? v > bv : v < bv;
          }
          if (take) {
            best = k;
            bv = v;
          }
        }
        int64_t idx = o * inner + j;
        if (index_dt == int64)
          static_cast<int64_t*>(y)[idx] = best;
        else
          static_cast<int32_t*>(y)[idx] = int32_t(best);
      }
    });
  });
}

}  // namespace jx::cpu
