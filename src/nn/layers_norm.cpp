// LayerNorm, RMSNorm, GroupNorm and BatchNorm, composed from np reductions
// (so grad/vmap/jit need no special rules).
#include "jx/nn/layers_norm.h"

#include "jx/lax.h"
#include "jx/numpy.h"

namespace jx::nn {

namespace {

DType compute_dtype(DType dt) { return dt == float64 ? float64 : float32; }
Array as(const Array& x, DType dt) { return x.dtype() == dt ? x : np::astype(x, dt); }

void check_floating(const char* op, DType dtype) {
  if (!dtype.is_floating())
    throw_error(op, "parameters need a floating dtype, got " + std::string(dtype.name()));
}

std::string ints_str(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return "(" + s + (v.size() == 1 ? ",)" : ")");
}

// The trailing dims of x must equal `shape`; returns the axes to normalize.
std::vector<int> trailing_axes(const char* op, const Array& x, const std::vector<int64_t>& shape) {
  size_t n = shape.size();
  bool ok = size_t(x.ndim()) >= n;
  for (size_t i = 0; ok && i < n; ++i) ok = x.shape()[x.ndim() - n + i] == shape[i];
  if (!ok)
    throw_error(op, "input of shape " + x.shape().str() + " must end with the normalized shape " +
                        ints_str(shape));
  std::vector<int> axes;
  for (size_t i = 0; i < n; ++i) axes.push_back(int(x.ndim() - n + i));
  return axes;
}

void init_affine(const char* op, const std::vector<int64_t>& shape, bool use_weight, bool use_bias,
                 DType dtype, std::optional<Array>& weight, std::optional<Array>& bias) {
  check_floating(op, dtype);
  for (int64_t d : shape)
    if (d < 1) throw_error(op, "shape " + ints_str(shape) + " must have sizes >= 1");
  if (use_weight) weight = np::ones(Shape(shape), dtype);
  if (use_bias) bias = np::zeros(Shape(shape), dtype);
}

}  // namespace

// ------------------------------------------------------------------ LayerNorm

LayerNorm::LayerNorm(std::vector<int64_t> s, double e, bool uw, bool ub, DType dtype, Loc loc)
    : shape(std::move(s)), eps(e), use_weight(uw), use_bias(ub) {
  CallSite site(loc);
  init_affine("nn.LayerNorm", shape, uw, ub, dtype, weight, bias);
}

Array LayerNorm::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  std::vector<int> axes = trailing_axes("nn.LayerNorm", x, shape);
  DType dt = compute_dtype(x.dtype());
  Array xc = as(x, dt);
  Array mean = np::mean(xc, axes, true);
  Array centered = xc - mean;
  Array var = np::maximum(np::mean(centered * centered, axes, true), 0.0);
  Array out = centered * lax::rsqrt(var + eps);
  if (weight) out = out * as(*weight, dt);
  if (bias) out = out + as(*bias, dt);
  return as(out, x.dtype().is_floating() ? x.dtype() : dt);
}

// ------------------------------------------------------------------ RMSNorm

RMSNorm::RMSNorm(std::vector<int64_t> s, double e, bool uw, bool ub, DType dtype, Loc loc)
    : shape(std::move(s)), eps(e), use_weight(uw), use_bias(ub) {
  CallSite site(loc);
  init_affine("nn.RMSNorm", shape, uw, ub, dtype, weight, bias);
}

Array RMSNorm::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  std::vector<int> axes = trailing_axes("nn.RMSNorm", x, shape);
  DType dt = compute_dtype(x.dtype());
  Array xc = as(x, dt);
  Array out = xc * lax::rsqrt(np::mean(xc * xc, axes, true) + eps);
  if (weight) out = out * as(*weight, dt);
  if (bias) out = out + as(*bias, dt);
  return as(out, x.dtype().is_floating() ? x.dtype() : dt);
}

// ------------------------------------------------------------------ GroupNorm

GroupNorm::GroupNorm(int64_t g, int64_t c, double e, bool affine, DType dtype, Loc loc)
    : groups(g), channels(c), eps(e), channelwise_affine(affine) {
  CallSite site(loc);
  if (g < 1 || c < 1 || c % g != 0)
    throw_error("nn.GroupNorm", "groups=" + std::to_string(g) +
                                    " must divide channels=" + std::to_string(c) + " (both >= 1)");
  init_affine("nn.GroupNorm", {c}, affine, affine, dtype, weight, bias);
}

Array GroupNorm::batched(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() < 2 || x.shape()[1] != channels)
    throw_error("nn.GroupNorm", "batched input of shape " + x.shape().str() + " must be (N, " +
                                    std::to_string(channels) + ", spatial...)");
  DType dt = compute_dtype(x.dtype());
  Array xc = as(x, dt);
  // [N, C, S...] -> [N, G, C/G * prod(S)]: statistics over the last axis.
  int64_t n = x.shape()[0];
  Array y = np::reshape(xc, {n, groups, -1});
  Array mean = np::mean(y, -1, true);
  Array centered = y - mean;
  Array var = np::maximum(np::mean(centered * centered, -1, true), 0.0);
  Array out = np::reshape(centered * lax::rsqrt(var + eps), x.shape());
  if (channelwise_affine) {
    Shape bshape(std::vector<int64_t>(size_t(x.ndim() - 1), 1));
    bshape[0] = channels;
    out = out * np::reshape(as(*weight, dt), bshape) + np::reshape(as(*bias, dt), bshape);
  }
  return as(out, x.dtype().is_floating() ? x.dtype() : dt);
}

Array GroupNorm::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() < 1 || x.shape()[0] != channels)
    throw_error("nn.GroupNorm", "input of shape " + x.shape().str() + " must be (" +
                                    std::to_string(channels) +
                                    ", spatial...); use batched() for (N, C, spatial...)");
  return lax::squeeze(batched(lax::expand_dims(x, {0})), {0});
}

// ------------------------------------------------------------------ BatchNorm

BatchNorm::BatchNorm(int64_t size, double e, bool affine, double m, bool inf, DType dtype, Loc loc)
    : input_size(size), eps(e), momentum(m), channelwise_affine(affine), inference(inf) {
  CallSite site(loc);
  if (size < 1) throw_error("nn.BatchNorm", "input_size must be >= 1, got " + std::to_string(size));
  if (!(m >= 0 && m <= 1))
    throw_error("nn.BatchNorm", "momentum must be in [0, 1], got " + std::to_string(m));
  init_affine("nn.BatchNorm", {size}, affine, affine, dtype, weight, bias);
}

BatchNormState BatchNorm::init_state() const {
  DType dt = weight ? weight->dtype() : float32;
  return {np::zeros({input_size}, dt), np::ones({input_size}, dt)};
}

std::pair<Array, BatchNormState> BatchNorm::operator()(const Array& x, const BatchNormState& state,
                                                       std::optional<bool> inf, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() < 2 || x.shape()[1] != input_size)
    throw_error("nn.BatchNorm", "input of shape " + x.shape().str() + " must be (N, " +
                                    std::to_string(input_size) + ", spatial...)");
  Shape cshape{input_size};
  if (state.running_mean.shape() != cshape || state.running_var.shape() != cshape)
    throw_error("nn.BatchNorm", "state has shapes " + state.running_mean.shape().str() + " and " +
                                    state.running_var.shape().str() + ", expected (" +
                                    std::to_string(input_size) + ",)");
  DType dt = compute_dtype(x.dtype());
  Array xc = as(x, dt);
  Shape bshape(std::vector<int64_t>(size_t(x.ndim() - 1), 1));
  bshape[0] = input_size;
  std::vector<int> axes{0};
  for (int i = 2; i < x.ndim(); ++i) axes.push_back(i);

  Array mean, var;
  BatchNormState next = state;
  if (inf.value_or(inference)) {
    mean = as(state.running_mean, dt);
    var = as(state.running_var, dt);
  } else {
    mean = np::mean(xc, axes);
    Array centered = xc - np::reshape(mean, bshape);
    var = np::maximum(np::mean(centered * centered, axes), 0.0);
    DType sdt = state.running_mean.dtype();
    next.running_mean = as(state.running_mean * momentum + as(mean, sdt) * (1 - momentum), sdt);
    next.running_var = as(state.running_var * momentum + as(var, sdt) * (1 - momentum), sdt);
  }
  Array out = (xc - np::reshape(mean, bshape)) * np::reshape(lax::rsqrt(var + eps), bshape);
  if (channelwise_affine)
    out = out * np::reshape(as(*weight, dt), bshape) + np::reshape(as(*bias, dt), bshape);
  return {as(out, x.dtype().is_floating() ? x.dtype() : dt), next};
}

}  // namespace jx::nn
