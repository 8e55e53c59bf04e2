// parse_jaxpr: reads the text Jaxpr::str() prints back into a Jaxpr.
//
// A hand-written scanner with one character of lookahead (plus a peek past
// spaces for the `in` keyword); nothing recurses, so no input can exhaust the
// stack, and every loop consumes input or stops, so none can hang. The one
// layout rule it relies on is the printer's: an equation's operands end at the
// end of its line (a `;` or a following `in (` also ends them, as in JAX's
// one-line form). That keeps literals such as `nan:f32[]` apart from a binder
// of a variable that happens to be called `nan` on the next line.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "jx/ir.h"

namespace jx {
namespace ir_detail {
uint16_t half_bits_from_float(DType dt, float f);  // printer.cpp
}  // namespace ir_detail

namespace {

constexpr std::string_view kOp = "parse_jaxpr";

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
// Characters that end a word (a literal value, a parameter value, a name).
bool is_delim(char c) { return is_space(c) || std::strchr("{}[](),:;=", c) != nullptr || c == '\0'; }

// A byte as it appears in an error message.
std::string printable(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, c);
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", unsigned(static_cast<unsigned char>(c)));
  return buf;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Jaxpr parse() {
    skip_space();
    expect('{');
    skip_space();
    expect_keyword("lambda");
    binders(';', j_.constvars);
    expect(';');
    binders('.', j_.invars);
    expect('.');
    skip_space();
    expect_keyword("let");
    for (;;) {
      skip_space();
      if (at_in_keyword()) break;
      if (done()) fail("expected an equation or 'in'");
      equation();
    }
    pos_ += 2;  // "in"
    skip_space();
    expect('(');
    skip_space();
    if (peek() != ')') {
      for (;;) {
        skip_space();
        j_.outvars.push_back(atom());
        skip_space();
        if (peek() == ',') {
          ++pos_;
          skip_space();
          if (peek() == ')') break;
        } else if (peek() == ')') {
          break;
        } else {
          fail("expected ',' or ')'");
        }
      }
    }
    expect(')');
    skip_space();
    expect('}');
    skip_space();
    if (!done()) fail("expected the end of the text");
    return std::move(j_);
  }

 private:
  // ------------------------------------------------------------ scanning
  bool done() const { return pos_ >= s_.size(); }
  char peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  void skip_space() {
    while (!done() && is_space(s_[pos_])) ++pos_;
  }
  // Spaces within a line.
  void skip_inline_space() {
    while (!done() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }

  std::string where(size_t at) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return std::to_string(line) + ":" + std::to_string(col);
  }

  // What the text holds at `at`, for "got '...'".
  std::string got(size_t at) const {
    if (at >= s_.size()) return "end of text";
    if (s_[at] == '\n') return "end of line";
    if (is_space(s_[at])) return "a space";
    std::string out;
    size_t i = at;
    if (is_delim(s_[i]) && !is_space(s_[i])) return "'" + printable(s_[i]) + "'";
    while (i < s_.size() && !is_delim(s_[i]) && out.size() < 24) out += printable(s_[i++]);
    if (i < s_.size() && !is_delim(s_[i])) out += "...";
    return "'" + out + "'";
  }

  [[noreturn]] void fail(const std::string& expected) const { fail_at(expected, pos_); }
  [[noreturn]] void fail_at(const std::string& expected, size_t at) const {
    throw_error(kOp, expected + " at " + where(at) + ", got " + got(at));
  }
  // An error about something well-formed but wrong (no "got").
  [[noreturn]] void error_at(const std::string& message, size_t at) const {
    throw_error(kOp, message + " at " + where(at));
  }

  void expect(char c) {
    if (peek() != c || done()) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  std::string_view ident(const char* what) {
    if (!is_ident_start(peek())) fail(std::string("expected ") + what);
    size_t start = pos_;
    while (!done() && is_ident_char(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  void expect_keyword(std::string_view kw) {
    size_t start = pos_;
    if (!is_ident_start(peek()) || ident("a keyword") != kw) fail_at("expected '" + std::string(kw) + "'", start);
  }

  // At the `in` that ends the equations: "in" then (after spaces) '('. A
  // variable called `in` is followed by ':' instead.
  bool at_in_keyword() const {
    if (peek() != 'i' || peek(1) != 'n' || is_ident_char(peek(2))) return false;
    size_t i = pos_ + 2;
    while (i < s_.size() && is_space(s_[i])) ++i;
    return i < s_.size() && s_[i] == '(';
  }

  // At "name:" (another output of an equation).
  bool at_binder() const {
    size_t i = pos_;
    if (i >= s_.size() || !is_ident_start(s_[i])) return false;
    while (i < s_.size() && is_ident_char(s_[i])) ++i;
    return i < s_.size() && s_[i] == ':';
  }

  // A run of non-delimiter characters (a literal or parameter value).
  std::string_view word() {
    size_t start = pos_;
    while (!done() && !is_delim(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // ------------------------------------------------------------ pieces
  // "f32[3,4]"
  Aval aval() {
    size_t start = pos_;
    while (!done() && (is_ident_char(s_[pos_]))) ++pos_;
    std::string_view name = s_.substr(start, pos_ - start);
    if (name.empty()) fail("expected a dtype such as f32");
    Aval a;
    try {
      a.dtype = dtype_from_name(name);
    } catch (const Error&) {
      error_at("unknown dtype '" + std::string(name) + "'", start);
    }
    expect('[');
    int64_t numel = 1;
    if (peek() != ']') {
      for (;;) {
        size_t dstart = pos_;
        int64_t d = 0;
        if (!is_digit(peek())) fail("expected a dimension size");
        auto r = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), d);
        if (r.ec != std::errc()) error_at("dimension size out of range", dstart);
        pos_ = size_t(r.ptr - s_.data());
        // Shapes whose size overflows int64 cannot describe an array.
        if (__builtin_mul_overflow(numel, d, &numel)) error_at("shape too large", dstart);
        a.shape.push_back(d);
        if (peek() == ',') {
          ++pos_;
        } else if (peek() == ']') {
          break;
        } else {
          fail("expected ',' or ']' in a shape");
        }
      }
    }
    expect(']');
    return a;
  }

  // "1.0:f32[]" once the value word has been read and the ':' consumed.
  Array literal(std::string_view text, size_t at) {
    Aval a = aval();
    if (a.ndim() != 0) error_at("a literal must be a scalar, got aval " + a.str(), at);
    DType dt = a.dtype;
    const char* b = text.data();
    const char* e = text.data() + text.size();
    auto bad = [&](const char* kind) {
      error_at("'" + std::string(text) + "' is not " + kind + " literal of dtype " +
                   std::string(dt.short_name()),
               at);
    };
    alignas(8) unsigned char bytes[8] = {};
    if (dt.is_bool()) {
      if (text == "True") bytes[0] = 1;
      else if (text != "False") bad("a bool (True or False)");
    } else if (dt.is_floating()) {
      std::from_chars_result r{};
      if (dt == float64) {
        double v = 0;
        r = std::from_chars(b, e, v);
        std::memcpy(bytes, &v, sizeof v);
      } else {
        float v = 0;
        r = std::from_chars(b, e, v);
        if (dt == float32) {
          std::memcpy(bytes, &v, sizeof v);
        } else {
          uint16_t h = ir_detail::half_bits_from_float(dt, v);
          std::memcpy(bytes, &h, sizeof h);
        }
      }
      if (r.ec == std::errc::result_out_of_range) bad("an in-range floating");
      if (r.ec != std::errc() || r.ptr != e) bad("a floating");
    } else {
      bool ok = false;
      dispatch_dtype(dt, [&]<class T>() {
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          T v{};
          auto r = std::from_chars(b, e, v);  // range-checked for T itself
          ok = r.ec == std::errc() && r.ptr == e;
          std::memcpy(bytes, &v, sizeof v);
        }
      });
      if (!ok) bad("an in-range integer");
    }
    return make_from_host(bytes, Aval{dt, {}, false}, default_device());
  }

  // A variable name or a literal.
  Atom atom() {
    size_t start = pos_;
    std::string_view w = word();
    if (w.empty()) fail("expected a variable or a literal");
    if (peek() == ':') {
      ++pos_;
      return Atom::of_literal(literal(w, start));
    }
    if (!is_ident_start(w[0])) error_at("'" + std::string(w) + "' is not a variable name", start);
    for (char c : w)
      if (!is_ident_char(c)) error_at("'" + std::string(w) + "' is not a variable name", start);
    auto it = vars_.find(std::string(w));
    if (it == vars_.end()) error_at("unknown variable '" + std::string(w) + "'", start);
    return Atom::of_var(it->second);
  }

  void define(std::string_view name, Aval a, size_t at, std::vector<int>& into) {
    if (name == "_") {  // an output nothing reads (JAX prints these as `_`)
      into.push_back(j_.new_var(std::move(a)));
      return;
    }
    auto [it, fresh] = vars_.emplace(std::string(name), -1);
    if (!fresh) error_at("variable '" + std::string(name) + "' is defined twice", at);
    it->second = j_.new_var(std::move(a));
    into.push_back(it->second);
  }

  // Binders ("a:f32[3] b:i32[]") up to the terminator.
  void binders(char terminator, std::vector<int>& into) {
    for (;;) {
      skip_space();
      if (peek() == terminator || done()) return;
      size_t start = pos_;
      std::string_view name = ident("a variable name");
      expect(':');
      define(name, aval(), start, into);
    }
  }

  ParamValue param_value() {
    if (peek() == '(') {
      ++pos_;
      std::vector<int64_t> v;
      skip_inline_space();
      if (peek() == ')') {
        ++pos_;
        return v;
      }
      for (;;) {
        skip_inline_space();
        size_t start = pos_;
        int64_t x = 0;
        const char* b = s_.data() + pos_;
        auto r = std::from_chars(b, s_.data() + s_.size(), x);
        if (r.ec == std::errc::result_out_of_range) error_at("integer out of range", start);
        if (r.ec != std::errc()) fail("expected an integer");
        pos_ += size_t(r.ptr - b);
        v.push_back(x);
        skip_inline_space();
        if (peek() == ',') {
          ++pos_;
          skip_inline_space();
          if (peek() == ')') break;
        } else if (peek() != ')') {
          fail("expected ',' or ')'");
        } else {
          break;
        }
      }
      expect(')');
      return v;
    }
    size_t start = pos_;
    std::string_view w = word();
    if (w.empty()) fail("expected a parameter value");
    if (w == "True") return true;
    if (w == "False") return false;
    std::string_view num = w[0] == '+' ? w.substr(1) : w;
    bool numeric = !num.empty() && (is_digit(num[0]) || num[0] == '.' ||
                                    (num[0] == '-' && num.size() > 1 && (is_digit(num[1]) || num[1] == '.')));
    bool special = num == "nan" || num == "inf" || num == "-inf" || num == "-nan";
    if (numeric || special) {
      const char* b = num.data();
      const char* e = num.data() + num.size();
      int64_t i = 0;
      auto ri = std::from_chars(b, e, i);
      if (ri.ec == std::errc() && ri.ptr == e) return i;
      if (ri.ec == std::errc::result_out_of_range && num.find_first_of(".eEn") == std::string_view::npos)
        error_at("integer '" + std::string(w) + "' out of range", start);
      double d = 0;
      auto rd = std::from_chars(b, e, d);
      if (rd.ec == std::errc() && rd.ptr == e) return d;
      error_at("malformed number '" + std::string(w) + "'", start);
    }
    for (DType dt : kAllDTypes)
      if (dt.name() == w) return dt;
    return std::string(w);
  }

  // "[axes=(0,) keepdims=False]"
  Params params() {
    expect('[');
    Params p;
    for (;;) {
      skip_inline_space();
      if (peek() == ']') break;
      if (done() || peek() == '\n') fail("expected ']'");
      size_t start = pos_;
      std::string_view key = ident("a parameter name");
      if (p.has(key)) error_at("parameter '" + std::string(key) + "' is given twice", start);
      if (peek() != '=') fail("expected '=' after parameter name '" + std::string(key) + "'");
      ++pos_;
      p.set(std::string(key), param_value());
      if (peek() != ' ' && peek() != ']') fail("expected ' ' or ']' after a parameter");
    }
    expect(']');
    return p;
  }

  void equation() {
    struct Out {
      std::string_view name;
      Aval aval;
      size_t at;
    };
    std::vector<Out> outs;
    for (;;) {
      size_t start = pos_;
      std::string_view name = ident("a variable name");
      expect(':');
      outs.push_back({name, aval(), start});
      skip_inline_space();
      if (peek() == '=' || !at_binder()) break;  // expect('=') reports anything else
    }
    expect('=');
    skip_inline_space();
    Eqn eqn;
    size_t pstart = pos_;
    std::string_view pname = ident("a primitive name");
    eqn.prim = find_primitive(pname);
    if (!eqn.prim) error_at("unknown primitive '" + std::string(pname) + "'", pstart);
    if (peek() == '[') eqn.params = params();
    for (;;) {
      skip_inline_space();
      if (done() || peek() == '\n' || peek() == ';' || at_in_keyword()) break;
      eqn.inputs.push_back(atom());
      if (!done() && !is_space(peek()) && peek() != ';') fail("expected a space between operands");
    }
    if (peek() == ';') ++pos_;
    // Outputs are defined after the operands are read: an equation cannot use its own results.
    for (Out& o : outs) define(o.name, std::move(o.aval), o.at, eqn.outputs);
    j_.eqns.push_back(std::move(eqn));
  }

  std::string_view s_;
  size_t pos_ = 0;
  Jaxpr j_;
  std::unordered_map<std::string, int> vars_;
};

}  // namespace

Jaxpr parse_jaxpr(std::string_view text) { return Parser(text).parse(); }

}  // namespace jx
