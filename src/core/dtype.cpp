#include "jx/dtype.h"

#include <array>

#include "jx/error.h"

namespace jx {
namespace {

struct DTypeInfo {
  const char* name;
  const char* short_name;
  int itemsize;
};
constexpr DTypeInfo kInfo[kNumDTypes] = {
    {"bool", "bool", 1},      {"int8", "i8", 1},     {"int16", "i16", 2},
    {"int32", "i32", 4},      {"int64", "i64", 8},   {"uint8", "u8", 1},
    {"uint16", "u16", 2},     {"uint32", "u32", 4},  {"uint64", "u64", 8},
    {"float16", "f16", 2},    {"bfloat16", "bf16", 2}, {"float32", "f32", 4},
    {"float64", "f64", 8}};

// JAX's promotion lattice. Nodes 0..12 are the dtypes; two more stand for the
// weak Python-scalar types: i* (weak int) and f* (weak float).
constexpr int kWeakInt = 13, kWeakFloat = 14, kNodes = 15;

// up[n] is the set of nodes >= n (bitmask), computed from the lattice edges.
std::array<uint32_t, kNodes> compute_upsets() {
  std::array<std::array<int, 3>, kNodes> edges{};
  for (auto& e : edges) e = {-1, -1, -1};
  auto I = [](DType d) { return d.index(); };
  edges[I(bool_)] = {kWeakInt, -1, -1};
  edges[kWeakInt] = {I(uint8), I(int8), -1};
  edges[I(uint8)] = {I(int16), I(uint16), -1};
  edges[I(uint16)] = {I(int32), I(uint32), -1};
  edges[I(uint32)] = {I(int64), I(uint64), -1};
  edges[I(uint64)] = {kWeakFloat, -1, -1};
  edges[I(int8)] = {I(int16), -1, -1};
  edges[I(int16)] = {I(int32), -1, -1};
  edges[I(int32)] = {I(int64), -1, -1};
  edges[I(int64)] = {kWeakFloat, -1, -1};
  edges[kWeakFloat] = {I(bfloat16), I(float16), -1};
  edges[I(bfloat16)] = {I(float32), -1, -1};
  edges[I(float16)] = {I(float32), -1, -1};
  edges[I(float32)] = {I(float64), -1, -1};
  std::array<uint32_t, kNodes> up{};
  // Fixed point: up[n] = {n} ∪ up of successors.
  for (int n = 0; n < kNodes; ++n) up[n] = 1u << n;
  for (bool changed = true; changed;) {
    changed = false;
    for (int n = 0; n < kNodes; ++n)
      for (int s : edges[n])
        if (s >= 0 && (up[n] | up[s]) != up[n]) {
          up[n] |= up[s];
          changed = true;
        }
  }
  return up;
}
const std::array<uint32_t, kNodes> kUp = compute_upsets();

int node_of(DType d, bool weak) {
  if (!weak || d.is_bool()) return d.index();
  return d.is_floating() ? kWeakFloat : kWeakInt;
}

int least_upper_bound(int a, int b) {
  uint32_t common = kUp[a] & kUp[b];
  // The least element of `common` is the one whose up-set contains all of it.
  for (int n = 0; n < kNodes; ++n)
    if ((common >> n & 1) && (kUp[n] & common) == common) return n;
  return kWeakFloat;  // unreachable: f64 bounds every pair
}

}  // namespace

int DType::itemsize() const { return kInfo[index()].itemsize; }
std::string_view DType::name() const { return kInfo[index()].name; }
std::string_view DType::short_name() const { return kInfo[index()].short_name; }

DType dtype_from_name(std::string_view name) {
  for (int i = 0; i < kNumDTypes; ++i)
    if (name == kInfo[i].name || name == kInfo[i].short_name) return kAllDTypes[i];
  throw_error("dtype", "unknown dtype name '" + std::string(name) + "'");
}

DType promote_types(DType a, DType b, bool a_weak, bool b_weak, bool* weak_out) {
  bool weak = false;
  DType out;
  if (a == b && !(a_weak && b_weak)) {
    out = a;
  } else {
    int n = least_upper_bound(node_of(a, a_weak), node_of(b, b_weak));
    if (n == kWeakInt) {
      // Only bools and weak ints met: the default integer type.
      weak = true;
      out = int32;
      if ((a_weak && a == int64) || (b_weak && b == int64)) out = int64;
    } else if (n == kWeakFloat) {
      // jx's default float is float32 (JAX without x64); a 64-bit integer
      // operand asks for float64, as JAX gives it with x64 enabled.
      weak = true;
      bool wide = (!a_weak && a.bits() == 64) || (!b_weak && b.bits() == 64) ||
                  (a_weak && b_weak && (a == float64 || b == float64));
      out = wide ? float64 : float32;
    } else {
      out = kAllDTypes[n];
    }
    if (a_weak && b_weak) weak = true;
  }
  if (weak_out) *weak_out = weak;
  return out;
}

}  // namespace jx
