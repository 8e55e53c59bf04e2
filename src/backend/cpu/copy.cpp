// Data movement kernels: one n-d strided copy serves broadcast_in_dim,
// transpose, rev, slice, pad and concatenate.
#include <cstring>
#include <vector>

#include "backend/cpu/kernels.h"
#include "backend/cpu/thread_pool.h"

namespace jx::cpu {
namespace {

template <class E>
void inner_copy(const char* src, int64_t ss, char* dst, int64_t ds, int64_t n) {
  const E* s = reinterpret_cast<const E*>(src);
  E* d = reinterpret_cast<E*>(dst);
  if (ss == 1 && ds == 1) {
    std::memcpy(d, s, size_t(n) * sizeof(E));
  } else if (ss == 0 && ds == 1) {
    E v = s[0];
    for (int64_t i = 0; i < n; ++i) d[i] = v;
  } else {
    for (int64_t i = 0; i < n; ++i) d[i * ds] = s[i * ss];
  }
}

void inner_dispatch(const char* src, int64_t ss, char* dst, int64_t ds, int64_t n, int esize) {
  switch (esize) {
    case 1:
      return inner_copy<uint8_t>(src, ss, dst, ds, n);
    case 2:
      return inner_copy<uint16_t>(src, ss, dst, ds, n);
    case 4:
      return inner_copy<uint32_t>(src, ss, dst, ds, n);
    case 8:
      return inner_copy<uint64_t>(src, ss, dst, ds, n);
    default:
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(dst + i * ds * esize, src + i * ss * esize, size_t(esize));
  }
}

}  // namespace

void strided_copy(const void* src, int64_t src_off, std::span<const int64_t> src_strides, void* dst,
                  int64_t dst_off, std::span<const int64_t> dst_strides,
                  std::span<const int64_t> shape, int esize) {
  // Drop size-1 dims, then merge dims that are contiguous in both src and dst.
  std::vector<int64_t> sh, ss, ds;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return;
    if (shape[i] == 1) continue;
    if (!sh.empty() && ss.back() == src_strides[i] * shape[i] &&
        ds.back() == dst_strides[i] * shape[i]) {
      sh.back() *= shape[i];
      ss.back() = src_strides[i];
      ds.back() = dst_strides[i];
      continue;
    }
    sh.push_back(shape[i]);
    ss.push_back(src_strides[i]);
    ds.push_back(dst_strides[i]);
  }
  const char* s = static_cast<const char*>(src) + src_off * esize;
  char* d = static_cast<char*>(dst) + dst_off * esize;
  int nd = int(sh.size());
  if (nd == 0) {
    std::memcpy(d, s, size_t(esize));
    return;
  }
  int64_t inner = sh[nd - 1];
  int64_t rows = 1;
  for (int i = 0; i < nd - 1; ++i) rows *= sh[i];
  int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(inner, 1));
  parallel_chunks(rows, grain, [&](int64_t lo, int64_t hi) {
    std::vector<int64_t> idx(size_t(nd), 0);
    // Decompose `lo` into a multi-index over the outer dims.
    int64_t rem = lo;
    for (int i = nd - 2; i >= 0; --i) {
      idx[size_t(i)] = rem % sh[size_t(i)];
      rem /= sh[size_t(i)];
    }
    for (int64_t row = lo; row < hi; ++row) {
      int64_t so = 0, dof = 0;
      for (int i = 0; i < nd - 1; ++i) {
        so += idx[size_t(i)] * ss[size_t(i)];
        dof += idx[size_t(i)] * ds[size_t(i)];
      }
      inner_dispatch(s + so * esize, ss[size_t(nd - 1)], d + dof * esize, ds[size_t(nd - 1)], inner,
                     esize);
      for (int i = nd - 2; i >= 0; --i) {
        if (++idx[size_t(i)] < sh[size_t(i)]) break;
        idx[size_t(i)] = 0;
      }
    }
  });
}

void fill(void* dst, const void* value, int esize, int64_t n) {
  parallel_chunks(n, kElementwiseGrain, [&](int64_t lo, int64_t hi) {
    inner_dispatch(static_cast<const char*>(value), 0, static_cast<char*>(dst) + lo * esize, 1,
                   hi - lo, esize);
  });
}

void iota(DType dt, void* out, std::span<const int64_t> shape, int dimension) {
  int64_t inner = 1;
  for (size_t i = size_t(dimension) + 1; i < shape.size(); ++i) inner *= shape[i];
  int64_t dim = shape[size_t(dimension)];
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  // Rows of `inner` equal values: no division per element.
  dispatch_dtype(dt, [&]<class T>() {
    T* o = static_cast<T*>(out);
    int64_t rows = dim == 0 ? 0 : n / inner;
    parallel_chunks(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(inner, 1)),
                    [&](int64_t lo, int64_t hi) {
                      int64_t v = lo % dim;  // incremented below: one division per chunk
                      for (int64_t r = lo; r < hi; ++r, v = (v + 1 == dim ? 0 : v + 1)) {
                        T value;
                        if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>)
                          value = T(float(v));
                        else
                          value = T(v);
                        T* row = o + r * inner;
                        for (int64_t k = 0; k < inner; ++k) row[k] = value;
                      }
                    });
  });
}

}  // namespace jx::cpu
