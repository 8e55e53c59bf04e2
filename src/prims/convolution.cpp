// conv_general_dilated: XLA's convolution as a primitive, with its shape
// rule, eager kernel and jvp / transpose / batching rules side by side
// (jax/_src/lax/convolution.py), plus the layout-string parsing, padding
// modes and the conv / conv_transpose wrappers of jax.lax. Dimension numbers
// are stored canonically, as the index lists lhs_spec / rhs_spec / out_spec.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <numeric>
#include <optional>
#include <set>

#include "backend/cpu/contract_kernels.h"
#include "jx/lax.h"
#include "jx/lax_contract.h"
#include "prims/rules.h"

namespace jx::prims {
namespace {

using Ints = std::vector<int64_t>;
using Pads = std::vector<std::pair<int64_t, int64_t>>;
using JvpOut = std::pair<std::vector<Array>, std::vector<Array>>;
using BatchOut = std::pair<std::vector<Array>, std::vector<int>>;
using lax::ConvDimensionNumbers;
constexpr const char* kOp = "conv_general_dilated";

// All the parameters of one convolution, unpacked.
struct ConvParams {
  Ints strides, lhs_dilation, rhs_dilation;
  Pads padding;
  ConvDimensionNumbers dn;
  int64_t fgc = 1, bgc = 1;
  std::optional<DType> preferred;
};

ConvParams unpack(const Params& p) {
  ConvParams c;
  c.strides = p.get_ints("window_strides");
  const Ints& flat = p.get_ints("padding");
  for (size_t i = 0; i + 1 < flat.size(); i += 2) c.padding.push_back({flat[i], flat[i + 1]});
  c.lhs_dilation = p.get_ints("lhs_dilation");
  c.rhs_dilation = p.get_ints("rhs_dilation");
  c.dn = {p.get_ints("lhs_spec"), p.get_ints("rhs_spec"), p.get_ints("out_spec")};
  c.fgc = p.get_int("feature_group_count");
  c.bgc = p.get_int("batch_group_count");
  if (p.has("preferred_element_type")) c.preferred = p.get<DType>("preferred_element_type");
  return c;
}

Params pack(const ConvParams& c) {
  Ints flat;
  for (auto [lo, hi] : c.padding) {
    flat.push_back(lo);
    flat.push_back(hi);
  }
  Params p{{"window_strides", c.strides},
           {"padding", flat},
           {"lhs_dilation", c.lhs_dilation},
           {"rhs_dilation", c.rhs_dilation},
           {"lhs_spec", c.dn.lhs_spec},
           {"rhs_spec", c.dn.rhs_spec},
           {"out_spec", c.dn.out_spec},
           {"feature_group_count", c.fgc},
           {"batch_group_count", c.bgc}};
  if (c.preferred) p.set("preferred_element_type", *c.preferred);
  return p;
}

Ints take(const Shape& s, std::span<const int64_t> dims) {
  Ints r;
  for (int64_t d : dims) r.push_back(s[size_t(d)]);
  return r;
}
Ints spatial(const Ints& spec) { return Ints(spec.begin() + std::min<size_t>(2, spec.size()), spec.end()); }

int64_t dilate_dim(int64_t d, int64_t dil) { return d == 0 ? 0 : 1 + dil * (d - 1); }
int64_t stride_dim(int64_t d, int64_t window, int64_t stride) {
  return d < window ? 0 : (d - window) / stride + 1;
}

// ---------------------------------------------------------------- shape rule
void check_spec(const char* name, const Ints& spec, const Aval& a) {
  Ints sorted = spec;
  std::sort(sorted.begin(), sorted.end());
  bool ok = int64_t(spec.size()) == a.ndim();
  for (size_t i = 0; ok && i < sorted.size(); ++i) ok = sorted[i] == int64_t(i);
  if (!ok)
    throw_error(kOp, std::string("dimension_numbers ") + name + " " + shape_str(spec) +
                         " must be a permutation of the " + std::to_string(a.ndim()) + " dimensions of " + a.str());
}

void check_len(const char* name, size_t got, size_t want) {
  if (got != want)
    throw_error(kOp, std::string(name) + " must have one entry per spatial dimension (" + std::to_string(want) +
                         "), got " + std::to_string(got));
}

Aval conv_shape_rule(const Aval& l, const Aval& r, const ConvParams& c) {
  if (l.ndim() != r.ndim())
    throw_error(kOp, "lhs and rhs must have the same rank, got " + l.str() + " and " + r.str());
  if (l.ndim() < 2) throw_error(kOp, "operands must have rank >= 2, got " + l.str());
  if (l.dtype != r.dtype)
    throw_error(kOp, "operands must have equal dtypes, got " + std::string(l.dtype.name()) + " and " +
                         std::string(r.dtype.name()) + " (jx::np promotes; jx::lax does not)");
  check_spec("lhs_spec", c.dn.lhs_spec, l);
  check_spec("rhs_spec", c.dn.rhs_spec, r);
  check_spec("out_spec", c.dn.out_spec, l);
  const size_t ns = size_t(l.ndim() - 2);
  check_len("window_strides", c.strides.size(), ns);
  check_len("padding", c.padding.size(), ns);
  check_len("lhs_dilation", c.lhs_dilation.size(), ns);
  check_len("rhs_dilation", c.rhs_dilation.size(), ns);
  for (size_t d = 0; d < ns; ++d) {
    if (c.strides[d] < 1) throw_error(kOp, "window_strides must be positive, got " + shape_str(c.strides));
    if (c.lhs_dilation[d] < 1) throw_error(kOp, "lhs_dilation must be positive, got " + shape_str(c.lhs_dilation));
    if (c.rhs_dilation[d] < 1) throw_error(kOp, "rhs_dilation must be positive, got " + shape_str(c.rhs_dilation));
  }
  const int64_t n = l.shape[size_t(c.dn.lhs_spec[0])], ch = l.shape[size_t(c.dn.lhs_spec[1])];
  const int64_t o = r.shape[size_t(c.dn.rhs_spec[0])], i = r.shape[size_t(c.dn.rhs_spec[1])];
  const std::string shapes = " (lhs " + l.str() + ", rhs " + r.str() + ")";
  if (c.fgc < 1) throw_error(kOp, "feature_group_count must be a positive integer, got " + std::to_string(c.fgc));
  if (c.bgc < 1) throw_error(kOp, "batch_group_count must be a positive integer, got " + std::to_string(c.bgc));
  if (c.fgc > 1 && c.bgc > 1)
    throw_error(kOp, "at most one of batch_group_count and feature_group_count may be > 1, got batch_group_count=" +
                         std::to_string(c.bgc) + " and feature_group_count=" + std::to_string(c.fgc));
  if (ch % c.fgc != 0)
    throw_error(kOp, "feature_group_count must divide the lhs feature dimension size, but " + std::to_string(c.fgc) +
                         " does not divide " + std::to_string(ch) + shapes);
  if (ch / c.fgc != i)
    throw_error(kOp, "lhs feature dimension size divided by feature_group_count must equal the rhs input feature "
                     "dimension size, but " + std::to_string(ch) + " // " + std::to_string(c.fgc) + " != " +
                         std::to_string(i) + shapes);
  if (o % c.fgc != 0)
    throw_error(kOp, "rhs output feature dimension size must be a multiple of feature_group_count, but " +
                         std::to_string(o) + " is not a multiple of " + std::to_string(c.fgc) + shapes);
  if (n % c.bgc != 0)
    throw_error(kOp, "batch_group_count must divide the lhs batch dimension size, but " + std::to_string(c.bgc) +
                         " does not divide " + std::to_string(n) + shapes);
  if (o % c.bgc != 0)
    throw_error(kOp, "rhs output feature dimension size must be a multiple of batch_group_count, but " +
                         std::to_string(o) + " is not a multiple of " + std::to_string(c.bgc) + shapes);
  Ints out_trans{n / c.bgc, o};
  const Ints in = take(l.shape, spatial(c.dn.lhs_spec)), win = take(r.shape, spatial(c.dn.rhs_spec));
  for (size_t d = 0; d < ns; ++d) {
    int64_t padded = dilate_dim(in[d], c.lhs_dilation[d]) + c.padding[d].first + c.padding[d].second;
    if (padded < 0)
      throw_error(kOp, "negative padding is larger than the size of the corresponding dimension: got padding (" +
                           std::to_string(c.padding[d].first) + ", " + std::to_string(c.padding[d].second) +
                           ") for spatial size " + std::to_string(in[d]) + shapes);
    out_trans.push_back(stride_dim(padded, dilate_dim(win[d], c.rhs_dilation[d]), c.strides[d]));
  }
  if (c.preferred) {
    DType pt = *c.preferred;
    bool ok = !(l.dtype.is_floating() && !pt.is_floating()) && !(l.dtype.is_integer() && !pt.is_integer()) &&
              !(l.dtype.is_signed_int() && !pt.is_signed_int()) && pt.itemsize() >= l.dtype.itemsize();
    if (!ok)
      throw_error(kOp, "preferred_element_type " + std::string(pt.name()) +
                           " must be of the operands' kind and signedness and not narrower than " +
                           std::string(l.dtype.name()));
  }
  Ints shape(size_t(l.ndim()));
  for (size_t k = 0; k < shape.size(); ++k) shape[size_t(c.dn.out_spec[k])] = out_trans[k];
  return Aval{c.preferred ? *c.preferred : l.dtype, Shape(shape),
              !c.preferred && l.weak_type && r.weak_type};
}

// ---------------------------------------------------------------- kernel
void conv_impl(std::span<const Array> in, std::span<Array> out, const Params& params) {
  ConvParams c = unpack(params);
  const Array &l = in[0], &r = in[1];
  const Ints ls = strides_of(l.shape()), rs = strides_of(r.shape()), os = strides_of(out[0].shape());
  cpu::ConvGeometry g;
  g.n = l.shape()[size_t(c.dn.lhs_spec[0])];
  g.c = l.shape()[size_t(c.dn.lhs_spec[1])];
  g.o = r.shape()[size_t(c.dn.rhs_spec[0])];
  g.i = r.shape()[size_t(c.dn.rhs_spec[1])];
  g.in = take(l.shape(), spatial(c.dn.lhs_spec));
  g.window = take(r.shape(), spatial(c.dn.rhs_spec));
  g.out = take(out[0].shape(), spatial(c.dn.out_spec));
  g.strides = c.strides;
  for (auto [lo, hi] : c.padding) {
    g.pad_lo.push_back(lo);
    g.pad_hi.push_back(hi);
  }
  g.lhs_dilation = c.lhs_dilation;
  g.rhs_dilation = c.rhs_dilation;
  g.feature_group_count = c.fgc;
  g.batch_group_count = c.bgc;
  for (int64_t d : c.dn.lhs_spec) g.lhs_strides.push_back(ls[size_t(d)]);
  for (int64_t d : c.dn.rhs_spec) g.rhs_strides.push_back(rs[size_t(d)]);
  for (int64_t d : c.dn.out_spec) g.out_strides.push_back(os[size_t(d)]);
  cpu::conv(g, l.dtype(), in_data(l), in_data(r), out[0].dtype(), out_data(out[0]));
}

Primitive conv_p = [] {
  Primitive p;
  p.name = kOp;
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    if (in.size() != 2) throw_error(kOp, "takes two operands, got " + std::to_string(in.size()));
    return std::vector<Aval>{conv_shape_rule(in[0], in[1], unpack(params))};
  };
  p.impl = conv_impl;
  return p;
}();

Array conv_bind(const Array& l, const Array& r, const ConvParams& c) { return bind1(conv_p, {l, r}, pack(c)); }

// ---------------------------------------------------------------- rule helpers
// Merges axis src into axis dst (numbered without src) as its major part.
Array reshape_axis_into(int64_t src, int64_t dst, const Array& x) {
  Ints perm;
  for (int64_t i = 0; i < x.ndim(); ++i)
    if (i != src) perm.push_back(i);
  perm.insert(perm.begin() + dst, src);
  Ints shape;
  for (int64_t i = 0; i < x.ndim(); ++i)
    if (i != src) shape.push_back(x.shape()[size_t(i)]);
  shape[size_t(dst)] *= x.shape()[size_t(src)];
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == int64_t(i);
  return lax::reshape(identity ? x : lax::transpose(x, perm), Shape(shape));
}
// Splits axis src into (size1, rest).
Array reshape_axis_out_of(int64_t src, int64_t size1, const Array& x) {
  Ints shape = x.shape().to_vector();
  int64_t rest = shape[size_t(src)] / size1;
  shape[size_t(src)] = rest;
  shape.insert(shape.begin() + src, size1);
  return lax::reshape(x, Shape(shape));
}

ConvDimensionNumbers swap01(const ConvDimensionNumbers& dn) {
  auto sw = [](Ints s) {
    std::swap(s[0], s[1]);
    return s;
  };
  return {sw(dn.lhs_spec), sw(dn.rhs_spec), sw(dn.out_spec)};
}

Ints dilate_all(const Ints& sizes, const Ints& dil) {
  Ints r;
  for (size_t i = 0; i < sizes.size(); ++i) r.push_back(dilate_dim(sizes[i], dil[i]));
  return r;
}

// A zero array of the given aval on the current trace.
Array zeros_of(const Aval& a) {
  Array s = make_uninit(Aval{a.dtype, {}, a.weak_type}, default_device());
  std::memset(out_data(s), 0, size_t(a.dtype.itemsize()));
  return lax::broadcast_in_dim(s, a.shape, {});
}

// JAX's _conv_general_vjp_lhs_padding / _conv_general_vjp_rhs_padding.
Pads vjp_lhs_padding(const Ints& in, const Ints& window, const Ints& strides, const Ints& out,
                     const Pads& padding, const Ints& ld, const Ints& rd) {
  Ints lhs_d = dilate_all(in, ld), rhs_d = dilate_all(window, rd), out_d = dilate_all(out, strides);
  Pads r;
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t before = rhs_d[i] - padding[i].first - 1;
    r.push_back({before, lhs_d[i] + rhs_d[i] - 1 - out_d[i] - before});
  }
  return r;
}
Pads vjp_rhs_padding(const Ints& in, const Ints& window, const Ints& strides, const Ints& out,
                     const Pads& padding, const Ints& ld, const Ints& rd) {
  Ints lhs_d = dilate_all(in, ld), rhs_d = dilate_all(window, rd), out_d = dilate_all(out, strides);
  Pads r;
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t lo = padding[i].first;
    r.push_back({lo, (out_d[i] - lhs_d[i]) + (rhs_d[i] - lo - 1)});
  }
  return r;
}

// The cotangent of lhs: a convolution of g with the spatially flipped kernel
// whose in/out features are swapped, lhs dilation = the forward strides
// (JAX's _conv_general_dilated_transpose_lhs). Groups move from the kernel's
// output features into its input features.
Array transpose_lhs(const Array& g, const Aval& lhs, Array rhs, const ConvParams& c) {
  const auto& [ls, rs, os] = c.dn;
  const Shape rhs_shape = rhs.shape();
  ConvParams t;
  t.fgc = c.fgc;
  if (c.fgc > 1) {
    rhs = reshape_axis_into(rs[0], rs[1], reshape_axis_out_of(rs[0], c.fgc, rhs));
  } else if (c.bgc > 1) {
    rhs = reshape_axis_into(rs[0], rs[1], reshape_axis_out_of(rs[0], c.bgc, rhs));
    t.fgc = c.bgc;
  }
  Ints t_rs = rs;
  std::swap(t_rs[0], t_rs[1]);
  t.dn = {os, t_rs, ls};
  t.padding = vjp_lhs_padding(take(lhs.shape, spatial(ls)), take(rhs_shape, spatial(rs)), c.strides,
                              take(g.shape(), spatial(os)), c.padding, c.lhs_dilation, c.rhs_dilation);
  Array rev = lax::rev(rhs, spatial(rs));
  if (rev.dtype() != g.dtype()) rev = lax::convert_element_type(rev, g.dtype());
  t.strides = c.lhs_dilation;
  t.lhs_dilation = c.strides;
  t.rhs_dilation = c.rhs_dilation;
  t.bgc = 1;
  t.preferred = c.preferred;
  Array out = conv_bind(g, rev, t);
  if (out.dtype() != lhs.dtype) out = lax::convert_element_type(out, lhs.dtype);
  if (c.bgc > 1) out = reshape_axis_into(ls[1], ls[0], reshape_axis_out_of(ls[1], c.bgc, out));
  return out;
}

// The cotangent of rhs: a convolution of lhs with g in which batch and
// features trade places (JAX's _conv_general_dilated_transpose_rhs);
// feature groups become batch groups and back.
Array transpose_rhs(const Array& g, Array lhs, const Aval& rhs, const ConvParams& c) {
  if (g.size() == 0) return zeros_of(rhs);
  ConvParams t;
  t.fgc = c.bgc > 1 ? c.bgc : 1;
  t.bgc = c.fgc > 1 ? c.fgc : 1;
  ConvDimensionNumbers tr = swap01(c.dn);
  t.dn = {tr.lhs_spec, tr.out_spec, tr.rhs_spec};
  t.padding = vjp_rhs_padding(take(lhs.shape(), spatial(c.dn.lhs_spec)), take(rhs.shape, spatial(c.dn.rhs_spec)),
                              c.strides, take(g.shape(), spatial(c.dn.out_spec)), c.padding, c.lhs_dilation,
                              c.rhs_dilation);
  if (lhs.dtype() != g.dtype()) lhs = lax::convert_element_type(lhs, g.dtype());
  t.strides = c.rhs_dilation;
  t.lhs_dilation = c.lhs_dilation;
  t.rhs_dilation = c.strides;
  t.preferred = c.preferred;
  Array out = conv_bind(lhs, g, t);
  if (out.dtype() != rhs.dtype) out = lax::convert_element_type(out, rhs.dtype);
  return out;
}

// JAX's _conv_general_dilated_batch_rule: the batch axis is folded into the
// lhs batch dim, the lhs feature dim (as extra feature groups) or the
// kernel's output features, so the batched conv is one convolution.
BatchOut conv_batch(std::span<const Array> vals, std::span<const int> dims, const Params& params) {
  ConvParams c = unpack(params);
  const Array &lhs = vals[0], &rhs = vals[1];
  const int lbd = dims[0], rbd = dims[1];
  const auto& [ls, rs, os] = c.dn;
  const int64_t nb = lbd >= 0 ? lhs.shape()[size_t(lbd)] : rhs.shape()[size_t(rbd)];
  if (nb == 0) {
    Aval la = lhs.aval(), ra = rhs.aval();
    if (lbd >= 0) la.shape.erase(size_t(lbd));
    if (rbd >= 0) ra.shape.erase(size_t(rbd));
    Aval oa = conv_shape_rule(la, ra, c);
    oa.shape.insert(0, 0);
    return BatchOut{{zeros_of(oa)}, {0}};
  }
  if (lbd >= 0 && rbd >= 0) {
    ConvParams t = c;
    Array nl;
    if (c.bgc > 1) {
      nl = reshape_axis_into(lbd, ls[0], lhs);
      t.bgc *= nb;
    } else {
      nl = reshape_axis_into(lbd, ls[1], lhs);
      t.fgc *= nb;
    }
    Array out = conv_bind(nl, reshape_axis_into(rbd, rs[0], rhs), t);
    return BatchOut{{reshape_axis_out_of(os[1], nb, out)}, {int(os[1])}};
  }
  if (lbd >= 0) {
    Array nl;
    if (c.bgc == 1) {
      nl = reshape_axis_into(lbd, ls[0], lhs);
    } else {
      // Groups stay outermost in the batch dim: split them out, fold the vmap
      // axis in after them, and merge back.
      nl = reshape_axis_out_of(ls[0] + (lbd <= ls[0] ? 1 : 0), c.bgc, lhs);
      nl = reshape_axis_into(lbd + (ls[0] < lbd ? 1 : 0), ls[0] + 1, nl);
      nl = reshape_axis_into(ls[0], ls[0], nl);
    }
    Array out = conv_bind(nl, rhs, c);
    return BatchOut{{reshape_axis_out_of(os[0], nb, out)}, {int(os[0])}};
  }
  if (c.fgc == 1 && c.bgc == 1) {
    Array out = conv_bind(lhs, reshape_axis_into(rbd, rs[0], rhs), c);
    return BatchOut{{reshape_axis_out_of(os[1], nb, out)}, {int(os[1])}};
  }
  const int64_t groups = c.fgc > 1 ? c.fgc : c.bgc;
  Array nr = reshape_axis_out_of(rs[0] + (rbd <= rs[0] ? 1 : 0), groups, rhs);
  nr = reshape_axis_into(rbd + (rs[0] < rbd ? 1 : 0), rs[0] + 1, nr);
  nr = reshape_axis_into(rs[0], rs[0], nr);
  Array out = conv_bind(lhs, nr, c);
  out = reshape_axis_out_of(os[1], groups, out);
  out = reshape_axis_out_of(os[1] + 1, nb, out);
  out = reshape_axis_into(os[1], os[1] + 1, out);
  return BatchOut{{out}, {int(os[1])}};
}

const bool conv_rules = [] {
  Primitive& p = conv_p;
  // Bilinear: d conv(x, w) = conv(dx, w) + conv(x, dw).
  p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    Array y = bind1(conv_p, primals, params);
    Array t;
    if (tangents[0].defined()) t = bind1(conv_p, {tangents[0], primals[1]}, params);
    if (tangents[1].defined()) {
      Array t2 = bind1(conv_p, {primals[0], tangents[1]}, params);
      t = t.defined() ? lax::add(t, t2) : t2;
    }
    return JvpOut{{y}, {t}};
  };
  p.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params& params) {
    const Array &ct = cts[0], &x = in[0], &w = in[1];
    bool ux = is_undefined_primal(x), uw = is_undefined_primal(w);
    if (!ct.defined()) return std::vector<Array>{Array(), Array()};
    if (ux && uw) throw_error(kOp, "transpose of conv_general_dilated needs one operand known (it is bilinear)");
    ConvParams c = unpack(params);
    return std::vector<Array>{ux ? transpose_lhs(ct, x.aval(), w, c) : Array(),
                              uw ? transpose_rhs(ct, x, w.aval(), c) : Array()};
  };
  p.batch = conv_batch;
  register_primitive(p);
  return true;
}();

}  // namespace

}  // namespace jx::prims

// ---------------------------------------------------------------- public API
namespace jx::lax {

using prims::Ints;
using prims::Pads;

ConvDimensionNumbers conv_dimension_numbers(std::string_view lhs, std::string_view rhs, std::string_view out,
                                            Loc loc) {
  CallSite site(loc);
  const std::string_view specs[3] = {lhs, rhs, out};
  const char pairs[3][2] = {{'N', 'C'}, {'O', 'I'}, {'N', 'C'}};
  std::string all = "(\"" + std::string(lhs) + "\", \"" + std::string(rhs) + "\", \"" + std::string(out) + "\")";
  if (lhs.size() != rhs.size() || lhs.size() != out.size())
    throw_error(prims::kOp, "dimension_numbers " + all + " must have three strings of equal length");
  std::set<char> spatial_sets[3];
  for (int k = 0; k < 3; ++k) {
    std::string_view s = specs[k];
    for (char ch : {pairs[k][0], pairs[k][1]})
      if (std::count(s.begin(), s.end(), ch) != 1)
        throw_error(prims::kOp, "dimension_numbers[" + std::to_string(k) + "] must contain the characters '" +
                                    std::string(1, pairs[k][0]) + "' and '" + std::string(1, pairs[k][1]) +
                                    "' exactly once, got \"" + std::string(s) + "\"");
    std::set<char> seen(s.begin(), s.end());
    if (seen.size() != s.size())
      throw_error(prims::kOp, "dimension_numbers[" + std::to_string(k) + "] cannot have duplicate characters, got \"" +
                                  std::string(s) + "\"");
    for (char ch : s)
      if (ch != pairs[k][0] && ch != pairs[k][1]) spatial_sets[k].insert(ch);
  }
  if (spatial_sets[0] != spatial_sets[1] || spatial_sets[1] != spatial_sets[2])
    throw_error(prims::kOp, "dimension_numbers " + all + " must each have the same set of spatial characters");
  // Spatial dims are ordered as the rhs string orders them.
  std::string rhs_spatial;
  for (char ch : rhs)
    if (ch != 'O' && ch != 'I') rhs_spatial += ch;
  auto perm = [&](std::string_view s, char a, char b) {
    Ints p{int64_t(s.find(a)), int64_t(s.find(b))};
    for (char ch : rhs_spatial) p.push_back(int64_t(s.find(ch)));
    return p;
  };
  return {perm(lhs, 'N', 'C'), perm(rhs, 'O', 'I'), perm(out, 'N', 'C')};
}

ConvDimensionNumbers ConvDims::resolve(int64_t ndim, const Loc& loc) const {
  switch (kind_) {
    case Kind::kNumbers: return dn_;
    case Kind::kStrings:
      for (int k = 0; k < 3; ++k)
        if (int64_t(strings_[size_t(k)].size()) != ndim)
          throw_error_at(prims::kOp, "dimension_numbers[" + std::to_string(k) + "] \"" + strings_[size_t(k)] +
                                         "\" must have one character per dimension of the operands (rank " +
                                         std::to_string(ndim) + ")", loc);
      return conv_dimension_numbers(strings_[0], strings_[1], strings_[2], loc);
    case Kind::kDefault: break;
  }
  Ints iota(size_t(std::max<int64_t>(ndim, 0)));
  std::iota(iota.begin(), iota.end(), 0);
  return {iota, iota, iota};
}

PaddingSpec::PaddingSpec(std::string_view mode) : text_(mode) {
  std::string up;
  for (char ch : mode) up += char(std::toupper(static_cast<unsigned char>(ch)));
  if (up == "SAME") mode_ = Mode::kSame;
  else if (up == "SAME_LOWER") mode_ = Mode::kSameLower;
  else if (up == "VALID") mode_ = Mode::kValid;
  else mode_ = Mode::kBad;
}

std::string_view PaddingSpec::mode() const {
  switch (mode_) {
    case Mode::kSame: return "SAME";
    case Mode::kSameLower: return "SAME_LOWER";
    case Mode::kValid: return "VALID";
    case Mode::kExplicit: return "";
    case Mode::kBad: break;
  }
  return text_;
}

std::vector<std::pair<int64_t, int64_t>> PaddingSpec::resolve(std::span<const int64_t> in,
                                                              std::span<const int64_t> window,
                                                              std::span<const int64_t> strides,
                                                              std::string_view op) const {
  if (mode_ == Mode::kBad)
    throw_error(op, "padding must be \"SAME\", \"SAME_LOWER\", \"VALID\" or (low, high) pairs, got \"" + text_ + "\"");
  if (mode_ == Mode::kExplicit) return pairs_;
  if (in.size() != strides.size() || window.size() != in.size())
    throw_error(op, "window_strides must have one entry per spatial dimension (" + std::to_string(in.size()) +
                        "), got " + std::to_string(strides.size()));
  Pads r;
  for (size_t d = 0; d < in.size(); ++d) {
    if (mode_ == Mode::kValid) {
      r.push_back({0, 0});
      continue;
    }
    if (strides[d] < 1) throw_error(op, "window_strides must be positive, got " + shape_str(strides));
    int64_t out = (in[d] + strides[d] - 1) / strides[d];
    int64_t pad = std::max<int64_t>((out - 1) * strides[d] + window[d] - in[d], 0);
    if (mode_ == Mode::kSame) r.push_back({pad / 2, pad - pad / 2});
    else r.push_back({pad - pad / 2, pad / 2});
  }
  return r;
}

namespace {
Ints ones(size_t n) { return Ints(n, 1); }
// Checks the parts of the dimension numbers that resolving string padding
// reads (the full check is the shape rule's).
void check_spec_ranges(const Array& lhs, const Array& rhs, const ConvDimensionNumbers& dn) {
  auto ok = [](const Ints& spec, int64_t nd) {
    if (int64_t(spec.size()) != nd) return false;
    for (int64_t d : spec)
      if (d < 0 || d >= nd) return false;
    return true;
  };
  if (lhs.ndim() != rhs.ndim())
    throw_error(prims::kOp, "lhs and rhs must have the same rank, got " + lhs.aval().str() + " and " + rhs.aval().str());
  if (!ok(dn.lhs_spec, lhs.ndim()) || !ok(dn.rhs_spec, rhs.ndim()) ||
      !ok(dn.out_spec, lhs.ndim()))
    throw_error(prims::kOp, "dimension_numbers lhs_spec " + shape_str(dn.lhs_spec) + ", rhs_spec " +
                                shape_str(dn.rhs_spec) + ", out_spec " + shape_str(dn.out_spec) +
                                " do not fit operands " + lhs.aval().str() + " and " + rhs.aval().str());
}
}  // namespace

Array conv_general_dilated(const Array& lhs, const Array& rhs, std::vector<int64_t> window_strides,
                           const PaddingSpec& padding, std::vector<int64_t> lhs_dilation,
                           std::vector<int64_t> rhs_dilation, const ConvDims& dimension_numbers,
                           int64_t feature_group_count, int64_t batch_group_count,
                           std::optional<DType> preferred_element_type, Loc loc) {
  CallSite site(loc);
  if (lhs.ndim() < 2) throw_error(prims::kOp, "operands must have rank >= 2, got " + lhs.aval().str());
  prims::ConvParams c;
  c.dn = dimension_numbers.resolve(lhs.ndim(), loc);
  const size_t ns = size_t(lhs.ndim() - 2);
  c.strides = std::move(window_strides);
  c.lhs_dilation = lhs_dilation.empty() ? ones(ns) : std::move(lhs_dilation);
  c.rhs_dilation = rhs_dilation.empty() ? ones(ns) : std::move(rhs_dilation);
  if (padding.is_explicit()) {
    c.padding = padding.pairs();
  } else {
    for (int64_t d : c.lhs_dilation)
      if (d != 1)
        throw_error(prims::kOp, "string padding is not implemented for transposed convolution (lhs_dilation " +
                                    shape_str(c.lhs_dilation) + "); give explicit padding or use conv_transpose");
    check_spec_ranges(lhs, rhs, c.dn);
    Ints in = prims::take(lhs.shape(), prims::spatial(c.dn.lhs_spec));
    Ints win = prims::take(rhs.shape(), prims::spatial(c.dn.rhs_spec));
    if (c.rhs_dilation.size() == win.size())
      for (size_t d = 0; d < win.size(); ++d) win[d] = prims::dilate_dim(win[d], c.rhs_dilation[d]);
    c.padding = padding.resolve(in, win, c.strides);
  }
  c.fgc = feature_group_count;
  c.bgc = batch_group_count;
  c.preferred = preferred_element_type;
  return prims::conv_bind(lhs, rhs, c);
}

Array conv(const Array& lhs, const Array& rhs, std::vector<int64_t> window_strides, const PaddingSpec& padding,
           Loc loc) {
  return conv_general_dilated(lhs, rhs, std::move(window_strides), padding, {}, {}, {}, 1, 1, std::nullopt, loc);
}

Array conv_transpose(const Array& lhs, const Array& rhs, std::vector<int64_t> strides, const PaddingSpec& padding,
                     std::vector<int64_t> rhs_dilation, const ConvDims& dimension_numbers, bool transpose_kernel,
                     std::optional<DType> preferred_element_type, Loc loc) {
  CallSite site(loc);
  const int64_t nd = lhs.ndim();
  ConvDims dims = dimension_numbers;
  if (dims.is_default()) {
    switch (nd) {
      case 2: dims = ConvDims("NC", "IO", "NC"); break;
      case 3: dims = ConvDims("NHC", "HIO", "NHC"); break;
      case 4: dims = ConvDims("NHWC", "HWIO", "NHWC"); break;
      case 5: dims = ConvDims("NHWDC", "HWDIO", "NHWDC"); break;
      default:
        throw_error("conv_transpose", "no default dimension_numbers for operands of rank " + std::to_string(nd) +
                                          " (" + lhs.aval().str() + ")");
    }
  }
  ConvDimensionNumbers dn = dims.resolve(nd, loc);
  check_spec_ranges(lhs, rhs, dn);
  const size_t ns = size_t(nd - 2);
  if (rhs_dilation.empty()) rhs_dilation = ones(ns);
  if (strides.size() != ns || rhs_dilation.size() != ns)
    throw_error("conv_transpose", "strides and rhs_dilation must have one entry per spatial dimension (" +
                                      std::to_string(ns) + "), got " + shape_str(strides) + " and " +
                                      shape_str(rhs_dilation));
  Pads pads;
  std::string_view mode = padding.mode();
  if (padding.is_explicit()) {
    pads = padding.pairs();
  } else if (mode == "SAME" || mode == "VALID") {
    Ints k = prims::take(rhs.shape(), prims::spatial(dn.rhs_spec));
    for (size_t d = 0; d < ns; ++d) {
      int64_t ke = prims::dilate_dim(k[d], rhs_dilation[d]), s = strides[d];
      int64_t len, a;
      if (mode == "SAME") {
        len = ke + s - 2;
        a = s > ke - 1 ? ke - 1 : (len + 1) / 2;
      } else {
        len = ke + s - 2 + std::max<int64_t>(ke - s, 0);
        a = ke - 1;
      }
      pads.push_back({a, len - a});
    }
  } else {
    throw_error("conv_transpose", "padding must be \"SAME\", \"VALID\" or (low, high) pairs, got \"" +
                                      std::string(mode) + "\"");
  }
  Array w = rhs;
  if (transpose_kernel) {
    w = lax::rev(w, prims::spatial(dn.rhs_spec));
    Ints perm(static_cast<size_t>(nd));
    std::iota(perm.begin(), perm.end(), 0);
    std::swap(perm[size_t(dn.rhs_spec[0])], perm[size_t(dn.rhs_spec[1])]);
    w = lax::transpose(w, perm);
  }
  return conv_general_dilated(lhs, w, ones(ns), pads, strides, rhs_dilation, dn, 1, 1, preferred_element_type, loc);
}

}  // namespace jx::lax
