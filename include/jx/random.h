// jx::random: explicit-key pseudo-random numbers, with the names and the
// semantics of jax.random, bit for bit where JAX's values are pinned down.
//
// There is no global random state. A key is a plain uint32[2] array (JAX's
// legacy `jax.random.PRNGKey` representation; `jax.random.key_data(k)` of a
// typed JAX key holds the same two words). Keys are values: the same key
// always gives the same bits, so a key must be split (or folded with data)
// before it is used twice. Arrays of keys have shape (..., 2): `split(k, n)`
// is uint32[n, 2] and `keys[i]` (Array::operator[]) takes one key.
//
// The generator is threefry2x32 (20 rounds) in JAX's default
// `jax_threefry_partitionable=True` mode: `key`, `split`, `fold_in`, `bits`,
// `uniform`, `randint`, `permutation`, `choice` (without p) and `bernoulli`
// give exactly JAX's values for the same key, shape and dtype, and so does
// `normal` up to the rounding of lax::erf_inv (tests/fixtures/random_*.txt,
// produced by running JAX). The other samplers use JAX's algorithms and key
// use, so their values agree with JAX's up to the rounding of log, erf, tan,
// lgamma... Everything is a composition of primitives (vmap over keys, grad
// and make_jaxpr work); where a step needs a library primitive jx does not
// have yet (sort, gather, linear algebra) it is composed from jx::lax ops, and
// the samplers whose loop count depends on the draws (gamma, loggamma, beta,
// dirichlet, poisson) run that loop eagerly only (no while_loop yet). See
// docs/random.md.
//
// Shapes are jx::Shape (`{3, 4}`); dtypes default to float32 (int32 for
// integer samplers). Parameters broadcast against `shape` as in JAX: the
// broadcast of `shape` with the parameter shapes must be `shape`. Misuse
// throws jx::Error `[random.<name>] ...` located at the caller's line.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <source_location>
#include <string_view>
#include <vector>

#include "jx/array.h"
#include "jx/numpy.h"

namespace jx::random {

using Loc = std::source_location;
using np::ArrayLike;

/// An optional shape argument: omitted (`{}` or std::nullopt) means "the
/// shape of the parameters"; `{3, 4}` or a jx::Shape gives it explicitly
/// (use `Shape{}` for an explicit 0-d shape).
class OptShape {
 public:
  OptShape() = default;
  OptShape(std::nullopt_t) {}  // NOLINT: implicit by design
  OptShape(std::initializer_list<int64_t> dims) : shape_(Shape(dims)), has_(dims.size() > 0) {}
  OptShape(const Shape& s) : shape_(s), has_(true) {}                 // NOLINT
  OptShape(const std::vector<int64_t>& v) : shape_(v), has_(true) {}  // NOLINT
  bool has_value() const { return has_; }
  const Shape& value() const { return shape_; }

 private:
  Shape shape_;
  bool has_ = false;
};

// =============================================================================
// Keys
// =============================================================================

/// A key from an integer seed: uint32[2] = {0, seed mod 2^32}. This is what
/// jax.random.PRNGKey(seed) / key_data(jax.random.key(seed)) give with JAX's
/// default 32-bit mode: negative seeds wrap (-1 -> {0, 4294967295}) and only
/// the low 32 bits of larger seeds count (2^32 + 5 -> {0, 5}).
Array key(int64_t seed, Loc loc = Loc::current());
/// The same from a 0-d integer array (its low 32 bits).
Array key(const Array& seed, Loc loc = Loc::current());
/// Alias of key(seed), JAX's legacy name.
inline Array PRNGKey(int64_t seed, Loc loc = Loc::current()) { return key(seed, loc); }

/// `num` new keys, uint32[num, 2] (jax.random.split).
Array split(const Array& key, int64_t num = 2, Loc loc = Loc::current());
/// An array of keys of the given shape: uint32[*shape, 2].
Array split(const Array& key, const Shape& shape, Loc loc = Loc::current());
/// split(key, 2) as two separate keys: `auto [k1, k2] = split2(key);`.
std::array<Array, 2> split2(const Array& key, Loc loc = Loc::current());

/// A new key from `key` and 32-bit data (jax.random.fold_in); data must be in
/// [0, 2^32).
Array fold_in(const Array& key, int64_t data, Loc loc = Loc::current());
/// The same with data a 0-d integer array (converted to uint32 with
/// wrap-around, as jnp.asarray(data, 'uint32') does for arrays).
Array fold_in(const Array& key, const Array& data, Loc loc = Loc::current());

// =============================================================================
// The hash
// =============================================================================

/// The threefry2x32 primitive: hashes the counter pairs (x0[i], x1[i]) under
/// the key (key0, key1). All operands are uint32; each is 0-d or has the one
/// common shape. Returns the two output words.
std::array<Array, 2> threefry2x32(const Array& key0, const Array& key1, const Array& x0,
                                  const Array& x1, Loc loc = Loc::current());
/// JAX's `threefry_2x32(keypair, count)`: hashes a uint32 array of any shape
/// by pairing its first and second halves (padded with a zero when odd);
/// the result has count's shape.
Array threefry_2x32(const Array& keypair, const Array& count, Loc loc = Loc::current());

/// Uniform random bits: an unsigned integer array (uint8/16/32/64, default
/// uint32) of the given shape (jax.random.bits).
Array bits(const Array& key, const Shape& shape = {}, DType dtype = uint32,
           Loc loc = Loc::current());

// =============================================================================
// Continuous distributions (floating dtypes: float16, bfloat16, float32, float64)
// =============================================================================

/// Uniform in [minval, maxval) (jax.random.uniform). minval/maxval are
/// scalars or arrays broadcastable to `shape`.
Array uniform(const Array& key, const Shape& shape = {}, DType dtype = float32,
              const ArrayLike& minval = 0.0, const ArrayLike& maxval = 1.0,
              Loc loc = Loc::current());
/// Standard normal (jax.random.normal): sqrt(2) * erf_inv(uniform(-1, 1)).
Array normal(const Array& key, const Shape& shape = {}, DType dtype = float32,
             Loc loc = Loc::current());
/// Standard normal truncated to (lower, upper) (jax.random.truncated_normal);
/// without a shape, the broadcast shape of lower and upper.
Array truncated_normal(const Array& key, const ArrayLike& lower, const ArrayLike& upper,
                       OptShape shape = {}, DType dtype = float32, Loc loc = Loc::current());
/// Multivariate normal with mean (..., n) and covariance (..., n, n)
/// (jax.random.multivariate_normal); the result is (*shape, n), shape
/// defaulting to the broadcast batch shape. Only method "cholesky".
Array multivariate_normal(const Array& key, const Array& mean, const Array& cov,
                          OptShape shape = {}, DType dtype = float32,
                          std::string_view method = "cholesky", Loc loc = Loc::current());
/// Exponential with rate 1: -log1p(-u).
Array exponential(const Array& key, const Shape& shape = {}, DType dtype = float32,
                  Loc loc = Loc::current());
/// Laplace (double exponential) with scale 1.
Array laplace(const Array& key, const Shape& shape = {}, DType dtype = float32,
              Loc loc = Loc::current());
/// Standard logistic.
Array logistic(const Array& key, const Shape& shape = {}, DType dtype = float32,
               Loc loc = Loc::current());
/// Standard Cauchy.
Array cauchy(const Array& key, const Shape& shape = {}, DType dtype = float32,
             Loc loc = Loc::current());
/// Standard Gumbel; mode "low" (default) or "high" (twice the bits, for
/// better resolution of small probabilities).
Array gumbel(const Array& key, const Shape& shape = {}, DType dtype = float32,
             std::string_view mode = "low", Loc loc = Loc::current());
/// Gamma(a, 1) (Marsaglia-Tsang, one key per element as in JAX); a > 0.
Array gamma(const Array& key, const ArrayLike& a, OptShape shape = {}, DType dtype = float32,
            Loc loc = Loc::current());
/// log of Gamma(a, 1) samples, accurate for small a (jax.random.loggamma).
Array loggamma(const Array& key, const ArrayLike& a, OptShape shape = {}, DType dtype = float32,
               Loc loc = Loc::current());
/// Beta(a, b) via two log-gamma draws.
Array beta(const Array& key, const ArrayLike& a, const ArrayLike& b, OptShape shape = {},
           DType dtype = float32, Loc loc = Loc::current());
/// Dirichlet(alpha), alpha (..., k); result (*shape, k), shape defaulting to
/// alpha's batch shape.
Array dirichlet(const Array& key, const ArrayLike& alpha, OptShape shape = {},
                DType dtype = float32, Loc loc = Loc::current());
/// A random (semi-)orthogonal n x m matrix (m defaults to n), Haar
/// distributed, with batch dimensions `shape`: (*shape, n, m).
Array orthogonal(const Array& key, int64_t n, const Shape& shape = {}, DType dtype = float32,
                 std::optional<int64_t> m = std::nullopt, Loc loc = Loc::current());

// =============================================================================
// Discrete distributions
// =============================================================================

/// True with probability p (bool array); p floating (a C++ scalar is
/// float32, as a Python float is for JAX). Without a shape: p's shape.
/// mode "low" or "high" (more bits, for tiny p).
Array bernoulli(const Array& key, const ArrayLike& p = 0.5, OptShape shape = {},
                std::string_view mode = "low", Loc loc = Loc::current());
/// -1 or +1 with equal probability, in an integer or floating dtype.
Array rademacher(const Array& key, const Shape& shape = {}, DType dtype = int32,
                 Loc loc = Loc::current());
/// Integers uniform in [minval, maxval) (jax.random.randint); bounds are
/// clipped to the dtype's range; maxval <= minval gives minval.
Array randint(const Array& key, const Shape& shape, const ArrayLike& minval,
              const ArrayLike& maxval, DType dtype = int32, Loc loc = Loc::current());
/// Indices (int32) drawn from softmax(logits) along `axis` (Gumbel-max);
/// without replacement: Gumbel-top-k, with k = prod(shape prefix).
Array categorical(const Array& key, const Array& logits, int axis = -1, OptShape shape = {},
                  bool replace = true, Loc loc = Loc::current());
/// Poisson(lam) counts (Knuth below 10, transformed rejection above), int32
/// by default.
Array poisson(const Array& key, const ArrayLike& lam, OptShape shape = {}, DType dtype = int32,
              Loc loc = Loc::current());
/// A random permutation of arange(n) (int32).
Array permutation(const Array& key, int64_t n, Loc loc = Loc::current());
/// x shuffled along `axis` (jax.random.permutation); independent=true
/// shuffles every 1-d slice along the axis separately.
Array permutation(const Array& key, const Array& x, int axis = 0, bool independent = false,
                  Loc loc = Loc::current());
/// A sample of shape `shape` from arange(a) (jax.random.choice), with or
/// without replacement, uniform or with probabilities p (1-d, length a).
Array choice(const Array& key, int64_t a, const Shape& shape = {}, bool replace = true,
             const std::optional<Array>& p = std::nullopt, Loc loc = Loc::current());
/// The same drawing slices of `a` along `axis`: the result has shape
/// a.shape[:axis] + shape + a.shape[axis+1:].
Array choice(const Array& key, const Array& a, const Shape& shape = {}, bool replace = true,
             const std::optional<Array>& p = std::nullopt, int axis = 0, Loc loc = Loc::current());

}  // namespace jx::random
