// Dropout: a bernoulli mask and a rescale, as equinox.
#include "jx/nn/layers_dropout.h"

#include "jx/numpy.h"
#include "jx/random.h"

namespace jx::nn {

Dropout::Dropout(double p_, bool inf, Loc loc) : p(p_), inference(inf) {
  CallSite site(loc);
  if (!(p >= 0 && p <= 1))
    throw_error("nn.Dropout", "p must be in [0, 1], got " + std::to_string(p));
}

Array Dropout::operator()(const Array& x, const std::optional<Array>& key, std::optional<bool> inf,
                          Loc loc) const {
  CallSite site(loc);
  if (inf.value_or(inference) || p == 0) return x;
  if (!key)
    throw_error("nn.Dropout",
                "dropout needs a key in training mode (pass a key, or inference=true)");
  double q = 1 - p;
  if (q == 0) return np::zeros_like(x);
  Array mask = random::bernoulli(*key, q, x.shape());
  return np::where(mask, x / q, 0);
}

}  // namespace jx::nn
