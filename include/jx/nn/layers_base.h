// jx::nn building blocks shared by the layers: Activation (a named
// Array -> Array function that is a static pytree leaf), the Lambda layer
// that wraps one, and Ints (an int or a per-dimension list, as equinox's
// `int | Sequence[int]` arguments).
//
// Every jx::nn layer is a plain struct of Arrays plus static configuration
// (ints, bools, floats, strings, Activation), registered as a pytree, so a
// model passes through grad, vmap and jit as it is; a constructor takes the
// sizes and a PRNG key (jx::random::key) and `operator()` is pure.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "jx/array.h"
#include "jx/tree.h"

namespace jx::nn {

using Loc = std::source_location;

/// A named elementwise-style function Array -> Array. Built-in ones are found
/// by name ("identity", "relu", "relu6", "gelu" (tanh approximation, as
/// jax.nn.gelu), "gelu_exact", "tanh", "sigmoid", "silu", "softplus", "elu",
/// "leaky_relu", "log_softmax", "softmax" (over the last axis)); any callable
/// can be wrapped with a name. In a pytree an Activation is a static value
/// (its name), so jit keys its cache on the name: give distinct custom
/// functions distinct names (the unnamed constructor makes a unique one).
class Activation {
 public:
  /// identity.
  Activation();
  /// A built-in by name; throws jx::Error for an unknown name.
  Activation(const char* name);         // NOLINT
  Activation(const std::string& name);  // NOLINT
  /// A custom function with a name (the name identifies it in jit's cache).
  Activation(std::function<Array(const Array&)> fn, std::string name);
  /// A custom function with a fresh unique name ("custom#N").
  template <class F>
  requires(std::is_invocable_r_v<Array, F, const Array&> && !std::is_convertible_v<F, std::string>)
      Activation(F fn)  // NOLINT
      : Activation(std::function<Array(const Array&)>(std::move(fn)), unique_name()) {}

  static Activation identity() { return Activation("identity"); }
  static Activation relu() { return Activation("relu"); }
  static Activation gelu() { return Activation("gelu"); }
  static Activation tanh() { return Activation("tanh"); }
  static Activation sigmoid() { return Activation("sigmoid"); }
  static Activation silu() { return Activation("silu"); }

  Array operator()(const Array& x) const { return (*fn_)(x); }
  const std::string& name() const { return name_; }
  /// Whether `name` is a built-in activation.
  static bool is_builtin(const std::string& name);

 private:
  static std::string unique_name();
  std::shared_ptr<const std::function<Array(const Array&)>> fn_;
  std::string name_;
};

/// An int broadcast to every spatial dimension, or one value per dimension.
struct Ints {
  std::vector<int64_t> v;
  Ints(int64_t x) : v{x} {}                            // NOLINT
  Ints(int x) : v{int64_t(x)} {}                       // NOLINT
  Ints(std::initializer_list<int64_t> xs) : v(xs) {}   // NOLINT
  Ints(std::vector<int64_t> xs) : v(std::move(xs)) {}  // NOLINT
  /// `n` values (a single value repeated); errors naming `op`/`what` otherwise.
  std::vector<int64_t> expand(size_t n, const char* op, const char* what) const;
};

/// equinox.nn.Lambda: a layer applying a function (no parameters).
///   nn::Lambda(nn::Activation::relu())
///   nn::Lambda([](const Array& x) { return np::reshape(x, {x.shape()[0], -1}); }, "flatten")
struct Lambda {
  Activation fn;
  Lambda() = default;
  explicit Lambda(Activation f) : fn(std::move(f)) {}
  Lambda(std::function<Array(const Array&)> f, std::string name)
      : fn(std::move(f), std::move(name)) {}
  Array operator()(const Array& x) const { return fn(x); }
};
JX_TREE(Lambda, fn);

/// equinox.nn.Identity.
struct Identity {
  Array operator()(const Array& x) const { return x; }
};
// (Registered by hand: JX_TREE needs at least one field.)
[[maybe_unused]] inline const char* jx_tree_name(tree::Tag<Identity>) { return "Identity"; }
template <class V>
void jx_tree_fields(tree::Tag<Identity>, V&&) {}

}  // namespace jx::nn

// An Activation is a static leaf: its name is its value in the TreeDef.
template <>
struct jx::tree::Traits<jx::nn::Activation> {
  static void flatten(const jx::nn::Activation& a, detail::Flattener& out) {
    Traits<std::string>::flatten(a.name(), out);
  }
  static jx::nn::Activation unflatten(detail::Reader& in);
  static jx::nn::Activation unflatten_like(const jx::nn::Activation& a, detail::LeafReader&) {
    return a;
  }
};
