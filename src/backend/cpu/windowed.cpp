// Windowed and cumulative kernels: reduce_window (sum/max/min), the
// select-and-scatter / select-and-gather pair behind the derivative of max
// and min pooling, and prefix scans along one axis.
//
// A window geometry is resolved once into per-dimension tap lists: for each
// output position along dimension d, the input offsets its window reads
// (padding and base-dilation holes are simply absent: they hold the init
// value, which never changes a reduction). An output element then walks the
// product of its dimensions' lists in row-major window order, which is the
// order XLA's select uses ("first maximum wins").
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include "backend/cpu/scalar_ops.h"
#include "backend/cpu/thread_pool.h"
#include "jx/dtype.h"

namespace jx::cpu {

/// The window geometry of a reduce_window-like op (one entry per dimension).
struct WindowGeometry {
  std::vector<int64_t> in_shape, out_shape, window, strides, pad_lo, base_dilation, window_dilation;
};
enum class WindowKind : uint8_t { kSum, kMax, kMin };
enum class CumKind : uint8_t { kSum, kProd, kMax, kMin, kLogSumExp };

namespace {

template <class T>
constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;
// Arithmetic happens in float for the 16-bit floats, rounded back per result.
template <class T>
using Acc = std::conditional_t<is_half_v<T>, float, T>;

struct Taps {
  // taps of output position o along one dimension: offs[start[o] .. start[o + 1])
  std::vector<int64_t> start, offs;
};

std::vector<Taps> make_taps(const WindowGeometry& g) {
  size_t nd = g.in_shape.size();
  std::vector<int64_t> in_stride(nd, 1);
  for (size_t d = nd; d-- > 1;) in_stride[d - 1] = in_stride[d] * g.in_shape[d];
  std::vector<Taps> taps(nd);
  for (size_t d = 0; d < nd; ++d) {
    int64_t n = g.in_shape[d];
    int64_t dilated = n == 0 ? 0 : (n - 1) * g.base_dilation[d] + 1;
    Taps& t = taps[d];
    t.start.push_back(0);
    for (int64_t o = 0; o < g.out_shape[d]; ++o) {
      for (int64_t w = 0; w < g.window[d]; ++w) {
        int64_t q = o * g.strides[d] + w * g.window_dilation[d] - g.pad_lo[d];
        if (q < 0 || q >= dilated || q % g.base_dilation[d] != 0) continue;
        t.offs.push_back(q / g.base_dilation[d] * in_stride[d]);
      }
      t.start.push_back(int64_t(t.offs.size()));
    }
  }
  return taps;
}

// Calls visit(out_index, tap_offsets_walker) for every output element in
// [lo, hi): walk(f) calls f(input offset) for each tap in row-major order.
template <class Visit>
void for_windows(const WindowGeometry& g, const std::vector<Taps>& taps, int64_t lo, int64_t hi,
                 Visit&& visit) {
  size_t nd = g.out_shape.size();
  std::vector<int64_t> idx(nd, 0), cur(nd, 0), base(nd, 0);
  int64_t rest = lo;
  for (size_t d = nd; d-- > 0;) {
    idx[d] = g.out_shape[d] ? rest % g.out_shape[d] : 0;
    rest = g.out_shape[d] ? rest / g.out_shape[d] : 0;
  }
  for (int64_t e = lo; e < hi; ++e) {
    auto walk = [&](auto&& f) {
      bool empty = false;
      for (size_t d = 0; d < nd; ++d) {
        cur[d] = taps[d].start[size_t(idx[d])];
        empty = empty || cur[d] == taps[d].start[size_t(idx[d]) + 1];
      }
      if (empty) return;
      while (true) {
        int64_t off = 0;
        for (size_t d = 0; d < nd; ++d) off += taps[d].offs[size_t(cur[d])];
        f(off);
        size_t d = nd;
        while (d-- > 0) {
          if (++cur[d] < taps[d].start[size_t(idx[d]) + 1]) break;
          cur[d] = taps[d].start[size_t(idx[d])];
        }
        if (d == size_t(-1)) return;
      }
    };
    if (nd == 0) {
      auto walk0 = [&](auto&& f) { f(int64_t(0)); };
      visit(e, walk0);
    } else {
      visit(e, walk);
    }
    for (size_t d = nd; d-- > 0;) {
      if (++idx[d] < g.out_shape[d]) break;
      idx[d] = 0;
    }
  }
}

int64_t numel(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

template <class T>
Acc<T> window_init(WindowKind k) {
  using A = Acc<T>;
  if (k == WindowKind::kSum) return A(0);
  if constexpr (std::is_same_v<T, bool>)
    return k == WindowKind::kMin;
  else if constexpr (std::is_floating_point_v<A>)
    return k == WindowKind::kMax ? -std::numeric_limits<A>::infinity()
                                 : std::numeric_limits<A>::infinity();
  else
    return k == WindowKind::kMax ? std::numeric_limits<A>::lowest() : std::numeric_limits<A>::max();
}

template <class T>
Acc<T> window_combine(WindowKind k, Acc<T> a, Acc<T> b) {
  using A = Acc<T>;
  if constexpr (std::is_same_v<T, bool>) {
    return k == WindowKind::kMin ? (a && b) : (a || b);
  } else if constexpr (std::is_integral_v<A>) {
    using U = std::make_unsigned_t<A>;
    if (k == WindowKind::kSum) return A(U(a) + U(b));
    return k == WindowKind::kMax ? (a > b ? a : b) : (a < b ? a : b);
  } else {
    if (k == WindowKind::kSum) return a + b;
    return k == WindowKind::kMax ? jax_max(a, b) : jax_min(a, b);
  }
}

// The input offset a select (first max / first min, XLA's ge / le) picks in
// one window, or -1 when the window holds only padding.
template <class T, class Walk>
int64_t select_in_window(bool is_max, const T* x, Walk&& walk) {
  int64_t best = -1;
  Acc<T> bv{};
  walk([&](int64_t off) {
    Acc<T> v = Acc<T>(x[off]);
    if (best < 0 || (is_max ? !(bv >= v) : !(bv <= v))) {
      best = off;
      bv = v;
    }
  });
  return best;
}

constexpr int64_t kWindowGrain = 1 << 12;

}  // namespace

/// y = reduce_window(x) with the op's init value.
void reduce_window(WindowKind k, DType dt, const void* x, void* y, const WindowGeometry& g) {
  std::vector<Taps> taps = make_taps(g);
  dispatch_dtype(dt, [&]<class T>() {
    const T* xs = static_cast<const T*>(x);
    T* ys = static_cast<T*>(y);
    parallel_chunks(numel(g.out_shape), kWindowGrain, [&](int64_t lo, int64_t hi) {
      for_windows(g, taps, lo, hi, [&](int64_t e, auto&& walk) {
        Acc<T> acc = window_init<T>(k);
        walk([&](int64_t off) { acc = window_combine<T>(k, acc, Acc<T>(xs[off])); });
        ys[e] = T(acc);
      });
    });
  });
}

/// out (operand's shape, zeroed here) += source at each window's selected
/// element of `operand`; source has the window output's shape.
void select_and_scatter_add(bool is_max, DType dt, const void* source, const void* operand,
                            void* out, const WindowGeometry& g) {
  std::vector<Taps> taps = make_taps(g);
  dispatch_dtype(dt, [&]<class T>() {
    const T* s = static_cast<const T*>(source);
    const T* x = static_cast<const T*>(operand);
    T* o = static_cast<T*>(out);
    int64_t n_in = numel(g.in_shape);
    std::vector<Acc<T>> acc(size_t(n_in), Acc<T>(0));
    // Windows overlap, so the scatter runs serially (deterministic order).
    for_windows(g, taps, 0, numel(g.out_shape), [&](int64_t e, auto&& walk) {
      int64_t best = select_in_window<T>(is_max, x, walk);
      if (best >= 0)
        acc[size_t(best)] = window_combine<T>(WindowKind::kSum, acc[size_t(best)], Acc<T>(s[e]));
    });
    for (int64_t i = 0; i < n_in; ++i) o[i] = T(acc[size_t(i)]);
  });
}

/// out (the window output's shape) = tangent at each window's selected
/// element of `operand` (0 for an all-padding window).
void select_and_gather_add(bool is_max, DType dt, const void* tangent, const void* operand,
                           void* out, const WindowGeometry& g) {
  std::vector<Taps> taps = make_taps(g);
  dispatch_dtype(dt, [&]<class T>() {
    const T* t = static_cast<const T*>(tangent);
    const T* x = static_cast<const T*>(operand);
    T* o = static_cast<T*>(out);
    parallel_chunks(numel(g.out_shape), kWindowGrain, [&](int64_t lo, int64_t hi) {
      for_windows(g, taps, lo, hi, [&](int64_t e, auto&& walk) {
        int64_t best = select_in_window<T>(is_max, x, walk);
        o[e] = best >= 0 ? t[best] : T(Acc<T>(0));
      });
    });
  });
}

namespace {

template <class T>
Acc<T> cum_combine(CumKind k, Acc<T> a, Acc<T> b) {
  using A = Acc<T>;
  if constexpr (std::is_same_v<T, bool>) {
    return k == CumKind::kMin || k == CumKind::kProd ? (a && b) : (a || b);
  } else if constexpr (std::is_integral_v<A>) {
    using U = std::make_unsigned_t<A>;
    switch (k) {
      case CumKind::kSum:
        return A(U(a) + U(b));
      case CumKind::kProd:
        return A(U(a) * U(b));
      case CumKind::kMax:
        return a > b ? a : b;
      default:
        return a < b ? a : b;
    }
  } else {
    switch (k) {
      case CumKind::kSum:
        return a + b;
      case CumKind::kProd:
        return a * b;
      case CumKind::kMax:
        return jax_max(a, b);
      case CumKind::kMin:
        return jax_min(a, b);
      case CumKind::kLogSumExp: {
        // jnp.logaddexp: inf - inf and NaN fall back to a + b.
        A amax = jax_max(a, b), delta = a - b;
        if (std::isnan(delta)) return a + b;
        return amax + std::log1p(std::exp(-std::fabs(delta)));
      }
    }
    return a;
  }
}

}  // namespace

/// Inclusive scan along the middle axis of [outer, n, inner] (from the end
/// when reverse).
void cumulative(CumKind k, DType dt, const void* x, void* y, int64_t outer, int64_t n,
                int64_t inner, bool reverse) {
  if (outer * n * inner == 0) return;
  dispatch_dtype(dt, [&]<class T>() {
    const T* xs = static_cast<const T*>(x);
    T* ys = static_cast<T*>(y);
    const int64_t chunk = std::min<int64_t>(inner, 1024);
    int64_t nchunks = (inner + chunk - 1) / chunk;
    int64_t grain = std::max<int64_t>(1, (int64_t(1) << 14) / (n * chunk));
    parallel_chunks(outer * nchunks, grain, [&](int64_t t0, int64_t t1) {
      // The running values stay in Acc<T> (float for the 16-bit floats, as
      // XLA accumulates them); each output is rounded once.
      std::vector<Acc<T>> acc(static_cast<size_t>(chunk));
      for (int64_t task = t0; task < t1; ++task) {
        int64_t o = task / nchunks, c = task % nchunks;
        int64_t lo = c * chunk, m = std::min(inner, lo + chunk) - lo;
        const T* xo = xs + o * n * inner + lo;
        T* yo = ys + o * n * inner + lo;
        for (int64_t s = 0; s < n; ++s) {
          int64_t r = reverse ? n - 1 - s : s;
          const T* xr = xo + r * inner;
          T* yr = yo + r * inner;
          for (int64_t j = 0; j < m; ++j) {
            Acc<T> v = Acc<T>(xr[j]);
            acc[size_t(j)] = s == 0 ? v : cum_combine<T>(k, acc[size_t(j)], v);
            yr[j] = T(acc[size_t(j)]);
          }
        }
      }
    });
  });
}

}  // namespace jx::cpu
