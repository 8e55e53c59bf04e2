// NumPy-style printing: `Array([1., 2.], dtype=float32)`, summarised with
// "..." when an array has more than 1000 elements (NumPy's threshold).
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <vector>

#include "jx/array.h"

namespace jx {
namespace {

constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;

// Formats float values the way NumPy does by default: up to 8 significant
// digits, trailing zeros dropped but the dot kept ("1.", "0.5"), scientific
// notation when the magnitudes span too much.
struct FloatFormat {
  bool scientific = false;
  int precision = 8;
  std::string format(double v) const {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    if (scientific) {
      std::snprintf(buf, sizeof buf, "%.*e", precision, v);
      std::string s = buf;
      // Trim mantissa zeros: 1.50000000e+00 -> 1.5e+00
      size_t e = s.find('e');
      std::string man = s.substr(0, e), ex = s.substr(e);
      while (man.size() > 1 && man.back() == '0') man.pop_back();
      return man + ex;
    }
    std::snprintf(buf, sizeof buf, "%.*f", precision, v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
    }
    if (s == "-0.") return "-0.";
    return s;
  }
};

struct Printer {
  const Array& x;
  std::vector<double> fvals;
  std::vector<int64_t> ivals;
  std::vector<uint64_t> uvals;
  FloatFormat ff;
  bool summarize;
  size_t width = 0;

  explicit Printer(const Array& a) : x(a) {
    summarize = a.size() > kThreshold;
    DType dt = a.dtype();
    if (dt.is_floating()) {
      fvals = a.to_vector<double>();
      double mx = 0, mn = INFINITY;
      bool all_int = true;
      for (double v : fvals)
        if (std::isfinite(v)) {
          mx = std::max(mx, std::fabs(v));
          if (v != 0) mn = std::min(mn, std::fabs(v));
          if (v != std::floor(v)) all_int = false;
        }
      ff.scientific = mx >= 1e8 || (mn < 1e-4 && mn > 0) || (mn != INFINITY && mx / mn > 1e3 && !all_int && mn < 1e-4);
      // Find the fewest digits that still print every value exactly as at 8.
      int digits = dt == float64 ? 8 : 8;
      ff.precision = digits;
      if (!ff.scientific) {
        int need = 0;
        for (double v : fvals) {
          if (!std::isfinite(v)) continue;
          std::string s = ff.format(v);
          size_t dot = s.find('.');
          if (dot != std::string::npos) need = std::max<int>(need, int(s.size() - dot - 1));
        }
        ff.precision = need;
        if (need == 0) ff.precision = 0;
      }
    } else if (dt.is_unsigned_int()) {
      uvals = a.to_vector<uint64_t>();
    } else if (!dt.is_bool()) {
      ivals = a.to_vector<int64_t>();
    } else {
      ivals = a.to_vector<int64_t>();
    }
    for (int64_t i = 0; i < a.size(); ++i) width = std::max(width, elem(i).size());
  }

  std::string elem(int64_t i) const {
    DType dt = x.dtype();
    if (dt.is_bool()) return ivals[size_t(i)] ? "True" : "False";
    if (dt.is_floating()) {
      if (ff.precision == 0 && !ff.scientific) {
        double v = fvals[size_t(i)];
        if (!std::isfinite(v)) return FloatFormat{}.format(v);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.0f.", v);
        return buf;
      }
      return ff.format(fvals[size_t(i)]);
    }
    if (dt.is_unsigned_int()) return std::to_string(uvals[size_t(i)]);
    return std::to_string(ivals[size_t(i)]);
  }

  std::string pad(std::string s) const {
    if (s.size() < width) s.insert(0, width - s.size(), ' ');
    return s;
  }

  // Recursively prints dimension `d` starting at flat offset `off`.
  void rec(std::ostream& os, int d, int64_t off, int indent) const {
    const Shape& s = x.shape();
    if (d == x.ndim()) {
      os << pad(elem(off));
      return;
    }
    int64_t n = s[size_t(d)];
    int64_t stride = 1;
    for (size_t k = size_t(d) + 1; k < s.size(); ++k) stride *= s[k];
    os << "[";
    bool last = d == x.ndim() - 1;
    for (int64_t i = 0; i < n; ++i) {
      if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
        os << "...";
        if (last) os << ", ";
        else os << ",\n" << std::string(size_t(indent + 1), ' ');
        i = n - kEdgeItems - 1;
        continue;
      }
      if (i > 0) {
        if (last) os << ", ";
        else os << "," << std::string(size_t(x.ndim() - d - 1), '\n') << std::string(size_t(indent + 1), ' ');
      }
      rec(os, d + 1, off + i * stride, indent + 1);
    }
    os << "]";
  }
};

}  // namespace

std::string array_str(const Array& x) {
  std::ostringstream os;
  Printer p(x);
  p.rec(os, 0, 0, 0);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Array& x) {
  if (!x.defined()) return os << "Array(<empty>)";
  if (x.is_tracer()) return os << "Traced<" << x.aval().str() << ">";
  std::ostringstream body;
  Printer p(x);
  const int indent = 6;  // strlen("Array(")
  p.rec(body, 0, 0, indent);
  std::string b = body.str();
  os << "Array(" << b;
  bool default_int = x.dtype() == int32, default_float = x.dtype() == float32, is_bool = x.dtype().is_bool();
  (void)default_int;
  (void)default_float;
  (void)is_bool;
  // JAX always shows the dtype (repr of jax.Array); it adds weak_type=True for weak values.
  os << ", dtype=" << x.dtype().name();
  if (x.weak_type()) os << ", weak_type=True";
  return os << ")";
}

}  // namespace jx
