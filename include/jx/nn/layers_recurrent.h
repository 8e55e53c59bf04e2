// jx::nn recurrent cells, as equinox.nn: GRUCell and LSTMCell (one step; run
// a sequence with a C++ loop, or jit the loop body). Gates and initialization
// follow equinox exactly (uniform(+-1/sqrt(hidden_size)); GRU's separate
// bias_n on the candidate's hidden term). Inputs are one example (input
// [input_size], hidden [hidden_size]) or a batch ([N, input_size],
// [N, hidden_size]).
#pragma once

#include <optional>
#include <utility>

#include "jx/nn/layers_base.h"

namespace jx::nn {

/// equinox.nn.GRUCell.
struct GRUCell {
  Array weight_ih;              ///< [3 * hidden, input]
  Array weight_hh;              ///< [3 * hidden, hidden]
  std::optional<Array> bias;    ///< [3 * hidden]
  std::optional<Array> bias_n;  ///< [hidden]
  int64_t input_size = 0, hidden_size = 0;
  bool use_bias = true;

  GRUCell() = default;
  GRUCell(int64_t input_size, int64_t hidden_size, const Array& key, bool use_bias = true,
          DType dtype = float32, Loc loc = Loc::current());
  /// The next hidden state.
  Array operator()(const Array& input, const Array& hidden, Loc loc = Loc::current()) const;
};
JX_TREE(GRUCell, weight_ih, weight_hh, bias, bias_n, input_size, hidden_size, use_bias);

/// equinox.nn.LSTMCell; the state is (h, c).
struct LSTMCell {
  Array weight_ih;            ///< [4 * hidden, input]
  Array weight_hh;            ///< [4 * hidden, hidden]
  std::optional<Array> bias;  ///< [4 * hidden]
  int64_t input_size = 0, hidden_size = 0;
  bool use_bias = true;

  LSTMCell() = default;
  LSTMCell(int64_t input_size, int64_t hidden_size, const Array& key, bool use_bias = true,
           DType dtype = float32, Loc loc = Loc::current());
  /// The next (h, c) from input and (h, c); gate order i, f, g, o.
  std::pair<Array, Array> operator()(const Array& input, const std::pair<Array, Array>& hidden,
                                     Loc loc = Loc::current()) const;
};
JX_TREE(LSTMCell, weight_ih, weight_hh, bias, input_size, hidden_size, use_bias);

}  // namespace jx::nn
