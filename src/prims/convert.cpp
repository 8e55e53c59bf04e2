// Type primitives: convert_element_type and bitcast_convert_type, with their
// transformation rules (jax/_src/lax/lax.py).
#include "backend/cpu/kernels.h"
#include "jx/lax.h"
#include "prims/rules.h"

namespace jx::prims {
namespace {

/// convert_element_type with the parameters of an existing application.
Array convert_with(const Array& x, const Params& params) {
  return lax::convert_element_type(x, params.get<DType>("new_dtype"),
                                   params.has("weak_type") && params.get<bool>("weak_type"));
}

Primitive make_convert() {
  Primitive p;
  p.name = "convert_element_type";
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    Aval out = in[0];
    out.dtype = params.get<DType>("new_dtype");
    out.weak_type = params.has("weak_type") && params.get<bool>("weak_type");
    return std::vector<Aval>{out};
  };
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params&) {
    cpu::convert(in[0].dtype(), in_data(in[0]), out[0].dtype(), out_data(out[0]), in[0].size());
  };
  // float -> float is linear; to or from integers and bool the derivative is
  // zero (JAX's float0 tangents).
  p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
             const Params& params) {
    const Array& x = primals[0];
    Array out = convert_with(x, params), tout;
    if (tangents[0].defined() && x.dtype().is_floating() && out.dtype().is_floating())
      tout = convert_with(tangents[0], params);
    return std::pair{std::vector<Array>{out}, std::vector<Array>{tout}};
  };
  p.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params&) {
    const Aval& old = in[0].aval();
    const Array& ct = cts[0];
    if (!ct.defined() || !old.dtype.is_floating() || !ct.dtype().is_floating())
      return std::vector<Array>{Array()};
    return std::vector<Array>{lax::convert_element_type(ct, old.dtype, old.weak_type)};
  };
  p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    return std::pair{std::vector<Array>{convert_with(vals[0], params)}, std::vector<int>{dims[0]}};
  };
  return p;
}
Primitive convert_p = make_convert();
const Primitive& convert_reg = register_primitive(convert_p);

Primitive make_bitcast() {
  Primitive p;
  p.name = "bitcast_convert_type";
  p.self_allocating = true;
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    const Aval& x = in[0];
    DType to = params.get<DType>("new_dtype");
    Aval out{to, x.shape, false};
    int a = x.dtype.itemsize(), b = to.itemsize();
    if (a > b) {
      out.shape.push_back(a / b);
    } else if (a < b) {
      if (x.ndim() == 0 || x.shape.back() != b / a)
        throw_error("bitcast_convert_type",
                    "converting " + std::string(x.dtype.name()) + " to the wider " +
                        std::string(to.name()) + " needs a last dimension of " +
                        std::to_string(b / a) + ", got operand " + x.str());
      out.shape.erase(out.shape.size() - 1);
    }
    return std::vector<Aval>{out};
  };
  // Same bytes, new type: the output shares the operand's buffer.
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params&) {
    out[0] = make_view(out[0].aval(), in[0].device(), in[0].impl().buffer);
  };
  // As JAX: the bits are not a differentiable function of the value.
  p.jvp = [](std::span<const Array> primals, std::span<const Array>, const Params& params) {
    Array out = lax::bitcast_convert_type(primals[0], params.get<DType>("new_dtype"));
    return std::pair{std::vector<Array>{out}, std::vector<Array>{Array()}};
  };
  // A narrower type appends a dimension after the batch axis, which stays put;
  // a wider one consumes the last dimension, so a batch axis there moves to 0.
  p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    DType to = params.get<DType>("new_dtype");
    Array x = vals[0];
    int d = dims[0];
    if (to.itemsize() > x.dtype().itemsize() && d == x.ndim() - 1) {
      x = move_axis(x, d, 0);
      d = 0;
    }
    return std::pair{std::vector<Array>{lax::bitcast_convert_type(x, to)}, std::vector<int>{d}};
  };
  return p;
}
Primitive bitcast_p = make_bitcast();
const Primitive& bitcast_reg = register_primitive(bitcast_p);

}  // namespace
}  // namespace jx::prims

namespace jx::lax {

Array convert_element_type(const Array& x, DType new_dtype, Loc loc) {
  CallSite site(loc);
  return bind1(prims::convert_p, {x}, Params{{"new_dtype", new_dtype}, {"weak_type", false}});
}

Array convert_element_type(const Array& x, DType new_dtype, bool weak_type, Loc loc) {
  CallSite site(loc);
  return bind1(prims::convert_p, {x}, Params{{"new_dtype", new_dtype}, {"weak_type", weak_type}});
}

Array bitcast_convert_type(const Array& x, DType new_dtype, Loc loc) {
  CallSite site(loc);
  return bind1(prims::bitcast_p, {x}, Params{{"new_dtype", new_dtype}});
}

}  // namespace jx::lax
