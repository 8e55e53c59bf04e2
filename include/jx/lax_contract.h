// jx::lax contractions and convolutions, with the semantics of jax.lax.
//
// dot_general contracts and batches any dimensions of two arrays; its output
// dimensions are (batch..., lhs free..., rhs free...). conv_general_dilated is
// XLA's convolution: any number of spatial dimensions, strides, explicit
// padding, lhs ("transposed") and rhs ("atrous") dilation, feature and batch
// grouping, and any layout of the three operands given as layout strings
// ("NHWC", "HWIO", "NHWC") or index lists. Operands share one dtype (no
// promotion at this level); bfloat16/float16 accumulate in float32, integers
// in their own width (wrapping), unless preferred_element_type asks for a
// wider result. Misuse throws jx::Error naming the op, the shapes and the
// caller's line. float32/float64 run on OpenBLAS or oneDNN, whichever is
// faster for the case (docs/BENCHMARKS_contract.md).
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jx/array.h"

namespace jx::lax {

using Loc = std::source_location;

// --- dot_general -------------------------------------------------------------

/// ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch)) as in JAX.
/// Paired lists have equal lengths and pair dimensions of equal size.
struct DotDimensionNumbers {
  std::vector<int64_t> lhs_contracting, rhs_contracting;
  std::vector<int64_t> lhs_batch = {}, rhs_batch = {};
};

/// Generalised tensor contraction. Output shape: the batch dims (in the
/// order given), then lhs's remaining dims, then rhs's, each in order.
/// preferred_element_type: the result dtype (same kind as the operands,
/// not narrower, same signedness for integers); absent: the operand dtype.
Array dot_general(const Array& lhs, const Array& rhs, const DotDimensionNumbers& dimension_numbers,
                  std::optional<DType> preferred_element_type = std::nullopt,
                  Loc loc = Loc::current());

/// lax.dot: vector·vector, matrix·vector, vector·matrix or matrix·matrix
/// (contracts the last dim of lhs with the first of rhs; ranks 1 or 2).
Array dot(const Array& lhs, const Array& rhs,
          std::optional<DType> preferred_element_type = std::nullopt, Loc loc = Loc::current());

// --- convolution ---------------------------------------------------------------

/// Canonical convolution dimension numbers (JAX's ConvDimensionNumbers):
/// lhs_spec = (batch dim, feature dim, spatial dims...), rhs_spec = (out
/// feature dim, in feature dim, spatial dims...), out_spec = (batch dim,
/// feature dim, spatial dims...), as indices into each operand's shape; the
/// spatial dims are listed in the same (rhs) order in all three.
struct ConvDimensionNumbers {
  std::vector<int64_t> lhs_spec, rhs_spec, out_spec;
  bool operator==(const ConvDimensionNumbers&) const = default;
};

/// Parses layout strings such as ("NCHW", "OIHW", "NCHW") or ("NHWC",
/// "HWIO", "NHWC"): 'N'/'C' mark lhs and output batch/feature, 'O'/'I' the
/// kernel's output/input features, and any other distinct characters the
/// spatial dims, which are matched by character and ordered as in the rhs
/// string. Throws jx::Error for malformed strings.
ConvDimensionNumbers conv_dimension_numbers(std::string_view lhs, std::string_view rhs,
                                            std::string_view out, Loc loc = Loc::current());

/// The dimension_numbers argument: empty (the default: (N, C, spatial...)
/// for lhs and output, (O, I, spatial...) for rhs, i.e. "NCHW"/"OIHW"/"NCHW"
/// in 2-D), three layout strings `{"NHWC", "HWIO", "NHWC"}`, or canonical
/// ConvDimensionNumbers.
class ConvDims {
 public:
  ConvDims() = default;
  ConvDims(std::string lhs, std::string rhs, std::string out)
      : strings_{std::move(lhs), std::move(rhs), std::move(out)}, kind_(Kind::kStrings) {}
  ConvDims(const char* lhs, const char* rhs, const char* out)
      : ConvDims(std::string(lhs), std::string(rhs), std::string(out)) {}
  ConvDims(ConvDimensionNumbers dn) : dn_(std::move(dn)), kind_(Kind::kNumbers) {}  // NOLINT
  /// The canonical numbers for operands of rank `ndim` (the default or the
  /// parsed strings; errors when a string's length is not ndim).
  ConvDimensionNumbers resolve(int64_t ndim, const Loc& loc) const;
  /// True when no dimension numbers were given.
  bool is_default() const { return kind_ == Kind::kDefault; }

 private:
  enum class Kind { kDefault, kStrings, kNumbers };
  std::vector<std::string> strings_;
  ConvDimensionNumbers dn_;
  Kind kind_ = Kind::kDefault;
};

/// Padding of a convolution's spatial dims: "SAME" (output size =
/// ceil(in / stride), the odd extra at the end), "SAME_LOWER" (the extra at
/// the start), "VALID" (none), or explicit (low, high) pairs, one per
/// spatial dim (negative values crop).
class PaddingSpec {
 public:
  PaddingSpec(const char* mode) : PaddingSpec(std::string_view(mode)) {}  // NOLINT
  PaddingSpec(std::string_view mode);                                     // NOLINT
  PaddingSpec(std::vector<std::pair<int64_t, int64_t>> pairs)             // NOLINT
      : pairs_(std::move(pairs)), mode_(Mode::kExplicit) {}
  PaddingSpec(std::initializer_list<std::pair<int64_t, int64_t>> pairs)  // NOLINT
      : pairs_(pairs), mode_(Mode::kExplicit) {}
  static PaddingSpec same() { return PaddingSpec("SAME"); }
  static PaddingSpec valid() { return PaddingSpec("VALID"); }
  bool is_explicit() const { return mode_ == Mode::kExplicit; }
  /// "SAME", "SAME_LOWER" or "VALID"; "" for explicit pairs.
  std::string_view mode() const;
  /// The explicit pairs (empty for a mode).
  const std::vector<std::pair<int64_t, int64_t>>& pairs() const { return pairs_; }
  /// The (low, high) pairs for inputs of spatial sizes `in`, (dilated)
  /// window sizes `window` and `strides` (jax.lax.padtype_to_pads); errors
  /// (reported for `op`) for an unknown mode string.
  std::vector<std::pair<int64_t, int64_t>> resolve(
      std::span<const int64_t> in, std::span<const int64_t> window,
      std::span<const int64_t> strides, std::string_view op = "conv_general_dilated") const;

 private:
  enum class Mode { kSame, kSameLower, kValid, kExplicit, kBad };
  std::vector<std::pair<int64_t, int64_t>> pairs_;
  Mode mode_ = Mode::kValid;
  std::string text_;
};

/// General n-d convolution (XLA Conv). lhs: the input, rhs: the kernel, both
/// of rank n + 2. window_strides: n values >= 1; lhs_dilation / rhs_dilation:
/// n values >= 1 (empty: all 1; string padding needs lhs_dilation 1).
/// feature_group_count divides the input features and the kernel's output
/// features, the kernel's input features being C / feature_group_count;
/// batch_group_count divides the lhs batch and the kernel's output
/// features (at most one of the two is > 1). The result has out_spec's
/// layout with batch N / batch_group_count, features O, and spatial sizes
/// floor((dilated padded in - dilated window) / stride) + 1.
Array conv_general_dilated(const Array& lhs, const Array& rhs, std::vector<int64_t> window_strides,
                           const PaddingSpec& padding, std::vector<int64_t> lhs_dilation = {},
                           std::vector<int64_t> rhs_dilation = {},
                           const ConvDims& dimension_numbers = {}, int64_t feature_group_count = 1,
                           int64_t batch_group_count = 1,
                           std::optional<DType> preferred_element_type = std::nullopt,
                           Loc loc = Loc::current());

/// conv_general_dilated in the default NCHW / OIHW layout, padding "SAME" or
/// "VALID" (or explicit pairs).
Array conv(const Array& lhs, const Array& rhs, std::vector<int64_t> window_strides,
           const PaddingSpec& padding, Loc loc = Loc::current());

/// The transposed ("fractionally strided") convolution of jax.lax.conv_transpose:
/// a convolution with lhs dilation `strides`. String padding is that of the
/// corresponding forward conv; explicit pairs pad the dilated input directly.
/// dimension_numbers default to NHC / NHWC / NHWDC with HIO / HWIO / HWDIO
/// kernels. transpose_kernel flips the spatial dims and swaps the kernel's
/// I and O (the gradient of conv, as Keras' Conv2DTranspose).
Array conv_transpose(const Array& lhs, const Array& rhs, std::vector<int64_t> strides,
                     const PaddingSpec& padding, std::vector<int64_t> rhs_dilation = {},
                     const ConvDims& dimension_numbers = {}, bool transpose_kernel = false,
                     std::optional<DType> preferred_element_type = std::nullopt,
                     Loc loc = Loc::current());

}  // namespace jx::lax
