// Discrete samplers: bernoulli, rademacher, randint, categorical, poisson.
#include <cmath>
#include <limits>

#include "random/random_internal.h"

namespace jx::random {

using namespace detail;

namespace {

using I128 = __int128;

I128 imin(DType dt) {
  return dispatch_dtype(dt, [&]<class T>() -> I128 {
    if constexpr (std::is_integral_v<T>) return I128(std::numeric_limits<T>::min());
    else return 0;
  });
}
I128 imax(DType dt) {
  return dispatch_dtype(dt, [&]<class T>() -> I128 {
    if constexpr (std::is_integral_v<T>) return I128(std::numeric_limits<T>::max());
    else return 0;
  });
}

// A 0-d integer array holding v (clamped into dt's range).
Array iconst(DType dt, I128 v) {
  v = std::max(imin(dt), std::min(imax(dt), v));
  return scalar_bits(dt, uint64_t(v));
}

// _convert_and_clip_integer: val converted to dt, clipped to dt's range
// instead of wrapping.
Array convert_and_clip(const Array& val, DType dt) {
  DType vt = val.dtype();
  Array lo = lax::broadcast_in_dim(iconst(vt, std::max(imin(dt), imin(vt))), val.shape(), {});
  Array hi = lax::broadcast_in_dim(iconst(vt, std::min(imax(dt), imax(vt))), val.shape(), {});
  return lax::convert_element_type(lax::min(lax::max(val, lo), hi), dt);
}

// A randint bound: C++ integers are int64 (exact), integer arrays keep their
// dtype, floating arrays are truncated to int32 (`astype(int)` in JAX).
Array int_bound(const ArrayLike& x, std::string_view op) {
  if (x.is_scalar()) {
    if (!x.is_int_scalar())
      throw_error(op, "minval and maxval must be integers, got a C++ floating or bool value");
    return iconst(int64, I128(x.int_value()));
  }
  Array a = x.array();
  if (a.dtype().is_bool()) throw_error(op, "minval and maxval must be integers, got " + a.aval().str());
  return a.dtype().is_integer() ? a : lax::convert_element_type(a, int32);
}

DType uint_of(int bits) {
  return bits == 8 ? uint8 : bits == 16 ? uint16 : bits == 32 ? uint32 : uint64;
}

Array randint_impl(const Array& key, Array mn, Array mx, const Shape& shape, DType dt) {
  // maxval above dt's range (randint(k, s, 0, 256, uint8)) widens the span
  // by one so that the top value can be drawn.
  Array top = lax::broadcast_in_dim(convert_and_clip(iconst(dt, imax(dt)), mx.dtype()), mx.shape(), {});
  Array out_of_range = bcast(lax::gt(mx, top), shape);
  mn = bcast(convert_and_clip(mn, dt), shape);
  mx = bcast(convert_and_clip(mx, dt), shape);
  int nbits = dt.bits();
  Array keys = split_shape(key, Shape{2});
  Array higher = random_bits(keys[0], nbits, shape), lower = random_bits(keys[1], nbits, shape);
  DType udt = uint_of(nbits);
  Array one = lax::broadcast_in_dim(iconst(udt, 1), shape, {});
  Array span = lax::convert_element_type(lax::sub(mx, mn), udt);
  span = select(lax::le(mx, mn), one, span);
  span = select(lax::bitwise_and(out_of_range, lax::gt(mx, mn)), lax::add(span, one), span);
  // (hi * 2^nbits + lo) mod span without overflow: 2^nbits mod span is
  // ((2^(nbits/2) mod span)^2) mod span.
  Array half = lax::broadcast_in_dim(iconst(udt, I128(1) << (nbits / 2)), shape, {});
  Array mult = lax::rem(half, span);
  mult = lax::rem(lax::mul(mult, mult), span);
  Array offset = lax::add(lax::mul(lax::rem(higher, span), mult), lax::rem(lower, span));
  offset = lax::rem(offset, span);
  return lax::add(mn, lax::convert_element_type(offset, dt));
}

bool any(const Array& mask) {
  require_concrete("random.poisson", mask);
  Array r = mask;
  if (mask.ndim()) {
    std::vector<int64_t> axes;
    for (int64_t i = 0; i < mask.ndim(); ++i) axes.push_back(i);
    r = lax::reduce_or(mask, axes);
  }
  return r.item<bool>();
}

Array fill(DType dt, const Shape& s, double v) { return full(dt, s, v); }

Array poisson_knuth(const Array& key, const Array& lam, const Shape& shape, DType dtype) {
  Array k = fill(dtype, shape, 0);
  Array log_prod = fill(float32, shape, 0);
  Array neg_lam = lax::neg(lam);
  Array rng = key;
  Array one = fill(dtype, shape, 1);
  for (int64_t i = 0;; ++i) {
    Array live = lax::gt(log_prod, neg_lam);
    if (!any(live) || i >= int64_t(imax(dtype))) break;
    Array keys = split_shape(rng, Shape{2});
    rng = keys[0];
    k = select(live, lax::add(k, one), k);
    Array u = floats_from_bits(random_bits(keys[1], 32, shape), float32);
    log_prod = lax::add(log_prod, lax::log(u));
  }
  return lax::convert_element_type(lax::sub(k, one), dtype);
}

Array poisson_rejection(const Array& key, const Array& lam, const Shape& shape, DType dtype) {
  auto c = [&](double v) { return fill(float32, shape, v); };
  Array log_lam = lax::log(lam);
  Array b = lax::add(c(0.931), lax::mul(c(2.53), lax::sqrt(lam)));
  Array a = lax::add(c(-0.059), lax::mul(c(0.02483), b));
  Array inv_alpha = lax::add(c(1.1239), lax::div(c(1.1328), lax::sub(b, c(3.4))));
  Array v_r = lax::sub(c(0.9277), lax::div(c(3.6224), lax::sub(b, c(2))));
  Array k_out = c(-1);
  Array accepted = lax::broadcast_in_dim(scalar(bool_, 0), shape, {});
  Array rng = key;
  for (int64_t i = 0;; ++i) {
    Array pending = lax::bitwise_not(accepted);
    if (!any(pending) || i >= int64_t(imax(dtype))) break;
    Array keys = split_shape(rng, Shape{3});
    rng = keys[0];
    Array u = lax::sub(floats_from_bits(random_bits(keys[1], 32, shape), float32), c(0.5));
    Array v = floats_from_bits(random_bits(keys[2], 32, shape), float32);
    Array us = lax::sub(c(0.5), lax::abs(u));
    Array k = lax::floor(lax::add(
        lax::add(lax::mul(lax::add(lax::div(lax::mul(c(2), a), us), b), u), lam), c(0.43)));
    Array s = lax::log(lax::div(lax::mul(v, inv_alpha), lax::add(lax::div(a, lax::mul(us, us)), b)));
    Array t = lax::sub(lax::add(lax::neg(lam), lax::mul(k, log_lam)), lax::lgamma(lax::add(k, c(1))));
    Array accept1 = lax::bitwise_and(lax::ge(us, c(0.07)), lax::le(v, v_r));
    Array reject = lax::bitwise_or(lax::lt(k, c(0)),
                                   lax::bitwise_and(lax::lt(us, c(0.013)), lax::gt(v, us)));
    Array accept2 = lax::le(s, t);
    Array accept = lax::bitwise_or(accept1, lax::bitwise_and(lax::bitwise_not(reject), accept2));
    k_out = select(accept, k, k_out);
    accepted = lax::bitwise_or(accepted, accept);
  }
  return lax::convert_element_type(k_out, dtype);
}

}  // namespace

Array bernoulli(const Array& key, const ArrayLike& p, OptShape shape, std::string_view mode, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.bernoulli";
  check_key(op, key);
  if (mode != "low" && mode != "high")
    throw_error(op, "mode must be \"low\" or \"high\", got \"" + std::string(mode) + "\"");
  DType dt = param_float_dtype(op, p, "the probability p");
  Array pa = param(p, dt, op);
  Shape out = shape.has_value() ? shape.value() : pa.shape();
  check_shape(op, out, {pa.shape()});
  Array pb = bcast(pa, out);
  if (mode == "low") return lax::lt(floats_from_bits(random_bits(key, uniform_rng_bits(dt), out), dt), pb);
  Shape s2 = out;
  s2.insert(0, 2);
  Array u = floats_from_bits(random_bits(key, uniform_rng_bits(dt), s2), dt);
  Array u1 = u[0], u2 = u[1];
  u2 = lax::mul(u2, full(dt, out, std::ldexp(1.0, -nmant(dt))));
  return lax::lt(u2, lax::sub(pb, u1));
}

Array rademacher(const Array& key, const Shape& shape, DType dtype, Loc loc) {
  CallSite site(loc);
  check_key("random.rademacher", key);
  if (dtype.is_bool())
    throw_error("random.rademacher", "dtype must be an integer or floating dtype, got bool");
  Array b = lax::convert_element_type(
      lax::lt(floats_from_bits(random_bits(key, 32, shape), float32), full(float32, shape, 0.5)),
      dtype);
  return lax::sub(lax::mul(full(dtype, shape, 2), b), full(dtype, shape, 1));
}

Array randint(const Array& key, const Shape& shape, const ArrayLike& minval,
              const ArrayLike& maxval, DType dtype, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.randint";
  check_key(op, key);
  if (!dtype.is_integer())
    throw_error(op, "dtype must be an integer dtype, got " + std::string(dtype.name()));
  Array mn = int_bound(minval, op), mx = int_bound(maxval, op);
  check_shape(op, shape, {mn.shape(), mx.shape()});
  if (dtype.bits() >= 32) return randint_impl(key, mn, mx, shape, dtype);
  // Narrow types sample in int32 (less modulo bias), bounds clipped to the
  // target range (maxval one past it), then cast.
  auto clip32 = [&](const Array& x, I128 lo, I128 hi) {
    Array v = lax::convert_element_type(x, int32);
    return lax::min(lax::max(v, lax::broadcast_in_dim(iconst(int32, lo), v.shape(), {})),
                    lax::broadcast_in_dim(iconst(int32, hi), v.shape(), {}));
  };
  mn = clip32(mn, imin(dtype), imax(dtype));
  mx = clip32(mx, imin(dtype), imax(dtype) + 1);
  return lax::convert_element_type(randint_impl(key, mn, mx, shape, int32), dtype);
}

Array categorical(const Array& key, const Array& logits, int axis, OptShape shape, bool replace,
                  Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.categorical";
  check_key(op, key);
  DType dt = logits.dtype();
  check_float(op, dt);
  int nd = logits.ndim();
  if (nd == 0) throw_error(op, "logits must have at least one dimension, got " + logits.aval().str());
  if (axis < -nd || axis >= nd)
    throw_error(op, "axis " + std::to_string(axis) + " is out of bounds for logits " + logits.aval().str());
  int ax = axis < 0 ? axis + nd : axis;
  Shape batch;
  for (int i = 0; i < nd; ++i)
    if (i != ax) batch.push_back(logits.shape()[size_t(i)]);
  Shape out = shape.has_value() ? shape.value() : batch;
  check_shape(op, out, {batch});
  size_t np_ = out.size() - batch.size();
  Shape prefix(std::span<const int64_t>(out.data(), np_));
  int64_t n = logits.shape()[size_t(ax)];
  if (replace) {
    // argmax over axis of gumbel(prefix + logits-shaped) + logits.
    Shape gs = prefix;
    for (size_t i = 0; i < batch.size() + 1; ++i) {
      if (int(i) == ax) gs.push_back(n);
      else gs.push_back(out[np_ + (int(i) < ax ? i : i - 1)]);
    }
    Array g = gumbel_impl(key, gs, dt, false);
    Array l = bcast(logits, gs);
    return lax::argmax(lax::add(g, l), int64_t(np_) + ax, int32);
  }
  int64_t k = prefix.numel();
  if (k > n)
    throw_error(op, "cannot draw " + std::to_string(k) + " samples without replacement from " +
                        std::to_string(n) + " categories");
  Array l = lax::add(logits, gumbel_impl(key, logits.shape(), dt, false));
  // Gumbel-top-k: the k largest along axis, ties to the lower index.
  Array lm = move_axis(l, ax, 0);
  Array idx = lax::iota(int32, lm.shape(), 0);
  Array order = sort_by_key(lm, {idx}, /*descending=*/true)[1];
  std::vector<int64_t> start(size_t(order.ndim()), 0), limit(order.shape().begin(), order.shape().end());
  limit[0] = k;
  return lax::reshape(lax::slice(order, start, limit), out);
}

Array poisson(const Array& key, const ArrayLike& lam, OptShape shape, DType dtype, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.poisson";
  check_key(op, key);
  if (!dtype.is_integer())
    throw_error(op, "dtype must be an integer dtype, got " + std::string(dtype.name()));
  Array l = lam.is_scalar() ? param(lam, float32, op) : lam.array();
  Shape out = shape.has_value() ? shape.value() : l.shape();
  check_shape(op, out, {l.shape()});
  l = lax::convert_element_type(bcast(l, out), float32);
  Array use_knuth = lax::bitwise_or(lax::ne(l, l), lax::lt(l, full(float32, out, 10)));
  Array lam_knuth = select(use_knuth, l, full(float32, out, 0));
  Array lam_rej = select(use_knuth, full(float32, out, 1e5), l);
  Array r = select(use_knuth, poisson_knuth(key, lam_knuth, out, dtype),
                   poisson_rejection(key, lam_rej, out, dtype));
  return select(lax::eq(l, full(float32, out, 0)), full(dtype, out, 0), r);
}

}  // namespace jx::random
