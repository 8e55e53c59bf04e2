// Sorting kernels: lax.sort over an [outer, n, inner] view and lax.top_k over
// [rows, n]. Elements are compared through unsigned keys whose integer order
// is the wanted order, so one code path serves every dtype. Single-key sorts
// use a stable LSD radix sort on (key, index) pairs (linear time; skips the
// byte passes where all keys agree); multi-key sorts and short rows use
// std::stable_sort. Rows are independent and run in parallel; each row is
// sorted by one thread, so the result never depends on the thread count.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <span>
#include <vector>

#include "backend/cpu/thread_pool.h"
#include "jx/dtype.h"

namespace jx::cpu {
namespace {

// ---------------------------------------------------------------- keys

// The key of a value in lax.sort's order: floats canonicalized first (-0.0 ==
// 0.0, every NaN == +NaN, which sorts after +inf), then the sign-magnitude
// bits mapped to an unsigned order.
template <class T>
uint64_t sort_key(T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? 1 : 0;
  } else if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
    float f = float(v);
    if (std::isnan(f)) return 0xFFFF;
    uint16_t u = f == 0 ? 0 : v.bits;
    return (u & 0x8000) ? uint16_t(~u) : uint16_t(u | 0x8000);
  } else if constexpr (std::is_floating_point_v<T>) {
    using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    constexpr U sign = U(1) << (8 * sizeof(T) - 1);
    if (std::isnan(v)) return uint64_t(~U(0));
    U u = v == 0 ? U(0) : std::bit_cast<U>(v);
    return (u & sign) ? U(~u) : U(u | sign);
  } else if constexpr (std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return uint64_t(U(U(v) ^ (U(1) << (8 * sizeof(T) - 1))));
  } else {
    return uint64_t(v);
  }
}

// The key of a value in top_k's total order (XLA's): no canonicalization, so
// -0.0 < 0.0 and -NaN < -inf < ... < +inf < +NaN.
template <class T>
uint64_t total_order_key(T v) {
  if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
    uint16_t u = v.bits;
    return (u & 0x8000) ? uint16_t(~u) : uint16_t(u | 0x8000);
  } else if constexpr (std::is_floating_point_v<T>) {
    using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    constexpr U sign = U(1) << (8 * sizeof(T) - 1);
    U u = std::bit_cast<U>(v);
    return (u & sign) ? U(~u) : U(u | sign);
  } else {
    return sort_key(v);
  }
}

// Fills keys[j] (j < n) with the sort keys of a strided row.
void row_keys(DType dt, const void* base, int64_t start, int64_t stride, int64_t n, uint64_t* keys,
              bool total_order = false) {
  dispatch_dtype(dt, [&]<class T>() {
    const T* x = static_cast<const T*>(base) + start;
    for (int64_t j = 0; j < n; ++j)
      keys[j] = total_order ? total_order_key(x[j * stride]) : sort_key(x[j * stride]);
  });
}

int key_bytes(DType dt) { return dt.is_bool() ? 1 : dt.itemsize(); }

// ---------------------------------------------------------------- radix sort

template <class K>
struct Item {
  K key;
  uint32_t idx;
};

// Stable LSD radix sort of a[0..n) by key, one byte per pass; tmp has room
// for n items. Returns where the sorted items ended up (a or tmp).
template <class K>
Item<K>* radix_sort(Item<K>* a, Item<K>* tmp, int64_t n) {
  constexpr int kPasses = int(sizeof(K));
  std::array<std::array<int64_t, 256>, kPasses> hist{};
  for (int64_t i = 0; i < n; ++i) {
    K k = a[i].key;
    for (int p = 0; p < kPasses; ++p) ++hist[size_t(p)][size_t((k >> (8 * p)) & 0xFF)];
  }
  Item<K>* src = a;
  Item<K>* dst = tmp;
  for (int p = 0; p < kPasses; ++p) {
    auto& h = hist[size_t(p)];
    bool trivial = false;
    for (int64_t c : h) trivial = trivial || c == n;
    if (trivial) continue;  // every key has the same byte here
    int64_t sum = 0;
    for (int64_t& c : h) {
      int64_t t = c;
      c = sum;
      sum += t;
    }
    for (int64_t i = 0; i < n; ++i) {
      const Item<K>& it = src[i];
      dst[h[size_t((it.key >> (8 * p)) & 0xFF)]++] = it;
    }
    std::swap(src, dst);
  }
  return src;
}

// Writes the permutation (indices into the row) that stably sorts the row of
// one key operand.
template <class K>
void radix_permutation(const uint64_t* keys, int64_t n, uint32_t* perm) {
  std::vector<Item<K>> a(static_cast<size_t>(n)), tmp(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) a[size_t(i)] = {K(keys[i]), uint32_t(i)};
  Item<K>* s = radix_sort(a.data(), tmp.data(), n);
  for (int64_t i = 0; i < n; ++i) perm[i] = s[i].idx;
}

constexpr int64_t kRadixMin = 256;  // shorter rows: a comparison sort is faster

// ---------------------------------------------------------------- element moves

// dst[i * ds] = src[perm[i] * ss] for i < n, elements of esize bytes.
void gather_row(const void* src, int64_t ss, void* dst, int64_t ds, const uint32_t* perm,
                int64_t n, int esize) {
  auto run = [&]<class E>() {
    const E* s = static_cast<const E*>(src);
    E* d = static_cast<E*>(dst);
    for (int64_t i = 0; i < n; ++i) d[i * ds] = s[int64_t(perm[i]) * ss];
  };
  switch (esize) {
    case 1: run.template operator()<uint8_t>(); break;
    case 2: run.template operator()<uint16_t>(); break;
    case 4: run.template operator()<uint32_t>(); break;
    default: run.template operator()<uint64_t>(); break;
  }
}

}  // namespace

/// Sorts the operands (each an [outer, n, inner] array of dts[i]) along the
/// middle axis by the first num_keys of them, lexicographically and stably,
/// writing every operand permuted to out[i].
void sort(std::span<const DType> dts, std::span<const void* const> in,
          std::span<void* const> out, int64_t outer, int64_t n, int64_t inner, int num_keys) {
  int64_t rows = outer * inner;
  if (rows == 0 || n == 0) return;
  // Rows per task: enough work per task to pay for scheduling.
  int64_t grain = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(n, 1));
  parallel_chunks(rows, grain, [&](int64_t lo, int64_t hi) {
    std::vector<uint64_t> keys(static_cast<size_t>(n * num_keys));
    std::vector<uint32_t> perm(static_cast<size_t>(n));
    for (int64_t r = lo; r < hi; ++r) {
      int64_t o = r / inner, i = r % inner;
      int64_t start = o * n * inner + i;
      for (int k = 0; k < num_keys; ++k)
        row_keys(dts[size_t(k)], in[size_t(k)], start, inner, n, keys.data() + size_t(k) * size_t(n));
      if (num_keys == 1 && n >= kRadixMin) {
        switch (key_bytes(dts[0])) {
          case 1: radix_permutation<uint8_t>(keys.data(), n, perm.data()); break;
          case 2: radix_permutation<uint16_t>(keys.data(), n, perm.data()); break;
          case 4: radix_permutation<uint32_t>(keys.data(), n, perm.data()); break;
          default: radix_permutation<uint64_t>(keys.data(), n, perm.data()); break;
        }
      } else {
        std::iota(perm.begin(), perm.end(), 0u);
        const uint64_t* kd = keys.data();
        std::stable_sort(perm.begin(), perm.end(), [&](uint32_t a, uint32_t b) {
          for (int k = 0; k < num_keys; ++k) {
            uint64_t ka = kd[size_t(k) * size_t(n) + a], kb = kd[size_t(k) * size_t(n) + b];
            if (ka != kb) return ka < kb;
          }
          return false;
        });
      }
      for (size_t k = 0; k < dts.size(); ++k) {
        int es = dts[k].itemsize();
        gather_row(static_cast<const char*>(in[k]) + start * es, inner,
                   static_cast<char*>(out[k]) + start * es, inner, perm.data(), n, es);
      }
    }
  });
}

/// The k largest elements of each of `rows` rows of length n (descending in
/// XLA's total order, ties by lower index), with their int32 indices.
void top_k(DType dt, const void* x, void* values, void* indices, int64_t rows, int64_t n,
           int64_t k) {
  if (rows == 0 || k == 0) return;
  int es = dt.itemsize();
  int64_t grain = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(n, 1));
  parallel_chunks(rows, grain, [&](int64_t lo, int64_t hi) {
    std::vector<uint64_t> keys(static_cast<size_t>(n));
    std::vector<uint32_t> order(static_cast<size_t>(n));
    for (int64_t r = lo; r < hi; ++r) {
      row_keys(dt, x, r * n, 1, n, keys.data(), /*total_order=*/true);
      std::iota(order.begin(), order.end(), 0u);
      auto before = [&](uint32_t a, uint32_t b) {
        return keys[a] != keys[b] ? keys[a] > keys[b] : a < b;
      };
      if (k < n) std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
      else std::sort(order.begin(), order.end(), before);
      gather_row(static_cast<const char*>(x) + r * n * es, 1,
                 static_cast<char*>(values) + r * k * es, 1, order.data(), k, es);
      int32_t* idx = static_cast<int32_t*>(indices) + r * k;
      for (int64_t j = 0; j < k; ++j) idx[j] = int32_t(order[size_t(j)]);
    }
  });
}

}  // namespace jx::cpu
