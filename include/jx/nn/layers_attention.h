// jx::nn.MultiheadAttention, as equinox.nn.MultiheadAttention: linear
// projections of query, key and value into num_heads heads, scaled dot-product
// attention per head (softmax in at least float32), optional dropout on the
// attention weights, and an output projection. Initialization follows equinox
// (split(key, 4) for the q, k, v and output Linear layers; no biases by default).
//
// Shapes: query [Sq, query_size], key [Sk, key_size], value [Sk, value_size]
// -> [Sq, output_size] (equinox), or the same with a leading batch dim N.
// mask (bool, true = attend): [Sq, Sk], [num_heads, Sq, Sk], or when batched
// [N, num_heads, Sq, Sk]; masked logits become the dtype's lowest value, as
// equinox. causal = true additionally masks key positions j > i (jnp.tril).
// Dropout on the weights draws one bernoulli mask for the whole weight tensor
// from the given key (equinox splits the key per head instead, so dropout
// masks are not bit-identical to equinox's; everything else is).
#pragma once

#include <optional>

#include "jx/nn/layers_dropout.h"
#include "jx/nn/layers_linear.h"

namespace jx::nn {

/// Options of MultiheadAttention; 0 sizes take equinox's defaults
/// (key/value/output size: query_size; qk/vo size: query_size / num_heads).
struct AttentionOptions {
  int64_t key_size = 0, value_size = 0, output_size = 0, qk_size = 0, vo_size = 0;
  bool use_query_bias = false, use_key_bias = false, use_value_bias = false,
       use_output_bias = false;
  double dropout_p = 0.0;
  bool inference = false;
  DType dtype = float32;
};

/// equinox.nn.MultiheadAttention.
struct MultiheadAttention {
  Linear query_proj, key_proj, value_proj, output_proj;
  Dropout dropout;
  int64_t num_heads = 0, query_size = 0, key_size = 0, value_size = 0, output_size = 0, qk_size = 0,
          vo_size = 0;

  MultiheadAttention() = default;
  MultiheadAttention(int64_t num_heads, int64_t query_size, const Array& key,
                     const AttentionOptions& options = {}, Loc loc = Loc::current());
  /// See the header comment for shapes. `key` feeds the attention dropout
  /// (needed when dropout_p > 0 and not in inference mode).
  Array operator()(const Array& query, const Array& key_, const Array& value,
                   const std::optional<Array>& mask = std::nullopt, bool causal = false,
                   const std::optional<Array>& key = std::nullopt,
                   std::optional<bool> inference = std::nullopt, Loc loc = Loc::current()) const;
};
JX_TREE(MultiheadAttention, query_proj, key_proj, value_proj, output_proj, dropout, num_heads,
        query_size, key_size, value_size, output_size, qk_size, vo_size);

}  // namespace jx::nn
