// jx::np: the NumPy-like layer, with the names and semantics of jax.numpy.
//
// Every function here is a composition of jx::lax primitives, so it works
// eagerly and under every transformation. Binary functions broadcast with
// NumPy's rules and promote dtypes with JAX's lattice (jx::promote_types).
// A C++ arithmetic scalar passed where an array is expected (`np::add(x, 2)`,
// `x * 2`, `2.5 + x`) is a *weakly typed* 0-d array: int32 for C++ integers
// (int64 for 64-bit ones), float32 for float, float64 for double, and it
// yields to the dtype of the array it meets, so `x * 2` and `x + 1.5` keep x's
// dtype (an int32 array + 1.5 gives float32). Axes may be negative. Misuse
// throws jx::Error starting with `[op]` (the jnp name) and naming the shapes
// and dtypes at fault, located at the caller's line. The Array operators
// (`+ - * / % < <= > >= == != & | ^ ~`) live in namespace jx and call these
// functions: `/` is true_divide, `%` is mod, `==` compares elementwise.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <source_location>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/array.h"
#include "jx/dtype.h"
#include "jx/shape.h"

namespace jx::np {

using Loc = std::source_location;

// --- dtypes ------------------------------------------------------------------
using jx::bfloat16;
using jx::bool_;
using jx::DType;
using jx::float16;
using jx::float32;
using jx::float64;
using jx::int16;
using jx::int32;
using jx::int64;
using jx::int8;
using jx::uint16;
using jx::uint32;
using jx::uint64;
using jx::uint8;

/// A C++ type that can be an element of an array (arithmetic or a 16-bit float).
template <class T>
concept Element =
    std::is_arithmetic_v<T> || std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;
/// A C++ arithmetic scalar (what becomes a weakly typed value).
template <class T>
concept Scalar = std::is_arithmetic_v<T>;

/// An array or a C++ arithmetic scalar (jax.typing.ArrayLike). Scalars are
/// weakly typed, except bool: int32 for C++ integers (uint32 for unsigned int,
/// int64 / uint64 for 64-bit types), float32 for float, float64 for double.
/// A scalar is materialised directly in the dtype the operation promotes to.
class ArrayLike {
 public:
  ArrayLike(const Array& a) : array_(a) {}        // NOLINT: implicit by design
  ArrayLike(Array&& a) : array_(std::move(a)) {}  // NOLINT
  template <Scalar T>
  ArrayLike(T v) {  // NOLINT: implicit by design
    if constexpr (std::is_same_v<T, bool>) {
      kind_ = Kind::kBool;
      i_ = v;
      dtype_ = bool_;
    } else if constexpr (std::is_integral_v<T>) {
      kind_ = std::is_unsigned_v<T> && sizeof(T) == 8 ? Kind::kUInt : Kind::kInt;
      i_ = int64_t(v);
      u_ = uint64_t(v);
      dtype_ = sizeof(T) == 8 ? (std::is_unsigned_v<T> ? uint64 : int64)
                              : (std::is_unsigned_v<T> && sizeof(T) == 4 ? uint32 : int32);
    } else {
      kind_ = Kind::kFloat;
      f_ = double(v);
      dtype_ = std::is_same_v<T, float> ? float32 : float64;
    }
  }

  /// True for a C++ scalar, false for an Array.
  bool is_scalar() const { return kind_ != Kind::kArray; }
  /// True for a C++ integer scalar (not bool).
  bool is_int_scalar() const { return kind_ == Kind::kInt || kind_ == Kind::kUInt; }
  /// The integer value of an integer scalar.
  int64_t int_value() const { return i_; }
  /// The value of a scalar as a double.
  double scalar_value() const;
  DType dtype() const { return is_scalar() ? dtype_ : array_.dtype(); }
  bool weak_type() const { return is_scalar() ? kind_ != Kind::kBool : array_.weak_type(); }
  Shape shape() const { return is_scalar() ? Shape{} : array_.shape(); }
  /// The value as an array of its own dtype.
  Array array() const;
  /// The value converted to dtype `dt` with weak type `weak` (a scalar is
  /// created in that dtype; an array goes through convert_element_type).
  /// An integer scalar that `dt` cannot hold is an error reported for `op`.
  Array as(DType dt, bool weak, std::string_view op = "asarray") const;

 private:
  enum class Kind : uint8_t { kArray, kBool, kInt, kUInt, kFloat };
  Array array_;
  Kind kind_ = Kind::kArray;
  DType dtype_;
  int64_t i_ = 0;
  uint64_t u_ = 0;
  double f_ = 0;
};

/// An axis argument for reductions and friends: an int, a list of ints, or
/// none (the default: all axes). `np::sum(x)`, `np::sum(x, 1)`,
/// `np::sum(x, {0, 2})`. Empty braces `{}` mean none; an empty
/// `std::vector<int>{}` means no axes.
class Axis {
 public:
  Axis() = default;
  Axis(std::nullopt_t) {}  // NOLINT
  template <std::integral I>
  requires(!std::is_same_v<I, bool>) Axis(I axis)
      : axes_{int(axis)}, none_(false), single_(true) {}  // NOLINT
  Axis(std::initializer_list<int> axes) : axes_(axes), none_(false) {}
  Axis(const std::vector<int>& axes) : axes_(axes), none_(false) {}  // NOLINT
  Axis(const std::vector<int64_t>& axes)
      : axes_(axes.begin(), axes.end()), none_(false) {}  // NOLINT
  /// True when no axis was given (meaning: all axes).
  bool is_none() const { return none_; }
  /// True when given as a single int.
  bool is_single() const { return single_; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
  bool none_ = true;
  bool single_ = false;
};

// =============================================================================
// Construction
// =============================================================================

namespace detail {
/// A new concrete array holding a copy of shape.numel() elements of dtype `dt`
/// at `src`; `count` (if >= 0) is how many elements the caller has.
Array from_host(const void* src, int64_t count, DType dt, const Shape& shape, const Loc& loc);
/// The shape of a nested initializer list; errors when ragged.
Shape nested_shape(std::span<const int64_t> row_sizes, const Loc& loc);
}  // namespace detail

/// A 0-d array holding `v`, typed by the C++ type (float -> float32,
/// int -> int32, double -> float64); not weakly typed.
template <Element T>
Array array(T v, Loc loc = Loc::current()) {
  return detail::from_host(&v, 1, dtype_of<T>(), Shape{}, loc);
}
/// A 1-d array: `np::array({1.f, 2.f, 3.f})` is float32[3].
template <Element T>
Array array(std::initializer_list<T> data, Loc loc = Loc::current()) {
  int64_t n = int64_t(data.size());
  return detail::from_host(data.begin(), n, dtype_of<T>(), Shape{n}, loc);
}
/// A 2-d array from nested lists: `np::array({{1, 2}, {3, 4}})`; rows must
/// have equal lengths.
template <Element T>
Array array(std::initializer_list<std::initializer_list<T>> rows, Loc loc = Loc::current()) {
  std::vector<T> flat;
  std::vector<int64_t> sizes;
  for (const auto& r : rows) {
    sizes.push_back(int64_t(r.size()));
    flat.insert(flat.end(), r.begin(), r.end());
  }
  Shape s = detail::nested_shape(sizes, loc);
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(flat.begin(), flat.end());
    return detail::from_host(bytes.data(), int64_t(bytes.size()), bool_, s, loc);
  } else {
    return detail::from_host(flat.data(), int64_t(flat.size()), dtype_of<T>(), s, loc);
  }
}
/// An array of `data` with the given shape (row-major); errors when
/// data.size() != shape.numel(). Without a shape: 1-d.
template <Element T>
Array array(const std::vector<T>& data, const Shape& shape, Loc loc = Loc::current()) {
  if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> is packed
    std::vector<uint8_t> bytes(data.begin(), data.end());
    return detail::from_host(bytes.data(), int64_t(bytes.size()), bool_, shape, loc);
  } else {
    return detail::from_host(data.data(), int64_t(data.size()), dtype_of<T>(), shape, loc);
  }
}
template <Element T>
Array array(const std::vector<T>& data, Loc loc = Loc::current()) {
  return array(data, Shape{int64_t(data.size())}, loc);
}
/// An array holding a copy of shape.numel() elements at `ptr`.
template <Element T>
Array array(const T* ptr, const Shape& shape, Loc loc = Loc::current()) {
  return detail::from_host(ptr, -1, dtype_of<T>(), shape, loc);
}
/// `x` itself, or converted to `dtype` when given (jnp.asarray).
Array asarray(const ArrayLike& x, std::optional<DType> dtype = std::nullopt,
              Loc loc = Loc::current());

// =============================================================================
// Creation (creation.cpp). Shapes are Shapes: `np::zeros({2, 3})`.
// =============================================================================

/// An array of zeros (default float32).
Array zeros(const Shape& shape, DType dtype = float32, Loc loc = Loc::current());
/// An array of ones (default float32).
Array ones(const Shape& shape, DType dtype = float32, Loc loc = Loc::current());
/// jnp.empty: zeros (jx never hands out uninitialised memory).
Array empty(const Shape& shape, DType dtype = float32, Loc loc = Loc::current());
/// An array filled with `fill_value` (a scalar or an array broadcastable to
/// `shape`). Without dtype: the fill's dtype, where a C++ scalar gives the
/// default of its kind (bool, int32 / int64 for 64-bit integers, float32) and
/// a weakly typed result.
Array full(const Shape& shape, const ArrayLike& fill_value,
           std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
/// zeros/ones/full/empty with x's shape and (unless given) x's dtype.
Array zeros_like(const Array& x, std::optional<DType> dtype = std::nullopt,
                 Loc loc = Loc::current());
Array ones_like(const Array& x, std::optional<DType> dtype = std::nullopt,
                Loc loc = Loc::current());
Array empty_like(const Array& x, std::optional<DType> dtype = std::nullopt,
                 Loc loc = Loc::current());
Array full_like(const Array& x, const ArrayLike& fill_value,
                std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());

namespace detail {
Array arange_impl(double start, double stop, double step, bool integral, std::optional<DType> dtype,
                  const Loc& loc);
}
/// Evenly spaced values in [start, stop) (jnp.arange): integer arguments
/// give int32, floating ones float32, unless dtype says otherwise.
template <Scalar A>
Array arange(A stop, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) {
  return detail::arange_impl(0, double(stop), 1, std::is_integral_v<A>, dtype, loc);
}
template <Scalar A, Scalar B>
Array arange(A start, B stop, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) {
  return detail::arange_impl(double(start), double(stop), 1,
                             std::is_integral_v<A> && std::is_integral_v<B>, dtype, loc);
}
template <Scalar A, Scalar B, Scalar C>
Array arange(A start, B stop, C step, std::optional<DType> dtype = std::nullopt,
             Loc loc = Loc::current()) {
  return detail::arange_impl(
      double(start), double(stop), double(step),
      std::is_integral_v<A> && std::is_integral_v<B> && std::is_integral_v<C>, dtype, loc);
}
/// `num` evenly spaced values from start to stop (inclusive when endpoint);
/// default dtype float32; integer dtypes take the floor.
Array linspace(double start, double stop, int64_t num = 50, bool endpoint = true,
               std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
/// An N x M (default N x N) matrix with ones on diagonal k (k > 0: above).
Array eye(int64_t N, std::optional<int64_t> M = std::nullopt, int64_t k = 0, DType dtype = float32,
          Loc loc = Loc::current());
/// The n x n identity matrix.
Array identity(int64_t n, DType dtype = float32, Loc loc = Loc::current());
/// An N x M (default N x N) matrix with ones at and below diagonal k.
Array tri(int64_t N, std::optional<int64_t> M = std::nullopt, int64_t k = 0, DType dtype = float32,
          Loc loc = Loc::current());
/// x with the elements above diagonal k of its last two axes zeroed (ndim >= 2).
Array tril(const Array& x, int64_t k = 0, Loc loc = Loc::current());
/// x with the elements below diagonal k of its last two axes zeroed (ndim >= 2).
Array triu(const Array& x, int64_t k = 0, Loc loc = Loc::current());
/// Coordinate arrays from 1-d coordinate vectors; indexing "xy" (Cartesian,
/// the default: the first two output axes swapped) or "ij" (matrix).
std::vector<Array> meshgrid(const std::vector<Array>& xi, std::string_view indexing = "xy",
                            Loc loc = Loc::current());

// =============================================================================
// Elementwise (elementwise.cpp). Arguments broadcast; dtypes promote.
// =============================================================================

// Unary math. Functions that need a floating type (exp, sin, sqrt, ...)
// promote bool and integer inputs to float32 (float64 for 64-bit integers).
Array negative(const ArrayLike& x, Loc loc = Loc::current());
Array positive(const ArrayLike& x, Loc loc = Loc::current());
/// -1, 0 or 1 by the sign of x (nan for nan).
Array sign(const ArrayLike& x, Loc loc = Loc::current());
/// Rounding; integer and bool inputs are returned unchanged.
Array floor(const ArrayLike& x, Loc loc = Loc::current());
Array ceil(const ArrayLike& x, Loc loc = Loc::current());
Array trunc(const ArrayLike& x, Loc loc = Loc::current());
/// Rounds half to even, to `decimals` decimal places (jnp.round).
Array round(const ArrayLike& x, int decimals = 0, Loc loc = Loc::current());
Array around(const ArrayLike& x, int decimals = 0, Loc loc = Loc::current());
/// Rounds half to even; always returns a floating array (ints -> float32).
Array rint(const ArrayLike& x, Loc loc = Loc::current());
Array exp(const ArrayLike& x, Loc loc = Loc::current());
Array exp2(const ArrayLike& x, Loc loc = Loc::current());
Array expm1(const ArrayLike& x, Loc loc = Loc::current());
Array log(const ArrayLike& x, Loc loc = Loc::current());
Array log1p(const ArrayLike& x, Loc loc = Loc::current());
Array log2(const ArrayLike& x, Loc loc = Loc::current());
Array log10(const ArrayLike& x, Loc loc = Loc::current());
Array sin(const ArrayLike& x, Loc loc = Loc::current());
Array cos(const ArrayLike& x, Loc loc = Loc::current());
Array tan(const ArrayLike& x, Loc loc = Loc::current());
Array arcsin(const ArrayLike& x, Loc loc = Loc::current());
Array arccos(const ArrayLike& x, Loc loc = Loc::current());
Array arctan(const ArrayLike& x, Loc loc = Loc::current());
Array sinh(const ArrayLike& x, Loc loc = Loc::current());
Array cosh(const ArrayLike& x, Loc loc = Loc::current());
Array tanh(const ArrayLike& x, Loc loc = Loc::current());
Array arcsinh(const ArrayLike& x, Loc loc = Loc::current());
Array arccosh(const ArrayLike& x, Loc loc = Loc::current());
Array arctanh(const ArrayLike& x, Loc loc = Loc::current());
Array sqrt(const ArrayLike& x, Loc loc = Loc::current());
Array cbrt(const ArrayLike& x, Loc loc = Loc::current());
/// |x|; bool and unsigned inputs are returned unchanged.
Array abs(const ArrayLike& x, Loc loc = Loc::current());
Array absolute(const ArrayLike& x, Loc loc = Loc::current());
/// |x| as a floating array.
Array fabs(const ArrayLike& x, Loc loc = Loc::current());
/// x * x (bool promotes to int32).
Array square(const ArrayLike& x, Loc loc = Loc::current());
/// 1 / x as a floating array.
Array reciprocal(const ArrayLike& x, Loc loc = Loc::current());
Array deg2rad(const ArrayLike& x, Loc loc = Loc::current());
Array rad2deg(const ArrayLike& x, Loc loc = Loc::current());
Array radians(const ArrayLike& x, Loc loc = Loc::current());
Array degrees(const ArrayLike& x, Loc loc = Loc::current());

// Arithmetic.
/// x + y (logical or for bools).
Array add(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array subtract(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
/// x * y (logical and for bools).
Array multiply(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
/// x / y as a floating array (integers promote to float32).
Array divide(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array true_divide(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
/// floor(x / y) (Python's //); integer x // 0 follows jnp (-1 or -2 signed, all ones unsigned).
Array floor_divide(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
/// Remainder with the sign of y (Python's %); integer x % 0 is 0.
Array mod(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array remainder(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
/// Remainder with the sign of x (C's fmod); integer x fmod 0 is 0.
Array fmod(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
/// x ** y. A C++ integer exponent uses exact repeated multiplication
/// (lax.integer_pow) and keeps x's dtype; integer arrays use binary
/// exponentiation; otherwise lax.pow.
Array power(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array pow(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
/// Elementwise max / min, propagating nan.
Array maximum(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array minimum(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
/// Elementwise max / min ignoring nan (nan only where both are nan).
Array fmax(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array fmin(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array arctan2(const ArrayLike& y, const ArrayLike& x, Loc loc = Loc::current());
/// sqrt(x*x + y*y) without undue overflow.
Array hypot(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
/// The next representable value after x towards y.
Array nextafter(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());

// Selection and clipping.
/// x where cond else y; cond is converted to bool (nonzero is true).
Array where(const ArrayLike& cond, const ArrayLike& x, const ArrayLike& y,
            Loc loc = Loc::current());
/// x limited to [lo, hi]; either bound may be omitted (std::nullopt).
Array clip(const ArrayLike& x, const std::optional<ArrayLike>& lo = std::nullopt,
           const std::optional<ArrayLike>& hi = std::nullopt, Loc loc = Loc::current());

// Predicates (bool results).
Array isnan(const ArrayLike& x, Loc loc = Loc::current());
Array isinf(const ArrayLike& x, Loc loc = Loc::current());
Array isposinf(const ArrayLike& x, Loc loc = Loc::current());
Array isneginf(const ArrayLike& x, Loc loc = Loc::current());
Array isfinite(const ArrayLike& x, Loc loc = Loc::current());
/// |a - b| <= atol + rtol * |b| elementwise (equal infinities compare equal).
Array isclose(const ArrayLike& a, const ArrayLike& b, double rtol = 1e-05, double atol = 1e-08,
              bool equal_nan = false, Loc loc = Loc::current());
/// all(isclose(a, b)) as a C++ bool (needs concrete values).
bool allclose(const ArrayLike& a, const ArrayLike& b, double rtol = 1e-05, double atol = 1e-08,
              bool equal_nan = false, Loc loc = Loc::current());
/// True when a and b have the same shape and equal elements (needs concrete values).
bool array_equal(const ArrayLike& a, const ArrayLike& b, bool equal_nan = false,
                 Loc loc = Loc::current());
/// x with nan, +inf and -inf replaced (infinities default to the dtype's
/// largest finite values); non-floating x is returned unchanged.
Array nan_to_num(const ArrayLike& x, double nan = 0.0, std::optional<double> posinf = std::nullopt,
                 std::optional<double> neginf = std::nullopt, Loc loc = Loc::current());

// Logical and bitwise (bool or integer; logical_* convert to bool first).
Array logical_and(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array logical_or(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array logical_xor(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array logical_not(const ArrayLike& x, Loc loc = Loc::current());
Array bitwise_and(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array bitwise_or(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array bitwise_xor(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array bitwise_not(const ArrayLike& x, Loc loc = Loc::current());
Array invert(const ArrayLike& x, Loc loc = Loc::current());
Array left_shift(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
/// Arithmetic shift for signed types, logical for unsigned.
Array right_shift(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());

// Comparisons (bool results).
Array equal(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array not_equal(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array less(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array less_equal(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array greater(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());
Array greater_equal(const ArrayLike& x, const ArrayLike& y, Loc loc = Loc::current());

/// x converted to dtype (not weakly typed).
Array astype(const ArrayLike& x, DType dtype, Loc loc = Loc::current());
/// The dtype jnp.result_type gives these operands (weak scalars yield).
DType result_type(const std::vector<ArrayLike>& args, Loc loc = Loc::current());

// =============================================================================
// Reductions (reductions.cpp). axis: none (all), an int or a list; negative
// axes count from the end; keepdims keeps reduced axes with size 1.
// =============================================================================

/// Sum. Without dtype: bool and narrow integers accumulate in int32 (uint32
/// for unsigned), float16/bfloat16 accumulate in float32.
Array sum(const Array& x, Axis axis = {}, bool keepdims = false,
          std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
/// Product, with sum's dtype rules.
Array prod(const Array& x, Axis axis = {}, bool keepdims = false,
           std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
/// Arithmetic mean; integer and bool inputs give float32.
Array mean(const Array& x, Axis axis = {}, bool keepdims = false,
           std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
/// Variance, dividing by N - ddof; integer inputs give float32.
Array var(const Array& x, Axis axis = {}, int ddof = 0, bool keepdims = false,
          Loc loc = Loc::current());
/// Standard deviation: sqrt(var(x, axis, ddof)).
Array std(const Array& x, Axis axis = {}, int ddof = 0, bool keepdims = false,
          Loc loc = Loc::current());
// Catch `var(x, axis, true)` meant as keepdims.
Array var(const Array& x, Axis axis, bool, bool = false, Loc = Loc::current()) = delete;
Array std(const Array& x, Axis axis, bool, bool = false, Loc = Loc::current()) = delete;
/// Maximum / minimum; errors on an empty reduction.
Array max(const Array& x, Axis axis = {}, bool keepdims = false, Loc loc = Loc::current());
Array min(const Array& x, Axis axis = {}, bool keepdims = false, Loc loc = Loc::current());
Array amax(const Array& x, Axis axis = {}, bool keepdims = false, Loc loc = Loc::current());
Array amin(const Array& x, Axis axis = {}, bool keepdims = false, Loc loc = Loc::current());
/// max - min ("peak to peak").
Array ptp(const Array& x, Axis axis = {}, bool keepdims = false, Loc loc = Loc::current());
/// Whether any / all elements are nonzero (bool results).
Array any(const Array& x, Axis axis = {}, bool keepdims = false, Loc loc = Loc::current());
Array all(const Array& x, Axis axis = {}, bool keepdims = false, Loc loc = Loc::current());
/// Index (int32) of the first maximum / minimum along axis; without an axis,
/// of the flattened array.
Array argmax(const Array& x, std::optional<int> axis = std::nullopt, bool keepdims = false,
             Loc loc = Loc::current());
Array argmin(const Array& x, std::optional<int> axis = std::nullopt, bool keepdims = false,
             Loc loc = Loc::current());
/// Number of nonzero elements (int32).
Array count_nonzero(const Array& x, Axis axis = {}, bool keepdims = false,
                    Loc loc = Loc::current());

// =============================================================================
// Manipulation (manipulation.cpp)
// =============================================================================

/// x with a new shape of the same size; one entry may be -1 (inferred).
Array reshape(const Array& x, const Shape& shape, Loc loc = Loc::current());
/// x flattened to 1-d (row-major).
Array ravel(const Array& x, Loc loc = Loc::current());
/// x with its axes permuted; no axes (the default) reverses them.
Array transpose(const Array& x, const std::vector<int>& axes = {}, Loc loc = Loc::current());
/// x with axes a and b exchanged.
Array swapaxes(const Array& x, int a, int b, Loc loc = Loc::current());
/// x with axis `source` moved to position `destination` (others keep order).
Array moveaxis(const Array& x, int source, int destination, Loc loc = Loc::current());
Array moveaxis(const Array& x, const std::vector<int>& source, const std::vector<int>& destination,
               Loc loc = Loc::current());
/// x with size-1 axes inserted at the given positions of the result.
Array expand_dims(const Array& x, Axis axis, Loc loc = Loc::current());
/// x without the given size-1 axes (default: all size-1 axes).
Array squeeze(const Array& x, Axis axis = {}, Loc loc = Loc::current());
/// x broadcast to `shape` (NumPy rules; x's rank must not exceed it).
Array broadcast_to(const ArrayLike& x, const Shape& shape, Loc loc = Loc::current());
/// The arrays broadcast to their common shape.
std::vector<Array> broadcast_arrays(const std::vector<Array>& arrays, Loc loc = Loc::current());
/// The common broadcast shape of several shapes.
Shape broadcast_shapes(const std::vector<Shape>& shapes, Loc loc = Loc::current());
/// Arrays joined along an existing axis (dtypes promote); std::nullopt
/// flattens them first.
Array concatenate(const std::vector<Array>& arrays, std::optional<int> axis = 0,
                  Loc loc = Loc::current());
/// Arrays of one shape joined along a new axis.
Array stack(const std::vector<Array>& arrays, int axis = 0, Loc loc = Loc::current());
/// Column-wise join (axis 0 for 1-d inputs, else axis 1).
Array hstack(const std::vector<Array>& arrays, Loc loc = Loc::current());
/// Row-wise join (1-d inputs become rows).
Array vstack(const std::vector<Array>& arrays, Loc loc = Loc::current());
/// Depth-wise join along a third axis.
Array dstack(const std::vector<Array>& arrays, Loc loc = Loc::current());
/// x with at least 1 / 2 / 3 dimensions.
Array atleast_1d(const Array& x, Loc loc = Loc::current());
Array atleast_2d(const Array& x, Loc loc = Loc::current());
Array atleast_3d(const Array& x, Loc loc = Loc::current());
/// x split into `sections` equal parts along axis (errors when not divisible).
std::vector<Array> split(const Array& x, int64_t sections, int axis = 0, Loc loc = Loc::current());
/// x split before each of the (sorted) indices along axis.
std::vector<Array> split(const Array& x, const std::vector<int64_t>& indices, int axis = 0,
                         Loc loc = Loc::current());
std::vector<Array> split(const Array& x, std::initializer_list<int64_t> indices, int axis = 0,
                         Loc loc = Loc::current());
/// Like split, but `sections` need not divide the axis: the first
/// (n % sections) parts get one extra element.
std::vector<Array> array_split(const Array& x, int64_t sections, int axis = 0,
                               Loc loc = Loc::current());
std::vector<Array> array_split(const Array& x, const std::vector<int64_t>& indices, int axis = 0,
                               Loc loc = Loc::current());
std::vector<Array> array_split(const Array& x, std::initializer_list<int64_t> indices, int axis = 0,
                               Loc loc = Loc::current());
/// x repeated `reps` times along each axis (reps padded with leading 1s).
Array tile(const Array& x, const std::vector<int64_t>& reps, Loc loc = Loc::current());
Array tile(const Array& x, int64_t reps, Loc loc = Loc::current());
/// Each element repeated `repeats` times along axis (none: of the flattened x).
Array repeat(const Array& x, int64_t repeats, std::optional<int> axis = std::nullopt,
             Loc loc = Loc::current());
/// x reversed along the given axes (default: all).
Array flip(const Array& x, Axis axis = {}, Loc loc = Loc::current());
Array fliplr(const Array& x, Loc loc = Loc::current());
Array flipud(const Array& x, Loc loc = Loc::current());
/// Elements shifted by `shift` along axis (wrapping); without an axis, the
/// flattened array is rolled and reshaped back.
Array roll(const Array& x, int64_t shift, Axis axis = {}, Loc loc = Loc::current());
Array roll(const Array& x, const std::vector<int64_t>& shifts, const std::vector<int>& axes,
           Loc loc = Loc::current());

/// pad_width for np::pad: one int (every side), one (before, after) pair for
/// every axis, `{b, a}`, or a pair per axis, `{{b0, a0}, {b1, a1}}`.
class PadWidth {
 public:
  PadWidth(int64_t n) : pairs_{{n, n}} {}  // NOLINT
  PadWidth(std::initializer_list<int64_t> pair);
  PadWidth(std::initializer_list<std::initializer_list<int64_t>> pairs);
  PadWidth(std::vector<std::pair<int64_t, int64_t>> pairs) : pairs_(std::move(pairs)) {}  // NOLINT
  /// One (before, after) pair per axis of an ndim-d array.
  std::vector<std::pair<int64_t, int64_t>> resolve(int64_t ndim) const;

 private:
  std::vector<std::pair<int64_t, int64_t>> pairs_;
  bool bad_ = false;
};
/// x padded: mode "constant" (with constant_values), "edge", "reflect"
/// (mirror without repeating the edge), "symmetric" (with it) or "wrap".
Array pad(const Array& x, const PadWidth& pad_width, std::string_view mode = "constant",
          const ArrayLike& constant_values = 0, Loc loc = Loc::current());

}  // namespace jx::np

// =============================================================================
// Operators on Array (found by ADL), with the semantics of the np functions.
// =============================================================================
namespace jx {

namespace detail {
/// An Array operand of an operator, carrying the caller's source location:
/// operators cannot take a defaulted location parameter, but the implicit
/// conversion to this type evaluates its default argument at the user's
/// expression, so operator errors still point at the user's line.
struct ArrayAt {
  const Array& a;
  std::source_location loc;
  ArrayAt(const Array& a, std::source_location loc = std::source_location::current())  // NOLINT
      : a(a), loc(loc) {}
};
}  // namespace detail

// Array-Array forms are defined in src/numpy/operators.cpp; the scalar forms
// make the scalar a weakly typed operand (x * 2 keeps x's dtype).
#define JX_NP_BINARY_OPERATOR(OP, FN)                          \
  Array operator OP(detail::ArrayAt x, const Array& y);        \
  template <np::Scalar T>                                      \
  Array operator OP(detail::ArrayAt x, T y) {                  \
    return np::FN(x.a, y, x.loc);                              \
  }                                                            \
  template <np::Scalar T>                                      \
  Array operator OP(T x, detail::ArrayAt y) {                  \
    return np::FN(x, y.a, y.loc);                              \
  }

JX_NP_BINARY_OPERATOR(+, add)
JX_NP_BINARY_OPERATOR(-, subtract)
JX_NP_BINARY_OPERATOR(*, multiply)
JX_NP_BINARY_OPERATOR(/, true_divide)
JX_NP_BINARY_OPERATOR(%, mod)
JX_NP_BINARY_OPERATOR(<, less)
JX_NP_BINARY_OPERATOR(<=, less_equal)
JX_NP_BINARY_OPERATOR(>, greater)
JX_NP_BINARY_OPERATOR(>=, greater_equal)
JX_NP_BINARY_OPERATOR(==, equal)
JX_NP_BINARY_OPERATOR(!=, not_equal)
JX_NP_BINARY_OPERATOR(&, bitwise_and)
JX_NP_BINARY_OPERATOR(|, bitwise_or)
JX_NP_BINARY_OPERATOR(^, bitwise_xor)
#undef JX_NP_BINARY_OPERATOR

/// -x (np::negative), +x (np::positive), ~x (np::invert).
Array operator-(detail::ArrayAt x);
Array operator+(detail::ArrayAt x);
Array operator~(detail::ArrayAt x);

/// Compound assignment rebinds the handle to a new array (arrays never change).
Array& operator+=(Array& x, const np::ArrayLike& y);
Array& operator-=(Array& x, const np::ArrayLike& y);
Array& operator*=(Array& x, const np::ArrayLike& y);
Array& operator/=(Array& x, const np::ArrayLike& y);

}  // namespace jx
