// GRUCell and LSTMCell: one matmul per weight for all gates, then slices.
#include "jx/nn/layers_recurrent.h"

#include <cmath>

#include "jx/lax.h"
#include "jx/lax_contract.h"
#include "jx/numpy.h"
#include "jx/random.h"

namespace jx::nn {

namespace {

// w [G, K] applied to x [..., K] -> [..., G].
Array apply(const Array& w, const Array& x) {
  return lax::dot_general(x, w, {{int64_t(x.ndim() - 1)}, {1}});
}

// Chunk i of n along the last axis.
Array chunk(const Array& x, int64_t i, int64_t n) {
  int64_t r = x.ndim(), size = x.shape().back() / n;
  std::vector<int64_t> start(size_t(r), 0), limit = x.shape().to_vector();
  start.back() = i * size;
  limit.back() = (i + 1) * size;
  return lax::slice(x, start, limit);
}

void check_inputs(const char* op, const Array& input, const Array& hidden, int64_t in,
                  int64_t hid) {
  bool ok = input.ndim() >= 1 && input.ndim() <= 2 && hidden.ndim() == input.ndim() &&
            input.shape().back() == in && hidden.shape().back() == hid &&
            (input.ndim() == 1 || input.shape()[0] == hidden.shape()[0]);
  if (!ok)
    throw_error(op, "input " + input.shape().str() + " and hidden " + hidden.shape().str() +
                        " must be (" + std::to_string(in) + ",) and (" + std::to_string(hid) +
                        ",), or (N, " + std::to_string(in) + ") and (N, " + std::to_string(hid) +
                        ")");
}

void check_sizes(const char* op, int64_t in, int64_t hid, DType dtype) {
  if (in < 1 || hid < 1)
    throw_error(op, "input_size and hidden_size must be >= 1, got " + std::to_string(in) + " and " +
                        std::to_string(hid));
  if (!dtype.is_floating())
    throw_error(op, "parameters need a floating dtype, got " + std::string(dtype.name()));
}

}  // namespace

GRUCell::GRUCell(int64_t in, int64_t hid, const Array& key, bool ub, DType dtype, Loc loc)
    : input_size(in), hidden_size(hid), use_bias(ub) {
  CallSite site(loc);
  check_sizes("nn.GRUCell", in, hid, dtype);
  Array keys = random::split(key, 4);
  double lim = std::sqrt(1.0 / double(hid));
  weight_ih = random::uniform(keys[0], {3 * hid, in}, dtype, -lim, lim);
  weight_hh = random::uniform(keys[1], {3 * hid, hid}, dtype, -lim, lim);
  if (ub) {
    bias = random::uniform(keys[2], {3 * hid}, dtype, -lim, lim);
    bias_n = random::uniform(keys[3], {hid}, dtype, -lim, lim);
  }
}

Array GRUCell::operator()(const Array& input, const Array& hidden, Loc loc) const {
  CallSite site(loc);
  check_inputs("nn.GRUCell", input, hidden, input_size, hidden_size);
  Array ig = apply(weight_ih, input);
  if (bias) ig = ig + *bias;
  Array hg = apply(weight_hh, hidden);
  Array reset = lax::logistic(chunk(ig, 0, 3) + chunk(hg, 0, 3));
  Array inp = lax::logistic(chunk(ig, 1, 3) + chunk(hg, 1, 3));
  Array hn = chunk(hg, 2, 3);
  if (bias_n) hn = hn + *bias_n;
  Array cand = np::tanh(chunk(ig, 2, 3) + reset * hn);
  return cand + inp * (hidden - cand);
}

LSTMCell::LSTMCell(int64_t in, int64_t hid, const Array& key, bool ub, DType dtype, Loc loc)
    : input_size(in), hidden_size(hid), use_bias(ub) {
  CallSite site(loc);
  check_sizes("nn.LSTMCell", in, hid, dtype);
  Array keys = random::split(key, 3);
  double lim = std::sqrt(1.0 / double(hid));
  weight_ih = random::uniform(keys[0], {4 * hid, in}, dtype, -lim, lim);
  weight_hh = random::uniform(keys[1], {4 * hid, hid}, dtype, -lim, lim);
  if (ub) bias = random::uniform(keys[2], {4 * hid}, dtype, -lim, lim);
}

std::pair<Array, Array> LSTMCell::operator()(const Array& input,
                                             const std::pair<Array, Array>& hidden, Loc loc) const {
  CallSite site(loc);
  const auto& [h, c] = hidden;
  check_inputs("nn.LSTMCell", input, h, input_size, hidden_size);
  if (c.shape() != h.shape())
    throw_error("nn.LSTMCell",
                "h " + h.shape().str() + " and c " + c.shape().str() + " must have the same shape");
  Array lin = apply(weight_ih, input) + apply(weight_hh, h);
  if (bias) lin = lin + *bias;
  Array i = lax::logistic(chunk(lin, 0, 4));
  Array f = lax::logistic(chunk(lin, 1, 4));
  Array g = np::tanh(chunk(lin, 2, 4));
  Array o = lax::logistic(chunk(lin, 3, 4));
  Array c2 = f * c + i * g;
  return {o * np::tanh(c2), c2};
}

}  // namespace jx::nn
