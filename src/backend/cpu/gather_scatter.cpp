// Eager CPU kernels of gather and the scatters. Both walk the index positions
// in row-major order; each position names one window (a box of the operand),
// copied or combined with an odometer whose innermost loop is a typed,
// contiguous-when-possible row. Gather parallelises over index positions (each
// writes its own output rows). Scatters may hit one element many times, so
// they parallelise over disjoint ranges ("parts") of the largest operand
// dimension instead: one pass buckets the positions by the parts their
// windows touch, keeping position order, then each part is applied by one
// thread. Every element is thus updated by one thread, in index order, and
// the result does not depend on the thread count.
#include "backend/cpu/gather_scatter.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include "backend/cpu/scalar_ops.h"
#include "backend/cpu/thread_pool.h"

namespace jx::cpu {

int64_t load_index(DType dt, const void* base, int64_t i) {
  switch (dt.id) {
    case DTypeId::kInt8: return static_cast<const int8_t*>(base)[i];
    case DTypeId::kInt16: return static_cast<const int16_t*>(base)[i];
    case DTypeId::kInt32: return static_cast<const int32_t*>(base)[i];
    case DTypeId::kInt64: return static_cast<const int64_t*>(base)[i];
    case DTypeId::kUInt8: return static_cast<const uint8_t*>(base)[i];
    case DTypeId::kUInt16: return static_cast<const uint16_t*>(base)[i];
    case DTypeId::kUInt32: return static_cast<const uint32_t*>(base)[i];
    case DTypeId::kUInt64: {
      uint64_t v = static_cast<const uint64_t*>(base)[i];
      return v > uint64_t(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                : int64_t(v);
    }
    default: return 0;
  }
}

namespace {

std::vector<int64_t> row_major_strides(std::span<const int64_t> s) {
  std::vector<int64_t> st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

bool contains(std::span<const int64_t> v, int64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

int64_t product(std::span<const int64_t> v) {
  int64_t n = 1;
  for (int64_t d : v) n *= d;
  return n;
}

// One dimension of a window: its extent and the strides (in elements) of the
// two buffers it walks.
struct WinDim {
  int64_t size, a_stride, b_stride;
};

// Drops size-1 dims and merges dims contiguous in both buffers (order kept).
std::vector<WinDim> simplify(const std::vector<WinDim>& dims) {
  std::vector<WinDim> out;
  for (const WinDim& d : dims) {
    if (d.size == 1) continue;
    if (!out.empty() && out.back().a_stride == d.a_stride * d.size &&
        out.back().b_stride == d.b_stride * d.size) {
      out.back() = {out.back().size * d.size, d.a_stride, d.b_stride};
      continue;
    }
    out.push_back(d);
  }
  return out;
}

// Calls row(a_off, b_off, n, a_stride, b_stride) for each innermost row of the
// box `dims` (empty dims: one row of one element).
template <class Row>
void for_each_row(std::span<const WinDim> dims, int64_t a0, int64_t b0, Row&& row) {
  if (dims.empty()) {
    row(a0, b0, 1, 1, 1);
    return;
  }
  const size_t r = dims.size();
  const WinDim& in = dims[r - 1];
  if (r == 1) {
    row(a0, b0, in.size, in.a_stride, in.b_stride);
    return;
  }
  int64_t idx[16] = {0};
  std::vector<int64_t> big;
  int64_t* pos = idx;
  if (r > 16) {
    big.assign(r, 0);
    pos = big.data();
  }
  int64_t a = a0, b = b0;
  for (;;) {
    row(a, b, in.size, in.a_stride, in.b_stride);
    size_t k = r - 1;
    for (;;) {
      if (k == 0) return;
      --k;
      if (++pos[k] < dims[k].size) {
        a += dims[k].a_stride;
        b += dims[k].b_stride;
        break;
      }
      a -= (dims[k].size - 1) * dims[k].a_stride;
      b -= (dims[k].size - 1) * dims[k].b_stride;
      pos[k] = 0;
    }
  }
}

// Random rows miss the cache; asking for the window of a position a few
// steps ahead overlaps those misses with the current row's work.
constexpr int64_t kPrefetchAhead = 8;
inline void prefetch_bytes(const void* p, int64_t bytes, int rw) {
  const char* c = static_cast<const char*>(p);
  for (int64_t b = 0; b < std::min<int64_t>(bytes, 512); b += 64) {
    if (rw) __builtin_prefetch(c + b, 1);
    else __builtin_prefetch(c + b, 0);
  }
}

template <class E>
void copy_row(const char* src, int64_t ss, char* dst, int64_t ds, int64_t n) {
  const E* s = reinterpret_cast<const E*>(src);
  E* d = reinterpret_cast<E*>(dst);
  if (ss == 1 && ds == 1) {
    std::memcpy(d, s, size_t(n) * sizeof(E));
  } else {
    for (int64_t i = 0; i < n; ++i) d[i * ds] = s[i * ss];
  }
}

template <class E>
void fill_row(const void* value, char* dst, int64_t ds, int64_t n) {
  E v;
  std::memcpy(&v, value, sizeof(E));
  E* d = reinterpret_cast<E*>(dst);
  for (int64_t i = 0; i < n; ++i) d[i * ds] = v;
}

template <class E>
void gather_typed(const GatherArgs& a) {
  const auto& os = a.operand_shape;
  const auto& is = a.indices_shape;
  const int64_t nb_rank = int64_t(is.size()) - 1;
  const int64_t K = is.back();
  const int64_t NB = product(is.first(size_t(nb_rank)));
  if (product(a.out_shape) == 0 || NB == 0) return;
  auto ost = row_major_strides(os);
  auto outst = row_major_strides(a.out_shape);

  std::vector<int64_t> batch_dst;  // output stride of each index batch dim
  for (int64_t d = 0; d < int64_t(a.out_shape.size()); ++d)
    if (!contains(a.offset_dims, d)) batch_dst.push_back(outst[size_t(d)]);
  std::vector<WinDim> win;
  size_t j = 0;
  for (int64_t d = 0; d < int64_t(os.size()); ++d) {
    if (contains(a.collapsed_slice_dims, d) || contains(a.operand_batching_dims, d)) continue;
    win.push_back({a.slice_sizes[size_t(d)], ost[size_t(d)], outst[size_t(a.offset_dims[j++])]});
  }
  win = simplify(win);
  int64_t wnum = 1;
  for (const WinDim& w : win) wnum *= w.size;

  // Upper bound of each start component (operand dim - slice size).
  std::vector<int64_t> hi, src_stride;
  for (int64_t d : a.start_index_map) {
    hi.push_back(os[size_t(d)] - a.slice_sizes[size_t(d)]);
    src_stride.push_back(ost[size_t(d)]);
  }
  std::vector<int64_t> batch_src;  // per index batch dim: operand stride of its batching dim
  batch_src.assign(size_t(nb_rank), 0);
  for (size_t i = 0; i < a.operand_batching_dims.size(); ++i)
    batch_src[size_t(a.start_indices_batching_dims[i])] = ost[size_t(a.operand_batching_dims[i])];

  const char* src = static_cast<const char*>(a.operand);
  char* dst = static_cast<char*>(a.out);
  int64_t grain = std::max<int64_t>(1, (int64_t(1) << 15) / std::max<int64_t>(1, wnum));
  parallel_chunks(NB, grain, [&](int64_t g0, int64_t g1) {
    std::vector<int64_t> gm(size_t(nb_rank), 0);
    int64_t rem = g0;
    for (int64_t k = nb_rank - 1; k >= 0; --k) {
      gm[size_t(k)] = rem % is[size_t(k)];
      rem /= is[size_t(k)];
    }
    const int64_t row_bytes = win.empty() ? int64_t(sizeof(E)) : win.back().size * int64_t(sizeof(E));
    for (int64_t g = g0; g < g1; ++g) {
      if (K > 0 && g + kPrefetchAhead < g1) {
        int64_t p_off = 0;
        for (int64_t k = 0; k < K; ++k)
          p_off += std::clamp<int64_t>(load_index(a.index_dtype, a.indices, (g + kPrefetchAhead) * K + k), 0,
                                       std::max<int64_t>(0, hi[size_t(k)])) * src_stride[size_t(k)];
        prefetch_bytes(src + p_off * int64_t(sizeof(E)), row_bytes, 0);
      }
      int64_t s_off = 0, d_off = 0;
      bool oob = false;
      for (int64_t k = 0; k < K; ++k) {
        int64_t s = load_index(a.index_dtype, a.indices, g * K + k);
        if (s < 0 || s > hi[size_t(k)]) {
          if (a.fill) oob = true;
          s = std::clamp<int64_t>(s, 0, std::max<int64_t>(0, hi[size_t(k)]));
        }
        s_off += s * src_stride[size_t(k)];
      }
      for (int64_t k = 0; k < nb_rank; ++k) {
        s_off += gm[size_t(k)] * batch_src[size_t(k)];
        d_off += gm[size_t(k)] * batch_dst[size_t(k)];
      }
      if (oob) {
        for_each_row(win, 0, d_off, [&](int64_t, int64_t b, int64_t n, int64_t, int64_t bs) {
          fill_row<E>(a.fill_value, dst + b * int64_t(sizeof(E)), bs, n);
        });
      } else {
        for_each_row(win, s_off, d_off, [&](int64_t as, int64_t b, int64_t n, int64_t ass, int64_t bs) {
          copy_row<E>(src + as * int64_t(sizeof(E)), ass, dst + b * int64_t(sizeof(E)), bs, n);
        });
      }
      for (int64_t k = nb_rank - 1; k >= 0; --k) {
        if (++gm[size_t(k)] < is[size_t(k)]) break;
        gm[size_t(k)] = 0;
      }
    }
  });
}

// ------------------------------------------------------------------ scatter

// The combiner of each scatter, with lax's semantics (wrapping integers,
// NaN-propagating min/max; 16-bit floats computed in float).
template <ScatterOp OP, class T>
inline T combine(T x, T u) {
  if constexpr (OP == ScatterOp::kSet) {
    return u;
  } else if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
    return T(combine<OP, float>(float(x), float(u)));
  } else if constexpr (std::is_same_v<T, bool>) {
    if constexpr (OP == ScatterOp::kMin || OP == ScatterOp::kMul) return x && u;
    else return x || u;
  } else if constexpr (std::is_floating_point_v<T>) {
    if constexpr (OP == ScatterOp::kAdd) return x + u;
    else if constexpr (OP == ScatterOp::kMul) return x * u;
    else if constexpr (OP == ScatterOp::kMin) return jax_min(x, u);
    else return jax_max(x, u);
  } else {
    using U = std::make_unsigned_t<T>;
    if constexpr (OP == ScatterOp::kAdd) return T(U(x) + U(u));
    else if constexpr (OP == ScatterOp::kMul) return T(U(x) * U(u));
    else if constexpr (OP == ScatterOp::kMin) return x < u ? x : u;
    else return x > u ? x : u;
  }
}

template <ScatterOp OP, class T>
void scatter_typed(const ScatterArgs& a) {
  const auto& os = a.operand_shape;
  const auto& is = a.indices_shape;
  const auto& us = a.updates_shape;
  const int64_t orank = int64_t(os.size());
  const int64_t nb_rank = int64_t(is.size()) - 1;
  const int64_t K = is.back();
  const int64_t NB = product(is.first(size_t(nb_rank)));
  auto ost = row_major_strides(os);
  auto ust = row_major_strides(us);

  // Per operand dim: window size and the stride of the updates along it.
  std::vector<int64_t> wsize(size_t(orank), 1), wstride(size_t(orank), 0);
  size_t j = 0;
  for (int64_t d = 0; d < orank; ++d) {
    if (contains(a.inserted_window_dims, d) || contains(a.operand_batching_dims, d)) continue;
    int64_t ud = a.update_window_dims[j++];
    wsize[size_t(d)] = us[size_t(ud)];
    wstride[size_t(d)] = ust[size_t(ud)];
  }
  int64_t wnum = product(wsize);
  if (NB == 0 || wnum == 0 || product(os) == 0) return;
  std::vector<int64_t> upd_batch_stride;  // updates stride of each index batch dim
  for (int64_t d = 0; d < int64_t(us.size()); ++d)
    if (!contains(a.update_window_dims, d)) upd_batch_stride.push_back(ust[size_t(d)]);
  std::vector<int64_t> batch_dim_of(size_t(orank), -1);  // operand batching dim -> index dim
  for (size_t i = 0; i < a.operand_batching_dims.size(); ++i)
    batch_dim_of[size_t(a.operand_batching_dims[i])] = a.scatter_indices_batching_dims[i];

  // The partition dim: the largest operand dim; a window spans [start, start + wsize) in it.
  int64_t P = 0;
  for (int64_t d = 1; d < orank; ++d)
    if (os[size_t(d)] > os[size_t(P)]) P = d;
  const int64_t extent = orank ? os[size_t(P)] : 1;
  // Bucketing costs about one sequential pass more (a part's positions are
  // scattered over the updates, which then no longer stream), measured on a
  // 2-core machine as 2x the single-thread time: only from 4 threads can it win.
  int64_t parts = 1;
  if (orank > 0 && num_threads() >= 4 && NB * wnum >= (int64_t(1) << 15))
    parts = std::min<int64_t>(extent, 8 * int64_t(num_threads()));
  auto part_lo = [&](int64_t p) { return extent * p / parts; };

  // Where a position's window starts along P (clamped; exact for in-bounds windows).
  auto start_along_p = [&](int64_t g, const std::vector<int64_t>& gm) -> int64_t {
    if (orank == 0) return 0;
    if (batch_dim_of[size_t(P)] >= 0) return gm[size_t(batch_dim_of[size_t(P)])];
    for (int64_t k = 0; k < K; ++k)
      if (a.scatter_dims_to_operand_dims[size_t(k)] == P)
        return std::clamp<int64_t>(load_index(a.index_dtype, a.indices, g * K + k), 0,
                                   std::max<int64_t>(0, extent - wsize[size_t(P)]));
    return 0;
  };

  T* out = static_cast<T*>(a.out);
  const T* upd = static_cast<const T*>(a.updates);
  const int64_t row_bytes = orank ? wsize[size_t(orank - 1)] * int64_t(sizeof(T)) : int64_t(sizeof(T));
  // Random rows miss the cache: start fetching the window of a later position.
  auto prefetch = [&](int64_t g) {
    int64_t p_off = 0;
    for (int64_t k = 0; k < K; ++k) {
      int64_t d = a.scatter_dims_to_operand_dims[size_t(k)];
      p_off += std::clamp<int64_t>(load_index(a.index_dtype, a.indices, g * K + k), 0,
                                   std::max<int64_t>(0, os[size_t(d)] - wsize[size_t(d)])) * ost[size_t(d)];
    }
    prefetch_bytes(out + p_off, row_bytes, 1);
  };
  // Applies the part of position g's window that lies in [lo_p, hi_p) along P.
  auto apply = [&](int64_t g, const std::vector<int64_t>& gm, int64_t lo_p, int64_t hi_p,
                   std::vector<int64_t>& start, std::vector<WinDim>& dims) {
    std::fill(start.begin(), start.end(), 0);
    for (int64_t k = 0; k < K; ++k) {
      int64_t d = a.scatter_dims_to_operand_dims[size_t(k)];
      int64_t s = load_index(a.index_dtype, a.indices, g * K + k);
      int64_t hi = os[size_t(d)] - wsize[size_t(d)];
      if (s < 0 || s > hi) {
        if (!a.clip) return;  // the whole window is dropped
        s = std::clamp<int64_t>(s, 0, std::max<int64_t>(0, hi));
      }
      start[size_t(d)] = s;
    }
    int64_t u_off = 0;
    for (int64_t k = 0; k < nb_rank; ++k) u_off += gm[size_t(k)] * upd_batch_stride[size_t(k)];
    for (int64_t d = 0; d < orank; ++d)
      if (batch_dim_of[size_t(d)] >= 0) start[size_t(d)] = gm[size_t(batch_dim_of[size_t(d)])];
    int64_t first = orank ? std::max(start[size_t(P)], lo_p) : 0;
    int64_t last = orank ? std::min(start[size_t(P)] + wsize[size_t(P)], hi_p) : 1;
    if (first >= last) return;
    int64_t o_off = 0;
    size_t nd = 0;  // the window's dims of size > 1 (size-1 dims would cost odometer steps)
    for (int64_t d = 0; d < orank; ++d) {
      int64_t n = wsize[size_t(d)], s = start[size_t(d)];
      if (d == P) {
        u_off += (first - s) * wstride[size_t(d)];
        n = last - first;
        s = first;
      }
      o_off += s * ost[size_t(d)];
      if (n > 1) dims[nd++] = {n, ost[size_t(d)], wstride[size_t(d)]};
    }
    for_each_row(std::span<const WinDim>(dims.data(), nd), o_off, u_off,
                 [&](int64_t oa, int64_t ua, int64_t n, int64_t os_, int64_t us_) {
                   T* __restrict o = out + oa;  // the result is a fresh buffer, never the updates
                   const T* __restrict u = upd + ua;
                   if (os_ == 1 && us_ == 1) {
                     for (int64_t i = 0; i < n; ++i) o[i] = combine<OP, T>(o[i], u[i]);
                   } else {
                     for (int64_t i = 0; i < n; ++i) o[i * os_] = combine<OP, T>(o[i * os_], u[i * us_]);
                   }
                 });
  };
  auto next = [&](std::vector<int64_t>& gm) {
    for (int64_t k = nb_rank - 1; k >= 0; --k) {
      if (++gm[size_t(k)] < is[size_t(k)]) break;
      gm[size_t(k)] = 0;
    }
  };

  std::vector<int64_t> gm(size_t(nb_rank), 0), start(size_t(orank), 0);
  std::vector<WinDim> dims(static_cast<size_t>(orank));
  if (parts <= 1) {
    for (int64_t g = 0; g < NB; ++g) {
      if (K > 0 && g + kPrefetchAhead < NB) prefetch(g + kPrefetchAhead);
      apply(g, gm, 0, extent, start, dims);
      next(gm);
    }
    return;
  }
  // Bucket the positions by the parts their windows touch (in position
  // order), then let the pool take parts one by one.
  std::vector<std::vector<int64_t>> lists(static_cast<size_t>(parts));
  for (auto& l : lists) l.reserve(size_t(NB / parts + NB / (4 * parts) + 16));
  std::vector<int64_t> bounds(size_t(parts + 1));
  for (int64_t p = 0; p <= parts; ++p) bounds[size_t(p)] = part_lo(p);
  const double inv = double(parts) / double(extent);  // a first guess of the part, fixed up below
  const int64_t wp = std::max<int64_t>(wsize[size_t(P)], 1);
  for (int64_t g = 0; g < NB; ++g) {
    int64_t s = start_along_p(g, gm), e = s + wp - 1;
    int64_t p = std::min<int64_t>(parts - 1, int64_t(double(s) * inv));
    while (p > 0 && bounds[size_t(p)] > s) --p;
    while (bounds[size_t(p + 1)] <= s) ++p;
    for (; p < parts && bounds[size_t(p)] <= e; ++p) lists[size_t(p)].push_back(g);
    if (nb_rank > 1) next(gm);
    else if (nb_rank == 1) gm[0] = g + 1;
  }
  // A part's positions are scattered over the updates too: fetch those rows ahead as well.
  auto upd_offset = [&](int64_t g) {
    if (nb_rank == 1) return g * upd_batch_stride[0];
    int64_t off = 0;
    for (int64_t k = nb_rank - 1; k >= 0; --k) {
      off += (g % is[size_t(k)]) * upd_batch_stride[size_t(k)];
      g /= is[size_t(k)];
    }
    return off;
  };
  parallel_for(parts, [&](int64_t p) {
    std::vector<int64_t> pgm(size_t(nb_rank), 0), pstart(size_t(orank), 0);
    std::vector<WinDim> pdims(static_cast<size_t>(orank));
    const std::vector<int64_t>& list = lists[size_t(p)];
    for (size_t i = 0; i < list.size(); ++i) {
      if (i + kPrefetchAhead < list.size()) {
        if (K > 0) prefetch(list[i + kPrefetchAhead]);
        prefetch_bytes(upd + upd_offset(list[i + kPrefetchAhead]), row_bytes, 0);
      }
      int64_t g = list[i], rem = g;
      if (nb_rank == 1) {
        pgm[0] = g;
      } else {
        for (int64_t k = nb_rank - 1; k >= 0; --k) {
          pgm[size_t(k)] = rem % is[size_t(k)];
          rem /= is[size_t(k)];
        }
      }
      apply(g, pgm, part_lo(p), part_lo(p + 1), pstart, pdims);
    }
  });
}

}  // namespace

void gather(const GatherArgs& a) {
  switch (a.dtype.itemsize()) {
    case 1: return gather_typed<uint8_t>(a);
    case 2: return gather_typed<uint16_t>(a);
    case 4: return gather_typed<uint32_t>(a);
    default: return gather_typed<uint64_t>(a);
  }
}

void scatter(ScatterOp op, const ScatterArgs& a) {
  dispatch_dtype(a.dtype, [&]<class T>() {
    switch (op) {
      case ScatterOp::kSet: return scatter_typed<ScatterOp::kSet, T>(a);
      case ScatterOp::kAdd: return scatter_typed<ScatterOp::kAdd, T>(a);
      case ScatterOp::kMul: return scatter_typed<ScatterOp::kMul, T>(a);
      case ScatterOp::kMin: return scatter_typed<ScatterOp::kMin, T>(a);
      case ScatterOp::kMax: return scatter_typed<ScatterOp::kMax, T>(a);
    }
  });
}

}  // namespace jx::cpu
