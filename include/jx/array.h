// jx::Array: an immutable n-dimensional value with a dtype, a shape and a
// device. Copying an Array copies a handle; the data is shared and never
// changes. Inside a transformation an Array may instead hold a tracer, which
// stands for a value the transformation is computing.
#pragma once

#include <concepts>
#include <cstring>
#include <iosfwd>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "jx/device.h"
#include "jx/dtype.h"
#include "jx/error.h"
#include "jx/shape.h"

namespace jx {

/// The abstract value of an array: what a transformation knows about it.
struct Aval {
  DType dtype;
  Shape shape;
  bool weak_type = false;
  bool operator==(const Aval&) const = default;
  int ndim() const { return int(shape.size()); }
  int64_t size() const { return shape.numel(); }
  /// "f32[3,4]" as jaxprs print avals.
  std::string str() const;
};

class Tracer;  // jx/primitive.h
namespace np {
class AtIndexer;  // jx/numpy_indexing.h
}  // namespace np

/// An index along axis 0 with the caller's location (x[i] cannot take a
/// defaulted location parameter; this implicit conversion carries it).
struct IndexAt {
  int64_t i;
  std::source_location loc;
  template <std::integral I>
  IndexAt(I i, std::source_location loc = std::source_location::current())  // NOLINT
      : i(int64_t(i)), loc(loc) {}
};

struct ArrayImpl {
  Aval aval;
  Device device;
  std::shared_ptr<Buffer> buffer;  // set for concrete arrays
  std::shared_ptr<Tracer> tracer;  // set for values inside a transformation
  bool donated = false;            // its buffer was given to a jitted function
  bool committed = false;          // placed by device_put: computation follows it
};

class Array {
 public:
  /// An empty handle; any use other than assignment is an error.
  Array() = default;
  explicit Array(std::shared_ptr<ArrayImpl> impl) : impl_(std::move(impl)) {}

  const Shape& shape() const { return impl().aval.shape; }
  DType dtype() const { return impl().aval.dtype; }
  int ndim() const { return int(impl().aval.shape.size()); }
  /// Number of elements.
  int64_t size() const { return impl().aval.shape.numel(); }
  /// Bytes of data (size() * itemsize).
  int64_t nbytes() const { return size() * dtype().itemsize(); }
  bool weak_type() const { return impl().aval.weak_type; }
  const Aval& aval() const { return impl().aval; }
  Device device() const { return impl().device; }
  bool defined() const { return impl_ != nullptr; }
  bool is_tracer() const { return impl().tracer != nullptr; }

  /// The single element converted to T; errors when size() != 1 or when the
  /// array is a tracer (its value is not known yet).
  template <class T>
  T item(std::source_location loc = std::source_location::current()) const;
  /// All elements, in row-major order, converted to T.
  template <class T>
  std::vector<T> to_vector(std::source_location loc = std::source_location::current()) const;

  /// The sub-array at index i along axis 0; negative i counts from the end.
  Array operator[](IndexAt i) const;
  /// The functional-update view x.at(idx...) (JAX's x.at[idx]): .set(v),
  /// .add(v), .get() ... Defined in jx/numpy_indexing.h (included by jx/jx.h).
  template <class... I>
  np::AtIndexer at(const I&... idx) const;
  /// Waits for pending work on this array (execution is synchronous today).
  const Array& block_until_ready() const { return *this; }

  /// Read-only view of a concrete array's data; errors for a tracer.
  const void* data(std::string_view op = "data") const;
  template <class T>
  const T* data_as() const {
    return static_cast<const T*>(data());
  }

  const std::shared_ptr<ArrayImpl>& impl_ptr() const { return impl_; }
  const ArrayImpl& impl() const {
    if (!impl_) throw_error("Array", "use of an empty (default-constructed) Array");
    return *impl_;
  }
  /// Marks the array as donated: its buffer now belongs to a jitted function
  /// and any later use is an error (jit's donate_argnums).
  void mark_donated() const {
    impl_->donated = true;
    impl_->buffer.reset();
  }

 private:
  std::shared_ptr<ArrayImpl> impl_;
};

/// A concrete array with uninitialised data (for kernels and factories).
Array make_uninit(const Aval& aval, Device device);
/// A concrete array that shares `buffer` with a new aval (same byte size).
Array make_view(const Aval& aval, Device device, std::shared_ptr<Buffer> buffer);
/// A concrete 0-d array holding `value` converted to `dtype` (never traced:
/// inside a transformation it is a constant).
Array scalar_array(double value, DType dtype, bool weak_type = false);
/// Copies `nbytes` of host data into a new array.
Array make_from_host(const void* src, const Aval& aval, Device device);

/// Prints as JAX does: `Array([1., 2.], dtype=float32)`.
std::ostream& operator<<(std::ostream& os, const Array& x);
/// The NumPy-style text of the values alone, e.g. "[[1, 2],\n [3, 4]]".
std::string array_str(const Array& x);

/// A copy of `x` on `device` (jax.device_put).
Array device_put(const Array& x, Device device,
                 std::source_location loc = std::source_location::current());

namespace detail {
// Converts n elements of dtype `dt` at src to T at dst.
template <class T>
void convert_to(const void* src, DType dt, T* dst, int64_t n) {
  dispatch_dtype(dt, [&]<class S>() {
    const S* s = static_cast<const S*>(src);
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, bool>)
        dst[i] = static_cast<float>(s[i]) != 0;
      else if constexpr (std::is_same_v<S, float16_t> || std::is_same_v<S, bfloat16_t>)
        dst[i] = static_cast<T>(static_cast<float>(s[i]));
      else
        dst[i] = static_cast<T>(s[i]);
    }
  });
}
}  // namespace detail

template <class T>
T Array::item(std::source_location loc) const {
  CallSite site(loc);
  if (size() != 1)
    throw_error("item",
                "can only convert an array of size 1 to a scalar, got shape " + shape().str());
  T out;
  detail::convert_to<T>(data("item"), dtype(), &out, 1);
  return out;
}

template <class T>
std::vector<T> Array::to_vector(std::source_location loc) const {
  CallSite site(loc);
  std::vector<T> out(static_cast<size_t>(size()));
  if constexpr (std::is_same_v<T, bool>) {
    auto tmp = std::make_unique<bool[]>(static_cast<size_t>(size()));
    detail::convert_to<bool>(data("to_vector"), dtype(), tmp.get(), size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = tmp[i];
  } else {
    detail::convert_to<T>(data("to_vector"), dtype(), out.data(), size());
  }
  return out;
}

}  // namespace jx
