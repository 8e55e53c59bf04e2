// Gradients of the elementwise primitives, driven by the op table
// (tests/prims/op_table.h): every differentiable row passes check_grads to
// second order in both modes, in float32 and float64, at inputs inside its
// domain away from kinks and singularities; every non-differentiable row has
// a zero tangent and lets gradients flow around it. Plus analytic answers
// (exp, sin'', max at ties, abs at 0, pow at 0), select_n, clamp and the
// conversions, and check_grads' own ability to catch wrong rules.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "jx/check_grads.h"
#include "jx/jx.h"
#include "jx/transforms_flat.h"
#include "prims/op_table.h"
#include "test_util.h"

namespace jxt {
namespace {

using jx::Array;
namespace lx = jx::lax;

const jx::Shape kShape{5};

/// Where gradient inputs come from: uniform in [lo, hi], or with `sym` set
/// |x| uniform in [lo, hi] with a random sign (keeps away from 0).
struct Range {
  double lo, hi;
  bool sym = false;
};
struct GradSpec {
  Range r[3];
  int order = 2;
};

// Differentiable rows and their gradient domains.
const std::map<std::string, GradSpec>& grad_specs() {
  static const std::map<std::string, GradSpec> m = {
      {"neg", {{{-3, 3}}}},
      {"exp", {{{-3, 3}}}},
      {"exp2", {{{-3, 3}}}},
      {"log", {{{0.5, 5}}}},
      {"log1p", {{{-0.5, 5}}}},
      {"expm1", {{{-3, 3}}}},
      {"tanh", {{{-3, 3}}}},
      {"logistic", {{{-4, 4}}}},
      {"sin", {{{-3, 3}}}},
      {"cos", {{{-3, 3}}}},
      {"tan", {{{-1.2, 1.2}}}},
      {"asin", {{{-0.8, 0.8}}}},
      {"acos", {{{-0.8, 0.8}}}},
      {"atan", {{{-3, 3}}}},
      {"sinh", {{{-3, 3}}}},
      {"cosh", {{{-3, 3}}}},
      {"asinh", {{{-3, 3}}}},
      {"acosh", {{{1.2, 5}}}},
      {"atanh", {{{-0.8, 0.8}}}},
      {"sqrt", {{{0.5, 5}}}},
      {"rsqrt", {{{0.5, 5}}}},
      {"cbrt", {{{0.5, 5, true}}}},
      {"abs", {{{0.5, 3, true}}}},
      {"erf", {{{-2, 2}}}},
      {"erfc", {{{-2, 2}}}},
      {"erf_inv", {{{-0.8, 0.8}}}},
      // Its second derivative needs digamma's, which needs polygamma.
      {"lgamma", {{{0.5, 5}}, 1}},
      {"integer_pow:0", {{{-3, 3}}}},
      {"integer_pow:2", {{{-2, 2}}}},
      {"integer_pow:3", {{{-2, 2}}}},
      {"integer_pow:7", {{{-1.5, 1.5}}}},
      {"integer_pow:-1", {{{0.5, 2, true}}}},
      {"integer_pow:-3", {{{0.5, 2, true}}}},
      {"add", {{{-3, 3}, {-3, 3}}}},
      {"sub", {{{-3, 3}, {-3, 3}}}},
      {"mul", {{{-3, 3}, {-3, 3}}}},
      {"div", {{{-3, 3}, {0.5, 3, true}}}},
      // |x / y| in [2.27, 2.9]: trunc(x / y) is constant, both derivatives nonzero.
      {"rem", {{{2.5, 2.9, true}, {1.0, 1.1, true}}}},
      {"pow", {{{0.5, 3}, {-2, 2}}}},
      {"max", {{{-3, 3}, {-3, 3}}}},  // ties are kept apart by the sampler
      {"min", {{{-3, 3}, {-3, 3}}}},
      {"atan2", {{{0.5, 3, true}, {0.5, 3, true}}}},
      {"clamp", {{{-3, -1}, {-4, 4}, {1, 3}}}},  // x kept away from the bounds
      // One ulp from x: derivative 1 in x, 0 in y (JAX has no rule; jx defines this one).
      {"nextafter", {{{0.5, 3}, {-3, 3}}, 1}},
  };
  return m;
}

// Rows whose jvp must throw (no rule in JAX either), with the message part.
const std::map<std::string, std::string>& throwing_rows() {
  static const std::map<std::string, std::string> m = {
      {"digamma", "polygamma"},
  };
  return m;
}

bool accepts(const OpEntry& op, jx::DType dt) { return (op.dtypes & dbit(dt)) != 0; }

Array fill(jx::DType dt, const jx::Shape& shape, const std::vector<double>& v) {
  HostBuf b(dt, shape.numel());
  for (size_t i = 0; i < v.size(); ++i) store_ld(dt, b.data(), int64_t(i), round_to(dt, v[i]));
  return b.to_array(shape);
}

std::vector<double> sample(std::mt19937_64& rng, const Range& r, int64_t n) {
  std::uniform_real_distribution<double> u(r.lo, r.hi);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) {
    x = u(rng);
    if (r.sym && (rng() & 1)) x = -x;
  }
  return v;
}

/// Inputs for a differentiable row, away from its kinks.
std::vector<Array> grad_inputs(const OpEntry& op, const GradSpec& spec, jx::DType dt,
                               uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<double>> v;
  for (int k = 0; k < op.arity; ++k) v.push_back(sample(rng, spec.r[k], kShape.numel()));
  std::string name = op.name;
  for (size_t i = 0; i < size_t(kShape.numel()); ++i) {
    if (name == "max" || name == "min")
      while (std::fabs(v[0][i] - v[1][i]) < 0.05) v[1][i] = sample(rng, spec.r[1], 1)[0];
    if (name == "clamp")
      while (std::fabs(v[1][i] - v[0][i]) < 0.05 || std::fabs(v[1][i] - v[2][i]) < 0.05)
        v[1][i] = sample(rng, spec.r[1], 1)[0];
  }
  std::vector<Array> args;
  for (auto& x : v) args.push_back(fill(dt, kShape, x));
  return args;
}

jx::FlatFn row_fn(const OpEntry& op) {
  return [&op](std::span<const Array> in) { return std::vector<Array>{op.call(in)}; };
}

std::string test_name(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

std::vector<std::string> names_where(bool (*pred)(const OpEntry&)) {
  std::vector<std::string> v;
  for (const OpEntry& op : kOpTable)
    if (pred(op)) v.push_back(op.name);
  return v;
}

bool is_differentiable(const OpEntry& op) { return grad_specs().count(op.name) > 0; }
bool is_throwing(const OpEntry& op) { return throwing_rows().count(op.name) > 0; }
bool is_float_nondiff(const OpEntry& op) {
  return !is_differentiable(op) && !is_throwing(op) && accepts(op, jx::float32);
}
bool is_int_only(const OpEntry& op) { return !accepts(op, jx::float32); }

std::vector<double> values(const Array& x) { return x.to_vector<double>(); }

// ---------------------------------------------------------------- the table

TEST(GradTable, EveryRowIsClassified) {
  for (const OpEntry& op : kOpTable) {
    int n = is_differentiable(op) + is_throwing(op) + is_float_nondiff(op) + is_int_only(op);
    EXPECT_EQ(n, 1) << op.name
                    << " must be exactly one of: differentiable (with a gradient "
                       "domain here), throwing, non-differentiable";
  }
  for (const auto& [name, spec] : grad_specs()) EXPECT_NE(find_op(name), nullptr) << name;
}

class Differentiable : public ::testing::TestWithParam<std::string> {};

TEST_P(Differentiable, CheckGradsFloat32AndFloat64) {
  const OpEntry& op = *find_op(GetParam());
  const GradSpec& spec = grad_specs().at(op.name);
  uint64_t seed = 17;
  for (jx::DType dt : {jx::float32, jx::float64}) {
    SCOPED_TRACE(std::string(op.name) + " " + std::string(dt.name()));
    std::vector<Array> args = grad_inputs(op, spec, dt, seed++);
    // JAX's tolerances, but for float32 a step of 1e-3 instead of 1e-4: the
    // rounding of float32 outputs over a 1e-4 step alone is ~6e-4 relative,
    // a third of the tolerance (JAX's own lax tests loosen float32 to 0.15).
    std::optional<double> eps;
    if (dt == jx::float32) eps = 1e-3;
    try {
      jx::test::check_grads(row_fn(op), args, spec.order, {"fwd", "rev"}, {}, {}, eps);
    } catch (const jx::Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

// Integer inputs carry no tangents: the output tangent is zero even when an
// (integer) tangent is passed in.
class DifferentiableAcceptingIntegers : public ::testing::TestWithParam<std::string> {};

TEST_P(DifferentiableAcceptingIntegers, IntegerInputsHaveZeroTangents) {
  const OpEntry& op = *find_op(GetParam());
  std::vector<Array> args, tangents;
  for (int k = 0; k < op.arity; ++k) {
    args.push_back(fill(jx::int32, kShape, {1, 2, 3, 2, 1}));
    tangents.push_back(fill(jx::int32, kShape, {1, 1, 1, 1, 1}));
  }
  auto [outs, touts] = jx::jvp_flat(row_fn(op), args, tangents);
  for (double v : values(touts[0])) EXPECT_EQ(v, 0) << op.name;
}

INSTANTIATE_TEST_SUITE_P(Grad, Differentiable, ::testing::ValuesIn(names_where(is_differentiable)),
                         [](const auto& info) { return test_name(info.param); });
INSTANTIATE_TEST_SUITE_P(Grad, DifferentiableAcceptingIntegers,
                         ::testing::ValuesIn(names_where([](const OpEntry& op) {
                           return is_differentiable(op) && accepts(op, jx::int32);
                         })),
                         [](const auto& info) { return test_name(info.param); });

class NonDifferentiable : public ::testing::TestWithParam<std::string> {};

// The tangent is zero, and a gradient flows around the op: d/dx0 of
// x0 * op(x) is op(x) (as a float), d/dxk is 0 for the other operands.
TEST_P(NonDifferentiable, ZeroTangentAndGradFlowsAround) {
  const OpEntry& op = *find_op(GetParam());
  for (jx::DType dt : {jx::float32, jx::float64}) {
    SCOPED_TRACE(std::string(op.name) + " " + std::string(dt.name()));
    std::mt19937_64 rng(5);
    std::vector<Array> args, tangents;
    for (int k = 0; k < op.arity; ++k) {
      std::vector<double> v = sample(rng, {-3, 3}, kShape.numel());
      for (double& x : v) x = std::round(x * 4) / 4;  // ties for comparisons, halves for round
      args.push_back(fill(dt, kShape, v));
      tangents.push_back(fill(dt, kShape, sample(rng, {-1, 1}, kShape.numel())));
    }
    auto [outs, touts] = jx::jvp_flat(row_fn(op), args, tangents);
    ASSERT_EQ(touts.size(), 1u);
    EXPECT_EQ(touts[0].dtype(), outs[0].dtype());
    for (double v : values(touts[0])) EXPECT_EQ(v, 0);

    jx::FlatFn g = [&op, dt](std::span<const Array> in) {
      Array y = op.call(in);
      if (y.dtype() != dt) y = lx::convert_element_type(y, dt);
      return std::vector<Array>{lx::mul(in[0], y)};
    };
    auto [gouts, pullback] = jx::vjp_flat(g, args);
    std::vector<Array> cts = pullback(std::vector<Array>{fill(dt, kShape, {1, 1, 1, 1, 1})});
    Array opx = op.call(args);
    std::vector<double> want = values(opx);
    EXPECT_EQ(values(cts[0]), want);
    for (int k = 1; k < op.arity; ++k)
      for (double v : values(cts[size_t(k)])) EXPECT_EQ(v, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Grad, NonDifferentiable,
                         ::testing::ValuesIn(names_where(is_float_nondiff)),
                         [](const auto& info) { return test_name(info.param); });

class IntegerOnly : public ::testing::TestWithParam<std::string> {};

// Integer ops inside a differentiated function: computed on the known values,
// and a float operand's gradient flows past them.
TEST_P(IntegerOnly, GradFlowsAround) {
  const OpEntry& op = *find_op(GetParam());
  jx::DType dt = accepts(op, jx::int32) ? jx::int32 : jx::bool_;
  std::vector<Array> args{fill(jx::float32, kShape, {0.5, -1, 2, 3, -4})};
  std::vector<Array> ints;
  for (int k = 0; k < op.arity; ++k)
    ints.push_back(fill(
        dt, kShape,
        dt == jx::bool_ ? std::vector<double>{1, 0, 1, 0, 1} : std::vector<double>{3, 1, 2, 7, 5}));
  args.insert(args.end(), ints.begin(), ints.end());
  jx::FlatFn g = [&op](std::span<const Array> in) {
    Array y = lx::convert_element_type(op.call(in.subspan(1)), jx::float32);
    return std::vector<Array>{lx::mul(in[0], y)};
  };
  auto [outs, pullback] = jx::vjp_flat(g, args);
  std::vector<Array> cts = pullback(std::vector<Array>{fill(jx::float32, kShape, {1, 1, 1, 1, 1})});
  EXPECT_EQ(values(cts[0]), values(lx::convert_element_type(op.call(ints), jx::float32)));
  for (size_t k = 1; k < cts.size(); ++k) {
    EXPECT_EQ(cts[k].dtype(), dt);
    for (double v : values(cts[k])) EXPECT_EQ(v, 0);
  }
  // jvp with integer tangents: zero.
  std::vector<Array> tangents(ints.size(), fill(dt, kShape, {1, 1, 1, 1, 1}));
  auto [o2, t2] = jx::jvp_flat(
      [&op](std::span<const Array> in) { return std::vector<Array>{op.call(in)}; }, ints, tangents);
  for (double v : values(t2[0])) EXPECT_EQ(v, 0);
}

INSTANTIATE_TEST_SUITE_P(Grad, IntegerOnly, ::testing::ValuesIn(names_where(is_int_only)),
                         [](const auto& info) { return test_name(info.param); });

// ---------------------------------------------------------------- rules that throw

TEST(Grad, DigammaJvpThrows) {
  Array x = fill(jx::float32, kShape, {1, 2, 3, 4, 5});
  std::string msg = error_of([&] {
    jx::jvp_flat([](std::span<const Array> in) { return std::vector<Array>{lx::digamma(in[0])}; },
                 std::vector<Array>{x}, std::vector<Array>{x});
  });
  EXPECT_NE(msg.find("[digamma]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("polygamma"), std::string::npos) << msg;
  // ... and so does lgamma's second derivative.
  msg = error_of([&] {
    jx::test::check_grads(
        [](std::span<const Array> in) { return std::vector<Array>{lx::lgamma(in[0])}; },
        std::vector<Array>{x}, 2, {"fwd"});
  });
  EXPECT_NE(msg.find("polygamma"), std::string::npos) << msg;
}

TEST(Grad, NextafterPassesTheTangentOfX) {
  Array x = fill(jx::float32, kShape, {1, 2, 3, 4, 5});
  Array t = fill(jx::float32, kShape, {0.5, -1, 2, 0, 3});
  auto [y, ty] = jx::jvp_flat(
      [](std::span<const Array> in) { return std::vector<Array>{lx::nextafter(in[0], in[1])}; },
      std::vector<Array>{x, x}, std::vector<Array>{t, t});
  EXPECT_EQ(ty[0].to_vector<float>(), t.to_vector<float>());
}

// ---------------------------------------------------------------- analytic answers

Array f64s(std::vector<double> v) { return fill(jx::float64, jx::Shape{int64_t(v.size())}, v); }
Array f32s(std::vector<double> v) { return fill(jx::float32, jx::Shape{int64_t(v.size())}, v); }

/// d/dx f at x for a scalar-to-scalar (elementwise) f, by vjp_flat.
Array grad_of(const jx::FlatFn& f, const Array& x) {
  auto [outs, pullback] = jx::vjp_flat(f, std::vector<Array>{x});
  Array ones = lx::broadcast_in_dim(fill(x.dtype(), {}, {1}), x.shape(), {});
  return pullback(std::vector<Array>{ones})[0];
}

TEST(Grad, ExpAtHalf) {
  jx::FlatFn f = [](std::span<const Array> in) { return std::vector<Array>{lx::exp(in[0])}; };
  Array g = grad_of(f, f64s({0.5}));
  EXPECT_NEAR(values(g)[0], std::exp(0.5), 1e-15);
  auto [o, t] = jx::jvp_flat(f, std::vector<Array>{f32s({0.5})}, std::vector<Array>{f32s({2})});
  EXPECT_NEAR(values(t[0])[0], 2 * std::exp(0.5), 1e-6);
}

TEST(Grad, SinSecondDerivativeIsMinusSin) {
  jx::FlatFn f = [](std::span<const Array> in) { return std::vector<Array>{lx::sin(in[0])}; };
  jx::FlatFn df = [f](std::span<const Array> in) { return std::vector<Array>{grad_of(f, in[0])}; };
  std::vector<double> xs{-2.5, -1, 0, 0.3, 1.7};
  Array d2 = grad_of(df, f64s(xs));
  std::vector<double> got = values(d2);
  for (size_t i = 0; i < xs.size(); ++i) EXPECT_NEAR(got[i], -std::sin(xs[i]), 1e-14) << xs[i];
}

TEST(Grad, MaxAndMinSplitTheTangentAtTies) {
  Array x = f32s({1, 2, 3}), y = f32s({1, 0, 3});
  Array tx = f32s({0.5, 0.25, -2}), ty = f32s({1.5, 4, 6});
  for (auto* op : {&lx::max, &lx::min}) {
    jx::FlatFn f = [op](std::span<const Array> in) {
      return std::vector<Array>{(*op)(in[0], in[1], std::source_location::current())};
    };
    auto [o, t] = jx::jvp_flat(f, std::vector<Array>{x, y}, std::vector<Array>{tx, ty});
    std::vector<double> got = values(t[0]);
    EXPECT_EQ(got[0], 0.5 * (0.5 + 1.5));
    EXPECT_EQ(got[2], 0.5 * (-2 + 6));
    EXPECT_EQ(got[1], op == &lx::max ? 0.25 : 4);  // no tie: the winner's tangent
  }
}

TEST(Grad, AbsAtZeroHasSlopeOne) {
  jx::FlatFn f = [](std::span<const Array> in) { return std::vector<Array>{lx::abs(in[0])}; };
  EXPECT_EQ(values(grad_of(f, f32s({0, -0.0, -2, 3}))), (std::vector<double>{1, 1, -1, 1}));
}

TEST(Grad, PowAtZeroBase) {
  // x ** y at x = 0: d/dx of x**0 is 0 (integer exponent) and d/dy is finite.
  Array x = f64s({0, 0, 2}), yi = fill(jx::int32, {3}, {0, 2, 3}), yf = f64s({2, 0.5, 3});
  jx::FlatFn fi = [&](std::span<const Array> in) { return std::vector<Array>{lx::pow(in[0], yi)}; };
  EXPECT_EQ(values(grad_of(fi, x)), (std::vector<double>{0, 0, 12}));
  jx::FlatFn fy = [&](std::span<const Array> in) { return std::vector<Array>{lx::pow(x, in[0])}; };
  std::vector<double> gy = values(grad_of(fy, yf));
  EXPECT_EQ(gy[0], 0);
  EXPECT_EQ(gy[1], 0);
  EXPECT_NEAR(gy[2], std::log(2.0) * 8, 1e-14);
  // pow with an integer exponent array passes check_grads in its base.
  jx::FlatFn fb = [&](std::span<const Array> in) {
    return std::vector<Array>{lx::pow(in[0], fill(jx::int32, {3}, {-2, 1, 3}))};
  };
  EXPECT_NO_THROW(jx::test::check_grads(fb, std::vector<Array>{f64s({0.7, -1.3, 2})}, 2));
}

TEST(Grad, RemDerivativeInDivisor) {
  // rem(x, y) = x - y * trunc(x / y): d/dy = -trunc(x / y).
  jx::FlatFn f = [](std::span<const Array> in) {
    return std::vector<Array>{lx::rem(in[0], in[1])};
  };
  auto [o, t] = jx::jvp_flat(f, std::vector<Array>{f64s({7, -7, 1}), f64s({2, 2, 3})},
                             std::vector<Array>{Array(), f64s({1, 1, 1})});
  EXPECT_EQ(values(t[0]), (std::vector<double>{-3, 3, 0}));
}

// ---------------------------------------------------------------- select_n, clamp, types

TEST(Grad, SelectN) {
  Array a = f64s({1, 2, 3, 4}), b = f64s({-1, 0.5, 2, 7}), c = f64s({0.1, 0.2, 0.3, 0.4});
  Array pb = fill(jx::bool_, {4}, {1, 0, 0, 1});
  Array pi = fill(jx::int32, {4}, {2, 0, 1, 2});
  Array p0 = fill(jx::bool_, {}, {1});
  Array pi0 = fill(jx::int32, {}, {1});
  auto sel = [](Array p) {
    return jx::FlatFn(
        [p](std::span<const Array> in) { return std::vector<Array>{lx::select_n(p, in)}; });
  };
  EXPECT_NO_THROW(jx::test::check_grads(sel(pb), std::vector<Array>{a, b}, 2));
  EXPECT_NO_THROW(jx::test::check_grads(sel(pi), std::vector<Array>{a, b, c}, 2));
  EXPECT_NO_THROW(jx::test::check_grads(sel(p0), std::vector<Array>{a, b}, 2));
  EXPECT_NO_THROW(jx::test::check_grads(sel(pi0), std::vector<Array>{a, b, c}, 2));
  // A case without a tangent contributes zeros.
  auto [o, t] = jx::jvp_flat(sel(pb), std::vector<Array>{a, b}, std::vector<Array>{Array(), c});
  EXPECT_EQ(values(t[0]), (std::vector<double>{0.1, 0, 0, 0.4}));
  // Cotangents go to the selected case.
  auto [o2, pullback] = jx::vjp_flat(sel(pi), std::vector<Array>{a, b, c});
  std::vector<Array> cts = pullback(std::vector<Array>{f64s({1, 2, 3, 4})});
  EXPECT_EQ(values(cts[0]), (std::vector<double>{0, 2, 0, 0}));
  EXPECT_EQ(values(cts[1]), (std::vector<double>{0, 0, 3, 0}));
  EXPECT_EQ(values(cts[2]), (std::vector<double>{1, 0, 0, 4}));
}

TEST(Grad, ClampWithArrayAndScalarBounds) {
  Array x = f64s({-3, -0.5, 0.2, 2.5});
  Array lo = f64s({-1, -1, -1, -1}), hi = f64s({1, 1, 1, 1});
  Array lo0 = fill(jx::float64, {}, {-1}), hi0 = fill(jx::float64, {}, {1});
  jx::FlatFn f = [](std::span<const Array> in) {
    return std::vector<Array>{lx::clamp(in[0], in[1], in[2])};
  };
  EXPECT_NO_THROW(jx::test::check_grads(f, std::vector<Array>{lo, x, hi}, 2));
  EXPECT_NO_THROW(jx::test::check_grads(f, std::vector<Array>{lo0, x, hi0}, 2));
  auto [o, t] = jx::jvp_flat(f, std::vector<Array>{lo0, x, hi0},
                             std::vector<Array>{fill(jx::float64, {}, {10}), f64s({1, 2, 3, 4}),
                                                fill(jx::float64, {}, {100})});
  EXPECT_EQ(values(t[0]), (std::vector<double>{10, 2, 3, 100}));
}

TEST(Grad, ConvertElementType) {
  jx::FlatFn up = [](std::span<const Array> in) {
    return std::vector<Array>{lx::mul(lx::convert_element_type(in[0], jx::float64), in[1])};
  };
  EXPECT_NO_THROW(
      jx::test::check_grads(up, std::vector<Array>{f32s({0.5, -1.5}), f64s({2, 3})}, 2));
  jx::FlatFn down = [](std::span<const Array> in) {
    return std::vector<Array>{lx::sin(lx::convert_element_type(in[0], jx::float32))};
  };
  // The float64 cotangents are computed in float32: float32's tolerance.
  EXPECT_NO_THROW(jx::test::check_grads(down, std::vector<Array>{f64s({0.5, -1.5})}, 2,
                                        {"fwd", "rev"}, 2e-3, 2e-3));
  // Through an integer: zero derivative.
  jx::FlatFn via_int = [](std::span<const Array> in) {
    return std::vector<Array>{
        lx::convert_element_type(lx::convert_element_type(in[0], jx::int32), jx::float32)};
  };
  Array x = f32s({1.5, -2.5});
  auto [o, t] = jx::jvp_flat(via_int, std::vector<Array>{x}, std::vector<Array>{x});
  EXPECT_EQ(values(t[0]), (std::vector<double>{0, 0}));
  EXPECT_EQ(values(grad_of(via_int, x)), (std::vector<double>{0, 0}));
}

TEST(Grad, BitcastHasZeroTangent) {
  jx::FlatFn f = [](std::span<const Array> in) {
    return std::vector<Array>{lx::bitcast_convert_type(in[0], jx::int32)};
  };
  Array x = f32s({1.5, -2.5});
  auto [o, t] = jx::jvp_flat(f, std::vector<Array>{x}, std::vector<Array>{x});
  EXPECT_EQ(values(t[0]), (std::vector<double>{0, 0}));
}

TEST(Grad, ComposedFunctionSecondOrder) {
  // tanh(x * y) + exp(-x) / (1 + y^2), two inputs, two outputs.
  jx::FlatFn f = [](std::span<const Array> in) {
    Array one = lx::broadcast_in_dim(fill(in[0].dtype(), {}, {1}), in[0].shape(), {});
    Array a = lx::tanh(lx::mul(in[0], in[1]));
    Array b = lx::div(lx::exp(lx::neg(in[0])), lx::add(one, lx::integer_pow(in[1], 2)));
    return std::vector<Array>{lx::add(a, b), lx::mul(a, b)};
  };
  for (jx::DType dt : {jx::float32, jx::float64}) {
    std::vector<Array> args{fill(dt, {3}, {0.3, -0.7, 1.1}), fill(dt, {3}, {1.2, 0.4, -0.9})};
    EXPECT_NO_THROW(jx::test::check_grads(f, args, 2)) << dt.name();
    EXPECT_NO_THROW(jx::test::check_grads(f, args, 3, {"rev"})) << dt.name();
  }
}

// ---------------------------------------------------------------- check_grads itself

// A copy of a unary primitive (`base`) with a replaceable jvp, to show that
// wrong rules are caught.
struct FakeSin {
  jx::Primitive p;
  FakeSin(std::string name, jx::JvpRule jvp, std::string base = "sin") {
    p.name = std::move(name);
    p.abstract_eval = [](std::span<const jx::Aval> in, const jx::Params&) {
      return std::vector<jx::Aval>{in[0]};
    };
    p.self_allocating = true;
    p.impl = [base](std::span<const Array> in, std::span<Array> out, const jx::Params&) {
      out[0] = jx::eval_primitive(*jx::find_primitive(base), in, {})[0];
    };
    p.jvp = std::move(jvp);
    p.batch = [this](std::span<const Array> v, std::span<const int> d, const jx::Params&) {
      return std::pair{std::vector<Array>{jx::bind1(p, {v[0]})}, std::vector<int>{d[0]}};
    };
  }
  jx::FlatFn fn() const {
    return [this](std::span<const Array> in) { return std::vector<Array>{jx::bind1(p, {in[0]})}; };
  }
};

TEST(CheckGrads, PassesCorrectRules) {
  FakeSin good("good_sin",
               [](std::span<const Array> x, std::span<const Array> t, const jx::Params&) {
                 return std::pair{std::vector<Array>{lx::sin(x[0])},
                                  std::vector<Array>{lx::mul(t[0], lx::cos(x[0]))}};
               });
  EXPECT_NO_THROW(jx::test::check_grads(good.fn(), std::vector<Array>{f32s({0.1, 1, -2})}, 2));
}

TEST(CheckGrads, CatchesWrongFirstDerivative) {
  FakeSin bad("bad_sin", [](std::span<const Array> x, std::span<const Array> t, const jx::Params&) {
    return std::pair{std::vector<Array>{lx::sin(x[0])},
                     std::vector<Array>{lx::mul(t[0], lx::sin(x[0]))}};
  });
  std::vector<Array> args{f32s({0.1, 1, -2})};
  std::string msg = error_of([&] { jx::test::check_grads(bad.fn(), args, 1, {"fwd"}); });
  EXPECT_NE(msg.find("[check_grads] JVP tangent output 0 (order 1) mismatch"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("exceeds tolerance"), std::string::npos) << msg;
  msg = error_of([&] { jx::test::check_grads(bad.fn(), args, 1, {"rev"}); });
  EXPECT_NE(msg.find("VJP cotangent projection (order 1)"), std::string::npos) << msg;
}

TEST(CheckGrads, CatchesWrongSecondDerivative) {
  // The first derivative is right, but its own derivative is not: cos is
  // replaced by a fake whose jvp has the wrong sign.
  static FakeSin fake_cos(
      "fake_cos",
      [](std::span<const Array> x, std::span<const Array> t, const jx::Params&) {
        return std::pair{std::vector<Array>{lx::cos(x[0])},
                         std::vector<Array>{lx::mul(t[0], lx::sin(x[0]))}};
      },
      "cos");
  FakeSin s("sin_with_fake_cos",
            [](std::span<const Array> x, std::span<const Array> t, const jx::Params&) {
              return std::pair{std::vector<Array>{lx::sin(x[0])},
                               std::vector<Array>{lx::mul(t[0], jx::bind1(fake_cos.p, {x[0]}))}};
            });
  std::vector<Array> args{f64s({0.1, 1, -2})};
  EXPECT_NO_THROW(jx::test::check_grads(s.fn(), args, 1));
  std::string msg = error_of([&] { jx::test::check_grads(s.fn(), args, 2, {"fwd"}); });
  EXPECT_NE(msg.find("JVP of JVP"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(order 2)"), std::string::npos) << msg;
}

TEST(CheckGrads, RejectsBadArguments) {
  jx::FlatFn f = [](std::span<const Array> in) { return std::vector<Array>{lx::sin(in[0])}; };
  std::vector<Array> args{f32s({1})};
  EXPECT_NE(error_of([&] { jx::test::check_grads(f, args, 0); }).find("order"), std::string::npos);
  EXPECT_NE(error_of([&] { jx::test::check_grads(f, args, 1, {"lin"}); }).find("unknown mode"),
            std::string::npos);
  // float16 cannot resolve the default step at 1000: the check says so.
  std::vector<Array> h{fill(jx::float16, {1}, {1000})};
  EXPECT_NE(error_of([&] { jx::test::check_grads(f, h, 1); }).find("resolution"),
            std::string::npos);
}

TEST(CheckGrads, IntegerArgumentsAreNotPerturbed) {
  jx::FlatFn f = [](std::span<const Array> in) {
    return std::vector<Array>{lx::mul(lx::sin(in[0]), lx::convert_element_type(in[1], jx::float64)),
                              lx::add(in[1], in[1])};
  };
  EXPECT_NO_THROW(jx::test::check_grads(
      f, std::vector<Array>{f64s({0.5, 2}), fill(jx::int32, {2}, {3, -4})}, 2));
}

}  // namespace
}  // namespace jxt
