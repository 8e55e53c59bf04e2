// Elementwise primitives: one and two operands, comparisons, integer_pow,
// select_n and clamp. Each entry of the tables below is one primitive: its
// name, its kernel op and the dtypes it accepts (jax.lax's rules).
#include <array>

#include "backend/cpu/kernels.h"
#include "jx/lax.h"
#include "prims/rules.h"

namespace jx::prims {
namespace {

using cpu::BinaryOp;
using cpu::UnaryOp;

struct UnaryDef {
  const char* name;
  UnaryOp op;
  unsigned classes;
};
constexpr UnaryDef kUnary[] = {
    {"neg", UnaryOp::kNeg, kNumClass},
    {"sign", UnaryOp::kSign, kNumClass},
    {"floor", UnaryOp::kFloor, kFloatClass},
    {"ceil", UnaryOp::kCeil, kFloatClass},
    {"round", UnaryOp::kRoundAway, kFloatClass},  // rounding_method picks the op
    {"is_finite", UnaryOp::kIsFinite, kFloatClass},
    {"exp", UnaryOp::kExp, kFloatClass},
    {"exp2", UnaryOp::kExp2, kFloatClass},
    {"log", UnaryOp::kLog, kFloatClass},
    {"log1p", UnaryOp::kLog1p, kFloatClass},
    {"expm1", UnaryOp::kExpm1, kFloatClass},
    {"tanh", UnaryOp::kTanh, kFloatClass},
    {"logistic", UnaryOp::kLogistic, kFloatClass},
    {"sin", UnaryOp::kSin, kFloatClass},
    {"cos", UnaryOp::kCos, kFloatClass},
    {"tan", UnaryOp::kTan, kFloatClass},
    {"asin", UnaryOp::kAsin, kFloatClass},
    {"acos", UnaryOp::kAcos, kFloatClass},
    {"atan", UnaryOp::kAtan, kFloatClass},
    {"sinh", UnaryOp::kSinh, kFloatClass},
    {"cosh", UnaryOp::kCosh, kFloatClass},
    {"asinh", UnaryOp::kAsinh, kFloatClass},
    {"acosh", UnaryOp::kAcosh, kFloatClass},
    {"atanh", UnaryOp::kAtanh, kFloatClass},
    {"sqrt", UnaryOp::kSqrt, kFloatClass},
    {"rsqrt", UnaryOp::kRsqrt, kFloatClass},
    {"cbrt", UnaryOp::kCbrt, kFloatClass},
    {"abs", UnaryOp::kAbs, kNumClass},
    {"erf", UnaryOp::kErf, kFloatClass},
    {"erfc", UnaryOp::kErfc, kFloatClass},
    {"erf_inv", UnaryOp::kErfInv, kFloatClass},
    {"lgamma", UnaryOp::kLgamma, kFloatClass},
    {"digamma", UnaryOp::kDigamma, kFloatClass},
    {"not", UnaryOp::kNot, kBoolOrIntClass},
    {"population_count", UnaryOp::kPopulationCount, kIntClass},
    {"clz", UnaryOp::kClz, kIntClass},
};
constexpr size_t kNumUnary = std::size(kUnary);

struct BinaryDef {
  const char* name;
  BinaryOp op;
  unsigned classes;
};
constexpr BinaryDef kBinary[] = {
    {"add", BinaryOp::kAdd, kNumClass},
    {"sub", BinaryOp::kSub, kNumClass},
    {"mul", BinaryOp::kMul, kNumClass},
    {"div", BinaryOp::kDiv, kNumClass},
    {"rem", BinaryOp::kRem, kNumClass},
    {"pow", BinaryOp::kPow, kFloatClass},
    {"max", BinaryOp::kMax, kAnyClass},
    {"min", BinaryOp::kMin, kAnyClass},
    {"atan2", BinaryOp::kAtan2, kFloatClass},
    {"nextafter", BinaryOp::kNextafter, kFloatClass},
    {"and", BinaryOp::kAnd, kBoolOrIntClass},
    {"or", BinaryOp::kOr, kBoolOrIntClass},
    {"xor", BinaryOp::kXor, kBoolOrIntClass},
    {"shift_left", BinaryOp::kShiftLeft, kIntClass},
    {"shift_right_logical", BinaryOp::kShiftRightLogical, kIntClass},
    {"shift_right_arithmetic", BinaryOp::kShiftRightArithmetic, kIntClass},
    {"eq", BinaryOp::kEq, kAnyClass},
    {"ne", BinaryOp::kNe, kAnyClass},
    {"lt", BinaryOp::kLt, kAnyClass},
    {"le", BinaryOp::kLe, kAnyClass},
    {"gt", BinaryOp::kGt, kAnyClass},
    {"ge", BinaryOp::kGe, kAnyClass},
};
constexpr size_t kNumBinary = std::size(kBinary);

Primitive make_unary(const UnaryDef& def) {
  Primitive p;
  p.name = def.name;
  unsigned classes = def.classes;
  std::string name = def.name;
  p.abstract_eval = [name, classes, op = def.op](std::span<const Aval> in, const Params&) {
    if (in.size() != 1)
      throw_error(name, "expected 1 operand, got " + std::to_string(in.size()));
    check_dtype(name, in[0], classes);
    Aval out = in[0];
    if (op == UnaryOp::kIsFinite) {
      out.dtype = bool_;
      out.weak_type = false;
    }
    return std::vector<Aval>{out};
  };
  p.impl = [op = def.op](std::span<const Array> in, std::span<Array> out, const Params& params) {
    UnaryOp k = op;
    if (op == UnaryOp::kRoundAway && params.has("rounding_method") &&
        params.get_int("rounding_method") == 1)
      k = UnaryOp::kRoundEven;
    cpu::unary(k, in[0].dtype(), in_data(in[0]), out_data(out[0]), in[0].size());
  };
  return p;
}

Primitive make_binary(const BinaryDef& def) {
  Primitive p;
  p.name = def.name;
  unsigned classes = def.classes;
  std::string name = def.name;
  p.abstract_eval = [name, classes, op = def.op](std::span<const Aval> in, const Params&) {
    if (in.size() != 2)
      throw_error(name, "expected 2 operands, got " + std::to_string(in.size()));
    check_dtype(name, in[0], classes);
    if (op == BinaryOp::kPow && in[1].dtype.is_integer()) {
      // lax.pow takes an integer exponent array as well (JAX converts it).
      if (!(in[1].shape == in[0].shape))
        throw_error(name, "operands must have equal shapes, got " + in[0].shape.str() + " and " +
                              in[1].shape.str());
      Aval out = in[0];
      return std::vector<Aval>{out};
    }
    check_dtype(name, in[1], classes);
    check_same(name, in);
    Aval out = in[0];
    out.weak_type = all_weak(in);
    if (cpu::is_comparison(op)) {
      out.dtype = bool_;
      out.weak_type = false;
    }
    return std::vector<Aval>{out};
  };
  p.impl = [op = def.op](std::span<const Array> in, std::span<Array> out, const Params&) {
    if (in[1].dtype() != in[0].dtype()) {  // pow with an integer exponent
      Array y = make_uninit(Aval{in[0].dtype(), in[1].shape(), false}, in[1].device());
      cpu::convert(in[1].dtype(), in_data(in[1]), in[0].dtype(), out_data(y), in[1].size());
      cpu::binary(op, in[0].dtype(), in_data(in[0]), in_data(y), out_data(out[0]), in[0].size());
      return;
    }
    cpu::binary(op, in[0].dtype(), in_data(in[0]), in_data(in[1]), out_data(out[0]),
                in[0].size());
  };
  return p;
}

struct Tables {
  std::array<Primitive, kNumUnary> unary;
  std::array<Primitive, kNumBinary> binary;
  Tables() {
    for (size_t i = 0; i < kNumUnary; ++i) register_primitive(unary[i] = make_unary(kUnary[i]));
    for (size_t i = 0; i < kNumBinary; ++i) register_primitive(binary[i] = make_binary(kBinary[i]));
  }
};
Tables& tables() {
  static Tables* t = new Tables();
  return *t;
}
const Tables& g_force_registration = tables();

const Primitive& unary_p(UnaryOp op) {
  for (size_t i = 0; i < kNumUnary; ++i)
    if (kUnary[i].op == op) return tables().unary[i];
  throw_error("lax", "internal: unknown unary op");
}
const Primitive& binary_p(BinaryOp op) {
  for (size_t i = 0; i < kNumBinary; ++i)
    if (kBinary[i].op == op) return tables().binary[i];
  throw_error("lax", "internal: unknown binary op");
}

Primitive make_integer_pow() {
  Primitive p;
  p.name = "integer_pow";
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    check_dtype("integer_pow", in[0], kNumClass);
    int64_t y = params.get_int("y");
    if (y < 0 && !in[0].dtype.is_floating())
      throw_error("integer_pow", "negative exponent " + std::to_string(y) +
                                     " needs a floating operand, got " + in[0].str());
    return std::vector<Aval>{in[0]};
  };
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params& params) {
    cpu::integer_pow(in[0].dtype(), in_data(in[0]), out_data(out[0]), in[0].size(),
                     params.get_int("y"));
  };
  return p;
}
Primitive integer_pow_p = make_integer_pow();
const Primitive& integer_pow_reg = register_primitive(integer_pow_p);

Primitive make_select_n() {
  Primitive p;
  p.name = "select_n";
  p.abstract_eval = [](std::span<const Aval> in, const Params&) {
    if (in.size() < 2)
      throw_error("select_n", "needs a predicate and at least one case, got " +
                                  std::to_string(in.size()) + " operands");
    const Aval& which = in[0];
    if (!(which.dtype == bool_ || which.dtype == int32))
      throw_error("select_n", "the predicate must be bool or int32, got " + which.str());
    if (which.dtype == bool_ && in.size() > 3)
      throw_error("select_n", "a bool predicate selects between at most 2 cases, got " +
                                  std::to_string(in.size() - 1));
    auto cases = in.subspan(1);
    check_same("select_n", cases);
    if (which.ndim() != 0 && !(which.shape == cases[0].shape))
      throw_error("select_n", "the predicate's shape " + which.shape.str() +
                                  " must be () or the cases' shape " + cases[0].shape.str());
    Aval out = cases[0];
    out.weak_type = all_weak(cases);
    return std::vector<Aval>{out};
  };
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params&) {
    std::vector<const void*> cases;
    for (size_t i = 1; i < in.size(); ++i) cases.push_back(in_data(in[i]));
    int64_t n = out[0].size();
    const Array& which = in[0];
    if (which.ndim() == 0 && n != 1) {
      // A scalar predicate picks a whole case.
      int64_t c = which.dtype() == bool_ ? int64_t(*which.data_as<bool>()) : int64_t(*which.data_as<int32_t>());
      if (c < 0 || c >= int64_t(cases.size())) c = c < 0 ? 0 : int64_t(cases.size()) - 1;
      std::memcpy(out_data(out[0]), cases[size_t(c)], size_t(out[0].nbytes()));
      return;
    }
    cpu::select_n(which.dtype(), in_data(which), cases, out[0].dtype().itemsize(),
                  out_data(out[0]), n);
  };
  return p;
}
Primitive select_n_p = make_select_n();
const Primitive& select_n_reg = register_primitive(select_n_p);

Primitive make_clamp() {
  Primitive p;
  p.name = "clamp";
  p.abstract_eval = [](std::span<const Aval> in, const Params&) {
    const Aval &lo = in[0], &x = in[1], &hi = in[2];
    check_dtype("clamp", x, kAnyClass);
    for (const Aval* b : {&lo, &hi}) {
      if (!(b->dtype == x.dtype))
        throw_error("clamp", "bounds must have the operand's dtype " + std::string(x.dtype.name()) +
                                 ", got " + b->str());
      if (b->ndim() != 0 && !(b->shape == x.shape))
        throw_error("clamp", "bounds must be scalars or have the operand's shape " +
                                 x.shape.str() + ", got " + b->str());
    }
    Aval out = x;
    out.weak_type = all_weak(in);
    return std::vector<Aval>{out};
  };
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params&) {
    cpu::clamp(in[1].dtype(), in_data(in[0]), in[0].ndim() == 0, in_data(in[1]), in_data(in[2]),
               in[2].ndim() == 0, out_data(out[0]), in[1].size());
  };
  return p;
}
Primitive clamp_p = make_clamp();
const Primitive& clamp_reg = register_primitive(clamp_p);

Array un(UnaryOp op, const Array& x, const Loc& loc, const Params& params = {}) {
  CallSite site(loc);
  return bind1(unary_p(op), {x}, params);
}
Array bin(BinaryOp op, const Array& x, const Array& y, const Loc& loc) {
  CallSite site(loc);
  return bind1(binary_p(op), {x, y});
}

}  // namespace
}  // namespace jx::prims

namespace jx::lax {
using prims::bin;
using prims::un;
using cpu::BinaryOp;
using cpu::UnaryOp;

Array neg(const Array& x, Loc loc) { return un(UnaryOp::kNeg, x, loc); }
Array sign(const Array& x, Loc loc) { return un(UnaryOp::kSign, x, loc); }
Array floor(const Array& x, Loc loc) { return un(UnaryOp::kFloor, x, loc); }
Array ceil(const Array& x, Loc loc) { return un(UnaryOp::kCeil, x, loc); }
Array round(const Array& x, RoundingMethod method, Loc loc) {
  return un(UnaryOp::kRoundAway, x, loc, Params{{"rounding_method", int64_t(method)}});
}
Array is_finite(const Array& x, Loc loc) { return un(UnaryOp::kIsFinite, x, loc); }
Array exp(const Array& x, Loc loc) { return un(UnaryOp::kExp, x, loc); }
Array exp2(const Array& x, Loc loc) { return un(UnaryOp::kExp2, x, loc); }
Array log(const Array& x, Loc loc) { return un(UnaryOp::kLog, x, loc); }
Array log1p(const Array& x, Loc loc) { return un(UnaryOp::kLog1p, x, loc); }
Array expm1(const Array& x, Loc loc) { return un(UnaryOp::kExpm1, x, loc); }
Array tanh(const Array& x, Loc loc) { return un(UnaryOp::kTanh, x, loc); }
Array logistic(const Array& x, Loc loc) { return un(UnaryOp::kLogistic, x, loc); }
Array sin(const Array& x, Loc loc) { return un(UnaryOp::kSin, x, loc); }
Array cos(const Array& x, Loc loc) { return un(UnaryOp::kCos, x, loc); }
Array tan(const Array& x, Loc loc) { return un(UnaryOp::kTan, x, loc); }
Array asin(const Array& x, Loc loc) { return un(UnaryOp::kAsin, x, loc); }
Array acos(const Array& x, Loc loc) { return un(UnaryOp::kAcos, x, loc); }
Array atan(const Array& x, Loc loc) { return un(UnaryOp::kAtan, x, loc); }
Array sinh(const Array& x, Loc loc) { return un(UnaryOp::kSinh, x, loc); }
Array cosh(const Array& x, Loc loc) { return un(UnaryOp::kCosh, x, loc); }
Array asinh(const Array& x, Loc loc) { return un(UnaryOp::kAsinh, x, loc); }
Array acosh(const Array& x, Loc loc) { return un(UnaryOp::kAcosh, x, loc); }
Array atanh(const Array& x, Loc loc) { return un(UnaryOp::kAtanh, x, loc); }
Array sqrt(const Array& x, Loc loc) { return un(UnaryOp::kSqrt, x, loc); }
Array rsqrt(const Array& x, Loc loc) { return un(UnaryOp::kRsqrt, x, loc); }
Array cbrt(const Array& x, Loc loc) { return un(UnaryOp::kCbrt, x, loc); }
Array abs(const Array& x, Loc loc) { return un(UnaryOp::kAbs, x, loc); }
Array erf(const Array& x, Loc loc) { return un(UnaryOp::kErf, x, loc); }
Array erfc(const Array& x, Loc loc) { return un(UnaryOp::kErfc, x, loc); }
Array erf_inv(const Array& x, Loc loc) { return un(UnaryOp::kErfInv, x, loc); }
Array lgamma(const Array& x, Loc loc) { return un(UnaryOp::kLgamma, x, loc); }
Array digamma(const Array& x, Loc loc) { return un(UnaryOp::kDigamma, x, loc); }
Array bitwise_not(const Array& x, Loc loc) { return un(UnaryOp::kNot, x, loc); }
Array population_count(const Array& x, Loc loc) { return un(UnaryOp::kPopulationCount, x, loc); }
Array clz(const Array& x, Loc loc) { return un(UnaryOp::kClz, x, loc); }
Array integer_pow(const Array& x, int64_t y, Loc loc) {
  CallSite site(loc);
  return bind1(prims::integer_pow_p, {x}, Params{{"y", y}});
}

Array add(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kAdd, x, y, loc); }
Array sub(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kSub, x, y, loc); }
Array mul(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kMul, x, y, loc); }
Array div(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kDiv, x, y, loc); }
Array rem(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kRem, x, y, loc); }
Array pow(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kPow, x, y, loc); }
Array max(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kMax, x, y, loc); }
Array min(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kMin, x, y, loc); }
Array atan2(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kAtan2, x, y, loc); }
Array nextafter(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kNextafter, x, y, loc); }
Array bitwise_and(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kAnd, x, y, loc); }
Array bitwise_or(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kOr, x, y, loc); }
Array bitwise_xor(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kXor, x, y, loc); }
Array shift_left(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kShiftLeft, x, y, loc); }
Array shift_right_logical(const Array& x, const Array& y, Loc loc) {
  return bin(BinaryOp::kShiftRightLogical, x, y, loc);
}
Array shift_right_arithmetic(const Array& x, const Array& y, Loc loc) {
  return bin(BinaryOp::kShiftRightArithmetic, x, y, loc);
}
Array eq(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kEq, x, y, loc); }
Array ne(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kNe, x, y, loc); }
Array lt(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kLt, x, y, loc); }
Array le(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kLe, x, y, loc); }
Array gt(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kGt, x, y, loc); }
Array ge(const Array& x, const Array& y, Loc loc) { return bin(BinaryOp::kGe, x, y, loc); }

Array select_n(const Array& which, std::span<const Array> cases, Loc loc) {
  CallSite site(loc);
  std::vector<Array> in{which};
  in.insert(in.end(), cases.begin(), cases.end());
  return bind1(prims::select_n_p, in);
}
Array select_n(const Array& which, std::initializer_list<Array> cases, Loc loc) {
  return select_n(which, std::span<const Array>(cases.begin(), cases.size()), loc);
}
Array clamp(const Array& lo, const Array& x, const Array& hi, Loc loc) {
  CallSite site(loc);
  return bind1(prims::clamp_p, {lo, x, hi});
}

}  // namespace jx::lax
