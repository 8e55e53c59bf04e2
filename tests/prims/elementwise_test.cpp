// Forward tests of every elementwise primitive, driven by the op table
// (tests/prims/op_table.h): random inputs of every accepted dtype against the
// table's reference, special values (NaN, infinities, signed zeros, integer
// extremes), and the dtypes an op must reject.
//
// Set JX_TEST_REPORT_ULPS=1 to print the worst ulp error per (op, dtype),
// which is how the table's bounds were measured.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <random>

#include "prims/op_table.h"
#include "test_util.h"

namespace jxt {
namespace {

constexpr int64_t kSizes[] = {0, 1, 17, 1000, 70000};

bool report_ulps() {
  static const bool on = std::getenv("JX_TEST_REPORT_ULPS") != nullptr;
  return on;
}

// Random operand values for one row and dtype.
class Sampler {
 public:
  explicit Sampler(uint64_t seed) : rng_(seed) {}

  void fill(const OpEntry& op, int operand, jx::DType dt, HostBuf& buf, int64_t n) {
    Domain d = (operand == 1 && op.domain2.lo < op.domain2.hi) ? op.domain2 : op.domain;
    for (int64_t i = 0; i < n; ++i) {
      if (dt.is_floating())
        store_ld(dt, buf.data(), i, round_to(dt, float_sample(d)));
      else
        store_int(dt, buf.data(), i, int_sample(d, dt));
    }
  }

 private:
  long double float_sample(const Domain& d) {
    std::uniform_real_distribution<double> u(0, 1);
    double v;
    double big = std::max(std::fabs(d.lo), std::fabs(d.hi));
    if (u(rng_) < 0.25) {
      // Log-uniform magnitudes reach the small values a uniform draw misses.
      v = big * std::exp(-18.0 * u(rng_));
      if (d.lo < 0 && (d.hi <= 0 || u(rng_) < 0.5)) v = -v;
      if (v < d.lo || v > d.hi) v = d.lo + (d.hi - d.lo) * u(rng_);
    } else {
      v = d.lo + (d.hi - d.lo) * u(rng_);
    }
    if (d.grid > 0) v = std::round(v / d.grid) * d.grid;
    return v;
  }

  I128 int_sample(const Domain& d, jx::DType dt) {
    I128 lo = std::max<I128>(int_min(dt), d.lo <= -1e19 ? int_min(dt) : I128(d.lo));
    I128 hi = std::min<I128>(int_max(dt), d.hi >= 1e19 ? int_max(dt) : I128(d.hi));
    std::uniform_int_distribution<int> pick(0, 7);
    if (pick(rng_) == 0) {
      // Edge values, when inside the domain.
      const I128 edges[] = {0, 1, -1, int_min(dt), int_max(dt), int_min(dt) + 1, int_max(dt) - 1};
      I128 e = edges[std::uniform_int_distribution<int>(0, 6)(rng_)];
      if (e >= lo && e <= hi) return e;
    }
    U128 span = U128(hi - lo) + 1;
    U128 r = (U128(rng_()) << 64) | U128(rng_());
    return lo + I128(span == 0 ? r : r % span);
  }

  std::mt19937_64 rng_;
};

std::string dtype_list(unsigned set) {
  std::string s;
  for (jx::DType dt : all_dtypes())
    if (set & dbit(dt)) s += std::string(s.empty() ? "" : ",") + std::string(dt.name());
  return s;
}

// Compares the op's output on `inputs` (n elements each) with the reference.
// Returns the number of mismatches; reports the first few.
int64_t check_against_reference(const OpEntry& op, jx::DType dt, const std::vector<HostBuf>& in,
                                int64_t n, const jx::Shape& shape, double* worst_ulps) {
  std::vector<jx::Array> args;
  for (const HostBuf& b : in) args.push_back(b.to_array(shape));
  jx::Array out = op.call(args);
  jx::DType out_dt = op.bool_out ? jx::bool_ : dt;
  EXPECT_EQ(out.dtype(), out_dt) << op.name << " " << dt.name();
  EXPECT_EQ(out.shape(), shape) << op.name << " " << dt.name();
  if (out.dtype() != out_dt || !(out.shape() == shape)) return 1;
  const void* got = out.data();

  double tol = dt == jx::float32 ? op.ulps_f32 : dt == jx::float64 ? op.ulps_f64 : 1;
  int64_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::string why;
    if (dt.is_floating()) {
      long double x[3];
      for (size_t k = 0; k < in.size(); ++k) x[k] = load_ld(dt, in[k].data(), i);
      long double r = op.fref(x, dt);
      long double g = load_ld(out_dt, got, i);
      if (op.bool_out) {
        if ((r != 0) != (g != 0)) why = "want " + std::string(r != 0 ? "true" : "false");
      } else {
        long double rr = round_to(dt, r);
        if (std::isnan(rr) || std::isnan(g)) {
          if (std::isnan(rr) != std::isnan(g)) why = "want " + fstr(rr);
        } else if (rr == 0 && g == 0) {
          if (std::signbit(rr) != std::signbit(g)) why = "want " + fstr(rr) + " (sign of zero)";
        } else {
          double u = std::isinf(rr) || std::isinf(g) ? (rr == g ? 0 : 1e30) : ulp_diff(dt, g, rr);
          bool ok = u <= tol || (op.atol > 0 && std::fabs(g - rr) <= op.atol);
          if (u < 1e30) *worst_ulps = std::max(*worst_ulps, u);
          if (!ok)
            why = "want " + fstr(rr) + " (" + std::to_string(u) + " ulps, bound " +
                  std::to_string(tol) + ")";
        }
      }
      if (!why.empty() && ++bad <= 5) {
        std::string args_s;
        for (size_t k = 0; k < in.size(); ++k) args_s += (k ? ", " : "") + fstr(x[k]);
        ADD_FAILURE() << op.name << "(" << args_s << ") " << dt.name() << " [n=" << n << ", i=" << i
                      << "]: got " << fstr(g) << ", " << why;
      }
    } else {
      I128 x[3];
      for (size_t k = 0; k < in.size(); ++k) x[k] = load_int(dt, in[k].data(), i);
      I128 r = op.bool_out ? I128(op.iref(x, dt) != 0) : wrap_int(dt, op.iref(x, dt));
      I128 g = load_int(out_dt, got, i);
      if (r != g && ++bad <= 5) {
        std::string args_s;
        for (size_t k = 0; k < in.size(); ++k) args_s += (k ? ", " : "") + i128_str(x[k]);
        ADD_FAILURE() << op.name << "(" << args_s << ") " << dt.name() << " [n=" << n << ", i=" << i
                      << "]: got " << i128_str(g) << ", want " << i128_str(r);
      }
    }
  }
  if (bad > 5)
    ADD_FAILURE() << op.name << " " << dt.name() << ": " << bad << " mismatches in total";
  return bad;
}

class Forward : public ::testing::TestWithParam<const OpEntry*> {};

TEST_P(Forward, RandomInputsMatchReference) {
  const OpEntry& op = *GetParam();
  uint64_t seed = 0x5eed;
  for (const char* c = op.name; *c; ++c) seed = seed * 131 + uint64_t(*c);
  for (jx::DType dt : all_dtypes()) {
    if (!(op.dtypes & dbit(dt))) continue;
    double worst = 0;
    for (int64_t n : kSizes) {
      Sampler s(seed + uint64_t(n) * 7919 + uint64_t(dt.index()));
      std::vector<HostBuf> in;
      for (int k = 0; k < op.arity; ++k) {
        in.emplace_back(dt, n);
        s.fill(op, k, dt, in.back(), n);
      }
      check_against_reference(op, dt, in, n, jx::Shape{n}, &worst);
    }
    if (report_ulps() && dt.is_floating() && !op.bool_out)
      std::cout << "[ulps] " << op.name << " " << dt.name() << " random: " << worst << "\n";
  }
}

// NaN, infinities, signed zeros, extremes and subnormals (floats); the
// extremes, 0, +-1 and shift amounts around the bit width (integers). Every
// combination for ops of two or three operands.
std::vector<long double> float_specials(jx::DType dt) {
  const long double inf = std::numeric_limits<long double>::infinity();
  std::vector<long double> v = {std::numeric_limits<long double>::quiet_NaN(),
                                inf,
                                -inf,
                                0.0L,
                                -0.0L,
                                1,
                                -1,
                                0.5L,
                                -0.5L,
                                2,
                                -2,
                                3,
                                2.5L,
                                -2.5L,
                                max_finite(dt),
                                -max_finite(dt),
                                min_normal(dt),
                                -min_normal(dt),
                                denorm_min(dt),
                                -denorm_min(dt),
                                1e-3L,
                                10,
                                -7.25L,
                                100};
  for (long double& x : v) x = round_to(dt, x);
  return v;
}
std::vector<I128> int_specials(jx::DType dt) {
  std::vector<I128> v = {0,
                         1,
                         -1,
                         2,
                         -2,
                         7,
                         -7,
                         int_min(dt),
                         int_max(dt),
                         int_min(dt) + 1,
                         int_max(dt) - 1,
                         int_bits(dt) - 1,
                         int_bits(dt),
                         int_bits(dt) + 1};
  std::vector<I128> out;
  for (I128 x : v) {
    I128 w = wrap_int(dt, x);
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

TEST_P(Forward, SpecialValuesMatchReference) {
  const OpEntry& op = *GetParam();
  for (jx::DType dt : all_dtypes()) {
    if (!(op.dtypes & dbit(dt))) continue;
    size_t m = dt.is_floating() ? float_specials(dt).size() : int_specials(dt).size();
    int64_t n = 1;
    for (int k = 0; k < op.arity; ++k) n *= int64_t(m);
    std::vector<HostBuf> in;
    for (int k = 0; k < op.arity; ++k) in.emplace_back(dt, n);
    for (int64_t i = 0; i < n; ++i) {
      int64_t rest = i;
      for (int k = 0; k < op.arity; ++k, rest /= int64_t(m)) {
        size_t j = size_t(rest % int64_t(m));
        if (dt.is_floating())
          store_ld(dt, in[size_t(k)].data(), i, float_specials(dt)[j]);
        else
          store_int(dt, in[size_t(k)].data(), i, int_specials(dt)[j]);
      }
    }
    double worst = 0;
    check_against_reference(op, dt, in, n, jx::Shape{n}, &worst);
    if (report_ulps() && dt.is_floating() && !op.bool_out)
      std::cout << "[ulps] " << op.name << " " << dt.name() << " special: " << worst << "\n";
  }
}

// The ops also work on 0-d and on n-d operands (same data, other shapes).
TEST_P(Forward, ScalarAndMatrixShapes) {
  const OpEntry& op = *GetParam();
  for (jx::DType dt : all_dtypes()) {
    if (!(op.dtypes & dbit(dt))) continue;
    for (const jx::Shape& shape : {jx::Shape{}, jx::Shape{3, 5, 7}, jx::Shape{4, 0}}) {
      int64_t n = shape.numel();
      Sampler s(99);
      std::vector<HostBuf> in;
      for (int k = 0; k < op.arity; ++k) {
        in.emplace_back(dt, n);
        s.fill(op, k, dt, in.back(), n);
      }
      double worst = 0;
      check_against_reference(op, dt, in, n, shape, &worst);
    }
  }
}

TEST_P(Forward, RejectsOtherDtypes) {
  const OpEntry& op = *GetParam();
  for (jx::DType dt : all_dtypes()) {
    if (op.dtypes & dbit(dt)) continue;
    HostBuf zeros(dt, 3);
    std::vector<jx::Array> args(size_t(op.arity), zeros.to_array(jx::Shape{3}));
    std::string msg = error_of([&] { op.call(args); });
    EXPECT_NE(msg.find("[" + std::string(op.prim) + "]"), std::string::npos)
        << op.name << " on " << dt.name() << " (accepts " << dtype_list(op.dtypes)
        << ") should throw jx::Error naming [" << op.prim << "], got: '" << msg << "'";
  }
}

TEST_P(Forward, PrimitiveIsRegistered) {
  EXPECT_NE(jx::find_primitive(GetParam()->prim), nullptr) << GetParam()->prim;
}

std::vector<const OpEntry*> all_ops() {
  std::vector<const OpEntry*> v;
  for (const OpEntry& e : kOpTable) v.push_back(&e);
  return v;
}

std::string test_name(const ::testing::TestParamInfo<const OpEntry*>& info) {
  std::string s;
  for (const char* c = info.param->name; *c; ++c)
    s += std::isalnum(static_cast<unsigned char>(*c)) ? *c : *c == '-' ? 'm' : '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Elementwise, Forward, ::testing::ValuesIn(all_ops()), test_name);

// Every registered elementwise primitive has a row (new ops must be added).
TEST(Elementwise, TableCoversEveryElementwisePrimitive) {
  const char* elementwise[] = {"neg",
                               "sign",
                               "floor",
                               "ceil",
                               "round",
                               "is_finite",
                               "exp",
                               "exp2",
                               "log",
                               "log1p",
                               "expm1",
                               "tanh",
                               "logistic",
                               "sin",
                               "cos",
                               "tan",
                               "asin",
                               "acos",
                               "atan",
                               "sinh",
                               "cosh",
                               "asinh",
                               "acosh",
                               "atanh",
                               "sqrt",
                               "rsqrt",
                               "cbrt",
                               "abs",
                               "erf",
                               "erfc",
                               "erf_inv",
                               "lgamma",
                               "digamma",
                               "not",
                               "population_count",
                               "clz",
                               "integer_pow",
                               "add",
                               "sub",
                               "mul",
                               "div",
                               "rem",
                               "pow",
                               "max",
                               "min",
                               "atan2",
                               "nextafter",
                               "and",
                               "or",
                               "xor",
                               "shift_left",
                               "shift_right_logical",
                               "shift_right_arithmetic",
                               "eq",
                               "ne",
                               "lt",
                               "le",
                               "gt",
                               "ge",
                               "clamp"};
  for (const char* p : elementwise) {
    bool found = false;
    for (const OpEntry& e : kOpTable) found = found || std::string(e.prim) == p;
    EXPECT_TRUE(found) << "no op-table row for primitive " << p;
  }
}

// Mixed operands: lax does not promote or broadcast.
TEST(Elementwise, BinaryOpsNeedEqualShapesAndDtypes) {
  auto f = array<float>({1, 2, 3});
  auto d = array<double>({1, 2, 3});
  auto f2 = array<float>({1, 2});
  EXPECT_NE(error_of([&] { jx::lax::add(f, d); }).find("equal dtypes"), std::string::npos);
  EXPECT_NE(error_of([&] { jx::lax::mul(f, f2); }).find("equal shapes"), std::string::npos);
}

// Weak types: the result of an n-ary op is weak only if every operand is.
TEST(Elementwise, WeakTypePropagation) {
  float one = 1;
  auto weak = jx::make_from_host(&one, jx::Aval{jx::float32, {}, true}, jx::default_device());
  auto strong = scalar<float>(2);
  EXPECT_TRUE(jx::lax::add(weak, weak).weak_type());
  EXPECT_FALSE(jx::lax::add(weak, strong).weak_type());
  EXPECT_TRUE(jx::lax::exp(weak).weak_type());
  EXPECT_FALSE(jx::lax::lt(weak, weak).weak_type());
  EXPECT_FALSE(jx::lax::is_finite(weak).weak_type());
}

}  // namespace
}  // namespace jxt
