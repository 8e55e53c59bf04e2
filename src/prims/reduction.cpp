// Reductions over any set of axes, and argmax/argmin. The kernel sees an
// [outer, r, inner] view: when the reduced axes are not one contiguous block,
// the operand is first transposed so that they are. The jvp, transpose and
// batching rules follow each primitive (jax/_src/lax/lax.py).
#include <algorithm>

#include "backend/cpu/kernels.h"
#include "jx/lax.h"
#include "prims/op_tables.h"
#include "prims/rules.h"

namespace jx::prims {
namespace {

using cpu::ReduceOp;

struct ReduceDef {
  const char* name;
  ReduceOp op;
  unsigned classes;
};
constexpr ReduceDef kReduce[] = {
    {"reduce_sum", ReduceOp::kSum, kNumClass},  {"reduce_prod", ReduceOp::kProd, kNumClass},
    {"reduce_max", ReduceOp::kMax, kAnyClass},  {"reduce_min", ReduceOp::kMin, kAnyClass},
    {"reduce_and", ReduceOp::kAnd, kBoolOrIntClass}, {"reduce_or", ReduceOp::kOr, kBoolOrIntClass},
};

Aval reduced_aval(std::string_view op, const Aval& x, const Params& params,
                  std::vector<int64_t>* axes_out = nullptr) {
  std::vector<int64_t> axes = canonical_axes(op, params.get_ints("axes"), x.ndim());
  Aval out{x.dtype, {}, x.weak_type};
  for (int64_t i = 0; i < x.ndim(); ++i)
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) out.shape.push_back(x.shape[size_t(i)]);
  if (axes_out) *axes_out = std::move(axes);
  return out;
}

// Moves the reduced axes to a contiguous block (if needed) and returns the
// [outer, r, inner] sizes of the data to reduce.
Array to_reduction_layout(const Array& x, std::vector<int64_t> axes, int64_t& outer, int64_t& r,
                          int64_t& inner) {
  std::sort(axes.begin(), axes.end());
  const Shape& s = x.shape();
  bool contiguous = axes.empty() || axes.back() - axes.front() + 1 == int64_t(axes.size());
  Array y = x;
  std::vector<int64_t> order;
  if (!contiguous) {
    for (int64_t i = 0; i < x.ndim(); ++i)
      if (!std::binary_search(axes.begin(), axes.end(), i)) order.push_back(i);
    for (int64_t a : axes) order.push_back(a);
    y = eval_primitive(*find_primitive("transpose"), {&x, 1},
                       Params{{"permutation", order}})[0];
    int64_t kept = x.ndim() - int64_t(axes.size());
    axes.clear();
    for (int64_t i = kept; i < x.ndim(); ++i) axes.push_back(i);
  }
  const Shape& ys = y.shape();
  outer = 1, r = 1, inner = 1;
  for (int64_t i = 0; i < y.ndim(); ++i) {
    if (!axes.empty() && i >= axes.front() && i <= axes.back()) r *= ys[size_t(i)];
    else if (axes.empty() || i < axes.front()) outer *= ys[size_t(i)];
    else inner *= ys[size_t(i)];
  }
  (void)s;
  return y;
}

// ---------------------------------------------------------------- rules
using Ints = std::vector<int64_t>;
using JvpOut = std::pair<std::vector<Array>, std::vector<Array>>;
using BatchOut = std::pair<std::vector<Array>, std::vector<int>>;

// A concrete 0-d array of dtype dt holding v.
Array scalar_const(DType dt, double v) {
  Array s = make_uninit(Aval{dt, {}, false}, default_device());
  cpu::convert(float64, &v, dt, out_data(s), 1);
  return s;
}

// The operand dims a reduction keeps, in order.
Ints kept_axes(int64_t ndim, const Ints& axes) {
  Ints kept;
  for (int64_t i = 0; i < ndim; ++i)
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) kept.push_back(i);
  return kept;
}

// vmap of any reduction (JAX's reducer_batcher): the reduced axes shift past
// the batch axis, which stays in the operand and lands among the kept dims.
BatchRule reducer_batch(const Primitive& p) {
  return [&p](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    int b = dims[0];
    Ints axes = canonical_axes(p.name, params.get_ints("axes"), vals[0].ndim() - 1);
    int out = b;
    for (int64_t& a : axes) {
      if (a < b) --out;
      else ++a;
    }
    Params np = params;
    np.set("axes", axes);
    return BatchOut{{bind1(p, vals, np)}, {out}};
  };
}

// Outputs that are piecewise constant (logical reductions, argmax/argmin).
JvpRule zero_jvp(const Primitive& p) {
  return [&p](std::span<const Array> primals, std::span<const Array>, const Params& params) {
    return JvpOut{{bind1(p, primals, params)}, {Array()}};
  };
}

// reduce_max/min: the tangent at the locations of the result, averaged over
// ties (JAX's _reduce_chooser_jvp_rule).
JvpRule chooser_jvp(const Primitive& p) {
  return [&p](std::span<const Array> primals, std::span<const Array> tangents,
              const Params& params) {
    const Array& x = primals[0];
    Array y = bind1(p, primals, params);
    const Array& t = tangents[0];
    if (!t.defined()) return JvpOut{{y}, {Array()}};
    Ints axes = canonical_axes(p.name, params.get_ints("axes"), x.ndim());
    Array at = lax::convert_element_type(
        lax::eq(x, lax::broadcast_in_dim(y, x.shape(), kept_axes(x.ndim(), axes))), t.dtype());
    Array counts = lax::reduce_sum(at, axes);
    return JvpOut{{y}, {lax::div(lax::reduce_sum(lax::mul(t, at), axes), counts)}};
  };
}

// reduce_prod: the product rule along a balanced tree of pairwise products
// (JAX's _reduce_prod_jvp_rule), so zeros in the operand need no division.
JvpRule prod_jvp(const Primitive& p) {
  return [&p](std::span<const Array> primals, std::span<const Array> tangents,
              const Params& params) {
    const Array& x = primals[0];
    Array y = bind1(p, primals, params);
    if (!tangents[0].defined()) return JvpOut{{y}, {Array()}};
    Ints axes = canonical_axes(p.name, params.get_ints("axes"), x.ndim());
    std::sort(axes.begin(), axes.end());
    Ints kept = kept_axes(x.ndim(), axes);
    // [reduced elements, kept dims...]
    Ints perm = axes, flat{1};
    perm.insert(perm.end(), kept.begin(), kept.end());
    for (int64_t a : axes) flat[0] *= x.shape()[size_t(a)];
    for (int64_t k : kept) flat.push_back(x.shape()[size_t(k)]);
    if (flat[0] == 0) return JvpOut{{y}, {Array()}};  // the empty product is 1
    auto to_flat = [&](const Array& a) {
      bool identity = true;
      for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == int64_t(i);
      return lax::reshape(identity ? a : lax::transpose(a, perm), Shape(flat));
    };
    Array px = to_flat(x), tx = to_flat(tangents[0]);
    while (px.shape()[0] > 1) {
      int64_t m = px.shape()[0], m1 = (m + 1) / 2;
      auto half = [&](const Array& a, int64_t lo, int64_t hi) {
        Ints start(flat.size(), 0), limit = a.shape().to_vector();
        start[0] = lo;
        limit[0] = hi;
        return lax::slice(a, start, limit);
      };
      Array p1 = half(px, 0, m1), p2 = half(px, m1, m);
      Array t1 = half(tx, 0, m1), t2 = half(tx, m1, m);
      if (m - m1 != m1) {  // odd: the second half gets a neutral element
        std::vector<lax::PadConfig> cfg(flat.size());
        cfg[0].high = 1;
        p2 = lax::pad(p2, scalar_const(x.dtype(), 1), cfg);
        t2 = lax::pad(t2, scalar_const(x.dtype(), 0), cfg);
      }
      tx = lax::add(lax::mul(t1, p2), lax::mul(p1, t2));
      if (m1 > 1) px = lax::mul(p1, p2);
      else px = p1;
    }
    return JvpOut{{y}, {lax::squeeze(tx, {0})}};
  };
}

void set_reduce_rules(Primitive& p, ReduceOp op) {
  p.batch = reducer_batch(p);
  switch (op) {
    case ReduceOp::kSum:
      p.jvp = [&p](std::span<const Array> primals, std::span<const Array> tangents,
                   const Params& params) {
        Array t = tangents[0].defined() ? bind1(p, tangents.first(1), params) : Array();
        return JvpOut{{bind1(p, primals, params)}, {t}};
      };
      // The cotangent broadcasts back along the reduced axes.
      p.transpose = [&p](std::span<const Array> cts, std::span<const Array> in,
                         const Params& params) {
        Ints axes = canonical_axes(p.name, params.get_ints("axes"), in[0].ndim());
        return std::vector<Array>{
            lax::broadcast_in_dim(cts[0], in[0].shape(), kept_axes(in[0].ndim(), axes))};
      };
      break;
    case ReduceOp::kProd: p.jvp = prod_jvp(p); break;
    case ReduceOp::kMax:
    case ReduceOp::kMin: p.jvp = chooser_jvp(p); break;
    default: p.jvp = zero_jvp(p); break;
  }
}

Primitive make_reduce(const ReduceDef& def) {
  Primitive p;
  p.name = def.name;
  std::string name = def.name;
  unsigned classes = def.classes;
  p.abstract_eval = [name, classes](std::span<const Aval> in, const Params& params) {
    check_dtype(name, in[0], classes);
    return std::vector<Aval>{reduced_aval(name, in[0], params)};
  };
  p.impl = [op = def.op, name](std::span<const Array> in, std::span<Array> out,
                               const Params& params) {
    std::vector<int64_t> axes = canonical_axes(name, params.get_ints("axes"), in[0].ndim());
    int64_t outer, r, inner;
    Array y = to_reduction_layout(in[0], axes, outer, r, inner);
    cpu::reduce(op, y.dtype(), in_data(y), out_data(out[0]), outer, r, inner);
  };
  return p;
}

struct ReduceTable {
  std::vector<Primitive> prims;
  ReduceTable() {
    prims.reserve(std::size(kReduce));
    for (const auto& d : kReduce) prims.push_back(make_reduce(d));
    // The rules hold references to the primitives: set them once the table is final.
    for (size_t i = 0; i < prims.size(); ++i) set_reduce_rules(prims[i], kReduce[i].op);
    for (auto& p : prims) register_primitive(p);
  }
};
ReduceTable& reduce_table() {
  static ReduceTable* t = new ReduceTable();
  return *t;
}
const ReduceTable& g_reduce_reg = reduce_table();

Primitive make_arg(bool is_max) {
  Primitive p;
  p.name = is_max ? "argmax" : "argmin";
  std::string name = p.name;
  p.abstract_eval = [name](std::span<const Aval> in, const Params& params) {
    check_dtype(name, in[0], kAnyClass);
    const auto& axes = params.get_ints("axes");
    if (axes.size() != 1)
      throw_error(name, "takes exactly one axis, got " + shape_str(axes));
    int64_t axis = canonical_axis(name, axes[0], in[0].ndim());
    if (in[0].shape[size_t(axis)] == 0)
      throw_error(name, "cannot take the " + name + " of an empty axis (operand " + in[0].str() + ")");
    DType idx = params.get<DType>("index_dtype");
    if (!(idx == int32 || idx == int64))
      throw_error(name, "index_dtype must be int32 or int64, got " + std::string(idx.name()));
    Aval out{idx, {}, false};
    for (int64_t i = 0; i < in[0].ndim(); ++i)
      if (i != axis) out.shape.push_back(in[0].shape[size_t(i)]);
    return std::vector<Aval>{out};
  };
  p.impl = [is_max, name](std::span<const Array> in, std::span<Array> out, const Params& params) {
    int64_t axis = canonical_axis(name, params.get_ints("axes")[0], in[0].ndim());
    const Shape& s = in[0].shape();
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= s[size_t(i)];
    for (int64_t i = axis + 1; i < in[0].ndim(); ++i) inner *= s[size_t(i)];
    cpu::arg_reduce(is_max, in[0].dtype(), in_data(in[0]), out[0].dtype(), out_data(out[0]),
                    outer, s[size_t(axis)], inner);
  };
  return p;
}
Primitive argmax_p = make_arg(true);
Primitive argmin_p = make_arg(false);
// Indices are piecewise constant: zero tangents, and no transpose.
const bool arg_rules = [] {
  for (Primitive* p : {&argmax_p, &argmin_p}) {
    p->jvp = zero_jvp(*p);
    p->batch = reducer_batch(*p);
  }
  return true;
}();
const Primitive& argmax_reg = register_primitive(argmax_p);
const Primitive& argmin_reg = register_primitive(argmin_p);

Array reduce(ReduceOp op, const Array& x, std::vector<int64_t> axes, const Loc& loc) {
  CallSite site(loc);
  return bind1(reduce_table().prims[size_t(op)], {x}, Params{{"axes", std::move(axes)}});
}

}  // namespace

bool reduce_op_of(const Primitive& p, cpu::ReduceOp* op) {
  for (const ReduceDef& d : kReduce)
    if (p.name == d.name) return *op = d.op, true;
  return false;
}

}  // namespace jx::prims

namespace jx::lax {
using cpu::ReduceOp;
Array reduce_sum(const Array& x, std::vector<int64_t> axes, Loc loc) {
  return prims::reduce(ReduceOp::kSum, x, std::move(axes), loc);
}
Array reduce_prod(const Array& x, std::vector<int64_t> axes, Loc loc) {
  return prims::reduce(ReduceOp::kProd, x, std::move(axes), loc);
}
Array reduce_max(const Array& x, std::vector<int64_t> axes, Loc loc) {
  return prims::reduce(ReduceOp::kMax, x, std::move(axes), loc);
}
Array reduce_min(const Array& x, std::vector<int64_t> axes, Loc loc) {
  return prims::reduce(ReduceOp::kMin, x, std::move(axes), loc);
}
Array reduce_and(const Array& x, std::vector<int64_t> axes, Loc loc) {
  return prims::reduce(ReduceOp::kAnd, x, std::move(axes), loc);
}
Array reduce_or(const Array& x, std::vector<int64_t> axes, Loc loc) {
  return prims::reduce(ReduceOp::kOr, x, std::move(axes), loc);
}
Array argmax(const Array& x, int64_t axis, DType index_dtype, Loc loc) {
  CallSite site(loc);
  return bind1(prims::argmax_p, {x}, Params{{"axes", std::vector<int64_t>{axis}}, {"index_dtype", index_dtype}});
}
Array argmin(const Array& x, int64_t axis, DType index_dtype, Loc loc) {
  CallSite site(loc);
  return bind1(prims::argmin_p, {x}, Params{{"axes", std::vector<int64_t>{axis}}, {"index_dtype", index_dtype}});
}
}  // namespace jx::lax
