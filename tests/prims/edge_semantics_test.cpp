// Checks jx::lax against JAX's own answers on edge cases: integer division by
// zero, shifts past the bit width, NaN in max/min, rounding ties, saturating
// float->int conversion, wrapping integer_pow... Each line of
// tests/fixtures/edge_semantics.txt (generated from JAX by gen_fixtures.py)
// is `op dtype inputs... -> output`; see the file's header for the format.
//
// The lax.* lines must all pass. The jnp.* lines (floor_divide, mod,
// jnp.power, jnp.fmax/fmin) belong to jx::np and are counted as skipped here,
// except those lax expresses directly (jnp.maximum/minimum = lax.max/min,
// jnp.round = lax.round to nearest even).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;

struct FixtureLine {
  int lineno;
  std::string text;
  std::string op, param;          // "round", "1" for "round:1"
  std::vector<jx::DType> dtypes;  // one per input
  std::vector<std::string> inputs;
  std::string output;
};

std::vector<FixtureLine> load_fixture() {
  std::ifstream in(JX_FIXTURES_DIR "/edge_semantics.txt");
  EXPECT_TRUE(in.good()) << "cannot open " << JX_FIXTURES_DIR "/edge_semantics.txt";
  std::vector<FixtureLine> lines;
  std::string s;
  for (int lineno = 1; std::getline(in, s); ++lineno) {
    if (s.empty() || s[0] == '#') continue;
    std::istringstream is(s);
    FixtureLine l{lineno, s, {}, {}, {}, {}, {}};
    std::string op, dts, tok;
    is >> op >> dts;
    size_t colon = op.find(':');
    l.op = op.substr(0, colon);
    if (colon != std::string::npos) l.param = op.substr(colon + 1);
    std::vector<std::string> toks;
    while (is >> tok) toks.push_back(tok);
    auto arrow = std::find(toks.begin(), toks.end(), "->");
    EXPECT_TRUE(arrow != toks.end() && arrow + 2 == toks.end()) << "line " << lineno << ": " << s;
    if (arrow == toks.end() || arrow + 2 != toks.end()) continue;
    l.inputs.assign(toks.begin(), arrow);
    l.output = *(arrow + 1);
    std::istringstream ds(dts);
    for (std::string d; std::getline(ds, d, ',');) l.dtypes.push_back(jx::dtype_from_name(d));
    while (l.dtypes.size() < l.inputs.size()) l.dtypes.push_back(l.dtypes.back());
    lines.push_back(std::move(l));
  }
  return lines;
}

long double parse_float(const std::string& s) {
  if (s == "nan") return std::numeric_limits<long double>::quiet_NaN();
  if (s == "inf") return std::numeric_limits<long double>::infinity();
  if (s == "-inf") return -std::numeric_limits<long double>::infinity();
  return std::strtold(s.c_str(), nullptr);  // Python repr of a double: exact
}
I128 parse_int(const std::string& s) {
  if (s == "true") return 1;
  if (s == "false") return 0;
  bool neg = s[0] == '-';
  I128 v = 0;
  for (size_t i = neg ? 1 : 0; i < s.size(); ++i) v = v * 10 + (s[i] - '0');
  return neg ? -v : v;
}

// A 0-d array of dtype dt holding the fixture's value text.
jx::Array value_array(jx::DType dt, const std::string& text) {
  HostBuf b(dt, 1);
  if (dt.is_floating())
    store_ld(dt, b.data(), 0, round_to(dt, parse_float(text)));
  else
    store_int(dt, b.data(), 0, parse_int(text));
  return b.to_array(jx::Shape{});
}

// Applies the line's op with jx::lax; nullopt (and *skip) for jnp-only ops.
std::optional<jx::Array> apply(const FixtureLine& l, const std::vector<jx::Array>& x, bool* skip) {
  const std::string& op = l.op;
  auto need = [&](size_t n) {
    if (x.size() != n) throw std::runtime_error("expected " + std::to_string(n) + " inputs");
  };
  static const std::map<std::string, jx::Array (*)(const jx::Array&, jx::lax::Loc)> unary = {
      {"neg", [](const jx::Array& a, lx::Loc l) { return lx::neg(a, l); }},
      {"sign", [](const jx::Array& a, lx::Loc l) { return lx::sign(a, l); }},
      {"floor", [](const jx::Array& a, lx::Loc l) { return lx::floor(a, l); }},
      {"ceil", [](const jx::Array& a, lx::Loc l) { return lx::ceil(a, l); }},
      {"abs", [](const jx::Array& a, lx::Loc l) { return lx::abs(a, l); }},
      {"sqrt", [](const jx::Array& a, lx::Loc l) { return lx::sqrt(a, l); }},
      {"log", [](const jx::Array& a, lx::Loc l) { return lx::log(a, l); }},
      {"exp", [](const jx::Array& a, lx::Loc l) { return lx::exp(a, l); }},
      {"population_count",
       [](const jx::Array& a, lx::Loc l) { return lx::population_count(a, l); }},
      {"clz", [](const jx::Array& a, lx::Loc l) { return lx::clz(a, l); }},
  };
  using Bin = jx::Array (*)(const jx::Array&, const jx::Array&, jx::lax::Loc);
  static const std::map<std::string, Bin> binary = {
      {"div", [](const jx::Array& a, const jx::Array& b, lx::Loc l) { return lx::div(a, b, l); }},
      {"rem", [](const jx::Array& a, const jx::Array& b, lx::Loc l) { return lx::rem(a, b, l); }},
      {"max", [](const jx::Array& a, const jx::Array& b, lx::Loc l) { return lx::max(a, b, l); }},
      {"min", [](const jx::Array& a, const jx::Array& b, lx::Loc l) { return lx::min(a, b, l); }},
      {"jnp.maximum",
       [](const jx::Array& a, const jx::Array& b, lx::Loc l) { return lx::max(a, b, l); }},
      {"jnp.minimum",
       [](const jx::Array& a, const jx::Array& b, lx::Loc l) { return lx::min(a, b, l); }},
      {"pow", [](const jx::Array& a, const jx::Array& b, lx::Loc l) { return lx::pow(a, b, l); }},
      {"nextafter",
       [](const jx::Array& a, const jx::Array& b, lx::Loc l) { return lx::nextafter(a, b, l); }},
      {"atan2",
       [](const jx::Array& a, const jx::Array& b, lx::Loc l) { return lx::atan2(a, b, l); }},
      {"shift_left",
       [](const jx::Array& a, const jx::Array& b, lx::Loc l) { return lx::shift_left(a, b, l); }},
      {"shift_right_logical", [](const jx::Array& a, const jx::Array& b,
                                 lx::Loc l) { return lx::shift_right_logical(a, b, l); }},
      {"shift_right_arithmetic", [](const jx::Array& a, const jx::Array& b,
                                    lx::Loc l) { return lx::shift_right_arithmetic(a, b, l); }},
  };
  static const char* jnp_only[] = {"floor_divide", "mod", "jnp.power", "jnp.fmax", "jnp.fmin"};
  for (const char* j : jnp_only)
    if (op == j) {
      *skip = true;
      return std::nullopt;
    }
  if (auto it = unary.find(op); it != unary.end()) {
    need(1);
    return it->second(x[0], lx::Loc::current());
  }
  if (auto it = binary.find(op); it != binary.end()) {
    need(2);
    return it->second(x[0], x[1], lx::Loc::current());
  }
  if (op == "round") {
    need(1);
    return lx::round(x[0], std::stoi(l.param) == 1 ? lx::RoundingMethod::kToNearestEven
                                                   : lx::RoundingMethod::kAwayFromZero);
  }
  if (op == "jnp.round") {  // numpy rounds half to even
    need(1);
    return lx::round(x[0], lx::RoundingMethod::kToNearestEven);
  }
  if (op == "integer_pow") {
    need(1);
    return lx::integer_pow(x[0], std::stoll(l.param));
  }
  if (op == "convert_element_type") {
    need(1);
    return lx::convert_element_type(x[0], jx::dtype_from_name(l.param));
  }
  throw std::runtime_error("the test does not know op '" + op + "': add it to apply()");
}

// Lines whose inputs have different dtypes (lax.pow with an integer exponent).
bool mixed_dtypes(const FixtureLine& l) {
  return std::any_of(l.dtypes.begin(), l.dtypes.end(),
                     [&](jx::DType d) { return d != l.dtypes[0]; });
}

// Checks the lines selected by `pick`; returns how many were selected.
int check_lines(bool (*pick)(const FixtureLine&)) {
  std::vector<FixtureLine> lines = load_fixture();
  EXPECT_GT(lines.size(), 500u);
  int selected = 0, checked = 0, skipped = 0, failed = 0;
  for (const FixtureLine& l : lines) {
    if (!pick(l)) continue;
    ++selected;
    std::string where = "edge_semantics.txt:" + std::to_string(l.lineno) + ": `" + l.text + "`";
    std::vector<jx::Array> x;
    for (size_t i = 0; i < l.inputs.size(); ++i) x.push_back(value_array(l.dtypes[i], l.inputs[i]));
    bool skip = false;
    std::optional<jx::Array> out;
    try {
      out = apply(l, x, &skip);
    } catch (const std::exception& e) {
      ADD_FAILURE() << where << " threw: " << e.what();
      ++failed;
      continue;
    }
    if (skip) {
      ++skipped;
      continue;
    }
    ++checked;
    jx::DType out_dt = l.op == "convert_element_type" ? jx::dtype_from_name(l.param) : l.dtypes[0];
    if (out->dtype() != out_dt || out->ndim() != 0) {
      ADD_FAILURE() << where << ": result is " << out->aval().str() << ", want "
                    << out_dt.short_name() << "[]";
      ++failed;
      continue;
    }
    bool ok;
    std::string got;
    if (out_dt.is_floating()) {
      long double want = round_to(out_dt, parse_float(l.output));
      long double g = load_ld(out_dt, out->data(), 0);
      ok = same_value(g, want);
      got = fstr(g);
    } else {
      I128 want = wrap_int(out_dt, parse_int(l.output));
      I128 g = load_int(out_dt, out->data(), 0);
      ok = g == want;
      got = out_dt.is_bool() ? (g ? "true" : "false") : i128_str(g);
    }
    if (!ok) {
      ADD_FAILURE() << where << ": jx gives " << got;
      ++failed;
    }
  }
  std::cout << "[edge semantics] " << checked << " lines checked against jx::lax, " << failed
            << " failed, " << skipped << " jnp-only lines skipped (jx::np tests them)\n";
  return selected;
}

TEST(EdgeSemantics, LaxMatchesJax) {
  EXPECT_GT(check_lines([](const FixtureLine& l) { return !mixed_dtypes(l); }), 800);
}

// lax.pow(x, y) with an integer y: JAX converts y to x's dtype and calls
// pow. Kept apart so the main test stays a regression guard while this is open.
TEST(EdgeSemantics, LaxPowIntegerExponent) { EXPECT_EQ(check_lines(mixed_dtypes), 3); }

}  // namespace
}  // namespace jxt
