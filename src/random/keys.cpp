// Keys and bits: key, split, fold_in, bits, threefry_2x32, and the internal
// helpers every sampler uses (constants, checks, the bit generator for one key
// and for one key per element).
#include <cstring>
#include <type_traits>

#include "jx/primitive.h"
#include "random/random_internal.h"

namespace jx::random {
namespace detail {

// ---------------------------------------------------------------- constants
Array scalar(DType dt, double v) {
  return dispatch_dtype(dt, [&]<class T>() {
    T t;
    if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>)
      t = T(float(v));
    else if constexpr (std::is_same_v<T, bool>)
      t = v != 0;
    else
      t = static_cast<T>(v);
    return make_from_host(&t, Aval{dt, {}, false}, default_device());
  });
}

Array scalar_bits(DType dt, uint64_t bits) {
  unsigned char bytes[8];
  std::memcpy(bytes, &bits, 8);  // little-endian: the low itemsize bytes
  return make_from_host(bytes, Aval{dt, {}, false}, default_device());
}

Array full(DType dt, const Shape& shape, double v) {
  return lax::broadcast_in_dim(scalar(dt, v), shape, {});
}

Array bcast(const Array& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  std::vector<int64_t> dims;
  int64_t off = int64_t(shape.size()) - x.ndim();
  for (int64_t i = 0; i < x.ndim(); ++i) dims.push_back(off + i);
  return lax::broadcast_in_dim(x, shape, dims);
}

Array select(const Array& pred, const Array& on_true, const Array& on_false) {
  return lax::select_n(pred, {on_false, on_true});
}

Array move_axis(const Array& x, int from, int to) {
  if (from == to) return x;
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < x.ndim(); ++i)
    if (i != from) perm.push_back(i);
  perm.insert(perm.begin() + to, from);
  return lax::transpose(x, perm);
}

Shape broadcast_shapes(std::string_view op, std::initializer_list<Shape> shapes) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out;
  out.resize(rank, 1);
  for (const Shape& s : shapes) {
    size_t off = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t d = s[i], &o = out[off + i];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
        continue;
      }
      std::string msg = "shapes ";
      bool first = true;
      for (const Shape& t : shapes) msg += (first ? "" : ", ") + t.str(), first = false;
      throw_error(op, msg + " cannot be broadcast together");
    }
  }
  return out;
}

// ---------------------------------------------------------------- checks
void check_key(std::string_view op, const Array& key) {
  if (!(key.dtype() == uint32) || !(key.shape() == Shape{2})) {
    std::string hint = key.dtype() == uint32 && key.ndim() >= 2 && key.shape().back() == 2
                           ? " (this is an array of keys; take one with keys[i])"
                           : "";
    throw_error(op, "expected a key: a uint32[2] array from jx::random::key, split or fold_in; got " +
                        key.aval().str() + hint);
  }
}

void check_float(std::string_view op, DType dt) {
  if (!dt.is_floating())
    throw_error(op, "dtype must be a floating dtype (float16, bfloat16, float32, float64), got " +
                        std::string(dt.name()));
}

void check_shape(std::string_view op, const Shape& shape, std::initializer_list<Shape> params) {
  size_t rank = shape.size();
  bool ok = true;
  for (const Shape& p : params) {
    if (p.size() > rank) {
      ok = false;
      break;
    }
    for (size_t i = 0; i < p.size(); ++i) {
      int64_t d = p[i];
      if (d != 1 && d != shape[rank - p.size() + i]) ok = false;
    }
  }
  if (!ok) {
    std::string ps;
    for (const Shape& p : params) ps += (ps.empty() ? "" : ", ") + p.str();
    throw_error(op, "parameter shapes " + ps +
                        " must be broadcast-compatible with the shape argument " + shape.str() +
                        ", and broadcasting them must give that shape");
  }
}

Array param(const ArrayLike& x, DType dt, std::string_view op) { return x.as(dt, false, op); }

DType param_float_dtype(std::string_view op, const ArrayLike& x, std::string_view what) {
  if (x.is_scalar()) {
    if (x.dtype().is_bool() || x.is_int_scalar())
      throw_error(op, std::string(what) + " must be floating, got a C++ integer or bool");
    return float32;
  }
  if (!x.dtype().is_floating())
    throw_error(op, std::string(what) + " must have a floating dtype, got " +
                        x.array().aval().str());
  return x.dtype();
}

void require_concrete(std::string_view op, const Array& x) {
  if (x.is_tracer())
    throw_error(op, "draws a data-dependent number of rounds (JAX uses lax.while_loop); jx has "
                    "no while_loop primitive yet, so this sampler only runs eagerly, outside "
                    "jit/vmap/grad");
}

// ---------------------------------------------------------------- the generator
std::array<Array, 2> key_words(const Array& keys) {
  const Shape& s = keys.shape();
  int64_t r = keys.ndim();
  std::vector<int64_t> start(size_t(r), 0), limit(s.begin(), s.end());
  Shape lead(std::span<const int64_t>(s.data(), size_t(r - 1)));
  start.back() = 0;
  limit.back() = 1;
  Array w0 = lax::reshape(lax::slice(keys, start, limit), lead);
  start.back() = 1;
  limit.back() = 2;
  Array w1 = lax::reshape(lax::slice(keys, start, limit), lead);
  return {w0, w1};
}

Array make_keys(const Array& w0, const Array& w1) {
  int64_t r = w0.ndim();
  return lax::concatenate({lax::expand_dims(w0, {r}), lax::expand_dims(w1, {r})}, r);
}

std::array<Array, 2> iota_2x32(const Shape& shape) {
  int64_t n = shape.numel();
  if (n <= int64_t(0xFFFFFFFFll) + 1) {
    Array lo = lax::reshape(lax::iota(uint32, Shape{n}), shape);
    return {scalar(uint32, 0), lo};
  }
  Array i64 = lax::reshape(lax::iota(uint64, Shape{n}), shape);
  Array hi = lax::convert_element_type(
      lax::shift_right_logical(i64, lax::broadcast_in_dim(scalar(uint64, 32), shape, {})), uint32);
  return {hi, lax::convert_element_type(i64, uint32)};
}

std::array<Array, 2> hash_shape(const Array& key, const Shape& shape) {
  auto [k0, k1] = key_words(key);
  auto [hi, lo] = iota_2x32(shape);
  return threefry2x32(k0, k1, hi, lo);
}

Array bits_from_words(const Array& w0, const Array& w1, int bit_width) {
  switch (bit_width) {
    case 64: {
      Array hi = lax::convert_element_type(w0, uint64);
      Array lo = lax::convert_element_type(w1, uint64);
      return lax::bitwise_or(lax::shift_left(hi, full(uint64, hi.shape(), 32)), lo);
    }
    case 32: return lax::bitwise_xor(w0, w1);
    case 16: return lax::convert_element_type(lax::bitwise_xor(w0, w1), uint16);
    default: return lax::convert_element_type(lax::bitwise_xor(w0, w1), uint8);
  }
}

Array random_bits(const Array& key, int bit_width, const Shape& shape) {
  auto [w0, w1] = hash_shape(key, shape);
  return bits_from_words(w0, w1, bit_width);
}

Array split_shape(const Array& key, const Shape& shape) {
  auto [w0, w1] = hash_shape(key, shape);
  return make_keys(w0, w1);
}

Array split_each(const Array& keys, int64_t n) {
  auto [k0, k1] = key_words(keys);
  Shape s = k0.shape();
  s.push_back(n);
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < k0.ndim(); ++i) dims.push_back(i);
  Array b0 = lax::broadcast_in_dim(k0, s, dims), b1 = lax::broadcast_in_dim(k1, s, dims);
  auto [w0, w1] = threefry2x32(b0, b1, scalar(uint32, 0), lax::iota(uint32, s, int64_t(s.size()) - 1));
  return make_keys(w0, w1);
}

Array split_each_at(const Array& keys, int64_t n, int64_t k) {
  (void)n;  // the k-th key of split(key, n) does not depend on n
  auto [k0, k1] = key_words(keys);
  auto [w0, w1] = threefry2x32(k0, k1, scalar(uint32, 0), scalar(uint32, double(k)));
  return make_keys(w0, w1);
}

Array random_bits_each(const Array& keys, int bit_width) {
  auto [k0, k1] = key_words(keys);
  Array zero = scalar(uint32, 0);
  auto [w0, w1] = threefry2x32(k0, k1, zero, zero);
  return bits_from_words(w0, w1, bit_width);
}

}  // namespace detail

using namespace detail;

// ---------------------------------------------------------------- public API
Array key(int64_t seed, Loc loc) {
  CallSite site(loc);
  // JAX's default (32-bit) mode keeps the low 32 bits of the seed in the
  // second word; the first word is the seed's bits 32..63 of a 32-bit
  // value, i.e. zero.
  uint32_t words[2] = {0, uint32_t(uint64_t(seed) & 0xFFFFFFFFu)};
  return make_from_host(words, Aval{uint32, Shape{2}, false}, default_device());
}

Array key(const Array& seed, Loc loc) {
  CallSite site(loc);
  if (seed.ndim() != 0 || !(seed.dtype().is_integer()))
    throw_error("random.key", "the seed must be a 0-d integer array, got " + seed.aval().str());
  Array lo = lax::convert_element_type(seed, uint32);
  return make_keys(scalar(uint32, 0), lo);
}

Array split(const Array& key, int64_t num, Loc loc) {
  CallSite site(loc);
  check_key("random.split", key);
  if (num < 0) throw_error("random.split", "num must be non-negative, got " + std::to_string(num));
  return split_shape(key, Shape{num});
}

Array split(const Array& key, const Shape& shape, Loc loc) {
  CallSite site(loc);
  check_key("random.split", key);
  for (int64_t d : shape)
    if (d < 0) throw_error("random.split", "negative dimension in shape " + shape.str());
  return split_shape(key, shape);
}

std::array<Array, 2> split2(const Array& key, Loc loc) {
  CallSite site(loc);
  check_key("random.split2", key);
  Array keys = split_shape(key, Shape{2});
  return {keys[0], keys[1]};
}

Array fold_in(const Array& key, int64_t data, Loc loc) {
  CallSite site(loc);
  check_key("random.fold_in", key);
  if (data < 0 || data > int64_t(0xFFFFFFFFll))
    throw_error("random.fold_in", "data must be a 32-bit unsigned value in [0, 4294967295], got " +
                                      std::to_string(data));
  return fold_in(key, scalar(uint32, double(data)), loc);
}

Array fold_in(const Array& key, const Array& data, Loc loc) {
  CallSite site(loc);
  check_key("random.fold_in", key);
  if (data.ndim() != 0 || !data.dtype().is_integer())
    throw_error("random.fold_in", "data must be a 0-d integer array (use vmap for batches), got " +
                                      data.aval().str());
  // threefry_2x32(key, threefry_seed(data)): the counter pair is (0, data).
  auto [k0, k1] = key_words(key);
  auto [w0, w1] = threefry2x32(k0, k1, scalar(uint32, 0), lax::convert_element_type(data, uint32));
  return make_keys(w0, w1);
}

Array threefry_2x32(const Array& keypair, const Array& count, Loc loc) {
  CallSite site(loc);
  check_key("random.threefry_2x32", keypair);
  if (!(count.dtype() == uint32))
    throw_error("random.threefry_2x32", "count must be uint32, got " + count.aval().str());
  int64_t n = count.size();
  Array flat = lax::reshape(count, Shape{n});
  bool odd = n % 2;
  if (odd) flat = lax::concatenate({flat, lax::reshape(scalar(uint32, 0), Shape{1})}, 0);
  int64_t h = (n + 1) / 2;
  Array x0 = lax::slice(flat, {0}, {h}), x1 = lax::slice(flat, {h}, {2 * h});
  auto [k0, k1] = key_words(keypair);
  auto [y0, y1] = threefry2x32(k0, k1, x0, x1);
  Array out = lax::concatenate({y0, y1}, 0);
  if (odd) out = lax::slice(out, {0}, {n});
  return lax::reshape(out, count.shape());
}

Array bits(const Array& key, const Shape& shape, DType dtype, Loc loc) {
  CallSite site(loc);
  check_key("random.bits", key);
  if (!dtype.is_unsigned_int())
    throw_error("random.bits", "dtype must be an unsigned integer dtype, got " +
                                   std::string(dtype.name()));
  return random_bits(key, dtype.bits(), shape);
}

}  // namespace jx::random
