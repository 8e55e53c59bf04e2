// Linear, MLP and Embedding. Initialization mirrors equinox's key splits so
// that the same key gives the same weights as in equinox.
#include "jx/nn/layers_linear.h"

#include <cmath>

#include "jx/lax_contract.h"
#include "jx/numpy.h"
#include "jx/numpy_indexing.h"
#include "jx/random.h"

namespace jx::nn {

namespace {
void check_floating(const char* op, DType dtype) {
  if (!dtype.is_floating())
    throw_error(op,
                std::string("parameters need a floating dtype, got ") + std::string(dtype.name()));
}
void check_positive(const char* op, const char* what, int64_t v) {
  if (v < 1) throw_error(op, std::string(what) + " must be >= 1, got " + std::to_string(v));
}
}  // namespace

Linear::Linear(int64_t in, int64_t out, const Array& key, bool bias_on, DType dtype, Loc loc)
    : in_features(in), out_features(out), use_bias(bias_on) {
  CallSite site(loc);
  check_positive("nn.Linear", "in_features", in);
  check_positive("nn.Linear", "out_features", out);
  check_floating("nn.Linear", dtype);
  auto [wkey, bkey] = random::split2(key);
  double lim = 1.0 / std::sqrt(double(in));
  weight = random::uniform(wkey, {out, in}, dtype, -lim, lim);
  if (use_bias) bias = random::uniform(bkey, {out}, dtype, -lim, lim);
}

Array Linear::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() < 1 || x.shape().back() != in_features)
    throw_error("nn.Linear", "input of shape " + x.shape().str() + " needs a last dimension of " +
                                 std::to_string(in_features) + " (in_features)");
  DType dt = np::result_type({x, weight});
  Array xs = x.dtype() == dt ? x : np::astype(x, dt);
  Array w = weight.dtype() == dt ? weight : np::astype(weight, dt);
  // [..., in] x [out, in] -> [..., out]: contract the last dims, no transpose.
  Array y = lax::dot_general(xs, w, {{int64_t(x.ndim() - 1)}, {1}});
  if (bias) y = y + *bias;
  return y;
}

MLP::MLP(int64_t in, int64_t out, int64_t width, int64_t depth_, const Array& key, Activation act,
         Activation final_act, bool use_bias, bool use_final_bias, DType dtype, Loc loc)
    : activation(std::move(act)),
      final_activation(std::move(final_act)),
      in_size(in),
      out_size(out),
      width_size(width),
      depth(depth_) {
  CallSite site(loc);
  if (depth < 0) throw_error("nn.MLP", "depth must be >= 0, got " + std::to_string(depth));
  Array keys = random::split(key, depth + 1);
  if (depth == 0) {
    layers.emplace_back(in, out, keys[0], use_final_bias, dtype);
    return;
  }
  layers.emplace_back(in, width, keys[0], use_bias, dtype);
  for (int64_t i = 1; i < depth; ++i) layers.emplace_back(width, width, keys[i], use_bias, dtype);
  layers.emplace_back(width, out, keys[depth], use_final_bias, dtype);
}

Array MLP::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  Array h = x;
  for (size_t i = 0; i + 1 < layers.size(); ++i) h = activation(layers[i](h));
  return final_activation(layers.back()(h));
}

Embedding::Embedding(int64_t num, int64_t size, const Array& key, DType dtype, Loc loc)
    : num_embeddings(num), embedding_size(size) {
  CallSite site(loc);
  check_positive("nn.Embedding", "num_embeddings", num);
  check_positive("nn.Embedding", "embedding_size", size);
  check_floating("nn.Embedding", dtype);
  weight = random::normal(key, {num, size}, dtype);
}

Embedding::Embedding(const Array& w, Loc loc) : weight(w) {
  CallSite site(loc);
  if (w.ndim() != 2)
    throw_error("nn.Embedding",
                "weight must have shape (num_embeddings, embedding_size), got " + w.shape().str());
  num_embeddings = w.shape()[0];
  embedding_size = w.shape()[1];
}

Array Embedding::operator()(const Array& indices, Loc loc) const {
  CallSite site(loc);
  if (!indices.dtype().is_integer())
    throw_error("nn.Embedding", "indices must be integers, got " + indices.aval().str());
  return np::take(weight, indices, 0, "clip");
}

}  // namespace jx::nn
