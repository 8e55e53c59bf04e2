// Vectorized float32/float64 kernels, compiled once per SIMD target by
// Highway's foreach_target and chosen at run time for the host CPU.
//
// Transcendentals use Highway's polynomial approximations inside the ranges
// where Highway documents their error (exp 1 ulp, log 4, tanh 4, sin/cos 3 for
// |x| <= 39000, ...); any vector holding a lane outside that range (including
// NaN and infinities) is recomputed lane by lane with the scalar reference, so
// edge cases follow <cmath> exactly. The bounds are tested in tests/prims.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backend/cpu/simd_kernels.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

#include "backend/cpu/kernels.h"
#include "backend/cpu/scalar_ops.h"

HWY_BEFORE_NAMESPACE();
namespace jx::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D, class V = hn::Vec<D>>
V vmax_jax(D d, V a, V b) {
  // lax.max: NaN propagates, max(+0, -0) = +0.
  V r = hn::Max(a, b);
  r = hn::IfThenElse(hn::Eq(a, b), hn::And(a, b), r);
  return hn::IfThenElse(hn::Or(hn::IsNaN(a), hn::IsNaN(b)), hn::Add(a, b), r);
  (void)d;
}
template <class D, class V = hn::Vec<D>>
V vmin_jax(D d, V a, V b) {
  V r = hn::Min(a, b);
  r = hn::IfThenElse(hn::Eq(a, b), hn::Or(a, b), r);
  return hn::IfThenElse(hn::Or(hn::IsNaN(a), hn::IsNaN(b)), hn::Add(a, b), r);
  (void)d;
}

// Outputs at least this large are written with non-temporal (streaming)
// stores: they would not stay in cache anyway, and streaming skips the read
// for ownership that ordinary stores pay, which is most of the gap to memcpy.
constexpr int64_t kStreamBytes = int64_t(1) << 20;

template <class D, class V, class T>
HWY_INLINE void store_vec(D d, V v, T* p, bool stream) {
  if (stream) hn::Stream(v, d, p);
  else hn::StoreU(v, d, p);
}

// Applies a vector op to every full vector and to a padded tail; `valid`
// returns the lanes the vector result is trusted for; the rest use `scalar`.
template <class T, class VecOp, class Valid, class ScalarOp>
void map_unary(const T* x, T* y, int64_t n, VecOp vop, Valid valid, ScalarOp sop) {
  const hn::ScalableTag<T> d;
  const int64_t N = int64_t(hn::Lanes(d));
  const bool stream = n * int64_t(sizeof(T)) >= kStreamBytes &&
                      reinterpret_cast<uintptr_t>(y) % (N * sizeof(T)) == 0;
  HWY_ALIGN T fix[hn::MaxLanes(d)];
  auto one = [&](const T* in, T* out, bool st) {
    auto v = hn::LoadU(d, in);
    auto r = vop(d, v);
    auto ok = valid(d, v);
    if (HWY_LIKELY(hn::AllTrue(d, ok))) {
      store_vec(d, r, out, st);
      return;
    }
    hn::Store(r, d, fix);
    HWY_ALIGN T okv[hn::MaxLanes(d)];
    hn::Store(hn::IfThenElseZero(ok, hn::Set(d, T(1))), d, okv);
    for (int64_t j = 0; j < N; ++j)
      if (okv[j] == T(0)) fix[j] = sop(in[j]);
    store_vec(d, hn::Load(d, fix), out, st);
  };
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    __builtin_prefetch(x + i + 4096 / sizeof(T));  // 4 KiB ahead
    one(x + i, y + i, stream);
  }
  if (i < n) {
    HWY_ALIGN T in[hn::MaxLanes(d)] = {};
    HWY_ALIGN T out[hn::MaxLanes(d)];
    std::memcpy(in, x + i, size_t(n - i) * sizeof(T));
    one(in, out, false);
    std::memcpy(y + i, out, size_t(n - i) * sizeof(T));
  }
  if (stream) std::atomic_thread_fence(std::memory_order_seq_cst);  // orders the streaming stores
}

// tanh(|x|) = e / (e + 2) with e = expm1(2|x|), sign restored. For float32 the
// division is a reciprocal estimate refined by one Newton step (relative error
// ~2^-28, well under an ulp), which is cheaper than a full-width divide.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V fast_tanh(D d, V x) {
  using T = hn::TFromD<D>;
  const V sign = hn::And(hn::SignBit(d), x);
  const V ax = hn::Xor(x, sign);
  const V e = hn::Expm1(d, hn::Add(ax, ax));
  const V den = hn::Add(e, hn::Set(d, T(2)));
  V q;
  if constexpr (sizeof(T) == 4) {
    V r = hn::ApproximateReciprocal(den);
    r = hn::Mul(r, hn::NegMulAdd(den, r, hn::Set(d, T(2))));  // r * (2 - den * r)
    q = hn::Mul(e, r);
  } else {
    q = hn::Div(e, den);
  }
  const V z = hn::IfThenElse(hn::Gt(ax, hn::Set(d, T(sizeof(T) == 4 ? 9.0 : 19.0))), hn::Set(d, T(1)), q);
  return hn::Xor(z, sign);
}

#if HWY_NATIVE_FMA
// erf_inv as XLA:CPU computes it (see xla_erf_inv.h), vectorized for float32;
// it needs fused multiply-adds to give XLA's bits, so only FMA targets use it.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V xla_logf(D d, V in) {
  const hn::RebindToUnsigned<D> du;
  const hn::RebindToSigned<D> di;
  V t = hn::Max(in, hn::BitCast(d, hn::Set(du, 0x00800000u)));
  auto b = hn::BitCast(du, t);
  V e = hn::Add(hn::Set(d, 1.0f),
                hn::ConvertTo(d, hn::Sub(hn::BitCast(di, hn::ShiftRight<23>(b)), hn::Set(di, 0x7f))));
  t = hn::BitCast(d, hn::Or(hn::And(b, hn::Set(du, ~0x7f800000u)), hn::Set(du, 0x3f000000u)));
  auto small = hn::Lt(t, hn::Set(d, 0.707106781186547524f));
  V t1 = hn::IfThenElseZero(small, t);
  t = hn::Sub(t, hn::Set(d, 1.0f));
  e = hn::Sub(e, hn::IfThenElseZero(small, hn::Set(d, 1.0f)));
  t = hn::Add(t, t1);
  V x2 = hn::Mul(t, t), x3 = hn::Mul(x2, t);
  V y = hn::MulAdd(t, hn::Set(d, 7.0376836292e-2f), hn::Set(d, -1.1514610310e-1f));
  V y1 = hn::MulAdd(t, hn::Set(d, -1.2420140846e-1f), hn::Set(d, 1.4249322787e-1f));
  V y2 = hn::MulAdd(t, hn::Set(d, 2.0000714765e-1f), hn::Set(d, -2.4999993993e-1f));
  y = hn::MulAdd(y, t, hn::Set(d, 1.1676998740e-1f));
  y1 = hn::MulAdd(y1, t, hn::Set(d, -1.6668057665e-1f));
  y2 = hn::MulAdd(y2, t, hn::Set(d, 3.3333331174e-1f));
  y = hn::MulAdd(y, x3, y1);
  y = hn::MulAdd(y, x3, y2);
  y = hn::MulAdd(y, x3, hn::Mul(hn::Set(d, -2.12194440e-4f), e));
  t = hn::MulAdd(hn::Set(d, -0.5f), x2, t);
  t = hn::Add(t, y);
  return hn::MulAdd(hn::Set(d, 0.693359375f), e, t);
}

template <class D, class V = hn::Vec<D>>
HWY_INLINE V xla_log1pf(D d, V x) {
  static constexpr double kNum[7] = {4.5270000862445199635215e-5, 4.9854102823193375972212e-1,
                                     6.5787325942061044846969e0,  2.9911919328553073277375e1,
                                     6.0949667980987787057556e1,  5.7112963590585538103336e1,
                                     2.0039553499201281259648e1};
  static constexpr double kDen[7] = {1.0,
                                     1.5062909083469192043167e1, 8.3047565967967209469434e1,
                                     2.2176239823732856465394e2, 3.0909872225312059774938e2,
                                     2.1642788614495947685003e2, 6.0118660497603843919306e1};
  V num = hn::Zero(d), den = hn::Zero(d);
  for (int i = 0; i < 7; ++i) {
    num = hn::MulAdd(num, x, hn::Set(d, float(kNum[i])));
    den = hn::MulAdd(den, x, hn::Set(d, float(kDen[i])));
  }
  V x2 = hn::Mul(x, x);
  V r = hn::Mul(hn::Mul(x, x2), hn::Div(num, den));
  V near = hn::Add(x, hn::MulAdd(hn::Set(d, -0.5f), x2, r));
  V far = xla_logf(d, hn::Add(x, hn::Set(d, 1.0f)));
  return hn::IfThenElse(hn::Lt(hn::Abs(x), hn::Set(d, 0.41421356237309504880f)), near, far);
}

template <class D, class V = hn::Vec<D>>
HWY_INLINE V xla_erf_inv_f32(D d, V x) {
  static constexpr float kLt5[9] = {2.81022636e-08f,  3.43273939e-07f, -3.5233877e-06f,
                                    -4.39150654e-06f, 0.00021858087f,  -0.00125372503f,
                                    -0.00417768164f,  0.246640727f,    1.50140941f};
  static constexpr float kGe5[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f,
                                    -0.00367342844f,  0.00573950773f,  -0.0076224613f,
                                    0.00943887047f,   1.00167406f,     2.83297682f};
  V w = hn::Neg(xla_log1pf(d, hn::Mul(x, hn::Neg(x))));
  auto lt = hn::Lt(w, hn::Set(d, 5.0f));
  w = hn::IfThenElse(lt, hn::Sub(w, hn::Set(d, 2.5f)), hn::Sub(hn::Sqrt(w), hn::Set(d, 3.0f)));
  V p = hn::IfThenElse(lt, hn::Set(d, kLt5[0]), hn::Set(d, kGe5[0]));
  for (int i = 1; i < 9; ++i) p = hn::MulAdd(p, w, hn::IfThenElse(lt, hn::Set(d, kLt5[i]), hn::Set(d, kGe5[i])));
  V r = hn::Mul(p, x);
  // XLA:CPU flushes denormal results to (signed) zero.
  return hn::IfThenElse(hn::Lt(hn::Abs(r), hn::Set(d, 0x1p-126f)), hn::And(r, hn::SignBit(d)), r);
}
#endif

template <class T>
struct Lim {
  static constexpr T kExpHi = sizeof(T) == 4 ? T(88.0) : T(708.0);
  static constexpr T kExpLo = sizeof(T) == 4 ? T(-87.0) : T(-707.0);
  static constexpr T kTrig = T(39000);
};

template <class T>
bool unary_t(UnaryOp op, const T* x, T* y, int64_t n) {
  using L = Lim<T>;
  auto all = [](auto d, auto v) { return hn::Not(hn::IsNaN(v)); };
  auto in_range = [](T lo, T hi) {
    return [lo, hi](auto d, auto v) {
      return hn::And(hn::Ge(v, hn::Set(d, lo)), hn::Le(v, hn::Set(d, hi)));
    };
  };
  auto finite = [](auto d, auto v) { return hn::IsFinite(v); };
  auto positive_normal = in_range(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  auto sc = [op](T v) { return scalar_unary_float<T>(op, v); };
  switch (op) {
    case UnaryOp::kNeg:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Neg(v); }, finite, sc);
      return true;
    case UnaryOp::kAbs:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Abs(v); }, finite, sc);
      return true;
    case UnaryOp::kFloor:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Floor(v); }, finite, sc);
      return true;
    case UnaryOp::kCeil:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Ceil(v); }, finite, sc);
      return true;
    case UnaryOp::kRoundEven:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Round(v); }, finite, sc);
      return true;
    case UnaryOp::kSqrt:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Sqrt(v); }, all, sc);
      return true;
    case UnaryOp::kRsqrt:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Div(hn::Set(d, T(1)), hn::Sqrt(v)); },
                   all, sc);
      return true;
    case UnaryOp::kExp:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Exp(d, v); },
                   in_range(L::kExpLo, L::kExpHi), sc);
      return true;
    case UnaryOp::kExpm1:
      // Highway's Expm1 and Sin return +0 for -0; f(+-0) = +-0 keeps the sign.
      map_unary<T>(x, y, n,
                   [](auto d, auto v) { return hn::IfThenElse(hn::Eq(v, hn::Zero(d)), v, hn::Expm1(d, v)); },
                   in_range(L::kExpLo, L::kExpHi), sc);
      return true;
    case UnaryOp::kLog:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Log(d, v); }, positive_normal, sc);
      return true;
    case UnaryOp::kLog1p:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Log1p(d, v); },
                   in_range(T(0), std::numeric_limits<T>::max()), sc);
      return true;
    case UnaryOp::kTanh:
      map_unary<T>(x, y, n, [](auto d, auto v) { return fast_tanh(d, v); }, finite, sc);
      return true;
    case UnaryOp::kLogistic:
      // 1 / (1 + exp(-x)), the formula JAX uses.
      map_unary<T>(x, y, n,
                   [](auto d, auto v) {
                     auto one = hn::Set(d, T(1));
                     return hn::Div(one, hn::Add(one, hn::Exp(d, hn::Neg(v))));
                   },
                   in_range(-L::kExpHi, -L::kExpLo), sc);
      return true;
    case UnaryOp::kSin:
      map_unary<T>(x, y, n,
                   [](auto d, auto v) { return hn::IfThenElse(hn::Eq(v, hn::Zero(d)), v, hn::Sin(d, v)); },
                   in_range(-L::kTrig, L::kTrig), sc);
      return true;
    case UnaryOp::kCos:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Cos(d, v); },
                   in_range(-L::kTrig, L::kTrig), sc);
      return true;
    case UnaryOp::kAsin:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Asin(d, v); }, in_range(T(-1), T(1)),
                   sc);
      return true;
    case UnaryOp::kAcos:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Acos(d, v); }, in_range(T(-1), T(1)),
                   sc);
      return true;
    case UnaryOp::kAtan:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Atan(d, v); }, finite, sc);
      return true;
    case UnaryOp::kSinh:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Sinh(d, v); },
                   in_range(L::kExpLo, L::kExpHi), sc);
      return true;
    case UnaryOp::kAsinh:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Asinh(d, v); }, finite, sc);
      return true;
    case UnaryOp::kAcosh:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Acosh(d, v); },
                   in_range(T(1), std::numeric_limits<T>::max()), sc);
      return true;
    case UnaryOp::kAtanh:
      map_unary<T>(x, y, n, [](auto d, auto v) { return hn::Atanh(d, v); },
                   in_range(T(-0.999), T(0.999)), sc);
      return true;
#if HWY_NATIVE_FMA
    case UnaryOp::kErfInv:
      if constexpr (sizeof(T) == 4) {
        // Lanes outside (-1, 1), NaN and denormal inputs take the scalar path.
        map_unary<T>(x, y, n, [](auto d, auto v) { return xla_erf_inv_f32(d, v); },
                     [](auto d, auto v) {
                       auto a = hn::Abs(v);
                       return hn::And(hn::Lt(a, hn::Set(d, T(1))), hn::Ge(a, hn::Set(d, T(0x1p-126f))));
                     },
                     sc);
        return true;
      }
      return false;
#endif
    default:
      return false;
  }
}

bool SimdUnary(UnaryOp op, DType dt, const void* x, void* y, int64_t n) {
  if (dt == float32) return unary_t<float>(op, static_cast<const float*>(x), static_cast<float*>(y), n);
  if (dt == float64) return unary_t<double>(op, static_cast<const double*>(x), static_cast<double*>(y), n);
  return false;
}

template <class T, class F>
void map_binary(const T* a, const T* b, T* out, int64_t n, bool as, bool bs, F f) {
  const hn::ScalableTag<T> d;
  const int64_t N = int64_t(hn::Lanes(d));
  int64_t i = 0;
  // Streaming stores only when the output is not also an input (accumulate).
  const bool stream = n * int64_t(sizeof(T)) >= kStreamBytes && out != a && out != b &&
                      reinterpret_cast<uintptr_t>(out) % (N * sizeof(T)) == 0;
  if (as) {
    auto va = hn::Set(d, a[0]);
    for (; i + N <= n; i += N) store_vec(d, f(d, va, hn::LoadU(d, b + i)), out + i, stream);
  } else if (bs) {
    auto vb = hn::Set(d, b[0]);
    for (; i + N <= n; i += N) store_vec(d, f(d, hn::LoadU(d, a + i), vb), out + i, stream);
  } else {
    for (; i + N <= n; i += N) {
      __builtin_prefetch(a + i + 4096 / sizeof(T));
      __builtin_prefetch(b + i + 4096 / sizeof(T));
      store_vec(d, f(d, hn::LoadU(d, a + i), hn::LoadU(d, b + i)), out + i, stream);
    }
  }
  if (stream) std::atomic_thread_fence(std::memory_order_seq_cst);  // orders the streaming stores
  for (; i < n; ++i) {
    auto va = hn::Set(d, a[as ? 0 : i]);
    auto vb = hn::Set(d, b[bs ? 0 : i]);
    out[i] = hn::GetLane(f(d, va, vb));
  }
}

template <class T>
bool binary_t(BinaryOp op, const T* a, const T* b, T* out, int64_t n, bool as, bool bs) {
  switch (op) {
    case BinaryOp::kAdd:
      map_binary<T>(a, b, out, n, as, bs, [](auto d, auto x, auto y) { return hn::Add(x, y); });
      return true;
    case BinaryOp::kSub:
      map_binary<T>(a, b, out, n, as, bs, [](auto d, auto x, auto y) { return hn::Sub(x, y); });
      return true;
    case BinaryOp::kMul:
      map_binary<T>(a, b, out, n, as, bs, [](auto d, auto x, auto y) { return hn::Mul(x, y); });
      return true;
    case BinaryOp::kDiv:
      map_binary<T>(a, b, out, n, as, bs, [](auto d, auto x, auto y) { return hn::Div(x, y); });
      return true;
    case BinaryOp::kMax:
      map_binary<T>(a, b, out, n, as, bs, [](auto d, auto x, auto y) { return vmax_jax(d, x, y); });
      return true;
    case BinaryOp::kMin:
      map_binary<T>(a, b, out, n, as, bs, [](auto d, auto x, auto y) { return vmin_jax(d, x, y); });
      return true;
    default:
      return false;
  }
}

bool SimdBinary(BinaryOp op, DType dt, const void* a, const void* b, void* out, int64_t n, bool as,
                bool bs) {
  if (dt == float32)
    return binary_t<float>(op, static_cast<const float*>(a), static_cast<const float*>(b),
                           static_cast<float*>(out), n, as, bs);
  if (dt == float64)
    return binary_t<double>(op, static_cast<const double*>(a), static_cast<const double*>(b),
                            static_cast<double*>(out), n, as, bs);
  return false;
}

// Row reductions with several independent accumulators; the order of
// additions depends only on r, never on threads.
template <class T>
void reduce_rows_t(ReduceOp op, const T* x, T* y, int64_t rows, int64_t r) {
  const hn::ScalableTag<T> d;
  const int64_t N = int64_t(hn::Lanes(d));
  for (int64_t row = 0; row < rows; ++row) {
    const T* p = x + row * r;
    T init = op == ReduceOp::kSum ? T(0)
             : op == ReduceOp::kMax ? -std::numeric_limits<T>::infinity()
                                    : std::numeric_limits<T>::infinity();
    auto comb = [&](auto a, auto b) {
      if (op == ReduceOp::kSum) return hn::Add(a, b);
      if (op == ReduceOp::kMax) return vmax_jax(d, a, b);
      return vmin_jax(d, a, b);
    };
    auto a0 = hn::Set(d, init), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 4 * N <= r; i += 4 * N) {
      a0 = comb(a0, hn::LoadU(d, p + i));
      a1 = comb(a1, hn::LoadU(d, p + i + N));
      a2 = comb(a2, hn::LoadU(d, p + i + 2 * N));
      a3 = comb(a3, hn::LoadU(d, p + i + 3 * N));
    }
    for (; i + N <= r; i += N) a0 = comb(a0, hn::LoadU(d, p + i));
    auto acc = comb(comb(a0, a1), comb(a2, a3));
    HWY_ALIGN T lanes[hn::MaxLanes(d)];
    hn::Store(acc, d, lanes);
    T s = init;
    auto comb1 = [&](T a, T b) { return hn::GetLane(comb(hn::Set(d, a), hn::Set(d, b))); };
    for (int64_t j = 0; j < N; ++j) s = comb1(s, lanes[j]);
    for (; i < r; ++i) s = comb1(s, p[i]);
    y[row] = s;
  }
}

bool SimdReduceRows(ReduceOp op, DType dt, const void* x, void* y, int64_t rows, int64_t r) {
  if (op != ReduceOp::kSum && op != ReduceOp::kMax && op != ReduceOp::kMin) return false;
  if (dt == float32) {
    reduce_rows_t<float>(op, static_cast<const float*>(x), static_cast<float*>(y), rows, r);
    return true;
  }
  if (dt == float64) {
    reduce_rows_t<double>(op, static_cast<const double*>(x), static_cast<double*>(y), rows, r);
    return true;
  }
  return false;
}

template <class T>
void accumulate_t(ReduceOp op, const T* x, T* y, int64_t n) {
  map_binary<T>(y, x, y, n, false, false, [op](auto d, auto a, auto b) {
    if (op == ReduceOp::kSum) return hn::Add(a, b);
    if (op == ReduceOp::kMax) return vmax_jax(d, a, b);
    return vmin_jax(d, a, b);
  });
}

bool SimdAccumulate(ReduceOp op, DType dt, const void* x, void* y, int64_t n) {
  if (op != ReduceOp::kSum && op != ReduceOp::kMax && op != ReduceOp::kMin) return false;
  if (dt == float32) {
    accumulate_t<float>(op, static_cast<const float*>(x), static_cast<float*>(y), n);
    return true;
  }
  if (dt == float64) {
    accumulate_t<double>(op, static_cast<const double*>(x), static_cast<double*>(y), n);
    return true;
  }
  return false;
}

}  // namespace jx::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace jx::cpu {
HWY_EXPORT(SimdUnary);
HWY_EXPORT(SimdBinary);
HWY_EXPORT(SimdReduceRows);
HWY_EXPORT(SimdAccumulate);

bool simd_unary(UnaryOp op, DType dt, const void* x, void* y, int64_t n) {
  return HWY_DYNAMIC_DISPATCH(SimdUnary)(op, dt, x, y, n);
}
bool simd_binary(BinaryOp op, DType dt, const void* a, const void* b, void* out, int64_t n,
                 bool a_scalar, bool b_scalar) {
  return HWY_DYNAMIC_DISPATCH(SimdBinary)(op, dt, a, b, out, n, a_scalar, b_scalar);
}
bool simd_reduce_rows(ReduceOp op, DType dt, const void* x, void* y, int64_t rows, int64_t r) {
  return HWY_DYNAMIC_DISPATCH(SimdReduceRows)(op, dt, x, y, rows, r);
}
bool simd_accumulate(ReduceOp op, DType dt, const void* x, void* y, int64_t n) {
  return HWY_DYNAMIC_DISPATCH(SimdAccumulate)(op, dt, x, y, n);
}
}  // namespace jx::cpu
#endif
