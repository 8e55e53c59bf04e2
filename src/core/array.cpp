#include "jx/array.h"

#include <cstring>

#include "backend/cpu/kernels.h"
#include "jx/lax.h"
#include "jx/primitive.h"

namespace jx {

std::string shape_str(std::span<const int64_t> dims) {
  std::string s = "(";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  if (dims.size() == 1) s += ",";
  return s + ")";
}

std::string Shape::str() const { return shape_str(*this); }

std::string Aval::str() const {
  std::string s(dtype.short_name());
  s += "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

Array make_uninit(const Aval& aval, Device device) {
  auto impl = std::make_shared<ArrayImpl>();
  impl->aval = aval;
  impl->device = device;
  impl->buffer = allocate_buffer(size_t(aval.size()) * size_t(aval.dtype.itemsize()), device);
  return Array(std::move(impl));
}

Array make_view(const Aval& aval, Device device, std::shared_ptr<Buffer> buffer) {
  auto impl = std::make_shared<ArrayImpl>();
  impl->aval = aval;
  impl->device = device;
  impl->buffer = std::move(buffer);
  return Array(std::move(impl));
}

Array scalar_array(double value, DType dtype, bool weak_type) {
  Array a = make_uninit(Aval{dtype, {}, weak_type}, default_device());
  cpu::convert(float64, &value, dtype, a.impl().buffer->data(), 1);
  return a;
}

Array make_from_host(const void* src, const Aval& aval, Device device) {
  Array a = make_uninit(aval, device);
  size_t n = size_t(aval.size()) * size_t(aval.dtype.itemsize());
  if (n) std::memcpy(a.impl().buffer->data(), src, n);
  return a;
}

const void* Array::data(std::string_view op) const {
  const ArrayImpl& a = impl();
  if (!a.buffer && a.donated)
    throw_error(op, "this array (" + a.aval.str() +
                        ") was donated to a jitted function (donate_argnums) and its buffer "
                        "reused; a donated array cannot be used again");
  if (!a.buffer)
    throw_error(op, "the value of a traced array (" + a.aval.str() +
                        ") is not available inside a transformation; use it through jx operations, "
                        "or return it from the transformed function");
  return a.buffer->data();
}

Array Array::operator[](IndexAt at) const {
  CallSite site(at.loc);
  int64_t i = at.i;
  const Shape& s = shape();
  if (s.empty()) throw_error("getitem", "cannot index a 0-d array (shape ())");
  int64_t n = s[0];
  if (i < -n || i >= n)
    throw_error("getitem", "index " + std::to_string(i) + " is out of bounds for axis 0 with size " +
                               std::to_string(n));
  if (i < 0) i += n;
  std::vector<int64_t> start(s.size(), 0), limit(s.begin(), s.end());
  start[0] = i;
  limit[0] = i + 1;
  Shape rest(std::span<const int64_t>(s.data() + 1, s.size() - 1));
  return lax::reshape(lax::slice(*this, start, limit), rest);
}

}  // namespace jx
