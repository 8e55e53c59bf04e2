// The threefry2x32 hash (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3", SC'11), 20 rounds, with the key schedule and rotation constants
// JAX uses (jax/_src/random/threefry2x32.py). Each counter pair is hashed
// independently: the vector loop (Highway, compiled per SIMD target and
// chosen at run time; AVX-512 rotates in one instruction) and the scalar tail
// compute the same function, and the work splits into fixed-size chunks, so
// the bits never depend on the CPU or the thread count.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backend/cpu/threefry.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <cstdint>
#include <vector>

#include "backend/cpu/thread_pool.h"

#ifndef JX_THREEFRY_SCALAR_ONCE
#define JX_THREEFRY_SCALAR_ONCE
namespace jx::cpu::threefry_detail {

inline uint32_t rotl(uint32_t v, int r) { return (v << r) | (v >> (32 - r)); }

inline void hash_one(uint32_t k0, uint32_t k1, uint32_t& x0, uint32_t& x1) {
  const uint32_t k2 = k0 ^ k1 ^ 0x1BD11BDAu;
  const uint32_t ks[3] = {k0, k1, k2};
  static constexpr int kRot[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  x0 += k0;
  x1 += k1;
  for (int i = 0; i < 5; ++i) {
    for (int r : kRot[i % 2]) {
      x0 += x1;
      x1 = rotl(x1, r);
      x1 ^= x0;
    }
    x0 += ks[(i + 1) % 3];
    x1 += ks[(i + 2) % 3] + uint32_t(i + 1);
  }
}

}  // namespace jx::cpu::threefry_detail
#endif

HWY_BEFORE_NAMESPACE();
namespace jx::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Four rounds of mix-and-rotate; rotl by r is a right rotation by 32 - r.
template <int A, int B, int C, int D, class V>
HWY_INLINE void rounds(V& x0, V& x1) {
  x0 = hn::Add(x0, x1);
  x1 = hn::Xor(hn::RotateRight<32 - A>(x1), x0);
  x0 = hn::Add(x0, x1);
  x1 = hn::Xor(hn::RotateRight<32 - B>(x1), x0);
  x0 = hn::Add(x0, x1);
  x1 = hn::Xor(hn::RotateRight<32 - C>(x1), x0);
  x0 = hn::Add(x0, x1);
  x1 = hn::Xor(hn::RotateRight<32 - D>(x1), x0);
}

template <class V>
HWY_INLINE void hash_vec(V k0, V k1, V& x0, V& x1, V one) {
  const hn::DFromV<V> d;
  V k2 = hn::Xor(hn::Xor(k0, k1), hn::Set(d, 0x1BD11BDAu));
  x0 = hn::Add(x0, k0);
  x1 = hn::Add(x1, k1);
  V c = one;  // the round-group counter 1..5
  rounds<13, 15, 26, 6>(x0, x1);
  x0 = hn::Add(x0, k1);
  x1 = hn::Add(x1, hn::Add(k2, c));
  c = hn::Add(c, one);
  rounds<17, 29, 16, 24>(x0, x1);
  x0 = hn::Add(x0, k2);
  x1 = hn::Add(x1, hn::Add(k0, c));
  c = hn::Add(c, one);
  rounds<13, 15, 26, 6>(x0, x1);
  x0 = hn::Add(x0, k0);
  x1 = hn::Add(x1, hn::Add(k1, c));
  c = hn::Add(c, one);
  rounds<17, 29, 16, 24>(x0, x1);
  x0 = hn::Add(x0, k1);
  x1 = hn::Add(x1, hn::Add(k2, c));
  c = hn::Add(c, one);
  rounds<13, 15, 26, 6>(x0, x1);
  x0 = hn::Add(x0, k2);
  x1 = hn::Add(x1, hn::Add(k0, c));
}

// A 0-d operand (stride 0) is hoisted out of the loop.
template <bool KS, bool X0S, bool X1S>
void hash_range_t(const uint32_t* k0, const uint32_t* k1, const uint32_t* c0, const uint32_t* c1,
                  uint32_t* y0, uint32_t* y1, int64_t begin, int64_t end) {
  const hn::ScalableTag<uint32_t> d;
  const int64_t N = int64_t(hn::Lanes(d));
  const auto one = hn::Set(d, 1u);
  int64_t i = begin;
  for (; i + N <= end; i += N) {
    auto a = KS ? hn::Set(d, k0[0]) : hn::LoadU(d, k0 + i);
    auto b = KS ? hn::Set(d, k1[0]) : hn::LoadU(d, k1 + i);
    auto x = X0S ? hn::Set(d, c0[0]) : hn::LoadU(d, c0 + i);
    auto y = X1S ? hn::Set(d, c1[0]) : hn::LoadU(d, c1 + i);
    hash_vec(a, b, x, y, one);
    hn::StoreU(x, d, y0 + i);
    hn::StoreU(y, d, y1 + i);
  }
  for (; i < end; ++i) {
    uint32_t x = X0S ? c0[0] : c0[i], y = X1S ? c1[0] : c1[i];
    threefry_detail::hash_one(KS ? k0[0] : k0[i], KS ? k1[0] : k1[i], x, y);
    y0[i] = x;
    y1[i] = y;
  }
}

// pattern bit 0: keys 0-d, bit 1: x0 0-d, bit 2: x1 0-d.
void HashRange(int pattern, const uint32_t* k0, const uint32_t* k1, const uint32_t* c0,
               const uint32_t* c1, uint32_t* y0, uint32_t* y1, int64_t begin, int64_t end) {
  switch (pattern) {
    case 0: return hash_range_t<false, false, false>(k0, k1, c0, c1, y0, y1, begin, end);
    case 1: return hash_range_t<true, false, false>(k0, k1, c0, c1, y0, y1, begin, end);
    case 2: return hash_range_t<false, true, false>(k0, k1, c0, c1, y0, y1, begin, end);
    case 3: return hash_range_t<true, true, false>(k0, k1, c0, c1, y0, y1, begin, end);
    case 4: return hash_range_t<false, false, true>(k0, k1, c0, c1, y0, y1, begin, end);
    case 5: return hash_range_t<true, false, true>(k0, k1, c0, c1, y0, y1, begin, end);
    case 6: return hash_range_t<false, true, true>(k0, k1, c0, c1, y0, y1, begin, end);
    default: return hash_range_t<true, true, true>(k0, k1, c0, c1, y0, y1, begin, end);
  }
}

}  // namespace jx::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace jx::cpu {
HWY_EXPORT(HashRange);

/// y = threefry2x32((k0, k1), (x0, x1)) elementwise over n elements; an
/// operand flagged scalar is one value broadcast to all n.
void threefry2x32(const uint32_t* k0, bool k0_scalar, const uint32_t* k1, bool k1_scalar,
                  const uint32_t* x0, bool x0_scalar, const uint32_t* x1, bool x1_scalar,
                  uint32_t* y0, uint32_t* y1, int64_t n) {
  if (n <= 0) return;
  // Mixed key patterns (one key word per element, the other shared) are rare:
  // materialise the shared word instead of doubling the loop variants.
  std::vector<uint32_t> tmp;
  if (k0_scalar != k1_scalar) {
    tmp.assign(size_t(n), k0_scalar ? k0[0] : k1[0]);
    (k0_scalar ? k0 : k1) = tmp.data();
    k0_scalar = k1_scalar = false;
  }
  int pattern = (k0_scalar ? 1 : 0) | (x0_scalar ? 2 : 0) | (x1_scalar ? 4 : 0);
  // 16K hashes per chunk: tens of microseconds of work per task.
  parallel_chunks(n, int64_t(1) << 14, [&](int64_t b, int64_t e) {
    HWY_DYNAMIC_DISPATCH(HashRange)(pattern, k0, k1, x0, x1, y0, y1, b, e);
  });
}

}  // namespace jx::cpu
#endif
