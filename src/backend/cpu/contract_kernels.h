// The eager CPU kernels behind dot_general and conv_general_dilated
// (internal): batched matrix products on OpenBLAS / oneDNN / a portable loop,
// and convolutions on oneDNN or im2col + those products. The primitive files
// check shapes and dtypes first; these never validate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "jx/dtype.h"

namespace jx::cpu {

/// Which implementation runs a float32 / float64 product.
enum class GemmLibrary { kAuto, kOpenBlas, kOneDnn };

/// c[b] = a[b] · b[b] for b < batch, all row-major in dtype `dt`: a is m x k
/// (k x m when trans_a) with leading dim lda, b is k x n (n x k when trans_b)
/// with leading dim ldb, c is m x n with leading dim ldc; the batch strides
/// are in elements. float32/float64 go to a BLAS; integers wrap in their own
/// width; bool is the or of ands. k == 0 writes zeros. With `accumulate`,
/// c += a · b instead.
void gemm(DType dt, int64_t batch, int64_t m, int64_t n, int64_t k, const void* a, int64_t lda,
          int64_t stride_a, bool trans_a, const void* b, int64_t ldb, int64_t stride_b,
          bool trans_b, void* c, int64_t ldc, int64_t stride_c, bool accumulate = false,
          GemmLibrary library = GemmLibrary::kAuto);

/// The dtype a product of `in` operands accumulates in to give `out`:
/// float32 for bfloat16/float16 results, otherwise `out`.
DType accumulation_dtype(DType in, DType out);

/// gemm for contiguous [batch, m, k] (or [batch, k, m]) x [batch, k, n] (or
/// [batch, n, k]) operands of dtype `in` into a contiguous [batch, m, n]
/// result of dtype `out`, converting through accumulation_dtype.
void batched_matmul(DType in, DType out, int64_t batch, int64_t m, int64_t n, int64_t k,
                    const void* a, bool trans_a, const void* b, bool trans_b, void* c);

/// The library gemm() uses for dt with the current thread count ("oneDNN",
/// "OpenBLAS" or "portable"), for benchmarks and docs.
const char* gemm_library_name(DType dt);

/// Makes OpenBLAS and oneDNN use jx's thread count (jx::cpu::num_threads())
/// for a call doing `flops` of work, or one thread when the work is too small
/// to pay for waking the others (on a loaded machine, OpenMP's barriers make
/// small parallel calls many times slower than serial ones).
void sync_library_threads(double flops);

/// A convolution in canonical terms. Sizes: lhs (N, C, in...), rhs (O, I,
/// window...), out (N / batch_group_count, O, out...); the *_strides give
/// each canonical dim's stride (in elements) in the operand's real layout.
struct ConvGeometry {
  int64_t n = 0, c = 0, o = 0, i = 0;
  std::vector<int64_t> in, window, out;
  std::vector<int64_t> strides, pad_lo, pad_hi, lhs_dilation, rhs_dilation;
  int64_t feature_group_count = 1, batch_group_count = 1;
  std::vector<int64_t> lhs_strides, rhs_strides, out_strides;
  int spatial() const { return int(in.size()); }
};

/// out = conv(lhs, rhs): operands of dtype `in`, result of dtype `out`
/// (accumulating in accumulation_dtype). oneDNN runs float32 convolutions
/// without lhs dilation or batch groups; everything else runs im2col + gemm.
void conv(const ConvGeometry& g, DType in, const void* lhs, const void* rhs, DType out,
          void* result);

/// Which path conv() takes for this geometry ("oneDNN <impl>" or "im2col").
std::string conv_path(const ConvGeometry& g, DType in, DType out);

}  // namespace jx::cpu
