// vmap of the elementwise primitives, driven by the op table
// (tests/prims/op_table.h): for every row and several accepted dtypes, random
// in_axes (unmapped operands, negative axes, 0-d examples) against a loop
// over the examples stacked with np::stack, bit for bit. Plus the operand
// shapes the table does not cover: select_n and clamp with 0-d predicates and
// bounds, convert_element_type and bitcast_convert_type (whose wider targets
// consume the last axis), nested vmap and vmap of a derivative.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <optional>
#include <random>

#include "jx/jx.h"
#include "jx/transforms_flat.h"
#include "prims/op_table.h"
#include "test_util.h"

namespace jxt {
namespace {

using jx::Array;
namespace lx = jx::lax;
namespace np = jx::np;

/// One operand of a vmapped call: dtype, per-example shape, mapped axis.
struct Operand {
  jx::DType dt;
  jx::Shape shape;
  std::optional<int> axis;  ///< nullopt: unmapped; may be negative
};
/// Fills n elements of operand k.
using Gen = std::function<void(int k, jx::DType dt, HostBuf& buf, int64_t n)>;

std::string describe(const std::vector<Operand>& ops) {
  std::string s;
  for (const Operand& o : ops)
    s += (s.empty() ? "" : ", ") + std::string(o.dt.name()) + o.shape.str() + " axis " +
         (o.axis ? std::to_string(*o.axis) : "None");
  return s;
}

/// vmap(f) over operands built from per-example values must equal f applied
/// to each example, stacked along axis 0 (vmap's default out_axes), exactly.
void check_vmap(const std::string& what, const jx::FlatFn& f, const std::vector<Operand>& ops,
                int64_t batch, const Gen& gen) {
  SCOPED_TRACE(what + " with " + describe(ops));
  std::vector<std::vector<Array>> examples(ops.size());
  std::vector<Array> args;
  std::vector<std::optional<int>> axes;
  for (size_t k = 0; k < ops.size(); ++k) {
    const Operand& o = ops[k];
    for (int64_t b = 0; b < (o.axis ? batch : 1); ++b) {
      HostBuf buf(o.dt, o.shape.numel());
      gen(int(k), o.dt, buf, o.shape.numel());
      examples[k].push_back(buf.to_array(o.shape));
    }
    if (o.axis) {
      int rank = int(o.shape.size()) + 1;
      args.push_back(np::stack(examples[k], *o.axis < 0 ? *o.axis + rank : *o.axis));
    } else {
      args.push_back(examples[k][0]);
    }
    axes.push_back(o.axis);
  }
  std::vector<Array> got;
  try {
    got = jx::vmap_flat(f, args, axes, {});
  } catch (const jx::Error& e) {
    ADD_FAILURE() << "vmap threw: " << e.what();
    return;
  }
  std::vector<std::vector<Array>> per_out;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Array> slice;
    for (size_t k = 0; k < ops.size(); ++k)
      slice.push_back(examples[k][ops[k].axis ? size_t(b) : 0]);
    std::vector<Array> outs = f(slice);
    per_out.resize(outs.size());
    for (size_t j = 0; j < outs.size(); ++j) per_out[j].push_back(outs[j]);
  }
  ASSERT_EQ(got.size(), per_out.size());
  for (size_t j = 0; j < got.size(); ++j) {
    Array want = np::stack(per_out[j], 0);
    ASSERT_EQ(got[j].dtype(), want.dtype()) << "output " << j;
    ASSERT_EQ(got[j].shape(), want.shape()) << "output " << j;
    EXPECT_EQ(std::memcmp(got[j].data(), want.data(), size_t(want.nbytes())), 0)
        << "output " << j << ": got " << got[j] << "\nwant " << want;
  }
}

/// Random values of an op-table row's domain (integers: the dtype's range
/// clipped to the domain; floats rounded to the domain's grid).
class RowGen {
 public:
  RowGen(const OpEntry* op, uint64_t seed) : op_(op), rng_(seed) {}
  void operator()(int k, jx::DType dt, HostBuf& buf, int64_t n) {
    Domain d{-10, 10};
    if (op_) d = (k == 1 && op_->domain2.lo < op_->domain2.hi) ? op_->domain2 : op_->domain;
    for (int64_t i = 0; i < n; ++i) {
      if (dt.is_floating()) {
        double lo = std::max(d.lo, -1e4), hi = std::min(d.hi, 1e4);
        double v = std::uniform_real_distribution<double>(lo, hi)(rng_);
        if (d.grid > 0) v = std::round(v / d.grid) * d.grid;
        store_ld(dt, buf.data(), i, round_to(dt, v));
      } else {
        I128 lo = std::max<I128>(int_min(dt), d.lo <= -1e19 ? int_min(dt) : I128(d.lo));
        I128 hi = std::min<I128>(int_max(dt), d.hi >= 1e19 ? int_max(dt) : I128(d.hi));
        U128 span = U128(hi - lo) + 1;
        U128 r = (U128(rng_()) << 64) | U128(rng_());
        store_int(dt, buf.data(), i, lo + I128(span == 0 ? r : r % span));
      }
    }
  }

 private:
  const OpEntry* op_;
  std::mt19937_64 rng_;
};

std::string test_name(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

std::vector<std::string> all_rows() {
  std::vector<std::string> v;
  for (const OpEntry& op : kOpTable) v.push_back(op.name);
  return v;
}

class OpTableRow : public ::testing::TestWithParam<std::string> {};

TEST_P(OpTableRow, MatchesLoopOverSlices) {
  const OpEntry& op = *find_op(GetParam());
  std::mt19937 rng(1234);
  const jx::Shape shapes[] = {{}, {3}, {2, 3}};
  jx::FlatFn f = [&op](std::span<const Array> in) { return std::vector<Array>{op.call(in)}; };
  int tested = 0;
  for (jx::DType dt : {jx::float32, jx::float64, jx::int32, jx::uint8, jx::bool_}) {
    if (!(op.dtypes & dbit(dt))) continue;
    ++tested;
    for (int trial = 0; trial < 6; ++trial) {
      jx::Shape shape = shapes[trial % 3];
      int rank = int(shape.size()) + 1;
      std::vector<Operand> ops;
      bool any = false;
      for (int k = 0; k < op.arity; ++k) {
        std::optional<int> axis;
        if (rng() % 4 != 0) {
          int a = int(rng() % unsigned(rank));
          axis = rng() % 2 ? a - rank : a;  // negative half of the time
          any = true;
        }
        ops.push_back({dt, shape, axis});
      }
      if (!any) ops[rng() % ops.size()].axis = -1;
      RowGen gen(&op, uint64_t(trial) * 7919 + dt.index());
      check_vmap(std::string(op.name) + " " + std::string(dt.name()), f, ops, 4, std::ref(gen));
    }
  }
  EXPECT_GT(tested, 0);
}

INSTANTIATE_TEST_SUITE_P(Vmap, OpTableRow, ::testing::ValuesIn(all_rows()),
                         [](const auto& info) { return test_name(info.param); });

// ---------------------------------------------------------------- select_n

TEST(Vmap, SelectNScalarAndFullPredicates) {
  const jx::Shape s{3};
  std::mt19937 rng(7);
  for (jx::DType pdt : {jx::bool_, jx::int32}) {
    int ncases = pdt == jx::bool_ ? 2 : 3;
    jx::FlatFn f = [](std::span<const Array> in) {
      return std::vector<Array>{lx::select_n(in[0], in.subspan(1))};
    };
    Gen gen = [&, pdt, ncases](int k, jx::DType dt, HostBuf& buf, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        if (k == 0)
          store_int(dt, buf.data(), i, I128(rng() % unsigned(ncases)));
        else
          store_ld(dt, buf.data(), i, round_to(dt, double(int(rng() % 200) - 100) / 8));
      }
    };
    const std::optional<int> choices[] = {std::nullopt, 0, 1, -1};
    for (const jx::Shape& pshape : {jx::Shape{}, s}) {
      for (const auto& pa : choices)
        for (const auto& ca : choices)
          for (const auto& cb : choices) {
            if (!pa && !ca && !cb) continue;
            if (pshape.size() == 0 && pa && *pa == 1) continue;  // 0-d examples have axes 0 / -1
            std::vector<Operand> ops{{pdt, pshape, pa}, {jx::float32, s, ca}, {jx::float32, s, cb}};
            if (ncases == 3) ops.push_back({jx::float32, s, ca});
            check_vmap("select_n", f, ops, 4, gen);
          }
    }
    // All 0-d.
    std::vector<Operand> ops0{{pdt, {}, 0}, {jx::float32, {}, std::nullopt}, {jx::float32, {}, 0}};
    if (ncases == 3) ops0.push_back({jx::float32, {}, std::nullopt});
    check_vmap("select_n 0-d", f, ops0, 4, gen);
  }
}

// ---------------------------------------------------------------- clamp

TEST(Vmap, ClampScalarAndFullBounds) {
  std::mt19937 rng(11);
  jx::FlatFn f = [](std::span<const Array> in) {
    return std::vector<Array>{lx::clamp(in[0], in[1], in[2])};
  };
  Gen gen = [&](int k, jx::DType dt, HostBuf& buf, int64_t n) {
    double base = k == 0 ? -2 : k == 2 ? 2 : 0;
    for (int64_t i = 0; i < n; ++i)
      store_ld(dt, buf.data(), i, round_to(dt, base + double(int(rng() % 80) - 40) / 8));
  };
  const std::optional<int> choices[] = {std::nullopt, 0, -1};
  for (const jx::Shape& xs : {jx::Shape{}, jx::Shape{3}, jx::Shape{2, 3}})
    for (bool scalar_bounds : {true, false})
      for (const auto& la : choices)
        for (const auto& xa : choices)
          for (const auto& ha : choices) {
            if (!la && !xa && !ha) continue;
            jx::Shape bs = scalar_bounds ? jx::Shape{} : xs;
            check_vmap("clamp", f,
                       {{jx::float32, bs, la}, {jx::float32, xs, xa}, {jx::float32, bs, ha}}, 3,
                       gen);
          }
}

// ---------------------------------------------------------------- types

TEST(Vmap, ConvertElementType) {
  RowGen gen(nullptr, 3);
  for (auto [from, to] : {std::pair{jx::float32, jx::int32}, std::pair{jx::float32, jx::float64},
                          std::pair{jx::int32, jx::float32}, std::pair{jx::uint8, jx::bool_}}) {
    jx::FlatFn f = [to](std::span<const Array> in) {
      return std::vector<Array>{lx::convert_element_type(in[0], to)};
    };
    for (int axis : {0, 1, 2, -1})
      check_vmap("convert_element_type to " + std::string(to.name()), f, {{from, {2, 3}, axis}}, 4,
                 std::ref(gen));
  }
}

TEST(Vmap, BitcastConvertTypeKeepsOrMovesTheBatchAxis) {
  RowGen gen(nullptr, 5);
  struct Case {
    jx::DType from, to;
    jx::Shape shape;
  };
  // Narrower targets append an axis; wider ones consume the last one (4 u8 -> f32).
  for (const Case& c : {Case{jx::float32, jx::uint8, {2, 3}}, Case{jx::uint8, jx::float32, {2, 4}},
                        Case{jx::int32, jx::float32, {2, 3}}, Case{jx::float64, jx::int16, {3}},
                        Case{jx::int16, jx::float64, {4}}}) {
    jx::FlatFn f = [to = c.to](std::span<const Array> in) {
      return std::vector<Array>{lx::bitcast_convert_type(in[0], to)};
    };
    int rank = int(c.shape.size()) + 1;
    for (int axis = -rank; axis < rank; ++axis)
      check_vmap("bitcast " + std::string(c.from.name()) + " to " + std::string(c.to.name()), f,
                 {{c.from, c.shape, axis}}, 3, std::ref(gen));
  }
}

// ---------------------------------------------------------------- composition

TEST(Vmap, NestedVmapOfBinaryOp) {
  Array x = np::reshape(np::arange(24, jx::float32), {2, 3, 4});
  Array y = np::reshape(np::arange(24, jx::float32), {3, 4, 2});
  jx::FlatFn mul = [](std::span<const Array> in) {
    return std::vector<Array>{lx::mul(in[0], in[1])};
  };
  std::optional<int> axes[] = {1, 0};
  // Outer: x[:, o, :] and y[o]; inner: x[:, o, a] and y[o, a, :].
  jx::FlatFn inner = [&](std::span<const Array> in) { return jx::vmap_flat(mul, in, axes, {}); };
  std::vector<Array> got = jx::vmap_flat(inner, std::vector<Array>{x, y}, axes, {});
  ASSERT_EQ(got[0].shape(), (jx::Shape{3, 4, 2}));
  std::vector<float> xv = x.to_vector<float>(), yv = y.to_vector<float>(),
                     gv = got[0].to_vector<float>();
  for (int o = 0; o < 3; ++o)
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 2; ++b)
        EXPECT_EQ(gv[size_t((o * 4 + a) * 2 + b)],
                  xv[size_t((b * 3 + o) * 4 + a)] * yv[size_t((o * 4 + a) * 2 + b)]);
}

TEST(Vmap, OfJvpAndJvpOfVmap) {
  jx::FlatFn sin = [](std::span<const Array> in) { return std::vector<Array>{lx::sin(in[0])}; };
  jx::FlatFn dsin = [&](std::span<const Array> in) {
    return jx::jvp_flat(sin, std::vector<Array>{in[0]}, std::vector<Array>{in[1]}).second;
  };
  Array x = np::reshape(np::linspace(-2, 2, 12), {3, 4});
  Array t = np::ones({3, 4});
  std::optional<int> axes[] = {1, 1};
  Array got = jx::vmap_flat(dsin, std::vector<Array>{x, t}, axes, {})[0];
  Array want = lx::transpose(lx::cos(x), {1, 0});
  EXPECT_EQ(got.to_vector<float>(), want.to_vector<float>());
  std::optional<int> ax0[] = {0};
  jx::FlatFn vsin = [&](std::span<const Array> in) { return jx::vmap_flat(sin, in, ax0, {}); };
  auto [o, tg] = jx::jvp_flat(vsin, std::vector<Array>{x}, std::vector<Array>{t});
  EXPECT_EQ(tg[0].to_vector<float>(), lx::cos(x).to_vector<float>());
}

// Per-example gradients: vmap of a pullback batches the transpose rules (and
// the jvp rules' residual computations) of many elementwise ops at once.
TEST(Vmap, OfVjpOfComposite) {
  jx::FlatFn f = [](std::span<const Array> in) {
    const Array &x = in[0], &y = in[1];
    Array lo = lx::broadcast_in_dim(scalar(-1.0f), x.shape(), {});
    Array hi = lx::neg(lo);
    Array a = lx::select_n(lx::lt(x, y), {lx::mul(x, y), lx::div(x, lx::add(lx::abs(y), hi))});
    Array b = lx::add(lx::clamp(lo, x, hi), lx::max(lx::sin(x), lx::tanh(y)));
    Array c = lx::sub(
        lx::integer_pow(x, 3),
        lx::convert_element_type(lx::exp(lx::convert_element_type(y, jx::float64)), jx::float32));
    return std::vector<Array>{lx::add(lx::add(a, b), c)};
  };
  jx::FlatFn grads = [f](std::span<const Array> in) {
    auto [outs, pullback] = jx::vjp_flat(f, in);
    return pullback(outs);
  };
  std::mt19937 rng(3);
  Gen gen = [&](int, jx::DType dt, HostBuf& buf, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      store_ld(dt, buf.data(), i, round_to(dt, double(int(rng() % 64) - 32) / 10));
  };
  const std::optional<int> choices[] = {std::nullopt, 0, 1, -1};
  for (const auto& xa : choices)
    for (const auto& ya : choices) {
      if (!xa && !ya) continue;
      check_vmap("vmap of vjp", grads, {{jx::float32, {3}, xa}, {jx::float32, {3}, ya}}, 4, gen);
    }
}

}  // namespace
}  // namespace jxt
