// Jaxpr text, in JAX's style:
//
//   { lambda a:f32[3]; b:f32[3] c:f32[]. let
//       d:f32[3] = mul b a
//       e:f32[] = reduce_sum[axes=(0,)] d
//     in (e,) }
//
// Variables are named a..z, ba, bb, ... in order of first appearance (JAX's
// _encode_digits_alphabetic). Params print in their stored order (JAX sorts
// them by name; keeping the order makes parse(print(j)) give equal Params).
// Avals print without the weak-type flag, as JAX's jaxprs do, so a round trip
// through text loses weak_type on variables and literals.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "jx/ir.h"

namespace jx {
namespace ir_detail {

std::string var_name_of_index(size_t n) {
  std::string s;
  do {
    s.insert(s.begin(), char('a' + n % 26));
    n /= 26;
  } while (n);
  return s;
}

// Names by first appearance in the printed text: constvars, invars, then each
// equation's outputs and inputs, then the outvars. Defined for malformed
// jaxprs too (ids out of range get "?<id>"), so printing never fails.
std::vector<std::string> var_names(const Jaxpr& j) {
  std::vector<std::string> names(j.avals.size());
  // Equation outputs nothing reads print as `_`, as in JAX.
  std::vector<bool> used(j.avals.size(), false);
  auto mark = [&](const Atom& a) {
    if (!a.is_literal() && a.var >= 0 && size_t(a.var) < used.size()) used[size_t(a.var)] = true;
  };
  for (const Eqn& e : j.eqns)
    for (const Atom& a : e.inputs) mark(a);
  for (const Atom& a : j.outvars) mark(a);
  size_t next = 0;
  auto visit = [&](int v) {
    if (v >= 0 && size_t(v) < names.size() && names[size_t(v)].empty())
      names[size_t(v)] = var_name_of_index(next++);
  };
  for (int v : j.constvars) visit(v);
  for (int v : j.invars) visit(v);
  for (const Eqn& e : j.eqns) {
    for (int v : e.outputs) {
      if (v >= 0 && size_t(v) < used.size() && !used[size_t(v)] && names[size_t(v)].empty())
        names[size_t(v)] = "_";
      visit(v);
    }
    for (const Atom& a : e.inputs)
      if (!a.is_literal()) visit(a.var);
  }
  for (const Atom& a : j.outvars)
    if (!a.is_literal()) visit(a.var);
  return names;
}

// Python's repr layout for a float given its shortest round-trip digits in
// scientific form ("1.5e+02" -> "150.0"; "1e-05" stays; "1e+16" stays).
std::string python_float_layout(std::string_view sci) {
  bool neg = !sci.empty() && sci[0] == '-';
  if (neg) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits += c;
  int exp = 0;
  if (e != std::string_view::npos) {
    std::string_view es = sci.substr(e + 1);
    if (!es.empty() && es[0] == '+') es.remove_prefix(1);
    std::from_chars(es.data(), es.data() + es.size(), exp);
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = neg ? "-" : "";
  if (exp >= -4 && exp < 16) {  // positional, as repr does for 1e-4 <= abs(x) < 1e16
    if (exp < 0) {
      out += "0." + std::string(size_t(-exp - 1), '0') + digits;
    } else if (size_t(exp) + 1 >= digits.size()) {
      out += digits + std::string(size_t(exp) + 1 - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, size_t(exp) + 1) + "." + digits.substr(size_t(exp) + 1);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char buf[16];
  std::snprintf(buf, sizeof buf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return out + buf;
}

// The value a float literal of 16-bit dtype `dt` parses to (shared with the
// parser so that printing picks digits that read back to the same bits).
uint16_t half_bits_from_float(DType dt, float f) {
  return dt == bfloat16 ? bfloat16_t(f).bits : float16_t(f).bits;
}

// Shortest text of a floating value of dtype `dt` that parses back to the same
// bits (nan, inf and -inf spelled as JAX prints them).
std::string float_literal_str(DType dt, const void* p) {
  double v = 0;
  dispatch_dtype(dt, [&]<class T>() {
    if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>)
      v = double(float(*static_cast<const T*>(p)));
    else
      v = double(*static_cast<const T*>(p));
  });
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  if (dt == float64) {
    auto r = std::to_chars(buf, buf + sizeof buf, *static_cast<const double*>(p),
                           std::chars_format::scientific);
    return python_float_layout(std::string_view(buf, size_t(r.ptr - buf)));
  }
  if (dt == float32) {
    auto r = std::to_chars(buf, buf + sizeof buf, *static_cast<const float*>(p),
                           std::chars_format::scientific);
    return python_float_layout(std::string_view(buf, size_t(r.ptr - buf)));
  }
  // 16-bit floats: the fewest significant digits that read back (via float).
  uint16_t bits = *static_cast<const uint16_t*>(p);
  for (int digits = 1; digits <= 9; ++digits) {
    int n = std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
    float back = 0;
    std::from_chars(buf, buf + n, back);
    if (half_bits_from_float(dt, back) == bits)
      return python_float_layout(std::string_view(buf, size_t(n)));
  }
  int n = std::snprintf(buf, sizeof buf, "%.8e", v);  // unreachable: 9 digits are exact
  return python_float_layout(std::string_view(buf, size_t(n)));
}

// `1.0:f32[]`, `2:i32[]`, `True:bool[]`.
std::string literal_str(const Array& x) {
  if (!x.defined()) return "<empty>";
  if (x.is_tracer()) return "<tracer>:" + x.aval().str();
  if (x.size() != 1) return "<array>:" + x.aval().str();
  DType dt = x.dtype();
  const void* p = x.data();
  std::string v;
  if (dt.is_bool()) {
    v = *static_cast<const bool*>(p) ? "True" : "False";
  } else if (dt.is_floating()) {
    v = float_literal_str(dt, p);
  } else {
    dispatch_dtype(dt, [&]<class T>() {
      if constexpr (std::is_integral_v<T>) v = std::to_string(*static_cast<const T*>(p));
    });
  }
  return v + ":" + x.aval().str();
}

}  // namespace ir_detail

namespace {

std::string aval_str_of(const Jaxpr& j, int v) {
  return v >= 0 && size_t(v) < j.avals.size() ? j.avals[size_t(v)].str() : "?";
}

}  // namespace

std::string Jaxpr::str() const {
  std::vector<std::string> names = ir_detail::var_names(*this);
  auto name = [&](int v) {
    return v >= 0 && size_t(v) < names.size() ? names[size_t(v)] : "?" + std::to_string(v);
  };
  auto binder = [&](int v) { return name(v) + ":" + aval_str_of(*this, v); };
  auto atom = [&](const Atom& a) {
    return a.is_literal() ? ir_detail::literal_str(a.literal) : name(a.var);
  };

  std::string s = "{ lambda ";
  for (size_t i = 0; i < constvars.size(); ++i) s += (i ? " " : "") + binder(constvars[i]);
  s += "; ";
  for (size_t i = 0; i < invars.size(); ++i) s += (i ? " " : "") + binder(invars[i]);
  s += ". let";
  if (eqns.empty()) {
    s += "  in (";  // JAX's spacing for an empty body: "let  in"
  } else {
    s += "\n";
    for (const Eqn& e : eqns) {
      s += "    ";
      for (size_t i = 0; i < e.outputs.size(); ++i) s += (i ? " " : "") + binder(e.outputs[i]);
      s += " = ";
      s += e.prim ? e.prim->name : "<null>";
      if (!e.params.empty()) s += "[" + e.params.str() + "]";
      for (const Atom& a : e.inputs) s += " " + atom(a);
      s += "\n";
    }
    s += "  in (";
  }
  for (size_t i = 0; i < outvars.size(); ++i) s += (i ? ", " : "") + atom(outvars[i]);
  if (outvars.size() == 1) s += ",";
  s += ") }";
  return s;
}

std::vector<Aval> ClosedJaxpr::in_avals() const {
  std::vector<Aval> out;
  out.reserve(jaxpr.invars.size());
  for (int v : jaxpr.invars) out.push_back(jaxpr.avals.at(size_t(v)));
  return out;
}

std::vector<Aval> ClosedJaxpr::out_avals() const {
  std::vector<Aval> out;
  out.reserve(jaxpr.outvars.size());
  for (const Atom& a : jaxpr.outvars) {
    if (!a.is_literal()) out.push_back(jaxpr.avals.at(size_t(a.var)));
    else out.push_back(a.literal.aval());
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const Jaxpr& j) { return os << j.str(); }
std::ostream& operator<<(std::ostream& os, const ClosedJaxpr& j) { return os << j.jaxpr.str(); }

}  // namespace jx
