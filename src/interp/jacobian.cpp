// jacfwd and jacrev for functions Array -> Array: a vmap of jvp over the
// input basis, or of vjp over the output basis, as JAX builds them.
#include "jx/lax.h"
#include "jx/transforms.h"

namespace jx {
namespace {

// The n x n identity in dtype dt, reshaped to (n, *shape).
Array basis(const Shape& shape, DType dt) {
  int64_t n = shape.numel();
  Array eye = lax::convert_element_type(
      lax::eq(lax::iota(int32, {n, n}, 0), lax::iota(int32, {n, n}, 1)), dt);
  Shape s = shape;
  s.insert(0, n);
  return lax::reshape(eye, s);
}

// (k, *a) -> (*a, k) for the leading axis of size k, then reshape to `final`.
Array lead_to_back(const Array& j, const Shape& final) {
  std::vector<int64_t> perm;
  for (int64_t i = 1; i < j.ndim(); ++i) perm.push_back(i);
  perm.push_back(0);
  return lax::reshape(lax::transpose(j, perm), final);
}

}  // namespace

Array jacfwd_flat(const std::function<Array(const Array&)>& f, const Array& x,
                  std::source_location loc) {
  CallSite site(loc);
  if (!x.dtype().is_floating())
    throw_error("jacfwd", "needs a floating-point input, got " + x.aval().str());
  FlatFn fn = [&](std::span<const Array> in) { return std::vector<Array>{f(in[0])}; };
  FlatFn push = [&](std::span<const Array> t) {
    std::vector<Array> p{x};
    return jvp_flat(fn, p, t).second;
  };
  Array b = basis(x.shape(), x.dtype());
  std::vector<Array> args{b};
  std::vector<std::optional<int>> in_axes{0}, out_axes{0};
  Array j = vmap_flat(push, args, in_axes, out_axes)[0];  // (n, *out)
  Shape final;
  for (size_t i = 1; i < size_t(j.ndim()); ++i) final.push_back(j.shape()[i]);
  for (int64_t d : x.shape()) final.push_back(d);
  return lead_to_back(j, final);
}

Array jacrev_flat(const std::function<Array(const Array&)>& f, const Array& x,
                  std::source_location loc) {
  CallSite site(loc);
  if (!x.dtype().is_floating())
    throw_error("jacrev", "needs a floating-point input, got " + x.aval().str());
  FlatFn fn = [&](std::span<const Array> in) { return std::vector<Array>{f(in[0])}; };
  std::vector<Array> p{x};
  auto [outs, pullback] = vjp_flat(fn, p);
  const Array& y = outs[0];
  FlatFn pull = [&](std::span<const Array> ct) { return pullback(ct); };
  Array b = basis(y.shape(), y.dtype());
  std::vector<Array> args{b};
  std::vector<std::optional<int>> in_axes{0}, out_axes{0};
  Array j = vmap_flat(pull, args, in_axes, out_axes)[0];  // (m, *in)
  Shape final = y.shape();
  for (int64_t d : x.shape()) final.push_back(d);
  return lax::reshape(j, final);
}

}  // namespace jx
