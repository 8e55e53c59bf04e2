// The IR's text form and checks: the printer against exact expected text,
// parse(print(j)) round trips (small programs, literals of every dtype, param
// values of every kind, and one jaxpr holding an equation of every registered
// primitive), the verifier's errors, eval_jaxpr against jx::lax, parser error
// messages, and a deterministic fuzz of the parser.
//
// Jaxprs are built by hand here (no tracing), so these tests depend only on
// the primitives' shape rules and kernels.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "jx/ir.h"
#include "jx/lax.h"
#include "test_util.h"

namespace jxt {
namespace {

using jx::Atom;
using jx::Aval;
using jx::Jaxpr;
using jx::Params;

Aval A(jx::DType dt, jx::Shape s) { return Aval{dt, std::move(s), false}; }
Atom V(int v) { return Atom::of_var(v); }
template <class T>
Atom L(T v) {
  return Atom::of_literal(scalar<T>(v));
}

// Builds a jaxpr equation by equation; output avals come from the shape rules.
struct Builder {
  Jaxpr j;
  int constvar(Aval a) {
    int v = j.new_var(std::move(a));
    j.constvars.push_back(v);
    return v;
  }
  int invar(Aval a) {
    int v = j.new_var(std::move(a));
    j.invars.push_back(v);
    return v;
  }
  std::vector<int> eqn(std::string_view prim, std::vector<Atom> in, Params params = {}) {
    const jx::Primitive* p = jx::find_primitive(prim);
    if (!p) throw std::runtime_error("no primitive " + std::string(prim));
    std::vector<Aval> avals;
    for (const Atom& a : in) avals.push_back(j.aval_of(a));
    jx::Eqn e{p, std::move(in), {}, std::move(params)};
    for (Aval& o : p->abstract_eval(avals, e.params)) e.outputs.push_back(j.new_var(std::move(o)));
    j.eqns.push_back(e);
    return e.outputs;
  }
  int eqn1(std::string_view prim, std::vector<Atom> in, Params params = {}) {
    return eqn(prim, std::move(in), std::move(params))[0];
  }
  Jaxpr done(std::vector<Atom> outs) {
    j.outvars = std::move(outs);
    return j;
  }
};

// parse(print(j)) prints identically, passes the verifier, and has the same
// primitives and params; returns the names of primitives whose params changed.
std::vector<std::string> round_trip(const Jaxpr& j) {
  std::string text = j.str();
  Jaxpr back;
  try {
    back = jx::parse_jaxpr(text);
  } catch (const jx::Error& e) {
    ADD_FAILURE() << e.what() << "\n" << text;
    return {};
  }
  EXPECT_EQ(back.str(), text);
  EXPECT_NO_THROW(jx::verify_jaxpr(back)) << text;
  std::vector<std::string> changed;
  EXPECT_EQ(back.eqns.size(), j.eqns.size());
  for (size_t i = 0; i < std::min(back.eqns.size(), j.eqns.size()); ++i) {
    EXPECT_EQ(back.eqns[i].prim, j.eqns[i].prim);
    if (!(back.eqns[i].params == j.eqns[i].params)) changed.push_back(j.eqns[i].prim->name);
  }
  EXPECT_EQ(back.invars.size(), j.invars.size());
  EXPECT_EQ(back.constvars.size(), j.constvars.size());
  EXPECT_EQ(back.outvars.size(), j.outvars.size());
  return changed;
}

// ---------------------------------------------------------------- programs

// The example of the issue: constvar, invars, params, a literal.
Jaxpr program_dot() {
  Builder b;
  int a = b.constvar(A(jx::float32, {3}));
  int x = b.invar(A(jx::float32, {3}));
  b.invar(A(jx::float32, {}));
  int d = b.eqn1("mul", {V(x), V(a)});
  int e = b.eqn1("reduce_sum", {V(d)}, {{"axes", std::vector<int64_t>{0}}});
  int f = b.eqn1("add", {V(e), L(1.0f)});
  return b.done({V(f)});
}
const char* kDotText =
    "{ lambda a:f32[3]; b:f32[3] c:f32[]. let\n"
    "    d:f32[3] = mul b a\n"
    "    e:f32[] = reduce_sum[axes=(0,)] d\n"
    "    f:f32[] = add e 1.0:f32[]\n"
    "  in (f,) }";

Jaxpr program_select() {
  Builder b;
  int a = b.invar(A(jx::float32, {3}));
  int x = b.invar(A(jx::float32, {2, 3}));
  int c = b.eqn1("broadcast_in_dim", {V(a)},
                 {{"broadcast_dimensions", std::vector<int64_t>{1}}, {"shape", std::vector<int64_t>{2, 3}}});
  int d = b.eqn1("gt", {V(c), V(x)});
  int e = b.eqn1("select_n", {V(d), V(x), V(c)});
  int f = b.eqn1("concatenate", {V(e), V(c)}, {{"dimension", int64_t(0)}});
  int g = b.eqn1("convert_element_type", {V(f)}, {{"new_dtype", jx::int32}, {"weak_type", false}});
  return b.done({V(g), V(f)});
}
const char* kSelectText =
    "{ lambda ; a:f32[3] b:f32[2,3]. let\n"
    "    c:f32[2,3] = broadcast_in_dim[broadcast_dimensions=(1,) shape=(2, 3)] a\n"
    "    d:bool[2,3] = gt c b\n"
    "    e:f32[2,3] = select_n d b c\n"
    "    f:f32[4,3] = concatenate[dimension=0] e c\n"
    "    g:i32[4,3] = convert_element_type[new_dtype=int32 weak_type=False] f\n"
    "  in (g, f) }";

Jaxpr program_scalars() {
  Builder b;
  int a = b.invar(A(jx::int32, {3}));
  int x = b.invar(A(jx::float32, {}));
  int s = b.eqn1("reduce_sum", {V(a)}, {{"axes", std::vector<int64_t>{0}}});
  int m = b.eqn1("mul", {V(s), L(int32_t(2))});
  int c = b.eqn1("sin", {V(x)});
  int sel = b.eqn1("select_n", {L(true), V(c), L(2.5f)});
  int p = b.eqn1("integer_pow", {V(sel)}, {{"y", int64_t(-2)}});
  return b.done({V(m), V(p), L(0.5f), V(x)});
}
const char* kScalarsText =
    "{ lambda ; a:i32[3] b:f32[]. let\n"
    "    c:i32[] = reduce_sum[axes=(0,)] a\n"
    "    d:i32[] = mul c 2:i32[]\n"
    "    e:f32[] = sin b\n"
    "    f:f32[] = select_n True:bool[] e 2.5:f32[]\n"
    "    g:f32[] = integer_pow[y=-2] f\n"
    "  in (d, g, 0.5:f32[], b) }";

Jaxpr program_threefry() {
  Builder b;
  int k = b.invar(A(jx::uint32, {}));
  int x = b.invar(A(jx::uint32, {4}));
  auto outs = b.eqn("threefry2x32", {V(k), L(uint32_t(42)), V(x), V(x)});
  int s = b.eqn1("xor", {V(outs[0]), V(outs[1])});
  return b.done({V(s), V(outs[1])});
}
const char* kThreefryText =
    "{ lambda ; a:u32[] b:u32[4]. let\n"
    "    c:u32[4] d:u32[4] = threefry2x32 a 42:u32[] b b\n"
    "    e:u32[4] = xor c d\n"
    "  in (e, d) }";

TEST(IrText, PrintsJaxStyle) {
  EXPECT_EQ(program_dot().str(), kDotText);
  EXPECT_EQ(program_select().str(), kSelectText);
  EXPECT_EQ(program_scalars().str(), kScalarsText);
  EXPECT_EQ(program_threefry().str(), kThreefryText);
}

TEST(IrText, EmptyAndIdentity) {
  EXPECT_EQ(Jaxpr().str(), "{ lambda ; . let  in () }");
  Builder b;
  int a = b.invar(A(jx::float32, {}));
  Jaxpr id = b.done({V(a)});
  EXPECT_EQ(id.str(), "{ lambda ; a:f32[]. let  in (a,) }");
  Builder c;
  int k = c.constvar(A(jx::int64, {2, 0}));
  Jaxpr only_const = c.done({V(k), V(k)});
  EXPECT_EQ(only_const.str(), "{ lambda a:i64[2,0]; . let  in (a, a) }");
  for (const Jaxpr& j : {Jaxpr(), id, only_const}) round_trip(j);
}

TEST(IrText, StreamAndClosedJaxpr) {
  jx::ClosedJaxpr cj{program_dot(), {array<float>({1, 2, 3})}};
  std::ostringstream os, os2;
  os << cj;
  os2 << cj.jaxpr;
  EXPECT_EQ(os.str(), kDotText);
  EXPECT_EQ(os2.str(), kDotText);
  EXPECT_EQ(cj.str(), kDotText);
  auto in = cj.in_avals();
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].str(), "f32[3]");
  EXPECT_EQ(in[1].str(), "f32[]");
  auto out = jx::ClosedJaxpr{program_scalars(), {}}.out_avals();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].str(), "i32[]");
  EXPECT_EQ(out[2].str(), "f32[]");  // a literal output
}

TEST(IrText, ProgramsRoundTrip) {
  for (const Jaxpr& j : {program_dot(), program_select(), program_scalars(), program_threefry()})
    EXPECT_TRUE(round_trip(j).empty()) << j.str();
}

TEST(IrText, NamesPastZ) {
  Builder b;
  int v = b.invar(A(jx::float32, {2}));
  for (int i = 0; i < 27 * 26 + 3; ++i) v = b.eqn1("neg", {V(v)});
  Jaxpr j = b.done({V(v)});
  std::string text = j.str();
  EXPECT_NE(text.find("    z:f32[2] = neg y\n    ba:f32[2] = neg z\n    bb:f32[2] = neg ba\n"),
            std::string::npos);
  // 26 * 26 + 26 = 702 is "baa"; the names "in", "nan", "inf" appear along the way.
  EXPECT_NE(text.find(" baa:f32[2] = neg zz\n"), std::string::npos);
  EXPECT_NE(text.find(" in:f32[2] = neg im\n"), std::string::npos);
  EXPECT_TRUE(round_trip(j).empty());
}

// A variable named like a literal or a keyword ("in", "nan", "inf") next to
// literals of those values.
TEST(IrText, KeywordLikeNames) {
  Builder b;
  int v = b.invar(A(jx::float32, {}));
  std::vector<Atom> outs;
  for (int i = 0; i < 9000; ++i) {
    v = b.eqn1("add", {V(v), L(i % 2 ? std::numeric_limits<float>::quiet_NaN()
                                      : std::numeric_limits<float>::infinity())});
  }
  Jaxpr j = b.done({V(v), L(-std::numeric_limits<float>::infinity())});
  std::string text = j.str();
  EXPECT_NE(text.find("    nan:f32[] = add nam "), std::string::npos);
  EXPECT_NE(text.find("    inf:f32[] = add ine "), std::string::npos);
  EXPECT_NE(text.find("    nao:f32[] = add nan nan:f32[]\n"), std::string::npos);
  EXPECT_NE(text.find("    ing:f32[] = add inf "), std::string::npos);
  EXPECT_TRUE(round_trip(j).empty());
}

// ---------------------------------------------------------------- literals

// A literal of dtype T holding `v` prints as `text`, parses back to the same
// bits and prints the same again.
template <class T>
void check_literal(T v, const std::string& text) {
  Jaxpr j;
  jx::Array x = scalar<T>(v);
  j.outvars.push_back(Atom::of_literal(x));
  std::string want = "{ lambda ; . let  in (" + text + ":" + x.aval().str() + ",) }";
  EXPECT_EQ(j.str(), want);
  Jaxpr back = jx::parse_jaxpr(want);
  ASSERT_EQ(back.outvars.size(), 1u);
  const jx::Array& y = back.outvars[0].literal;
  ASSERT_TRUE(back.outvars[0].is_literal());
  EXPECT_EQ(y.dtype(), x.dtype());
  EXPECT_EQ(y.ndim(), 0);
  if (std::isnan(x.item<double>()))
    EXPECT_TRUE(std::isnan(y.item<double>())) << text;
  else
    EXPECT_EQ(std::memcmp(y.data(), x.data(), size_t(x.dtype().itemsize())), 0) << text;
  EXPECT_EQ(back.str(), want);
}

TEST(IrText, LiteralFormats) {
  check_literal(1.0f, "1.0");
  check_literal(0.1f, "0.1");
  check_literal(1.0f / 3, "0.33333334");
  check_literal(-2.5f, "-2.5");
  check_literal(100000.0f, "100000.0");
  check_literal(1e16f, "1e+16");
  check_literal(1.5e-5f, "1.5e-05");
  check_literal(0.0001f, "0.0001");
  check_literal(-0.0f, "-0.0");
  check_literal(std::numeric_limits<float>::max(), "3.4028235e+38");
  check_literal(std::numeric_limits<float>::denorm_min(), "1e-45");
  check_literal(std::numeric_limits<float>::quiet_NaN(), "nan");
  check_literal(std::numeric_limits<float>::infinity(), "inf");
  check_literal(-std::numeric_limits<float>::infinity(), "-inf");
  check_literal(0.1, "0.1");
  check_literal(1.0 / 3, "0.3333333333333333");
  check_literal(123456789012.0, "123456789012.0");
  check_literal(5e-324, "5e-324");
  check_literal(1.7976931348623157e308, "1.7976931348623157e+308");
  check_literal(jx::float16_t(0.1f), "0.1");
  check_literal(jx::float16_t(65504.0f), "65500.0");  // numpy prints it so too
  check_literal(jx::float16_t::from_bits(1), "6e-08");
  check_literal(jx::float16_t(1.0f / 3), "0.3333");
  check_literal(jx::bfloat16_t(0.1f), "0.1");
  check_literal(jx::bfloat16_t(1.0f / 3), "0.334");
  check_literal(jx::bfloat16_t(-3.0f), "-3.0");
  check_literal(int32_t(2), "2");
  check_literal(int8_t(-128), "-128");
  check_literal(int64_t(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
  check_literal(uint8_t(255), "255");
  check_literal(uint64_t(std::numeric_limits<uint64_t>::max()), "18446744073709551615");
  check_literal(true, "True");
  check_literal(false, "False");
}

// Every 16-bit pattern of float16 and bfloat16 reads back to the same bits
// (NaNs to a NaN).
TEST(IrText, HalfLiteralsRoundTripAllBits) {
  for (jx::DType dt : {jx::float16, jx::bfloat16}) {
    std::string text = "{ lambda ; . let  in (";
    for (uint32_t bits = 0; bits < 65536; ++bits) {
      uint16_t b16 = uint16_t(bits);
      jx::Array x = make(dt, {}, &b16);
      Jaxpr j;
      j.outvars.push_back(Atom::of_literal(x));
      std::string t = j.str();
      Jaxpr back = jx::parse_jaxpr(t);
      uint16_t got;
      std::memcpy(&got, back.outvars[0].literal.data(), 2);
      float f = dt == jx::float16 ? float(jx::float16_t::from_bits(b16)) : float(jx::bfloat16_t::from_bits(b16));
      if (std::isnan(f)) {
        float g = dt == jx::float16 ? float(jx::float16_t::from_bits(got)) : float(jx::bfloat16_t::from_bits(got));
        EXPECT_TRUE(std::isnan(g)) << t;
      } else if (got != b16) {
        ADD_FAILURE() << t << " read back as bits " << got << ", not " << b16;
        break;
      }
    }
  }
}

// Float32 and float64 values from a fixed stream of random bit patterns.
TEST(IrText, FloatLiteralsRoundTripRandomBits) {
  std::mt19937_64 rng(1234);
  for (int i = 0; i < 4000; ++i) {
    uint64_t bits = rng();
    for (jx::DType dt : {jx::float32, jx::float64}) {
      jx::Array x = make(dt, {}, &bits);
      Jaxpr j;
      j.outvars.push_back(Atom::of_literal(x));
      std::string t = j.str();
      Jaxpr back = jx::parse_jaxpr(t);
      double a = x.item<double>(), b = back.outvars[0].literal.item<double>();
      if (std::isnan(a)) {
        EXPECT_TRUE(std::isnan(b)) << t;
      } else {
        EXPECT_EQ(std::memcmp(x.data(), back.outvars[0].literal.data(), size_t(dt.itemsize())), 0) << t;
      }
    }
  }
}

// ---------------------------------------------------------------- params

TEST(IrText, ParamValuesOfEveryKind) {
  Params p{{"flag", true},
           {"off", false},
           {"n", int64_t(-7)},
           {"big", std::numeric_limits<int64_t>::max()},
           {"x", 0.1},
           {"tiny", 5e-324},
           {"huge", -1.5e300},
           {"whole", 3.0},
           {"negzero", -0.0},
           {"posinf", std::numeric_limits<double>::infinity()},
           {"neginf", -std::numeric_limits<double>::infinity()},
           {"mode", std::string("HIGHEST")},
           {"dotted", std::string("Precision.DEFAULT")},
           {"dt", jx::bfloat16},
           {"dt2", jx::bool_},
           {"none", std::vector<int64_t>{}},
           {"one", std::vector<int64_t>{0}},
           {"many", std::vector<int64_t>{-1, 2, 30}}};
  Builder b;
  int a = b.invar(A(jx::float32, {}));
  int c = b.eqn1("copy", {V(a)}, p);  // copy's shape rule ignores its params
  Jaxpr j = b.done({V(c)});
  EXPECT_EQ(j.str(),
            "{ lambda ; a:f32[]. let\n"
            "    b:f32[] = copy[flag=True off=False n=-7 big=9223372036854775807 "
            "x=0.10000000000000001 tiny=4.9406564584124654e-324 huge=-1.5000000000000001e+300 "
            "whole=3.0 negzero=-0.0 posinf=inf neginf=-inf mode=HIGHEST dotted=Precision.DEFAULT "
            "dt=bfloat16 dt2=bool none=() one=(0,) many=(-1, 2, 30)] a\n"
            "  in (b,) }");
  EXPECT_TRUE(round_trip(j).empty());
  Jaxpr back = jx::parse_jaxpr(j.str());
  EXPECT_EQ(std::get<double>(back.eqns[0].params.at("tiny")), 5e-324);
  EXPECT_TRUE(std::signbit(std::get<double>(back.eqns[0].params.at("negzero"))));

  // NaN compares unequal to itself: check it by hand.
  Builder b2;
  int a2 = b2.invar(A(jx::float32, {}));
  int c2 = b2.eqn1("copy", {V(a2)}, {{"v", std::numeric_limits<double>::quiet_NaN()}});
  Jaxpr jn = b2.done({V(c2)});
  Jaxpr nb = jx::parse_jaxpr(jn.str());
  EXPECT_TRUE(std::isnan(std::get<double>(nb.eqns[0].params.at("v"))));
  EXPECT_EQ(nb.str(), jn.str());
}

// Strings that read back as another kind of value (documented limits of the
// text form: strings are printed bare).
TEST(IrText, StringParamsThatLookLikeOtherValues) {
  Builder b;
  int a = b.invar(A(jx::float32, {}));
  int c = b.eqn1("copy", {V(a)},
                 {{"s1", std::string("True")}, {"s2", std::string("float32")}, {"s3", std::string("12")}});
  Jaxpr back = jx::parse_jaxpr(b.done({V(c)}).str());
  const Params& p = back.eqns[0].params;
  EXPECT_TRUE(std::holds_alternative<bool>(p.at("s1")));
  EXPECT_TRUE(std::holds_alternative<jx::DType>(p.at("s2")));
  EXPECT_TRUE(std::holds_alternative<int64_t>(p.at("s3")));
}

// ---------------------------------------------------------------- every primitive

struct PrimCase {
  std::string name;
  std::vector<Aval> in;  // 0-d operands become literals
  Params params;
};

// One valid application of each registered primitive. A primitive registered
// without an entry here fails EveryPrimitiveHasACase.
std::vector<PrimCase> prim_cases() {
  using V64 = std::vector<int64_t>;
  const Aval f23 = A(jx::float32, {2, 3}), f3 = A(jx::float32, {3}), f0 = A(jx::float32, {});
  const Aval i23 = A(jx::int32, {2, 3}), b23 = A(jx::bool_, {2, 3}), u4 = A(jx::uint32, {4});
  std::vector<PrimCase> c;
  for (const char* n : {"neg", "sign", "floor", "ceil", "is_finite", "exp", "exp2", "log", "log1p",
                        "expm1", "tanh", "logistic", "sin", "cos", "tan", "asin", "acos", "atan",
                        "sinh", "cosh", "asinh", "acosh", "atanh", "sqrt", "rsqrt", "cbrt", "abs",
                        "erf", "erfc", "erf_inv", "lgamma", "digamma", "copy", "stop_gradient"})
    c.push_back({n, {f23}, {}});
  c.push_back({"round", {f23}, {{"rounding_method", int64_t(1)}}});
  for (const char* n : {"not", "population_count", "clz"}) c.push_back({n, {i23}, {}});
  for (const char* n : {"add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "nextafter",
                        "eq", "ne", "lt", "le", "gt", "ge"})
    c.push_back({n, {f23, f23}, {}});
  for (const char* n : {"and", "or", "xor", "shift_left", "shift_right_logical", "shift_right_arithmetic"})
    c.push_back({n, {i23, i23}, {}});
  c.push_back({"integer_pow", {f23}, {{"y", int64_t(3)}}});
  c.push_back({"select_n", {b23, f23, f23}, {}});
  c.push_back({"clamp", {f0, f23, f0}, {}});
  c.push_back({"threefry2x32", {u4, A(jx::uint32, {}), u4, u4}, {}});
  for (const char* n : {"reduce_sum", "reduce_prod", "reduce_max", "reduce_min"})
    c.push_back({n, {f23}, {{"axes", V64{1}}}});
  for (const char* n : {"reduce_and", "reduce_or"}) c.push_back({n, {b23}, {{"axes", V64{0, 1}}}});
  for (const char* n : {"argmax", "argmin"})
    c.push_back({n, {f23}, {{"axes", V64{1}}, {"index_dtype", jx::int32}}});
  c.push_back({"convert_element_type", {f23}, {{"new_dtype", jx::int32}, {"weak_type", false}}});
  c.push_back({"bitcast_convert_type", {f23}, {{"new_dtype", jx::uint8}}});
  c.push_back({"broadcast_in_dim", {f3}, {{"shape", V64{2, 3}}, {"broadcast_dimensions", V64{1}}}});
  c.push_back({"reshape", {f23}, {{"new_sizes", V64{3, 2}}}});
  c.push_back({"squeeze", {A(jx::float32, {2, 1, 3})}, {{"dimensions", V64{1}}}});
  c.push_back({"expand_dims", {f23}, {{"dimensions", V64{0}}}});
  c.push_back({"transpose", {f23}, {{"permutation", V64{1, 0}}}});
  c.push_back({"rev", {f23}, {{"dimensions", V64{0}}}});
  c.push_back({"slice", {f23},
               {{"start_indices", V64{0, 1}}, {"limit_indices", V64{2, 3}}, {"strides", V64{1, 2}}}});
  c.push_back({"pad", {f23, f0}, {{"padding_config", V64{1, 0, 0, -1, 1, 1}}}});
  c.push_back({"concatenate", {f23, f23}, {{"dimension", int64_t(0)}}});
  c.push_back({"iota", {}, {{"dtype", jx::int32}, {"shape", V64{2, 3}}, {"dimension", int64_t(1)}}});
  c.push_back({"device_put", {f23}, {{"device", int64_t(0)}}});
  // sorting and scans
  c.push_back({"sort", {f23, i23}, {{"dimension", int64_t(1)}, {"is_stable", true}, {"num_keys", int64_t(1)}}});
  c.push_back({"top_k", {f23}, {{"k", int64_t(2)}}});
  for (const char* n : {"cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"})
    c.push_back({n, {f23}, {{"axis", int64_t(1)}, {"reverse", std::string_view(n) == "cummax"}}});
  // windowed reductions
  auto window = [](Params p) {
    Params w{{"window_dimensions", V64{1, 2}}, {"window_strides", V64{1, 1}}, {"padding", V64{0, 0, 1, 0}},
             {"base_dilation", V64{1, 1}}, {"window_dilation", V64{1, 1}}};
    for (const auto& [k, v] : p.items()) w.set(k, v);
    return w;
  };
  for (const char* n : {"reduce_window_sum", "reduce_window_max", "reduce_window_min"})
    c.push_back({n, {f23}, window({})});
  c.push_back({"select_and_scatter_add", {f23, f23}, window({{"padding", V64{0, 0, 0, 1}}, {"select_prim", std::string("ge")}})});
  c.push_back({"select_and_gather_add", {f23, f23}, window({{"select_prim", std::string("le")}})});
  // indexing
  const Aval idx = A(jx::int32, {2, 1});
  c.push_back({"gather", {f23, idx},
               {{"offset_dims", V64{1}}, {"collapsed_slice_dims", V64{0}}, {"start_index_map", V64{0}},
                {"operand_batching_dims", V64{}}, {"start_indices_batching_dims", V64{}},
                {"slice_sizes", V64{1, 3}}, {"indices_are_sorted", false}, {"unique_indices", false},
                {"mode", std::string("fill")}, {"fill_value", 0.5}}});
  for (const char* n : {"scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max"})
    c.push_back({n, {f23, idx, f23},
                 {{"update_window_dims", V64{1}}, {"inserted_window_dims", V64{0}},
                  {"scatter_dims_to_operand_dims", V64{0}}, {"operand_batching_dims", V64{}},
                  {"scatter_indices_batching_dims", V64{}}, {"indices_are_sorted", false},
                  {"unique_indices", false}, {"mode", std::string("clip")}}});
  const Aval i0 = A(jx::int32, {});
  c.push_back({"dynamic_slice", {f23, i0, i0}, {{"slice_sizes", V64{1, 2}}}});
  c.push_back({"dynamic_update_slice", {f23, A(jx::float32, {1, 2}), i0, i0}, {}});
  // contractions
  c.push_back({"dot_general", {f23, f23},
               {{"lhs_contracting_dimensions", V64{1}}, {"rhs_contracting_dimensions", V64{1}},
                {"lhs_batch_dimensions", V64{}}, {"rhs_batch_dimensions", V64{}},
                {"preferred_element_type", jx::float64}}});
  c.push_back({"conv_general_dilated", {A(jx::float32, {1, 1, 4, 4}), A(jx::float32, {1, 1, 2, 2})},
               {{"window_strides", V64{1, 2}}, {"padding", V64{0, 0, 1, 0}}, {"lhs_dilation", V64{1, 1}},
                {"rhs_dilation", V64{1, 1}}, {"lhs_spec", V64{0, 1, 2, 3}}, {"rhs_spec", V64{0, 1, 2, 3}},
                {"out_spec", V64{0, 1, 2, 3}}, {"feature_group_count", int64_t(1)},
                {"batch_group_count", int64_t(1)}}});
  // linear algebra
  const Aval f22 = A(jx::float32, {2, 2});
  c.push_back({"cholesky", {f22}, {}});
  c.push_back({"triangular_solve", {f22, f22},
               {{"left_side", true}, {"lower", true}, {"transpose_a", false}, {"unit_diagonal", false}}});
  c.push_back({"lu", {f22}, {}});
  c.push_back({"qr", {f22}, {{"full_matrices", true}}});
  c.push_back({"eigh", {f22}, {{"lower", true}}});
  c.push_back({"svd", {f22}, {{"full_matrices", true}, {"compute_uv", true}}});
  return c;
}

// Primitives whose params carry an OpaqueParam (a user function): they print,
// with the function's name, but text cannot hold a function, so they read back
// with a string in its place, which their shape rule then rejects.
struct OpaqueCase {
  std::string name;
  Params params;
  Aval in, out;
};
std::vector<OpaqueCase> opaque_cases() {
  jx::OpaqueParam f{"f", nullptr};
  const Aval f3 = A(jx::float32, {3});
  return {{"custom_jvp_call", {{"call", f}}, f3, f3},
          {"custom_vjp_call", {{"call", f}}, f3, f3},
          {"custom_vjp_lin", {{"lin", f}, {"num_res", int64_t(0)}}, f3, f3},
          {"jit_call", {{"jaxpr", f}}, f3, f3}};
}

// A literal operand of a 0-d aval.
Atom literal_of(const Aval& a) {
  return jx::dispatch_dtype(a.dtype, [&]<class T>() -> Atom {
    if constexpr (std::is_same_v<T, bool>) return L(true);
    else if constexpr (std::is_same_v<T, jx::float16_t> || std::is_same_v<T, jx::bfloat16_t>) return L(T(0.5f));
    else if constexpr (std::is_floating_point_v<T>) return L(T(0.5));
    else return L(T(3));
  });
}

// All cases in one jaxpr: the operands of each are fresh invars (0-d ones literals).
Jaxpr every_primitive_jaxpr() {
  Builder b;
  std::vector<Atom> outs;
  for (const PrimCase& pc : prim_cases()) {
    std::vector<Atom> in;
    for (const Aval& a : pc.in) in.push_back(a.ndim() == 0 ? literal_of(a) : V(b.invar(a)));
    for (int o : b.eqn(pc.name, in, pc.params)) outs.push_back(V(o));
  }
  return b.done(outs);
}

TEST(IrText, EveryPrimitiveHasACase) {
  std::set<std::string> covered;
  for (const PrimCase& pc : prim_cases()) covered.insert(pc.name);
  for (const OpaqueCase& oc : opaque_cases()) covered.insert(oc.name);
  for (const jx::Primitive* p : jx::all_primitives())
    EXPECT_TRUE(covered.count(p->name)) << "primitive '" << p->name
                                        << "' has no entry in prim_cases() of ir_text_test.cpp";
  for (const std::string& n : covered) EXPECT_NE(jx::find_primitive(n), nullptr) << n;
}

TEST(IrText, EveryPrimitiveRoundTrips) {
  Jaxpr j;
  ASSERT_NO_THROW(j = every_primitive_jaxpr());
  EXPECT_NO_THROW(jx::verify_jaxpr(j));
  std::vector<std::string> changed = round_trip(j);
  EXPECT_TRUE(changed.empty()) << "params that did not round-trip: " << ::testing::PrintToString(changed);
  // Spot checks of the text.
  std::string text = j.str();
  for (const char* line :
       {" = clamp 0.5:f32[] ", " = threefry2x32 ", " 3:u32[] ", " = reduce_and[axes=(0, 1)] ",
        " = argmax[axes=(1,) index_dtype=int32] ", ":u8[2,3,4] = bitcast_convert_type[new_dtype=uint8] ",
        ":i32[2,3] = iota[dtype=int32 shape=(2, 3) dimension=1]\n",
        " = pad[padding_config=(1, 0, 0, -1, 1, 1)] ", " 0.5:f32[]\n", " = round[rounding_method=1] "})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

TEST(IrText, OpaqueParamsPrintButDoNotReadBack) {
  for (const OpaqueCase& oc : opaque_cases()) {
    Jaxpr j;  // built without the shape rule: the placeholder holds no function
    int a = j.new_var(oc.in);
    j.invars.push_back(a);
    int b = j.new_var(oc.out);
    j.eqns.push_back(jx::Eqn{jx::find_primitive(oc.name), {V(a)}, {b}, oc.params});
    j.outvars.push_back(V(b));
    std::string text = j.str();
    std::string line = "    b:f32[3] = " + oc.name + "[" + oc.params.str() + "] a\n";
    EXPECT_NE(text.find(line), std::string::npos) << text;
    Jaxpr back = jx::parse_jaxpr(text);
    EXPECT_EQ(back.str(), text);
    const std::string& key = oc.params.items()[0].first;
    EXPECT_EQ(std::get<std::string>(back.eqns[0].params.at(key)), "f");
    EXPECT_NE(error_of([&] { jx::verify_jaxpr(back); }).find("parameter '" + key + "' has another type"),
              std::string::npos);
  }
}

// An array of `a`'s aval with small values that every operand above accepts
// (integers in [0, 5), square matrices diagonally dominant).
jx::Array sample(const Aval& a, int salt) {
  HostBuf buf(a.dtype, a.size());
  bool square = a.ndim() == 2 && a.shape[0] == a.shape[1];
  for (int64_t i = 0; i < a.size(); ++i) {
    long double diag = square && i % (a.shape[0] + 1) == 0 ? 4 : 0;
    if (a.dtype.is_floating()) store_ld(a.dtype, buf.data(), i, (long double)(i + salt) * 0.25L - 0.5L + diag);
    else if (a.dtype.is_bool()) store_ld(a.dtype, buf.data(), i, (i + salt) % 2);
    else store_int(a.dtype, buf.data(), i, (i * 7 + salt) % 5);
  }
  return buf.to_array(a.shape);
}

bool same_bits(const jx::Array& x, const jx::Array& y) {
  return x.dtype() == y.dtype() && x.shape() == y.shape() &&
         std::memcmp(x.data(), y.data(), size_t(x.nbytes())) == 0;
}

// Evaluating the jaxpr and its parsed copy gives the same bits as binding
// each primitive directly.
TEST(IrText, EveryPrimitiveEvaluates) {
  Jaxpr j = every_primitive_jaxpr();
  Jaxpr back = jx::parse_jaxpr(j.str());
  std::vector<jx::Array> args;
  for (size_t i = 0; i < j.invars.size(); ++i) args.push_back(sample(j.avals[size_t(j.invars[i])], int(i)));
  std::vector<jx::Array> got = jx::eval_jaxpr(j, {}, args);
  std::vector<jx::Array> got_back = jx::eval_jaxpr(back, {}, args);
  ASSERT_EQ(got.size(), j.outvars.size());
  ASSERT_EQ(got_back.size(), got.size());
  // Direct binds, in the same order.
  size_t next_arg = 0, next_out = 0;
  for (const PrimCase& pc : prim_cases()) {
    std::vector<jx::Array> in;
    for (const Aval& a : pc.in) in.push_back(a.ndim() == 0 ? literal_of(a).literal : args[next_arg++]);
    std::vector<jx::Array> want = jx::bind(*jx::find_primitive(pc.name), in, pc.params);
    for (const jx::Array& w : want) {
      EXPECT_TRUE(same_bits(got[next_out], w)) << pc.name;
      EXPECT_TRUE(same_bits(got_back[next_out], w)) << pc.name;
      ++next_out;
    }
  }
  EXPECT_EQ(next_out, got.size());
}

// ---------------------------------------------------------------- eval

TEST(IrEval, MatchesLax) {
  namespace lx = jx::lax;
  jx::Array a = array<float>({0.5f, -1.25f, 3.0f});
  jx::Array x = array<float>({2.0f, 4.0f, -0.75f});
  jx::Array s = scalar<float>(9.0f);

  auto dot = jx::eval_jaxpr(program_dot(), std::vector{a}, std::vector{x, s});
  ASSERT_EQ(dot.size(), 1u);
  jx::Array want = lx::add(lx::reduce_sum(lx::mul(x, a), {0}), scalar<float>(1.0f));
  EXPECT_TRUE(same_bits(dot[0], want)) << dot[0] << " vs " << want;

  jx::Array m = array<float>({1, 0, 2, 5, -4, 3}, {2, 3});
  auto sel = jx::eval_jaxpr(program_select(), {}, std::vector{a, m});
  jx::Array c = lx::broadcast_in_dim(a, {2, 3}, {1});
  jx::Array e = lx::select_n(lx::gt(c, m), {m, c});
  jx::Array f = lx::concatenate({e, c}, 0);
  ASSERT_EQ(sel.size(), 2u);
  EXPECT_TRUE(same_bits(sel[0], lx::convert_element_type(f, jx::int32)));
  EXPECT_TRUE(same_bits(sel[1], f));

  jx::Array iv = array<int32_t>({1, 2, 3});
  auto sc = jx::eval_jaxpr(program_scalars(), {}, std::vector{iv, s});
  ASSERT_EQ(sc.size(), 4u);
  EXPECT_EQ(sc[0].item<int32_t>(), 12);
  jx::Array picked = lx::select_n(scalar<bool>(true), {lx::sin(s), scalar<float>(2.5f)});
  EXPECT_TRUE(same_bits(sc[1], lx::integer_pow(picked, -2)));
  EXPECT_EQ(sc[2].item<float>(), 0.5f);
  EXPECT_TRUE(same_bits(sc[3], s));

  jx::Array k = scalar<uint32_t>(7);
  jx::Array ctr = array<uint32_t>({0, 1, 2, 3});
  auto tf = jx::eval_jaxpr(program_threefry(), {}, std::vector{k, ctr});
  auto direct = jx::bind(*jx::find_primitive("threefry2x32"), std::vector{k, scalar<uint32_t>(42), ctr, ctr});
  EXPECT_TRUE(same_bits(tf[0], lx::bitwise_xor(direct[0], direct[1])));
  EXPECT_TRUE(same_bits(tf[1], direct[1]));

  // A parsed copy evaluates the same.
  auto dot2 = jx::eval_jaxpr(jx::parse_jaxpr(kDotText), std::vector{a}, std::vector{x, s});
  EXPECT_TRUE(same_bits(dot2[0], want));
}

TEST(IrEval, ChecksCountsAndAvals) {
  jx::Array a = array<float>({1, 2, 3});
  jx::Array s = scalar<float>(1);
  Jaxpr j = program_dot();
  EXPECT_EQ(error_of([&] { jx::eval_jaxpr(j, {}, std::vector{a, s}); }),
            "[eval_jaxpr] the jaxpr has 1 constvars, got 0 values for them");
  EXPECT_EQ(error_of([&] { jx::eval_jaxpr(j, std::vector{a}, std::vector{a}); }),
            "[eval_jaxpr] the jaxpr has 2 invars, got 1 values for them");
  EXPECT_EQ(error_of([&] { jx::eval_jaxpr(j, std::vector{a}, std::vector{a, a}); }),
            "[eval_jaxpr] invar 1 has aval f32[3], but the jaxpr expects f32[]");
  EXPECT_EQ(error_of([&] { jx::eval_jaxpr(j, std::vector{a}, std::vector{a, jx::Array()}); }),
            "[eval_jaxpr] invar 1 is an empty Array");
}

// ---------------------------------------------------------------- verifier

TEST(IrVerify, AcceptsValidPrograms) {
  for (const Jaxpr& j : {program_dot(), program_select(), program_scalars(), program_threefry(), Jaxpr()})
    EXPECT_NO_THROW(jx::verify_jaxpr(j)) << j.str();
}

TEST(IrVerify, UseBeforeDefinition) {
  Jaxpr j = program_dot();
  std::swap(j.eqns[0], j.eqns[1]);  // reduce_sum now reads mul's output before mul runs
  // Names follow the printed text, where reduce_sum's line now comes first:
  //   d:f32[] = reduce_sum[axes=(0,)] e
  //   e:f32[3] = mul b a
  EXPECT_NE(j.str().find("    d:f32[] = reduce_sum[axes=(0,)] e\n    e:f32[3] = mul b a\n"), std::string::npos);
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(j); }),
            "[verify_jaxpr] equation 0 (reduce_sum): operand 0 uses 'e' before it is defined");
  Jaxpr k = program_dot();
  k.outvars.push_back(V(k.new_var(A(jx::float32, {}))));
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(k); }),
            "[verify_jaxpr] output 1 uses 'g' before it is defined");
}

TEST(IrVerify, Redefinition) {
  Jaxpr j = program_dot();
  j.eqns[2].outputs[0] = j.eqns[1].outputs[0];  // add writes e again
  j.outvars[0] = V(j.eqns[1].outputs[0]);
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(j); }),
            "[verify_jaxpr] equation 2 (add): output 0 redefines variable 'e'");
  Jaxpr k = program_dot();
  k.invars[1] = k.constvars[0];
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(k); }), "[verify_jaxpr] invar 1 redefines variable 'a'");
}

TEST(IrVerify, WrongAval) {
  Jaxpr j = program_dot();
  j.avals[size_t(j.eqns[0].outputs[0])] = A(jx::float32, {4});
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(j); }),
            "[verify_jaxpr] equation 0 (mul): output 0 'd' is declared f32[4], but the primitive "
            "gives f32[3] for operands (f32[3], f32[3])");
  Jaxpr k = program_select();
  k.avals[size_t(k.eqns[4].outputs[0])] = A(jx::float32, {4, 3});  // convert declares the wrong dtype
  EXPECT_NE(error_of([&] { jx::verify_jaxpr(k); })
                .find("equation 4 (convert_element_type): output 0 'g' is declared f32[4,3], but the "
                      "primitive gives i32[4,3]"),
            std::string::npos);
  // Operand avals the shape rule rejects.
  Jaxpr m = program_dot();
  m.avals[size_t(m.constvars[0])] = A(jx::float32, {2});
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(m); }).rfind("[verify_jaxpr] equation 0 (mul): the shape rule rejects it: [mul] ", 0),
            0u);
  // Weak types are not compared (the text form does not keep them).
  Jaxpr w = program_dot();
  w.avals[size_t(w.eqns[0].outputs[0])].weak_type = true;
  EXPECT_NO_THROW(jx::verify_jaxpr(w));
}

TEST(IrVerify, ArityMismatch) {
  Jaxpr j = program_dot();
  j.eqns[0].inputs.pop_back();  // mul with one operand
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(j); }),
            "[verify_jaxpr] equation 0 (mul): the shape rule rejects it: [mul] expected 2 operands, got 1");
  Jaxpr k = program_threefry();
  k.eqns[0].outputs.pop_back();  // threefry2x32 gives two outputs
  std::string msg = error_of([&] { jx::verify_jaxpr(k); });
  EXPECT_EQ(msg, "[verify_jaxpr] equation 0 (threefry2x32): has 1 outputs, but the primitive gives 2");
  // A rule that reads its operands without counting them still fails cleanly.
  Jaxpr r = program_dot();
  r.eqns[1].inputs.clear();  // reduce_sum with no operand
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(r); }),
            "[verify_jaxpr] equation 1 (reduce_sum): has too few operands (0): its shape rule reads past them");
  Jaxpr c = jx::parse_jaxpr(
      "{ lambda ; a:f32[3]. let\n"
      "    b:f32[3] = convert_element_type[new_dtype=float32 weak_type=False]\n"
      "  in (b,) }");
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(c); }),
            "[verify_jaxpr] equation 0 (convert_element_type): has too few operands (0): its shape rule "
            "reads past them");
}

TEST(IrVerify, BadReferencesAndLiterals) {
  Jaxpr j = program_dot();
  j.eqns[0].inputs[0] = V(99);
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(j); }),
            "[verify_jaxpr] equation 0 (mul): operand 0 is variable #99, but the jaxpr has only 6 variables");
  Jaxpr k = program_dot();
  k.eqns[2].inputs[1] = Atom::of_literal(array<float>({1, 2}));
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(k); }),
            "[verify_jaxpr] equation 2 (add): operand 1 is a literal of aval f32[2]; literals must be scalars");
  Jaxpr n = program_dot();
  n.eqns[1].prim = nullptr;
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(n); }), "[verify_jaxpr] equation 1 (<null>): has no primitive");
}

TEST(IrVerify, ParsedTextWithWrongAval) {
  Jaxpr j = jx::parse_jaxpr(
      "{ lambda ; a:f32[3]. let\n"
      "    b:f32[2] = sin a\n"
      "  in (b,) }");
  EXPECT_EQ(error_of([&] { jx::verify_jaxpr(j); }),
            "[verify_jaxpr] equation 0 (sin): output 0 'b' is declared f32[2], but the primitive gives "
            "f32[3] for operands (f32[3])");
}

// ---------------------------------------------------------------- parser errors

TEST(IrParse, Errors) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "expected '{' at 1:1, got end of text"},
      {"{ lam ; . let  in () }", "expected 'lambda' at 1:3, got 'lam'"},
      {"{ lambda ; . in () }", "expected 'let' at 1:14, got 'in'"},
      {"{ lambda ; a:f32[3]. let\n    b:f32[3] foo a\n  in (b,) }", "expected '=' at 2:14, got 'foo'"},
      {"{ lambda ; a:f32[3]. let\n    b:f32[3] = frobnicate a\n  in (b,) }",
       "unknown primitive 'frobnicate' at 2:16"},
      {"{ lambda ; a:f32[3]. let\n    b:f32[3] = sin x\n  in (b,) }", "unknown variable 'x' at 2:20"},
      {"{ lambda ; a:f33[3]. let  in () }", "unknown dtype 'f33' at 1:14"},
      {"{ lambda ; a:f32[] a:f32[]. let  in () }", "variable 'a' is defined twice at 1:20"},
      {"{ lambda ; a:f32[3,]. let  in () }", "expected a dimension size at 1:20, got ']'"},
      {"{ lambda ; a:f32[99999999999999999999]. let  in () }", "dimension size out of range at 1:18"},
      {"{ lambda ; a:f32 . let  in () }", "expected '[' at 1:17, got a space"},
      {"{ lambda ; . let  in (1.0:f32[3],) }", "a literal must be a scalar, got aval f32[3] at 1:23"},
      {"{ lambda ; . let  in (300:u8[],) }", "'300' is not an in-range integer literal of dtype u8 at 1:23"},
      {"{ lambda ; . let  in (1.2.3:f32[],) }", "'1.2.3' is not a floating literal of dtype f32 at 1:23"},
      {"{ lambda ; . let  in (yes:bool[],) }",
       "'yes' is not a bool (True or False) literal of dtype bool at 1:23"},
      {"{ lambda ; a:f32[3]. let\n    b:f32[] = reduce_sum[axes=(0,,)] a\n  in (b,) }",
       "expected an integer at 2:34, got ','"},
      {"{ lambda ; a:f32[3]. let\n    b:f32[] = reduce_sum[axes=(0,) a\n  in (b,) }",
       "expected '=' after parameter name 'a' at 2:37, got end of line"},
      {"{ lambda ; a:f32[3]. let\n    b:f32[] = reduce_sum[axes=(0,)\n  in (b,) }",
       "expected ' ' or ']' after a parameter at 2:35, got end of line"},
      {"{ lambda ; a:f32[3]. let\n    b:f32[] = reduce_sum[axes=(0,) \n  in (b,) }",
       "expected ']' at 2:36, got end of line"},
      {"{ lambda ; a:f32[3]. let\n    b:f32[] = reduce_sum[axes=(0,) axes=(0,)] a\n  in (b,) }",
       "parameter 'axes' is given twice at 2:36"},
      {"{ lambda ; a:f32[3]. let\n    b:f32[] = reduce_sum[axes=(0,)] a\n  in (b a) }",
       "expected ',' or ')' at 3:9, got 'a'"},
      {"{ lambda ; a:f32[]. let  in (a,) } extra", "expected the end of the text at 1:36, got 'extra'"},
      {"{ lambda ; a:f32[]. let  in (a,)", "expected '}' at 1:33, got end of text"},
      {"{ lambda ; a:f32[]. let\n    b:f32[] = sin a", "expected an equation or 'in' at 2:20, got end of text"},
      {"{ lambda ; a:f32[]. let\n    b:f32[] = sin a)\n  in (b,) }",
       "expected a space between operands at 2:20, got ')'"},
      {"{ lambda ; a:f32[]. let\n    b:f32[] = sin b\n  in (b,) }", "unknown variable 'b' at 2:19"},
      {"{ lambda ; a:f32[]. let\n    b:f32[] = copy[x=1.2.3] a\n  in (b,) }",
       "malformed number '1.2.3' at 2:22"},
      {"{ lambda ; a:f32[]. let\n    = sin a\n  in (b,) }", "expected a variable name at 2:5, got '='"},
      {"{ lambda ; \x01:f32[]. let  in () }", "expected a variable name at 1:12, got '\\x01'"},
  };
  for (const Case& c : cases) {
    std::string msg = error_of([&] { jx::parse_jaxpr(c.text); });
    EXPECT_EQ(msg, std::string("[parse_jaxpr] ") + c.message) << c.text;
  }
}

// JAX's one-line layout with `;` between equations reads too.
TEST(IrParse, OneLineForm) {
  Jaxpr j = jx::parse_jaxpr("{ lambda ; a:f32[]. let b:f32[] = sin a; c:f32[] = cos b in (c,) }");
  EXPECT_EQ(j.str(),
            "{ lambda ; a:f32[]. let\n"
            "    b:f32[] = sin a\n"
            "    c:f32[] = cos b\n"
            "  in (c,) }");
}

// ---------------------------------------------------------------- fuzz

// Random edits of valid texts: parse_jaxpr either succeeds (and then
// verify_jaxpr passes or throws jx::Error) or throws jx::Error; nothing else,
// and quickly.
TEST(IrParse, FuzzMutations) {
  std::vector<std::string> corpus;
  for (const Jaxpr& j : {program_dot(), program_select(), program_scalars(), program_threefry(),
                         every_primitive_jaxpr(), Jaxpr()})
    corpus.push_back(j.str());
  const std::string alphabet = "{}[]():;,.=_- \n\tabcxyzfiu0123456789e+TF\x01\xff";
  std::mt19937 rng(20240601);  // fixed seed; rng() % n keeps the stream portable
  auto pick = [&](size_t n) { return n ? size_t(rng() % n) : 0; };
  auto start = std::chrono::steady_clock::now();
  int parsed = 0, verified = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    std::string t = corpus[pick(corpus.size())];
    int edits = 1 + int(pick(3));
    for (int k = 0; k < edits; ++k) {
      size_t at = pick(t.size() + 1);
      switch (pick(8)) {
        case 0: if (at < t.size()) t.erase(at, 1); break;
        case 1: t.insert(at, 1, alphabet[pick(alphabet.size())]); break;
        case 2: if (at < t.size()) t[at] = alphabet[pick(alphabet.size())]; break;
        case 3: t.resize(at); break;
        case 4: if (at < t.size()) t.erase(at, 1 + pick(8)); break;
        case 5:
        case 6:  // a digit for a digit, a letter for a letter: often still parses
          if (at < t.size() && std::isdigit((unsigned char)t[at])) t[at] = char('0' + pick(10));
          else if (at < t.size() && std::islower((unsigned char)t[at])) t[at] = char('a' + pick(26));
          break;
        default: {  // copy a random slice somewhere else
          size_t from = pick(t.size() + 1);
          std::string piece = t.substr(from, pick(12));
          t.insert(at, piece);
        }
      }
    }
    try {
      Jaxpr j = jx::parse_jaxpr(t);
      ++parsed;
      try {
        jx::verify_jaxpr(j);
        ++verified;
      } catch (const jx::Error&) {
      }
    } catch (const jx::Error& e) {
      std::string msg = e.what();
      if (msg.rfind("[parse_jaxpr] ", 0) != 0) ADD_FAILURE() << "unexpected error source: " << msg;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "non-jx exception " << e.what() << " for:\n" << t;
    } catch (...) {
      ADD_FAILURE() << "unknown exception for:\n" << t;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(secs, 30.0);
  // The mutations are mild enough that some texts still parse.
  EXPECT_GT(parsed, 0);
  RecordProperty("parsed", parsed);
  RecordProperty("verified", verified);
}

}  // namespace
}  // namespace jxt
