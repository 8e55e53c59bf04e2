// Helpers shared by the jx::random sources (internal): constants, argument
// checks, the bit generator in its single-key and one-key-per-element forms,
// the uniform/normal transforms, and stand-ins composed from jx::lax ops for
// library primitives jx does not have yet (sort, gather, cumsum, Cholesky,
// QR). Everything here is a composition of primitives, so it traces.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jx/lax.h"
#include "jx/random.h"

namespace jx::random::detail {

// --- constants and small array helpers -------------------------------------
/// A 0-d array of dtype `dt` holding v (integers exact up to 2^53; use
/// scalar_bits for wider patterns).
Array scalar(DType dt, double v);
/// A 0-d unsigned/signed integer array holding the bit pattern `bits`.
Array scalar_bits(DType dt, uint64_t bits);
/// `v` broadcast to `shape`.
Array full(DType dt, const Shape& shape, double v);
/// x broadcast to `shape` with NumPy's right-aligned rule (checked by the caller).
Array bcast(const Array& x, const Shape& shape);
/// lax.select: where(pred, on_true, on_false), same shapes.
Array select(const Array& pred, const Array& on_true, const Array& on_false);
/// x with axis `from` moved to position `to`.
Array move_axis(const Array& x, int from, int to);
/// NumPy's broadcast of several shapes; errors name `op`.
Shape broadcast_shapes(std::string_view op, std::initializer_list<Shape> shapes);

// --- argument checks (errors name `op`, e.g. "random.uniform") --------------
/// A single key: uint32[2].
void check_key(std::string_view op, const Array& key);
/// `dt` is floating.
void check_float(std::string_view op, DType dt);
/// The broadcast of `shape` with the parameter shapes must be `shape` itself.
void check_shape(std::string_view op, const Shape& shape, std::initializer_list<Shape> params);
/// A parameter as an array of dtype dt (C++ scalars are created in dt).
Array param(const ArrayLike& x, DType dt, std::string_view op);
/// The float dtype of a floating parameter: its own for arrays, float32 for
/// C++ scalars (Python floats are float32 in JAX's default mode).
DType param_float_dtype(std::string_view op, const ArrayLike& x, std::string_view what);
/// Raises the error for a data-dependent loop run on traced values.
void require_concrete(std::string_view op, const Array& x);

// --- the bit generator -------------------------------------------------------
/// The two uint32 words of keys (..., 2).
std::array<Array, 2> key_words(const Array& keys);
/// Keys (..., 2) from two word arrays of one shape.
Array make_keys(const Array& w0, const Array& w1);
/// The 64-bit counter iota over `shape` as (hi, lo) uint32 words; hi is a
/// 0-d zero when the shape has fewer than 2^32 elements.
std::array<Array, 2> iota_2x32(const Shape& shape);
/// threefry2x32 of one key over the counters iota_2x32(shape).
std::array<Array, 2> hash_shape(const Array& key, const Shape& shape);
/// Random bits of width 8/16/32/64 from the two hashed words (JAX's
/// partitionable layout: xor for <= 32 bits, hi:lo for 64).
Array bits_from_words(const Array& w0, const Array& w1, int bit_width);
/// _random_bits(key, bit_width, shape) for one key.
Array random_bits(const Array& key, int bit_width, const Shape& shape);
/// _split(key, shape) for one key: uint32[*shape, 2].
Array split_shape(const Array& key, const Shape& shape);

// One key per element: keys (..., 2), results over the leading shape.
/// split(k, n) for every key: (..., n, 2).
Array split_each(const Array& keys, int64_t n);
/// The k-th of split(k, n) for every key: (..., 2).
Array split_each_at(const Array& keys, int64_t n, int64_t k);
/// A per-element mask (...) widened to select whole keys (..., 2).
Array bcast_keys(const Array& mask);
/// _random_bits(k, bit_width, ()) for every key.
Array random_bits_each(const Array& keys, int bit_width);

// --- floats from bits ----------------------------------------------------------
/// Mantissa bits of a floating dtype (10, 7, 23, 52).
int nmant(DType dt);
/// How many random bits uniform draws for dt (JAX: 8 when nmant < 8).
int uniform_rng_bits(DType dt);
/// Floats uniform in [0, 1) from random bits of width uniform_rng_bits(dt).
Array floats_from_bits(const Array& bits, DType dt);
/// max(minval, floats * (maxval - minval) + minval) with XLA:CPU's rounding
/// (it contracts the multiply-add into one fused operation).
Array scale_uniform(const Array& floats, const Array& minval, const Array& maxval);
/// uniform(key, shape, dt, minval, maxval) with minval/maxval already dt.
Array uniform_impl(const Array& key, const Shape& shape, DType dt, const Array& minval,
                   const Array& maxval);
/// uniform(k, (), dt) for every key (..., 2), in [0, 1).
Array uniform_each(const Array& keys, DType dt);
/// sqrt(2) * erf_inv(max(lo, 2 * floats + lo)), JAX's normal transform.
Array normal_from_floats(const Array& floats);
/// normal(key, shape, dt).
Array normal_impl(const Array& key, const Shape& shape, DType dt);
/// normal(k, (), dt) for every key (..., 2).
Array normal_each(const Array& keys, DType dt);
/// -log(-log(uniform(tiny, 1))) (gumbel, mode "low") and mode "high".
Array gumbel_impl(const Array& key, const Shape& shape, DType dt, bool high);

// --- stand-ins for primitives jx does not have yet ---------------------------
/// Stable sort along axis 0 of `keys` (n, B...) carrying `values` (n, B...,
/// R...) along: lax.sort with num_keys=1, is_stable=True, extended to
/// descending order. A bitonic network of O(n log^2 n) compare-exchanges, each
/// a handful of lax ops over the whole array. Returns {keys, values...}.
std::vector<Array> sort_by_key(const Array& keys, std::vector<Array> values, bool descending);
/// jnp.take(x, indices, axis) for integer indices in range.
Array take(const Array& x, const Array& indices, int axis);
/// Inclusive prefix sum of a 1-d array.
Array cumsum_1d(const Array& x);
/// jnp.searchsorted(a, v) (side="left") for a sorted 1-d a: int32 of v's shape.
Array searchsorted(const Array& a, const Array& v);
/// Lower Cholesky factor of (..., n, n) symmetric positive definite matrices.
Array cholesky(const Array& a);
/// Q of the QR decomposition of (..., n, m) matrices with n >= m (reduced
/// Q, (..., n, m)), normalised so that R has a positive diagonal.
Array qr_q(const Array& a);

}  // namespace jx::random::detail
