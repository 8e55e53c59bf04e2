// Conv, ConvTranspose and Pool: thin layers over lax::conv_general_dilated and
// lax::reduce_window that add equinox's argument handling, initialization
// and the optional batch dimension.
#include "jx/nn/layers_conv.h"

#include <cmath>
#include <numeric>

#include "jx/lax.h"
#include "jx/lax_contract.h"
#include "jx/lax_sort.h"
#include "jx/numpy.h"
#include "jx/random.h"

namespace jx::nn {

namespace {

std::string ints_str(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return "(" + s + ")";
}

void check_min(const char* op, const char* what, const std::vector<int64_t>& v, int64_t lo) {
  for (int64_t x : v)
    if (x < lo)
      throw_error(op,
                  std::string(what) + " must be >= " + std::to_string(lo) + ", got " + ints_str(v));
}

// Resolves a Padding into (mode, pairs) for n spatial dims.
void resolve_padding(const char* op, const Padding& p, size_t n, bool allow_modes,
                     std::string& mode, std::vector<std::pair<int64_t, int64_t>>& pairs) {
  if (!p.mode.empty()) {
    if (!allow_modes || (p.mode != "SAME" && p.mode != "SAME_LOWER" && p.mode != "VALID"))
      throw_error(op, "unknown padding '" + p.mode + "'" +
                          (allow_modes ? " (use \"SAME\", \"SAME_LOWER\", \"VALID\" or integers)"
                                       : " (pools take integer padding)"));
    mode = p.mode;
    pairs.clear();
    return;
  }
  mode.clear();
  if (p.pairs.size() == n)
    pairs = p.pairs;
  else if (p.pairs.size() == 1)
    pairs.assign(n, p.pairs[0]);
  else
    throw_error(op, "padding needs 1 or " + std::to_string(n) + " entries, got " +
                        std::to_string(p.pairs.size()));
}

// The input's rank decides: one example [C, ...] or a batch [N, C, ...].
Array add_batch(const char* op, const Array& x, int64_t nsd, int64_t channels, bool& batched) {
  if (x.ndim() == nsd + 1)
    batched = false;
  else if (x.ndim() == nsd + 2)
    batched = true;
  else
    throw_error(op, "input of shape " + x.shape().str() + " needs rank " + std::to_string(nsd + 1) +
                        " (C, spatial...) or " + std::to_string(nsd + 2) + " (N, C, spatial...)");
  int64_t c = x.shape()[batched ? 1 : 0];
  if (channels >= 0 && c != channels)
    throw_error(op, "input of shape " + x.shape().str() + " has " + std::to_string(c) +
                        " channels, the layer expects " + std::to_string(channels));
  return batched ? x : lax::expand_dims(x, {0});
}

Array promote_to(const Array& x, DType dt) { return x.dtype() == dt ? x : np::astype(x, dt); }

// Shared by Conv and ConvTranspose: sizes, weight and bias.
void init_conv(const char* op, int64_t nsd, int64_t in, int64_t out, int64_t groups,
               const std::vector<int64_t>& k, const Array& key, bool use_bias, DType dtype,
               Array& weight, std::optional<Array>& bias) {
  if (nsd < 1) throw_error(op, "num_spatial_dims must be >= 1, got " + std::to_string(nsd));
  if (in < 1 || out < 1)
    throw_error(op, "channels must be >= 1, got in_channels=" + std::to_string(in) +
                        ", out_channels=" + std::to_string(out));
  if (groups < 1 || in % groups != 0 || out % groups != 0)
    throw_error(op, "groups=" + std::to_string(groups) + " must divide in_channels=" +
                        std::to_string(in) + " and out_channels=" + std::to_string(out));
  if (!dtype.is_floating())
    throw_error(op, "parameters need a floating dtype, got " + std::string(dtype.name()));
  check_min(op, "kernel_size", k, 1);
  auto [wkey, bkey] = random::split2(key);
  int64_t grouped_in = in / groups;
  int64_t fan_in =
      grouped_in * std::accumulate(k.begin(), k.end(), int64_t(1), std::multiplies<>());
  double lim = 1.0 / std::sqrt(double(fan_in));
  std::vector<int64_t> wshape{out, grouped_in};
  wshape.insert(wshape.end(), k.begin(), k.end());
  weight = random::uniform(wkey, Shape(wshape), dtype, -lim, lim);
  if (use_bias) {
    std::vector<int64_t> bshape(size_t(nsd) + 1, 1);
    bshape[0] = out;
    bias = random::uniform(bkey, Shape(bshape), dtype, -lim, lim);
  }
}

}  // namespace

// ------------------------------------------------------------------ Conv

Conv::Conv(int64_t nsd, int64_t in, int64_t out, const Ints& k, const Array& key,
           const ConvOptions& o, Loc loc)
    : num_spatial_dims(nsd),
      in_channels(in),
      out_channels(out),
      groups(o.groups),
      use_bias(o.use_bias) {
  CallSite site(loc);
  const char* op = "nn.Conv";
  size_t n = size_t(std::max<int64_t>(nsd, 1));
  kernel_size = k.expand(n, op, "kernel_size");
  stride = o.stride.expand(n, op, "stride");
  dilation = o.dilation.expand(n, op, "dilation");
  check_min(op, "stride", stride, 1);
  check_min(op, "dilation", dilation, 1);
  resolve_padding(op, o.padding, n, true, padding_mode, padding);
  init_conv(op, nsd, in, out, groups, kernel_size, key, use_bias, o.dtype, weight, bias);
}

Array Conv::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  bool batched = false;
  Array xb = add_batch("nn.Conv", x, num_spatial_dims, in_channels, batched);
  DType dt = np::result_type({xb, weight});
  lax::PaddingSpec pad = padding_mode.empty() ? lax::PaddingSpec(padding)
                                              : lax::PaddingSpec(std::string_view(padding_mode));
  Array y = lax::conv_general_dilated(promote_to(xb, dt), promote_to(weight, dt), stride, pad, {},
                                      dilation, {}, groups);
  if (bias) y = y + *bias;
  return batched ? y : lax::squeeze(y, {0});
}

// ------------------------------------------------------------------ ConvTranspose

ConvTranspose::ConvTranspose(int64_t nsd, int64_t in, int64_t out, const Ints& k, const Array& key,
                             const ConvTransposeOptions& o, Loc loc)
    : num_spatial_dims(nsd),
      in_channels(in),
      out_channels(out),
      groups(o.groups),
      use_bias(o.use_bias) {
  CallSite site(loc);
  const char* op = "nn.ConvTranspose";
  size_t n = size_t(std::max<int64_t>(nsd, 1));
  kernel_size = k.expand(n, op, "kernel_size");
  stride = o.stride.expand(n, op, "stride");
  output_padding = o.output_padding.expand(n, op, "output_padding");
  dilation = o.dilation.expand(n, op, "dilation");
  check_min(op, "stride", stride, 1);
  check_min(op, "dilation", dilation, 1);
  check_min(op, "output_padding", output_padding, 0);
  for (size_t i = 0; i < n; ++i)
    if (output_padding[i] >= stride[i])
      throw_error(op, "output_padding " + ints_str(output_padding) + " must be < stride " +
                          ints_str(stride) + " elementwise");
  resolve_padding(op, o.padding, n, true, padding_mode, padding);
  init_conv(op, nsd, in, out, groups, kernel_size, key, use_bias, o.dtype, weight, bias);
}

Array ConvTranspose::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  bool batched = false;
  Array xb = add_batch("nn.ConvTranspose", x, num_spatial_dims, in_channels, batched);
  // The forward conv's padding (p0, p1) becomes d(k-1) - p0 and d(k-1) - p1 + a
  // around the stride-dilated input (equinox's _padding_transpose).
  std::vector<std::pair<int64_t, int64_t>> pt;
  for (size_t i = 0; i < kernel_size.size(); ++i) {
    int64_t k = kernel_size[i], s = stride[i], a = output_padding[i], d = dilation[i];
    int64_t p0 = 0, p1 = 0;
    if (padding_mode == "SAME" || padding_mode == "SAME_LOWER") {
      int64_t sum = d * (k - 1) - s + a + 1;
      if (sum < 0) {
        a = -sum;
        sum = 0;
      }
      p0 = (sum + (padding_mode == "SAME_LOWER" ? 1 : 0)) / 2;
      p1 = sum - p0;
    } else if (padding_mode.empty()) {
      p0 = padding[i].first;
      p1 = padding[i].second;
    }
    pt.emplace_back(d * (k - 1) - p0, d * (k - 1) - p1 + a);
  }
  DType dt = np::result_type({xb, weight});
  std::vector<int64_t> ones(kernel_size.size(), 1);
  Array y = lax::conv_general_dilated(promote_to(xb, dt), promote_to(weight, dt), ones,
                                      lax::PaddingSpec(pt), stride, dilation, {}, groups);
  if (bias) y = y + *bias;
  return batched ? y : lax::squeeze(y, {0});
}

// ------------------------------------------------------------------ Pool

Pool::Pool(std::string op_, int64_t nsd, const Ints& k, const PoolOptions& o, Loc loc)
    : op(std::move(op_)), num_spatial_dims(nsd), use_ceil(o.use_ceil) {
  CallSite site(loc);
  const char* name = op == "max" ? "nn.MaxPool" : "nn.AvgPool";
  if (op != "max" && op != "avg")
    throw_error("nn.Pool", "op must be \"max\" or \"avg\", got '" + op + "'");
  if (nsd < 1) throw_error(name, "num_spatial_dims must be >= 1, got " + std::to_string(nsd));
  kernel_size = k.expand(size_t(nsd), name, "kernel_size");
  stride = o.stride.expand(size_t(nsd), name, "stride");
  check_min(name, "kernel_size", kernel_size, 1);
  check_min(name, "stride", stride, 1);
  std::string mode;
  resolve_padding(name, o.padding, size_t(nsd), false, mode, padding);
  for (size_t i = 0; i < padding.size(); ++i)
    if (padding[i].first < 0 || padding[i].second < 0 ||
        std::max(padding[i].first, padding[i].second) > kernel_size[i])
      throw_error(name, "padding (" + std::to_string(padding[i].first) + ", " +
                            std::to_string(padding[i].second) +
                            ") must be non-negative and at most the kernel size " +
                            std::to_string(kernel_size[i]));
}

Array Pool::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const char* name = op == "max" ? "nn.MaxPool" : "nn.AvgPool";
  bool batched = false;
  Array xb = add_batch(name, x, num_spatial_dims, -1, batched);
  lax::WindowConfig w;
  w.window_dimensions = {1, 1};
  w.window_strides = {1, 1};
  w.padding = {{0, 0}, {0, 0}};
  for (size_t i = 0; i < kernel_size.size(); ++i) {
    auto [lo, hi] = padding[i];
    int64_t in = xb.shape()[2 + i];
    if (in + lo + hi < kernel_size[i])
      throw_error(name, "input of shape " + x.shape().str() + " is smaller than the window " +
                            ints_str(kernel_size) + " (with padding)");
    if (use_ceil && (in + lo + hi - kernel_size[i]) % stride[i] != 0) hi += stride[i];
    w.window_dimensions.push_back(kernel_size[i]);
    w.window_strides.push_back(stride[i]);
    w.padding.emplace_back(lo, hi);
  }
  Array y;
  if (op == "max") {
    y = lax::reduce_window_max(xb, w);
  } else {
    int64_t count =
        std::accumulate(kernel_size.begin(), kernel_size.end(), int64_t(1), std::multiplies<>());
    y = lax::reduce_window_sum(xb, w) / double(count);
  }
  return batched ? y : lax::squeeze(y, {0});
}

}  // namespace jx::nn
