// Elementwise kernel drivers: pick the SIMD path for float32/float64, run
// float16/bfloat16 through float32 in cache-sized blocks, use the scalar
// templates for everything else, and split large arrays across the pool.
#include <cmath>
#include <cstring>
#include <vector>

#include "backend/cpu/kernels.h"
#include "backend/cpu/scalar_ops.h"
#include "backend/cpu/thread_pool.h"

namespace jx::cpu {

double lgamma_safe(double x) {
  int sign;
  return lgamma_r(x, &sign);
}

double digamma(double x) {
  // Reflection for negative x, recurrence up to x >= 6, then the asymptotic series.
  if (std::isnan(x) || x == -INFINITY) return NAN;
  if (x <= 0 && std::floor(x) == x) return NAN;
  double result = 0;
  if (x < 0) {
    // tan has period pi: reduce first so pi*x keeps its precision.
    result -= M_PI / std::tan(M_PI * (x - std::nearbyint(x)));
    x = 1 - x;
  }
  // Up to x >= 10, where the series below is accurate to ~1e-17 (at 6 its
  // first omitted term is 1.6e-13, over 100 ulps).
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  double f = 1 / (x * x);
  double t =
      f * (-1.0 / 12 +
           f * (1.0 / 120 +
                f * (-1.0 / 252 +
                     f * (1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760 + f * (-1.0 / 12)))))));
  return result + std::log(x) - 0.5 / x + t;
}

namespace {

template <class T>
constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

template <class T>
void unary_scalar_loop(UnaryOp op, const T* x, void* yv, int64_t n) {
  if (op == UnaryOp::kIsFinite) {
    bool* y = static_cast<bool*>(yv);
    for (int64_t i = 0; i < n; ++i) y[i] = std::isfinite(double(x[i]));
    return;
  }
  T* y = static_cast<T*>(yv);
  if constexpr (std::is_same_v<T, bool>) {
    for (int64_t i = 0; i < n; ++i) y[i] = op == UnaryOp::kNot ? !x[i] : x[i];
  } else if constexpr (std::is_floating_point_v<T>) {
    for (int64_t i = 0; i < n; ++i) y[i] = scalar_unary_float<T>(op, x[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = scalar_unary_int<T>(op, x[i]);
  }
}

// float16/bfloat16: widen a block to float32, compute, round back.
template <class H, class F>
void via_f32_blocks(int64_t n, F&& f) {
  constexpr int64_t kBlock = 1024;
  float a[kBlock], b[kBlock], c[kBlock];
  for (int64_t i = 0; i < n; i += kBlock) f(i, std::min(kBlock, n - i), a, b, c);
}

void unary_chunk(UnaryOp op, DType dt, const void* x, void* y, int64_t n) {
  if (op != UnaryOp::kIsFinite && simd_unary(op, dt, x, y, n)) return;
  dispatch_dtype(dt, [&]<class T>() {
    const T* xs = static_cast<const T*>(x);
    if constexpr (is_half_v<T>) {
      via_f32_blocks<T>(n, [&](int64_t i, int64_t m, float* a, float*, float* c) {
        for (int64_t j = 0; j < m; ++j) a[j] = float(xs[i + j]);
        if (op == UnaryOp::kIsFinite) {
          unary_scalar_loop<float>(op, a, static_cast<bool*>(y) + i, m);
          return;
        }
        if (!simd_unary(op, float32, a, c, m)) unary_scalar_loop<float>(op, a, c, m);
        T* ys = static_cast<T*>(y) + i;
        for (int64_t j = 0; j < m; ++j) ys[j] = T(c[j]);
      });
    } else {
      unary_scalar_loop<T>(op, xs, y, n);
    }
  });
}

template <class T>
void binary_scalar_loop(BinaryOp op, const T* a, const T* b, void* outv, int64_t n, bool as,
                        bool bs) {
  int64_t sa = as ? 0 : 1, sb = bs ? 0 : 1;
  if (is_comparison(op)) {
    bool* out = static_cast<bool*>(outv);
    for (int64_t i = 0; i < n; ++i) out[i] = scalar_compare<T>(op, a[i * sa], b[i * sb]);
    return;
  }
  T* out = static_cast<T*>(outv);
  if constexpr (std::is_same_v<T, bool>) {
    for (int64_t i = 0; i < n; ++i) out[i] = scalar_binary_bool(op, a[i * sa], b[i * sb]);
  } else if constexpr (std::is_floating_point_v<T>) {
    for (int64_t i = 0; i < n; ++i) out[i] = scalar_binary_float<T>(op, a[i * sa], b[i * sb]);
  } else {
    // One loop per op with the op a compile-time constant, so the switch in
    // scalar_binary_int folds away and the compiler vectorizes each loop.
    auto run = [&]<BinaryOp Op>() {
      if (!as && !bs) {
        for (int64_t i = 0; i < n; ++i) out[i] = scalar_binary_int<T>(Op, a[i], b[i]);
      } else if (as) {
        const T x = a[0];
        for (int64_t i = 0; i < n; ++i) out[i] = scalar_binary_int<T>(Op, x, b[i * sb]);
      } else {
        const T y = b[0];
        for (int64_t i = 0; i < n; ++i) out[i] = scalar_binary_int<T>(Op, a[i], y);
      }
    };
    switch (op) {
      case BinaryOp::kAdd:
        return run.template operator()<BinaryOp::kAdd>();
      case BinaryOp::kSub:
        return run.template operator()<BinaryOp::kSub>();
      case BinaryOp::kMul:
        return run.template operator()<BinaryOp::kMul>();
      case BinaryOp::kDiv:
        return run.template operator()<BinaryOp::kDiv>();
      case BinaryOp::kRem:
        return run.template operator()<BinaryOp::kRem>();
      case BinaryOp::kMax:
        return run.template operator()<BinaryOp::kMax>();
      case BinaryOp::kMin:
        return run.template operator()<BinaryOp::kMin>();
      case BinaryOp::kAnd:
        return run.template operator()<BinaryOp::kAnd>();
      case BinaryOp::kOr:
        return run.template operator()<BinaryOp::kOr>();
      case BinaryOp::kXor:
        return run.template operator()<BinaryOp::kXor>();
      case BinaryOp::kShiftLeft:
        return run.template operator()<BinaryOp::kShiftLeft>();
      case BinaryOp::kShiftRightLogical:
        return run.template operator()<BinaryOp::kShiftRightLogical>();
      case BinaryOp::kShiftRightArithmetic:
        return run.template operator()<BinaryOp::kShiftRightArithmetic>();
      default:
        for (int64_t i = 0; i < n; ++i) out[i] = scalar_binary_int<T>(op, a[i * sa], b[i * sb]);
    }
  }
}

float nextafter_half_as_float(DType dt, float a, float b) {
  // Step by one unit in the 16-bit format.
  if (std::isnan(a) || std::isnan(b)) return a + b;
  if (a == b) return b;
  auto step = [&](uint16_t bits) -> float {
    return dt == float16 ? float(float16_t::from_bits(bits)) : float(bfloat16_t::from_bits(bits));
  };
  uint16_t bits = dt == float16 ? float16_t(a).bits : bfloat16_t(a).bits;
  if (a == 0) return step(uint16_t((b > 0 ? 0 : 0x8000) | 1));
  bool up = (b > a) == (a > 0);
  return step(uint16_t(up ? bits + 1 : bits - 1));
}

void binary_chunk(BinaryOp op, DType dt, const void* a, const void* b, void* out, int64_t n,
                  bool as, bool bs) {
  if (!is_comparison(op) && simd_binary(op, dt, a, b, out, n, as, bs)) return;
  dispatch_dtype(dt, [&]<class T>() {
    const T* x = static_cast<const T*>(a);
    const T* y = static_cast<const T*>(b);
    if constexpr (is_half_v<T>) {
      via_f32_blocks<T>(n, [&](int64_t i, int64_t m, float* fa, float* fb, float* fc) {
        for (int64_t j = 0; j < m; ++j) fa[j] = float(x[as ? 0 : i + j]);
        for (int64_t j = 0; j < m; ++j) fb[j] = float(y[bs ? 0 : i + j]);
        if (is_comparison(op)) {
          binary_scalar_loop<float>(op, fa, fb, static_cast<bool*>(out) + i, m, false, false);
          return;
        }
        if (op == BinaryOp::kNextafter) {
          for (int64_t j = 0; j < m; ++j) fc[j] = nextafter_half_as_float(dt, fa[j], fb[j]);
        } else if (!simd_binary(op, float32, fa, fb, fc, m, false, false)) {
          binary_scalar_loop<float>(op, fa, fb, fc, m, false, false);
        }
        T* o = static_cast<T*>(out) + i;
        for (int64_t j = 0; j < m; ++j) o[j] = T(fc[j]);
      });
    } else {
      binary_scalar_loop<T>(op, x, y, out, n, as, bs);
    }
  });
}

}  // namespace

void unary(UnaryOp op, DType dt, const void* x, void* y, int64_t n) {
  int ein = dt.itemsize();
  int eout = op == UnaryOp::kIsFinite ? 1 : ein;
  parallel_chunks(n, kElementwiseGrain, [&](int64_t lo, int64_t hi) {
    unary_chunk(op, dt, static_cast<const char*>(x) + lo * ein, static_cast<char*>(y) + lo * eout,
                hi - lo);
  });
}

void binary(BinaryOp op, DType dt, const void* a, const void* b, void* out, int64_t n,
            bool a_scalar, bool b_scalar) {
  int e = dt.itemsize();
  int eout = is_comparison(op) ? 1 : e;
  parallel_chunks(n, kElementwiseGrain, [&](int64_t lo, int64_t hi) {
    binary_chunk(op, dt, static_cast<const char*>(a) + (a_scalar ? 0 : lo * e),
                 static_cast<const char*>(b) + (b_scalar ? 0 : lo * e),
                 static_cast<char*>(out) + lo * eout, hi - lo, a_scalar, b_scalar);
  });
}

void integer_pow(DType dt, const void* x, void* y, int64_t n, int64_t p) {
  dispatch_dtype(dt, [&]<class T>() {
    const T* xs = static_cast<const T*>(x);
    T* ys = static_cast<T*>(y);
    parallel_chunks(n, kElementwiseGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        if constexpr (std::is_same_v<T, bool>) {
          ys[i] = p == 0 ? true : xs[i];
        } else if constexpr (std::is_integral_v<T>) {
          // Square-and-multiply in the unsigned type: wraps like XLA.
          using U = std::make_unsigned_t<T>;
          U base = U(xs[i]), acc = 1;
          for (int64_t e = p; e > 0; e >>= 1) {
            if (e & 1) acc = U(acc * base);
            base = U(base * base);
          }
          ys[i] = T(acc);
        } else {
          using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
          C base = C(xs[i]), acc = 1;
          int64_t e = p < 0 ? -p : p;
          for (; e > 0; e >>= 1) {
            if (e & 1) acc *= base;
            base *= base;
          }
          ys[i] = T(p < 0 ? C(1) / acc : acc);
        }
      }
    });
  });
}

namespace {
// Rounds a double straight to a 16-bit float (one rounding, to nearest even);
// going through float32 would round twice.
template <class H>
H half_from_double(double v) {
  if (std::isnan(v) || std::isinf(v)) return H(float(v));
  constexpr bool kIsF16 = std::is_same_v<H, float16_t>;
  constexpr int kMantBits = kIsF16 ? 10 : 7;
  constexpr int kMinExp = kIsF16 ? -14 : -126;  // exponent of the smallest normal
  constexpr double kMax = kIsF16 ? 65504.0 : 3.3895313892515355e38;
  double a = std::fabs(v);
  if (a == 0) return H(float(v));
  int e;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  int exp2 = std::max(e - 1, kMinExp);
  double quantum = std::ldexp(1.0, exp2 - kMantBits);
  double r = std::nearbyint(a / quantum) * quantum;  // exact scaling, ties to even
  if (r > kMax) r = INFINITY;
  return H(float(std::copysign(r, v)));
}

template <class To, class From>
To convert_one(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    if constexpr (is_half_v<From>)
      return float(v) != 0.0f || std::isnan(float(v));
    else if constexpr (std::is_floating_point_v<From>)
      return v != 0 || std::isnan(v);
    else
      return v != 0;
  } else if constexpr (is_half_v<To>) {
    if constexpr (is_half_v<From> || std::is_same_v<From, float> || std::is_same_v<From, bool>)
      return To(float(v));
    else if constexpr (std::is_integral_v<From> && sizeof(From) <= 2)
      return To(float(v));  // exact in float
    else
      return half_from_double<To>(double(v));
  } else if constexpr (std::is_floating_point_v<To>) {
    if constexpr (is_half_v<From>)
      return To(float(v));
    else
      return To(v);
  } else {  // integer target
    if constexpr (std::is_same_v<From, bool>) {
      return To(v ? 1 : 0);
    } else if constexpr (is_half_v<From> || std::is_floating_point_v<From>) {
      // Saturating, NaN -> 0 (what XLA:CPU produces).
      double d = is_half_v<From> ? double(float(v)) : double(v);
      if (std::isnan(d)) return To(0);
      constexpr double lo = double(std::numeric_limits<To>::min());
      constexpr double hi = double(std::numeric_limits<To>::max());
      if (d <= lo) return std::numeric_limits<To>::min();
      if (d >= hi) return std::numeric_limits<To>::max();
      return To(d);
    } else {
      return To(std::make_unsigned_t<To>(v));  // wrap modulo 2^bits
    }
  }
}
}  // namespace

void convert(DType from, const void* x, DType to, void* y, int64_t n) {
  if (from == to) {
    std::memcpy(y, x, size_t(n) * size_t(from.itemsize()));
    return;
  }
  dispatch_dtype(from, [&]<class F>() {
    dispatch_dtype(to, [&]<class T>() {
      const F* xs = static_cast<const F*>(x);
      T* ys = static_cast<T*>(y);
      parallel_chunks(n, kElementwiseGrain, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) ys[i] = convert_one<T, F>(xs[i]);
      });
    });
  });
}

void select_n(DType which_dt, const void* which, std::span<const void* const> cases, int esize,
              void* out, int64_t n) {
  auto idx = [&](int64_t i) -> int64_t {
    return which_dt == bool_ ? int64_t(static_cast<const bool*>(which)[i])
                             : int64_t(static_cast<const int32_t*>(which)[i]);
  };
  char* o = static_cast<char*>(out);
  parallel_chunks(n, kElementwiseGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      int64_t c = idx(i);
      // Out-of-range predicates pick the nearest case, as XLA's nested selects do.
      c = c < 0 ? 0 : c >= int64_t(cases.size()) ? int64_t(cases.size()) - 1 : c;
      std::memcpy(o + i * esize, static_cast<const char*>(cases[size_t(c)]) + i * esize,
                  size_t(esize));
    }
  });
}

void clamp(DType dt, const void* lo, bool lo_scalar, const void* x, const void* hi, bool hi_scalar,
           void* out, int64_t n) {
  dispatch_dtype(dt, [&]<class T>() {
    const T* l = static_cast<const T*>(lo);
    const T* h = static_cast<const T*>(hi);
    const T* xs = static_cast<const T*>(x);
    T* o = static_cast<T*>(out);
    parallel_chunks(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        if constexpr (is_half_v<T>) {
          float v = jax_min(jax_max(float(xs[i]), float(l[lo_scalar ? 0 : i])),
                            float(h[hi_scalar ? 0 : i]));
          o[i] = T(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          o[i] = (xs[i] || l[lo_scalar ? 0 : i]) && h[hi_scalar ? 0 : i];
        } else {
          o[i] = jax_min(jax_max(xs[i], l[lo_scalar ? 0 : i]), h[hi_scalar ? 0 : i]);
        }
      }
    });
  });
}

}  // namespace jx::cpu
