// jx::nn dense layers, as equinox.nn: Linear, MLP, Embedding.
//
// Initialization follows equinox exactly (same key splits, same samplers), so
// a layer built from jx::random::key(s) holds the same weights as equinox's
// built from jax.random.PRNGKey(s): Linear draws weight [out, in] and bias
// [out] from uniform(-1/sqrt(in), 1/sqrt(in)); Embedding draws normal(0, 1).
//
// Batching: equinox layers take one example; these also take leading batch
// dimensions directly. Linear maps [..., in] -> [..., out] (x @ W^T + b, one
// matmul for the whole batch), MLP the same, Embedding maps integer indices
// of any shape [...] -> [..., embedding_size].
#pragma once

#include <optional>
#include <vector>

#include "jx/nn/layers_base.h"

namespace jx::nn {

/// equinox.nn.Linear: y = x @ weight^T + bias.
struct Linear {
  Array weight;               ///< [out_features, in_features]
  std::optional<Array> bias;  ///< [out_features], absent when use_bias is false
  int64_t in_features = 0;
  int64_t out_features = 0;
  bool use_bias = true;

  Linear() = default;
  /// in_features, out_features >= 1; key: a PRNG key; dtype: floating.
  Linear(int64_t in_features, int64_t out_features, const Array& key, bool use_bias = true,
         DType dtype = float32, Loc loc = Loc::current());
  /// x: [..., in_features] -> [..., out_features]. Errors when the last
  /// dimension is not in_features.
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
};
JX_TREE(Linear, weight, bias, in_features, out_features, use_bias);

/// equinox.nn.MLP: depth + 1 Linear layers; `activation` after each hidden
/// layer, `final_activation` after the last. depth 0 is a single Linear.
struct MLP {
  std::vector<Linear> layers;
  Activation activation;
  Activation final_activation;
  int64_t in_size = 0, out_size = 0, width_size = 0, depth = 0;

  MLP() = default;
  /// Keys: split(key, depth + 1), one per layer, as equinox.
  MLP(int64_t in_size, int64_t out_size, int64_t width_size, int64_t depth, const Array& key,
      Activation activation = Activation::relu(),
      Activation final_activation = Activation::identity(), bool use_bias = true,
      bool use_final_bias = true, DType dtype = float32, Loc loc = Loc::current());
  /// x: [..., in_size] -> [..., out_size].
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
};
JX_TREE(MLP, layers, activation, final_activation, in_size, out_size, width_size, depth);

/// equinox.nn.Embedding: a lookup table.
struct Embedding {
  Array weight;  ///< [num_embeddings, embedding_size]
  int64_t num_embeddings = 0, embedding_size = 0;

  Embedding() = default;
  /// weight ~ normal(key, [num_embeddings, embedding_size]).
  Embedding(int64_t num_embeddings, int64_t embedding_size, const Array& key, DType dtype = float32,
            Loc loc = Loc::current());
  /// From an existing table [num_embeddings, embedding_size].
  explicit Embedding(const Array& weight, Loc loc = Loc::current());
  /// indices: integer array of any shape -> [..., embedding_size]. Indices
  /// out of range are clamped (jnp indexing's behaviour).
  Array operator()(const Array& indices, Loc loc = Loc::current()) const;
};
JX_TREE(Embedding, weight, num_embeddings, embedding_size);

}  // namespace jx::nn
