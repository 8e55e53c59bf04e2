// Convolutions. float32 runs on oneDNN where it has a fast kernel
// (conv_onednn.cpp: forward convolutions without lhs dilation or batch
// groups, and kernel-gradient-shaped ones as backward_weights); everything
// else (other dtypes, lhs dilation, negative padding, layouts oneDNN only
// has a reference kernel for) runs as im2col + gemm. JX_CONV_PATH=
// im2col|onednn forces a path.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backend/cpu/contract_kernels.h"
#include "backend/cpu/conv_onednn.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/thread_pool.h"

namespace jx::cpu {
namespace {

int64_t prod(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t d : v) p *= d;
  return p;
}

// Copies n elements of size es from a strided source to a contiguous run.
inline void gather_run(char* dst, const char* src, int64_t n, int64_t stride, int es) {
  if (stride == 1) {
    std::memcpy(dst, src, size_t(n * es));
    return;
  }
  switch (es) {
    case 1:
      for (int64_t i = 0; i < n; ++i) dst[i] = src[i * stride];
      break;
    case 2:
      for (int64_t i = 0; i < n; ++i) std::memcpy(dst + 2 * i, src + 2 * i * stride, 2);
      break;
    case 4:
      for (int64_t i = 0; i < n; ++i) std::memcpy(dst + 4 * i, src + 4 * i * stride, 4);
      break;
    default:
      for (int64_t i = 0; i < n; ++i) std::memcpy(dst + es * i, src + es * i * stride, size_t(es));
  }
}
// The reverse: a contiguous run to a strided destination.
inline void scatter_run(char* dst, const char* src, int64_t n, int64_t stride, int es) {
  if (stride == 1) {
    std::memcpy(dst, src, size_t(n * es));
    return;
  }
  for (int64_t i = 0; i < n; ++i) std::memcpy(dst + es * i * stride, src + es * i, size_t(es));
}

// Copies lhs into the contiguous layout (N, spatial..., C) and updates g's
// lhs strides. The copy is a transpose between C and the dim that is
// contiguous in the source (the batch dim, in a kernel gradient); it walks
// 16-wide tiles of that dim so that reads and writes both use whole cache
// lines.
std::unique_ptr<char[]> pack_channels_last(ConvGeometry& g, const char* lhs, int es) {
  const int ns = g.spatial();
  // Canonical dims in the destination order: N, spatial..., C.
  std::vector<int64_t> size{g.n}, src{g.lhs_strides[0]};
  for (int d = 0; d < ns; ++d) {
    size.push_back(g.in[size_t(d)]);
    src.push_back(g.lhs_strides[size_t(2 + d)]);
  }
  size.push_back(g.c);
  src.push_back(g.lhs_strides[1]);
  const size_t nd = size.size();
  std::vector<int64_t> dst(nd);
  int64_t total = 1;
  for (size_t d = nd; d-- > 0;) {
    dst[d] = total;
    total *= size[d];
  }
  std::unique_ptr<char[]> out(new char[size_t(std::max<int64_t>(total, 1) * es)]);
  // x: the dim (other than C) that is contiguous in the source, if any.
  size_t x = nd;
  for (size_t d = 0; d + 1 < nd; ++d)
    if (src[d] == 1 && size[d] > 1) x = d;
  std::vector<int64_t> shape, ss, ds;
  for (size_t d = 0; d + 1 < nd; ++d) {
    if (d == x) continue;
    shape.push_back(size[d]);
    ss.push_back(src[d]);
    ds.push_back(dst[d]);
  }
  if (x < nd && size[x] % 16 == 0) {
    shape.insert(shape.end(), {size[x] / 16, size[nd - 1], 16});
    ss.insert(ss.end(), {16 * src[x], src[nd - 1], src[x]});
    ds.insert(ds.end(), {16 * dst[x], dst[nd - 1], dst[x]});
  } else {
    if (x < nd) {
      shape.push_back(size[x]);
      ss.push_back(src[x]);
      ds.push_back(dst[x]);
    }
    shape.push_back(size[nd - 1]);
    ss.push_back(src[nd - 1]);
    ds.push_back(dst[nd - 1]);
  }
  strided_copy(lhs, 0, ss, out.get(), 0, ds, shape, es);
  g.lhs_strides = {dst[0], 1};
  for (int d = 0; d < ns; ++d) g.lhs_strides.push_back(dst[size_t(1 + d)]);
  return out;
}

// ---------------------------------------------------------------- im2col + gemm
// For each group: patches [rows = (n, out position), cols = (window position,
// in feature)] times the kernel as [cols, out features of the group]. The
// patch matrix is built a block at a time (a few MB): blocks of rows, and
// when one row alone is long (a kernel gradient, whose "window" is a whole
// feature map), blocks of columns too, accumulated into the result.
void conv_im2col(const ConvGeometry& geo, DType dt, const char* lhs, const char* rhs, char* out) {
  ConvGeometry g = geo;
  const int es = dt.itemsize();
  const int ns = g.spatial();
  const int64_t groups = g.feature_group_count * g.batch_group_count;
  const int64_t n_out = g.n / g.batch_group_count;
  const int64_t o_g = g.o / groups;
  const int64_t npos = prod(g.out), nwin = prod(g.window);
  const int64_t cols = nwin * g.i;
  const int64_t rows = n_out * npos;
  if (rows == 0 || o_g == 0) return;
  // Gathering copies runs of in-features; make them contiguous first
  // (channels last) when they are not.
  std::unique_ptr<char[]> packed;
  if (g.lhs_strides[1] != 1 && g.i > 1) {
    packed = pack_channels_last(g, lhs, es);
    lhs = packed.get();
  }
  std::vector<int64_t> win_strides(static_cast<size_t>(ns)), pos_strides(static_cast<size_t>(ns));
  int64_t aw = 1, ap = 1;
  for (int d = ns - 1; d >= 0; --d) {
    win_strides[size_t(d)] = aw;
    pos_strides[size_t(d)] = ap;
    aw *= g.window[size_t(d)];
    ap *= g.out[size_t(d)];
  }
  // Block sizes: rb rows by wb window positions (wb * i columns).
  const int64_t budget = std::max<int64_t>(1, (8 << 20) / es);
  int64_t rb = rows, wb = nwin;
  if (rows * cols > budget) {
    rb = std::min(rows, std::max<int64_t>(256, budget / std::max<int64_t>(cols, 1)));
    wb = std::clamp<int64_t>(budget / (rb * std::max<int64_t>(g.i, 1)), 1,
                             std::max<int64_t>(nwin, 1));
  }
  std::unique_ptr<char[]> patches(new char[size_t(std::max<int64_t>(1, rb * wb * g.i) * es)]);
  std::unique_ptr<char[]> kernel(new char[size_t(std::max<int64_t>(1, cols * o_g) * es)]);
  std::unique_ptr<char[]> result(new char[size_t(rb * o_g * es)]);

  for (int64_t grp = 0; grp < groups; ++grp) {
    const int64_t c0 = g.feature_group_count > 1 ? grp * g.i : 0;
    const int64_t n0 = g.batch_group_count > 1 ? grp * n_out : 0;
    const int64_t o0 = grp * o_g;
    // The kernel as [cols = (window position, in feature), o_g].
    parallel_chunks(
        nwin, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.i * o_g)),
        [&](int64_t lo, int64_t hi) {
          for (int64_t w = lo; w < hi; ++w) {
            int64_t woff = 0;
            for (int d = 0; d < ns; ++d)
              woff +=
                  (w / win_strides[size_t(d)] % g.window[size_t(d)]) * g.rhs_strides[size_t(2 + d)];
            for (int64_t i = 0; i < g.i; ++i)
              gather_run(kernel.get() + ((w * g.i + i) * o_g) * es,
                         rhs + (woff + i * g.rhs_strides[1] + o0 * g.rhs_strides[0]) * es, o_g,
                         g.rhs_strides[0], es);
          }
        });
    for (int64_t r0 = 0; r0 < rows; r0 += rb) {
      const int64_t nr = std::min(rb, rows - r0);
      for (int64_t w0 = 0; w0 < std::max<int64_t>(nwin, 1); w0 += wb) {
        const int64_t nw = std::min(wb, nwin - w0);
        const int64_t pc = nw * g.i;  // columns in this block
        parallel_chunks(
            nr, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, pc)), [&](int64_t lo, int64_t hi) {
              std::vector<int64_t> pos(static_cast<size_t>(ns));
              for (int64_t r = lo; r < hi; ++r) {
                const int64_t row = r0 + r;
                const int64_t nb = row / npos, p = row % npos;
                for (int d = 0; d < ns; ++d)
                  pos[size_t(d)] = p / pos_strides[size_t(d)] % g.out[size_t(d)];
                char* prow = patches.get() + r * pc * es;
                const char* base =
                    lhs + ((n0 + nb) * g.lhs_strides[0] + c0 * g.lhs_strides[1]) * es;
                for (int64_t w = w0; w < w0 + nw; ++w) {
                  int64_t off = 0;
                  bool inside = true;
                  for (int d = 0; d < ns && inside; ++d) {
                    const size_t du = size_t(d);
                    int64_t k = w / win_strides[du] % g.window[du];
                    int64_t q = pos[du] * g.strides[du] + k * g.rhs_dilation[du] - g.pad_lo[du];
                    if (q < 0 || q % g.lhs_dilation[du] != 0) {
                      inside = false;
                      break;
                    }
                    q /= g.lhs_dilation[du];
                    if (q >= g.in[du]) inside = false;
                    off += q * g.lhs_strides[2 + du];
                  }
                  char* dst = prow + (w - w0) * g.i * es;
                  if (inside)
                    gather_run(dst, base + off * es, g.i, g.lhs_strides[1], es);
                  else
                    std::memset(dst, 0, size_t(g.i * es));
                }
              }
            });
        gemm(dt, 1, nr, o_g, pc, patches.get(), pc, 0, false, kernel.get() + w0 * g.i * o_g * es,
             o_g, 0, false, result.get(), o_g, 0, /*accumulate=*/w0 > 0);
      }
      parallel_chunks(
          nr, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, o_g)), [&](int64_t lo, int64_t hi) {
            for (int64_t r = lo; r < hi; ++r) {
              const int64_t row = r0 + r;
              const int64_t nb = row / npos, p = row % npos;
              int64_t off = nb * g.out_strides[0] + o0 * g.out_strides[1];
              for (int d = 0; d < ns; ++d)
                off +=
                    (p / pos_strides[size_t(d)] % g.out[size_t(d)]) * g.out_strides[size_t(2 + d)];
              scatter_run(out + off * es, result.get() + r * o_g * es, o_g, g.out_strides[1], es);
            }
          });
    }
  }
}

// Element count spanned by a strided operand (its buffer size).
int64_t span_of(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides) {
  int64_t s = 1;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 0) return 0;
    s += (sizes[d] - 1) * strides[d];
  }
  return s;
}

}  // namespace

std::string conv_path(const ConvGeometry& g, DType in, DType out) {
  if (in == float32 && out == float32)
    if (std::string p = conv_onednn_path(g); !p.empty()) return p;
  return "im2col";
}

void conv(const ConvGeometry& g, DType in, const void* lhs, const void* rhs, DType out,
          void* result) {
  std::vector<int64_t> out_sizes{g.n / g.batch_group_count, g.o};
  out_sizes.insert(out_sizes.end(), g.out.begin(), g.out.end());
  const int64_t out_span = span_of(out_sizes, g.out_strides);
  if (out_span == 0) return;
  if (in == float32 && out == float32 &&
      conv_onednn(g, static_cast<const float*>(lhs), static_cast<const float*>(rhs),
                  static_cast<float*>(result)))
    return;
  DType acc = accumulation_dtype(in, out);
  std::unique_ptr<char[]> tl, tr, to;
  if (acc != in) {
    std::vector<int64_t> ls{g.n, g.c}, rs{g.o, g.i};
    ls.insert(ls.end(), g.in.begin(), g.in.end());
    rs.insert(rs.end(), g.window.begin(), g.window.end());
    int64_t lspan = span_of(ls, g.lhs_strides), rspan = span_of(rs, g.rhs_strides);
    tl.reset(new char[size_t(std::max<int64_t>(1, lspan) * acc.itemsize())]);
    tr.reset(new char[size_t(std::max<int64_t>(1, rspan) * acc.itemsize())]);
    convert(in, lhs, acc, tl.get(), lspan);
    convert(in, rhs, acc, tr.get(), rspan);
    lhs = tl.get();
    rhs = tr.get();
  }
  char* dst = static_cast<char*>(result);
  if (acc != out) {
    to.reset(new char[size_t(out_span * acc.itemsize())]);
    dst = to.get();
  }
  std::memset(dst, 0, size_t(out_span * acc.itemsize()));
  conv_im2col(g, acc, static_cast<const char*>(lhs), static_cast<const char*>(rhs), dst);
  if (acc != out) convert(acc, dst, out, result, out_span);
}

}  // namespace jx::cpu
