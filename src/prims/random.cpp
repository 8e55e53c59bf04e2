// The random primitive: threefry2x32, the counter-based hash every jx::random
// sampler is built on (JAX's threefry2x32_p). Inputs key0, key1, x0, x1 are
// uint32; each is 0-d or has the one common shape (a 0-d operand is
// broadcast); the outputs are the two hashed words, uint32 of that shape.
#include <cstdint>

#include "jx/primitive.h"
#include "jx/random.h"
#include "prims/rules.h"

namespace jx::cpu {
// src/backend/cpu/threefry.cpp
void threefry2x32(const uint32_t* k0, bool k0_scalar, const uint32_t* k1, bool k1_scalar,
                  const uint32_t* x0, bool x0_scalar, const uint32_t* x1, bool x1_scalar,
                  uint32_t* y0, uint32_t* y1, int64_t n);
}  // namespace jx::cpu

namespace jx::prims {
namespace {

constexpr const char* kNames[4] = {"key0", "key1", "x0", "x1"};

std::vector<Aval> threefry_rule(std::span<const Aval> in, const Params&) {
  if (in.size() != 4)
    throw_error("threefry2x32", "expected 4 operands (key0, key1, x0, x1), got " +
                                    std::to_string(in.size()));
  const Aval* shaped = nullptr;
  for (size_t i = 0; i < 4; ++i) {
    if (!(in[i].dtype == uint32))
      throw_error("threefry2x32", std::string("operands must be uint32, got ") + kNames[i] + " " +
                                      in[i].str() + " (all operands: " + avals_str(in) + ")");
    if (in[i].ndim() == 0) continue;
    if (!shaped) {
      shaped = &in[i];
    } else if (!(in[i].shape == shaped->shape)) {
      throw_error("threefry2x32",
                  "operands must be 0-d or share one shape, got " + avals_str(in));
    }
  }
  Shape out = shaped ? shaped->shape : Shape{};
  return {Aval{uint32, out, false}, Aval{uint32, out, false}};
}

void threefry_impl(std::span<const Array> in, std::span<Array> out, const Params&) {
  const uint32_t* p[4];
  bool s[4];
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<const uint32_t*>(in_data(in[i]));
    s[i] = in[i].ndim() == 0;
  }
  cpu::threefry2x32(p[0], s[0], p[1], s[1], p[2], s[2], p[3], s[3],
                    static_cast<uint32_t*>(out_data(out[0])),
                    static_cast<uint32_t*>(out_data(out[1])), out[0].size());
}

Primitive make_threefry() {
  Primitive p;
  p.name = "threefry2x32";
  p.abstract_eval = threefry_rule;
  p.impl = threefry_impl;
  // The hash has no derivative: jvp/transpose stay empty (random bits are
  // not differentiable inputs); batching is elementwise broadcasting and
  // comes with the vmap layer.
  return p;
}
Primitive threefry2x32_p = make_threefry();
const Primitive& threefry2x32_reg = register_primitive(threefry2x32_p);

}  // namespace
}  // namespace jx::prims

namespace jx::random {

std::array<Array, 2> threefry2x32(const Array& key0, const Array& key1, const Array& x0,
                                  const Array& x1, std::source_location loc) {
  CallSite site(loc);
  const Array in[4] = {key0, key1, x0, x1};
  std::vector<Array> outs = bind(prims::threefry2x32_p, in);
  return {std::move(outs[0]), std::move(outs[1])};
}

}  // namespace jx::random
