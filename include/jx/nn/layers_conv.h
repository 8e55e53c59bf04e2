// jx::nn convolutions and pooling, as equinox.nn: Conv (n-d) with Conv1d,
// Conv2d, Conv3d; ConvTranspose with ConvTranspose1d, ConvTranspose2d;
// MaxPool1d/2d and AvgPool1d/2d (and the n-d Pool).
//
// Layout is channels-first, as equinox: weight [out, in / groups, k...],
// bias [out, 1, ...] (equinox's shape, so weights load unchanged). Inputs are
// one example [C, spatial...] (equinox) or a batch [N, C, spatial...] (a
// single convolution over the batch); the output keeps the input's form.
// Initialization: weight and bias ~ uniform(+-1/sqrt(in/groups * prod(k))),
// with equinox's key split (same key, same weights).
//
// Padding: an int (both sides of every dim), one int per dim, one (low, high)
// pair per dim, or "SAME" / "SAME_LOWER" / "VALID". Pools follow equinox:
// stride defaults to 1 (not to the kernel size), padding is explicit, max
// pools pad with -inf and average pools divide by the full window size
// (padding counts as zeros); use_ceil adds padding so the output size is
// ceil instead of floor.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jx/nn/layers_base.h"

namespace jx::nn {

/// A padding argument: 1, {1, 2}, {{0, 1}, {1, 1}}, "SAME", "SAME_LOWER", "VALID".
struct Padding {
  std::string mode;                                  // "" for explicit pairs
  std::vector<std::pair<int64_t, int64_t>> pairs;    // one, or one per spatial dim
  Padding(int64_t p) : pairs{{p, p}} {}              // NOLINT
  Padding(int p) : pairs{{p, p}} {}                  // NOLINT
  Padding(const char* m) : mode(m) {}                // NOLINT
  Padding(std::string m) : mode(std::move(m)) {}     // NOLINT
  Padding(std::initializer_list<int64_t> per_dim) {  // NOLINT
    for (int64_t p : per_dim) pairs.emplace_back(p, p);
  }
  Padding(std::vector<std::pair<int64_t, int64_t>> ps) : pairs(std::move(ps)) {}  // NOLINT
  Padding(std::initializer_list<std::pair<int64_t, int64_t>> ps) : pairs(ps) {}   // NOLINT
};

/// Options of Conv*; designated initializers: {.stride = 2, .padding = "SAME"}.
struct ConvOptions {
  Ints stride = 1;
  Padding padding = 0;
  Ints dilation = 1;
  int64_t groups = 1;
  bool use_bias = true;
  DType dtype = float32;
};

/// equinox.nn.Conv: an n-d convolution (cross-correlation, as lax.conv).
struct Conv {
  Array weight;               ///< [out_channels, in_channels / groups, kernel...]
  std::optional<Array> bias;  ///< [out_channels, 1, ...]
  int64_t num_spatial_dims = 0, in_channels = 0, out_channels = 0;
  std::vector<int64_t> kernel_size, stride, dilation;
  std::string padding_mode;                          ///< "SAME", "SAME_LOWER", "VALID" or ""
  std::vector<std::pair<int64_t, int64_t>> padding;  ///< explicit pairs when padding_mode is ""
  int64_t groups = 1;
  bool use_bias = true;

  Conv() = default;
  /// groups divides in_channels and out_channels; sizes >= 1.
  Conv(int64_t num_spatial_dims, int64_t in_channels, int64_t out_channels, const Ints& kernel_size,
       const Array& key, const ConvOptions& options = {}, Loc loc = Loc::current());
  /// x: [in_channels, spatial...] or [N, in_channels, spatial...].
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
};

#define JX_NN_CONV_FIELDS                                                                   \
  weight, bias, num_spatial_dims, in_channels, out_channels, kernel_size, stride, dilation, \
      padding_mode, padding, groups, use_bias
JX_TREE(Conv, JX_NN_CONV_FIELDS);

/// equinox.nn.Conv1d: x [C, W] or [N, C, W].
struct Conv1d : Conv {
  Conv1d() = default;
  Conv1d(int64_t in_channels, int64_t out_channels, const Ints& kernel_size, const Array& key,
         const ConvOptions& options = {}, Loc loc = Loc::current())
      : Conv(1, in_channels, out_channels, kernel_size, key, options, loc) {}
};
JX_TREE(Conv1d, JX_NN_CONV_FIELDS);

/// equinox.nn.Conv2d: x [C, H, W] or [N, C, H, W].
///   nn::Conv2d conv(1, 32, 3, key, {.padding = "SAME"});
struct Conv2d : Conv {
  Conv2d() = default;
  Conv2d(int64_t in_channels, int64_t out_channels, const Ints& kernel_size, const Array& key,
         const ConvOptions& options = {}, Loc loc = Loc::current())
      : Conv(2, in_channels, out_channels, kernel_size, key, options, loc) {}
};
JX_TREE(Conv2d, JX_NN_CONV_FIELDS);

/// equinox.nn.Conv3d: x [C, D, H, W] or [N, C, D, H, W].
struct Conv3d : Conv {
  Conv3d() = default;
  Conv3d(int64_t in_channels, int64_t out_channels, const Ints& kernel_size, const Array& key,
         const ConvOptions& options = {}, Loc loc = Loc::current())
      : Conv(3, in_channels, out_channels, kernel_size, key, options, loc) {}
};
JX_TREE(Conv3d, JX_NN_CONV_FIELDS);

/// Options of ConvTranspose*: as ConvOptions plus output_padding (< stride).
struct ConvTransposeOptions {
  Ints stride = 1;
  Padding padding = 0;
  Ints output_padding = 0;
  Ints dilation = 1;
  int64_t groups = 1;
  bool use_bias = true;
  DType dtype = float32;
};

/// equinox.nn.ConvTranspose: the transpose of Conv with the same options
/// (output size (in - 1) * stride - pad_low - pad_high + dilation * (k - 1)
/// + output_padding + 1). The weight is used as equinox uses it: a direct
/// convolution of the stride-dilated input, without flipping.
struct ConvTranspose {
  Array weight;               ///< [out_channels, in_channels / groups, kernel...]
  std::optional<Array> bias;  ///< [out_channels, 1, ...]
  int64_t num_spatial_dims = 0, in_channels = 0, out_channels = 0;
  std::vector<int64_t> kernel_size, stride, output_padding, dilation;
  std::string padding_mode;
  std::vector<std::pair<int64_t, int64_t>> padding;
  int64_t groups = 1;
  bool use_bias = true;

  ConvTranspose() = default;
  ConvTranspose(int64_t num_spatial_dims, int64_t in_channels, int64_t out_channels,
                const Ints& kernel_size, const Array& key, const ConvTransposeOptions& options = {},
                Loc loc = Loc::current());
  /// x: [in_channels, spatial...] or [N, in_channels, spatial...].
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
};

#define JX_NN_CONVT_FIELDS                                                                        \
  weight, bias, num_spatial_dims, in_channels, out_channels, kernel_size, stride, output_padding, \
      dilation, padding_mode, padding, groups, use_bias
JX_TREE(ConvTranspose, JX_NN_CONVT_FIELDS);

struct ConvTranspose1d : ConvTranspose {
  ConvTranspose1d() = default;
  ConvTranspose1d(int64_t in_channels, int64_t out_channels, const Ints& kernel_size,
                  const Array& key, const ConvTransposeOptions& options = {},
                  Loc loc = Loc::current())
      : ConvTranspose(1, in_channels, out_channels, kernel_size, key, options, loc) {}
};
JX_TREE(ConvTranspose1d, JX_NN_CONVT_FIELDS);

struct ConvTranspose2d : ConvTranspose {
  ConvTranspose2d() = default;
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, const Ints& kernel_size,
                  const Array& key, const ConvTransposeOptions& options = {},
                  Loc loc = Loc::current())
      : ConvTranspose(2, in_channels, out_channels, kernel_size, key, options, loc) {}
};
JX_TREE(ConvTranspose2d, JX_NN_CONVT_FIELDS);

/// Options of the pools: {.stride = 2, .padding = 1, .use_ceil = true}.
struct PoolOptions {
  Ints stride = 1;
  Padding padding = 0;  ///< explicit only (ints or pairs), each side <= kernel
  bool use_ceil = false;
};

/// equinox.nn.Pool: a windowed max or mean over the spatial dims.
struct Pool {
  std::string op;  ///< "max" or "avg"
  int64_t num_spatial_dims = 0;
  std::vector<int64_t> kernel_size, stride;
  std::vector<std::pair<int64_t, int64_t>> padding;
  bool use_ceil = false;

  Pool() = default;
  Pool(std::string op, int64_t num_spatial_dims, const Ints& kernel_size,
       const PoolOptions& options = {}, Loc loc = Loc::current());
  /// x: [C, spatial...] or [N, C, spatial...].
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
};
#define JX_NN_POOL_FIELDS op, num_spatial_dims, kernel_size, stride, padding, use_ceil
JX_TREE(Pool, JX_NN_POOL_FIELDS);

/// equinox.nn.MaxPool1d: x [C, W] or [N, C, W].
struct MaxPool1d : Pool {
  MaxPool1d() = default;
  explicit MaxPool1d(const Ints& kernel_size, const PoolOptions& options = {},
                     Loc loc = Loc::current())
      : Pool("max", 1, kernel_size, options, loc) {}
};
JX_TREE(MaxPool1d, JX_NN_POOL_FIELDS);

/// equinox.nn.MaxPool2d: x [C, H, W] or [N, C, H, W].
///   nn::MaxPool2d pool(2, {.stride = 2});
struct MaxPool2d : Pool {
  MaxPool2d() = default;
  explicit MaxPool2d(const Ints& kernel_size, const PoolOptions& options = {},
                     Loc loc = Loc::current())
      : Pool("max", 2, kernel_size, options, loc) {}
};
JX_TREE(MaxPool2d, JX_NN_POOL_FIELDS);

/// equinox.nn.AvgPool1d.
struct AvgPool1d : Pool {
  AvgPool1d() = default;
  explicit AvgPool1d(const Ints& kernel_size, const PoolOptions& options = {},
                     Loc loc = Loc::current())
      : Pool("avg", 1, kernel_size, options, loc) {}
};
JX_TREE(AvgPool1d, JX_NN_POOL_FIELDS);

/// equinox.nn.AvgPool2d.
struct AvgPool2d : Pool {
  AvgPool2d() = default;
  explicit AvgPool2d(const Ints& kernel_size, const PoolOptions& options = {},
                     Loc loc = Loc::current())
      : Pool("avg", 2, kernel_size, options, loc) {}
};
JX_TREE(AvgPool2d, JX_NN_POOL_FIELDS);

}  // namespace jx::nn
