// Type primitives: convert_element_type and bitcast_convert_type.
#include "backend/cpu/kernels.h"
#include "jx/lax.h"
#include "prims/rules.h"

namespace jx::prims {
namespace {

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
