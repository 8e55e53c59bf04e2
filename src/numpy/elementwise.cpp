// jx::np elementwise functions, and the promotion and broadcasting helpers
// every np function shares. Each function follows its jax.numpy definition
// (jax/_src/numpy/ufuncs.py): promote the operands, broadcast them, call lax.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "jx/primitive.h"
#include "numpy/np_internal.h"

namespace jx::np {
namespace detail {

// ------------------------------------------------------------------- dtypes
DType to_inexact(DType dt) {
  if (dt.is_floating()) return dt;
  return dt.bits() == 64 ? float64 : float32;
}

DType to_numeric(DType dt) { return dt.is_bool() ? int32 : dt; }

TypeResult result_type_of(std::span<const ArrayLike* const> args) {
  TypeResult r{args[0]->dtype(), args[0]->weak_type()};
  for (size_t i = 1; i < args.size(); ++i) {
    bool weak = false;
    r.dtype = promote_types(r.dtype, args[i]->dtype(), r.weak, args[i]->weak_type(), &weak);
    r.weak = weak;
  }
  return r;
}

Array convert(const Array& x, DType dt, bool weak) {
  if (x.dtype() == dt && x.weak_type() == weak) return x;
  if (!weak) return lax::convert_element_type(x, dt);
  // lax::convert_element_type always gives a strong result; a weak one (JAX's
  // _convert_element_type(x, dt, weak_type=True)) needs the primitive's param.
  static const Primitive* p = find_primitive("convert_element_type");
  return bind1(*p, {x}, Params{{"new_dtype", dt}, {"weak_type", true}});
}

// ------------------------------------------------------------------- broadcasting
std::string shapes_text(std::span<const Shape> shapes) {
  std::string s;
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (i) s += i + 1 == shapes.size() ? " and " : ", ";
    s += shapes[i].str();
  }
  return s;
}

Shape broadcast_shapes(std::string_view op, std::span<const Shape> shapes) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out;
  out.resize(rank, 1);
  for (const Shape& s : shapes) {
    size_t off = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t d = s[i], &o = out[off + i];
      if (d == o || d == 1) continue;
      if (o != 1) throw_error(op, "shapes " + shapes_text(shapes) + " cannot broadcast");
      o = d;
    }
  }
  return out;
}

Array broadcast_to(const Array& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  std::vector<int64_t> dims;
  int64_t off = int64_t(shape.size()) - x.ndim();
  for (int64_t i = 0; i < x.ndim(); ++i) dims.push_back(off + i);
  return lax::broadcast_in_dim(x, shape, std::move(dims));
}

std::vector<Array> promote_args(std::string_view op, std::span<const ArrayLike* const> args,
                                Promote how, bool broadcast) {
  TypeResult r = result_type_of(args);
  DType dt = how == Promote::kNumeric   ? to_numeric(r.dtype)
             : how == Promote::kInexact ? to_inexact(r.dtype)
                                        : r.dtype;
  Shape shape;
  if (broadcast && args.size() > 1) {
    std::vector<Shape> shapes;
    for (const ArrayLike* a : args) shapes.push_back(a->shape());
    shape = broadcast_shapes(op, shapes);
  }
  std::vector<Array> out;
  for (const ArrayLike* a : args) {
    // An operand already of the result dtype needs no convert when the result
    // is strong: the lax op's result is strong anyway.
    Array v = !a->is_scalar() && a->dtype() == dt && !r.weak ? a->array() : a->as(dt, r.weak, op);
    out.push_back(broadcast && args.size() > 1 ? broadcast_to(v, shape) : v);
  }
  return out;
}

// ------------------------------------------------------------------- constants
namespace {
// v converted to T as a C++ cast would, but without undefined behaviour for
// nan or out-of-range values going to an integer type.
template <class T, class S>
T cast_value(S v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != S(0);
  } else if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
    return T(float(v));
  } else if constexpr (std::is_integral_v<T> && std::is_floating_point_v<S>) {
    if (std::isnan(v)) return T(0);
    if (v <= double(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (v >= double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return T(v);
  } else {
    return T(v);
  }
}

template <class S>
Array make_scalar(S v, DType dt, bool weak) {
  return dispatch_dtype(dt, [&]<class T>() {
    T t = cast_value<T>(v);
    return make_from_host(&t, Aval{dt, Shape{}, weak}, default_device());
  });
}
}  // namespace

Array scalar(double v, DType dt, bool weak) { return make_scalar(v, dt, weak); }

Array filled(const Shape& shape, double v, DType dt, bool weak) {
  Array s = scalar(v, dt, weak);
  return shape.empty() ? s : lax::broadcast_in_dim(s, shape, {});
}

Array full_like_value(const Array& x, double v) {
  return filled(x.shape(), v, x.dtype(), x.weak_type());
}

double finfo_max(DType dt) {
  switch (dt.id) {
    case DTypeId::kFloat16:
      return 65504.0;
    case DTypeId::kBFloat16:
      return 3.3895313892515355e38;
    case DTypeId::kFloat32:
      return double(std::numeric_limits<float>::max());
    default:
      return std::numeric_limits<double>::max();
  }
}

Array to_bool(const Array& x) {
  return x.dtype().is_bool() ? x : lax::ne(x, full_like_value(x, 0));
}

// ------------------------------------------------------------------- axes
int canonical_axis(std::string_view op, int64_t axis, int64_t ndim) {
  if (axis < -ndim || axis >= ndim)
    throw_error(op, "axis " + std::to_string(axis) + " is out of bounds for array of dimension " +
                        std::to_string(ndim));
  return int(axis < 0 ? axis + ndim : axis);
}

std::vector<int64_t> canonical_axes(std::string_view op, const Axis& axis, int64_t ndim) {
  std::vector<int64_t> out;
  if (axis.is_none()) {
    for (int64_t i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  for (int a : axis.axes()) {
    int64_t c = canonical_axis(op, a, ndim);
    if (std::find(out.begin(), out.end(), c) != out.end())
      throw_error(op, "repeated axis " + std::to_string(a) + " in axis argument");
    out.push_back(c);
  }
  return out;
}

}  // namespace detail

using namespace detail;

// ------------------------------------------------------------------- ArrayLike
double ArrayLike::scalar_value() const {
  switch (kind_) {
    case Kind::kUInt:
      return double(u_);
    case Kind::kFloat:
      return f_;
    default:
      return double(i_);
  }
}

Array ArrayLike::array() const { return is_scalar() ? as(dtype_, weak_type()) : array_; }

Array ArrayLike::as(DType dt, bool weak, std::string_view op) const {
  switch (kind_) {
    case Kind::kArray:
      return convert(array_, dt, weak);
    case Kind::kFloat:
      return make_scalar(f_, dt, weak);
    case Kind::kBool:
      return make_scalar(i_ != 0, dt, weak);
    case Kind::kInt:
    case Kind::kUInt:
      break;
  }
  // As JAX does for a Python int, refuse an integer that the integer dtype
  // it is promoted to cannot hold (int8_array * 1000).
  if (dt.is_integer()) {
    bool fits = dispatch_dtype(dt, [&]<class T>() {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (kind_ == Kind::kUInt) return u_ <= uint64_t(std::numeric_limits<T>::max());
        if (i_ < 0) return std::is_signed_v<T> && i_ >= int64_t(std::numeric_limits<T>::lowest());
        return uint64_t(i_) <= uint64_t(std::numeric_limits<T>::max());
      } else {
        return true;
      }
    });
    if (!fits)
      throw_error(op, "C++ integer " +
                          (kind_ == Kind::kUInt ? std::to_string(u_) : std::to_string(i_)) +
                          " is out of bounds for " + std::string(dt.name()));
  }
  return kind_ == Kind::kUInt ? make_scalar(u_, dt, weak) : make_scalar(i_, dt, weak);
}

Array asarray(const ArrayLike& x, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  return dtype ? x.as(*dtype, false, "asarray") : x.array();
}

Array astype(const ArrayLike& x, DType dtype, Loc loc) {
  CallSite site(loc);
  return x.as(dtype, false, "astype");
}

DType result_type(const std::vector<ArrayLike>& args, Loc loc) {
  CallSite site(loc);
  if (args.empty()) throw_error("result_type", "needs at least one operand");
  std::vector<const ArrayLike*> p;
  for (const ArrayLike& a : args) p.push_back(&a);
  return result_type_of(p).dtype;
}

// ------------------------------------------------------------------- unary
namespace {
using LaxUnary = Array (*)(const Array&, lax::Loc);

// A float-only lax function applied after promoting x to a floating type.
Array inexact_unary(std::string_view op, const ArrayLike& x, LaxUnary f) {
  return f(promote1(op, x, Promote::kInexact), lax::Loc::current());
}
bool is_int_or_bool(DType dt) { return dt.is_integer() || dt.is_bool(); }
}  // namespace

Array negative(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = promote1("negative", x);
  if (a.dtype().is_bool()) throw_error("negative", "not supported for bool; use logical_not");
  return lax::neg(a);
}
Array positive(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  return promote1("positive", x);
}
Array sign(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  return lax::sign(promote1("sign", x));
}
Array floor(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  if (is_int_or_bool(x.dtype())) return x.array();
  return inexact_unary("floor", x, lax::floor);
}
Array ceil(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  if (is_int_or_bool(x.dtype())) return x.array();
  return inexact_unary("ceil", x, lax::ceil);
}
Array trunc(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  if (is_int_or_bool(a.dtype())) return a;
  return select(lax::lt(a, full_like_value(a, 0)), lax::ceil(a), lax::floor(a));
}
Array round(const ArrayLike& x, int decimals, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  DType dt = a.dtype();
  if (is_int_or_bool(dt)) {
    if (decimals < 0) throw_error("round", "integer round with decimals < 0 is not implemented");
    return a;
  }
  if (decimals == 0) return lax::round(a, lax::RoundingMethod::kToNearestEven);
  // Rounding beyond the input precision is a no-op.
  if (decimals > std::log10(finfo_max(dt))) return a;
  // Scale, round, unscale, as jnp does (in float32 for float16).
  Array b = dt == float16 ? convert(a, float32, a.weak_type()) : a;
  Array factor = full_like_value(b, std::pow(10.0, decimals));
  Array out =
      lax::div(lax::round(lax::mul(b, factor), lax::RoundingMethod::kToNearestEven), factor);
  return dt == float16 ? convert(out, float16, a.weak_type()) : out;
}
Array around(const ArrayLike& x, int decimals, Loc loc) {
  CallSite site(loc);
  return round(x, decimals);
}
Array rint(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  if (is_int_or_bool(a.dtype())) return convert(a, to_inexact(a.dtype()), false);
  return lax::round(a, lax::RoundingMethod::kToNearestEven);
}

#define JX_NP_INEXACT_UNARY(NAME, LAX_FN)        \
  Array NAME(const ArrayLike& x, Loc loc) {      \
    CallSite site(loc);                          \
    return inexact_unary(#NAME, x, lax::LAX_FN); \
  }
JX_NP_INEXACT_UNARY(exp, exp)
JX_NP_INEXACT_UNARY(exp2, exp2)
JX_NP_INEXACT_UNARY(expm1, expm1)
JX_NP_INEXACT_UNARY(log, log)
JX_NP_INEXACT_UNARY(log1p, log1p)
JX_NP_INEXACT_UNARY(sin, sin)
JX_NP_INEXACT_UNARY(cos, cos)
JX_NP_INEXACT_UNARY(tan, tan)
JX_NP_INEXACT_UNARY(arcsin, asin)
JX_NP_INEXACT_UNARY(arccos, acos)
JX_NP_INEXACT_UNARY(arctan, atan)
JX_NP_INEXACT_UNARY(sinh, sinh)
JX_NP_INEXACT_UNARY(cosh, cosh)
JX_NP_INEXACT_UNARY(tanh, tanh)
JX_NP_INEXACT_UNARY(arcsinh, asinh)
JX_NP_INEXACT_UNARY(arccosh, acosh)
JX_NP_INEXACT_UNARY(arctanh, atanh)
JX_NP_INEXACT_UNARY(sqrt, sqrt)
JX_NP_INEXACT_UNARY(cbrt, cbrt)
JX_NP_INEXACT_UNARY(fabs, abs)
#undef JX_NP_INEXACT_UNARY

Array log2(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = promote1("log2", x, Promote::kInexact);
  return lax::div(lax::log(a), full_like_value(a, std::numbers::ln2));
}
Array log10(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = promote1("log10", x, Promote::kInexact);
  return lax::div(lax::log(a), full_like_value(a, std::numbers::ln10));
}
Array abs(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  if (a.dtype().is_bool() || a.dtype().is_unsigned_int()) return a;
  return lax::abs(a);
}
Array absolute(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  return abs(x);
}
Array square(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  return lax::integer_pow(promote1("square", x, Promote::kNumeric), 2);
}
Array reciprocal(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  return lax::integer_pow(promote1("reciprocal", x, Promote::kInexact), -1);
}
Array deg2rad(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = promote1("deg2rad", x, Promote::kInexact);
  return lax::mul(a, full_like_value(a, std::numbers::pi / 180));
}
Array rad2deg(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = promote1("rad2deg", x, Promote::kInexact);
  return lax::mul(a, full_like_value(a, 180 / std::numbers::pi));
}
Array radians(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  return deg2rad(x);
}
Array degrees(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  return rad2deg(x);
}

// ------------------------------------------------------------------- arithmetic
Array add(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("add", x, y);
  return a.dtype().is_bool() ? lax::bitwise_or(a, b) : lax::add(a, b);
}
Array subtract(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("subtract", x, y);
  if (a.dtype().is_bool())
    throw_error("subtract", "boolean subtract is not supported; use logical_xor or bitwise_xor");
  return lax::sub(a, b);
}
Array multiply(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("multiply", x, y);
  return a.dtype().is_bool() ? lax::bitwise_and(a, b) : lax::mul(a, b);
}
Array true_divide(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("true_divide", x, y, Promote::kInexact);
  return lax::div(a, b);
}
Array divide(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("divide", x, y, Promote::kInexact);
  return lax::div(a, b);
}

namespace {
// CPython's float_divmod, as jnp's _float_divmod: (rounded quotient, modulus).
std::pair<Array, Array> float_divmod(const Array& x, const Array& y) {
  Array zero = full_like_value(x, 0);
  Array mod = lax::rem(x, y);
  Array x_corrected = select(lax::eq(y, zero), x, lax::sub(x, mod));
  Array div = lax::div(x_corrected, y);
  Array ind = lax::bitwise_and(lax::ne(mod, zero), lax::ne(lax::sign(y), lax::sign(mod)));
  mod = select(ind, lax::add(mod, y), mod);
  div = select(ind, lax::sub(div, full_like_value(div, 1)), div);
  return {lax::round(div), mod};
}
}  // namespace

Array floor_divide(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("floor_divide", x, y, Promote::kNumeric);
  DType dt = a.dtype();
  if (dt.is_unsigned_int()) return lax::div(a, b);
  if (dt.is_signed_int()) {
    Array q = lax::div(a, b);
    Array zero = full_like_value(a, 0);
    Array adjust =
        lax::bitwise_and(lax::ne(lax::sign(a), lax::sign(b)), lax::ne(lax::rem(a, b), zero));
    return select(adjust, lax::sub(q, full_like_value(q, 1)), q);
  }
  return float_divmod(a, b).first;
}

Array remainder(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("remainder", x, y, Promote::kNumeric);
  Array zero = full_like_value(a, 0);
  // Integer x % 0 is 0 in jnp: divide by one instead.
  if (b.dtype().is_integer()) b = select(lax::eq(b, zero), full_like_value(b, 1), b);
  Array trunc_mod = lax::rem(a, b);
  Array do_plus = lax::bitwise_and(lax::ne(lax::lt(trunc_mod, zero), lax::lt(b, zero)),
                                   lax::ne(trunc_mod, zero));
  return select(do_plus, lax::add(trunc_mod, b), trunc_mod);
}
Array mod(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  return remainder(x, y);
}
Array fmod(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("fmod", x, y, Promote::kNumeric);
  if (b.dtype().is_integer())
    b = select(lax::eq(b, full_like_value(b, 0)), full_like_value(b, 1), b);
  return lax::rem(a, b);
}

namespace {
// Integer power by binary exponentiation (jnp's _pow_int_int): six squarings
// cover every exponent whose result does not overflow for |x| > 1.
Array pow_int_int(Array x, Array y) {
  Array zero = full_like_value(y, 0), one = full_like_value(y, 1);
  Array acc = select(lax::bitwise_and(lax::eq(x, full_like_value(x, 0)), lax::ne(y, zero)),
                     full_like_value(x, 0), full_like_value(x, 1));
  for (int i = 0; i < 6; ++i) {
    acc = select(to_bool(lax::bitwise_and(y, one)), lax::mul(acc, x), acc);
    x = lax::mul(x, x);
    y = lax::shift_right_logical(y, one);
  }
  return acc;
}
}  // namespace

Array power(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  if (y.is_int_scalar())
    return lax::integer_pow(promote1("power", x, Promote::kNumeric), y.int_value());
  auto [a, b] = promote2("power", x, y, Promote::kNumeric);
  if (a.dtype().is_integer()) return pow_int_int(a, b);
  return lax::pow(a, b);
}
Array pow(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  return power(x, y);
}

Array maximum(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("maximum", x, y);
  return lax::max(a, b);
}
Array minimum(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("minimum", x, y);
  return lax::min(a, b);
}
Array fmax(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("fmax", x, y);
  Array take_a = lax::gt(a, b);
  if (a.dtype().is_floating()) take_a = lax::bitwise_or(take_a, lax::ne(b, b));
  return select(take_a, a, b);
}
Array fmin(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("fmin", x, y);
  Array take_a = lax::lt(a, b);
  if (a.dtype().is_floating()) take_a = lax::bitwise_or(take_a, lax::ne(b, b));
  return select(take_a, a, b);
}
Array arctan2(const ArrayLike& y, const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("arctan2", y, x, Promote::kInexact);
  return lax::atan2(a, b);
}
Array hypot(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a0, b0] = promote2("hypot", x, y, Promote::kInexact);
  Array a = lax::abs(a0), b = lax::abs(b0);
  Array inf = full_like_value(a, std::numeric_limits<double>::infinity());
  Array any_inf = lax::bitwise_or(lax::eq(a, inf), lax::eq(b, inf));
  Array hi = lax::max(a, b), lo = lax::min(a, b);
  Array zero = full_like_value(a, 0), one = full_like_value(a, 1);
  // hi * sqrt(1 + (lo/hi)^2), guarding hi == 0.
  Array hi_is_zero = lax::eq(hi, zero);
  Array ratio = lax::div(lo, select(hi_is_zero, one, hi));
  Array r = select(hi_is_zero, hi, lax::mul(hi, lax::sqrt(lax::add(one, lax::mul(ratio, ratio)))));
  return select(any_inf, inf, r);
}
Array nextafter(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("nextafter", x, y, Promote::kInexact);
  return lax::nextafter(a, b);
}

// ------------------------------------------------------------------- selection
Array where(const ArrayLike& cond, const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  Array c = to_bool(cond.array());
  const ArrayLike* xy[] = {&x, &y};
  auto v = promote_args("where", xy, Promote::kAny, /*broadcast=*/false);
  Shape shapes[] = {c.shape(), v[0].shape(), v[1].shape()};
  Shape shape = broadcast_shapes("where", shapes);
  return select(broadcast_to(c, shape), broadcast_to(v[0], shape), broadcast_to(v[1], shape));
}

Array clip(const ArrayLike& x, const std::optional<ArrayLike>& lo,
           const std::optional<ArrayLike>& hi, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  if (lo) a = maximum(*lo, a);
  if (hi) a = minimum(*hi, a);
  return a;
}

// ------------------------------------------------------------------- predicates
Array isnan(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  if (!a.dtype().is_floating()) return filled(a.shape(), 0, bool_);
  return lax::ne(a, a);
}
Array isinf(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  if (!a.dtype().is_floating()) return filled(a.shape(), 0, bool_);
  return lax::eq(lax::abs(a), full_like_value(a, std::numeric_limits<double>::infinity()));
}
Array isposinf(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  if (!a.dtype().is_floating()) return filled(a.shape(), 0, bool_);
  return lax::eq(a, full_like_value(a, std::numeric_limits<double>::infinity()));
}
Array isneginf(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  if (!a.dtype().is_floating()) return filled(a.shape(), 0, bool_);
  return lax::eq(a, full_like_value(a, -std::numeric_limits<double>::infinity()));
}
Array isfinite(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  if (!a.dtype().is_floating()) return filled(a.shape(), 1, bool_);
  return lax::is_finite(a);
}

Array isclose(const ArrayLike& x, const ArrayLike& y, double rtol, double atol, bool equal_nan,
              Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("isclose", x, y, Promote::kInexact);
  Array abs_b = lax::abs(b);
  Array in_range =
      lax::le(lax::abs(lax::sub(a, b)),
              lax::add(full_like_value(a, atol), lax::mul(full_like_value(a, rtol), abs_b)));
  Array out = lax::bitwise_or(lax::eq(a, b), lax::bitwise_and(lax::is_finite(b), in_range));
  if (equal_nan) out = lax::bitwise_or(out, lax::bitwise_and(lax::ne(a, a), lax::ne(b, b)));
  return out;
}
bool allclose(const ArrayLike& a, const ArrayLike& b, double rtol, double atol, bool equal_nan,
              Loc loc) {
  CallSite site(loc);
  return all(isclose(a, b, rtol, atol, equal_nan)).item<bool>();
}
bool array_equal(const ArrayLike& a, const ArrayLike& b, bool equal_nan, Loc loc) {
  CallSite site(loc);
  if (!(a.shape() == b.shape())) return false;
  Array eq = equal(a, b);
  if (equal_nan) eq = lax::bitwise_or(eq, lax::bitwise_and(isnan(a), isnan(b)));
  return all(eq).item<bool>();
}

Array nan_to_num(const ArrayLike& x, double nan, std::optional<double> posinf,
                 std::optional<double> neginf, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  DType dt = a.dtype();
  if (!dt.is_floating()) return a;
  double big = finfo_max(dt);
  Array out = select(lax::ne(a, a), full_like_value(a, nan), a);
  Array inf = full_like_value(a, std::numeric_limits<double>::infinity());
  out = select(lax::eq(out, inf), full_like_value(a, posinf.value_or(big)), out);
  out = select(lax::eq(out, lax::neg(inf)), full_like_value(a, neginf.value_or(-big)), out);
  return out;
}

// ------------------------------------------------------------------- logical / bitwise
namespace {
using LaxBinary = Array (*)(const Array&, const Array&, lax::Loc);

Array logical(std::string_view op, const ArrayLike& x, const ArrayLike& y, LaxBinary f) {
  auto [a, b] = promote2(op, x, y);
  return f(to_bool(a), to_bool(b), lax::Loc::current());
}
void check_bitwise(std::string_view op, const Array& a) {
  if (!(a.dtype().is_bool() || a.dtype().is_integer()))
    throw_error(op, "needs bool or integer operands, got " + std::string(a.dtype().name()));
}
Array bitwise(std::string_view op, const ArrayLike& x, const ArrayLike& y, LaxBinary f) {
  auto [a, b] = promote2(op, x, y);
  check_bitwise(op, a);
  return f(a, b, lax::Loc::current());
}
}  // namespace

Array logical_and(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  return logical("logical_and", x, y, lax::bitwise_and);
}
Array logical_or(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  return logical("logical_or", x, y, lax::bitwise_or);
}
Array logical_xor(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  return logical("logical_xor", x, y, lax::bitwise_xor);
}
Array logical_not(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  return lax::bitwise_not(to_bool(x.array()));
}
Array bitwise_and(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  return bitwise("bitwise_and", x, y, lax::bitwise_and);
}
Array bitwise_or(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  return bitwise("bitwise_or", x, y, lax::bitwise_or);
}
Array bitwise_xor(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  return bitwise("bitwise_xor", x, y, lax::bitwise_xor);
}
Array bitwise_not(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  check_bitwise("bitwise_not", a);
  return lax::bitwise_not(a);
}
Array invert(const ArrayLike& x, Loc loc) {
  CallSite site(loc);
  Array a = x.array();
  check_bitwise("invert", a);
  return lax::bitwise_not(a);
}
Array left_shift(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("left_shift", x, y, Promote::kNumeric);
  check_bitwise("left_shift", a);
  return lax::shift_left(a, b);
}
Array right_shift(const ArrayLike& x, const ArrayLike& y, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote2("right_shift", x, y, Promote::kNumeric);
  check_bitwise("right_shift", a);
  return a.dtype().is_unsigned_int() ? lax::shift_right_logical(a, b)
                                     : lax::shift_right_arithmetic(a, b);
}

// ------------------------------------------------------------------- comparisons
#define JX_NP_COMPARISON(NAME, LAX_FN)                          \
  Array NAME(const ArrayLike& x, const ArrayLike& y, Loc loc) { \
    CallSite site(loc);                                         \
    auto [a, b] = promote2(#NAME, x, y);                        \
    return lax::LAX_FN(a, b);                                   \
  }
JX_NP_COMPARISON(equal, eq)
JX_NP_COMPARISON(not_equal, ne)
JX_NP_COMPARISON(less, lt)
JX_NP_COMPARISON(less_equal, le)
JX_NP_COMPARISON(greater, gt)
JX_NP_COMPARISON(greater_equal, ge)
#undef JX_NP_COMPARISON

}  // namespace jx::np
