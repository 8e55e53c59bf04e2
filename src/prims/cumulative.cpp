// Cumulative reductions along one axis: cumsum, cumprod, cummax, cummin and
// cumlogsumexp (params: axis, reverse), with their rules
// (jax/_src/lax/control_flow/loops.py: _cumred_*, _cumsum_transpose_rule,
// _cumulative_jvp_rule). cumsum is linear: its transpose is the cumsum in the
// other direction. The others differentiate as JAX does: the jvp of the
// same prefix scan written as a parallel (associative) scan of lax ops, so
// ties in cummax/cummin split the tangent as lax.max does, and higher orders
// follow from the rules of those ops.
#include <functional>

#include "backend/cpu/kernels.h"
#include "jx/lax.h"
#include "jx/lax_sort.h"
#include "jx/transforms_flat.h"
#include "prims/rules.h"

namespace jx::cpu {  // backend/cpu/windowed.cpp
enum class CumKind : uint8_t { kSum, kProd, kMax, kMin, kLogSumExp };
void cumulative(CumKind k, DType dt, const void* x, void* y, int64_t outer, int64_t n,
                int64_t inner, bool reverse);
}  // namespace jx::cpu

namespace jx::prims {
namespace {

using cpu::CumKind;
using Ints = std::vector<int64_t>;
using JvpOut = std::pair<std::vector<Array>, std::vector<Array>>;
using BatchOut = std::pair<std::vector<Array>, std::vector<int>>;
using Combine = std::function<Array(const Array&, const Array&)>;

// ---------------------------------------------------------------- associative scan

Array slice_axis(const Array& x, int axis, int64_t start, int64_t stop, int64_t stride = 1) {
  Ints s(size_t(x.ndim()), 0), l = x.shape().to_vector(), st(size_t(x.ndim()), 1);
  s[size_t(axis)] = start;
  l[size_t(axis)] = stop;
  st[size_t(axis)] = stride;
  return lax::slice(x, s, l, st);
}

Array zero_scalar(DType dt) {
  Array s = make_uninit(Aval{dt, {}, false}, default_device());
  double v = 0;
  cpu::convert(float64, &v, dt, out_data(s), 1);
  return s;
}

// a0 b0 a1 b1 ... along axis, where a has as many elements as b or one more.
Array interleave(const Array& a, const Array& b, int axis) {
  bool same = a.shape()[size_t(axis)] == b.shape()[size_t(axis)];
  std::vector<lax::PadConfig> pa(size_t(a.ndim())), pb(size_t(b.ndim()));
  pa[size_t(axis)] = {0, same ? 1 : 0, 1};
  pb[size_t(axis)] = {1, same ? 0 : 1, 1};
  Array z = zero_scalar(a.dtype());
  Array pa_x = lax::pad(a, z, pa), pb_x = lax::pad(b, z, pb);
  return a.dtype().is_bool() ? lax::bitwise_or(pa_x, pb_x) : lax::add(pa_x, pb_x);
}

// Inclusive scan of x along axis with an associative combine (JAX's
// associative_scan): combine adjacent pairs, scan those recursively, then
// fill in the even positions.
Array associative_scan(const Combine& f, const Array& x, int axis) {
  int64_t n = x.shape()[size_t(axis)];
  if (n < 2) return x;
  Array reduced = f(slice_axis(x, axis, 0, n - 1, 2), slice_axis(x, axis, 1, n, 2));
  Array odd = associative_scan(f, reduced, axis);
  Array even = n % 2 == 0 ? f(slice_axis(odd, axis, 0, odd.shape()[size_t(axis)] - 1),
                              slice_axis(x, axis, 2, n, 2))
                          : f(odd, slice_axis(x, axis, 2, n, 2));
  even = lax::concatenate({slice_axis(x, axis, 0, 1), even}, axis);
  return interleave(even, odd, axis);
}

// jnp.logaddexp as lax ops (NaN and inf - inf fall back to a + b).
Array logaddexp(const Array& a, const Array& b) {
  Array amax = lax::max(a, b), delta = lax::sub(a, b);
  Array soft = lax::add(amax, lax::log1p(lax::exp(lax::neg(lax::abs(delta)))));
  return lax::select_n(lax::ne(delta, delta), {soft, lax::add(a, b)});
}

Combine combine_of(CumKind k) {
  switch (k) {
    case CumKind::kSum:
      return [](const Array& a, const Array& b) { return lax::add(a, b); };
    case CumKind::kProd:
      return [](const Array& a, const Array& b) { return lax::mul(a, b); };
    case CumKind::kMax:
      return [](const Array& a, const Array& b) { return lax::max(a, b); };
    case CumKind::kMin:
      return [](const Array& a, const Array& b) { return lax::min(a, b); };
    case CumKind::kLogSumExp:
      return logaddexp;
  }
  return nullptr;
}

// ---------------------------------------------------------------- primitives

struct CumDef {
  const char* name;
  CumKind kind;
  unsigned classes;
};
constexpr CumDef kCum[] = {
    {"cumsum", CumKind::kSum, kNumClass},
    {"cumprod", CumKind::kProd, kNumClass},
    {"cummax", CumKind::kMax, kAnyClass},
    {"cummin", CumKind::kMin, kAnyClass},
    {"cumlogsumexp", CumKind::kLogSumExp, kFloatClass},
};

Primitive make_cum(const CumDef& def) {
  Primitive p;
  p.name = def.name;
  std::string name = def.name;
  unsigned classes = def.classes;
  p.abstract_eval = [name, classes](std::span<const Aval> in, const Params& params) {
    check_dtype(name, in[0], classes);
    if (in[0].ndim() == 0)
      throw_error(name, "operand must have at least one dimension, got " + in[0].str());
    int64_t axis = params.get_int("axis");
    if (axis < 0 || axis >= in[0].ndim())
      throw_error(name,
                  "axis " + std::to_string(axis) + " is out of bounds for operand " + in[0].str());
    return std::vector<Aval>{in[0]};
  };
  p.impl = [kind = def.kind](std::span<const Array> in, std::span<Array> out,
                             const Params& params) {
    const Shape& s = in[0].shape();
    int64_t axis = params.get_int("axis"), outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= s[size_t(i)];
    for (int64_t i = axis + 1; i < int64_t(s.size()); ++i) inner *= s[size_t(i)];
    cpu::cumulative(kind, in[0].dtype(), in_data(in[0]), out_data(out[0]), outer, s[size_t(axis)],
                    inner, params.get<bool>("reverse"));
  };
  return p;
}

Array bind_cum(const Primitive& p, const Array& x, int64_t axis, bool reverse) {
  return bind1(p, {x}, Params{{"axis", axis}, {"reverse", reverse}});
}

void set_cum_rules(Primitive& p, CumKind kind) {
  // The batch axis stays; the scanned axis shifts past it.
  p.batch = [&p](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    int64_t axis = params.get_int("axis");
    if (axis >= dims[0]) ++axis;
    return BatchOut{{bind_cum(p, vals[0], axis, params.get<bool>("reverse"))}, {dims[0]}};
  };
  if (kind == CumKind::kSum) {
    p.jvp = [&p](std::span<const Array> primals, std::span<const Array> tangents,
                 const Params& params) {
      Array t = tangents[0].defined() ? bind1(p, tangents.first(1), params) : Array();
      return JvpOut{{bind1(p, primals, params)}, {t}};
    };
    p.transpose = [&p](std::span<const Array> cts, std::span<const Array>, const Params& params) {
      if (!cts[0].defined()) return std::vector<Array>{Array()};
      return std::vector<Array>{
          bind_cum(p, cts[0], params.get_int("axis"), !params.get<bool>("reverse"))};
    };
    return;
  }
  p.jvp = [&p, kind](std::span<const Array> primals, std::span<const Array> tangents,
                     const Params& params) {
    Array y = bind1(p, primals, params);
    if (!tangents[0].defined()) return JvpOut{{y}, {Array()}};
    int axis = int(params.get_int("axis"));
    bool reverse = params.get<bool>("reverse");
    Combine f = combine_of(kind);
    FlatFn scan = [f, axis, reverse](std::span<const Array> in) {
      Array x = reverse ? lax::rev(in[0], {axis}) : in[0];
      Array r = associative_scan(f, x, axis);
      return std::vector<Array>{reverse ? lax::rev(r, {axis}) : r};
    };
    auto [outs, touts] = jvp_flat(scan, primals, tangents);
    return JvpOut{{y}, {touts[0]}};
  };
}

struct CumTable {
  std::vector<Primitive> prims;
  CumTable() {
    prims.reserve(std::size(kCum));
    for (const auto& d : kCum) prims.push_back(make_cum(d));
    for (size_t i = 0; i < prims.size(); ++i) set_cum_rules(prims[i], kCum[i].kind);
    for (auto& p : prims) register_primitive(p);
  }
};
CumTable& cum_table() {
  static CumTable* t = new CumTable();
  return *t;
}
const CumTable& g_cum_reg = cum_table();

Array cumulative(CumKind kind, const Array& x, int64_t axis, bool reverse, const Loc& loc) {
  CallSite site(loc);
  int64_t nd = x.ndim();
  if (axis < 0 && axis >= -nd) axis += nd;  // out-of-range axes reach the shape rule as given
  return bind_cum(cum_table().prims[size_t(kind)], x, axis, reverse);
}

}  // namespace
}  // namespace jx::prims

namespace jx::lax {
using cpu::CumKind;
Array cumsum(const Array& x, int64_t axis, bool reverse, Loc loc) {
  return prims::cumulative(CumKind::kSum, x, axis, reverse, loc);
}
Array cumprod(const Array& x, int64_t axis, bool reverse, Loc loc) {
  return prims::cumulative(CumKind::kProd, x, axis, reverse, loc);
}
Array cummax(const Array& x, int64_t axis, bool reverse, Loc loc) {
  return prims::cumulative(CumKind::kMax, x, axis, reverse, loc);
}
Array cummin(const Array& x, int64_t axis, bool reverse, Loc loc) {
  return prims::cumulative(CumKind::kMin, x, axis, reverse, loc);
}
Array cumlogsumexp(const Array& x, int64_t axis, bool reverse, Loc loc) {
  return prims::cumulative(CumKind::kLogSumExp, x, axis, reverse, loc);
}
}  // namespace jx::lax
