// NumPy-style printing, following numpy.array2string with its defaults
// (precision 8, floatmode 'maxprec', threshold 1000, edgeitems 3, linewidth
// 75, as of numpy 2.3) and JAX's Array.__repr__ around it:
//   Array([1., 2.], dtype=float32)      Array([[1, 2],
//                                              [3, 4]], dtype=int32)
// Floats print the shortest digits that round-trip in their own dtype (at most
// 8 after the point), aligned on the point, in scientific notation when the
// nonzero magnitudes reach 1e8 (float32: 1e6, float16: 1e3), go below 1e-4 or
// span more than 1e3.
// bfloat16 prints as ml_dtypes does (each value as C++ `<<` with 6 significant
// digits, unpadded), since NumPy treats it as a non-numeric type.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "jx/array.h"

namespace jx {
namespace {

constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;
constexpr int kLineWidth = 75;
constexpr int kPrecision = 8;

// ---------------------------------------------------------------- float digits

// |v| = 0.d1d2d3... shifted: d1.d2d3... x 10^exp10.
struct Decimal {
  std::string digits;  // no leading zeros; "0" for zero
  int exp10 = 0;
};

Decimal parse_scientific(const char* s) {
  Decimal d;
  const char* p = s;
  if (*p == '-') ++p;
  for (; *p && *p != 'e'; ++p)
    if (*p != '.') d.digits += *p;
  d.exp10 = *p == 'e' ? std::atoi(p + 1) : 0;
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  return d;
}

// The shortest digits that read back as the same value of `dt` (Dragon4's
// "unique" mode, as NumPy prints floats).
Decimal shortest(double v, DType dt) {
  char buf[64];
  if (v == 0) return Decimal{"0", 0};
  if (dt == float64 || dt == float32) {
    auto r =
        dt == float64
            ? std::to_chars(buf, buf + sizeof buf - 1, v, std::chars_format::scientific)
            : std::to_chars(buf, buf + sizeof buf - 1, float(v), std::chars_format::scientific);
    *r.ptr = '\0';
    return parse_scientific(buf);
  }
  // 16-bit formats: the first precision that round-trips.
  auto same = [&](double w) {
    return dt == float16 ? float16_t(float(w)).bits == float16_t(float(v)).bits
                         : bfloat16_t(float(w)).bits == bfloat16_t(float(v)).bits;
  };
  for (int p = 1; p < 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*e", p - 1, v);
    if (same(std::strtod(buf, nullptr))) break;
  }
  return parse_scientific(buf);
}

std::string trim_zeros_keep_point(std::string s) {
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

// Positional, unique digits but at most `precision` after the point; "1.",
// "0.25", "-12.5".
std::string positional(double v, DType dt, int precision) {
  Decimal d = shortest(v, dt);
  std::string sign = std::signbit(v) ? "-" : "";
  int frac = std::max<int>(0, int(d.digits.size()) - 1 - d.exp10);
  if (frac > precision) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", precision, v);
    return trim_zeros_keep_point(buf);
  }
  std::string ip, fp;
  if (d.exp10 >= 0) {
    size_t n = size_t(d.exp10) + 1;
    ip = d.digits.substr(0, std::min(n, d.digits.size()));
    ip.append(n > d.digits.size() ? n - d.digits.size() : 0, '0');
    fp = d.digits.size() > n ? d.digits.substr(n) : "";
  } else {
    ip = "0";
    fp = std::string(size_t(-d.exp10 - 1), '0') + d.digits;
  }
  if (d.digits == "0") fp.clear();
  return sign + ip + "." + fp;
}

struct Scientific {
  std::string mantissa;  // "-1.25"
  int exp10;
};
// Scientific, unique digits but at most `precision` after the point.
Scientific scientific(double v, DType dt, int precision) {
  Decimal d = shortest(v, dt);
  std::string sign = std::signbit(v) ? "-" : "";
  if (int(d.digits.size()) - 1 > precision) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*e", precision, std::fabs(v));
    d = parse_scientific(buf);
  }
  return {sign + d.digits.substr(0, 1) + "." + d.digits.substr(1), d.exp10};
}

// numpy's FloatingFormat: decides the layout from every value shown.
class FloatFormat {
 public:
  FloatFormat(const std::vector<double>& shown, DType dt) : dt_(dt) {
    std::vector<double> finite;
    bool any_nonfinite = false, neg_inf = false;
    for (double v : shown) {
      if (std::isfinite(v))
        finite.push_back(v);
      else {
        any_nonfinite = true;
        neg_inf = neg_inf || v == -INFINITY;
      }
    }
    double mx = 0, mn = INFINITY;
    bool any_nonzero = false;
    for (double v : finite)
      if (v != 0) {
        any_nonzero = true;
        mx = std::max(mx, std::fabs(v));
        mn = std::min(mn, std::fabs(v));
      }
    // numpy >= 2.3: the cutoff for large values is 10^min(8, decimal
    // precision of the dtype) (float16 1e3, float32 1e6, float64 1e8).
    double cutoff = dt == float16 ? 1e3 : dt == float32 ? 1e6 : 1e8;
    exp_ = any_nonzero && (mx >= cutoff || mn < 1e-4 || mx / mn > 1e3);
    if (finite.empty()) {
      pad_left_ = pad_right_ = 0;
    } else if (exp_) {
      int exp_digits = 0;
      for (double v : finite) {
        Scientific s = scientific(v, dt, kPrecision);
        size_t dot = s.mantissa.find('.');
        pad_left_ = std::max(pad_left_, int(dot));
        precision_ = std::max(precision_, int(s.mantissa.size() - dot - 1));
        exp_digits = std::max(exp_digits, int(std::to_string(std::abs(s.exp10)).size()));
      }
      exp_size_ = std::max(2, exp_digits);
      pad_right_ = exp_size_ + 2 + precision_;
    } else {
      for (double v : finite) {
        std::string s = positional(v, dt, kPrecision);
        size_t dot = s.find('.');
        pad_left_ = std::max(pad_left_, int(dot));
        pad_right_ = std::max(pad_right_, int(s.size() - dot - 1));
      }
    }
    if (any_nonfinite) {
      int offset = pad_right_ + 1;
      pad_left_ = std::max({pad_left_, 3 - offset, 3 + int(neg_inf) - offset});
    }
  }

  std::string operator()(double v) const {
    if (!std::isfinite(v)) {
      std::string s = std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
      int width = pad_left_ + pad_right_ + 1;
      return std::string(size_t(std::max<int>(0, width - int(s.size()))), ' ') + s;
    }
    if (exp_) {
      // Every value has exactly precision_ digits after the point; values
      // whose unique digits are fewer get the exact value's next digits (as
      // Dragon4 with min_digits does), i.e. correct rounding to precision_.
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.*e", precision_, v);
      const char* e_at = std::strchr(buf, 'e');
      Scientific s{std::string(buf, size_t(e_at - buf)), std::atoi(e_at + 1)};
      if (precision_ == 0) s.mantissa += ".";
      size_t dot = s.mantissa.find('.');
      std::string e = std::to_string(std::abs(s.exp10));
      e.insert(0, size_t(std::max<int>(0, exp_size_ - int(e.size()))), '0');
      std::string out = s.mantissa + "e" + (s.exp10 < 0 ? "-" : "+") + e;
      return std::string(size_t(std::max<int>(0, pad_left_ - int(dot))), ' ') + out;
    }
    std::string s = positional(v, dt_, kPrecision);
    size_t dot = s.find('.');
    int frac = int(s.size() - dot - 1);
    return std::string(size_t(std::max<int>(0, pad_left_ - int(dot))), ' ') + s +
           std::string(size_t(std::max(0, pad_right_ - frac)), ' ');
  }

 private:
  DType dt_;
  bool exp_ = false;
  int pad_left_ = 0, pad_right_ = 0, precision_ = 0, exp_size_ = -1;
};

// ---------------------------------------------------------------- layout

std::string bfloat16_str(double v) {
  std::ostringstream os;
  os << float(v);  // ml_dtypes: 6 significant digits, %g style
  std::string s = os.str();
  if (s == "-nan") s = "nan";
  return s;
}

class Printer {
 public:
  explicit Printer(const Array& x) : x_(x), dt_(x.dtype()) {
    const Shape& s = x.shape();
    summarize_ = x.size() > kThreshold;
    strides_.assign(s.size(), 1);
    for (int d = int(s.size()) - 2; d >= 0; --d)
      strides_[size_t(d)] = strides_[size_t(d) + 1] * s[size_t(d) + 1];
    // The formatter sees only the elements that are shown.
    collect(0, 0);
    if (dt_.is_floating()) {
      values_ = x.to_vector<double>();
      std::vector<double> v;
      for (int64_t i : shown_) v.push_back(values_[size_t(i)]);
      if (dt_ != bfloat16) ff_.emplace(v, dt_);
    } else if (dt_.is_unsigned_int()) {
      uvalues_ = x.to_vector<uint64_t>();
      for (int64_t i : shown_)
        int_width_ = std::max(int_width_, std::to_string(uvalues_[size_t(i)]).size());
    } else {
      ivalues_ = x.to_vector<int64_t>();
      if (!dt_.is_bool())
        for (int64_t i : shown_)
          int_width_ = std::max(int_width_, std::to_string(ivalues_[size_t(i)]).size());
    }
  }

  /// np.array2string(x, prefix=prefix, suffix=suffix, separator=", ").
  std::string str(size_t prefix_len, size_t suffix_len) const {
    std::string hanging(prefix_len + 1, ' ');
    return rec(0, 0, hanging, kLineWidth - int(suffix_len));
  }

 private:
  bool summarized(int d) const { return summarize_ && x_.shape()[size_t(d)] > 2 * kEdgeItems; }

  void collect(int d, int64_t off) {
    if (d == x_.ndim()) {
      shown_.push_back(off);
      return;
    }
    int64_t n = x_.shape()[size_t(d)];
    for (int64_t i = 0; i < n; ++i) {
      if (summarized(d) && i == kEdgeItems) i = n - kEdgeItems;
      collect(d + 1, off + i * strides_[size_t(d)]);
    }
  }

  std::string elem(int64_t i) const {
    if (dt_.is_bool()) return ivalues_[size_t(i)] ? (x_.ndim() ? " True" : "True") : "False";
    std::string s;
    if (dt_ == bfloat16) return bfloat16_str(values_[size_t(i)]);
    if (dt_.is_floating()) return (*ff_)(values_[size_t(i)]);
    s = dt_.is_unsigned_int() ? std::to_string(uvalues_[size_t(i)])
                              : std::to_string(ivalues_[size_t(i)]);
    return std::string(int_width_ > s.size() ? int_width_ - s.size() : 0, ' ') + s;
  }

  // numpy's _extendLine: wrap when the word would pass the width, unless the
  // line holds nothing but its indent.
  static void extend_line(std::string& s, std::string& line, const std::string& word, int width,
                          const std::string& indent) {
    bool wrap = int(line.size() + word.size()) > width && line.size() > indent.size();
    if (wrap) {
      size_t end = line.find_last_not_of(' ');
      s += line.substr(0, end == std::string::npos ? 0 : end + 1) + "\n";
      line = indent;
    }
    line += word;
  }

  // numpy's _formatArray recursion.
  std::string rec(int d, int64_t off, const std::string& hanging, int width) const {
    if (d == x_.ndim()) return elem(off);
    const std::string next_hanging = hanging + " ";
    const int next_width = width - 1;  // room for the closing ']'
    int64_t n = x_.shape()[size_t(d)];
    bool summary = summarized(d);
    int64_t leading = summary ? kEdgeItems : 0, trailing = summary ? kEdgeItems : n;
    int64_t stride = strides_[size_t(d)];
    std::string s;
    if (d == x_.ndim() - 1) {
      const int elem_width = width - 1;  // max(len(", ".rstrip()), len("]"))
      std::string line = hanging;
      for (int64_t i = 0; i < leading; ++i) {
        extend_line(s, line, rec(d + 1, off + i * stride, next_hanging, next_width), elem_width,
                    hanging);
        line += ", ";
      }
      if (summary) {
        extend_line(s, line, "...", elem_width, hanging);
        line += ", ";
      }
      for (int64_t i = trailing; i > 1; --i) {
        extend_line(s, line, rec(d + 1, off + (n - i) * stride, next_hanging, next_width),
                    elem_width, hanging);
        line += ", ";
      }
      extend_line(s, line, rec(d + 1, off + (n - 1) * stride, next_hanging, next_width), elem_width,
                  hanging);
      s += line;
    } else {
      const std::string line_sep = "," + std::string(size_t(x_.ndim() - d - 1), '\n');
      for (int64_t i = 0; i < leading; ++i)
        s += hanging + rec(d + 1, off + i * stride, next_hanging, next_width) + line_sep;
      if (summary) s += hanging + "..." + line_sep;
      for (int64_t i = trailing; i > 1; --i)
        s += hanging + rec(d + 1, off + (n - i) * stride, next_hanging, next_width) + line_sep;
      s += hanging + rec(d + 1, off + (n - 1) * stride, next_hanging, next_width);
    }
    return "[" + s.substr(hanging.size()) + "]";
  }

  const Array& x_;
  DType dt_;
  bool summarize_ = false;
  std::vector<int64_t> strides_, shown_;
  std::vector<double> values_;
  std::vector<int64_t> ivalues_;
  std::vector<uint64_t> uvalues_;
  std::optional<FloatFormat> ff_;
  size_t int_width_ = 0;
};

}  // namespace

std::string array_str(const Array& x) {
  if (x.size() == 0) return "[]";
  return Printer(x).str(0, 0);
}

std::ostream& operator<<(std::ostream& os, const Array& x) {
  if (!x.defined()) return os << "Array(<empty>)";
  if (x.is_tracer()) return os << "Traced<" << x.aval().str() << ">";
  const std::string prefix = "Array(";
  std::string dtype_str =
      "dtype=" + std::string(x.dtype().name()) + (x.weak_type() ? ", weak_type=True)" : ")");
  std::string s = x.size() == 0 ? "[], shape=" + x.shape().str() : Printer(x).str(prefix.size(), 1);
  // JAX's rule for the separator before the dtype (quirks included).
  size_t nl = s.rfind('\n');
  int64_t last_line_len = int64_t(s.size()) - (nl == std::string::npos ? -1 : int64_t(nl)) + 1;
  std::string sep = last_line_len + int64_t(dtype_str.size()) + 1 > kLineWidth
                        ? std::string(prefix.size(), ' ')
                        : " ";
  return os << prefix << s << "," << sep << dtype_str;
}

}  // namespace jx
