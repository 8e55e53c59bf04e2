// Elementwise primitives: one and two operands, comparisons, integer_pow,
// select_n and clamp. Each entry of the tables below is one primitive: its
// name, its kernel op and the dtypes it accepts (jax.lax's rules). The
// transformation rules follow jax/_src/lax/lax.py and special.py: the tables
// share one jvp, transpose and batching rule per arity, driven by a per-op
// derivative (unary_tangent, binary_tangent).
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "backend/cpu/kernels.h"
#include "jx/lax.h"
#include "prims/op_tables.h"
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

const Primitive& unary_p(UnaryOp op);
const Primitive& binary_p(BinaryOp op);

// ---- helpers for the transformation rules ---------------------------------

using JvpResult = std::pair<std::vector<Array>, std::vector<Array>>;
using BatchResult = std::pair<std::vector<Array>, std::vector<int>>;

/// A constant with x's dtype and shape holding v (JAX's _const / full_like).
Array cst(const Array& x, double v) { return full_like(x, v); }
Array square(const Array& x) { return lax::mul(x, x); }
/// a + b where either may be undefined (a symbolic zero).
Array add_tangents(const Array& a, const Array& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return lax::add(a, b);
}
/// The tangent an input carries: integer and bool values carry none (JAX's float0).
Array tangent_of(const Array& primal, const Array& t) {
  return t.defined() && primal.dtype().is_floating() ? t : Array();
}
/// x with its zeros replaced by ones (JAX's _replace_zero): keeps log(x) and
/// pow's Jacobian finite where the factor multiplying them is zero anyway.
Array replace_zero(const Array& x) {
  return lax::select_n(lax::eq(x, cst(x, 0)), {x, cst(x, 1)});
}
/// JAX's _balanced_eq for max/min: 1 where x is the result, halved at ties,
/// so that the two operands share the derivative there.
Array balanced_eq(const Array& x, const Array& z, const Array& y) {
  Array one = cst(z, 1);
  return lax::div(lax::select_n(lax::eq(x, z), {cst(z, 0), one}),
                  lax::select_n(lax::eq(y, z), {one, cst(z, 2)}));
}

/// d op(x) applied to the tangent t, given y = op(x). An undefined result is
/// a zero derivative (piecewise constant ops). Formulas as in jax.lax.
Array unary_tangent(UnaryOp op, const Array& t, const Array& x, const Array& y) {
  namespace l = lax;
  using std::numbers::inv_sqrtpi;
  switch (op) {
    case UnaryOp::kNeg: return l::neg(t);
    case UnaryOp::kSign:
    case UnaryOp::kFloor:
    case UnaryOp::kCeil:
    case UnaryOp::kRoundEven:
    case UnaryOp::kRoundAway:
    case UnaryOp::kIsFinite:
    case UnaryOp::kNot:
    case UnaryOp::kPopulationCount:
    case UnaryOp::kClz: return Array();
    case UnaryOp::kExp: return l::mul(t, y);
    case UnaryOp::kExp2: return l::mul(cst(x, std::numbers::ln2), l::mul(t, y));
    case UnaryOp::kLog: return l::div(t, x);
    case UnaryOp::kLog1p: return l::div(t, l::add(x, cst(x, 1)));
    case UnaryOp::kExpm1: return l::mul(t, l::add(y, cst(y, 1)));
    case UnaryOp::kTanh: return l::mul(l::add(t, l::mul(t, y)), l::sub(cst(y, 1), y));
    case UnaryOp::kLogistic: return l::mul(t, l::mul(y, l::sub(cst(y, 1), y)));
    case UnaryOp::kSin: return l::mul(t, l::cos(x));
    case UnaryOp::kCos: return l::neg(l::mul(t, l::sin(x)));
    case UnaryOp::kTan: return l::mul(t, l::add(cst(x, 1), square(y)));
    case UnaryOp::kAsin: return l::mul(t, l::rsqrt(l::sub(cst(x, 1), square(x))));
    case UnaryOp::kAcos: return l::mul(t, l::neg(l::rsqrt(l::sub(cst(x, 1), square(x)))));
    case UnaryOp::kAtan: return l::div(t, l::add(cst(x, 1), square(x)));
    case UnaryOp::kSinh: return l::mul(t, l::cosh(x));
    case UnaryOp::kCosh: return l::mul(t, l::sinh(x));
    case UnaryOp::kAsinh: return l::mul(t, l::rsqrt(l::add(square(x), cst(x, 1))));
    // x^2 - 1 rather than (x-1)(x+1), as JAX: the domain is x >= 1.
    case UnaryOp::kAcosh: return l::mul(t, l::rsqrt(l::sub(square(x), cst(x, 1))));
    case UnaryOp::kAtanh:
      return l::mul(l::div(cst(x, 1), l::add(cst(x, 1), x)), l::div(t, l::sub(cst(x, 1), x)));
    case UnaryOp::kSqrt: return l::mul(t, l::div(cst(x, 0.5), y));
    case UnaryOp::kRsqrt: return l::mul(t, l::mul(cst(x, -0.5), l::div(y, x)));
    case UnaryOp::kCbrt: return l::mul(t, l::mul(cst(x, 1.0 / 3), l::integer_pow(y, -2)));
    // JAX's convention: the derivative at 0 is +1.
    case UnaryOp::kAbs: return l::select_n(l::ge(x, cst(x, 0)), {l::neg(t), t});
    case UnaryOp::kErf:
      return l::mul(cst(x, 2 * inv_sqrtpi), l::mul(t, l::exp(l::neg(square(x)))));
    case UnaryOp::kErfc:
      return l::mul(cst(x, -2 * inv_sqrtpi), l::mul(t, l::exp(l::neg(square(x)))));
    case UnaryOp::kErfInv: return l::mul(cst(x, 0.5 / inv_sqrtpi), l::mul(t, l::exp(square(y))));
    case UnaryOp::kLgamma: return l::mul(t, l::digamma(x));
    case UnaryOp::kDigamma:
      // JAX differentiates digamma with polygamma(1, x), which jx lacks.
      throw_error("digamma",
                  "differentiation needs polygamma (the trigamma function), which is not "
                  "implemented");
  }
  throw_error("jvp", "internal: unknown unary op");
}

/// The tangent of z = op(x, y) for tangents tx, ty (either may be undefined).
Array binary_tangent(BinaryOp op, const Array& tx, const Array& ty, const Array& x,
                     const Array& y, const Array& z) {
  namespace l = lax;
  auto term = [](const Array& t, auto&& f) { return t.defined() ? f(t) : Array(); };
  switch (op) {
    case BinaryOp::kAdd: return add_tangents(tx, ty);
    case BinaryOp::kSub:
      if (!ty.defined()) return tx;
      return tx.defined() ? l::sub(tx, ty) : l::neg(ty);
    case BinaryOp::kMul:
      return add_tangents(term(tx, [&](const Array& t) { return l::mul(t, y); }),
                          term(ty, [&](const Array& t) { return l::mul(x, t); }));
    case BinaryOp::kDiv:
      return add_tangents(
          term(tx, [&](const Array& t) { return l::div(t, y); }),
          term(ty, [&](const Array& t) {
            return l::mul(l::mul(l::neg(t), x), l::integer_pow(y, -2));
          }));
    case BinaryOp::kRem:
      // rem(x, y) = x - y * trunc(x / y): d/dy is -trunc(x / y).
      return add_tangents(tx, term(ty, [&](const Array& t) {
                            Array q = l::div(x, y);
                            return l::mul(l::neg(t), l::mul(l::sign(q), l::floor(l::abs(q))));
                          }));
    case BinaryOp::kPow:
      return add_tangents(term(tx, [&](const Array& t) {
                            if (y.dtype().is_floating())
                              return l::mul(t, l::mul(y, l::pow(x, l::sub(y, cst(y, 1)))));
                            // Integer exponent: x**0 is 1 everywhere, even at x = 0.
                            Array yf = l::convert_element_type(y, x.dtype());
                            Array jac = l::mul(replace_zero(yf), l::pow(x, l::sub(yf, cst(yf, 1))));
                            return l::mul(t, l::select_n(l::eq(yf, cst(yf, 0)), {jac, cst(yf, 0)}));
                          }),
                          term(ty, [&](const Array& t) {
                            return l::mul(t, l::mul(l::log(replace_zero(x)), z));
                          }));
    case BinaryOp::kMax:
    case BinaryOp::kMin:
      return add_tangents(
          term(tx, [&](const Array& t) { return l::mul(t, balanced_eq(x, z, y)); }),
          term(ty, [&](const Array& t) { return l::mul(t, balanced_eq(y, z, x)); }));
    case BinaryOp::kAtan2: {
      Array denom = l::add(square(x), square(y));
      return add_tangents(
          term(tx, [&](const Array& t) { return l::mul(t, l::div(y, denom)); }),
          term(ty, [&](const Array& t) { return l::mul(t, l::div(l::neg(x), denom)); }));
    }
    case BinaryOp::kNextafter:
      // JAX has no rule. nextafter(x, y) moves x by one ulp, so its derivative
      // is 1 in x and 0 in y almost everywhere (this is what lets
      // round-to-odd arithmetic, as in random.uniform's bounds, differentiate).
      return tx.defined() ? tx : Array();
    default: return Array();  // bitwise ops, shifts and comparisons: piecewise constant
  }
}

JvpResult unary_jvp(UnaryOp op, std::span<const Array> primals, std::span<const Array> tangents,
                    const Params& params) {
  const Array& x = primals[0];
  Array y = bind1(unary_p(op), {x}, params);
  Array t = tangent_of(x, tangents[0]);
  Array ty = t.defined() && y.dtype().is_floating() ? unary_tangent(op, t, x, y) : Array();
  return {{y}, {ty}};
}

JvpResult binary_jvp(BinaryOp op, std::span<const Array> primals,
                     std::span<const Array> tangents, const Params& params) {
  const Array &x = primals[0], &y = primals[1];
  Array z = bind1(binary_p(op), {x, y}, params);
  Array tx = tangent_of(x, tangents[0]), ty = tangent_of(y, tangents[1]);
  Array tz;
  if (z.dtype().is_floating() && (tx.defined() || ty.defined()))
    tz = binary_tangent(op, tx, ty, x, y, z);
  return {{z}, {tz}};
}

/// Transposes of the binary ops linear in an operand: add, sub (both), mul
/// (in whichever operand is linear), div (the numerator).
std::vector<Array> binary_transpose(BinaryOp op, std::span<const Array> cts,
                                    std::span<const Array> in) {
  const Array& ct = cts[0];
  bool ux = is_undefined_primal(in[0]), uy = is_undefined_primal(in[1]);
  if (!ct.defined()) return {Array(), Array()};
  switch (op) {
    case BinaryOp::kAdd: return {ux ? ct : Array(), uy ? ct : Array()};
    case BinaryOp::kSub: return {ux ? ct : Array(), uy ? lax::neg(ct) : Array()};
    case BinaryOp::kMul:
      if (ux && uy)
        throw_error("mul", "cannot transpose mul of two linear operands (it is not linear)");
      return {ux ? lax::mul(ct, in[1]) : Array(), uy ? lax::mul(in[0], ct) : Array()};
    case BinaryOp::kDiv:
      if (uy) throw_error("div", "cannot transpose div in its denominator (not linear there)");
      return {ux ? lax::div(ct, in[1]) : Array(), Array()};
    default: throw_error("transpose", "internal: binary op is not linear");
  }
}

Primitive make_unary(const UnaryDef& def) {
  Primitive p;
  p.name = def.name;
  p.elementwise = true;
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
  UnaryOp op = def.op;
  p.jvp = [op](std::span<const Array> primals, std::span<const Array> tangents,
               const Params& params) { return unary_jvp(op, primals, tangents, params); };
  if (op == UnaryOp::kNeg)
    p.transpose = [](std::span<const Array> cts, std::span<const Array>, const Params&) {
      return std::vector<Array>{cts[0].defined() ? lax::neg(cts[0]) : Array()};
    };
  p.batch = [op](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    return BatchResult{{bind1(unary_p(op), {vals[0]}, params)}, {dims[0]}};
  };
  return p;
}

Primitive make_binary(const BinaryDef& def) {
  Primitive p;
  p.name = def.name;
  p.elementwise = true;
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
  BinaryOp op = def.op;
  p.jvp = [op](std::span<const Array> primals, std::span<const Array> tangents,
               const Params& params) { return binary_jvp(op, primals, tangents, params); };
  if (op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul || op == BinaryOp::kDiv)
    p.transpose = [op](std::span<const Array> cts, std::span<const Array> in, const Params&) {
      return binary_transpose(op, cts, in);
    };
  p.batch = [op](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    std::vector<Array> v(vals.begin(), vals.end());
    int d = align_batch_dims(v, dims);
    return BatchResult{{bind1(binary_p(op), v, params)}, {d}};
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
  p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
             const Params& params) {
    const Array& x = primals[0];
    int64_t y = params.get_int("y");
    Array out = lax::integer_pow(x, y);
    Array t = tangent_of(x, tangents[0]), tout;
    if (t.defined() && y == 1) tout = t;
    else if (t.defined() && y == 2) tout = lax::mul(t, lax::mul(cst(x, 2), x));
    else if (t.defined() && y != 0)
      tout = lax::mul(t, lax::mul(cst(x, double(y)), lax::integer_pow(x, y - 1)));
    return JvpResult{{out}, {tout}};
  };
  p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    return BatchResult{{lax::integer_pow(vals[0], params.get_int("y"))}, {dims[0]}};
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
  // Linear in the cases; the predicate has no tangent.
  p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params&) {
    const Array& which = primals[0];
    auto cases = primals.subspan(1);
    Array out = lax::select_n(which, cases);
    std::vector<Array> ts;
    bool any = false;
    for (size_t i = 0; i < cases.size(); ++i) {
      ts.push_back(tangent_of(cases[i], tangents[i + 1]));
      any = any || ts.back().defined();
    }
    if (!any) return JvpResult{{out}, {Array()}};
    for (size_t i = 0; i < ts.size(); ++i)
      if (!ts[i].defined()) ts[i] = zeros_like(cases[i]);
    return JvpResult{{out}, {lax::select_n(which, ts)}};
  };
  p.transpose = [](std::span<const Array> cts, std::span<const Array> in, const Params&) {
    const Array& which = in[0];
    if (is_undefined_primal(which))
      throw_error("select_n", "cannot transpose with respect to the predicate (it is not linear)");
    std::vector<Array> out(in.size());
    const Array& ct = cts[0];
    if (!ct.defined()) return out;
    Array zeros = zeros_like(ct);
    for (size_t i = 1; i < in.size(); ++i) {
      if (!is_undefined_primal(in[i])) continue;
      if (which.dtype() == bool_)
        out[i] = i == 1 ? lax::select_n(which, {ct, zeros}) : lax::select_n(which, {zeros, ct});
      else
        out[i] = lax::select_n(lax::eq(which, cst(which, double(i - 1))), {zeros, ct});
    }
    return out;
  };
  // The predicate is 0-d or has the cases' shape. A 0-d unbatched predicate
  // stays 0-d; a batched one (now 1-d) is broadcast along the cases' batch axis.
  p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params&) {
    auto rank = [&](size_t i) { return vals[i].ndim() - (dims[i] >= 0 ? 1 : 0); };
    if (rank(0) == rank(1)) {
      std::vector<Array> v(vals.begin(), vals.end());
      int d = align_batch_dims(v, dims);
      return BatchResult{{lax::select_n(v[0], std::span<const Array>(v).subspan(1))}, {d}};
    }
    std::vector<Array> cases(vals.begin() + 1, vals.end());
    auto cdims = dims.subspan(1);
    int d = 0;
    if (std::any_of(cdims.begin(), cdims.end(), [](int b) { return b >= 0; })) {
      d = align_batch_dims(cases, cdims);
    } else {
      for (Array& c : cases) c = add_batch_axis(c, vals[0].shape()[0], 0);
    }
    Array which = vals[0];
    if (dims[0] >= 0) which = lax::broadcast_in_dim(which, cases[0].shape(), {d});
    return BatchResult{{lax::select_n(which, cases)}, {d}};
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
  // As JAX: x's tangent passes where lo < x < hi, lo's where lo > x (and
  // lo < hi), hi's where hi < x; 0-d bounds are broadcast to x's shape.
  p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params&) {
    const Array &lo = primals[0], &x = primals[1], &hi = primals[2];
    Array out = lax::clamp(lo, x, hi);
    Array tl = tangent_of(lo, tangents[0]), tx = tangent_of(x, tangents[1]),
          th = tangent_of(hi, tangents[2]);
    if (!tl.defined() && !tx.defined() && !th.defined()) return JvpResult{{out}, {Array()}};
    auto full = [&](const Array& a) {
      return a.ndim() == x.ndim() ? a : lax::broadcast_in_dim(a, x.shape(), {});
    };
    Array lo_f = full(lo), hi_f = full(hi), zeros = zeros_like(x), tout;
    if (tl.defined()) {
      Array pick = lax::bitwise_and(lax::gt(lo_f, x), lax::lt(lo_f, hi_f));
      tout = add_tangents(tout, lax::select_n(pick, {zeros, full(tl)}));
    }
    if (tx.defined()) {
      Array pick = lax::bitwise_and(lax::gt(x, lo_f), lax::lt(x, hi_f));
      tout = add_tangents(tout, lax::select_n(pick, {zeros, tx}));
    }
    if (th.defined()) tout = add_tangents(tout, lax::select_n(lax::lt(hi_f, x), {zeros, full(th)}));
    return JvpResult{{out}, {tout}};
  };
  // Bounds are 0-d or have x's shape: unbatched 0-d bounds stay 0-d, batched
  // ones (now 1-d) are broadcast along x's batch axis.
  p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params&) {
    auto rank = [&](size_t i) { return vals[i].ndim() - (dims[i] >= 0 ? 1 : 0); };
    if (rank(1) == 0) {  // all operands are (logically) 0-d
      std::vector<Array> v(vals.begin(), vals.end());
      int d = align_batch_dims(v, dims);
      return BatchResult{{lax::clamp(v[0], v[1], v[2])}, {d}};
    }
    int64_t n = batch_size(vals, dims);
    int d = 0;
    if (dims[1] >= 0) d = dims[1];
    else if (dims[0] >= 0 && rank(0) > 0) d = dims[0];
    else if (dims[2] >= 0 && rank(2) > 0) d = dims[2];
    Array x = dims[1] >= 0 ? vals[1] : add_batch_axis(vals[1], n, d);
    auto bound = [&](size_t i) {
      if (rank(i) == 0)
        return dims[i] >= 0 ? lax::broadcast_in_dim(vals[i], x.shape(), {d}) : vals[i];
      return dims[i] >= 0 ? move_axis(vals[i], dims[i], d) : add_batch_axis(vals[i], n, d);
    };
    return BatchResult{{lax::clamp(bound(0), x, bound(2))}, {d}};
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

bool unary_op_of(const Primitive& p, cpu::UnaryOp* op) {
  for (const UnaryDef& d : kUnary)
    if (p.name == d.name) return *op = d.op, true;
  return false;
}
bool binary_op_of(const Primitive& p, cpu::BinaryOp* op) {
  for (const BinaryDef& d : kBinary)
    if (p.name == d.name) return *op = d.op, true;
  return false;
}

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
