// float32 convolutions on oneDNN. A forward convolution describes the
// operands to oneDNN by their strides (any layout) and reorders the kernel
// to the format its implementation wants. A convolution whose window is
// larger than its output is what conv_general_dilated's transpose rule
// emits for a kernel gradient: with batch and features swapped it is
// exactly oneDNN's convolution backward_weights (src = lhs, diff_dst = rhs,
// diff_weights = out; strides and rhs dilation trade places, batch groups
// become groups), which runs 10-30x faster than im2col + gemm there.
//
// Determinism: backward_weights reduces over the batch, and oneDNN splits
// that reduction by its thread count. So the batch is cut into chunks whose
// size depends only on the problem, each chunk runs single-threaded on jx's
// pool, and the chunks' partial kernels are summed in a fixed order: the
// same bits for any thread count. The forward primitive never splits a
// reduction across threads.
//
// Primitive descriptors and primitives are cached by geometry and thread
// count (creating them costs as much as running these small convolutions).
#include "backend/cpu/conv_onednn.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <dnnl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "backend/cpu/thread_pool.h"

namespace jx::cpu {
namespace {

using dnnl::memory;
using Dims = memory::dims;

int64_t prod(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t d : v) p *= d;
  return p;
}

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

void set_omp_threads(int n) {
  using Fn = void (*)(int);
  static Fn fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  if (fn) fn(n);
}
int omp_threads() {
  using Fn = int (*)();
  static Fn fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
  return fn ? fn() : 1;
}

// JX_CONV_PATH=im2col|onednn overrides the choice (for measurements):
// im2col declines everything here, onednn runs kernel gradients forward.
std::string_view env_path() {
  static const std::string v = [] {
    const char* e = std::getenv("JX_CONV_PATH");
    return std::string(e ? e : "");
  }();
  return v;
}

bool fast_impl(const std::string& impl) {
  return impl.rfind("ref", 0) != 0 && impl.find("gemm") == std::string::npos;
}

// ---------------------------------------------------------------- cache
struct Entry {
  virtual ~Entry() = default;
  std::string impl;
};

// Entries by (kind, geometry, threads); a null entry records "declined".
template <class E, class Make>
std::shared_ptr<const E> cached(int kind, const ConvGeometry& g, int threads, Make make) {
  static std::mutex mu;
  static std::map<std::vector<int64_t>, std::shared_ptr<const Entry>> cache;
  std::vector<int64_t> key{
      kind, threads, g.n, g.c, g.o, g.i, g.feature_group_count, g.batch_group_count};
  for (const auto* v : {&g.in, &g.window, &g.out, &g.strides, &g.pad_lo, &g.pad_hi, &g.lhs_dilation,
                        &g.rhs_dilation, &g.lhs_strides, &g.rhs_strides, &g.out_strides}) {
    key.push_back(int64_t(v->size()));
    key.insert(key.end(), v->begin(), v->end());
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache.find(key); it != cache.end())
      return std::static_pointer_cast<const E>(it->second);
  }
  std::shared_ptr<const E> e = make();
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() > 512) cache.clear();
  cache.emplace(std::move(key), e);
  return e;
}

// Operand in the user's layout, reordered into `want` when that differs.
memory as_layout(const memory::desc& user, const memory::desc& want, const void* data,
                 dnnl::stream& s) {
  memory m(user, engine(), const_cast<void*>(data));
  if (want == user) return m;
  memory r(want, engine());
  dnnl::reorder(m, r).execute(s, m, r);
  return r;
}

// ---------------------------------------------------------------- forward
bool forward_applies(const ConvGeometry& g) {
  if (g.batch_group_count != 1 || g.spatial() < 1 || g.spatial() > 3) return false;
  if (g.n == 0 || g.c == 0 || g.o == 0 || g.i == 0) return false;
  for (int d = 0; d < g.spatial(); ++d) {
    const size_t du = size_t(d);
    if (g.lhs_dilation[du] != 1 || g.pad_lo[du] < 0 || g.pad_hi[du] < 0) return false;
    if (g.out[du] == 0 || g.window[du] == 0 || g.in[du] == 0) return false;
  }
  return true;
}

// Primitives keep their scratchpad in a buffer per call (so that chunks can
// run concurrently); the library's shared one is not safe for that.
dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return a;
}
memory scratchpad(const memory::desc& d) { return memory(d, engine()); }

struct Forward : Entry {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  memory::desc src, weights, dst;
};

// The forward primitive for g, or null when oneDNN has only its reference
// implementation (slower than im2col) or rejects the case.
std::shared_ptr<const Forward> make_forward(const ConvGeometry& g) {
  const int ns = g.spatial();
  const int64_t groups = g.feature_group_count;
  Dims sd{g.n, g.c}, ss{g.lhs_strides[0], g.lhs_strides[1]};
  Dims dd{g.n, g.o}, ds{g.out_strides[0], g.out_strides[1]};
  Dims wd, ws;
  if (groups > 1) {
    wd = {groups, g.o / groups, g.i};
    ws = {(g.o / groups) * g.rhs_strides[0], g.rhs_strides[0], g.rhs_strides[1]};
  } else {
    wd = {g.o, g.i};
    ws = {g.rhs_strides[0], g.rhs_strides[1]};
  }
  Dims strides, dil, pl, pr;
  for (int d = 0; d < ns; ++d) {
    const size_t du = size_t(d);
    sd.push_back(g.in[du]);
    ss.push_back(g.lhs_strides[2 + du]);
    dd.push_back(g.out[du]);
    ds.push_back(g.out_strides[2 + du]);
    wd.push_back(g.window[du]);
    ws.push_back(g.rhs_strides[2 + du]);
    strides.push_back(g.strides[du]);
    dil.push_back(g.rhs_dilation[du] - 1);
    pl.push_back(g.pad_lo[du]);
    pr.push_back(g.pad_hi[du]);
  }
  try {
    const auto f32 = memory::data_type::f32;
    memory::desc src(sd, f32, ss), dst(dd, f32, ds), wuser(wd, f32, ws);
    memory::desc wany(wd, f32, memory::format_tag::any);
    memory::desc src_any(sd, f32, memory::format_tag::any),
        dst_any(dd, f32, memory::format_tag::any);
    auto make = [&](const memory::desc& s, const memory::desc& d) {
      dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                           dnnl::algorithm::convolution_direct, s, wany, d, strides,
                                           dil, pl, pr);
      return dnnl::convolution_forward::primitive_desc(desc, user_scratchpad(), engine());
    };
    // The user's layouts as they are (channels-last has direct kernels); when
    // oneDNN has only its im2col ("gemm") or reference kernel for them (e.g.
    // NCHW), its blocked layouts plus two reorders are faster.
    dnnl::convolution_forward::primitive_desc pd = make(src, dst);
    if (!fast_impl(pd.impl_info_str())) {
      dnnl::convolution_forward::primitive_desc blocked = make(src_any, dst_any);
      if (fast_impl(blocked.impl_info_str())) pd = blocked;
    }
    if (std::string(pd.impl_info_str()).rfind("ref", 0) == 0) return nullptr;
    auto e = std::make_shared<Forward>();
    e->pd = pd;
    e->prim = dnnl::convolution_forward(pd);
    e->src = src;
    e->weights = wuser;
    e->dst = dst;
    e->impl = pd.impl_info_str();
    return e;
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

double forward_flops(const ConvGeometry& g) {
  return 2.0 * double(g.n) * double(g.o) * double(g.i) * double(prod(g.out)) *
         double(prod(g.window));
}

void run_forward(const Forward& c, const float* lhs, const float* rhs, float* out) {
  dnnl::stream stream(engine());
  memory src = as_layout(c.src, c.pd.src_desc(), lhs, stream);
  memory w = as_layout(c.weights, c.pd.weights_desc(), rhs, stream);
  memory user_dst(c.dst, engine(), out);
  memory dst = c.pd.dst_desc() == c.dst ? user_dst : memory(c.pd.dst_desc(), engine());
  c.prim.execute(stream, {{DNNL_ARG_SRC, src},
                          {DNNL_ARG_WEIGHTS, w},
                          {DNNL_ARG_DST, dst},
                          {DNNL_ARG_SCRATCHPAD, scratchpad(c.pd.scratchpad_desc())}});
  if (!(c.pd.dst_desc() == c.dst)) dnnl::reorder(dst, user_dst).execute(stream, dst, user_dst);
  stream.wait();
}

// ---------------------------------------------------------------- backward_weights
// In backward_weights terms (suffix f): minibatch = g.c, input channels =
// g.n, output channels = g.o, groups = batch_group_count, input size g.in,
// diff_dst size g.window, kernel size g.out, stride = rhs_dilation,
// dilation = strides, padding low = pad_lo (high: what the sizes imply).
bool bwd_weights_applies(const ConvGeometry& g) {
  if (g.feature_group_count != 1 || g.spatial() < 1 || g.spatial() > 3) return false;
  if (g.n == 0 || g.c == 0 || g.o == 0 || g.i == 0) return false;
  if (prod(g.window) <= prod(g.out)) return false;
  for (int d = 0; d < g.spatial(); ++d) {
    const size_t du = size_t(d);
    if (g.lhs_dilation[du] != 1 || g.pad_lo[du] < 0) return false;
    if (g.out[du] == 0 || g.window[du] == 0 || g.in[du] == 0) return false;
  }
  return true;
}

struct BwdPart {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
  memory::desc src, diff_dst, plain_w;
};
struct BwdWeights : Entry {
  int64_t chunk = 0, nchunks = 0;
  BwdPart full, tail;  // chunks of `chunk` samples; the last one may be shorter
  bool has_tail = false;
  memory::desc plain_w, user_w;
  int64_t w_elems = 0;
};

// oneDNN's high padding for these sizes, or -1 when none fits.
int64_t high_padding(int64_t in, int64_t k, int64_t dy, int64_t s, int64_t d, int64_t pl) {
  const int64_t kr = (k - 1) * d + 1;
  const int64_t lo =
      (dy - 1) * s + kr - in - pl;  // smallest with (in + pl + pr - kr) / s + 1 == dy
  for (int64_t pr = lo; pr < lo + s; ++pr)
    if (pr >= 0) return pr;
  return -1;
}

std::shared_ptr<const BwdWeights> make_bwd_weights(const ConvGeometry& g) {
  const int ns = g.spatial();
  const int64_t groups = g.batch_group_count, mb = g.c, ic = g.n, oc = g.o;
  Dims wd, uws;
  if (groups > 1) {
    wd = {groups, oc / groups, ic / groups};
    uws = {(oc / groups) * g.out_strides[1], g.out_strides[1], g.out_strides[0]};
  } else {
    wd = {oc, ic};
    uws = {g.out_strides[1], g.out_strides[0]};
  }
  Dims strides, dil, pl, pr, in_sp, dy_sp, ss_sp, ds_sp;
  for (int d = 0; d < ns; ++d) {
    const size_t du = size_t(d);
    const int64_t p = high_padding(g.in[du], g.out[du], g.window[du], g.rhs_dilation[du],
                                   g.strides[du], g.pad_lo[du]);
    if (p < 0) return nullptr;
    wd.push_back(g.out[du]);
    uws.push_back(g.out_strides[2 + du]);
    strides.push_back(g.rhs_dilation[du]);
    dil.push_back(g.strides[du] - 1);
    pl.push_back(g.pad_lo[du]);
    pr.push_back(p);
    in_sp.push_back(g.in[du]);
    dy_sp.push_back(g.window[du]);
    ss_sp.push_back(g.lhs_strides[2 + du]);
    ds_sp.push_back(g.rhs_strides[2 + du]);
  }
  // Chunks of about 25 MFLOP (a few per thread on these small convolutions),
  // at most 16; the count depends on the sizes only.
  const double flops = 2.0 * double(mb) * double(oc) * double(ic / groups) *
                       double(prod(g.window)) * double(prod(g.out));
  const int64_t want = std::clamp<int64_t>(int64_t(flops / 2.5e7), 1, std::min<int64_t>(mb, 16));
  auto e = std::make_shared<BwdWeights>();
  e->chunk = (mb + want - 1) / want;
  e->nchunks = (mb + e->chunk - 1) / e->chunk;
  const int64_t tail = mb - (e->nchunks - 1) * e->chunk;
  const auto f32 = memory::data_type::f32;
  const auto any = memory::format_tag::any;
  try {
    memory::desc wany(wd, f32, any);
    e->user_w = memory::desc(wd, f32, uws);
    auto make_part = [&](int64_t n, BwdPart& part) {
      Dims sd{n, ic}, ss{g.lhs_strides[1], g.lhs_strides[0]};
      Dims dd{n, oc}, ds{g.rhs_strides[1], g.rhs_strides[0]};
      sd.insert(sd.end(), in_sp.begin(), in_sp.end());
      ss.insert(ss.end(), ss_sp.begin(), ss_sp.end());
      dd.insert(dd.end(), dy_sp.begin(), dy_sp.end());
      ds.insert(ds.end(), ds_sp.begin(), ds_sp.end());
      memory::desc src(sd, f32, ss), ddst(dd, f32, ds);
      memory::desc src_any(sd, f32, any), ddst_any(dd, f32, any);
      auto make = [&](const memory::desc& s, const memory::desc& d) {
        dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training,
                                           dnnl::algorithm::convolution_direct, s, wany, d, strides,
                                           dil, pl, pr);
        dnnl::convolution_forward::primitive_desc hint(fd, engine());
        dnnl::convolution_backward_weights::desc bd(dnnl::algorithm::convolution_direct, s, wany, d,
                                                    strides, dil, pl, pr);
        return dnnl::convolution_backward_weights::primitive_desc(bd, user_scratchpad(), engine(),
                                                                  hint);
      };
      part.pd = make(src, ddst);
      if (!fast_impl(part.pd.impl_info_str())) {
        auto blocked = make(src_any, ddst_any);
        if (fast_impl(blocked.impl_info_str())) part.pd = blocked;
      }
      if (!fast_impl(part.pd.impl_info_str())) return false;
      part.prim = dnnl::convolution_backward_weights(part.pd);
      part.src = src;
      part.diff_dst = ddst;
      return true;
    };
    // Each chunk runs on one thread: its primitive is made for one.
    set_omp_threads(1);
    if (!make_part(e->chunk, e->full)) return nullptr;
    e->has_tail = tail != e->chunk;
    if (e->has_tail && !make_part(tail, e->tail)) return nullptr;
    memory::format_tag plain =
        ns == 1   ? (groups > 1 ? memory::format_tag::goiw : memory::format_tag::oiw)
        : ns == 2 ? (groups > 1 ? memory::format_tag::goihw : memory::format_tag::oihw)
                  : (groups > 1 ? memory::format_tag::goidhw : memory::format_tag::oidhw);
    e->plain_w = memory::desc(wd, f32, plain);
    e->w_elems = int64_t(e->plain_w.get_size() / sizeof(float));
    e->impl = std::string("backward_weights ") + e->full.pd.impl_info_str();
    return e;
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

void run_bwd_weights(const BwdWeights& b, const ConvGeometry& g, const float* lhs, const float* rhs,
                     float* out) {
  std::vector<float> partial(size_t(b.nchunks * b.w_elems));
  parallel_for(b.nchunks, [&](int64_t c) {
    set_omp_threads(1);
    const BwdPart& part = b.has_tail && c == b.nchunks - 1 ? b.tail : b.full;
    dnnl::stream s(engine());
    const int64_t n0 = c * b.chunk;
    memory src = as_layout(part.src, part.pd.src_desc(), lhs + n0 * g.lhs_strides[1], s);
    memory ddst = as_layout(part.diff_dst, part.pd.diff_dst_desc(), rhs + n0 * g.rhs_strides[1], s);
    float* mine = partial.data() + c * b.w_elems;
    memory plain(b.plain_w, engine(), mine);
    memory dw = part.pd.diff_weights_desc() == b.plain_w
                    ? plain
                    : memory(part.pd.diff_weights_desc(), engine());
    part.prim.execute(s, {{DNNL_ARG_SRC, src},
                          {DNNL_ARG_DIFF_DST, ddst},
                          {DNNL_ARG_DIFF_WEIGHTS, dw},
                          {DNNL_ARG_SCRATCHPAD, scratchpad(part.pd.scratchpad_desc())}});
    if (!(part.pd.diff_weights_desc() == b.plain_w)) dnnl::reorder(dw, plain).execute(s, dw, plain);
    s.wait();
  });
  // Chunk 0 + chunk 1 + ... in order, for every element.
  float* sum = partial.data();
  parallel_chunks(b.w_elems, 1 << 14, [&](int64_t lo, int64_t hi) {
    for (int64_t c = 1; c < b.nchunks; ++c) {
      const float* p = partial.data() + c * b.w_elems;
      for (int64_t i = lo; i < hi; ++i) sum[i] += p[i];
    }
  });
  dnnl::stream s(engine());
  memory from(b.plain_w, engine(), sum), to(b.user_w, engine(), out);
  if (b.plain_w == b.user_w)
    std::copy(sum, sum + b.w_elems, out);
  else
    dnnl::reorder(from, to).execute(s, from, to);
  s.wait();
}

}  // namespace

bool conv_onednn(const ConvGeometry& g, const float* lhs, const float* rhs, float* out) {
  if (env_path() == "im2col") return false;
  if (env_path() != "onednn" && bwd_weights_applies(g)) {
    auto b = cached<BwdWeights>(1, g, 1, [&] { return make_bwd_weights(g); });
    if (b) {
      run_bwd_weights(*b, g, lhs, rhs, out);
      return true;
    }
  }
  // Windows larger than the output that backward_weights declined: im2col
  // + gemm measured as fast as oneDNN's forward on one thread and 1.5x
  // faster on two (the ResNet layer's kernel gradient).
  if (prod(g.window) > prod(g.out) && env_path() != "onednn") return false;
  if (!forward_applies(g)) return false;
  sync_library_threads(forward_flops(g));
  auto f = cached<Forward>(0, g, omp_threads(), [&] { return make_forward(g); });
  if (!f) return false;
  run_forward(*f, lhs, rhs, out);
  return true;
}

std::string conv_onednn_path(const ConvGeometry& g) {
  if (env_path() == "im2col") return "";
  if (env_path() != "onednn" && bwd_weights_applies(g))
    if (auto b = cached<BwdWeights>(1, g, 1, [&] { return make_bwd_weights(g); }))
      return "oneDNN " + b->impl;
  if (prod(g.window) > prod(g.out) && env_path() != "onednn") return "";
  if (!forward_applies(g)) return "";
  sync_library_threads(forward_flops(g));
  auto f = cached<Forward>(0, g, omp_threads(), [&] { return make_forward(g); });
  return f ? "oneDNN " + f->impl : "";
}

}  // namespace jx::cpu
