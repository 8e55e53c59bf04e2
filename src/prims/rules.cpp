#include "prims/rules.h"

#include <algorithm>

#include "backend/cpu/kernels.h"
#include "jx/lax.h"

namespace jx::prims {

bool dtype_in(DType dt, unsigned classes) {
  if (dt.is_bool()) return classes & kBoolClass;
  if (dt.is_signed_int()) return classes & kSignedClass;
  if (dt.is_unsigned_int()) return classes & kUnsignedClass;
  return classes & kFloatClass;
}

std::string class_name(unsigned c) {
  switch (c) {
    case kFloatClass: return "a floating";
    case kIntClass: return "an integer";
    case kNumClass: return "a numeric (integer or floating)";
    case kBoolOrIntClass: return "a boolean or integer";
    case kSignedClass | kFloatClass: return "a signed integer or floating";
    case kIntClass | kFloatClass | kBoolClass: return "any";
    default: return "a supported";
  }
}

std::string avals_str(std::span<const Aval> avals) {
  std::string s;
  for (size_t i = 0; i < avals.size(); ++i) s += (i ? ", " : "") + avals[i].str();
  return s;
}

void check_dtype(std::string_view op, const Aval& a, unsigned classes) {
  if (!dtype_in(a.dtype, classes))
    throw_error(op, "expected " + class_name(classes) + " dtype, got " +
                        std::string(a.dtype.name()) + " (operand " + a.str() + ")");
}

void check_same(std::string_view op, std::span<const Aval> avals) {
  for (size_t i = 1; i < avals.size(); ++i) {
    if (!(avals[i].shape == avals[0].shape))
      throw_error(op, "operands must have equal shapes, got " + avals[0].shape.str() + " and " +
                          avals[i].shape.str() + " (jx::np broadcasts; jx::lax does not)");
    if (!(avals[i].dtype == avals[0].dtype))
      throw_error(op, "operands must have equal dtypes, got " + std::string(avals[0].dtype.name()) +
                          " and " + std::string(avals[i].dtype.name()) +
                          " (jx::np promotes; jx::lax does not)");
  }
}

bool all_weak(std::span<const Aval> avals) {
  return std::all_of(avals.begin(), avals.end(), [](const Aval& a) { return a.weak_type; });
}

int64_t canonical_axis(std::string_view op, int64_t axis, int64_t ndim) {
  if (axis < -ndim || axis >= ndim || (ndim == 0))
    throw_error(op, "axis " + std::to_string(axis) + " is out of bounds for an array of rank " +
                        std::to_string(ndim));
  return axis < 0 ? axis + ndim : axis;
}

std::vector<int64_t> canonical_axes(std::string_view op, std::span<const int64_t> axes,
                                    int64_t ndim) {
  std::vector<int64_t> out;
  for (int64_t a : axes) {
    int64_t c = canonical_axis(op, a, ndim);
    if (std::find(out.begin(), out.end(), c) != out.end())
      throw_error(op, "repeated axis " + std::to_string(a) + " in " + shape_str(axes));
    out.push_back(c);
  }
  return out;
}

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

Array move_axis(const Array& x, int from, int to) {
  if (from == to) return x;
  std::vector<int64_t> perm;
  for (int k = 0; k < x.ndim(); ++k)
    if (k != from) perm.push_back(k);
  perm.insert(perm.begin() + to, from);
  return lax::transpose(x, perm);
}

Array add_batch_axis(const Array& x, int64_t size, int at) {
  Shape s = x.shape();
  s.insert(size_t(at), size);
  std::vector<int64_t> bd;
  for (int k = 0; k < int(s.size()); ++k)
    if (k != at) bd.push_back(k);
  return lax::broadcast_in_dim(x, s, bd);
}

int64_t batch_size(std::span<const Array> vals, std::span<const int> dims) {
  for (size_t i = 0; i < vals.size(); ++i)
    if (dims[i] >= 0) return vals[i].shape()[size_t(dims[i])];
  return 1;
}

int align_batch_dims(std::vector<Array>& vals, std::span<const int> dims) {
  int d = -1;
  for (size_t i = 0; i < vals.size() && d < 0; ++i)
    if (dims[i] >= 0) d = dims[i];
  int64_t n = batch_size(vals, dims);
  for (size_t i = 0; i < vals.size(); ++i) {
    if (dims[i] < 0) {
      // 0-d operands of select_n/clamp-style ops broadcast like the rest.
      int at = std::min<int>(d, vals[i].ndim());
      vals[i] = add_batch_axis(vals[i], n, at);
      if (at != d) vals[i] = move_axis(vals[i], at, d);
    } else if (dims[i] != d) {
      vals[i] = move_axis(vals[i], dims[i], d);
    }
  }
  return d;
}

Array zeros_like(const Array& x) { return full_like(x, 0.0); }

Array full_like(const Array& x, double v) {
  Array s = scalar_array(v, x.dtype(), x.weak_type());
  if (x.ndim() == 0) return s;
  return lax::broadcast_in_dim(s, x.shape(), {});
}

}  // namespace jx::prims
