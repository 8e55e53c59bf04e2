// vmap of the structural primitives and the reductions against a loop over
// slices stacked with jx::np::stack, bit for bit: random in_axes (fixed seed;
// unmapped operands, negative axes) and out_axes, for several parameter sets
// per primitive; nested vmap; and the jaxprs of batched ops, which must not
// gain transposes where the batch axis can stay where it is.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <optional>
#include <random>

#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;
using jx::Array;
using jx::DType;
using jx::FlatFn;
using jx::Shape;
using Arrays = std::vector<Array>;
using Axes = std::vector<std::optional<int>>;

// ---------------------------------------------------------------- helpers

// Random values of dt: small integers (sums and products of them are exact in
// any order, so reductions can be compared bit for bit) or, with `real`,
// arbitrary floats for ops that only move data.
Array random_array(DType dt, const Shape& s, bool real, std::mt19937& rng) {
  HostBuf b(dt, s.numel());
  std::uniform_int_distribution<int> small(-3, 3);
  std::uniform_real_distribution<double> u(-10, 10);
  for (int64_t i = 0; i < s.numel(); ++i) {
    long double v = dt.is_floating() && real ? (long double)u(rng) : (long double)small(rng);
    if (dt.is_bool()) v = small(rng) > 0;
    if (dt.is_unsigned_int() && v < 0) v = -v;
    store_ld(dt, b.data(), i, dt.is_floating() ? round_to(dt, v) : v);
  }
  return b.to_array(s);
}

// Element i of x along `axis` (x[..., i, ...] without that axis).
Array take(const Array& x, int axis, int64_t i) {
  std::vector<int64_t> start(size_t(x.ndim()), 0), limit = x.shape().to_vector();
  start[size_t(axis)] = i;
  limit[size_t(axis)] = i + 1;
  return lx::squeeze(lx::slice(x, start, limit), {axis});
}

// Same dtype, shape and bytes.
void expect_identical(const Array& got, const Array& want, const std::string& what) {
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.shape().str(), want.shape().str()) << what;
  bool same = std::memcmp(got.data(), want.data(), size_t(got.nbytes())) == 0;
  EXPECT_TRUE(same) << what << "\n got  " << got << "\n want " << want;
}

// vmap_flat(f) against a loop over slices, for given batched args and axes.
void check_vmap(const FlatFn& f, const Arrays& args, const Axes& in_axes, const Axes& out_axes,
                int64_t n, const std::string& what) {
  Arrays got = jx::vmap_flat(f, args, in_axes, out_axes);
  std::vector<Arrays> per;  // per[i][k]: output k of element i
  for (int64_t i = 0; i < n; ++i) {
    Arrays xs;
    for (size_t a = 0; a < args.size(); ++a) {
      if (!in_axes[a]) {
        xs.push_back(args[a]);
        continue;
      }
      int ax = *in_axes[a] < 0 ? *in_axes[a] + args[a].ndim() : *in_axes[a];
      xs.push_back(take(args[a], ax, i));
    }
    per.push_back(f(xs));
  }
  ASSERT_EQ(got.size(), per[0].size()) << what;
  for (size_t k = 0; k < got.size(); ++k) {
    std::vector<Array> parts;
    for (const Arrays& outs : per) parts.push_back(outs[k]);
    int o = out_axes.empty() ? 0 : *out_axes[k];
    expect_identical(got[k], jx::np::stack(parts, o), what + " output " + std::to_string(k));
  }
}

struct Operand {
  DType dtype;
  Shape shape;  // unbatched
};

struct VmapCase {
  const char* prim;
  const char* what;
  std::vector<Operand> operands;
  FlatFn f;
  bool real = true;  // false: small integers (reductions)
};

std::string axes_str(const Axes& a) {
  std::string s = "(";
  for (size_t i = 0; i < a.size(); ++i)
    s += (i ? ", " : "") + (a[i] ? std::to_string(*a[i]) : std::string("None"));
  return s + ")";
}

// Runs a case over random in_axes/out_axes and batch sizes (fixed seed).
void run_case(const VmapCase& c, std::mt19937& rng, int trials = 6) {
  for (int t = 0; t < trials; ++t) {
    int64_t n = t == 0 ? 1 : 2 + int64_t(rng() % 2);
    Axes in_axes;
    Arrays args;
    bool any = false;
    for (size_t i = 0; i < c.operands.size(); ++i) {
      const Operand& op = c.operands[i];
      bool mapped = (rng() % 4 != 0) || (i + 1 == c.operands.size() && !any);
      if (!mapped) {
        in_axes.push_back(std::nullopt);
        args.push_back(random_array(op.dtype, op.shape, c.real, rng));
        continue;
      }
      any = true;
      int rank = int(op.shape.size()) + 1;
      int ax = int(rng() % unsigned(rank));
      Shape s = op.shape;
      s.insert(size_t(ax), n);
      args.push_back(random_array(op.dtype, s, c.real, rng));
      in_axes.push_back(rng() % 2 ? ax - rank : ax);
    }
    // Out axes: probe the output ranks once, then pick one per output.
    Arrays probe;
    for (size_t i = 0; i < args.size(); ++i)
      probe.push_back(
          in_axes[i]
              ? take(args[i], *in_axes[i] < 0 ? *in_axes[i] + args[i].ndim() : *in_axes[i], 0)
              : args[i]);
    Axes out_axes;
    for (const Array& y : c.f(probe)) {
      int rank = y.ndim() + 1;
      int o = int(rng() % unsigned(rank));
      out_axes.push_back(rng() % 2 ? o - rank : o);
    }
    std::string what = std::string(c.prim) + " " + c.what + " in_axes " + axes_str(in_axes) +
                       " out_axes " + axes_str(out_axes) + " n " + std::to_string(n);
    SCOPED_TRACE(what);
    check_vmap(c.f, args, in_axes, out_axes, n, what);
  }
}

Array device_put0(const Array& x) {
  return jx::bind1(*jx::find_primitive("device_put"), {x}, jx::Params{{"device", int64_t(0)}});
}

#define F(expr) [](std::span<const Array> a) { return Arrays{expr}; }

const std::vector<VmapCase>& vmap_cases() {
  using jx::bool_;
  using jx::float32;
  using jx::float64;
  using jx::int32;
  static const std::vector<VmapCase> cases = {
      // broadcast_in_dim
      {"broadcast_in_dim",
       "(3,)->(2,3) (1)",
       {{float32, {3}}},
       F(lx::broadcast_in_dim(a[0], {2, 3}, {1}))},
      {"broadcast_in_dim",
       "(3,1)->(3,4) (0,1)",
       {{float32, {3, 1}}},
       F(lx::broadcast_in_dim(a[0], {3, 4}, {0, 1}))},
      {"broadcast_in_dim", "()->(2,2)", {{float64, {}}}, F(lx::broadcast_in_dim(a[0], {2, 2}, {}))},
      {"broadcast_in_dim",
       "(1,3)->(2,4,3) (1,2)",
       {{int32, {1, 3}}},
       F(lx::broadcast_in_dim(a[0], {2, 4, 3}, {1, 2}))},
      {"broadcast_in_dim",
       "(2,3)->(2,5,3,1) (0,2)",
       {{bool_, {2, 3}}},
       F(lx::broadcast_in_dim(a[0], {2, 5, 3, 1}, {0, 2}))},
      // reshape
      {"reshape", "(2,3,4)->(6,4)", {{float32, {2, 3, 4}}}, F(lx::reshape(a[0], {6, 4}))},
      {"reshape", "(2,3,4)->(4,6)", {{float32, {2, 3, 4}}}, F(lx::reshape(a[0], {4, 6}))},
      {"reshape", "(2,3,4)->(2,12)", {{float32, {2, 3, 4}}}, F(lx::reshape(a[0], {2, 12}))},
      {"reshape", "(6,)->(2,3)", {{int32, {6}}}, F(lx::reshape(a[0], {2, 3}))},
      {"reshape", "(1,4,1)->(4,)", {{float32, {1, 4, 1}}}, F(lx::reshape(a[0], {4}))},
      {"reshape", "()->(1,1)", {{float32, {}}}, F(lx::reshape(a[0], {1, 1}))},
      {"reshape", "(2,0,3)->(0,5)", {{float32, {2, 0, 3}}}, F(lx::reshape(a[0], {0, 5}))},
      // squeeze
      {"squeeze", "(2,1,3) (1)", {{float32, {2, 1, 3}}}, F(lx::squeeze(a[0], {1}))},
      {"squeeze", "(1,3,1) (0,-1)", {{float32, {1, 3, 1}}}, F(lx::squeeze(a[0], {0, -1}))},
      {"squeeze", "(1,) (0)", {{int32, {1}}}, F(lx::squeeze(a[0], {0}))},
      // expand_dims
      {"expand_dims", "(2,3) (0)", {{float32, {2, 3}}}, F(lx::expand_dims(a[0], {0}))},
      {"expand_dims", "(2,3) (-1)", {{float32, {2, 3}}}, F(lx::expand_dims(a[0], {-1}))},
      {"expand_dims", "(2,3) (1,3)", {{float32, {2, 3}}}, F(lx::expand_dims(a[0], {1, 3}))},
      {"expand_dims", "(2,3) (3,0)", {{int32, {2, 3}}}, F(lx::expand_dims(a[0], {3, 0}))},
      {"expand_dims", "() (0)", {{float32, {}}}, F(lx::expand_dims(a[0], {0}))},
      // transpose
      {"transpose", "(2,3,4) (2,0,1)", {{float32, {2, 3, 4}}}, F(lx::transpose(a[0], {2, 0, 1}))},
      {"transpose", "(2,3,4) (1,0,2)", {{float32, {2, 3, 4}}}, F(lx::transpose(a[0], {1, 0, 2}))},
      {"transpose", "(2,3,4) (0,1,2)", {{int32, {2, 3, 4}}}, F(lx::transpose(a[0], {0, 1, 2}))},
      {"transpose", "(3,2) (1,0)", {{bool_, {3, 2}}}, F(lx::transpose(a[0], {1, 0}))},
      // rev
      {"rev", "(3,4) (0)", {{float32, {3, 4}}}, F(lx::rev(a[0], {0}))},
      {"rev", "(3,4) (1)", {{float32, {3, 4}}}, F(lx::rev(a[0], {1}))},
      {"rev", "(3,4) (0,-1)", {{float32, {3, 4}}}, F(lx::rev(a[0], {0, -1}))},
      {"rev", "(3,4) ()", {{int32, {3, 4}}}, F(lx::rev(a[0], {}))},
      // slice
      {"slice",
       "(5,6) [1:5:2, 0:6:4]",
       {{float32, {5, 6}}},
       F(lx::slice(a[0], {1, 0}, {5, 6}, {2, 4}))},
      {"slice", "(7,) [0:7:3]", {{float32, {7}}}, F(lx::slice(a[0], {0}, {7}, {3}))},
      {"slice", "(4,4) [1:3, 2:4]", {{int32, {4, 4}}}, F(lx::slice(a[0], {1, 2}, {3, 4}))},
      {"slice", "(4,3) [2:2, 0:3]", {{float32, {4, 3}}}, F(lx::slice(a[0], {2, 0}, {2, 3}))},
      // pad
      {"pad",
       "(3,4) (1,2,0) (0,0,1)",
       {{float32, {3, 4}}, {float32, {}}},
       F(lx::pad(a[0], a[1], {{1, 2, 0}, {0, 0, 1}}))},
      {"pad",
       "(3,4) negative (-1,0,2) (2,-2,0)",
       {{float32, {3, 4}}, {float32, {}}},
       F(lx::pad(a[0], a[1], {{-1, 0, 2}, {2, -2, 0}}))},
      {"pad",
       "(3,4) none",
       {{int32, {3, 4}}, {int32, {}}},
       F(lx::pad(a[0], a[1], {{0, 0, 0}, {0, 0, 0}}))},
      {"pad",
       "(5,) (-2,-1,1)",
       {{float64, {5}}, {float64, {}}},
       F(lx::pad(a[0], a[1], {{-2, -1, 1}}))},
      {"pad",
       "bool (2,2) (1,1,1) (0,1,0)",
       {{bool_, {2, 2}}, {bool_, {}}},
       F(lx::pad(a[0], a[1], {{1, 1, 1}, {0, 1, 0}}))},
      // concatenate
      {"concatenate",
       "(2,3),(2,1),(2,2) axis 1",
       {{float32, {2, 3}}, {float32, {2, 1}}, {float32, {2, 2}}},
       F(lx::concatenate(a, 1))},
      {"concatenate",
       "(1,3),(2,3) axis 0",
       {{int32, {1, 3}}, {int32, {2, 3}}},
       F(lx::concatenate(a, 0))},
      {"concatenate",
       "(3,),(3,) axis -1",
       {{float32, {3}}, {float32, {3}}},
       F(lx::concatenate(a, -1))},
      {"concatenate", "one operand", {{float32, {2, 2}}}, F(lx::concatenate(a, 0))},
      // iota (never batched itself: it meets batched values)
      {"iota",
       "concatenated to a batched value",
       {{float32, {3}}},
       F(lx::concatenate({a[0], lx::iota(float32, {2})}, 0))},
      {"iota",
       "padded by a batched value",
       {{int32, {}}},
       F(lx::pad(lx::iota(int32, {2, 3}, 1), a[0], {{1, 0, 0}, {0, 1, 1}}))},
      // copy, device_put
      {"copy", "(2,3)", {{float32, {2, 3}}}, F(lx::copy(a[0]))},
      {"device_put", "(2,3) to device 0", {{float32, {2, 3}}}, F(device_put0(a[0]))},
      // reductions
      {"reduce_sum", "(2,3,4) (0)", {{float32, {2, 3, 4}}}, F(lx::reduce_sum(a[0], {0})), false},
      {"reduce_sum", "(2,3,4) (1)", {{float32, {2, 3, 4}}}, F(lx::reduce_sum(a[0], {1})), false},
      {"reduce_sum",
       "(2,3,4) (0,2)",
       {{float64, {2, 3, 4}}},
       F(lx::reduce_sum(a[0], {0, 2})),
       false},
      {"reduce_sum",
       "(2,3,4) (-1,0)",
       {{int32, {2, 3, 4}}},
       F(lx::reduce_sum(a[0], {-1, 0})),
       false},
      {"reduce_sum", "(2,3) ()", {{float32, {2, 3}}}, F(lx::reduce_sum(a[0], {})), false},
      {"reduce_sum", "(2,3) all", {{float32, {2, 3}}}, F(lx::reduce_sum(a[0], {0, 1})), false},
      {"reduce_prod", "(2,3,4) (1)", {{float32, {2, 3, 4}}}, F(lx::reduce_prod(a[0], {1})), false},
      {"reduce_prod",
       "(2,3,4) (2,0)",
       {{int32, {2, 3, 4}}},
       F(lx::reduce_prod(a[0], {2, 0})),
       false},
      {"reduce_max", "(2,3,4) (1)", {{float32, {2, 3, 4}}}, F(lx::reduce_max(a[0], {1}))},
      {"reduce_max", "(2,3,4) (0,2)", {{int32, {2, 3, 4}}}, F(lx::reduce_max(a[0], {0, 2})), false},
      {"reduce_min", "(3,4) (0)", {{float32, {3, 4}}}, F(lx::reduce_min(a[0], {0}))},
      {"reduce_min", "(3,4) (-1)", {{float64, {3, 4}}}, F(lx::reduce_min(a[0], {-1}))},
      {"reduce_and", "bool (3,4) (1)", {{bool_, {3, 4}}}, F(lx::reduce_and(a[0], {1})), false},
      {"reduce_and",
       "int32 (3,4) (0,1)",
       {{int32, {3, 4}}},
       F(lx::reduce_and(a[0], {0, 1})),
       false},
      {"reduce_or",
       "bool (2,3,2) (0,2)",
       {{bool_, {2, 3, 2}}},
       F(lx::reduce_or(a[0], {0, 2})),
       false},
      {"reduce_or", "int32 (3,4) (0)", {{int32, {3, 4}}}, F(lx::reduce_or(a[0], {0})), false},
      {"argmax", "(3,4) axis 0", {{float32, {3, 4}}}, F(lx::argmax(a[0], 0, int32)), false},
      {"argmax",
       "(2,3,4) axis -1 int64",
       {{int32, {2, 3, 4}}},
       F(lx::argmax(a[0], -1, jx::int64)),
       false},
      {"argmin", "(3,4) axis 1", {{float32, {3, 4}}}, F(lx::argmin(a[0], 1, int32)), false},
      {"argmin", "(2,3,4) axis 1", {{bool_, {2, 3, 4}}}, F(lx::argmin(a[0], 1, int32)), false},
  };
  return cases;
}

void run_prim(std::string_view prim) {
  std::mt19937 rng(20240611);
  int found = 0;
  for (const VmapCase& c : vmap_cases()) {
    if (c.prim != prim) continue;
    ++found;
    run_case(c, rng);
  }
  EXPECT_GT(found, 0) << "no case for " << prim;
}

TEST(VmapStructure, BroadcastInDim) { run_prim("broadcast_in_dim"); }
TEST(VmapStructure, Reshape) { run_prim("reshape"); }
TEST(VmapStructure, Squeeze) { run_prim("squeeze"); }
TEST(VmapStructure, ExpandDims) { run_prim("expand_dims"); }
TEST(VmapStructure, Transpose) { run_prim("transpose"); }
TEST(VmapStructure, Rev) { run_prim("rev"); }
TEST(VmapStructure, Slice) { run_prim("slice"); }
TEST(VmapStructure, Pad) { run_prim("pad"); }
TEST(VmapStructure, Concatenate) { run_prim("concatenate"); }
TEST(VmapStructure, Iota) { run_prim("iota"); }
TEST(VmapStructure, Copy) { run_prim("copy"); }
TEST(VmapStructure, DevicePut) { run_prim("device_put"); }
TEST(VmapStructure, ReduceSum) { run_prim("reduce_sum"); }
TEST(VmapStructure, ReduceProd) { run_prim("reduce_prod"); }
TEST(VmapStructure, ReduceMax) { run_prim("reduce_max"); }
TEST(VmapStructure, ReduceMin) { run_prim("reduce_min"); }
TEST(VmapStructure, ReduceAnd) { run_prim("reduce_and"); }
TEST(VmapStructure, ReduceOr) { run_prim("reduce_or"); }
TEST(VmapStructure, Argmax) { run_prim("argmax"); }
TEST(VmapStructure, Argmin) { run_prim("argmin"); }

TEST(VmapStructure, AllOperandsUnmappedWithAxisSize) {
  // Nothing batched: the op runs once and the result is broadcast.
  std::mt19937 rng(1);
  Array x = random_array(jx::float32, {2, 3}, true, rng);
  Arrays got =
      jx::vmap_flat(F(lx::reduce_sum(a[0], {1})), Arrays{x}, Axes{std::nullopt}, Axes{0}, 3);
  Array want = lx::reduce_sum(x, {1});
  expect_identical(got[0], jx::np::stack({want, want, want}, 0), "unmapped");
}

TEST(VmapStructure, NestedVmap) {
  // vmap(vmap(f, in 1), in 0) against a double loop.
  std::mt19937 rng(7);
  struct Nested {
    const char* what;
    Shape shape;  // unbatched
    FlatFn f;
  };
  std::vector<Nested> cases = {
      {"reduce_sum (0)", {3, 4}, F(lx::reduce_sum(a[0], {0}))},
      {"reduce_max (1)", {3, 4}, F(lx::reduce_max(a[0], {1}))},
      {"transpose (1,0)", {3, 4}, F(lx::transpose(a[0], {1, 0}))},
      {"reshape (12,)", {3, 4}, F(lx::reshape(a[0], {12}))},
      {"slice [0:3:2, 1:4]", {3, 4}, F(lx::slice(a[0], {0, 1}, {3, 4}, {2, 1}))},
      {"broadcast (3,4)->(3,2,4)", {3, 4}, F(lx::broadcast_in_dim(a[0], {3, 2, 4}, {0, 2}))},
      {"expand_dims (1)", {3, 4}, F(lx::expand_dims(a[0], {1}))},
      {"argmin 1", {3, 4}, F(lx::argmin(a[0], 1, jx::int32))},
  };
  for (const Nested& c : cases) {
    SCOPED_TRACE(c.what);
    // x: [outer=2, s0, inner=3, s1...]: the inner vmap maps axis 1 of each outer slice.
    Shape s = c.shape;
    s.insert(1, 3);
    s.insert(0, 2);
    Array x = random_array(jx::float32, s, false, rng);
    FlatFn f = c.f;
    FlatFn inner = [f](std::span<const Array> a) { return jx::vmap_flat(f, a, Axes{1}, Axes{0}); };
    Arrays got = jx::vmap_flat(inner, Arrays{x}, Axes{0}, Axes{0});
    std::vector<Array> rows;
    for (int64_t i = 0; i < 2; ++i) {
      std::vector<Array> cols;
      for (int64_t j = 0; j < 3; ++j) cols.push_back(f(Arrays{take(take(x, 0, i), 1, j)})[0]);
      rows.push_back(jx::np::stack(cols, 0));
    }
    expect_identical(got[0], jx::np::stack(rows, 0), c.what);
  }
}

// ---------------------------------------------------------------- no needless transposes

int count_eqns(const jx::ClosedJaxpr& j, std::string_view prim) {
  int n = 0;
  for (const jx::Eqn& e : j.jaxpr.eqns) n += e.prim->name == prim;
  return n;
}

struct LayoutCase {
  const char* what;
  std::vector<jx::Aval> avals;  // batched
  Axes in_axes;
  int out_axis;  // where the batch axis lands without a transpose
  FlatFn f;
  int transposes = 0;  // transposes the op itself needs
};

TEST(VmapStructure, BatchRulesAddNoTransposes) {
  using jx::float32;
  std::vector<LayoutCase> cases = {
      {"reduce_sum axis 1, in 0", {{float32, {5, 3, 4}}}, {0}, 0, F(lx::reduce_sum(a[0], {1}))},
      {"reduce_sum axis 1, in 2", {{float32, {3, 4, 5}}}, {2}, 1, F(lx::reduce_sum(a[0], {1}))},
      {"reduce_max axes (0,2), in 1",
       {{float32, {3, 5, 4, 2}}},
       {1},
       0,
       F(lx::reduce_max(a[0], {0, 2}))},
      {"argmax axis 0, in -1", {{float32, {3, 4, 5}}}, {-1}, 1, F(lx::argmax(a[0], 0, jx::int32))},
      {"broadcast_in_dim (3,)->(2,3), in 1",
       {{float32, {3, 5}}},
       {1},
       2,
       F(lx::broadcast_in_dim(a[0], {2, 3}, {1}))},
      {"broadcast_in_dim (3,4)->(3,2,4), in 1",
       {{float32, {3, 5, 4}}},
       {1},
       1,
       F(lx::broadcast_in_dim(a[0], {3, 2, 4}, {0, 2}))},
      {"reshape (2,3,4)->(6,4), in 2",
       {{float32, {2, 3, 5, 4}}},
       {2},
       1,
       F(lx::reshape(a[0], {6, 4}))},
      {"reshape (2,3)->(6,), in -1", {{float32, {2, 3, 5}}}, {-1}, 1, F(lx::reshape(a[0], {6}))},
      {"squeeze (0,2), in 2", {{float32, {1, 3, 5, 1}}}, {2}, 1, F(lx::squeeze(a[0], {0, 2}))},
      {"expand_dims (0,2), in 1", {{float32, {2, 5, 3}}}, {1}, 3, F(lx::expand_dims(a[0], {0, 2}))},
      {"rev (0,1), in 1", {{float32, {3, 5, 4}}}, {1}, 1, F(lx::rev(a[0], {0, 1}))},
      {"slice strided, in 1",
       {{float32, {6, 5, 4}}},
       {1},
       1,
       F(lx::slice(a[0], {1, 0}, {6, 4}, {2, 3}))},
      {"pad, in 1",
       {{float32, {3, 5, 4}}, {float32, {}}},
       {1, std::nullopt},
       1,
       F(lx::pad(a[0], a[1], {{1, -1, 1}, {0, 2, 0}}))},
      {"pad, batched padding value",
       {{float32, {3, 5, 4}}, {float32, {5}}},
       {1, 0},
       1,
       F(lx::pad(a[0], a[1], {{1, -1, 1}, {0, 2, 0}}))},
      {"concatenate, in (1, 1, None)",
       {{float32, {2, 5, 3}}, {float32, {2, 5, 1}}, {float32, {2, 2}}},
       {1, 1, std::nullopt},
       1,
       F(lx::concatenate(a, 1))},
      {"transpose (2,0,1), in 1: just the op",
       {{float32, {2, 5, 3, 4}}},
       {1},
       1,
       F(lx::transpose(a[0], {2, 0, 1})),
       1},
      {"copy, in 1", {{float32, {2, 5}}}, {1}, 1, F(lx::copy(a[0]))},
  };
  for (const LayoutCase& c : cases) {
    SCOPED_TRACE(c.what);
    FlatFn f = c.f;
    Axes in_axes = c.in_axes, out_axes(1, c.out_axis);
    jx::ClosedJaxpr j = jx::make_jaxpr_flat(
        [&](std::span<const Array> a) { return jx::vmap_flat(f, a, in_axes, out_axes); }, c.avals);
    EXPECT_EQ(count_eqns(j, "transpose"), c.transposes) << j.str();
    // And the values agree with the loop.
    std::mt19937 rng(3);
    Arrays args;
    for (const jx::Aval& a : c.avals) args.push_back(random_array(a.dtype, a.shape, false, rng));
    int64_t n = 5;
    check_vmap(f, args, in_axes, out_axes, n, c.what);
  }
}

}  // namespace
}  // namespace jxt
