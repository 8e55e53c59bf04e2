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
//
// The fast plan (pooling as CNNs use it): leading and trailing dimensions
// that the window does not touch (size-1 window, stride 1, no padding or
// dilation) are split off, and the taps of the middle dimensions are listed
// once per middle output position. An element is then a short loop over a
// flat offset table, vectorized over the trailing run; slices of the
// leading dimensions are independent, so even the overlapping-window
// scatter runs them in parallel, each in the generic path's order (same
// bits for any thread count).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
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

// ---------------------------------------------------------------- fast plan
struct Plan {
  int64_t outer = 1;                // product of the leading untouched dims
  int64_t inner = 1;                // product of the trailing untouched dims
  int64_t in_mid = 1, out_mid = 1;  // middle elements per slice (times inner: slice size)
  std::vector<int64_t> start;  // taps of middle output position m: offs[start[m] .. start[m+1])
  std::vector<int64_t> offs;   // input offsets within a slice, in elements
  bool disjoint = false;       // no input element is in two windows
  int64_t max_taps = 0;        // most taps of one window
};

bool untouched(const WindowGeometry& g, size_t d) {
  return g.window[d] == 1 && g.strides[d] == 1 && g.pad_lo[d] == 0 && g.base_dilation[d] == 1 &&
         g.out_shape[d] == g.in_shape[d];
}

// The plan, or nothing when the tap table would be too large.
std::optional<Plan> make_plan(const WindowGeometry& g) {
  const size_t nd = g.in_shape.size();
  if (numel(g.in_shape) == 0 || numel(g.out_shape) == 0) return std::nullopt;
  size_t lo = 0, hi = nd;
  while (lo < nd && untouched(g, lo)) ++lo;
  while (hi > lo && untouched(g, hi - 1)) --hi;
  Plan p;
  for (size_t d = 0; d < lo; ++d) p.outer *= g.in_shape[d];
  for (size_t d = hi; d < nd; ++d) p.inner *= g.in_shape[d];
  std::vector<size_t> mid;
  for (size_t d = lo; d < hi; ++d) {
    mid.push_back(d);
    p.in_mid *= g.in_shape[d];
    p.out_mid *= g.out_shape[d];
  }
  int64_t taps_bound = p.out_mid;
  for (size_t d : mid) taps_bound *= g.window[d];
  if (taps_bound > (int64_t(1) << 22)) return std::nullopt;
  // Per-dim tap lists scaled by the trailing run (make_taps' strides are
  // those of the whole operand, which already include it).
  std::vector<Taps> taps = make_taps(g);
  p.disjoint = true;
  for (size_t d : mid)
    p.disjoint = p.disjoint && g.base_dilation[d] == 1 &&
                 g.strides[d] >= (g.window[d] - 1) * g.window_dilation[d] + 1;
  p.start.reserve(size_t(p.out_mid) + 1);
  p.start.push_back(0);
  std::vector<int64_t> idx(mid.size(), 0), cur(mid.size(), 0);
  for (int64_t m = 0; m < p.out_mid; ++m) {
    bool empty = false;
    for (size_t k = 0; k < mid.size(); ++k) {
      const Taps& t = taps[mid[k]];
      cur[k] = t.start[size_t(idx[k])];
      empty = empty || cur[k] == t.start[size_t(idx[k]) + 1];
    }
    while (!empty) {
      int64_t off = 0;
      for (size_t k = 0; k < mid.size(); ++k) off += taps[mid[k]].offs[size_t(cur[k])];
      p.offs.push_back(off);
      size_t k = mid.size();
      while (k-- > 0) {
        const Taps& t = taps[mid[k]];
        if (++cur[k] < t.start[size_t(idx[k]) + 1]) break;
        cur[k] = t.start[size_t(idx[k])];
      }
      if (k == size_t(-1)) break;
    }
    p.start.push_back(int64_t(p.offs.size()));
    p.max_taps = std::max(p.max_taps, p.start[size_t(m) + 1] - p.start[size_t(m)]);
    for (size_t k = mid.size(); k-- > 0;) {
      if (++idx[k] < g.out_shape[mid[k]]) break;
      idx[k] = 0;
    }
  }
  return p;
}

// Rows of the plan: (slice, middle output position); each covers `inner`
// contiguous output elements. The grain keeps chunks near kWindowGrain.
int64_t row_grain(const Plan& p) { return std::max<int64_t>(1, kWindowGrain / p.inner); }

// Calls f(row, slice base in the input, middle position) for rows [r0, r1).
template <class F>
void for_rows(const Plan& p, int64_t r0, int64_t r1, F&& f) {
  int64_t s = r0 / p.out_mid, m = r0 % p.out_mid;
  for (int64_t r = r0; r < r1; ++r) {
    f(r, s * p.in_mid * p.inner, m);
    if (++m == p.out_mid) {
      m = 0;
      ++s;
    }
  }
}

// window_combine without branches for the floating types (the same values:
// NaN wins as a + b, max prefers +0 and min -0 on equal zeros).
template <class T>
inline Acc<T> combine_fast(WindowKind k, Acc<T> a, Acc<T> b) {
  using A = Acc<T>;
  if constexpr (std::is_same_v<A, float> || std::is_same_v<A, double>) {
    if (k == WindowKind::kSum) return a + b;
    using U = std::conditional_t<std::is_same_v<A, float>, uint32_t, uint64_t>;
    // Masks rather than ?: so that the compiler emits no branches (random
    // data would mispredict half of them).
    const U ua = std::bit_cast<U>(a), ub = std::bit_cast<U>(b);
    const U pick_a = U(0) - U(k == WindowKind::kMax ? a > b : a < b);
    const U equal = U(0) - U(a == b);
    const U nan = U(0) - U((a != a) | (b != b));
    U r = (ua & pick_a) | (ub & ~pick_a);
    r = (equal & (k == WindowKind::kMax ? (ua & ub) : (ua | ub))) | (~equal & r);
    r = (nan & std::bit_cast<U>(A(a + b))) | (~nan & r);
    return std::bit_cast<A>(r);
  } else {
    return window_combine<T>(k, a, b);
  }
}

// With one element per row (inner == 1, e.g. NCHW pooling), rows go in
// blocks of kBlock: their taps are loaded into v[t * kBlock + j] (row j's
// tap t, `fill` past its last tap; nt[j] = its tap count), and the combine
// then runs across the block's rows, which vectorizes.
constexpr int64_t kBlock = 64;
template <class T>
void load_block(const Plan& p, const T* x, int64_t r0, int64_t n, Acc<T> fill, Acc<T>* v,
                int32_t* nt, int64_t* base) {
  int64_t j = 0;
  for_rows(p, r0, r0 + n, [&](int64_t, int64_t b, int64_t m) {
    const int64_t* t0 = p.offs.data() + p.start[size_t(m)];
    const int64_t c = p.start[size_t(m) + 1] - p.start[size_t(m)];
    for (int64_t t = 0; t < c; ++t) v[t * kBlock + j] = Acc<T>(x[b + t0[t]]);
    for (int64_t t = c; t < p.max_taps; ++t) v[t * kBlock + j] = fill;
    nt[j] = int32_t(c);
    base[j] = b;
    ++j;
  });
}

template <class T>
void plan_reduce(WindowKind k, const Plan& p, const T* x, T* y) {
  using A = Acc<T>;
  const A init = window_init<T>(k);
  if (p.inner == 1) {
    parallel_chunks(p.outer * p.out_mid, row_grain(p), [&](int64_t r0, int64_t r1) {
      std::unique_ptr<A[]> v(new A[size_t(std::max<int64_t>(1, p.max_taps) * kBlock)]);
      A acc[kBlock];
      int32_t nt[kBlock];
      int64_t base[kBlock];
      for (int64_t b0 = r0; b0 < r1; b0 += kBlock) {
        const int64_t n = std::min(kBlock, r1 - b0);
        // Taps past a row's count hold init, which changes no reduction.
        load_block<T>(p, x, b0, n, init, v.get(), nt, base);
        for (int64_t j = 0; j < kBlock; ++j) acc[j] = init;
        for (int64_t t = 0; t < p.max_taps; ++t) {
          const A* vt = v.get() + t * kBlock;
          for (int64_t j = 0; j < kBlock; ++j) acc[j] = combine_fast<T>(k, acc[j], vt[j]);
        }
        for (int64_t j = 0; j < n; ++j) y[b0 + j] = T(acc[j]);
      }
    });
    return;
  }
  parallel_chunks(p.outer * p.out_mid, row_grain(p), [&](int64_t r0, int64_t r1) {
    std::unique_ptr<A[]> acc(new A[size_t(p.inner)]);
    for_rows(p, r0, r1, [&](int64_t r, int64_t base, int64_t m) {
      const T* xs = x + base;
      T* yr = y + r * p.inner;
      const int64_t* t0 = p.offs.data() + p.start[size_t(m)];
      const int64_t nt = p.start[size_t(m) + 1] - p.start[size_t(m)];
      A* ac = acc.get();
      for (int64_t j = 0; j < p.inner; ++j) ac[j] = init;
      for (int64_t t = 0; t < nt; ++t) {
        const T* xt = xs + t0[t];
        for (int64_t j = 0; j < p.inner; ++j) ac[j] = combine_fast<T>(k, ac[j], A(xt[j]));
      }
      for (int64_t j = 0; j < p.inner; ++j) yr[j] = T(ac[j]);
    });
  });
}

// The selected input offset (within the slice) of middle position m's
// element j, or -1: the first maximum (minimum) as XLA's ge (le) select.
template <class T>
inline int64_t plan_select(bool is_max, const Plan& p, const T* xs, int64_t m, int64_t j) {
  const int64_t* t0 = p.offs.data() + p.start[size_t(m)];
  const int64_t nt = p.start[size_t(m) + 1] - p.start[size_t(m)];
  if (nt == 0) return -1;
  int64_t best = t0[0] + j;
  Acc<T> bv = Acc<T>(xs[best]);
  for (int64_t t = 1; t < nt; ++t) {
    const int64_t off = t0[t] + j;
    const Acc<T> v = Acc<T>(xs[off]);
    const bool take = is_max ? !(bv >= v) : !(bv <= v);
    const int64_t mask = -int64_t(take);
    best = (off & mask) | (best & ~mask);
    bv = take ? v : bv;
  }
  return best;
}

// The selected tap of each row of a loaded block (-1: none). int32 lanes
// and a compile-time select keep the loop vectorizable.
template <bool IsMax, class A>
void select_block(int64_t max_taps, const A* v, const int32_t* nt, int32_t* best) {
  A bv[kBlock];
  for (int64_t j = 0; j < kBlock; ++j) {
    bv[j] = v[j];
    best[j] = nt[j] > 0 ? 0 : -1;
  }
  for (int32_t t = 1; t < int32_t(max_taps); ++t) {
    const A* vt = v + t * kBlock;
    if constexpr (std::is_same_v<A, float> || std::is_same_v<A, double>) {
      using U = std::conditional_t<std::is_same_v<A, float>, uint32_t, uint64_t>;
      for (int64_t j = 0; j < kBlock; ++j) {
        const bool better = IsMax ? !(bv[j] >= vt[j]) : !(bv[j] <= vt[j]);
        const U take = U(0) - U(int32_t(t < nt[j]) & int32_t(better));
        best[j] = int32_t((U(t) & take) | (U(uint32_t(best[j])) & ~take));
        bv[j] =
            std::bit_cast<A>((std::bit_cast<U>(vt[j]) & take) | (std::bit_cast<U>(bv[j]) & ~take));
      }
    } else {
      for (int64_t j = 0; j < kBlock; ++j) {
        const bool better = IsMax ? !(bv[j] >= vt[j]) : !(bv[j] <= vt[j]);
        const bool take = (t < nt[j]) & better;
        best[j] = take ? t : best[j];
        bv[j] = take ? vt[j] : bv[j];
      }
    }
  }
}

// Calls f(row, input offset of its selected element or -1) for every row of
// [r0, r1) when inner == 1, a block at a time.
template <class T, class F>
void for_selected(bool is_max, const Plan& p, const T* x, int64_t r0, int64_t r1, F&& f) {
  std::unique_ptr<Acc<T>[]> v(new Acc<T>[size_t(std::max<int64_t>(1, p.max_taps) * kBlock)]);
  int32_t nt[kBlock], best[kBlock];
  int64_t base[kBlock];
  for (int64_t b0 = r0; b0 < r1; b0 += kBlock) {
    const int64_t n = std::min(kBlock, r1 - b0);
    load_block<T>(p, x, b0, n, Acc<T>(0), v.get(), nt, base);
    for (int64_t j = n; j < kBlock; ++j) nt[j] = 0;
    if (is_max)
      select_block<true>(p.max_taps, v.get(), nt, best);
    else
      select_block<false>(p.max_taps, v.get(), nt, best);
    int64_t m = b0 % p.out_mid;
    for (int64_t j = 0; j < n; ++j) {
      f(b0 + j, best[j] < 0 ? -1 : base[j] + p.offs[size_t(p.start[size_t(m)] + best[j])]);
      if (++m == p.out_mid) m = 0;
    }
  }
}

template <class T>
void plan_gather(bool is_max, const Plan& p, const T* tangent, const T* x, T* out) {
  parallel_chunks(p.outer * p.out_mid, row_grain(p), [&](int64_t r0, int64_t r1) {
    if (p.inner == 1) {
      for_selected<T>(is_max, p, x, r0, r1, [&](int64_t r, int64_t at) {
        out[r] = at >= 0 ? tangent[at] : T(Acc<T>(0));
      });
      return;
    }
    for_rows(p, r0, r1, [&](int64_t r, int64_t base, int64_t m) {
      for (int64_t j = 0; j < p.inner; ++j) {
        int64_t best = plan_select<T>(is_max, p, x + base, m, j);
        out[r * p.inner + j] = best >= 0 ? tangent[base + best] : T(Acc<T>(0));
      }
    });
  });
}

// acc (the operand's shape, zeroed) += source at the selected elements.
// Within a slice the windows run in row-major order, as in the generic path.
template <class T, class A>
void plan_scatter(bool is_max, const Plan& p, const T* source, const T* x, A* acc) {
  auto rows = [&](int64_t r0, int64_t r1) {
    if (p.inner == 1) {
      for_selected<T>(is_max, p, x, r0, r1, [&](int64_t r, int64_t at) {
        if (at >= 0) acc[at] = window_combine<T>(WindowKind::kSum, acc[at], Acc<T>(source[r]));
      });
      return;
    }
    for_rows(p, r0, r1, [&](int64_t r, int64_t base, int64_t m) {
      for (int64_t j = 0; j < p.inner; ++j) {
        int64_t best = plan_select<T>(is_max, p, x + base, m, j);
        if (best >= 0)
          acc[base + best] = window_combine<T>(WindowKind::kSum, acc[base + best],
                                               Acc<T>(source[r * p.inner + j]));
      }
    });
  };
  if (p.disjoint) {
    parallel_chunks(p.outer * p.out_mid, row_grain(p), rows);
  } else {
    parallel_chunks(p.outer, std::max<int64_t>(1, kWindowGrain / (p.out_mid * p.inner)),
                    [&](int64_t s0, int64_t s1) { rows(s0 * p.out_mid, s1 * p.out_mid); });
  }
}

}  // namespace

/// y = reduce_window(x) with the op's init value.
void reduce_window(WindowKind k, DType dt, const void* x, void* y, const WindowGeometry& g) {
  if (std::optional<Plan> plan = make_plan(g)) {
    dispatch_dtype(dt, [&]<class T>() {
      plan_reduce<T>(k, *plan, static_cast<const T*>(x), static_cast<T*>(y));
    });
    return;
  }
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
  if (std::optional<Plan> plan = make_plan(g)) {
    dispatch_dtype(dt, [&]<class T>() {
      const int64_t n_in = numel(g.in_shape);
      T* o = static_cast<T*>(out);
      const T* s = static_cast<const T*>(source);
      const T* x = static_cast<const T*>(operand);
      if constexpr (std::is_same_v<Acc<T>, T>) {
        parallel_chunks(n_in, 1 << 16,
                        [&](int64_t lo, int64_t hi) { std::fill(o + lo, o + hi, T(0)); });
        plan_scatter<T>(is_max, *plan, s, x, o);
      } else {
        std::vector<Acc<T>> acc(size_t(n_in), Acc<T>(0));
        plan_scatter<T>(is_max, *plan, s, x, acc.data());
        for (int64_t i = 0; i < n_in; ++i) o[i] = T(acc[size_t(i)]);
      }
    });
    return;
  }
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
  if (std::optional<Plan> plan = make_plan(g)) {
    dispatch_dtype(dt, [&]<class T>() {
      plan_gather<T>(is_max, *plan, static_cast<const T*>(tangent), static_cast<const T*>(operand),
                     static_cast<T*>(out));
    });
    return;
  }
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
