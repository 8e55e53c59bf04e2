// jx::np functions whose output size depends on the values: nonzero,
// flatnonzero, argwhere, one-argument where, extract and unique. As in JAX a
// static `size` makes them traceable; without one the input must be
// concrete and the size is read from it. nonzero follows jnp (a prefix sum of
// the mask, then a scatter of flat positions); unique sorts on the host for
// concrete inputs and, traced, ranks every element against every other.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "jx/numpy_indexing.h"
#include "numpy/np_internal.h"

namespace jx::np {

using namespace detail;

namespace {

using Ints = std::vector<int64_t>;

// Inclusive prefix sum of a 1-d array by log2(n) shifted adds (lax ops, so
// it works under every transformation; lax has no cumsum yet).
Array prefix_sum(const Array& x) {
  int64_t n = x.shape()[0];
  Array acc = x;
  for (int64_t s = 1; s < n; s *= 2) {
    Array shifted = lax::pad(lax::slice(acc, {0}, {n - s}), scalar(0, x.dtype()), {lax::PadConfig{s, 0, 0}});
    acc = lax::add(acc, shifted);
  }
  return acc;
}

[[noreturn]] void need_size(std::string_view op, const Array& x) {
  throw_error(op, "the shape of the result depends on the values of the input " + x.aval().str() +
                      ", which are not known inside a transformation (jit, vmap, grad); pass a static "
                      "size: np::" + std::string(op) + "(..., {.size = n})");
}

int64_t checked_size(std::string_view op, const StaticSize& s) {
  if (*s.size < 0) throw_error(op, "size must be non-negative, got " + std::to_string(*s.size));
  return *s.size;
}

DType flat_index_dtype(int64_t n) { return n > std::numeric_limits<int32_t>::max() ? int64 : int32; }

// A scatter of one element per position of a 1-d `pos` into a 1-d operand.
const lax::ScatterDimensionNumbers kScatter1d{{}, {0}, {0}};

Array column(const Array& v) { return lax::expand_dims(v, {1}); }

std::vector<Array> nonzero_impl(std::string_view op, const Array& a, const StaticSize& s) {
  if (a.ndim() == 0)
    throw_error(op, "calling nonzero on 0-d arrays is not allowed; use np::atleast_1d(x)");
  int64_t n = a.size();
  Array mask = lax::reshape(to_bool(a), Shape{n});
  DType dt = flat_index_dtype(n);
  int64_t L;
  if (s.size) {
    L = checked_size(op, s);
  } else {
    if (a.is_tracer()) need_size(op, a);
    L = n ? lax::reduce_sum(convert(mask, int32), {0}).item<int64_t>() : 0;
  }
  std::vector<Array> out;
  if (n == 0 || L == 0) {
    for (int i = 0; i < a.ndim(); ++i) out.push_back(filled(Shape{L}, 0, dt));
    return out;
  }
  // Element p (if nonzero) goes to slot cumsum(mask)[p] - 1; the others to L (dropped).
  Array csum = prefix_sum(convert(mask, dt));
  Array pos = select(mask, lax::sub(csum, filled({n}, 1, dt)), filled({n}, double(L), dt));
  Array flat = lax::scatter(filled({L}, double(n), dt), column(pos), lax::iota(dt, Shape{n}), kScatter1d,
                            {.unique_indices = true});
  Array valid;
  if (s.fill_value) {
    Array count = lax::reduce_sum(convert(mask, dt), {0});
    valid = lax::lt(lax::iota(dt, Shape{L}), lax::broadcast_in_dim(count, Shape{L}, {}));
  }
  int64_t stride = n;
  for (int i = 0; i < a.ndim(); ++i) {
    int64_t d = a.shape()[size_t(i)];
    stride /= d;
    Array c = lax::rem(lax::div(flat, filled({L}, double(stride), dt)), filled({L}, double(d), dt));
    if (s.fill_value) c = select(valid, c, filled({L}, *s.fill_value, dt));
    out.push_back(c);
  }
  return out;
}

// ------------------------------------------------------------------ unique
struct UniqueParts {
  Array values, indices, inverse, counts;
};

template <class T>
double as_double(T v) {
  if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) return double(float(v));
  else return double(v);
}
template <class T>
T from_double(double v) {
  if constexpr (std::is_same_v<T, bool>) return v != 0;
  else if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) return T(float(v));
  else return T(v);
}
template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>)
    return std::isnan(as_double(v));
  else return false;
}
// NaN sorts last; NaNs are equal to each other (jnp.unique's equal_nan).
template <class T>
bool key_less(T a, T b) {
  if (is_nan(a) || is_nan(b)) return !is_nan(a) && is_nan(b);
  if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) return float(a) < float(b);
  else return a < b;
}
template <class T>
bool key_equal(T a, T b) {
  return !key_less(a, b) && !key_less(b, a);
}

// Concrete input: a stable sort on the host.
UniqueParts unique_host(std::string_view op, const Array& x, const StaticSize& s) {
  return dispatch_dtype(x.dtype(), [&]<class T>() {
    int64_t n = x.size();
    const T* v = static_cast<const T*>(x.data(op));
    std::vector<int64_t> perm(static_cast<size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return key_less(v[a], v[b]); });
    std::vector<T> values;
    std::vector<int32_t> first, counts, inverse(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      int64_t p = perm[size_t(k)];
      if (k == 0 || !key_equal(v[perm[size_t(k - 1)]], v[p])) {
        values.push_back(v[p]);
        first.push_back(int32_t(p));
        counts.push_back(0);
      }
      ++counts.back();
      inverse[size_t(p)] = int32_t(values.size() - 1);
    }
    int64_t G = int64_t(values.size());
    int64_t L = s.size ? checked_size(op, s) : G;
    if (G == 0 && L > 0 && !s.fill_value)
      throw_error(op, "for a zero-size input with a nonzero size, fill_value must be given");
    T pad_v = s.fill_value ? from_double<T>(*s.fill_value) : (G ? values[0] : T());
    int32_t pad_i = G ? first[0] : 0;
    values.resize(size_t(L), pad_v);
    first.resize(size_t(L), pad_i);
    counts.resize(size_t(L), 0);
    return UniqueParts{np::array(values, Shape{L}), np::array(first, Shape{L}), np::array(inverse, x.shape()),
                       np::array(counts, Shape{L})};
  });
}

// Traced input (size given): element i's slot is the number of distinct
// values below it; the first occurrence of each value writes it there.
UniqueParts unique_traced(std::string_view op, const Array& x, const StaticSize& s) {
  int64_t n = x.size(), L = checked_size(op, s);
  DType dt = x.dtype();
  if (n == 0) {
    if (L > 0 && !s.fill_value) throw_error(op, "for a zero-size input with a nonzero size, fill_value must be given");
    return {filled({L}, s.fill_value.value_or(0), dt), filled({L}, 0, int32), filled(x.shape(), 0, int32),
            filled({L}, 0, int32)};
  }
  Array xf = lax::reshape(x, Shape{n});
  Shape nn{n, n};
  Array xi = lax::broadcast_in_dim(xf, nn, {0}), xj = lax::broadcast_in_dim(xf, nn, {1});
  Array eq = lax::eq(xi, xj), lt = lax::lt(xj, xi);
  if (dt.is_floating()) {
    Array ni = lax::ne(xi, xi), nj = lax::ne(xj, xj);
    eq = lax::bitwise_or(eq, lax::bitwise_and(ni, nj));
    lt = lax::bitwise_or(lt, lax::bitwise_and(ni, lax::bitwise_not(nj)));
  }
  Array earlier = lax::lt(lax::iota(int32, nn, 1), lax::iota(int32, nn, 0));  // j < i
  Array first = lax::bitwise_not(lax::reduce_or(lax::bitwise_and(eq, earlier), {1}));
  Array below = lax::bitwise_and(lt, lax::broadcast_in_dim(first, nn, {1}));
  Array rank = lax::reduce_sum(convert(below, int32), {1});
  Array count = lax::reduce_sum(convert(first, int32), {0});
  Array slot = select(first, rank, filled({n}, double(L), int32));
  UniqueParts u;
  u.values = lax::scatter(filled({L}, 0, dt), column(slot), xf, kScatter1d, {.unique_indices = true});
  u.indices = lax::scatter(filled({L}, 0, int32), column(slot), lax::iota(int32, Shape{n}), kScatter1d,
                           {.unique_indices = true});
  u.counts = lax::scatter_add(filled({L}, 0, int32), column(rank), filled({n}, 1, int32), kScatter1d);
  u.inverse = lax::reshape(rank, x.shape());
  if (L > 0) {
    Array valid = lax::lt(lax::iota(int32, Shape{L}), lax::broadcast_in_dim(count, Shape{L}, {}));
    auto first_of = [&](const Array& v) {
      return lax::broadcast_in_dim(lax::reshape(lax::slice(v, {0}, {1}), Shape{}), Shape{L}, {});
    };
    Array pad_v = s.fill_value ? filled({L}, *s.fill_value, dt) : first_of(u.values);
    u.values = select(valid, u.values, pad_v);
    u.indices = select(valid, u.indices, first_of(u.indices));
  }
  return u;
}

UniqueParts unique_impl(std::string_view op, const Array& x, const StaticSize& s) {
  if (!x.is_tracer()) return unique_host(op, x, s);
  if (!s.size) need_size(op, x);
  return unique_traced(op, x, s);
}

}  // namespace

std::vector<Array> nonzero(const Array& a, StaticSize size, Loc loc) {
  CallSite site(loc);
  return nonzero_impl("nonzero", a, size);
}

Array flatnonzero(const Array& a, StaticSize size, Loc loc) {
  CallSite site(loc);
  return nonzero_impl("flatnonzero", lax::reshape(a, Shape{a.size()}), size)[0];
}

Array argwhere(const Array& a, StaticSize size, Loc loc) {
  CallSite site(loc);
  if (a.ndim() == 0) {
    Array col = nonzero_impl("argwhere", lax::reshape(a, Shape{1}), size)[0];
    return lax::slice(column(col), {0, 0}, {col.shape()[0], 0});
  }
  std::vector<Array> cols;
  for (const Array& c : nonzero_impl("argwhere", a, size)) cols.push_back(column(c));
  return lax::concatenate(cols, 1);
}

std::vector<Array> where(const Array& condition, StaticSize size, Loc loc) {
  CallSite site(loc);
  return nonzero_impl("where", condition, size);
}

Array extract(const Array& condition, const Array& arr, StaticSize s, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "extract";
  Array c = lax::reshape(to_bool(condition), Shape{condition.size()});
  Array x = lax::reshape(arr, Shape{arr.size()});
  int64_t m = std::min(c.size(), x.size());
  if (!s.size && c.size() > m) {
    if (c.is_tracer()) need_size(op, c);
    if (lax::reduce_or(lax::slice(c, {m}, {c.size()}), {0}).item<bool>())
      throw_error(op, "condition contains true entries beyond the " + std::to_string(m) + " elements of arr");
  }
  c = lax::slice(c, {0}, {m});
  x = lax::slice(x, {0}, {m});
  if (!s.size && c.is_tracer()) need_size(op, c);
  StaticSize ns{s.size, std::nullopt};
  Array idx = nonzero_impl(op, c, ns)[0];
  int64_t L = idx.shape()[0];
  double fill = s.fill_value.value_or(0);
  if (m == 0) return filled({L}, fill, arr.dtype(), arr.weak_type());
  Array vals = take(x, idx, 0, "clip");
  if (!s.size) return vals;
  Array count = lax::reduce_sum(convert(c, int32), {0});
  Array valid = lax::lt(lax::iota(int32, Shape{L}), lax::broadcast_in_dim(count, Shape{L}, {}));
  return select(valid, vals, filled({L}, fill, vals.dtype(), vals.weak_type()));
}

Array unique(const Array& x, StaticSize size, Loc loc) {
  CallSite site(loc);
  return unique_impl("unique", x, size).values;
}

UniqueAll unique_all(const Array& x, StaticSize size, Loc loc) {
  CallSite site(loc);
  UniqueParts u = unique_impl("unique_all", x, size);
  return {u.values, u.indices, u.inverse, u.counts};
}

}  // namespace jx::np
