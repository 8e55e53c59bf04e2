// gamma, loggamma, beta, dirichlet. Gamma is Marsaglia-Tsang rejection with
// one key per element (split(key, a.size)), each element running its own
// accept loop exactly as JAX's vmapped _gamma_one does; the loops here run
// eagerly over all elements at once, a lane keeping its state once accepted.
#include <cmath>

#include "random/random_internal.h"

namespace jx::random {

using namespace detail;

namespace {

bool any(std::string_view op, const Array& mask) {
  require_concrete(op, mask);
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < mask.ndim(); ++i) axes.push_back(i);
  Array r = axes.empty() ? mask : lax::reduce_or(mask, axes);
  return r.item<bool>();
}

Array keys_at(const Array& keys3, int64_t k) {
  // (N, n, 2) -> the k-th key of every row: (N, 2).
  const Shape& s = keys3.shape();
  Array sl = lax::slice(keys3, {0, k, 0}, {s[0], k + 1, 2});
  return lax::reshape(sl, Shape{s[0], 2});
}

// _gamma_one for N elements: keys (N, 2), alpha (N,).
Array gamma_one(const Array& keys_in, const Array& alpha, bool log_space, std::string_view op) {
  DType dt = alpha.dtype();
  const Shape& s = alpha.shape();
  auto c = [&](double v) { return full(dt, s, v); };
  Array one = c(1), zero = c(0);
  Array boost_mask = lax::ge(alpha, one);
  Array a = select(boost_mask, alpha, lax::add(alpha, one));
  Array d = lax::sub(a, c(1.0 / 3.0));
  Array cc = lax::div(c(1.0 / 3.0), lax::sqrt(d));

  Array ks = split_each(keys_in, 2);
  Array key = keys_at(ks, 0), subkey = keys_at(ks, 1);
  Array X = zero, V = one, U = c(2);
  for (;;) {
    // Not yet accepted: U >= 1 - 0.0331 X^2  and  log U >= X/2 + d (1 - V + log V).
    Array cond = lax::bitwise_and(
        lax::ge(U, lax::sub(one, lax::mul(c(0.0331), lax::mul(X, X)))),
        lax::ge(lax::log(U),
                lax::add(lax::mul(X, c(0.5)), lax::mul(d, lax::add(lax::sub(one, V), lax::log(V))))));
    if (!any(op, cond)) break;
    Array k3 = split_each(key, 3);
    Array nkey = keys_at(k3, 0), x_key = keys_at(k3, 1), u_key = keys_at(k3, 2);
    // Inner loop: a normal x with v = 1 + c x > 0.
    Array x = zero, v = c(-1);
    for (;;) {
      Array redo = lax::le(v, zero);
      if (!any(op, redo)) break;
      Array k2 = split_each(x_key, 2);
      Array nx = normal_each(keys_at(k2, 1), dt);
      x_key = select(bcast_keys(redo), keys_at(k2, 0), x_key);
      x = select(redo, nx, x);
      v = select(redo, lax::add(one, lax::mul(nx, cc)), v);
    }
    Array nX = lax::mul(x, x);
    Array nV = lax::mul(lax::mul(v, v), v);
    Array nU = uniform_each(u_key, dt);
    key = select(bcast_keys(cond), nkey, key);
    X = select(cond, nX, X);
    V = select(cond, nV, V);
    U = select(cond, nU, U);
  }
  Array inv_alpha = lax::div(one, alpha);
  if (log_space) {
    // -exponential(subkey) = log1p(-u)
    Array log_samples = lax::log1p(lax::neg(uniform_each(subkey, dt)));
    Array no_boost = lax::bitwise_or(boost_mask, lax::eq(log_samples, zero));
    Array log_boost = select(no_boost, zero, lax::mul(log_samples, inv_alpha));
    return lax::add(lax::add(lax::log(d), lax::log(V)), log_boost);
  }
  Array samples = lax::sub(one, uniform_each(subkey, dt));
  Array boost = select(boost_mask, one, lax::pow(samples, inv_alpha));
  return lax::mul(lax::mul(d, V), boost);
}

Array gamma_impl(const Array& key, const ArrayLike& a, OptShape shape, DType dtype, bool log_space,
                 std::string_view op) {
  check_key(op, key);
  check_float(op, dtype);
  Array aa = param(a, dtype, op);
  Shape out = shape.has_value() ? shape.value() : aa.shape();
  check_shape(op, out, {aa.shape()});
  int64_t n = out.numel();
  if (n == 0) return full(dtype, out, 0);
  Array alphas = lax::reshape(bcast(aa, out), Shape{n});
  Array keys = split_shape(key, Shape{n});
  return lax::reshape(gamma_one(keys, alphas, log_space, op), out);
}

}  // namespace

namespace detail {
// Keys (N, 2) selected by a per-element mask (N,).
Array bcast_keys(const Array& mask) {
  Shape s = mask.shape();
  s.push_back(2);
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < mask.ndim(); ++i) dims.push_back(i);
  return lax::broadcast_in_dim(mask, s, dims);
}
}  // namespace detail

Array gamma(const Array& key, const ArrayLike& a, OptShape shape, DType dtype, Loc loc) {
  CallSite site(loc);
  return gamma_impl(key, a, shape, dtype, false, "random.gamma");
}

Array loggamma(const Array& key, const ArrayLike& a, OptShape shape, DType dtype, Loc loc) {
  CallSite site(loc);
  return gamma_impl(key, a, shape, dtype, true, "random.loggamma");
}

Array beta(const Array& key, const ArrayLike& a, const ArrayLike& b, OptShape shape, DType dtype,
           Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.beta";
  check_key(op, key);
  check_float(op, dtype);
  Shape out = shape.has_value() ? shape.value() : broadcast_shapes(op, {a.shape(), b.shape()});
  check_shape(op, out, {a.shape(), b.shape()});
  Array keys = split_shape(key, Shape{2});
  Array aa = bcast(param(a, dtype, op), out), bb = bcast(param(b, dtype, op), out);
  Array la = gamma_impl(keys[0], aa, out, dtype, true, op);
  Array lb = gamma_impl(keys[1], bb, out, dtype, true, op);
  // gamma_a / (gamma_a + gamma_b) without overflow or underflow.
  Array lm = lax::max(la, lb);
  Array ga = lax::exp(lax::sub(la, lm)), gb = lax::exp(lax::sub(lb, lm));
  return lax::div(ga, lax::add(ga, gb));
}

Array dirichlet(const Array& key, const ArrayLike& alpha, OptShape shape, DType dtype, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.dirichlet";
  check_key(op, key);
  check_float(op, dtype);
  Array al = param(alpha, dtype, op);
  if (al.ndim() < 1) throw_error(op, "alpha must have ndim >= 1, got " + al.aval().str());
  int64_t k = al.shape().back();
  Shape batch(std::span<const int64_t>(al.shape().data(), al.shape().size() - 1));
  Shape out = shape.has_value() ? shape.value() : batch;
  check_shape(op, out, {batch});
  Shape full_s = out;
  full_s.push_back(k);
  Array lg = gamma_impl(key, al, full_s, dtype, true, op);
  // softmax along the last axis.
  int64_t last = int64_t(full_s.size()) - 1;
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < last; ++i) dims.push_back(i);
  Array mx = lax::broadcast_in_dim(lax::reduce_max(lg, {last}), full_s, dims);
  Array e = lax::exp(lax::sub(lg, mx));
  Array sum = lax::broadcast_in_dim(lax::reduce_sum(e, {last}), full_s, dims);
  return lax::div(e, sum);
}

}  // namespace jx::random
