// sort (several operands, lexicographic keys) and top_k, with their jvp,
// transpose and batching rules (jax/_src/lax/lax.py: _sort_jvp, _top_k_jvp).
//
// A sort permutes its operands; the permutation depends only on the keys. So
// the tangent of any operand is that tangent sorted as an extra (non-key)
// operand alongside the same keys, which keeps every rule inside the sort
// primitive: sort is linear in its non-key operands, and its transpose sorts
// the cotangents by the inverse permutation (itself a sort of the forward
// permutation). jx's kernel is always stable, so two sorts by equal keys
// permute identically whatever is_stable says.
#include <algorithm>

#include "jx/lax.h"
#include "jx/lax_sort.h"
#include "prims/rules.h"

namespace jx::cpu {  // backend/cpu/sort.cpp
void sort(std::span<const DType> dts, std::span<const void* const> in, std::span<void* const> out,
          int64_t outer, int64_t n, int64_t inner, int num_keys);
void top_k(DType dt, const void* x, void* values, void* indices, int64_t rows, int64_t n,
           int64_t k);
}  // namespace jx::cpu

namespace jx::prims {
namespace {

using Ints = std::vector<int64_t>;
using JvpOut = std::pair<std::vector<Array>, std::vector<Array>>;
using BatchOut = std::pair<std::vector<Array>, std::vector<int>>;

// The [outer, n, inner] view of `shape` around axis d.
void split_at(const Shape& s, int64_t d, int64_t& outer, int64_t& n, int64_t& inner) {
  outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= s[size_t(i)];
  n = s[size_t(d)];
  for (int64_t i = d + 1; i < int64_t(s.size()); ++i) inner *= s[size_t(i)];
}

// ---------------------------------------------------------------- sort

std::vector<Aval> sort_shape_rule(std::span<const Aval> in, const Params& params) {
  if (in.empty()) throw_error("sort", "needs at least one operand");
  int64_t num_keys = params.get_int("num_keys");
  if (num_keys < 1 || num_keys > int64_t(in.size()))
    throw_error("sort", "num_keys must be in [1, " + std::to_string(in.size()) +
                            "] (the number of operands), got " + std::to_string(num_keys));
  for (const Aval& a : in)
    if (!(a.shape == in[0].shape))
      throw_error("sort", "operands must have equal shapes, got " + avals_str(in));
  if (in[0].ndim() == 0) throw_error("sort", "cannot sort a 0-d operand " + in[0].str());
  int64_t d = params.get_int("dimension");
  if (d < 0 || d >= in[0].ndim())
    throw_error("sort", "dimension " + std::to_string(d) + " is out of bounds for operands " +
                            avals_str(in));
  return std::vector<Aval>(in.begin(), in.end());
}

void sort_impl(std::span<const Array> in, std::span<Array> out, const Params& params) {
  int64_t outer, n, inner;
  split_at(in[0].shape(), params.get_int("dimension"), outer, n, inner);
  std::vector<DType> dts;
  std::vector<const void*> src;
  std::vector<void*> dst;
  for (size_t i = 0; i < in.size(); ++i) {
    dts.push_back(in[i].dtype());
    src.push_back(in_data(in[i]));
    dst.push_back(out_data(out[i]));
  }
  cpu::sort(dts, src, dst, outer, n, inner, int(params.get_int("num_keys")));
}

Primitive sort_p = [] {
  Primitive p;
  p.name = "sort";
  p.abstract_eval = sort_shape_rule;
  p.impl = sort_impl;
  return p;
}();

std::vector<Array> bind_sort(std::vector<Array> ops, int64_t dimension, bool stable, int64_t keys) {
  return jx::bind(sort_p, ops,
                  Params{{"dimension", dimension}, {"is_stable", stable}, {"num_keys", keys}});
}

// An index along `dimension` of x's shape (int32 unless the axis is huge).
Array axis_iota(const Array& x, int64_t dimension) {
  DType dt = x.shape()[size_t(dimension)] < (int64_t(1) << 31) ? int32 : int64;
  return lax::iota(dt, x.shape(), dimension);
}

const bool sort_rules = [] {
  // Tangents ride along as non-key operands of a second sort by the same keys.
  sort_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
                  const Params& params) {
    std::vector<Array> outs = jx::bind(sort_p, primals, params);
    int64_t nk = params.get_int("num_keys");
    std::vector<Array> ops(primals.begin(), primals.begin() + nk);
    std::vector<size_t> which;
    for (size_t i = 0; i < tangents.size(); ++i)
      if (tangents[i].defined()) {
        ops.push_back(tangents[i]);
        which.push_back(i);
      }
    std::vector<Array> touts(primals.size());
    if (which.empty()) return JvpOut{outs, touts};
    std::vector<Array> sorted = jx::bind(sort_p, ops, params);
    for (size_t j = 0; j < which.size(); ++j) touts[which[j]] = sorted[size_t(nk) + j];
    return JvpOut{outs, touts};
  };
  // Linear in the non-key operands: the cotangents go back through the inverse
  // permutation, obtained by sorting the forward permutation.
  sort_p.transpose = [](std::span<const Array> cts, std::span<const Array> in,
                        const Params& params) {
    int64_t nk = params.get_int("num_keys");
    int64_t dim = params.get_int("dimension");
    for (int64_t k = 0; k < nk; ++k)
      if (is_undefined_primal(in[size_t(k)]))
        throw_error("sort",
                    "cannot transpose sort with respect to a key operand (the "
                    "permutation would depend on the linear input)");
    std::vector<Array> ops(in.begin(), in.begin() + nk);
    ops.push_back(axis_iota(in[0], dim));
    Array perm = bind_sort(ops, dim, true, nk).back();
    std::vector<Array> back{perm};
    std::vector<size_t> which;
    for (size_t i = size_t(nk); i < in.size(); ++i)
      if (is_undefined_primal(in[i]) && cts[i].defined()) {
        back.push_back(cts[i]);
        which.push_back(i);
      }
    std::vector<Array> result(in.size());
    if (which.empty()) return result;
    std::vector<Array> unsorted = bind_sort(back, dim, true, 1);
    for (size_t j = 0; j < which.size(); ++j) result[which[j]] = unsorted[j + 1];
    return result;
  };
  // The sorted dimension shifts past the batch axis, which stays in place.
  sort_p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    std::vector<Array> xs(vals.begin(), vals.end());
    int b = align_batch_dims(xs, dims);
    int64_t d = params.get_int("dimension");
    if (d >= b) ++d;
    std::vector<Array> outs =
        bind_sort(xs, d, params.get<bool>("is_stable"), params.get_int("num_keys"));
    return BatchOut{outs, std::vector<int>(outs.size(), b)};
  };
  register_primitive(sort_p);
  return true;
}();

// ---------------------------------------------------------------- top_k

Primitive top_k_p = [] {
  Primitive p;
  p.name = "top_k";
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    const Aval& x = in[0];
    int64_t k = params.get_int("k");
    if (x.ndim() == 0)
      throw_error("top_k", "operand must have at least one dimension, got " + x.str());
    int64_t n = x.shape[size_t(x.ndim() - 1)];
    if (k < 0 || k > n)
      throw_error("top_k", "k must be in [0, " + std::to_string(n) +
                               "] (the size of the last axis of " + x.str() + "), got " +
                               std::to_string(k));
    Aval v = x;
    v.shape[size_t(x.ndim() - 1)] = k;
    Aval idx{int32, v.shape, false};
    return std::vector<Aval>{v, idx};
  };
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params& params) {
    const Array& x = in[0];
    int64_t n = x.shape()[size_t(x.ndim() - 1)];
    int64_t rows = n == 0 ? 0 : x.size() / n;
    cpu::top_k(x.dtype(), in_data(x), out_data(out[0]), out_data(out[1]), rows, n,
               params.get_int("k"));
  };
  return p;
}();

// An integer array whose ascending order is top_k's order of x (descending in
// the total order of the float bits): for negative floats the magnitude bits
// are flipped so the signed integers order like the floats, then all bits are
// flipped to reverse the order (no overflow, unlike a negation).
Array descending_total_order_key(const Array& x) {
  DType it = x.dtype().itemsize() == 8 ? int64 : x.dtype().itemsize() == 4 ? int32 : int16;
  Array bits = lax::bitcast_convert_type(x, it);
  Array zero = full_like(bits, 0.0);
  double mag = it == int64 ? 9223372036854775807.0 : it == int32 ? 2147483647.0 : 32767.0;
  Array mask = it == int64
                   ? lax::bitwise_not(lax::shift_left(full_like(bits, 1), full_like(bits, 63)))
                   : full_like(bits, mag);
  Array key = lax::select_n(lax::lt(bits, zero), {bits, lax::bitwise_xor(bits, mask)});
  return lax::bitwise_not(key);
}

const bool top_k_rules = [] {
  // The tangent is permuted as the operand is: sorted alongside top_k's order
  // and cut to the first k.
  top_k_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
                   const Params& params) {
    std::vector<Array> outs = jx::bind(top_k_p, primals, params);
    const Array& t = tangents[0];
    if (!t.defined()) return JvpOut{outs, {Array(), Array()}};
    const Array& x = primals[0];
    int64_t last = x.ndim() - 1;
    Array sorted = bind_sort({descending_total_order_key(x), t}, last, true, 1)[1];
    Ints start(size_t(x.ndim()), 0), limit = x.shape().to_vector();
    limit[size_t(last)] = params.get_int("k");
    return JvpOut{outs, {lax::slice(sorted, start, limit), Array()}};
  };
  // top_k works on the last axis: a batch axis there moves to the front.
  top_k_p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    Array x = vals[0];
    int b = dims[0];
    if (b == x.ndim() - 1) {
      x = move_axis(x, b, 0);
      b = 0;
    }
    std::vector<Array> outs = jx::bind(top_k_p, {&x, 1}, params);
    return BatchOut{outs, {b, b}};
  };
  register_primitive(top_k_p);
  return true;
}();

}  // namespace
}  // namespace jx::prims

namespace jx::lax {

std::vector<Array> sort(std::span<const Array> operands, int64_t dimension, bool is_stable,
                        int64_t num_keys, Loc loc) {
  CallSite site(loc);
  // A negative dimension counts from the end; out-of-range ones reach the shape rule as given.
  int64_t nd = operands.empty() ? 0 : operands[0].ndim();
  if (dimension < 0 && dimension >= -nd) dimension += nd;
  return jx::bind(
      prims::sort_p, operands,
      Params{{"dimension", dimension}, {"is_stable", is_stable}, {"num_keys", num_keys}});
}
std::vector<Array> sort(std::initializer_list<Array> operands, int64_t dimension, bool is_stable,
                        int64_t num_keys, Loc loc) {
  return sort(std::span<const Array>(operands.begin(), operands.size()), dimension, is_stable,
              num_keys, loc);
}
Array sort(const Array& operand, int64_t dimension, bool is_stable, Loc loc) {
  return sort(std::span<const Array>(&operand, 1), dimension, is_stable, 1, loc)[0];
}
std::pair<Array, Array> sort_key_val(const Array& keys, const Array& values, int64_t dimension,
                                     bool is_stable, Loc loc) {
  auto r = sort({keys, values}, dimension, is_stable, 1, loc);
  return {r[0], r[1]};
}
std::pair<Array, Array> top_k(const Array& operand, int64_t k, Loc loc) {
  CallSite site(loc);
  auto r = jx::bind(prims::top_k_p, {&operand, 1}, Params{{"k", k}});
  return {r[0], r[1]};
}

}  // namespace jx::lax
