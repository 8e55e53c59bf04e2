// jx::nn: equinox-style neural networks for jx (the umbrella header).
//
// A model is a plain struct of Arrays plus static configuration, registered
// as a pytree (JX_TREE); layers are built from sizes and a PRNG key and
// calling one is a pure function, so models pass through jx::grad, jx::vmap
// and jx::jit unchanged. See docs/nn.md.
//
//   layers_base.h        Activation, Lambda, Identity
//   layers_linear.h      Linear, MLP, Embedding
//   layers_conv.h        Conv1d/2d/3d, ConvTranspose1d/2d, MaxPool1d/2d, AvgPool1d/2d
//   layers_norm.h        LayerNorm, RMSNorm, GroupNorm, BatchNorm (+ BatchNormState)
//   layers_dropout.h     Dropout
//   layers_attention.h   MultiheadAttention
//   layers_recurrent.h   GRUCell, LSTMCell
//   layers_containers.h  Sequential
//   filter.h             partition / combine / tree_at / inference_mode / filter_grad
//   functions.h, initializers.h, losses.h: jax.nn functions, initializers, losses
#pragma once

#include "jx/nn/filter.h"
#include "jx/nn/layers_attention.h"
#include "jx/nn/layers_base.h"
#include "jx/nn/layers_containers.h"
#include "jx/nn/layers_conv.h"
#include "jx/nn/layers_dropout.h"
#include "jx/nn/layers_linear.h"
#include "jx/nn/layers_norm.h"
#include "jx/nn/layers_recurrent.h"
#if __has_include("jx/nn/functions.h")
#include "jx/nn/functions.h"
#endif
#if __has_include("jx/nn/initializers.h")
#include "jx/nn/initializers.h"
#endif
#if __has_include("jx/nn/losses.h")
#include "jx/nn/losses.h"
#endif
