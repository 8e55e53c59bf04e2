// The random primitive: threefry2x32, the counter-based hash every jx::random
// sampler is built on (JAX's threefry2x32_p). Inputs key0, key1, x0, x1 are
// uint32; each is 0-d or has the one common shape (a 0-d operand is
// broadcast); the outputs are the two hashed words, uint32 of that shape.
#include <cstdint>

#include "jx/lax.h"
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

Primitive threefry2x32_p;

// vmap: every operand gets the batch axis in front; a batched 0-d operand is
// broadcast to the common shape, unbatched 0-d operands stay 0-d.
std::pair<std::vector<Array>, std::vector<int>> threefry_batch(std::span<const Array> vals,
                                                               std::span<const int> dims,
                                                               const Params& params) {
  int64_t n = batch_size(vals, dims);
  Shape common;
  for (size_t i = 0; i < vals.size(); ++i) {
    Shape s = vals[i].shape();
    if (dims[i] >= 0) s.erase(size_t(dims[i]));
    if (!s.empty()) common = s;
  }
  Shape full = common;
  full.insert(0, n);
  std::vector<Array> v(vals.begin(), vals.end());
  for (size_t i = 0; i < v.size(); ++i) {
    if (dims[i] >= 0) {
      v[i] = move_axis(v[i], dims[i], 0);
      if (v[i].ndim() == 1 && !common.empty()) v[i] = lax::broadcast_in_dim(v[i], full, {0});
    } else if (v[i].ndim() > 0) {
      v[i] = add_batch_axis(v[i], n, 0);
    }
  }
  return {jx::bind(threefry2x32_p, std::span<const Array>(v), params), {0, 0}};
}

const bool threefry2x32_init = [] {
  Primitive& p = threefry2x32_p;
  p.name = "threefry2x32";
  p.abstract_eval = threefry_rule;
  p.impl = threefry_impl;
  // Random bits are integers: their tangents are symbolic zeros, and the
  // hash is not linear (no transpose).
  p.jvp = [](std::span<const Array> primals, std::span<const Array>, const Params& params) {
    return std::pair<std::vector<Array>, std::vector<Array>>{jx::bind(threefry2x32_p, primals, params),
                                                             {Array(), Array()}};
  };
  p.batch = threefry_batch;
  register_primitive(p);
  return true;
}();

}  // namespace
}  // namespace jx::prims

namespace jx::random {

std::array<Array, 2> threefry2x32(const Array& key0, const Array& key1, const Array& x0,
                                  const Array& x1, std::source_location loc) {
  CallSite site(loc);
  const Array in[4] = {key0, key1, x0, x1};
  std::vector<Array> outs = jx::bind(prims::threefry2x32_p, in);
  return {std::move(outs[0]), std::move(outs[1])};
}

}  // namespace jx::random
