// optax's optimizer aliases as chains of the building blocks.
#include "jx/optim/alias.h"

namespace jx::optim {

GradientTransformation sgd(ScalarOrSchedule learning_rate, SgdOptions o) {
  return chain(o.momentum ? trace(*o.momentum, o.nesterov) : identity(),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation adam(ScalarOrSchedule learning_rate, AdamOptions o) {
  return chain(scale_by_adam(o), scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation adamw(ScalarOrSchedule learning_rate, AdamWOptions o) {
  return chain(scale_by_adam({o.b1, o.b2, o.eps, o.eps_root, o.nesterov}),
               add_decayed_weights(o.weight_decay, o.mask),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation lion(ScalarOrSchedule learning_rate, LionOptions o) {
  return chain(scale_by_lion(o.b1, o.b2), add_decayed_weights(o.weight_decay, o.mask),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation rmsprop(ScalarOrSchedule learning_rate, RmsPropOptions o) {
  RmsOptions r{o.decay, o.eps, o.initial_scale, o.eps_in_sqrt, o.bias_correction};
  return chain(o.centered ? scale_by_stddev(r) : scale_by_rms(r),
               scale_by_learning_rate(std::move(learning_rate)),
               o.momentum ? trace(*o.momentum, o.nesterov) : identity());
}

GradientTransformation adagrad(ScalarOrSchedule learning_rate, AdagradOptions o) {
  return chain(scale_by_rss(o.initial_accumulator_value, o.eps),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation adafactor(std::optional<ScalarOrSchedule> learning_rate,
                                 AdafactorOptions o) {
  std::vector<GradientTransformation> txs{scale_by_factored_rms(
      {o.factored, o.decay_rate, o.decay_offset, o.min_dim_size_to_factor, o.eps})};
  if (o.clipping_threshold) txs.push_back(clip_by_block_rms(*o.clipping_threshold));
  if (learning_rate) txs.push_back(scale_by_learning_rate(*learning_rate, /*flip_sign=*/false));
  if (o.multiply_by_parameter_scale) txs.push_back(scale_by_param_block_rms());
  if (o.momentum) txs.push_back(ema(*o.momentum, /*debias=*/false));
  if (o.weight_decay_rate)
    txs.push_back(add_decayed_weights(*o.weight_decay_rate, o.weight_decay_mask));
  txs.push_back(scale(-1.0));
  return chain(std::move(txs));
}

GradientTransformation lamb(ScalarOrSchedule learning_rate, LambOptions o) {
  return chain(scale_by_adam({o.b1, o.b2, o.eps, o.eps_root}),
               add_decayed_weights(o.weight_decay, o.mask), scale_by_trust_ratio(),
               scale_by_learning_rate(std::move(learning_rate)));
}

}  // namespace jx::optim
