// jx::nn::initializers: weight initializers with the names and semantics of
// jax.nn.initializers.
//
// An Initializer maps (key, shape, dtype) to a new array, as JAX's `init(key,
// shape, dtype)` does. The factories below build them:
//
//   auto init = jx::nn::initializers::glorot_uniform();
//   Array w = init(jx::random::key(0), {784, 128}, jx::float32);
//
// Each follows jax/_src/nn/initializers.py step by step (the same jx::random
// draw with the same key, the same dtype roundings of the scale factors), so
// for a given key the values are JAX's: bit for bit for uniform-based ones
// (uniform, the *_uniform variance-scaling family), normal and the
// "normal" distribution up to lax::erf_inv's rounding (in practice exact),
// and truncated_normal / orthogonal up to the rounding of erf and of the QR
// factorisation (tests/fixtures/nn/initializers.txt, written by JAX).
//
// Fans follow JAX's `_compute_fans`: for a shape with in_axis of size i,
// out_axis of size o and batch axes of total size b, the remaining axes form
// the receptive field r = prod(shape) / (i * o * b); fan_in = i * r and
// fan_out = o * r (so a conv kernel (kh, kw, in, out) has fan_in = kh*kw*in).
//
// The key is ignored by zeros, ones and constant. The random initializers need
// a floating dtype (float16, bfloat16, float32, float64). Bad arguments throw
// jx::Error `[nn.initializers.<name>] ...`: invalid mode or distribution when
// the initializer is built (located at that line); a shape of rank < 2 with
// the default in_axis, an axis out of range, a zero fan or a non-floating
// dtype when it is called (located at the caller's outermost jx call).
#pragma once

#include <functional>
#include <source_location>
#include <string>
#include <utility>
#include <vector>

#include "jx/array.h"
#include "jx/dtype.h"
#include "jx/shape.h"

namespace jx::nn::initializers {

using Loc = std::source_location;

/// key: a PRNG key (jx::random::key), shape, dtype -> a new array.
using Initializer = std::function<Array(const Array& key, const Shape& shape, DType dtype)>;

/// Zeros of the given shape and dtype (any dtype).
Initializer zeros();
/// Ones of the given shape and dtype (any dtype).
Initializer ones();
/// `value` everywhere, converted to the requested dtype (jnp.full).
Initializer constant(double value);

/// Uniform in [0, scale): random.uniform(key, shape, dtype) * scale.
Initializer uniform(double scale = 1e-2);
/// Normal with mean 0 and standard deviation `stddev`.
Initializer normal(double stddev = 1e-2);
/// Standard normal truncated to (lower, upper), then multiplied by `stddev`
/// (no variance correction, as in JAX).
Initializer truncated_normal(double stddev = 1e-2, double lower = -2.0, double upper = 2.0);

/// Variance scaling (jax.nn.initializers.variance_scaling): samples with
/// variance scale / n, n = fan_in, fan_out, (fan_in + fan_out) / 2 ("fan_avg")
/// or sqrt(fan_in * fan_out) ("fan_geo_avg"). distribution "truncated_normal"
/// (truncated at two standard deviations, corrected to the target variance),
/// "normal" or "uniform" (in [-sqrt(3 scale / n), sqrt(3 scale / n))).
/// in_axis / out_axis name the input and output axes, batch_axis axes to
/// ignore; the rest are the receptive field.
Initializer variance_scaling(double scale, std::string mode, std::string distribution,
                             int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {},
                             Loc loc = Loc::current());

/// variance_scaling(1, "fan_avg", "uniform") (Glorot & Bengio 2010).
Initializer glorot_uniform(int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {});
/// variance_scaling(1, "fan_avg", "truncated_normal").
Initializer glorot_normal(int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {});
/// Alias of glorot_uniform.
Initializer xavier_uniform(int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {});
/// Alias of glorot_normal.
Initializer xavier_normal(int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {});
/// variance_scaling(2, "fan_in", "uniform") (He et al. 2015).
Initializer he_uniform(int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {});
/// variance_scaling(2, "fan_in", "truncated_normal").
Initializer he_normal(int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {});
/// Alias of he_uniform.
Initializer kaiming_uniform(int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {});
/// Alias of he_normal.
Initializer kaiming_normal(int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {});
/// variance_scaling(1, "fan_in", "uniform") (LeCun 1998).
Initializer lecun_uniform(int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {});
/// variance_scaling(1, "fan_in", "truncated_normal").
Initializer lecun_normal(int in_axis = -2, int out_axis = -1, std::vector<int> batch_axis = {});

/// Uniformly distributed (semi-)orthogonal matrices times `scale`: the shape
/// (rank >= 2) is viewed as a (prod(shape) / shape[column_axis], shape[column_axis])
/// matrix with orthonormal columns, or rows when there are fewer rows.
/// A shape with a zero dimension gives zeros.
Initializer orthogonal(double scale = 1.0, int column_axis = -1);

/// JAX's `_compute_fans`: {fan_in, fan_out} of a weight shape (see above).
/// Throws for a rank < 2 shape with in_axis == -2, axes out of range, or a
/// zero-sized in/out/batch axis.
std::pair<double, double> compute_fans(const Shape& shape, int in_axis = -2, int out_axis = -1,
                                       const std::vector<int>& batch_axis = {},
                                       Loc loc = Loc::current());

}  // namespace jx::nn::initializers
