// Windowed reductions: reduce_window_sum / _max / _min and the pair
// select_and_gather_add / select_and_scatter_add that differentiates the
// max and min ones (jax/_src/lax/windowed_reductions.py). Params, one entry
// per dimension: window_dimensions, window_strides, padding (flattened
// low/high pairs), base_dilation, window_dilation; the select pair also has
// select_prim ("ge" for max, "le" for min).
//
// reduce_window_sum is linear; its transpose pads the cotangent (strides
// become interior padding) and sums it over the same window with strides
// equal to the base dilation, as JAX does. reduce_window_max's tangent is
// the operand's tangent at each window's first maximum
// (select_and_gather_add), linear in the tangent, whose transpose scatters
// the cotangent back to those positions (select_and_scatter_add), and vice
// versa, so derivatives of any order stay within these primitives.
#include <algorithm>

#include "backend/cpu/kernels.h"
#include "jx/lax.h"
#include "jx/lax_sort.h"
#include "prims/rules.h"

namespace jx::cpu {  // backend/cpu/windowed.cpp
struct WindowGeometry {
  std::vector<int64_t> in_shape, out_shape, window, strides, pad_lo, base_dilation, window_dilation;
};
enum class WindowKind : uint8_t { kSum, kMax, kMin };
void reduce_window(WindowKind k, DType dt, const void* x, void* y, const WindowGeometry& g);
void select_and_scatter_add(bool is_max, DType dt, const void* source, const void* operand,
                            void* out, const WindowGeometry& g);
void select_and_gather_add(bool is_max, DType dt, const void* tangent, const void* operand,
                           void* out, const WindowGeometry& g);
}  // namespace jx::cpu

namespace jx::prims {
namespace {

using cpu::WindowKind;
using lax::WindowConfig;
using lax::WindowOp;
using Ints = std::vector<int64_t>;
using JvpOut = std::pair<std::vector<Array>, std::vector<Array>>;
using BatchOut = std::pair<std::vector<Array>, std::vector<int>>;
using Cts = std::vector<Array>;

const char* const kWindowParams[] = {"window_dimensions", "window_strides", "padding",
                                     "base_dilation", "window_dilation"};

int64_t dilate(int64_t n, int64_t d) { return n == 0 ? 0 : (n - 1) * d + 1; }

// Checks the window params against an operand of shape s and returns the
// output shape.
Shape window_out_shape(std::string_view op, const Aval& x, const Params& params) {
  int64_t nd = x.ndim();
  for (const char* name : kWindowParams) {
    const Ints& v = params.get_ints(name);
    int64_t want = std::string_view(name) == "padding" ? 2 * nd : nd;
    if (int64_t(v.size()) != want)
      throw_error(op,
                  std::string(name) + " " + shape_str(v) + " must have " +
                      (std::string_view(name) == "padding" ? "a (low, high) pair" : "one entry") +
                      " per dimension of the operand " + x.str());
    if (std::string_view(name) != "padding")
      for (int64_t e : v)
        if (e < 1)
          throw_error(op, std::string(name) + " " + shape_str(v) +
                              " must be positive in every dimension (operand " + x.str() + ")");
  }
  const Ints& win = params.get_ints("window_dimensions");
  const Ints& str = params.get_ints("window_strides");
  const Ints& pad = params.get_ints("padding");
  const Ints& bd = params.get_ints("base_dilation");
  const Ints& wd = params.get_ints("window_dilation");
  Shape out;
  for (int64_t i = 0; i < nd; ++i) {
    size_t k = size_t(i);
    int64_t padded = dilate(x.shape[k], bd[k]) + pad[2 * k] + pad[2 * k + 1];
    if (padded < 0)
      throw_error(op, "padding " + shape_str(pad) + " removes more than dimension " +
                          std::to_string(i) + " of " + x.str() + " holds");
    int64_t w = dilate(win[k], wd[k]);
    out.push_back(padded < w ? 0 : (padded - w) / str[k] + 1);
  }
  return out;
}

cpu::WindowGeometry geometry(const Shape& in, const Shape& out, const Params& params) {
  cpu::WindowGeometry g;
  g.in_shape = in.to_vector();
  g.out_shape = out.to_vector();
  g.window = params.get_ints("window_dimensions");
  g.strides = params.get_ints("window_strides");
  const Ints& pad = params.get_ints("padding");
  for (size_t i = 0; i < pad.size() / 2; ++i) g.pad_lo.push_back(pad[2 * i]);
  g.base_dilation = params.get_ints("base_dilation");
  g.window_dilation = params.get_ints("window_dilation");
  return g;
}

// The params with a trivial window dimension inserted at position b (vmap).
Params with_batch_window(const Params& params, int b) {
  Params np = params;
  for (const char* name : kWindowParams) {
    Ints v = params.get_ints(name);
    if (std::string_view(name) == "padding")
      v.insert(v.begin() + 2 * b, {0, 0});
    else
      v.insert(v.begin() + b, 1);
    np.set(name, v);
  }
  return np;
}

bool is_max_select(const Params& params) { return params.get<std::string>("select_prim") == "ge"; }

// ---------------------------------------------------------------- reduce_window

struct WindowDef {
  const char* name;
  WindowKind kind;
  unsigned classes;
};
constexpr WindowDef kWindow[] = {
    {"reduce_window_sum", WindowKind::kSum, kNumClass},
    {"reduce_window_max", WindowKind::kMax, kAnyClass},
    {"reduce_window_min", WindowKind::kMin, kAnyClass},
};

Primitive make_reduce_window(const WindowDef& def) {
  Primitive p;
  p.name = def.name;
  std::string name = def.name;
  unsigned classes = def.classes;
  p.abstract_eval = [name, classes](std::span<const Aval> in, const Params& params) {
    check_dtype(name, in[0], classes);
    return std::vector<Aval>{
        Aval{in[0].dtype, window_out_shape(name, in[0], params), in[0].weak_type}};
  };
  p.impl = [kind = def.kind](std::span<const Array> in, std::span<Array> out,
                             const Params& params) {
    cpu::reduce_window(kind, in[0].dtype(), in_data(in[0]), out_data(out[0]),
                       geometry(in[0].shape(), out[0].shape(), params));
  };
  return p;
}

struct WindowTable {
  std::vector<Primitive> prims;
  WindowTable() {
    prims.reserve(std::size(kWindow));
    for (const auto& d : kWindow) prims.push_back(make_reduce_window(d));
  }
};
WindowTable& window_table() {
  static WindowTable* t = new WindowTable();
  return *t;
}

// ---------------------------------------------------------------- select pair

void check_select_dtypes(std::string_view op, const Aval& a, const Aval& x) {
  check_dtype(op, x, kFloatClass);
  if (!(a.dtype == x.dtype))
    throw_error(op, "operands must have equal dtypes, got " + a.str() + " and " + x.str());
}
void check_select_prim(std::string_view op, const Params& params) {
  const std::string& s = params.get<std::string>("select_prim");
  if (s != "ge" && s != "le")
    throw_error(op, "select_prim must be \"ge\" (max) or \"le\" (min), got \"" + s + "\"");
}

Primitive select_and_gather_add_p = [] {
  Primitive p;
  p.name = "select_and_gather_add";
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    const char* op = "select_and_gather_add";
    check_select_prim(op, params);
    check_select_dtypes(op, in[0], in[1]);
    if (!(in[0].shape == in[1].shape))
      throw_error(op, "tangents " + in[0].str() + " must have the operand's shape " + in[1].str());
    return std::vector<Aval>{
        Aval{in[0].dtype, window_out_shape(op, in[1], params), in[0].weak_type}};
  };
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params& params) {
    cpu::select_and_gather_add(is_max_select(params), in[0].dtype(), in_data(in[0]), in_data(in[1]),
                               out_data(out[0]), geometry(in[1].shape(), out[0].shape(), params));
  };
  return p;
}();

Primitive select_and_scatter_add_p = [] {
  Primitive p;
  p.name = "select_and_scatter_add";
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    const char* op = "select_and_scatter_add";
    check_select_prim(op, params);
    check_select_dtypes(op, in[0], in[1]);
    Shape want = window_out_shape(op, in[1], params);
    if (!(in[0].shape == want))
      throw_error(op, "source " + in[0].str() + " must have the window output shape " + want.str() +
                          " of the operand " + in[1].str());
    return std::vector<Aval>{Aval{in[0].dtype, in[1].shape, in[0].weak_type}};
  };
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params& params) {
    cpu::select_and_scatter_add(is_max_select(params), in[0].dtype(), in_data(in[0]),
                                in_data(in[1]), out_data(out[0]),
                                geometry(in[1].shape(), in[0].shape(), params));
  };
  return p;
}();

Params select_params(const Params& window_params, bool is_max) {
  Params p = window_params;
  p.set("select_prim", std::string(is_max ? "ge" : "le"));
  return p;
}

// ---------------------------------------------------------------- rules

// vmap of a one-operand windowed op: a window of 1 along the batch axis.
BatchRule window_batch(const Primitive& p) {
  return [&p](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    return BatchOut{{bind1(p, vals, with_batch_window(params, dims[0]))}, {dims[0]}};
  };
}
// vmap of the select pair: both operands batched along one axis.
BatchRule select_batch(const Primitive& p) {
  return [&p](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    std::vector<Array> xs(vals.begin(), vals.end());
    int b = align_batch_dims(xs, dims);
    return BatchOut{{bind1(p, xs, with_batch_window(params, b))}, {b}};
  };
}

// The cotangent of reduce_window_sum's operand (JAX's
// _reduce_window_sum_transpose_rule with conv_general_vjp_lhs_padding).
Array reduce_window_sum_transpose(const Array& ct, const Shape& in_shape, const Params& params) {
  const Ints& win = params.get_ints("window_dimensions");
  const Ints& str = params.get_ints("window_strides");
  const Ints& pad = params.get_ints("padding");
  const Ints& bd = params.get_ints("base_dilation");
  const Ints& wd = params.get_ints("window_dilation");
  std::vector<lax::PadConfig> cfg;
  for (size_t i = 0; i < win.size(); ++i) {
    int64_t lhs = dilate(in_shape[i], bd[i]), rhs = dilate(win[i], wd[i]);
    int64_t out = dilate(ct.shape()[i], str[i]);
    int64_t before = rhs - pad[2 * i] - 1;
    int64_t after = lhs + rhs - 1 - out - before;
    cfg.push_back({before, after, str[i] - 1});
  }
  Array zero = make_uninit(Aval{ct.dtype(), {}, false}, default_device());
  double z = 0;
  cpu::convert(float64, &z, ct.dtype(), out_data(zero), 1);
  Array padded = lax::pad(ct, zero, cfg);
  Params tp = params;
  tp.set("window_strides", bd);
  tp.set("padding", Ints(pad.size(), 0));
  tp.set("base_dilation", Ints(bd.size(), 1));
  return bind1(window_table().prims[0], {padded}, tp);
}

const bool window_rules = [] {
  auto& t = window_table();
  Primitive& sum = t.prims[0];
  sum.jvp = [&sum](std::span<const Array> primals, std::span<const Array> tangents,
                   const Params& params) {
    Array tout = tangents[0].defined() ? bind1(sum, tangents.first(1), params) : Array();
    return JvpOut{{bind1(sum, primals, params)}, {tout}};
  };
  sum.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params& params) {
    if (!cts[0].defined()) return Cts{Array()};
    return Cts{reduce_window_sum_transpose(cts[0], in[0].shape(), params)};
  };
  for (size_t i = 0; i < t.prims.size(); ++i) t.prims[i].batch = window_batch(t.prims[i]);
  for (size_t i = 1; i < t.prims.size(); ++i) {
    Primitive& p = t.prims[i];
    bool is_max = kWindow[i].kind == WindowKind::kMax;
    p.jvp = [&p, is_max](std::span<const Array> primals, std::span<const Array> tangents,
                         const Params& params) {
      Array y = bind1(p, primals, params);
      if (!tangents[0].defined()) return JvpOut{{y}, {Array()}};
      return JvpOut{{y},
                    {bind1(select_and_gather_add_p, {tangents[0], primals[0]},
                           select_params(params, is_max))}};
    };
  }
  // Both select ops are linear in their first operand and constant in the
  // second (the operand only chooses positions).
  for (auto pair : {std::pair{&select_and_gather_add_p, &select_and_scatter_add_p},
                    std::pair{&select_and_scatter_add_p, &select_and_gather_add_p}}) {
    Primitive* p = pair.first;
    Primitive* other = pair.second;
    p->jvp = [p](std::span<const Array> primals, std::span<const Array> tangents,
                 const Params& params) {
      Array y = bind1(*p, primals, params);
      if (!tangents[0].defined()) return JvpOut{{y}, {Array()}};
      return JvpOut{{y}, {bind1(*p, {tangents[0], primals[1]}, params)}};
    };
    p->transpose = [p, other](std::span<const Array> cts, std::span<const Array> in,
                              const Params& params) {
      if (is_undefined_primal(in[1]))
        throw_error(p->name, "cannot transpose with respect to the operand that selects");
      if (!cts[0].defined()) return Cts{Array(), Array()};
      return Cts{bind1(*other, {cts[0], in[1]}, params), Array()};
    };
    p->batch = select_batch(*p);
  }
  for (auto& p : t.prims) register_primitive(p);
  register_primitive(select_and_gather_add_p);
  register_primitive(select_and_scatter_add_p);
  return true;
}();

// The public params from a WindowConfig: empty entries become their defaults.
Params window_params(const WindowConfig& w, int64_t nd) {
  Ints pad;
  if (w.padding.empty()) pad.assign(size_t(2 * nd), 0);
  for (const auto& [lo, hi] : w.padding) {
    pad.push_back(lo);
    pad.push_back(hi);
  }
  auto or_ones = [nd](const Ints& v) { return v.empty() ? Ints(size_t(nd), 1) : v; };
  return Params{{"window_dimensions", w.window_dimensions},
                {"window_strides", or_ones(w.window_strides)},
                {"padding", pad},
                {"base_dilation", or_ones(w.base_dilation)},
                {"window_dilation", or_ones(w.window_dilation)}};
}

void check_select(std::string_view op, WindowOp select) {
  if (select == WindowOp::kSum)
    throw_error(op, "select must be WindowOp::kMax or WindowOp::kMin, got kSum");
}

}  // namespace
}  // namespace jx::prims

namespace jx::lax {

Array reduce_window(const Array& operand, WindowOp op, const WindowConfig& window, Loc loc) {
  CallSite site(loc);
  if (size_t(op) >= prims::window_table().prims.size())
    throw_error("reduce_window", "unknown WindowOp " + std::to_string(int(op)));
  return bind1(prims::window_table().prims[size_t(op)], {operand},
               prims::window_params(window, operand.ndim()));
}
Array reduce_window_sum(const Array& operand, const WindowConfig& window, Loc loc) {
  return reduce_window(operand, WindowOp::kSum, window, loc);
}
Array reduce_window_max(const Array& operand, const WindowConfig& window, Loc loc) {
  return reduce_window(operand, WindowOp::kMax, window, loc);
}
Array reduce_window_min(const Array& operand, const WindowConfig& window, Loc loc) {
  return reduce_window(operand, WindowOp::kMin, window, loc);
}
Array select_and_scatter_add(const Array& source, const Array& operand, WindowOp select,
                             const WindowConfig& window, Loc loc) {
  CallSite site(loc);
  prims::check_select("select_and_scatter_add", select);
  return bind1(
      prims::select_and_scatter_add_p, {source, operand},
      prims::select_params(prims::window_params(window, operand.ndim()), select == WindowOp::kMax));
}
Array select_and_gather_add(const Array& tangents, const Array& operand, WindowOp select,
                            const WindowConfig& window, Loc loc) {
  CallSite site(loc);
  prims::check_select("select_and_gather_add", select);
  return bind1(
      prims::select_and_gather_add_p, {tangents, operand},
      prims::select_params(prims::window_params(window, operand.ndim()), select == WindowOp::kMax));
}

}  // namespace jx::lax
