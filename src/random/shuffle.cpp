// permutation and choice. Shuffling sorts by fresh 32-bit random keys, as
// many rounds as JAX's heuristic asks for (collisions are resolved by the
// next round), with a stable sort, so permutations match JAX's exactly.
#include <cmath>

#include "random/random_internal.h"

namespace jx::random {

using namespace detail;

namespace {

int64_t shuffle_rounds(int64_t size) {
  // ceil(3 * ln(max(1, size)) / ln(2^32 - 1)), JAX's _shuffle.
  double r = std::ceil(3.0 * std::log(double(std::max<int64_t>(1, size))) /
                       std::log(4294967295.0));
  return int64_t(r);
}

// _shuffle for the layout [n, rest...] where the sort keys have shape
// key_shape (either (n,) for whole slices, or x's full shape for independent
// lines): x is permuted along axis 0. `size` drives the number of rounds.
Array shuffle_axis0(Array key, Array x, const Shape& key_shape, int64_t size,
                    const std::vector<int64_t>& key_perm) {
  for (int64_t r = 0, rounds = shuffle_rounds(size); r < rounds; ++r) {
    Array keys = split_shape(key, Shape{2});
    key = keys[0];
    Array sort_keys = random_bits(keys[1], 32, key_shape);
    if (!key_perm.empty()) sort_keys = lax::transpose(sort_keys, key_perm);
    x = sort_by_key(sort_keys, {x}, /*descending=*/false)[1];
  }
  return x;
}

std::vector<int64_t> axis_to_front(int nd, int axis) {
  std::vector<int64_t> perm{axis};
  for (int i = 0; i < nd; ++i)
    if (i != axis) perm.push_back(i);
  return perm;
}

Array shuffle_impl(const Array& key, const Array& x, int axis, bool independent) {
  int nd = x.ndim();
  int64_t n = x.shape()[size_t(axis)];
  Array xm = move_axis(x, axis, 0);
  Array out;
  if (independent || nd == 1) {
    // Keys drawn with x's own shape, then laid out like xm.
    std::vector<int64_t> perm = axis == 0 ? std::vector<int64_t>{} : axis_to_front(nd, axis);
    out = shuffle_axis0(key, xm, x.shape(), x.size(), perm);
  } else {
    // JAX shuffles arange(n) and gathers; moving the slices along with the
    // keys is the same permutation.
    out = shuffle_axis0(key, xm, Shape{n}, n, {});
  }
  return move_axis(out, 0, axis);
}

Array slice_first(const Array& x, int axis, int64_t k) {
  std::vector<int64_t> s(size_t(x.ndim()), 0), l(x.shape().begin(), x.shape().end());
  l[size_t(axis)] = k;
  return lax::slice(x, s, l);
}

int canonical_axis(std::string_view op, int axis, int nd) {
  int n = std::max(nd, 1);
  if (axis < -n || axis >= n)
    throw_error(op, "axis " + std::to_string(axis) + " is out of bounds for an array of rank " +
                        std::to_string(nd));
  return axis < 0 ? axis + n : axis;
}

// choice for a = arange(n_inputs) (arr undefined) or the slices of arr.
Array choice_impl(const Array& key, int64_t n_inputs, const Array* arr, const Shape& shape,
                  bool replace, const std::optional<Array>& p, int axis) {
  constexpr std::string_view op = "random.choice";
  int64_t n_draws = shape.numel();
  if (n_draws == 0) return full(arr ? arr->dtype() : int32, shape, 0);
  if (n_inputs <= 0) throw_error(op, "a must be greater than 0 unless no samples are taken");
  if (!replace && n_draws > n_inputs)
    throw_error(op, "cannot take a larger sample (size " + std::to_string(n_draws) +
                        ") than the population (size " + std::to_string(n_inputs) +
                        ") when replace=false");
  Array ind;
  if (!p) {
    if (replace) {
      ind = randint(key, shape, 0, n_inputs);
    } else {
      Array perm = arr ? shuffle_impl(key, *arr, axis, false)
                       : shuffle_impl(key, lax::iota(int32, Shape{n_inputs}, 0), 0, false);
      Array first = slice_first(perm, arr ? axis : 0, n_draws);
      if (!arr) return lax::reshape(first, shape);
      Shape rs;
      for (int i = 0; i < axis; ++i) rs.push_back(arr->shape()[size_t(i)]);
      for (int64_t d : shape) rs.push_back(d);
      for (int i = axis + 1; i < arr->ndim(); ++i) rs.push_back(arr->shape()[size_t(i)]);
      return lax::reshape(first, rs);
    }
  } else {
    Array pa = *p;
    if (!pa.dtype().is_floating()) pa = lax::convert_element_type(pa, float32);
    if (!(pa.shape() == Shape{n_inputs}))
      throw_error(op, "p must be a 1-d array with a.shape[axis] = " + std::to_string(n_inputs) +
                          " entries, got " + p->aval().str());
    DType dt = pa.dtype();
    if (replace) {
      Array cum = cumsum_1d(pa);
      Array total = lax::reshape(lax::slice(cum, {n_inputs - 1}, {n_inputs}), Shape{});
      Array u = floats_from_bits(random_bits(key, uniform_rng_bits(dt), shape), dt);
      Array r = lax::mul(bcast(total, shape), lax::sub(full(dt, shape, 1.0), u));
      ind = searchsorted(cum, r);
    } else {
      Array g = lax::add(gumbel_impl(key, Shape{n_inputs}, dt, false), lax::log(pa));
      Array order = sort_by_key(g, {lax::iota(int32, Shape{n_inputs}, 0)}, /*descending=*/true)[1];
      ind = lax::slice(order, {0}, {n_draws});
    }
  }
  if (!arr) return lax::reshape(ind, shape);
  Array picked = take(*arr, ind, axis);
  Shape rs;
  for (int i = 0; i < axis; ++i) rs.push_back(arr->shape()[size_t(i)]);
  for (int64_t d : shape) rs.push_back(d);
  for (int i = axis + 1; i < arr->ndim(); ++i) rs.push_back(arr->shape()[size_t(i)]);
  return lax::reshape(picked, rs);
}

}  // namespace

Array permutation(const Array& key, int64_t n, Loc loc) {
  CallSite site(loc);
  check_key("random.permutation", key);
  if (n < 0) throw_error("random.permutation", "n must be non-negative, got " + std::to_string(n));
  return shuffle_impl(key, lax::iota(int32, Shape{n}, 0), 0, false);
}

Array permutation(const Array& key, const Array& x, int axis, bool independent, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.permutation";
  check_key(op, key);
  if (x.ndim() == 0) {
    if (!x.dtype().is_integer())
      throw_error(op, "x must be an integer or at least 1-dimensional, got " + x.aval().str());
    return permutation(key, x.item<int64_t>(), loc);
  }
  int ax = canonical_axis(op, axis, x.ndim());
  return shuffle_impl(key, x, ax, independent);
}

Array choice(const Array& key, int64_t a, const Shape& shape, bool replace,
             const std::optional<Array>& p, Loc loc) {
  CallSite site(loc);
  check_key("random.choice", key);
  return choice_impl(key, a, nullptr, shape, replace, p, 0);
}

Array choice(const Array& key, const Array& a, const Shape& shape, bool replace,
             const std::optional<Array>& p, int axis, Loc loc) {
  CallSite site(loc);
  constexpr std::string_view op = "random.choice";
  check_key(op, key);
  if (a.ndim() == 0) {
    if (!a.dtype().is_integer())
      throw_error(op, "a must be an integer or an array with at least one dimension, got " +
                          a.aval().str());
    return choice_impl(key, a.item<int64_t>(), nullptr, shape, replace, p, 0);
  }
  int ax = canonical_axis(op, axis, a.ndim());
  return choice_impl(key, a.shape()[size_t(ax)], &a, shape, replace, p, ax);
}

}  // namespace jx::random
