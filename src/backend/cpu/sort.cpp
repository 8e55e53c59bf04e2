// Sorting kernels: lax.sort over an [outer, n, inner] view and lax.top_k over
// [rows, n]. Elements are compared through unsigned keys whose integer order
// is the wanted order, so one code path serves every dtype. Single-key sorts
// of rows of 256+ elements use a stable LSD radix sort on (key, payload)
// pairs (linear time, 11-bit digits, passes where all keys agree skipped);
// the payload is the element itself for a lone operand of up to 4 bytes
// (no gather afterwards), else its index. Multi-key sorts and short rows use
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
void row_keys(DType dt, const void* base, int64_t start, int64_t stride, int64_t n,
              uint64_t* keys) {
  dispatch_dtype(dt, [&]<class T>() {
    const T* x = static_cast<const T*>(base) + start;
    for (int64_t j = 0; j < n; ++j)
      keys[j] = sort_key(x[j * stride]);
  });
}

int key_bytes(DType dt) { return dt.is_bool() ? 1 : dt.itemsize(); }

// ---------------------------------------------------------------- radix sort

// A key and what travels with it: the element's index, or for a lone
// operand of at most 4 bytes the element's own bits (no gather afterwards).
template <class K>
struct Item {
  K key;
  uint32_t payload;
};

// Stable LSD radix sort of a[0..n) by key, kBits per pass (11 for wide keys:
// three passes cover 32 bits with histograms that fit in L1); tmp has room
// for n items. Passes where every key has the same digit are skipped.
// Returns where the sorted items ended up (a or tmp).
template <class K>
Item<K>* radix_sort(Item<K>* a, Item<K>* tmp, int64_t n) {
  constexpr int kKeyBits = int(8 * sizeof(K));
  constexpr int kBits = kKeyBits <= 16 ? 8 : 11;
  constexpr int kPasses = (kKeyBits + kBits - 1) / kBits;
  constexpr size_t kBuckets = size_t(1) << kBits;
  constexpr K kMask = K(kBuckets - 1);
  std::vector<int64_t> hist(kPasses * kBuckets, 0);
  for (int64_t i = 0; i < n; ++i) {
    K k = a[i].key;
    for (int p = 0; p < kPasses; ++p)
      ++hist[size_t(p) * kBuckets + size_t((k >> (kBits * p)) & kMask)];
  }
  Item<K>* src = a;
  Item<K>* dst = tmp;
  for (int p = 0; p < kPasses; ++p) {
    int64_t* h = hist.data() + size_t(p) * kBuckets;
    bool trivial = false;
    for (size_t c = 0; c < kBuckets && !trivial; ++c) trivial = h[c] == n;
    if (trivial) continue;
    int64_t sum = 0;
    for (size_t c = 0; c < kBuckets; ++c) {
      int64_t t = h[c];
      h[c] = sum;
      sum += t;
    }
    const int shift = kBits * p;
    for (int64_t i = 0; i < n; ++i) {
      const Item<K>& it = src[i];
      dst[h[size_t((it.key >> shift) & kMask)]++] = it;
    }
    std::swap(src, dst);
  }
  return src;
}

constexpr int64_t kRadixMin = 256;  // shorter rows: a comparison sort is faster

// Radix-sorts one strided row of a single key operand. With carry_bits the
// payload is the element itself (esize <= 4) and the sorted elements are
// written to out; otherwise the permutation is written to perm.
template <class K>
void radix_row(DType dt, const void* base, int64_t start, int64_t stride, int64_t n,
               bool carry_bits, void* out, uint32_t* perm, std::vector<unsigned char>& scratch) {
  scratch.resize(2 * size_t(n) * sizeof(Item<K>));
  Item<K>* a = reinterpret_cast<Item<K>*>(scratch.data());
  Item<K>* tmp = a + n;
  dispatch_dtype(dt, [&]<class T>() {
    const T* x = static_cast<const T*>(base) + start;
    for (int64_t j = 0; j < n; ++j) {
      T v = x[j * stride];
      uint32_t payload = uint32_t(j);
      if constexpr (sizeof(T) <= 4) {
        if (carry_bits) {
          std::conditional_t<sizeof(T) == 1, uint8_t,
                             std::conditional_t<sizeof(T) == 2, uint16_t, uint32_t>>
              bits;
          std::memcpy(&bits, &v, sizeof(T));
          payload = bits;
        }
      }
      a[j] = {K(sort_key(v)), payload};
    }
    Item<K>* s = radix_sort(a, tmp, n);
    if (!carry_bits) {
      for (int64_t j = 0; j < n; ++j) perm[j] = s[j].payload;
      return;
    }
    if constexpr (sizeof(T) <= 4) {
      T* y = static_cast<T*>(out) + start;
      for (int64_t j = 0; j < n; ++j) {
        uint32_t bits = s[j].payload;
        std::memcpy(static_cast<void*>(&y[j * stride]), &bits,
                    sizeof(T));  // little-endian: the low bytes
      }
    }
  });
}

// ---------------------------------------------------------------- element moves

// dst[i * ds] = src[perm[i] * ss] for i < n, elements of esize bytes.
void gather_row(const void* src, int64_t ss, void* dst, int64_t ds, const uint32_t* perm, int64_t n,
                int esize) {
  auto run = [&]<class E>() {
    const E* s = static_cast<const E*>(src);
    E* d = static_cast<E*>(dst);
    for (int64_t i = 0; i < n; ++i) d[i * ds] = s[int64_t(perm[i]) * ss];
  };
  switch (esize) {
    case 1:
      run.template operator()<uint8_t>();
      break;
    case 2:
      run.template operator()<uint16_t>();
      break;
    case 4:
      run.template operator()<uint32_t>();
      break;
    default:
      run.template operator()<uint64_t>();
      break;
  }
}

}  // namespace

/// Sorts the operands (each an [outer, n, inner] array of dts[i]) along the
/// middle axis by the first num_keys of them, lexicographically and stably,
/// writing every operand permuted to out[i].
void sort(std::span<const DType> dts, std::span<const void* const> in, std::span<void* const> out,
          int64_t outer, int64_t n, int64_t inner, int num_keys) {
  int64_t rows = outer * inner;
  if (rows == 0 || n == 0) return;
  // Rows per task: enough work per task to pay for scheduling.
  int64_t grain = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(n, 1));
  parallel_chunks(rows, grain, [&](int64_t lo, int64_t hi) {
    std::vector<uint64_t> keys;
    std::vector<uint32_t> perm(static_cast<size_t>(n));
    std::vector<unsigned char> scratch;
    bool radix = num_keys == 1 && n >= kRadixMin;
    bool carry_bits = radix && dts.size() == 1 && dts[0].itemsize() <= 4;
    for (int64_t r = lo; r < hi; ++r) {
      int64_t o = r / inner, i = r % inner;
      int64_t start = o * n * inner + i;
      if (radix) {
        auto run = [&]<class K>() {
          radix_row<K>(dts[0], in[0], start, inner, n, carry_bits, out[0], perm.data(), scratch);
        };
        switch (key_bytes(dts[0])) {
          case 1:
            run.template operator()<uint8_t>();
            break;
          case 2:
            run.template operator()<uint16_t>();
            break;
          case 4:
            run.template operator()<uint32_t>();
            break;
          default:
            run.template operator()<uint64_t>();
            break;
        }
        if (carry_bits) continue;
      } else {
        keys.resize(size_t(n) * size_t(num_keys));
        for (int k = 0; k < num_keys; ++k)
          row_keys(dts[size_t(k)], in[size_t(k)], start, inner, n,
                   keys.data() + size_t(k) * size_t(n));
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
  // (key, index) pairs; "before" is top_k's order.
  using Entry = std::pair<uint64_t, uint32_t>;
  auto before = [](const Entry& a, const Entry& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  parallel_chunks(rows, grain, [&](int64_t lo, int64_t hi) {
    std::vector<Entry> e;
    for (int64_t r = lo; r < hi; ++r) {
      e.clear();
      dispatch_dtype(dt, [&]<class T>() {
        const T* row = static_cast<const T*>(x) + r * n;
        if (k * 8 <= n) {
          // Small k: keep the k best in order and scan the rest against the
          // k-th key; a later element equal to it never enters (ties go to
          // the lower index), so most elements cost one comparison.
          for (int64_t j = 0; j < k; ++j) e.push_back({total_order_key(row[j]), uint32_t(j)});
          std::sort(e.begin(), e.end(), before);
          uint64_t threshold = e.back().first;
          for (int64_t j = k; j < n; ++j) {
            uint64_t key = total_order_key(row[j]);
            if (key <= threshold) continue;
            Entry item{key, uint32_t(j)};
            e.pop_back();
            e.insert(std::upper_bound(e.begin(), e.end(), item, before), item);
            threshold = e.back().first;
          }
        } else {
          for (int64_t j = 0; j < n; ++j) e.push_back({total_order_key(row[j]), uint32_t(j)});
          if (k < n)
            std::partial_sort(e.begin(), e.begin() + k, e.end(), before);
          else
            std::sort(e.begin(), e.end(), before);
        }
      });
      std::vector<uint32_t> order(static_cast<size_t>(k));
      for (int64_t j = 0; j < k; ++j) order[size_t(j)] = e[size_t(j)].second;
      gather_row(static_cast<const char*>(x) + r * n * es, 1,
                 static_cast<char*>(values) + r * k * es, 1, order.data(), k, es);
      int32_t* idx = static_cast<int32_t*>(indices) + r * k;
      for (int64_t j = 0; j < k; ++j) idx[j] = int32_t(order[size_t(j)]);
    }
  });
}

}  // namespace jx::cpu
