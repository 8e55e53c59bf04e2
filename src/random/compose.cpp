// Stand-ins for library primitives jx does not have yet (sort, gather,
// cumsum, searchsorted, Cholesky, QR), composed from jx::lax ops so
// that the samplers needing them work today, eagerly and under tracing. They
// are exact where the samplers need exactness (the sort is stable and gives
// JAX's permutations) but slower than real primitives: replace them once
// lax.sort / gather / linalg land.
#include <cmath>
#include <limits>

#include "random/random_internal.h"

namespace jx::random::detail {
namespace {

Array slice_axis(const Array& x, int axis, int64_t start, int64_t stop) {
  std::vector<int64_t> s(size_t(x.ndim()), 0), l(x.shape().begin(), x.shape().end());
  s[size_t(axis)] = start;
  l[size_t(axis)] = stop;
  return lax::slice(x, s, l);
}

// The value that sorts after every real key (ties are broken by index).
Array pad_value(DType dt, bool descending) {
  if (dt.is_floating()) return scalar(dt, descending ? -INFINITY : INFINITY);
  return dispatch_dtype(dt, [&]<class T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      T v = descending ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
      return make_from_host(&v, Aval{dt, {}, false}, default_device());
    } else {
      return scalar(dt, descending ? 0 : 1);
    }
  });
}

Array pad_axis0(const Array& x, int64_t extra, const Array& value) {
  std::vector<lax::PadConfig> cfg(size_t(x.ndim()));
  cfg[0].high = extra;
  return lax::pad(x, value, cfg);
}

// Lowest value of dt (fill for a max-reduction that must return the selected
// element exactly, signed zeros and NaN included).
Array lowest(DType dt) {
  if (dt.is_bool()) return scalar(dt, 0);
  if (dt.is_floating()) return scalar(dt, -INFINITY);
  return pad_value(dt, true);
}

}  // namespace

std::vector<Array> sort_by_key(const Array& keys, std::vector<Array> values, bool descending) {
  int64_t n = keys.ndim() ? keys.shape()[0] : 1;
  if (keys.ndim() == 0 || n <= 1) {
    values.insert(values.begin(), keys);
    return values;
  }
  int64_t P = 1;
  while (P < n) P *= 2;
  // The index breaks ties, so every (key, index) pair is distinct and the
  // network's result is the stable order; padding sorts last.
  DType idx_dt = P <= (int64_t(1) << 31) ? int32 : int64;
  Shape ks = keys.shape();
  ks[0] = P;
  Array k = P == n ? keys : pad_axis0(keys, P - n, pad_value(keys.dtype(), descending));
  Array idx = lax::iota(idx_dt, ks, 0);
  for (Array& v : values) v = P == n ? v : pad_axis0(v, P - n, scalar(v.dtype(), 0));

  // One compare-exchange layer: elements i and partner(i) inside blocks of
  // `block` elements; flip pairs i with block-1-i (the bitonic merge's first
  // layer written without direction masks), otherwise i with i + block/2.
  auto layer = [&](int64_t block, bool flip) {
    int64_t h = block / 2;
    auto halves = [&](const Array& a) {
      Shape s = a.shape();
      Shape r;
      r.push_back(P / block);
      r.push_back(2);
      r.push_back(h);
      for (size_t i = 1; i < s.size(); ++i) r.push_back(s[i]);
      Array a3 = lax::reshape(a, r);
      Array first = slice_axis(a3, 1, 0, 1), second = slice_axis(a3, 1, 1, 2);
      if (flip) second = lax::rev(second, {2});
      return std::array<Array, 2>{first, second};
    };
    auto [k1, k2] = halves(k);
    auto [i1, i2] = halves(idx);
    Array before = descending ? lax::gt(k2, k1) : lax::lt(k2, k1);
    Array swap = lax::bitwise_or(before, lax::bitwise_and(lax::eq(k2, k1), lax::lt(i2, i1)));
    auto exchange = [&](const Array& a, const Array& first, const Array& second) {
      Array m = swap;
      if (first.ndim() > swap.ndim()) {
        std::vector<int64_t> dims;
        for (int64_t d = 0; d < swap.ndim(); ++d) dims.push_back(d);
        m = lax::broadcast_in_dim(swap, first.shape(), dims);
      }
      Array nf = select(m, second, first), ns = select(m, first, second);
      if (flip) ns = lax::rev(ns, {2});
      return lax::reshape(lax::concatenate({nf, ns}, 1), a.shape());
    };
    k = exchange(k, k1, k2);
    idx = exchange(idx, i1, i2);
    for (Array& v : values) {
      auto [v1, v2] = halves(v);
      v = exchange(v, v1, v2);
    }
  };
  for (int64_t block = 2; block <= P; block *= 2) {
    layer(block, true);
    for (int64_t b = block / 2; b >= 2; b /= 2) layer(b, false);
  }
  std::vector<Array> out{P == n ? k : slice_axis(k, 0, 0, n)};
  for (Array& v : values) out.push_back(P == n ? v : slice_axis(v, 0, 0, n));
  return out;
}

Array take(const Array& x, const Array& indices, int axis) {
  // One-hot selection: out[d, r] = max_i where(indices[d] == i, x[i, r], lowest).
  Array xm = move_axis(x, axis, 0);
  int64_t n = xm.shape()[0];
  Shape D = indices.shape();
  Shape R(std::span<const int64_t>(xm.shape().data() + 1, xm.shape().size() - 1));
  Shape dn = D;
  dn.push_back(n);
  Shape full_s = dn;
  for (int64_t d : R) full_s.push_back(d);
  std::vector<int64_t> ddims;
  for (size_t i = 0; i < D.size(); ++i) ddims.push_back(int64_t(i));
  Array ind = lax::broadcast_in_dim(indices, dn, ddims);
  Array onehot = lax::eq(ind, lax::iota(indices.dtype(), dn, int64_t(D.size())));
  std::vector<int64_t> mdims, xdims;
  for (size_t i = 0; i <= D.size(); ++i) mdims.push_back(int64_t(i));
  for (size_t i = 0; i <= R.size(); ++i) xdims.push_back(int64_t(D.size() + i));
  Array mask = lax::broadcast_in_dim(onehot, full_s, mdims);
  Array xb = lax::broadcast_in_dim(xm, full_s, xdims);
  Array fill = lax::broadcast_in_dim(lowest(x.dtype()), full_s, {});
  Array picked = select(mask, xb, fill);
  Array out = x.dtype().is_bool() ? lax::reduce_or(picked, {int64_t(D.size())})
                                  : lax::reduce_max(picked, {int64_t(D.size())});
  // out is D + (x.shape without axis); JAX's layout puts D at `axis`.
  if (axis == 0) return out;
  std::vector<int64_t> perm;
  int64_t nd = int64_t(D.size());
  for (int64_t i = 0; i < axis; ++i) perm.push_back(nd + i);
  for (int64_t i = 0; i < nd; ++i) perm.push_back(i);
  for (int64_t i = nd + axis; i < out.ndim(); ++i) perm.push_back(i);
  return lax::transpose(out, perm);
}

Array cumsum_1d(const Array& x) {
  int64_t n = x.shape()[0];
  Array acc = x;
  for (int64_t s = 1; s < n; s *= 2) {
    std::vector<lax::PadConfig> cfg(1);
    cfg[0].low = s;
    Array shifted = lax::pad(lax::slice(acc, {0}, {n - s}), scalar(x.dtype(), 0), cfg);
    acc = lax::add(acc, shifted);
  }
  return acc;
}

Array searchsorted(const Array& a, const Array& v) {
  int64_t n = a.shape()[0];
  Shape s = v.shape();
  s.push_back(n);
  std::vector<int64_t> vdims;
  for (int64_t i = 0; i < v.ndim(); ++i) vdims.push_back(i);
  Array less = lax::lt(lax::broadcast_in_dim(a, s, {v.ndim()}), lax::broadcast_in_dim(v, s, vdims));
  return lax::reduce_sum(lax::convert_element_type(less, int32), {v.ndim()});
}

namespace {

// Column j of (..., n, m) as (..., n).
Array column(const Array& a, int64_t j) {
  int r = a.ndim();
  Shape s = a.shape();
  Array c = slice_axis(a, r - 1, j, j + 1);
  s.erase(size_t(r - 1));
  return lax::reshape(c, s);
}

// sum_k m[..., i, k] * c[..., k]: (..., n, k) x (..., k) -> (..., n).
Array matvec(const Array& m, const Array& c) {
  std::vector<int64_t> dims;
  int r = m.ndim();
  for (int i = 0; i < r - 2; ++i) dims.push_back(i);
  dims.push_back(r - 1);
  return lax::reduce_sum(lax::mul(m, lax::broadcast_in_dim(c, m.shape(), dims)), {r - 1});
}

// sum_i m[..., i, k] * v[..., i]: (..., n, k) x (..., n) -> (..., k).
Array matvec_t(const Array& m, const Array& v) {
  std::vector<int64_t> dims;
  int r = m.ndim();
  for (int i = 0; i < r - 1; ++i) dims.push_back(i);
  return lax::reduce_sum(lax::mul(m, lax::broadcast_in_dim(v, m.shape(), dims)), {r - 2});
}

Array append_column(const Array& m, const Array& c) {
  Array col = lax::expand_dims(c, {c.ndim()});
  return m.defined() ? lax::concatenate({m, col}, m.ndim() - 1) : col;
}

}  // namespace

Array cholesky(const Array& a) {
  int r = a.ndim();
  int64_t n = a.shape()[size_t(r - 1)];
  if (n == 0) return a;
  Shape vs = a.shape();
  vs.erase(size_t(r - 1));  // (..., n)
  Array rows = lax::iota(int32, vs, r - 2);
  Array l;  // (..., n, j): the columns found so far
  for (int64_t j = 0; j < n; ++j) {
    Array c = column(a, j);
    if (j > 0) {
      Shape rs = vs;
      rs[rs.size() - 1] = j;
      // Row j of the columns so far: (..., j).
      Array row = lax::reshape(slice_axis(l, r - 2, j, j + 1), rs);
      c = lax::sub(c, matvec(l, row));
    }
    Array d = lax::sqrt(slice_axis(c, r - 2, j, j + 1));  // (..., 1)
    Array db = bcast(d, vs);
    c = lax::div(c, db);
    c = select(lax::eq(rows, full(int32, vs, double(j))), db, c);
    c = select(lax::lt(rows, full(int32, vs, double(j))), full(a.dtype(), vs, 0.0), c);
    l = append_column(l, c);
  }
  return l;
}

Array qr_q(const Array& a) {
  int r = a.ndim();
  int64_t m = a.shape()[size_t(r - 1)];
  if (m == 0) return a;
  Array q;
  for (int64_t j = 0; j < m; ++j) {
    Array v = column(a, j);
    // Classical Gram-Schmidt applied twice ("twice is enough") keeps Q
    // orthogonal to working precision for the well-conditioned matrices
    // orthogonal() factors.
    for (int pass = 0; j > 0 && pass < 2; ++pass) v = lax::sub(v, matvec(q, matvec_t(q, v)));
    Array norm = lax::sqrt(lax::reduce_sum(lax::mul(v, v), {r - 2}));
    v = lax::div(v, lax::broadcast_in_dim(norm, v.shape(), [&] {
                   std::vector<int64_t> d;
                   for (int i = 0; i < r - 2; ++i) d.push_back(i);
                   return d;
                 }()));
    q = append_column(q, v);
  }
  return q;
}

}  // namespace jx::random::detail
