// Indexing primitives: gather, the scatters (scatter, scatter_add,
// scatter_mul, scatter_min, scatter_max), dynamic_slice and
// dynamic_update_slice, with their shape rules (the checks of XLA's
// ShapeInference as jax/_src/lax/slicing.py spells them), eager kernels and
// jvp / transpose / batching rules side by side. The batching rules use
// operand_batching_dims, so batching a gather or scatter never needs an iota
// of batch positions. Index vectors are always the last dimension of the
// indices; lax::gather/scatter move another index_vector_dim there.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "backend/cpu/gather_scatter.h"
#include "backend/cpu/kernels.h"
#include "jx/lax.h"
#include "jx/lax_indexing.h"
#include "prims/rules.h"

namespace jx::prims {
namespace {

using Ints = std::vector<int64_t>;
using JvpOut = std::pair<std::vector<Array>, std::vector<Array>>;
using BatchOut = std::pair<std::vector<Array>, std::vector<int>>;
using Cts = std::vector<Array>;
using lax::GatherScatterMode;

Primitive define(const char* name, ShapeRule rule, EagerKernel impl) {
  Primitive p;
  p.name = name;
  p.abstract_eval = std::move(rule);
  p.impl = std::move(impl);
  return p;
}

std::string ints_str(std::span<const int64_t> v) { return shape_str(v); }
bool contains(std::span<const int64_t> v, int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }
Ints plus(const Ints& v, int64_t k) {
  Ints out;
  for (int64_t x : v) out.push_back(x + k);
  return out;
}
Ints prepend(int64_t x, const Ints& v) {
  Ints out{x};
  out.insert(out.end(), v.begin(), v.end());
  return out;
}
Ints iota_ints(int64_t n) {
  Ints v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// A concrete 0-d array of dtype dt holding v.
Array scalar_const(DType dt, double v) {
  Array s = make_uninit(Aval{dt, {}, false}, default_device());
  cpu::convert(float64, &v, dt, out_data(s), 1);
  return s;
}
Array zeros(const Shape& shape, DType dt) { return lax::broadcast_in_dim(scalar_const(dt, 0), shape, {}); }
Array ones_like(const Array& x) { return full_like(x, 1.0); }

// x with its batch axis first; an unbatched x gets one of `size` (broadcast).
Array bdim_at_front(const Array& x, int bdim, int64_t size) {
  return bdim < 0 ? add_batch_axis(x, size, 0) : move_axis(x, bdim, 0);
}

GatherScatterMode mode_of(const Params& p) {
  return lax::parse_mode("gather", p.get<std::string>("mode"));
}

// ---------------------------------------------------------------- dimension-number checks
// Messages follow XLA / JAX ("offset_dims in gather op must be sorted; got (1, 0)").
void check_sorted(std::string_view op, const Ints& dims, std::string_view name) {
  for (size_t i = 1; i < dims.size(); ++i)
    if (dims[i] < dims[i - 1])
      throw_error(op, std::string(name) + " must be sorted; got " + ints_str(dims));
}
void check_in_range(std::string_view op, const Ints& dims, int64_t rank, std::string_view name) {
  for (int64_t d : dims)
    if (d < 0 || d >= rank)
      throw_error(op, "invalid " + std::string(name) + " " + ints_str(dims) + "; valid range is [0, " +
                          std::to_string(rank) + "), got " + std::to_string(d));
}
void check_unique(std::string_view op, const Ints& dims, std::string_view name) {
  Ints s = dims;
  std::sort(s.begin(), s.end());
  if (std::adjacent_find(s.begin(), s.end()) != s.end())
    throw_error(op, std::string(name) + " must not repeat; got " + ints_str(dims));
}
void check_disjoint(std::string_view op, const Ints& a, const Ints& b, std::string_view na,
                    std::string_view nb) {
  for (int64_t x : a)
    if (contains(b, x))
      throw_error(op, std::string(na) + " and " + std::string(nb) + " must be disjoint; got " +
                          ints_str(a) + " and " + ints_str(b));
}
void check_index_dtype(std::string_view op, const Aval& idx) {
  if (!idx.dtype.is_integer())
    throw_error(op, "indices must have an integer dtype, got " + idx.str());
  if (idx.ndim() < 1)
    throw_error(op, "indices must have rank >= 1 (the last dimension holds the index vectors), got " +
                        idx.str());
}
// The batching dims of operand and indices: equal counts and extents.
void check_batching(std::string_view op, const Aval& operand, const Aval& indices, const Ints& obd,
                    const Ints& ibd, std::string_view oname, std::string_view iname) {
  check_unique(op, obd, oname);
  check_sorted(op, obd, oname);
  check_in_range(op, obd, operand.ndim(), oname);
  check_unique(op, ibd, iname);
  check_in_range(op, ibd, indices.ndim(), iname);
  if (contains(ibd, indices.ndim() - 1))
    throw_error(op, "cannot have the index vector dimension as a batching dimension; got " +
                        std::string(iname) + " " + ints_str(ibd) + " for indices " + indices.str());
  if (obd.size() != ibd.size())
    throw_error(op, "requires equal numbers of " + std::string(oname) + " and " + std::string(iname) +
                        ", got " + ints_str(obd) + " and " + ints_str(ibd));
  for (size_t i = 0; i < obd.size(); ++i)
    if (operand.shape[size_t(obd[i])] != indices.shape[size_t(ibd[i])])
      throw_error(op, "operand batching dimensions and indices batching dimensions must have the same "
                      "extents, got " + std::string(oname) + " " + ints_str(obd) + " of " + operand.str() +
                      " and " + std::string(iname) + " " + ints_str(ibd) + " of " + indices.str());
}

// ================================================================ gather
struct GatherDnums {
  Ints offset, collapsed, sim, obd, sibd;
};
GatherDnums gather_dnums(const Params& p) {
  return {p.get_ints("offset_dims"), p.get_ints("collapsed_slice_dims"), p.get_ints("start_index_map"),
          p.get_ints("operand_batching_dims"), p.get_ints("start_indices_batching_dims")};
}

Params gather_params(const GatherDnums& d, Ints slice_sizes, bool sorted, bool unique,
                     GatherScatterMode mode, std::optional<double> fill) {
  Params p{{"offset_dims", d.offset},
           {"collapsed_slice_dims", d.collapsed},
           {"start_index_map", d.sim},
           {"operand_batching_dims", d.obd},
           {"start_indices_batching_dims", d.sibd},
           {"slice_sizes", std::move(slice_sizes)},
           {"indices_are_sorted", sorted},
           {"unique_indices", unique},
           {"mode", std::string(lax::mode_name(mode))}};
  if (mode == GatherScatterMode::kFillOrDrop) p.set("fill_value", fill.value_or(0.0));
  return p;
}

Aval gather_shape(std::span<const Aval> in, const Params& params) {
  constexpr std::string_view op = "gather";
  const Aval& x = in[0];
  const Aval& idx = in[1];
  GatherDnums d = gather_dnums(params);
  const Ints& ss = params.get_ints("slice_sizes");
  mode_of(params);
  check_index_dtype(op, idx);
  int64_t batch_rank = idx.ndim() - 1;
  int64_t out_rank = int64_t(d.offset.size()) + batch_rank;
  check_sorted(op, d.offset, "offset_dims");
  check_unique(op, d.offset, "offset_dims");
  check_in_range(op, d.offset, out_rank, "offset_dims");
  if (int64_t(d.sim.size()) != idx.shape.back())
    throw_error(op, "start_index_map " + ints_str(d.sim) + " has " + std::to_string(d.sim.size()) +
                        " elements but the index vectors (last dimension of indices " + idx.str() +
                        ") have " + std::to_string(idx.shape.back()) + "; these must be equal");
  check_in_range(op, d.sim, x.ndim(), "start_index_map");
  check_unique(op, d.sim, "start_index_map");
  check_sorted(op, d.collapsed, "collapsed_slice_dims");
  check_in_range(op, d.collapsed, x.ndim(), "collapsed_slice_dims");
  check_unique(op, d.collapsed, "collapsed_slice_dims");
  check_batching(op, x, idx, d.obd, d.sibd, "operand_batching_dims", "start_indices_batching_dims");
  check_disjoint(op, d.collapsed, d.obd, "collapsed_slice_dims", "operand_batching_dims");
  check_disjoint(op, d.sim, d.obd, "start_index_map", "operand_batching_dims");
  if (int64_t(ss.size()) != x.ndim())
    throw_error(op, "slice_sizes " + ints_str(ss) + " must have one entry per dimension of operand " + x.str());
  if (ss.size() != d.offset.size() + d.collapsed.size() + d.obd.size())
    throw_error(op, "every operand dimension must be an offset dimension or collapsed or batching: got " +
                        std::to_string(ss.size()) + " slice sizes, offset_dims " + ints_str(d.offset) +
                        ", collapsed_slice_dims " + ints_str(d.collapsed) + ", operand_batching_dims " +
                        ints_str(d.obd));
  for (size_t i = 0; i < ss.size(); ++i)
    if (ss[i] < 0 || ss[i] > x.shape[i])
      throw_error(op, "slice size " + std::to_string(ss[i]) + " at index " + std::to_string(i) +
                          " is out of range [0, " + std::to_string(x.shape[i]) + "] for operand " + x.str());
  for (int64_t c : d.collapsed)
    if (ss[size_t(c)] != 1)
      throw_error(op, "can only collapse slice dims with slice size 1, but slice size is " +
                          std::to_string(ss[size_t(c)]) + " for collapsed dimension " + std::to_string(c));
  for (int64_t b : d.obd)
    if (ss[size_t(b)] > 1)
      throw_error(op, "operand batching dims must have slice size 0 or 1, but slice size is " +
                          std::to_string(ss[size_t(b)]) + " for dimension " + std::to_string(b));
  Aval out{x.dtype, {}, x.weak_type};
  size_t bi = 0, wi = 0;
  Ints window;
  for (int64_t i = 0; i < x.ndim(); ++i)
    if (!contains(d.collapsed, i) && !contains(d.obd, i)) window.push_back(ss[size_t(i)]);
  for (int64_t i = 0; i < out_rank; ++i)
    out.shape.push_back(contains(d.offset, i) ? window[wi++] : idx.shape[bi++]);
  return out;
}

Primitive gather_p = define(
    "gather",
    [](std::span<const Aval> in, const Params& params) { return std::vector<Aval>{gather_shape(in, params)}; },
    [](std::span<const Array> in, std::span<Array> out, const Params& params) {
      GatherDnums d = gather_dnums(params);
      const Ints& ss = params.get_ints("slice_sizes");
      bool fill = mode_of(params) == GatherScatterMode::kFillOrDrop;
      alignas(8) unsigned char fill_bytes[8] = {0};
      if (fill) {
        double v = params.get<double>("fill_value");
        cpu::convert(float64, &v, in[0].dtype(), fill_bytes, 1);
      }
      cpu::GatherArgs a{in[0].dtype(), in_data(in[0]), in[0].shape(), in[1].dtype(), in_data(in[1]),
                        in[1].shape(), out_data(out[0]), out[0].shape(), d.offset, d.collapsed, d.sim,
                        d.obd, d.sibd, ss, fill, fill_bytes};
      cpu::gather(a);
    });

// ================================================================ scatters
struct ScatterDnums {
  Ints uwd, iwd, sdod, obd, sibd;
};
ScatterDnums scatter_dnums(const Params& p) {
  return {p.get_ints("update_window_dims"), p.get_ints("inserted_window_dims"),
          p.get_ints("scatter_dims_to_operand_dims"), p.get_ints("operand_batching_dims"),
          p.get_ints("scatter_indices_batching_dims")};
}
Params scatter_params(const ScatterDnums& d, bool sorted, bool unique, GatherScatterMode mode) {
  return Params{{"update_window_dims", d.uwd},
                {"inserted_window_dims", d.iwd},
                {"scatter_dims_to_operand_dims", d.sdod},
                {"operand_batching_dims", d.obd},
                {"scatter_indices_batching_dims", d.sibd},
                {"indices_are_sorted", sorted},
                {"unique_indices", unique},
                {"mode", std::string(lax::mode_name(mode))}};
}
Params with_dnums(const Params& params, const ScatterDnums& d) {
  return scatter_params(d, params.get<bool>("indices_are_sorted"), params.get<bool>("unique_indices"),
                        mode_of(params));
}

Aval scatter_shape(std::string_view op, std::span<const Aval> in, const Params& params, bool numeric) {
  const Aval& x = in[0];
  const Aval& idx = in[1];
  const Aval& upd = in[2];
  ScatterDnums d = scatter_dnums(params);
  mode_of(params);
  check_index_dtype(op, idx);
  if (upd.dtype != x.dtype)
    throw_error(op, "updates must have the operand's dtype, got operand " + x.str() + " and updates " + upd.str());
  if (numeric && x.dtype.is_bool())
    throw_error(op, "operand must have a numeric dtype, got " + x.str());
  int64_t batch_rank = idx.ndim() - 1;
  int64_t expected = batch_rank + int64_t(d.uwd.size());
  if (upd.ndim() != expected)
    throw_error(op, "updates must have rank " + std::to_string(expected) + " (" + std::to_string(batch_rank) +
                        " scatter dims of indices " + idx.str() + " + " + std::to_string(d.uwd.size()) +
                        " update_window_dims), got " + upd.str());
  check_sorted(op, d.uwd, "update_window_dims");
  check_unique(op, d.uwd, "update_window_dims");
  check_in_range(op, d.uwd, upd.ndim(), "update_window_dims");
  check_sorted(op, d.iwd, "inserted_window_dims");
  check_unique(op, d.iwd, "inserted_window_dims");
  check_in_range(op, d.iwd, x.ndim(), "inserted_window_dims");
  check_batching(op, x, idx, d.obd, d.sibd, "operand_batching_dims", "scatter_indices_batching_dims");
  check_disjoint(op, d.iwd, d.obd, "inserted_window_dims", "operand_batching_dims");
  check_disjoint(op, d.sdod, d.obd, "scatter_dims_to_operand_dims", "operand_batching_dims");
  int64_t window = int64_t(d.uwd.size() + d.iwd.size() + d.obd.size());
  if (window != x.ndim())
    throw_error(op, "update_window_dims " + ints_str(d.uwd) + ", inserted_window_dims " + ints_str(d.iwd) +
                        " and operand_batching_dims " + ints_str(d.obd) + " must account for the " +
                        std::to_string(x.ndim()) + " dimensions of operand " + x.str() + ", got " +
                        std::to_string(window));
  if (int64_t(d.sdod.size()) != idx.shape.back())
    throw_error(op, "scatter_dims_to_operand_dims " + ints_str(d.sdod) + " has " + std::to_string(d.sdod.size()) +
                        " elements but the index vectors (last dimension of indices " + idx.str() +
                        ") have " + std::to_string(idx.shape.back()) + "; these must be equal");
  check_in_range(op, d.sdod, x.ndim(), "scatter_dims_to_operand_dims");
  check_unique(op, d.sdod, "scatter_dims_to_operand_dims");
  // Window extents must fit the operand; scatter dims of updates must match indices.
  size_t j = 0;
  for (int64_t i = 0; i < x.ndim(); ++i) {
    if (contains(d.iwd, i) || contains(d.obd, i)) continue;
    int64_t ud = d.uwd[j++];
    if (upd.shape[size_t(ud)] > x.shape[size_t(i)])
      throw_error(op, "window dimension " + std::to_string(ud) + " of updates " + upd.str() +
                          " exceeds operand dimension " + std::to_string(i) + " of " + x.str());
  }
  int64_t k = 0;
  for (int64_t i = 0; i < upd.ndim(); ++i) {
    if (contains(d.uwd, i)) continue;
    if (upd.shape[size_t(i)] != idx.shape[size_t(k)])
      throw_error(op, "scatter dimension " + std::to_string(i) + " of updates " + upd.str() +
                          " must match dimension " + std::to_string(k) + " of indices " + idx.str());
    ++k;
  }
  return x;
}

void scatter_impl(cpu::ScatterOp op, std::span<const Array> in, std::span<Array> out, const Params& params) {
  ScatterDnums d = scatter_dnums(params);
  std::memcpy(out_data(out[0]), in_data(in[0]), size_t(in[0].nbytes()));
  cpu::ScatterArgs a{in[0].dtype(), out_data(out[0]), in[0].shape(), in[1].dtype(), in_data(in[1]),
                     in[1].shape(), in_data(in[2]), in[2].shape(), d.uwd, d.iwd, d.sdod, d.obd, d.sibd,
                     mode_of(params) == GatherScatterMode::kClip};
  cpu::scatter(op, a);
}

Primitive define_scatter(const char* name, cpu::ScatterOp op, bool numeric) {
  std::string n = name;
  return define(
      name,
      [n, numeric](std::span<const Aval> in, const Params& params) {
        return std::vector<Aval>{scatter_shape(n, in, params, numeric)};
      },
      [op](std::span<const Array> in, std::span<Array> out, const Params& params) {
        scatter_impl(op, in, out, params);
      });
}

Primitive scatter_p = define_scatter("scatter", cpu::ScatterOp::kSet, false);
Primitive scatter_add_p = define_scatter("scatter_add", cpu::ScatterOp::kAdd, true);
Primitive scatter_mul_p = define_scatter("scatter_mul", cpu::ScatterOp::kMul, true);
Primitive scatter_min_p = define_scatter("scatter_min", cpu::ScatterOp::kMin, false);
Primitive scatter_max_p = define_scatter("scatter_max", cpu::ScatterOp::kMax, false);

// ---------------------------------------------------------------- gather <-> scatter
GatherDnums to_gather(const ScatterDnums& s) { return {s.uwd, s.iwd, s.sdod, s.obd, s.sibd}; }
ScatterDnums to_scatter(const GatherDnums& g) { return {g.offset, g.collapsed, g.sim, g.obd, g.sibd}; }

// The slice sizes of the gather that reads back the windows a scatter writes.
Ints scatter_slice_sizes(const ScatterDnums& d, int64_t operand_rank, const Shape& updates_shape) {
  Ints ss;
  size_t pos = 0;
  for (int64_t i = 0; i < operand_rank; ++i) {
    if (contains(d.iwd, i) || contains(d.obd, i)) ss.push_back(1);
    else ss.push_back(updates_shape[size_t(d.uwd[pos++])]);
  }
  return ss;
}

Array bind_gather(const Array& x, const Array& idx, const GatherDnums& d, Ints ss, bool sorted, bool unique,
                  GatherScatterMode mode, std::optional<double> fill) {
  return bind1(gather_p, {x, idx}, gather_params(d, std::move(ss), sorted, unique, mode, fill));
}
Array bind_scatter(const Primitive& p, const Array& x, const Array& idx, const Array& upd, const Params& params) {
  return bind1(p, {x, idx, upd}, params);
}
// The gather reading back the windows of scatter `params` from x (mode kept, fill 0).
Array gather_back(const Array& x, const Array& idx, const Shape& updates_shape, const Params& params,
                  std::optional<GatherScatterMode> mode = std::nullopt) {
  ScatterDnums d = scatter_dnums(params);
  return bind_gather(x, idx, to_gather(d), scatter_slice_sizes(d, x.ndim(), updates_shape), false, false,
                     mode.value_or(mode_of(params)), 0.0);
}

// ---------------------------------------------------------------- gather rules
// Batching (jax's _gather_batching_rule): an operand batch axis becomes a
// full-size offset dimension; a batch axis of the indices becomes a batch
// dimension of the indices; both together become a pair of batching dims.
BatchOut batch_gather(Array x, int xb, Array idx, int ib, GatherDnums d, Ints ss, bool sorted, bool unique,
                      GatherScatterMode mode, std::optional<double> fill) {
  if (xb >= 0 && ib < 0) {
    x = move_axis(x, xb, 0);
    GatherDnums n{prepend(0, plus(d.offset, 1)), plus(d.collapsed, 1), plus(d.sim, 1), plus(d.obd, 1), d.sibd};
    return BatchOut{{bind_gather(x, idx, n, prepend(x.shape()[0], ss), sorted, unique, mode, fill)}, {0}};
  }
  if (xb < 0) {
    idx = move_axis(idx, ib, 0);
    GatherDnums n{plus(d.offset, 1), d.collapsed, d.sim, d.obd, plus(d.sibd, 1)};
    return BatchOut{{bind_gather(x, idx, n, ss, false, false, mode, fill)}, {0}};
  }
  x = move_axis(x, xb, 0);
  idx = move_axis(idx, ib, 0);
  GatherDnums n{plus(d.offset, 1), plus(d.collapsed, 1), plus(d.sim, 1), prepend(0, plus(d.obd, 1)),
                prepend(0, plus(d.sibd, 1))};
  return BatchOut{{bind_gather(x, idx, n, prepend(x.shape()[0] == 0 ? 0 : 1, ss), sorted, unique, mode, fill)},
                  {0}};
}

std::optional<double> fill_of(const Params& p) {
  if (p.has("fill_value")) return p.get<double>("fill_value");
  return std::nullopt;
}

const bool gather_rules = [] {
  gather_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    Array y = bind1(gather_p, primals, params);
    if (!tangents[0].defined()) return JvpOut{{y}, {Array()}};
    Params tp = params;
    if (tp.has("fill_value")) tp.set("fill_value", 0.0);
    return JvpOut{{y}, {bind1(gather_p, {tangents[0], primals[1]}, tp)}};
  };
  // Transpose: scatter-add the cotangent windows into zeros (same mode).
  gather_p.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params& params) {
    if (!is_undefined_primal(in[0]) || !cts[0].defined()) return Cts{Array(), Array()};
    const Array& ct = cts[0];
    Params sp = scatter_params(to_scatter(gather_dnums(params)), params.get<bool>("indices_are_sorted"),
                               params.get<bool>("unique_indices"), mode_of(params));
    return Cts{bind_scatter(scatter_add_p, zeros(in[0].shape(), ct.dtype()), in[1], ct, sp), Array()};
  };
  gather_p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    return batch_gather(vals[0], dims[0], vals[1], dims[1], gather_dnums(params), params.get_ints("slice_sizes"),
                        params.get<bool>("indices_are_sorted"), params.get<bool>("unique_indices"),
                        mode_of(params), fill_of(params));
  };
  return true;
}();

// ---------------------------------------------------------------- scatter rules
// Batching (jax's _scatter_batching_rule): operand and updates get the batch
// axis in front; unbatched indices make it a window dimension, batched
// indices a pair of batching dimensions.
BatchOut batch_scatter(const Primitive& p, std::span<const Array> vals, std::span<const int> dims,
                       const Params& params) {
  int64_t n = batch_size(vals, dims);
  Array x = bdim_at_front(vals[0], dims[0], n);
  Array upd = bdim_at_front(vals[2], dims[2], n);
  ScatterDnums d = scatter_dnums(params);
  if (dims[1] < 0) {
    ScatterDnums nd{prepend(0, plus(d.uwd, 1)), plus(d.iwd, 1), plus(d.sdod, 1), plus(d.obd, 1), d.sibd};
    return BatchOut{{bind_scatter(p, x, vals[1], upd, with_dnums(params, nd))}, {0}};
  }
  Array idx = bdim_at_front(vals[1], dims[1], n);
  ScatterDnums nd{plus(d.uwd, 1), plus(d.iwd, 1), plus(d.sdod, 1), prepend(0, plus(d.obd, 1)),
                  prepend(0, plus(d.sibd, 1))};
  return BatchOut{{bind_scatter(p, x, idx, upd, with_dnums(params, nd))}, {0}};
}

Array instantiate(const Array& t, const Array& like) { return t.defined() ? t : zeros_like(like); }

const bool scatter_add_rules = [] {
  scatter_add_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    Array y = bind1(scatter_add_p, primals, params);
    if (!tangents[0].defined() && !tangents[2].defined()) return JvpOut{{y}, {Array()}};
    Array t = bind_scatter(scatter_add_p, instantiate(tangents[0], primals[0]), primals[1],
                           instantiate(tangents[2], primals[2]), params);
    return JvpOut{{y}, {t}};
  };
  scatter_add_p.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params& params) {
    const Array& t = cts[0];
    if (!t.defined()) return Cts{Array(), Array(), Array()};
    Array op_t = is_undefined_primal(in[0]) ? t : Array();
    Array upd_t = is_undefined_primal(in[2]) ? gather_back(t, in[1], in[2].shape(), params) : Array();
    return Cts{op_t, Array(), upd_t};
  };
  scatter_add_p.batch = [](std::span<const Array> v, std::span<const int> d, const Params& p) {
    return batch_scatter(scatter_add_p, v, d, p);
  };
  return true;
}();

// scatter (set). With unique indices the tangent is the scatter of the
// tangents. Otherwise (jax's _scatter_jvp) each update gets an id; scattering
// the ids shows which update won each element, and the primal and tangent
// are scatter-adds of the winners onto the operand with the overwritten
// elements masked out, which needs no transpose of scatter itself.
const bool scatter_rules = [] {
  scatter_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    const Array &x = primals[0], &idx = primals[1], &upd = primals[2];
    if (!tangents[0].defined() && !tangents[2].defined())
      return JvpOut{{bind1(scatter_p, primals, params)}, {Array()}};
    Array gx = instantiate(tangents[0], x), gu = instantiate(tangents[2], upd);
    if (params.get<bool>("unique_indices"))
      return JvpOut{{bind1(scatter_p, primals, params)}, {bind_scatter(scatter_p, gx, idx, gu, params)}};
    ScatterDnums d = scatter_dnums(params);
    Shape ids_shape = upd.shape();
    for (int64_t w : d.uwd) ids_shape[size_t(w)] = 1;
    int64_t num_ids = ids_shape.numel();
    DType id_dt = num_ids < (int64_t(1) << 31) - 1 ? int32 : int64;
    Array ids = lax::reshape(lax::iota(id_dt, Shape{num_ids}), ids_shape);
    ids = lax::add(lax::broadcast_in_dim(ids, upd.shape(), iota_ints(upd.ndim())),
                   lax::broadcast_in_dim(scalar_const(id_dt, 1), upd.shape(), {}));
    Array scattered = bind_scatter(scatter_p, zeros(x.shape(), id_dt), idx, ids, params);
    Array gathered = gather_back(scattered, idx, upd.shape(), params, GatherScatterMode::kPromiseInBounds);
    Array kept = lax::eq(scattered, zeros(x.shape(), id_dt));
    Array won = lax::eq(ids, gathered);
    auto mask = [](const Array& m, const Array& v) { return lax::select_n(m, {zeros_like(v), v}); };
    Array y = bind_scatter(scatter_add_p, mask(kept, x), idx, mask(won, upd), params);
    Array t = bind_scatter(scatter_add_p, mask(kept, gx), idx, mask(won, gu), params);
    return JvpOut{{y}, {t}};
  };
  scatter_p.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params& params) {
    if (!params.get<bool>("unique_indices"))
      throw_error("scatter", "transpose of scatter is only implemented for unique_indices=True");
    const Array& t = cts[0];
    if (!t.defined()) return Cts{Array(), Array(), Array()};
    Array op_t, upd_t;
    if (is_undefined_primal(in[0]))
      op_t = bind_scatter(scatter_p, t, in[1], zeros(in[2].shape(), t.dtype()), params);
    if (is_undefined_primal(in[2])) upd_t = gather_back(t, in[1], in[2].shape(), params);
    return Cts{op_t, Array(), upd_t};
  };
  scatter_p.batch = [](std::span<const Array> v, std::span<const int> d, const Params& p) {
    return batch_scatter(scatter_p, v, d, p);
  };
  return true;
}();

// scatter_mul is linear in the operand; its derivative in the updates needs
// unique indices (as in JAX).
const bool scatter_mul_rules = [] {
  scatter_mul_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    const Array &x = primals[0], &idx = primals[1], &upd = primals[2];
    Array y = bind1(scatter_mul_p, primals, params);
    Array t;
    if (tangents[0].defined()) t = bind_scatter(scatter_mul_p, tangents[0], idx, upd, params);
    if (tangents[2].defined()) {
      if (!params.get<bool>("unique_indices"))
        throw_error("scatter_mul", "differentiation with respect to the updates is only implemented for "
                                   "unique_indices=True");
      Array tu = lax::mul(x, bind_scatter(scatter_add_p, zeros_like(x), idx, tangents[2], params));
      t = t.defined() ? lax::add(t, tu) : tu;
    }
    return JvpOut{{y}, {t}};
  };
  scatter_mul_p.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params& params) {
    const Array& t = cts[0];
    if (!t.defined()) return Cts{Array(), Array(), Array()};
    Array op_t, upd_t;
    if (is_undefined_primal(in[0])) op_t = bind_scatter(scatter_mul_p, t, in[1], in[2], params);
    if (is_undefined_primal(in[2])) {
      if (!params.get<bool>("unique_indices"))
        throw_error("scatter_mul", "differentiation with respect to the updates is only implemented for "
                                   "unique_indices=True");
      upd_t = gather_back(lax::mul(t, in[0]), in[1], in[2].shape(), params);
    }
    return Cts{op_t, Array(), upd_t};
  };
  scatter_mul_p.batch = [](std::span<const Array> v, std::span<const int> d, const Params& p) {
    return batch_scatter(scatter_mul_p, v, d, p);
  };
  return true;
}();

// scatter_min / scatter_max (jax's _scatter_extremal_jvp): the tangent of an
// element is the average of the tangents of the values that tie for it (the
// operand's own value included when it survives).
JvpRule extremal_jvp(const Primitive& p) {
  return [&p](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    const Array &x = primals[0], &idx = primals[1], &upd = primals[2];
    Array y = bind1(p, primals, params);
    if (!tangents[0].defined() && !tangents[2].defined()) return JvpOut{{y}, {Array()}};
    Array gx = instantiate(tangents[0], x), gu = instantiate(tangents[2], upd);
    const auto kPromise = GatherScatterMode::kPromiseInBounds;
    auto back = [&](const Array& v) { return gather_back(v, idx, upd.shape(), params, kPromise); };
    Params add = params;
    add.set("mode", std::string(lax::mode_name(GatherScatterMode::kFillOrDrop)));
    Array initial = back(x), target = back(y);
    Array successful = lax::eq(upd, target), retained = lax::eq(initial, target);
    Array zu = zeros_like(upd), ou = ones_like(upd);
    Array num_updates = back(bind_scatter(scatter_add_p, zeros_like(x), idx, lax::select_n(successful, {zu, ou}), add));
    Array num_refs = back(bind_scatter(scatter_add_p, zeros_like(x), idx, ou, add));
    Array inv_plus = lax::div(ou, lax::add(num_updates, ou)), inv = lax::div(ou, num_updates);
    Array upd_coef = lax::select_n(successful, {zu, lax::select_n(retained, {inv, inv_plus})});
    Array op_norm = lax::select_n(retained, {zu, inv_plus});
    Array op_coef = lax::div(lax::sub(op_norm, ou), num_refs);
    Array t_upd = lax::add(lax::mul(back(gx), op_coef), lax::mul(gu, upd_coef));
    return JvpOut{{y}, {bind_scatter(scatter_add_p, gx, idx, t_upd, params)}};
  };
}

const bool scatter_extremal_rules = [] {
  for (Primitive* p : {&scatter_min_p, &scatter_max_p}) {
    p->jvp = extremal_jvp(*p);
    p->batch = [p](std::span<const Array> v, std::span<const int> d, const Params& params) {
      return batch_scatter(*p, v, d, params);
    };
  }
  return true;
}();

// ================================================================ dynamic_slice
void check_start_indices(std::string_view op, const Aval& x, std::span<const Aval> starts) {
  if (int64_t(starts.size()) != x.ndim())
    throw_error(op, "needs one start index per dimension of operand " + x.str() + ", got " +
                        std::to_string(starts.size()));
  for (const Aval& s : starts) {
    if (s.ndim() != 0 || !s.dtype.is_integer() || s.dtype != starts[0].dtype)
      throw_error(op, "start indices must be 0-d integer arrays of one dtype, got " + avals_str(starts));
  }
}

// Starts clamped so that a box of `sizes` fits in `shape` (XLA's rule).
Ints clamped_starts(std::span<const Array> starts, const Shape& shape, std::span<const int64_t> sizes) {
  Ints out;
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t s = cpu::load_index(starts[i].dtype(), in_data(starts[i]), 0);
    out.push_back(std::clamp<int64_t>(s, 0, shape[i] - sizes[i]));
  }
  return out;
}

Primitive dynamic_slice_p = define(
    "dynamic_slice",
    [](std::span<const Aval> in, const Params& params) {
      const Aval& x = in[0];
      check_start_indices("dynamic_slice", x, in.subspan(1));
      const Ints& ss = params.get_ints("slice_sizes");
      if (int64_t(ss.size()) != x.ndim())
        throw_error("dynamic_slice", "slice_sizes " + ints_str(ss) + " must have one entry per dimension of operand " + x.str());
      for (size_t i = 0; i < ss.size(); ++i)
        if (ss[i] < 0 || ss[i] > x.shape[i])
          throw_error("dynamic_slice", "slice_sizes " + ints_str(ss) + " must be within [0, operand dim] for operand " + x.str());
      return std::vector<Aval>{Aval{x.dtype, Shape(ss), x.weak_type}};
    },
    [](std::span<const Array> in, std::span<Array> out, const Params& params) {
      const Array& x = in[0];
      const Ints& ss = params.get_ints("slice_sizes");
      Ints st = clamped_starts(in.subspan(1), x.shape(), ss);
      auto xs = strides_of(x.shape());
      int64_t off = 0;
      for (size_t i = 0; i < st.size(); ++i) off += st[i] * xs[i];
      cpu::strided_copy(in_data(x), off, xs, out_data(out[0]), 0, strides_of(Shape(ss)), ss,
                        x.dtype().itemsize());
    });

Primitive dynamic_update_slice_p = define(
    "dynamic_update_slice",
    [](std::span<const Aval> in, const Params&) {
      const Aval &x = in[0], &u = in[1];
      if (u.dtype != x.dtype || u.ndim() != x.ndim())
        throw_error("dynamic_update_slice", "update must have the operand's dtype and rank, got operand " +
                                                x.str() + " and update " + u.str());
      for (int64_t i = 0; i < x.ndim(); ++i)
        if (u.shape[size_t(i)] > x.shape[size_t(i)])
          throw_error("dynamic_update_slice", "update " + u.str() + " must not be larger than operand " + x.str());
      check_start_indices("dynamic_update_slice", x, in.subspan(2));
      return std::vector<Aval>{x};
    },
    [](std::span<const Array> in, std::span<Array> out, const Params&) {
      const Array &x = in[0], &u = in[1];
      std::memcpy(out_data(out[0]), in_data(x), size_t(x.nbytes()));
      Ints st = clamped_starts(in.subspan(2), x.shape(), u.shape());
      auto xs = strides_of(x.shape());
      int64_t off = 0;
      for (size_t i = 0; i < st.size(); ++i) off += st[i] * xs[i];
      cpu::strided_copy(in_data(u), 0, strides_of(u.shape()), out_data(out[0]), off, xs, u.shape(),
                        x.dtype().itemsize());
    });

// The start indices of a batched dynamic slice as one index array: (rank,)
// when none is batched, else (n, rank) batched along 0 (jax's
// _batch_dynamic_slice_indices).
std::pair<Array, int> batch_starts(std::span<const Array> starts, std::span<const int> dims, int64_t n) {
  if (starts.empty()) return {zeros(Shape{0}, int32), -1};
  bool any = std::any_of(dims.begin(), dims.end(), [](int d) { return d >= 0; });
  std::vector<Array> cols;
  for (size_t i = 0; i < starts.size(); ++i) {
    if (!any) cols.push_back(lax::broadcast_in_dim(starts[i], Shape{1}, {}));
    else if (dims[i] >= 0) cols.push_back(lax::broadcast_in_dim(starts[i], Shape{n, 1}, {0}));
    else cols.push_back(lax::broadcast_in_dim(starts[i], Shape{n, 1}, {}));
  }
  return {lax::concatenate(cols, any ? 1 : 0), any ? 0 : -1};
}

Array bind_dynamic_slice(const Array& x, std::span<const Array> starts, Ints sizes) {
  std::vector<Array> in{x};
  in.insert(in.end(), starts.begin(), starts.end());
  return bind1(dynamic_slice_p, in, Params{{"slice_sizes", std::move(sizes)}});
}
Array bind_dus(const Array& x, const Array& u, std::span<const Array> starts) {
  std::vector<Array> in{x, u};
  in.insert(in.end(), starts.begin(), starts.end());
  return bind1(dynamic_update_slice_p, in);
}

const bool dynamic_slice_rules = [] {
  dynamic_slice_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    Array y = bind1(dynamic_slice_p, primals, params);
    if (!tangents[0].defined()) return JvpOut{{y}, {Array()}};
    return JvpOut{{y}, {bind_dynamic_slice(tangents[0], primals.subspan(1), params.get_ints("slice_sizes"))}};
  };
  dynamic_slice_p.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params&) {
    Cts out(in.size());
    if (is_undefined_primal(in[0]) && cts[0].defined())
      out[0] = bind_dus(zeros(in[0].shape(), cts[0].dtype()), cts[0], in.subspan(1));
    return out;
  };
  // A dynamic slice is a gather with every operand dim an offset dim.
  dynamic_slice_p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    int64_t rank = vals[0].ndim() - (dims[0] >= 0 ? 1 : 0);
    auto [idx, ib] = batch_starts(vals.subspan(1), dims.subspan(1), batch_size(vals, dims));
    GatherDnums d{iota_ints(rank), {}, iota_ints(rank), {}, {}};
    return batch_gather(vals[0], dims[0], idx, ib, d, params.get_ints("slice_sizes"), true, true,
                        GatherScatterMode::kClip, std::nullopt);
  };

  dynamic_update_slice_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
                                  const Params& params) {
    Array y = bind1(dynamic_update_slice_p, primals, params);
    if (!tangents[0].defined() && !tangents[1].defined()) return JvpOut{{y}, {Array()}};
    return JvpOut{{y}, {bind_dus(instantiate(tangents[0], primals[0]), instantiate(tangents[1], primals[1]),
                                 primals.subspan(2))}};
  };
  dynamic_update_slice_p.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params&) {
    Cts out(in.size());
    const Array& t = cts[0];
    if (!t.defined()) return out;
    std::span<const Array> starts = in.subspan(2);
    if (is_undefined_primal(in[0])) out[0] = bind_dus(t, zeros(in[1].shape(), t.dtype()), starts);
    if (is_undefined_primal(in[1])) out[1] = bind_dynamic_slice(t, starts, in[1].shape().to_vector());
    return out;
  };
  // A dynamic update slice is a clipped scatter of one full window.
  dynamic_update_slice_p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params&) {
    int64_t rank = vals[1].ndim() - (dims[1] >= 0 ? 1 : 0);
    auto [idx, ib] = batch_starts(vals.subspan(2), dims.subspan(2), batch_size(vals, dims));
    ScatterDnums d{iota_ints(rank), {}, iota_ints(rank), {}, {}};
    Params sp = scatter_params(d, true, true, GatherScatterMode::kClip);
    Array v[3] = {vals[0], idx, vals[1]};
    int b[3] = {dims[0], ib, dims[1]};
    return batch_scatter(scatter_p, v, b, sp);
  };
  return true;
}();

struct Registrar {
  Registrar() {
    for (Primitive* p : {&gather_p, &scatter_p, &scatter_add_p, &scatter_mul_p, &scatter_min_p, &scatter_max_p,
                         &dynamic_slice_p, &dynamic_update_slice_p})
      register_primitive(*p);
  }
} g_registrar;

// ---------------------------------------------------------------- lax wrappers' helpers
// Default fill values (jax.lax.gather): NaN, the smallest signed, the largest
// unsigned integer, true.
double default_fill(DType dt) {
  if (dt.is_floating()) return std::numeric_limits<double>::quiet_NaN();
  if (dt.is_bool()) return 1;
  if (dt.is_signed_int()) return -std::ldexp(1.0, dt.bits() - 1);
  return std::ldexp(1.0, dt.bits()) - 1;  // rounds up for 64 bits; the conversion saturates
}

// Moves the index vector dimension of `idx` last (or appends it) and renumbers
// the indices' batching dims accordingly.
Array canonical_indices(std::string_view op, const Array& idx, int64_t ivd, Ints& batching) {
  int64_t r = idx.ndim();
  if (ivd == -1) return idx;
  if (ivd < -1 || ivd > r)
    throw_error(op, "index_vector_dim " + std::to_string(ivd) + " must be in [0, " + std::to_string(r) +
                        "] for indices " + idx.aval().str() + " (or -1 for the last dimension)");
  if (contains(batching, ivd) && ivd < r)
    throw_error(op, "cannot have the index vector dimension as a batching dimension; got index_vector_dim " +
                        std::to_string(ivd) + " and batching dims " + ints_str(batching));
  if (ivd == r) return lax::expand_dims(idx, {r});
  if (ivd == r - 1) return idx;
  for (int64_t& b : batching)
    if (b > ivd) --b;
  return move_axis(idx, int(ivd), int(r - 1));
}

Params scatter_call_params(std::string_view op, const Array& idx, Array& canon,
                           const lax::ScatterDimensionNumbers& dn, const lax::ScatterOptions& o) {
  Ints sibd = dn.scatter_indices_batching_dims;
  canon = canonical_indices(op, idx, dn.index_vector_dim, sibd);
  ScatterDnums d{dn.update_window_dims, dn.inserted_window_dims, dn.scatter_dims_to_operand_dims,
                 dn.operand_batching_dims, sibd};
  return scatter_params(d, o.indices_are_sorted, o.unique_indices, o.mode);
}

Array call_scatter(const Primitive& p, const Array& x, const Array& idx, const Array& upd,
                   const lax::ScatterDimensionNumbers& dn, const lax::ScatterOptions& o) {
  Array canon;
  Params params = scatter_call_params(p.name, idx, canon, dn, o);
  return bind1(p, {x, canon, upd}, params);
}

// Negative starts count from the end (jax's _dynamic_slice_indices).
std::vector<Array> normalize_starts(const Array& x, std::span<const Array> starts) {
  std::vector<Array> out;
  for (size_t i = 0; i < starts.size(); ++i) {
    const Array& s = starts[i];
    if (s.ndim() != 0 || !s.dtype().is_signed_int() || i >= size_t(x.ndim())) {
      out.push_back(s);
      continue;
    }
    Array zero = scalar_const(s.dtype(), 0), n = scalar_const(s.dtype(), double(x.shape()[i]));
    out.push_back(lax::select_n(lax::lt(s, zero), {s, lax::add(s, n)}));
  }
  return out;
}

std::vector<Array> static_starts(const std::vector<int64_t>& starts) {
  std::vector<Array> out;
  for (int64_t s : starts) out.push_back(scalar_const(int32, double(s)));
  return out;
}

}  // namespace
}  // namespace jx::prims

namespace jx::lax {

using namespace jx::prims;

std::string_view mode_name(GatherScatterMode mode) {
  switch (mode) {
    case GatherScatterMode::kClip: return "clip";
    case GatherScatterMode::kFillOrDrop: return "fill";
    case GatherScatterMode::kPromiseInBounds: break;
  }
  return "promise_in_bounds";
}

GatherScatterMode parse_mode(std::string_view op, std::string_view name) {
  if (name == "clip") return GatherScatterMode::kClip;
  if (name == "fill" || name == "drop") return GatherScatterMode::kFillOrDrop;
  if (name == "promise_in_bounds") return GatherScatterMode::kPromiseInBounds;
  throw_error(op, "unknown mode '" + std::string(name) + "' (expected clip, fill, drop or promise_in_bounds)");
}

Array gather(const Array& operand, const Array& start_indices, const GatherDimensionNumbers& dn,
             std::vector<int64_t> slice_sizes, const GatherOptions& o, Loc loc) {
  CallSite site(loc);
  Ints sibd = dn.start_indices_batching_dims;
  Array idx = canonical_indices("gather", start_indices, dn.index_vector_dim, sibd);
  std::optional<double> fill;
  if (o.mode == GatherScatterMode::kFillOrDrop) fill = o.fill_value.value_or(default_fill(operand.dtype()));
  GatherDnums d{dn.offset_dims, dn.collapsed_slice_dims, dn.start_index_map, dn.operand_batching_dims, sibd};
  return bind_gather(operand, idx, d, std::move(slice_sizes), o.indices_are_sorted, o.unique_indices, o.mode,
                     fill);
}

Array scatter(const Array& x, const Array& idx, const Array& upd, const ScatterDimensionNumbers& dn,
              const ScatterOptions& o, Loc loc) {
  CallSite site(loc);
  return call_scatter(scatter_p, x, idx, upd, dn, o);
}
Array scatter_add(const Array& x, const Array& idx, const Array& upd, const ScatterDimensionNumbers& dn,
                  const ScatterOptions& o, Loc loc) {
  CallSite site(loc);
  return call_scatter(scatter_add_p, x, idx, upd, dn, o);
}
Array scatter_mul(const Array& x, const Array& idx, const Array& upd, const ScatterDimensionNumbers& dn,
                  const ScatterOptions& o, Loc loc) {
  CallSite site(loc);
  return call_scatter(scatter_mul_p, x, idx, upd, dn, o);
}
Array scatter_min(const Array& x, const Array& idx, const Array& upd, const ScatterDimensionNumbers& dn,
                  const ScatterOptions& o, Loc loc) {
  CallSite site(loc);
  return call_scatter(scatter_min_p, x, idx, upd, dn, o);
}
Array scatter_max(const Array& x, const Array& idx, const Array& upd, const ScatterDimensionNumbers& dn,
                  const ScatterOptions& o, Loc loc) {
  CallSite site(loc);
  return call_scatter(scatter_max_p, x, idx, upd, dn, o);
}

Array dynamic_slice(const Array& operand, std::span<const Array> start_indices,
                    std::vector<int64_t> slice_sizes, Loc loc) {
  CallSite site(loc);
  std::vector<Array> starts = normalize_starts(operand, start_indices);
  return bind_dynamic_slice(operand, starts, std::move(slice_sizes));
}
Array dynamic_slice(const Array& operand, std::initializer_list<Array> start_indices,
                    std::vector<int64_t> slice_sizes, Loc loc) {
  return dynamic_slice(operand, std::span<const Array>(start_indices.begin(), start_indices.size()),
                       std::move(slice_sizes), loc);
}
Array dynamic_slice(const Array& operand, const std::vector<int64_t>& start_indices,
                    std::vector<int64_t> slice_sizes, Loc loc) {
  std::vector<Array> s = static_starts(start_indices);
  return dynamic_slice(operand, std::span<const Array>(s), std::move(slice_sizes), loc);
}

Array dynamic_update_slice(const Array& operand, const Array& update, std::span<const Array> start_indices,
                           Loc loc) {
  CallSite site(loc);
  std::vector<Array> starts = normalize_starts(operand, start_indices);
  return bind_dus(operand, update, starts);
}
Array dynamic_update_slice(const Array& operand, const Array& update,
                           std::initializer_list<Array> start_indices, Loc loc) {
  return dynamic_update_slice(operand, update,
                              std::span<const Array>(start_indices.begin(), start_indices.size()), loc);
}
Array dynamic_update_slice(const Array& operand, const Array& update, const std::vector<int64_t>& start_indices,
                           Loc loc) {
  std::vector<Array> s = static_starts(start_indices);
  return dynamic_update_slice(operand, update, std::span<const Array>(s), loc);
}

}  // namespace jx::lax
