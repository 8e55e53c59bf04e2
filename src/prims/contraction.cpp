// dot_general: the contraction primitive, with its shape rule, eager kernel
// and jvp / transpose / batching rules side by side (jax/_src/lax/lax.py).
// The kernel views each operand as [batch, rows, contracted] or [batch,
// contracted, rows] (a transposed gemm operand), copying it into that
// layout only when its dims are in neither order, and writes the
// [batch, lhs free, rhs free] result in place.
#include <algorithm>
#include <numeric>
#include <optional>

#include "backend/cpu/contract_kernels.h"
#include "jx/lax.h"
#include "jx/lax_contract.h"
#include "prims/rules.h"

namespace jx::prims {
namespace {

using Ints = std::vector<int64_t>;
using JvpOut = std::pair<std::vector<Array>, std::vector<Array>>;
using BatchOut = std::pair<std::vector<Array>, std::vector<int>>;
constexpr const char* kOp = "dot_general";

struct DotDims {
  Ints lc, rc, lb, rb;
};

DotDims dims_of(const Params& p) {
  return {p.get_ints("lhs_contracting_dimensions"), p.get_ints("rhs_contracting_dimensions"),
          p.get_ints("lhs_batch_dimensions"), p.get_ints("rhs_batch_dimensions")};
}

std::optional<DType> preferred_of(const Params& p) {
  if (!p.has("preferred_element_type")) return std::nullopt;
  return p.get<DType>("preferred_element_type");
}

Params make_params(const DotDims& d, std::optional<DType> preferred) {
  Params p{{"lhs_contracting_dimensions", d.lc},
           {"rhs_contracting_dimensions", d.rc},
           {"lhs_batch_dimensions", d.lb},
           {"rhs_batch_dimensions", d.rb}};
  if (preferred) p.set("preferred_element_type", *preferred);
  return p;
}

// The dims of an ndim-d operand in neither list, increasing.
Ints remaining(int64_t ndim, const Ints& a, const Ints& b) {
  Ints r;
  for (int64_t i = 0; i < ndim; ++i)
    if (std::find(a.begin(), a.end(), i) == a.end() && std::find(b.begin(), b.end(), i) == b.end())
      r.push_back(i);
  return r;
}

Ints cat(std::initializer_list<const Ints*> parts) {
  Ints r;
  for (const Ints* p : parts) r.insert(r.end(), p->begin(), p->end());
  return r;
}

bool is_identity(const Ints& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != int64_t(i)) return false;
  return true;
}

Ints argsort(const Ints& v) {
  Ints idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return v[size_t(a)] < v[size_t(b)]; });
  return idx;
}

Ints take(const Shape& s, const Ints& dims) {
  Ints r;
  for (int64_t d : dims) r.push_back(s[size_t(d)]);
  return r;
}

// ---------------------------------------------------------------- shape rule
void check_dims(const std::string& side, const std::string& kind, const Ints& dims, const Aval& a) {
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] >= a.ndim())
      throw_error(kOp, "requires " + side + " " + kind + " dimensions to be nonnegative and less than the rank of " + side +
                           ", got " + side + "_" + kind + " " + shape_str(dims) + " for " + side + " " + a.str());
    for (size_t j = 0; j < i; ++j)
      if (dims[j] == dims[i])
        throw_error(kOp, "requires " + side + " " + kind + " dimensions to be distinct, got " + side + "_" + kind + " " +
                             shape_str(dims));
  }
}

// JAX's rule for preferred_element_type: the same kind (integer / floating),
// the same signedness for signed integers, and not narrower.
void check_preferred(DType in, DType pref) {
  bool ok = true;
  if (in.is_floating() && !pref.is_floating()) ok = false;
  if (in.is_integer() && !pref.is_integer()) ok = false;
  if (in.is_signed_int() && !pref.is_signed_int()) ok = false;
  if (!ok)
    throw_error(kOp, "preferred_element_type " + std::string(pref.name()) +
                         " must be of the same kind (integer or floating) and signedness as the operands' " +
                         std::string(in.name()));
  if (pref.itemsize() < in.itemsize())
    throw_error(kOp, "preferred_element_type " + std::string(pref.name()) + " must not be narrower than the operands' " +
                         std::string(in.name()));
}

Aval dot_shape_rule(const Aval& l, const Aval& r, const Params& params) {
  DotDims d = dims_of(params);
  if (l.dtype != r.dtype)
    throw_error(kOp, "operands must have equal dtypes, got " + std::string(l.dtype.name()) + " and " +
                         std::string(r.dtype.name()) + " (jx::np promotes; jx::lax does not)");
  if (d.lc.size() != d.rc.size())
    throw_error(kOp, "requires equal numbers of lhs and rhs contracting dimensions, got lhs_contracting " +
                         shape_str(d.lc) + " and rhs_contracting " + shape_str(d.rc));
  if (d.lb.size() != d.rb.size())
    throw_error(kOp, "requires equal numbers of lhs_batch and rhs_batch dimensions, got lhs_batch " + shape_str(d.lb) +
                         " and rhs_batch " + shape_str(d.rb));
  check_dims("lhs", "contracting", d.lc, l);
  check_dims("lhs", "batch", d.lb, l);
  check_dims("rhs", "contracting", d.rc, r);
  check_dims("rhs", "batch", d.rb, r);
  for (int64_t a : d.lb)
    if (std::find(d.lc.begin(), d.lc.end(), a) != d.lc.end())
      throw_error(kOp, "requires lhs batch dimensions to be disjoint from contracting dimensions, got lhs_batch " +
                           shape_str(d.lb) + " and lhs_contracting " + shape_str(d.lc));
  for (int64_t a : d.rb)
    if (std::find(d.rc.begin(), d.rc.end(), a) != d.rc.end())
      throw_error(kOp, "requires rhs batch dimensions to be disjoint from contracting dimensions, got rhs_batch " +
                           shape_str(d.rb) + " and rhs_contracting " + shape_str(d.rc));
  if (take(l.shape, d.lb) != take(r.shape, d.rb))
    throw_error(kOp, "requires lhs batch dimensions and rhs batch dimensions to have the same shape, got " +
                         shape_str(take(l.shape, d.lb)) + " and " + shape_str(take(r.shape, d.rb)) + " (lhs " +
                         l.str() + ", rhs " + r.str() + ")");
  if (take(l.shape, d.lc) != take(r.shape, d.rc))
    throw_error(kOp, "requires contracting dimensions to have the same shape, got " + shape_str(take(l.shape, d.lc)) +
                         " and " + shape_str(take(r.shape, d.rc)) + " (lhs " + l.str() + ", rhs " + r.str() + ")");
  std::optional<DType> pref = preferred_of(params);
  if (pref) check_preferred(l.dtype, *pref);
  Ints shape = take(l.shape, d.lb);
  for (int64_t i : remaining(l.ndim(), d.lc, d.lb)) shape.push_back(l.shape[size_t(i)]);
  for (int64_t i : remaining(r.ndim(), d.rc, d.rb)) shape.push_back(r.shape[size_t(i)]);
  return Aval{pref ? *pref : l.dtype, Shape(shape), !pref && l.weak_type && r.weak_type};
}

// ---------------------------------------------------------------- kernel
Array transpose_now(const Array& x, const Ints& perm) {
  static const Primitive* t = find_primitive("transpose");
  return eval_primitive(*t, {&x, 1}, Params{{"permutation", perm}})[0];
}

void dot_impl(std::span<const Array> in, std::span<Array> out, const Params& params) {
  DotDims d = dims_of(params);
  Array a = in[0], b = in[1];
  const Ints lf = remaining(a.ndim(), d.lc, d.lb), rf = remaining(b.ndim(), d.rc, d.rb);
  // The contracted pairs may be taken in any order: pick the order (as given,
  // by lhs position, or by rhs position) that leaves the fewest bytes to copy.
  std::vector<Ints> orders(3, Ints(d.lc.size()));
  std::iota(orders[0].begin(), orders[0].end(), 0);
  orders[1] = argsort(d.lc);
  orders[2] = argsort(d.rc);
  int64_t best_cost = -1;
  Ints lc, rc;
  bool ta = false, tb = false, a_ok = false, b_ok = false;
  for (const Ints& ord : orders) {
    Ints olc, orc;
    for (int64_t i : ord) {
      olc.push_back(d.lc[size_t(i)]);
      orc.push_back(d.rc[size_t(i)]);
    }
    bool a_n = is_identity(cat({&d.lb, &lf, &olc})), a_t = is_identity(cat({&d.lb, &olc, &lf}));
    bool b_n = is_identity(cat({&d.rb, &orc, &rf})), b_t = is_identity(cat({&d.rb, &rf, &orc}));
    int64_t cost = (a_n || a_t ? 0 : a.nbytes()) + (b_n || b_t ? 0 : b.nbytes());
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      lc = olc;
      rc = orc;
      a_ok = a_n || a_t;
      ta = !a_n && a_t;
      b_ok = b_n || b_t;
      tb = !b_n && b_t;
    }
  }
  if (!a_ok) a = transpose_now(a, cat({&d.lb, &lf, &lc}));
  if (!b_ok) b = transpose_now(b, cat({&d.rb, &rc, &rf}));
  auto numel = [](const Shape& s, const Ints& dims) {
    int64_t n = 1;
    for (int64_t i : dims) n *= s[size_t(i)];
    return n;
  };
  const Shape& as = in[0].shape();
  const Shape& bs = in[1].shape();
  cpu::batched_matmul(a.dtype(), out[0].dtype(), numel(as, d.lb), numel(as, lf), numel(bs, rf),
                      numel(as, d.lc), in_data(a), ta, in_data(b), tb, out_data(out[0]));
}

Primitive dot_general_p = [] {
  Primitive p;
  p.name = kOp;
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    if (in.size() != 2) throw_error(kOp, "takes two operands, got " + std::to_string(in.size()));
    return std::vector<Aval>{dot_shape_rule(in[0], in[1], params)};
  };
  p.impl = dot_impl;
  return p;
}();

Array dot(const Array& x, const Array& y, const DotDims& d, std::optional<DType> pref) {
  return bind1(dot_general_p, {x, y}, make_params(d, pref));
}

// ---------------------------------------------------------------- rules
// The cotangent of x from g (the output cotangent) and y (JAX's
// _dot_general_transpose_lhs): contract g's y-free dims with y's free dims,
// batch over the batch dims, then put x's dims back in order. swap_ans: g's
// dims hold y's free dims before x's (transposing the rhs).
Array transpose_lhs(const Array& g, Array y, const Aval& x, const DotDims& d, bool swap_ans) {
  const Ints x_kept = remaining(x.ndim(), d.lc, d.lb), y_kept = remaining(y.ndim(), d.rc, d.rb);
  const int64_t nb = int64_t(d.lb.size());
  Ints ans_batch(static_cast<size_t>(nb)), ans_y(y_kept.size());
  std::iota(ans_batch.begin(), ans_batch.end(), 0);
  std::iota(ans_y.begin(), ans_y.end(), swap_ans ? nb : nb + int64_t(x_kept.size()));
  Ints xc_by_y;
  for (int64_t i : argsort(d.rc)) xc_by_y.push_back(d.lc[size_t(i)]);
  Ints out_axes = argsort(cat({&d.lb, &x_kept, &xc_by_y}));
  // With a preferred_element_type, g is wider than y: contract in g's dtype.
  if (y.dtype() != g.dtype()) y = lax::convert_element_type(y, g.dtype());
  Array r = dot(g, y, DotDims{ans_y, y_kept, ans_batch, d.rb}, std::nullopt);
  if (!is_identity(out_axes)) r = lax::transpose(r, out_axes);
  if (r.dtype() != x.dtype) r = lax::convert_element_type(r, x.dtype);
  return r;
}

Array transpose_rhs(const Array& g, const Array& x, const Aval& y, const DotDims& d) {
  return transpose_lhs(g, x, y, DotDims{d.rc, d.lc, d.rb, d.lb}, true);
}

Ints bump(const Ints& dims, int64_t b) {
  Ints r;
  for (int64_t v : dims) r.push_back(v >= b ? v + 1 : v);
  return r;
}

const bool dot_rules = [] {
  Primitive& p = dot_general_p;
  // Bilinear: d(x·y) = dx·y + x·dy.
  p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    Array y = bind1(dot_general_p, primals, params);
    Array t;
    if (tangents[0].defined()) t = bind1(dot_general_p, {tangents[0], primals[1]}, params);
    if (tangents[1].defined()) {
      Array t2 = bind1(dot_general_p, {primals[0], tangents[1]}, params);
      t = t.defined() ? lax::add(t, t2) : t2;
    }
    return JvpOut{{y}, {t}};
  };
  p.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params& params) {
    const Array &ct = cts[0], &x = in[0], &y = in[1];
    bool ux = is_undefined_primal(x), uy = is_undefined_primal(y);
    if (!ct.defined()) return std::vector<Array>{Array(), Array()};
    if (ux && uy) throw_error(kOp, "transpose of dot_general needs one operand known (it is bilinear, not linear, in both)");
    DotDims d = dims_of(params);
    return std::vector<Array>{ux ? transpose_lhs(ct, y, x.aval(), d, false) : Array(),
                              uy ? transpose_rhs(ct, x, y.aval(), d) : Array()};
  };
  // JAX's _dot_general_batch_dim_nums: when both operands are batched the
  // batch axis becomes a new leading dot batch dimension; when one is, it
  // stays where it is as a free dimension. Nothing is transposed.
  p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    DotDims d = dims_of(params);
    int lbd = dims[0], rbd = dims[1];
    int out;
    if (lbd >= 0 && rbd >= 0) {
      d.lc = bump(d.lc, lbd);
      d.rc = bump(d.rc, rbd);
      Ints lb = bump(d.lb, lbd), rb = bump(d.rb, rbd);
      lb.insert(lb.begin(), lbd);
      rb.insert(rb.begin(), rbd);
      d.lb = lb;
      d.rb = rb;
      out = 0;
    } else if (lbd >= 0) {
      Ints lf = remaining(vals[0].ndim() - 1, d.lc, d.lb);
      out = int(d.lb.size()) + int(std::count_if(lf.begin(), lf.end(), [&](int64_t v) { return v < lbd; }));
      d.lb = bump(d.lb, lbd);
      d.lc = bump(d.lc, lbd);
    } else {
      Ints lf = remaining(vals[0].ndim(), d.lc, d.lb);
      Ints rf = remaining(vals[1].ndim() - 1, d.rc, d.rb);
      out = int(d.lb.size() + lf.size()) +
            int(std::count_if(rf.begin(), rf.end(), [&](int64_t v) { return v < rbd; }));
      d.rb = bump(d.rb, rbd);
      d.rc = bump(d.rc, rbd);
    }
    return BatchOut{{dot(vals[0], vals[1], d, preferred_of(params))}, {out}};
  };
  register_primitive(p);
  return true;
}();

}  // namespace
}  // namespace jx::prims

namespace jx::lax {

Array dot_general(const Array& lhs, const Array& rhs, const DotDimensionNumbers& dn,
                  std::optional<DType> preferred_element_type, Loc loc) {
  CallSite site(loc);
  return prims::dot(lhs, rhs, {dn.lhs_contracting, dn.rhs_contracting, dn.lhs_batch, dn.rhs_batch},
                    preferred_element_type);
}

Array dot(const Array& lhs, const Array& rhs, std::optional<DType> preferred_element_type, Loc loc) {
  CallSite site(loc);
  if (lhs.ndim() < 1 || lhs.ndim() > 2 || rhs.ndim() < 1 || rhs.ndim() > 2)
    throw_error("dot", "takes operands of rank 1 or 2, got " + lhs.aval().str() + " and " + rhs.aval().str() +
                           " (use dot_general)");
  return prims::dot(lhs, rhs, {{lhs.ndim() - 1}, {0}, {}, {}}, preferred_element_type);
}

}  // namespace jx::lax
