// Polynomial transcendentals as LLVM IR. Each function reduces its argument
// to a small interval exactly (Cody-Waite splits of ln2 and pi/2, exponent
// extraction by bit operations), evaluates a fitted polynomial (coefficients
// from fit_coeffs.py, in vmath_coeffs.h) with fmuladd, scales back, and
// patches the special values (NaN, +-inf, +-0, overflow, underflow) with
// selects. float sin/cos/erf compute in double, which is cheap next to their
// polynomials and makes them (nearly) correctly rounded.
#include "backend/cpu/llvm/vmath.h"

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>

#include <cmath>
#include <span>

#include "backend/cpu/llvm/vmath_coeffs.h"

namespace jx::cpu::llvm_backend {
namespace {

using llvm::Value;
namespace co = coeffs;

struct M {
  llvm::IRBuilder<>& b;
  llvm::Type* ty;   // float or double
  llvm::Type* ity;  // i32 or i64
  bool f32;
  int mant, bias;

  M(llvm::IRBuilder<>& bb, llvm::Type* t)
      : b(bb),
        ty(t),
        ity(t->isFloatTy() ? b.getInt32Ty() : b.getInt64Ty()),
        f32(t->isFloatTy()),
        mant(f32 ? 23 : 52),
        bias(f32 ? 127 : 1023) {}

  Value* c(double v) { return llvm::ConstantFP::get(ty, v); }
  Value* ci(int64_t v) { return llvm::ConstantInt::get(ity, uint64_t(v), true); }
  Value* inf() { return c(INFINITY); }
  Value* nan() { return c(NAN); }
  Value* add(Value* x, Value* y) { return b.CreateFAdd(x, y); }
  Value* sub(Value* x, Value* y) { return b.CreateFSub(x, y); }
  Value* mul(Value* x, Value* y) { return b.CreateFMul(x, y); }
  Value* div(Value* x, Value* y) { return b.CreateFDiv(x, y); }
  Value* fma(Value* x, Value* y, Value* z) {
    return b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {x->getType()}, {x, y, z});
  }
  Value* un(llvm::Intrinsic::ID id, Value* x) { return b.CreateUnaryIntrinsic(id, x); }
  Value* bin(llvm::Intrinsic::ID id, Value* x, Value* y) {
    return b.CreateBinaryIntrinsic(id, x, y);
  }
  Value* abs(Value* x) { return un(llvm::Intrinsic::fabs, x); }
  Value* rint(Value* x) { return un(llvm::Intrinsic::rint, x); }
  Value* copysign(Value* mag, Value* sgn) { return bin(llvm::Intrinsic::copysign, mag, sgn); }
  // Clamp that maps NaN to lo (maxnum ignores NaN), so later integer
  // conversions never see NaN.
  Value* clamp(Value* x, double lo, double hi) {
    return bin(llvm::Intrinsic::minnum, bin(llvm::Intrinsic::maxnum, x, c(lo)), c(hi));
  }
  Value* sel(Value* p, Value* t, Value* f) { return b.CreateSelect(p, t, f); }
  Value* isnan(Value* x) { return b.CreateFCmpUNO(x, x); }
  Value* lt(Value* x, Value* y) { return b.CreateFCmpOLT(x, y); }
  Value* gt(Value* x, Value* y) { return b.CreateFCmpOGT(x, y); }
  Value* eq(Value* x, Value* y) { return b.CreateFCmpOEQ(x, y); }
  // Horner evaluation of sum cs[k] x^k.
  Value* poly(Value* x, std::span<const double> cs) {
    Value* p = c(cs.back());
    for (size_t k = cs.size() - 1; k-- > 0;) p = fma(p, x, c(cs[k]));
    return p;
  }
  // 2^n for an integer n in [1 - bias, bias].
  Value* pow2(Value* n) {
    return b.CreateBitCast(b.CreateShl(b.CreateAdd(n, ci(bias)), ci(mant)), ty);
  }
  // p * 2^n for n in [2 - 2 bias, 2 bias]: two scalings keep every factor
  // normal, and the last product rounds once (correct subnormal results).
  Value* ldexp(Value* p, Value* n) {
    Value* n1 = b.CreateAShr(n, ci(1));
    Value* n2 = b.CreateSub(n, n1);
    return mul(mul(p, pow2(n1)), pow2(n2));
  }
};

Value* un_floor(M& m, Value* x) { return m.un(llvm::Intrinsic::floor, x); }

// ln2 split so that n * kLn2Hi is exact for the n that occur.
constexpr double kLn2HiF = 0.693359375, kLn2LoF = -2.12194440e-4;
constexpr double kLn2HiD = 6.93147180369123816490e-01, kLn2LoD = 1.90821492927058770002e-10;

// Reduces x = n ln2 + r, |r| <= ln2/2 (x already clamped).
void reduce_ln2(M& m, Value* x, Value*& n, Value*& r) {
  n = m.rint(m.mul(x, m.c(1.0 / std::log(2.0))));
  r = m.fma(n, m.c(m.f32 ? -kLn2HiF : -kLn2HiD), x);
  r = m.fma(n, m.c(m.f32 ? -kLn2LoF : -kLn2LoD), r);
}

// e^r - 1 for |r| <= ln2/2: r + r^2 (1/2 + r P(r)).
Value* expm1_reduced(M& m, Value* r) {
  Value* q =
      m.fma(r, m.poly(r, m.f32 ? std::span<const double>(co::kExpm1F) : co::kExpm1D), m.c(0.5));
  return m.fma(m.mul(r, r), q, r);
}

// e^r for |r| <= ln2/2.
Value* exp_reduced(M& m, Value* r) { return m.add(m.c(1.0), expm1_reduced(m, r)); }

Value* emit_exp(M& m, Value* x) {
  // Clamped so 2^n stays within ldexp's range; past the bounds the result
  // overflows to inf or underflows to 0 by itself.
  Value* xc = m.f32 ? m.clamp(x, -104.0, 89.0) : m.clamp(x, -746.0, 710.0);
  Value *n, *r;
  reduce_ln2(m, xc, n, r);
  Value* y = m.ldexp(exp_reduced(m, r), m.b.CreateFPToSI(n, m.ity));
  return m.sel(m.isnan(x), x, y);
}

Value* emit_exp2(M& m, Value* x) {
  Value* xc = m.f32 ? m.clamp(x, -151.0, 129.0) : m.clamp(x, -1076.0, 1025.0);
  Value* n = m.rint(xc);
  Value* t = m.sub(xc, n);  // exact
  Value* r = m.fma(t, m.c(m.f32 ? kLn2HiF : kLn2HiD), m.mul(t, m.c(m.f32 ? kLn2LoF : kLn2LoD)));
  Value* y = m.ldexp(exp_reduced(m, r), m.b.CreateFPToSI(n, m.ity));
  return m.sel(m.isnan(x), x, y);
}

Value* emit_expm1(M& m, Value* x) {
  Value* xc = m.f32 ? m.clamp(x, -18.0, 89.0) : m.clamp(x, -38.0, 710.0);
  Value *n, *r;
  reduce_ln2(m, xc, n, r);
  Value* em = expm1_reduced(m, r);
  Value* ni = m.b.CreateFPToSI(n, m.ity);
  // 2^n em + (2^n - 1): exact 2^n - 1 while |n| <= mantissa bits.
  Value* s = m.pow2(m.b.CreateSelect(m.b.CreateICmpSGT(ni, m.ci(m.mant + 1)), m.ci(0), ni));
  Value* small = m.fma(s, em, m.sub(s, m.c(1.0)));
  Value* big = m.ldexp(m.add(em, m.c(1.0)), ni);  // the -1 is below half an ulp
  Value* y = m.sel(m.b.CreateICmpSGT(ni, m.ci(m.mant + 1)), big, small);
  return m.sel(m.b.CreateOr(m.isnan(x), m.eq(x, m.c(0.0))), x, y);
}

// log for finite positive normal-or-subnormal x; special values patched by
// the caller.
Value* log_core(M& m, Value* x) {
  llvm::IRBuilder<>& b = m.b;
  double tiny = m.f32 ? 0x1p-126 : 0x1p-1022;
  double up = m.f32 ? 0x1p23 : 0x1p52;
  Value* sub = m.lt(x, m.c(tiny));
  Value* xs = m.sel(sub, m.mul(x, m.c(up)), x);
  Value* eadj = b.CreateSelect(sub, m.ci(-m.mant), m.ci(0));
  Value* bits = b.CreateBitCast(xs, m.ity);
  Value* e = b.CreateSub(b.CreateLShr(bits, m.ci(m.mant)), m.ci(m.bias));
  int64_t mant_mask = (int64_t(1) << m.mant) - 1;
  Value* t = b.CreateAnd(bits, m.ci(mant_mask));
  // Mantissa bits of sqrt(2): m > sqrt2 is halved, so f = m - 1 is in
  // [sqrt(1/2) - 1, sqrt(2) - 1].
  int64_t sqrt2_bits = m.f32 ? 0x3504f3 : 0x6a09e667f3bcdLL;
  Value* big = b.CreateZExt(b.CreateICmpUGT(t, m.ci(sqrt2_bits)), m.ity);
  Value* one_bits = m.ci(int64_t(m.bias) << m.mant);
  Value* mb = b.CreateSub(b.CreateOr(t, one_bits), b.CreateShl(big, m.ci(m.mant)));
  Value* f = m.sub(b.CreateBitCast(mb, m.ty), m.c(1.0));
  Value* k = b.CreateSIToFP(b.CreateAdd(b.CreateAdd(e, eadj), big), m.ty);
  // log(1+f) = f - (hfsq - s (hfsq + R(z))), s = f / (2 + f), z = s^2.
  Value* s = m.div(f, m.add(m.c(2.0), f));
  Value* z = m.mul(s, s);
  Value* R = m.mul(z, m.poly(z, m.f32 ? std::span<const double>(co::kLogF) : co::kLogD));
  Value* hfsq = m.mul(m.c(0.5), m.mul(f, f));
  Value* lo = m.fma(k, m.c(m.f32 ? kLn2LoF : kLn2LoD), m.mul(s, m.add(hfsq, R)));
  Value* r = m.sub(m.sub(hfsq, lo), f);
  return m.fma(k, m.c(m.f32 ? kLn2HiF : kLn2HiD), m.b.CreateFNeg(r));
}

Value* emit_log(M& m, Value* x) {
  Value* y = log_core(m, x);
  y = m.sel(m.eq(x, m.inf()), x, y);
  y = m.sel(m.eq(x, m.c(0.0)), m.c(-INFINITY), y);
  y = m.sel(m.lt(x, m.c(0.0)), m.nan(), y);
  return m.sel(m.isnan(x), x, y);
}

Value* emit_log1p(M& m, Value* x) {
  if (m.f32) {
    // In double, 1 + x is exact for |x| >= 2^-29 (below that log1p(x) = x
    // in float), so log1p is one double log, rounded once to float.
    M md(m.b, m.b.getDoubleTy());
    Value* xd = m.b.CreateFPExt(x, md.ty);
    Value* y = m.b.CreateFPTrunc(emit_log(md, md.add(md.c(1.0), xd)), m.ty);
    y = m.sel(m.lt(m.abs(x), m.c(0x1p-29)), x, y);
    return y;
  }
  // log1p(x) = log(u) + (x - (u - 1)) / u with u = fl(1 + x): the second
  // term corrects the rounding of u to first order.
  Value* u = m.add(m.c(1.0), x);
  Value* corr = m.div(m.sub(x, m.sub(u, m.c(1.0))), u);
  Value* y = m.add(log_core(m, u), corr);
  y = m.sel(m.eq(u, m.c(1.0)), x, y);  // |x| below half an ulp of 1, and +-0
  y = m.sel(m.eq(x, m.inf()), x, y);
  y = m.sel(m.eq(x, m.c(-1.0)), m.c(-INFINITY), y);
  y = m.sel(m.lt(x, m.c(-1.0)), m.nan(), y);
  return m.sel(m.isnan(x), x, y);
}

Value* emit_tanh(M& m, Value* x) {
  Value* a = m.abs(x);
  Value* z = m.mul(x, x);
  Value* p = m.poly(z, m.f32 ? std::span<const double>(co::kTanhF) : co::kTanhD);
  Value* small = m.fma(m.mul(x, z), p, x);
  // tanh a = 1 - 2 / (e^{2a} + 1) = 1 - 2 / (expm1(2a) + 2).
  Value* e = emit_expm1(m, m.add(a, a));
  Value* large = m.copysign(m.sub(m.c(1.0), m.div(m.c(2.0), m.add(e, m.c(2.0)))), x);
  return m.sel(m.lt(a, m.c(0.625)), small, large);
}

Value* emit_logistic(M& m, Value* x) {
  // JAX's 1 / (1 + exp(-x)), written with e = exp(-|x|) <= 1 so that it
  // neither overflows nor loses the subnormal tail: e / (1 + e) for x < 0.
  Value* e = emit_exp(m, m.b.CreateFNeg(m.abs(x)));
  Value* d = m.add(m.c(1.0), e);
  return m.sel(m.lt(x, m.c(0.0)), m.div(e, d), m.div(m.c(1.0), d));
}

// sin or cos of the reduced angle r (|r| <= ~pi/4) in quadrant q (i64).
Value* sincos_eval(M& md, Value* r, Value* q, bool is_cos, bool f32_coeffs) {
  llvm::IRBuilder<>& b = md.b;
  Value* z = md.mul(r, r);
  std::span<const double> sc = f32_coeffs ? std::span<const double>(co::kSinF) : co::kSinD;
  std::span<const double> cc = f32_coeffs ? std::span<const double>(co::kCosF) : co::kCosD;
  Value* s = md.fma(md.mul(r, z), md.poly(z, sc), r);
  // cos r = w + (((1 - w) - z/2) + z^2 C(z)) with w = 1 - z/2: the
  // rounding error of w is added back.
  Value* hz = md.mul(z, md.c(0.5));
  Value* w = md.sub(md.c(1.0), hz);
  Value* tail = md.fma(md.mul(z, z), md.poly(z, cc), md.sub(md.sub(md.c(1.0), w), hz));
  Value* c = md.add(w, tail);
  if (is_cos) q = b.CreateAdd(q, b.getInt64(1));
  Value* swap = b.CreateICmpNE(b.CreateAnd(q, b.getInt64(1)), b.getInt64(0));
  Value* neg = b.CreateICmpNE(b.CreateAnd(q, b.getInt64(2)), b.getInt64(0));
  Value* v = md.sel(swap, c, s);
  return md.sel(neg, b.CreateFNeg(v), v);
}

// Cody-Waite: x = j pi/2 + r with a three-part pi/2 (exact while |j| <
// 2^20, i.e. |x| < ~1.6e6).
void reduce_pio2(M& md, Value* x, Value*& r, Value*& q) {
  constexpr double kP1 = 1.57079632673412561417e+00, kP2 = 6.07710050630396597660e-11,
                   kP3 = 2.02226624879595063154e-21;
  Value* j = md.rint(md.mul(x, md.c(2.0 / M_PI)));
  r = md.fma(j, md.c(-kP1), x);
  r = md.fma(j, md.c(-kP2), r);
  r = md.fma(j, md.c(-kP3), r);
  Value* jsafe = md.sel(md.lt(md.abs(j), md.c(0x1p52)), j, md.c(0.0));  // NaN/huge for non-finite x
  q = md.b.CreateFPToSI(jsafe, md.b.getInt64Ty());
}

// Payne-Hanek for float x with |x| >= 2^20, in double: x = m 2^e, and
// (x 2/pi) mod 4 = m F(e) mod 4 from the table kTwoOverPiF32 (fit_coeffs.py).
void reduce_pio2_large_f32(M& m, M& md, Value* x, Value*& r, Value*& q) {
  llvm::IRBuilder<>& b = m.b;
  llvm::Module* mod = b.GetInsertBlock()->getModule();
  constexpr int kRows = int(std::size(co::kTwoOverPiF32));
  auto* row_ty = llvm::ArrayType::get(md.ty, 3);
  auto* tab_ty = llvm::ArrayType::get(row_ty, kRows);
  auto* table = mod->getGlobalVariable("jx_two_over_pi_f32", true);
  if (!table) {
    std::vector<llvm::Constant*> rows;
    for (const auto& row : co::kTwoOverPiF32) {
      std::vector<llvm::Constant*> v;
      for (double d : row) v.push_back(llvm::ConstantFP::get(md.ty, d));
      rows.push_back(llvm::ConstantArray::get(row_ty, v));
    }
    table = new llvm::GlobalVariable(*mod, tab_ty, true, llvm::GlobalValue::PrivateLinkage,
                                     llvm::ConstantArray::get(tab_ty, rows), "jx_two_over_pi_f32");
  }
  Value* bits = b.CreateBitCast(x, b.getInt32Ty());
  Value* E = b.CreateSub(b.CreateAnd(b.CreateLShr(bits, b.getInt32(23)), b.getInt32(0xff)),
                         b.getInt32(127));
  Value* idx =
      b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, b.CreateSub(E, b.getInt32(20)), b.getInt32(0));
  idx = b.CreateZExt(b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, idx, b.getInt32(kRows - 1)),
                     b.getInt64Ty());
  Value* mant = b.CreateUIToFP(
      b.CreateOr(b.CreateAnd(bits, b.getInt32(0x7fffff)), b.getInt32(0x800000)), md.ty);
  Value* F[3];
  for (int i = 0; i < 3; ++i)
    F[i] = b.CreateLoad(md.ty,
                        b.CreateInBoundsGEP(tab_ty, table, {b.getInt64(0), idx, b.getInt64(i)}));
  Value* a = md.mul(mant, F[0]);                                                    // exact
  Value* amod = md.sub(a, md.mul(md.c(4.0), un_floor(md, md.mul(a, md.c(0.25)))));  // exact
  Value* hb = md.mul(mant, F[1]);                                                   // exact
  Value* lc = md.mul(mant, F[2]);
  Value* j = md.rint(md.add(amod, hb));
  Value* s0 = md.sub(amod, j);  // exact
  // TwoSum s0 + hb, then the low parts.
  Value* t = md.add(s0, hb);
  Value* bb = md.sub(t, s0);
  Value* err = md.add(md.sub(s0, md.sub(t, bb)), md.sub(hb, bb));
  Value* rq = md.add(t, md.add(err, lc));  // in quarter turns
  r = md.mul(rq, md.c(M_PI / 2));
  q = b.CreateFPToSI(j, b.getInt64Ty());  // j in [0, 5]
  // The table path works on |x|: sin(-y) has angle -r in quadrant -j.
  Value* negx = b.CreateICmpSLT(bits, b.getInt32(0));
  r = md.sel(negx, b.CreateFNeg(r), r);
  q = b.CreateSelect(negx, b.CreateNeg(q), q);
  (void)m;
}

Value* emit_sincos(M& m, Value* x, bool is_cos) {
  llvm::IRBuilder<>& b = m.b;
  M md(b, b.getDoubleTy());
  Value* xd = m.f32 ? b.CreateFPExt(x, md.ty) : x;
  Value *r, *q;
  reduce_pio2(md, xd, r, q);
  if (m.f32) {
    Value *r2, *q2;
    reduce_pio2_large_f32(m, md, x, r2, q2);
    Value* big = m.b.CreateFCmpOGE(m.abs(x), m.c(0x1p20));
    r = md.sel(big, r2, r);
    q = b.CreateSelect(big, q2, q);
  }
  Value* y = sincos_eval(md, r, q, is_cos, m.f32);
  if (m.f32) y = b.CreateFPTrunc(y, m.ty);
  if (!is_cos) y = m.sel(m.eq(x, m.c(0.0)), x, y);  // sin(-0) = -0
  Value* finite = m.lt(m.abs(x), m.inf());
  return m.sel(finite, y, m.sel(m.isnan(x), x, m.nan()));
}

// Selects coefficient k of piece i by a chain of selects on `which`.
Value* erfc_pieces_d(M& md, Value* a) {
  struct Piece {
    double lo, hi;
    std::span<const double> cs;
  };
  const Piece pieces[4] = {{0.75, 1.5, co::kErfcD0},
                           {1.5, 2.5, co::kErfcD1},
                           {2.5, 3.75, co::kErfcD2},
                           {3.75, 6.0, co::kErfcD3}};
  llvm::IRBuilder<>& b = md.b;
  Value* in1 = md.b.CreateFCmpOGE(a, md.c(1.5));
  Value* in2 = md.b.CreateFCmpOGE(a, md.c(2.5));
  Value* in3 = md.b.CreateFCmpOGE(a, md.c(3.75));
  auto pick = [&](double v0, double v1, double v2, double v3) {
    return md.sel(in3, md.c(v3), md.sel(in2, md.c(v2), md.sel(in1, md.c(v1), md.c(v0))));
  };
  auto mid = [](const Piece& p) { return (p.lo + p.hi) / 2; };
  auto inv_half = [](const Piece& p) { return 2 / (p.hi - p.lo); };
  Value* t = md.mul(
      md.sub(a, pick(mid(pieces[0]), mid(pieces[1]), mid(pieces[2]), mid(pieces[3]))),
      pick(inv_half(pieces[0]), inv_half(pieces[1]), inv_half(pieces[2]), inv_half(pieces[3])));
  size_t n = pieces[0].cs.size();
  Value* p =
      pick(pieces[0].cs[n - 1], pieces[1].cs[n - 1], pieces[2].cs[n - 1], pieces[3].cs[n - 1]);
  for (size_t k = n - 1; k-- > 0;)
    p = md.fma(p, t, pick(pieces[0].cs[k], pieces[1].cs[k], pieces[2].cs[k], pieces[3].cs[k]));
  (void)b;
  return p;
}

Value* emit_erf(M& m, Value* x) {
  llvm::IRBuilder<>& b = m.b;
  M md(b, b.getDoubleTy());
  Value* xd = m.f32 ? b.CreateFPExt(x, md.ty) : x;
  Value* a = md.abs(xd);
  Value* z = md.mul(xd, xd);
  Value* y;
  if (m.f32) {
    // Computed in double: x P(x^2) below 1, else 1 - e^{-x^2} erfcx(|x|).
    Value* small = md.mul(xd, md.poly(z, co::kErfSmallF));
    Value* t =
        md.mul(md.sub(md.bin(llvm::Intrinsic::minnum, a, md.c(4.0)), md.c(2.5)), md.c(1 / 1.5));
    Value* erfc = md.mul(emit_exp(md, md.b.CreateFNeg(z)), md.poly(t, co::kErfcF));
    Value* large = md.copysign(md.sub(md.c(1.0), erfc), xd);
    y = md.sel(md.lt(a, md.c(1.0)), small, large);
    y = md.sel(md.lt(a, md.c(4.0)), y, md.copysign(md.c(1.0), xd));
    y = b.CreateFPTrunc(y, m.ty);
  } else {
    Value* small = md.mul(xd, md.poly(z, co::kErfSmallD));
    Value* erfc = md.mul(emit_exp(md, md.b.CreateFNeg(z)),
                         erfc_pieces_d(md, md.bin(llvm::Intrinsic::minnum, a, md.c(6.0))));
    Value* large = md.copysign(md.sub(md.c(1.0), erfc), xd);
    y = md.sel(md.lt(a, md.c(0.75)), small, large);
    y = md.sel(md.lt(a, md.c(6.0)), y, md.copysign(md.c(1.0), xd));
  }
  return m.sel(m.isnan(x), x, y);
}

}  // namespace

bool is_vmath_op(UnaryOp op) {
  switch (op) {
    case UnaryOp::kExp:
    case UnaryOp::kExp2:
    case UnaryOp::kLog:
    case UnaryOp::kLog1p:
    case UnaryOp::kExpm1:
    case UnaryOp::kTanh:
    case UnaryOp::kLogistic:
    case UnaryOp::kSin:
    case UnaryOp::kCos:
    case UnaryOp::kErf:
      return true;
    default:
      return false;
  }
}

llvm::Value* emit_math(llvm::IRBuilder<>& b, UnaryOp op, llvm::Value* x) {
  M m(b, x->getType());
  switch (op) {
    case UnaryOp::kExp:
      return emit_exp(m, x);
    case UnaryOp::kExp2:
      return emit_exp2(m, x);
    case UnaryOp::kLog:
      return emit_log(m, x);
    case UnaryOp::kLog1p:
      return emit_log1p(m, x);
    case UnaryOp::kExpm1:
      return emit_expm1(m, x);
    case UnaryOp::kTanh:
      return emit_tanh(m, x);
    case UnaryOp::kLogistic:
      return emit_logistic(m, x);
    case UnaryOp::kSin:
      return emit_sincos(m, x, false);
    case UnaryOp::kCos:
      return emit_sincos(m, x, true);
    case UnaryOp::kErf:
      return emit_erf(m, x);
    default:
      return nullptr;
  }
}

}  // namespace jx::cpu::llvm_backend
