// jx::nn.Sequential, as equinox.nn.Sequential: layers applied in order.
//
// Sequential<Layers...> stores its layers in a std::tuple (heterogeneous,
// no type erasure, each call inlined) and is a pytree whose single field
// `layers` is that tuple, so a Sequential passes through grad, vmap and jit
// and can be nested. Class template argument deduction builds it:
//
//   nn::Sequential net{nn::Conv2d(1, 8, 3, k1), nn::Lambda(nn::Activation::relu()),
//                      nn::MaxPool2d(2, {.stride = 2}), nn::Dropout(0.1), ...};
//   Array y = net(x, key);                 // key: split across the layers
//   Array y = nn::inference_mode(net)(x);  // no key needed without dropout
//
// Each layer is called as layer(x, key_i) when it accepts a key (Dropout, a
// nested Sequential) and as layer(x) otherwise; with a key, key_i =
// split(key, number of layers)[i] (as equinox). Stateful layers (BatchNorm)
// take and return their state, so call them outside a Sequential.
#pragma once

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "jx/nn/layers_base.h"
#include "jx/random.h"

namespace jx::nn {

template <class... Layers>
struct Sequential {
  std::tuple<Layers...> layers;

  Sequential() = default;
  explicit Sequential(Layers... ls) : layers(std::move(ls)...) {}

  static constexpr size_t size() { return sizeof...(Layers); }
  /// The I-th layer: net.get<0>().
  template <size_t I>
  const auto& get() const {
    return std::get<I>(layers);
  }
  template <size_t I>
  auto& get() {
    return std::get<I>(layers);
  }

  /// x through every layer in order; `key` is split across the layers.
  Array operator()(const Array& x, const std::optional<Array>& key = std::nullopt,
                   Loc loc = Loc::current()) const {
    CallSite site(loc);
    std::optional<Array> keys;
    if (key && sizeof...(Layers) > 0) keys = random::split(*key, int64_t(sizeof...(Layers)));
    Array h = x;
    size_t i = 0;
    std::apply(
        [&](const auto&... layer) {
          (([&] {
             using L = std::remove_cvref_t<decltype(layer)>;
             if constexpr (std::is_invocable_r_v<Array, const L&, const Array&,
                                                 const std::optional<Array>&>) {
               std::optional<Array> k;
               if (keys) k = (*keys)[int64_t(i)];
               h = layer(h, k);
             } else {
               h = layer(h);
             }
             ++i;
           }()),
           ...);
        },
        layers);
    return h;
  }
};

template <class... Layers>
Sequential(Layers...) -> Sequential<Layers...>;

// Pytree registration (JX_TREE cannot name a template).
template <class... Layers>
const char* jx_tree_name(tree::Tag<Sequential<Layers...>>) {
  return "Sequential";
}
template <class... Layers, class V>
void jx_tree_fields(tree::Tag<Sequential<Layers...>>, V&& visit) {
  visit("layers", &Sequential<Layers...>::layers);
}

}  // namespace jx::nn
