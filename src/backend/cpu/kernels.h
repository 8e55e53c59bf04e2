// The eager CPU kernels behind the primitives (internal). Each entry point
// takes raw contiguous row-major data; the primitive files check shapes and
// dtypes before calling them, so kernels never validate.
#pragma once

#include <cstdint>
#include <span>

#include "jx/dtype.h"

namespace jx::cpu {

enum class UnaryOp : uint8_t {
  kNeg, kSign, kFloor, kCeil, kRoundEven, kRoundAway, kIsFinite, kExp, kExp2, kLog,
  kLog1p, kExpm1, kTanh, kLogistic, kSin, kCos, kTan, kAsin, kAcos, kAtan, kSinh,
  kCosh, kAsinh, kAcosh, kAtanh, kSqrt, kRsqrt, kCbrt, kAbs, kErf, kErfc, kErfInv,
  kLgamma, kDigamma, kNot, kPopulationCount, kClz,
};

enum class BinaryOp : uint8_t {
  kAdd, kSub, kMul, kDiv, kRem, kPow, kMax, kMin, kAtan2, kNextafter, kAnd, kOr, kXor,
  kShiftLeft, kShiftRightLogical, kShiftRightArithmetic,
  // comparisons: bool outputs
  kEq, kNe, kLt, kLe, kGt, kGe,
};
inline bool is_comparison(BinaryOp op) { return op >= BinaryOp::kEq; }

enum class ReduceOp : uint8_t { kSum, kProd, kMax, kMin, kAnd, kOr };

/// y = op(x), n elements of dtype dt (y is bool for kIsFinite).
void unary(UnaryOp op, DType dt, const void* x, void* y, int64_t n);
/// out = op(a, b) elementwise; a or b may be a single broadcast element when
/// a_scalar / b_scalar is set. Comparisons write bool.
void binary(BinaryOp op, DType dt, const void* a, const void* b, void* out, int64_t n,
            bool a_scalar = false, bool b_scalar = false);
/// y = x ** p for an integer p.
void integer_pow(DType dt, const void* x, void* y, int64_t n, int64_t p);
/// Converts n elements (JAX semantics: float->int saturates, NaN->0).
void convert(DType from, const void* x, DType to, void* y, int64_t n);
/// out[i] = cases[which[i]][i]; which is bool or int32.
void select_n(DType which_dt, const void* which, std::span<const void* const> cases, int esize,
              void* out, int64_t n);
/// out = min(max(x, lo), hi); lo/hi may be single elements.
void clamp(DType dt, const void* lo, bool lo_scalar, const void* x, const void* hi,
           bool hi_scalar, void* out, int64_t n);

/// Reduces the middle axis of an [outer, r, inner] view.
void reduce(ReduceOp op, DType dt, const void* x, void* y, int64_t outer, int64_t r,
            int64_t inner);
/// Index of the max/min along the middle axis (first occurrence; NaN wins).
void arg_reduce(bool is_max, DType dt, const void* x, DType index_dt, void* y, int64_t outer,
                int64_t r, int64_t inner);

/// Generic n-d copy: dst[dst_off + sum i_k*dst_strides_k] = src[src_off +
/// sum i_k*src_strides_k] over the index space `shape` (strides in elements,
/// src strides may be 0 or negative).
void strided_copy(const void* src, int64_t src_off, std::span<const int64_t> src_strides,
                  void* dst, int64_t dst_off, std::span<const int64_t> dst_strides,
                  std::span<const int64_t> shape, int esize);
/// Fills n elements of size esize with the value at `value`.
void fill(void* dst, const void* value, int esize, int64_t n);
/// out = iota along `dimension` of `shape`.
void iota(DType dt, void* out, std::span<const int64_t> shape, int dimension);

// SIMD paths for float32/float64 (Highway, runtime dispatch). They return
// false when the op has no vector form, and the caller uses scalar code.
bool simd_unary(UnaryOp op, DType dt, const void* x, void* y, int64_t n);
bool simd_binary(BinaryOp op, DType dt, const void* a, const void* b, void* out, int64_t n,
                 bool a_scalar, bool b_scalar);
/// Sums or max/min-reduces each of `rows` contiguous rows of length r.
bool simd_reduce_rows(ReduceOp op, DType dt, const void* x, void* y, int64_t rows, int64_t r);
/// y[j] op= x[j] over n contiguous elements (accumulating rows).
bool simd_accumulate(ReduceOp op, DType dt, const void* x, void* y, int64_t n);

/// Elements per parallel chunk for elementwise work.
inline constexpr int64_t kElementwiseGrain = 1 << 16;

}  // namespace jx::cpu
