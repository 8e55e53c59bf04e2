// jx::optim: optax in C++. Optimizers are chains of pure gradient
// transformations over any pytree of params; their states are pytrees that
// pass through jx::jit; schedules are traceable functions of the step.
//
//   namespace optim = jx::optim;
//   auto sched = optim::warmup_cosine_decay_schedule(0.0, 1e-3, 100, 1000);
//   auto opt = optim::chain(optim::clip_by_global_norm(1.0),
//                           optim::adamw(sched, {.weight_decay = 1e-4}));
//   optim::OptState state = opt.init(params);
//   auto [updates, new_state] = opt.update(grads, state, params);
//   params = optim::apply_updates(params, updates);
//
// See docs/optim.md. The pieces:
//   jx/optim/base.h      GradientTransformation, OptState, chain, apply_updates
//   jx/optim/mask.h      Mask and Labels (per-leaf selections)
//   jx/optim/schedule.h  Schedule and the optax schedules
//   jx/optim/transform.h scale_by_adam, trace, clip..., the building blocks
//   jx/optim/wrappers.h  masked, multi_transform, MultiSteps, apply_if_finite
//   jx/optim/alias.h     sgd, adam, adamw, lion, rmsprop, adagrad, adafactor, lamb
#pragma once

#include "jx/optim/alias.h"
#include "jx/optim/base.h"
#include "jx/optim/mask.h"
#include "jx/optim/schedule.h"
#include "jx/optim/transform.h"
#include "jx/optim/wrappers.h"
