// Continuous samplers built on uniform bits: uniform, normal,
// truncated_normal, exponential, laplace, logistic, cauchy, gumbel,
// multivariate_normal, orthogonal. Each follows jax/_src/random.py step by
// step so that the same key gives the same values.
#include <cmath>

#include "jx/transforms_flat.h"
#include "random/random_internal.h"

namespace jx::random {
namespace detail {

int nmant(DType dt) {
  switch (dt.id) {
    case DTypeId::kFloat16: return 10;
    case DTypeId::kBFloat16: return 7;
    case DTypeId::kFloat64: return 52;
    default: return 23;
  }
}

int uniform_rng_bits(DType dt) { return nmant(dt) < 8 ? 8 : dt.bits(); }

namespace {

DType uint_of_width(int bits) {
  return bits == 8 ? uint8 : bits == 16 ? uint16 : bits == 32 ? uint32 : uint64;
}

// The bit pattern of 1.0 in dt.
uint64_t one_bits(DType dt) {
  switch (dt.id) {
    case DTypeId::kFloat16: return 0x3C00u;
    case DTypeId::kBFloat16: return 0x3F80u;
    case DTypeId::kFloat64: return 0x3FF0000000000000ull;
    default: return 0x3F800000u;
  }
}

// finfo(dt).tiny / eps / epsneg.
double tiny(DType dt) {
  return dt == float16 ? std::ldexp(1.0, -14) : dt == float64 ? std::ldexp(1.0, -1022)
                                                              : std::ldexp(1.0, -126);
}
double eps(DType dt) { return std::ldexp(1.0, -nmant(dt)); }
double epsneg(DType dt) { return std::ldexp(1.0, -nmant(dt) - 1); }

Array fill_like(const Array& x, double v) { return full(x.dtype(), x.shape(), v); }

// uniform with scalar bounds.
Array uniform_scalar_bounds(const Array& key, const Shape& shape, DType dt, double lo, double hi) {
  return uniform_impl(key, shape, dt, full(dt, shape, lo), full(dt, shape, hi));
}

}  // namespace

Array floats_from_bits(const Array& bits, DType dt) {
  int nbits = dt.bits();
  DType udt = uint_of_width(nbits);
  int rng = uniform_rng_bits(dt);
  Array b = bits.dtype() == udt ? bits : lax::convert_element_type(bits, udt);
  const Shape& s = b.shape();
  // Random mantissa under the exponent of 1.0: a float in [1, 2), minus 1.
  Array fb = lax::shift_right_logical(b, full(udt, s, rng - nmant(dt)));
  fb = lax::bitwise_or(fb, lax::broadcast_in_dim(scalar_bits(udt, one_bits(dt)), s, {}));
  return lax::sub(lax::bitcast_convert_type(fb, dt), full(dt, s, 1.0));
}

namespace {

// Error-free float64 transformations for emulating a fused multiply-add
// with plain lax ops.
std::array<Array, 2> two_sum(const Array& a, const Array& b) {  // a + b = s + e exactly
  Array s = lax::add(a, b);
  Array bv = lax::sub(s, a), av = lax::sub(s, bv);
  return {s, lax::add(lax::sub(a, av), lax::sub(b, bv))};
}

std::array<Array, 2> two_prod(const Array& a, const Array& b) {  // a * b = p + e exactly
  auto split = [](const Array& x) {  // Veltkamp: x = hi + lo, 26 bits each
    Array t = lax::mul(full(float64, x.shape(), 134217729.0), x);
    Array hi = lax::sub(t, lax::sub(t, x));
    return std::array<Array, 2>{hi, lax::sub(x, hi)};
  };
  Array p = lax::mul(a, b);
  auto [ah, al] = split(a);
  auto [bh, bl] = split(b);
  Array e = lax::add(lax::add(lax::add(lax::sub(lax::mul(ah, bh), p), lax::mul(ah, bl)), lax::mul(al, bh)),
                     lax::mul(al, bl));
  return {p, e};
}

// x + y rounded to odd: an inexact sum with an even last bit moves one ulp
// towards the exact value.
Array add_round_to_odd(const Array& x, const Array& y) {
  auto [s, e] = two_sum(x, y);
  const Shape& sh = s.shape();
  Array bits = lax::bitcast_convert_type(s, uint64);
  Array even = lax::eq(lax::bitwise_and(bits, lax::broadcast_in_dim(scalar_bits(uint64, 1), sh, {})),
                       lax::broadcast_in_dim(scalar_bits(uint64, 0), sh, {}));
  Array inexact = lax::ne(e, full(float64, sh, 0.0));
  Array toward = select(lax::gt(e, full(float64, sh, 0.0)), full(float64, sh, INFINITY),
                        full(float64, sh, -INFINITY));
  return select(lax::bitwise_and(inexact, even), lax::nextafter(s, toward), s);
}

// fma(a, b, c) rounded to float32, for float32 (or narrower) operands: the
// product is exact in float64 and a round-to-odd float64 sum rounds to the
// correctly rounded float32 (53 >= 2 * 24 + 2 bits; Boldo & Melquiond,
// "Emulation of FMA and correctly rounded sums", IEEE TC 2008).
Array fma_f32(const Array& a, const Array& b, const Array& c) {
  auto wide = [](const Array& x) { return lax::convert_element_type(x, float64); };
  return lax::convert_element_type(add_round_to_odd(lax::mul(wide(a), wide(b)), wide(c)), float32);
}

// fma(a, b, c) in float64, correctly rounded (the same paper's Algorithm 5):
// exact product, exact add of c to its high part, the low parts summed to
// odd, one final rounding.
Array fma_f64(const Array& a, const Array& b, const Array& c) {
  auto [uh, ul] = two_prod(a, b);
  auto [th, tl] = two_sum(c, uh);
  return lax::add(th, add_round_to_odd(tl, ul));
}

}  // namespace

Array scale_uniform(const Array& floats, const Array& minval, const Array& maxval) {
  DType dt = floats.dtype();
  Array span = lax::sub(maxval, minval);
  Array r;
  // XLA:CPU (on this x86 target, with FMA) contracts floats * span + minval
  // into one fused multiply-add for float32 and float64, and for float16
  // (computed in float32, then rounded); bfloat16 stays two separately
  // rounded ops. The fixtures pin each case down.
  if (dt == float32 || dt == float16) {
    r = fma_f32(floats, span, minval);
    if (dt == float16) r = lax::convert_element_type(r, float16);
  } else if (dt == float64) {
    r = fma_f64(floats, span, minval);
  } else {
    r = lax::add(lax::mul(floats, span), minval);
  }
  return lax::max(minval, r);
}

Array uniform_impl(const Array& key, const Shape& shape, DType dt, const Array& minval,
                   const Array& maxval) {
  Array floats = floats_from_bits(random_bits(key, uniform_rng_bits(dt), shape), dt);
  return scale_uniform(floats, minval, maxval);
}

Array uniform_each(const Array& keys, DType dt) {
  return floats_from_bits(random_bits_each(keys, uniform_rng_bits(dt)), dt);
}

Array normal_from_floats(const Array& floats) {
  DType dt = floats.dtype();
  const Shape& s = floats.shape();
  // lo = nextafter(-1, 0); hi - lo rounds to exactly 2 in every float type,
  // so floats * 2 + lo rounds once, fused or not.
  double lo = -(1.0 - std::ldexp(1.0, -nmant(dt) - 1));
  Array lo_a = full(dt, s, lo);
  Array u = lax::max(lo_a, lax::add(lax::mul(floats, full(dt, s, 2.0)), lo_a));
  return lax::mul(full(dt, s, std::sqrt(2.0)), lax::erf_inv(u));
}

Array normal_impl(const Array& key, const Shape& shape, DType dt) {
  return normal_from_floats(floats_from_bits(random_bits(key, uniform_rng_bits(dt), shape), dt));
}

Array normal_each(const Array& keys, DType dt) { return normal_from_floats(uniform_each(keys, dt)); }

Array gumbel_impl(const Array& key, const Shape& shape, DType dt, bool high) {
  if (!high) {
    Array u = uniform_scalar_bounds(key, shape, dt, tiny(dt), 1.0);
    return lax::neg(lax::log(lax::neg(lax::log(u))));
  }
  Shape s2 = shape;
  s2.insert(0, 2);
  Array both = floats_from_bits(random_bits(key, uniform_rng_bits(dt), s2), dt);
  std::vector<int64_t> start(s2.size(), 0), limit(s2.begin(), s2.end());
  limit[0] = 1;
  Array hi = lax::reshape(lax::slice(both, start, limit), shape);
  start[0] = 1;
  limit[0] = 2;
  Array lo = lax::reshape(lax::slice(both, start, limit), shape);
  Array x = select(lax::ge(hi, fill_like(hi, 0.5)), hi,
                   lax::add(lax::add(hi, lax::mul(fill_like(lo, std::ldexp(1.0, -nmant(dt))), lo)),
                            fill_like(hi, tiny(dt))));
  return lax::neg(lax::log(lax::neg(lax::log1p(lax::neg(x)))));
}

}  // namespace detail

using namespace detail;

namespace {

bool is_scalar_value(const ArrayLike& x, double v) { return x.is_scalar() && x.scalar_value() == v; }

}  // namespace

Array uniform(const Array& key, const Shape& shape, DType dtype, const ArrayLike& minval,
              const ArrayLike& maxval, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.uniform";
  check_key(op, key);
  check_float(op, dtype);
  check_shape(op, shape, {minval.shape(), maxval.shape()});
  Array floats = floats_from_bits(random_bits(key, uniform_rng_bits(dtype), shape), dtype);
  // max(0, floats * 1 + 0) is floats itself.
  if (is_scalar_value(minval, 0.0) && is_scalar_value(maxval, 1.0)) return floats;
  return scale_uniform(floats, bcast(param(minval, dtype, op), shape),
                       bcast(param(maxval, dtype, op), shape));
}

Array normal(const Array& key, const Shape& shape, DType dtype, Loc loc) {
  CallSite site(loc);
  check_key("random.normal", key);
  check_float("random.normal", dtype);
  return normal_impl(key, shape, dtype);
}

Array truncated_normal(const Array& key, const ArrayLike& lower, const ArrayLike& upper,
                       OptShape shape, DType dtype, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.truncated_normal";
  check_key(op, key);
  check_float(op, dtype);
  Shape out = shape.has_value() ? shape.value()
                                : broadcast_shapes(op, {lower.shape(), upper.shape()});
  check_shape(op, out, {lower.shape(), upper.shape()});
  Array lo = param(lower, dtype, op), hi = param(upper, dtype, op);
  auto erf_scaled = [&](const Array& x) {
    return lax::erf(lax::div(x, full(dtype, x.shape(), std::sqrt(2.0))));
  };
  Array u = uniform_impl(key, out, dtype, bcast(erf_scaled(lo), out), bcast(erf_scaled(hi), out));
  Array z = lax::mul(full(dtype, out, std::sqrt(2.0)), lax::erf_inv(u));
  // Clamp to the open interval (lower, upper): rounding may land on a bound.
  // As JAX, the clamp bounds carry no gradient.
  Array lo_in = lax::nextafter(bcast(stop_gradient(lo), out), full(dtype, out, INFINITY));
  Array hi_in = lax::nextafter(bcast(stop_gradient(hi), out), full(dtype, out, -INFINITY));
  return lax::min(lax::max(z, lo_in), hi_in);
}

Array exponential(const Array& key, const Shape& shape, DType dtype, Loc loc) {
  CallSite site(loc);
  check_key("random.exponential", key);
  check_float("random.exponential", dtype);
  Array u = floats_from_bits(random_bits(key, uniform_rng_bits(dtype), shape), dtype);
  return lax::neg(lax::log1p(lax::neg(u)));
}

Array laplace(const Array& key, const Shape& shape, DType dtype, Loc loc) {
  CallSite site(loc);
  check_key("random.laplace", key);
  check_float("random.laplace", dtype);
  Array u = uniform_scalar_bounds(key, shape, dtype, -1.0 + epsneg(dtype), 1.0);
  return lax::mul(lax::sign(u), lax::log1p(lax::neg(lax::abs(u))));
}

Array logistic(const Array& key, const Shape& shape, DType dtype, Loc loc) {
  CallSite site(loc);
  check_key("random.logistic", key);
  check_float("random.logistic", dtype);
  Array x = uniform_scalar_bounds(key, shape, dtype, tiny(dtype), 1.0);
  return lax::sub(lax::log(x), lax::log1p(lax::neg(x)));
}

Array cauchy(const Array& key, const Shape& shape, DType dtype, Loc loc) {
  CallSite site(loc);
  check_key("random.cauchy", key);
  check_float("random.cauchy", dtype);
  Array u = uniform_scalar_bounds(key, shape, dtype, eps(dtype), 1.0);
  return lax::tan(lax::mul(fill_like(u, M_PI), lax::sub(u, fill_like(u, 0.5))));
}

Array gumbel(const Array& key, const Shape& shape, DType dtype, std::string_view mode, Loc loc) {
  CallSite site(loc);
  check_key("random.gumbel", key);
  check_float("random.gumbel", dtype);
  if (mode != "low" && mode != "high")
    throw_error("random.gumbel", "mode must be \"low\" or \"high\", got \"" + std::string(mode) + "\"");
  return gumbel_impl(key, shape, dtype, mode == "high");
}

Array multivariate_normal(const Array& key, const Array& mean, const Array& cov, OptShape shape,
                          DType dtype, std::string_view method, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.multivariate_normal";
  check_key(op, key);
  check_float(op, dtype);
  if (method != "cholesky")
    throw_error(op, "method \"" + std::string(method) +
                        "\" is not available: only \"cholesky\" is implemented (svd and eigh "
                        "need linear-algebra primitives jx does not have yet)");
  if (mean.ndim() < 1) throw_error(op, "mean must have ndim >= 1, got " + mean.aval().str());
  if (cov.ndim() < 2) throw_error(op, "cov must have ndim >= 2, got " + cov.aval().str());
  int64_t n = mean.shape().back();
  const Shape& cs = cov.shape();
  if (cs[cs.size() - 1] != n || cs[cs.size() - 2] != n)
    throw_error(op, "cov must have shape (..., n, n) with n = " + std::to_string(n) +
                        " from mean " + mean.aval().str() + ", got " + cov.aval().str());
  Shape mean_batch(std::span<const int64_t>(mean.shape().data(), mean.shape().size() - 1));
  Shape cov_batch(std::span<const int64_t>(cs.data(), cs.size() - 2));
  Shape batch = shape.has_value() ? shape.value() : broadcast_shapes(op, {mean_batch, cov_batch});
  check_shape(op, batch, {mean_batch, cov_batch});
  Array m = lax::convert_element_type(mean, dtype);
  Array factor = cholesky(lax::convert_element_type(cov, dtype));
  Shape vec = batch, mat = batch;
  vec.push_back(n);
  mat.push_back(n);
  mat.push_back(n);
  Array z = normal_impl(key, vec, dtype);
  // einsum('...ij,...j->...i', factor, z)
  std::vector<int64_t> zdims;
  for (size_t i = 0; i < batch.size(); ++i) zdims.push_back(int64_t(i));
  zdims.push_back(int64_t(batch.size()) + 1);
  Array prod = lax::mul(bcast(factor, mat), lax::broadcast_in_dim(z, mat, zdims));
  Array y = lax::reduce_sum(prod, {int64_t(mat.size()) - 1});
  return lax::add(bcast(m, vec), y);
}

Array orthogonal(const Array& key, int64_t n, const Shape& shape, DType dtype,
                 std::optional<int64_t> m, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.orthogonal";
  check_key(op, key);
  check_float(op, dtype);
  int64_t mm = m.value_or(n);
  if (n < 0 || mm < 0)
    throw_error(op, "n and m must be non-negative, got n=" + std::to_string(n) +
                        ", m=" + std::to_string(mm));
  Shape zs = shape;
  zs.push_back(std::max(n, mm));
  zs.push_back(std::min(n, mm));
  // Q of z's QR with R's diagonal made positive: JAX's q * sign(diag(r)).
  Array q = qr_q(normal_impl(key, zs, dtype));
  if (n < mm) {
    int64_t r = q.ndim();
    q = move_axis(q, int(r - 1), int(r - 2));
  }
  return q;
}

}  // namespace jx::random
