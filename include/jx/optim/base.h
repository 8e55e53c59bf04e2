// jx::optim core: gradient transformations over any pytree (optax's design).
//
// A GradientTransformation is a pair of pure functions
//   init(params) -> OptState
//   update(grads, state, params) -> {updates, new_state}
// and `params = apply_updates(params, updates)` applies the result. Params may
// be any pytree (JX_TREE structs, vectors, maps, ...); grads must have the
// same number of leaves (usually the same type). The core is type-erased: it
// works on the flat leaf list of the pytree (FlatTree: leaves plus each
// leaf's path, as jax.tree_util.keystr prints it), and the templates below
// flatten at the call site, as jx's transformations do.
//
// OptState is itself a pytree (a JX_TREE struct of maps and vectors of
// Arrays, the step counts included as int32 0-d Arrays), so it passes through
// jx::jit as an argument or result, works with jx::tree::map / leaves, and
// can be saved by any pytree checkpoint writer. Its structure depends only on
// the transformation and the params' leaf count/shapes, never on the step,
// so a jitted training step compiles once. Every update is traceable: no
// transformation reads concrete values (conditions use np::where).
//
// Errors are jx::Error naming the transformation: a state made by another
// transformation, or for params with a different leaf count or shapes, a
// transformation that needs params called without them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/array.h"
#include "jx/error.h"
#include "jx/tree.h"

namespace jx::optim {

/// The state of a gradient transformation, a pytree. `kind` names the
/// transformation that made it (a static value, part of the structure);
/// `scalars` holds 0-d arrays such as "count"; `slots` holds per-leaf
/// buffers (one Array per params leaf, e.g. "mu", "nu"); `inner` holds the
/// states of chained or wrapped transformations, in order.
struct OptState {
  std::string kind;
  std::map<std::string, Array> scalars;
  std::map<std::string, std::vector<Array>> slots;
  std::vector<OptState> inner;
};
JX_TREE(OptState, kind, scalars, slots, inner);

/// A pytree seen as its flat leaves. `paths[i]` is leaf i's key path in
/// jax.tree_util.keystr form (`['w']`, `.layers[0].b`); `def` is the whole
/// tree's structure, or null for a subset of its leaves (inside masked).
struct FlatTree {
  std::vector<Array> leaves;
  std::vector<std::string> paths;
  std::shared_ptr<const tree::TreeDef> def;

  size_t size() const { return leaves.size(); }
  /// The leaves where keep[i] is true (paths kept, def dropped).
  FlatTree subset(const std::vector<bool>& keep) const;
  /// The same paths with other leaves.
  FlatTree with_leaves(std::vector<Array> leaves) const;
};

/// The keystr path of every Array leaf of `def`, depth first. With
/// `statics_as_leaves`, static values (strings, bools) count as leaves
/// instead (for label and mask trees).
std::vector<std::string> leaf_paths(const tree::TreeDef& def, bool statics_as_leaves = false);

/// Flattens any pytree into a FlatTree.
template <class T>
FlatTree flat_tree(const T& x) {
  auto [leaves, def] = tree::flatten(x);
  FlatTree out;
  out.paths = optim::leaf_paths(def);
  out.leaves = std::move(leaves);
  out.def = std::make_shared<const tree::TreeDef>(std::move(def));
  return out;
}

/// Updates and the new state, as the type-erased core returns them.
using FlatUpdate = std::pair<std::vector<Array>, OptState>;

/// optax.GradientTransformation: init and update as pure functions.
class GradientTransformation {
 public:
  /// init(params) -> state.
  using InitFn = std::function<OptState(const FlatTree& params)>;
  /// update(updates, state, params or null) -> {updates, state}.
  using UpdateFn = std::function<FlatUpdate(const FlatTree& updates, const OptState& state,
                                            const FlatTree* params)>;

  /// `name` is stored as the state's kind and used in error messages.
  GradientTransformation(std::string name, InitFn init, UpdateFn update);

  const std::string& name() const { return impl_->name; }

  /// The type-erased init: checks nothing beyond what the transformation does.
  OptState init_flat(const FlatTree& params) const;
  /// The type-erased update: checks that `state` was made by this
  /// transformation (its kind) before calling it.
  FlatUpdate update_flat(const FlatTree& updates, const OptState& state,
                         const FlatTree* params) const;

  /// init(params) for any pytree of params.
  template <class P>
  OptState init(const P& params, std::source_location loc = std::source_location::current()) const {
    CallSite site(loc);
    return init_flat(flat_tree(params));
  }

  /// update(grads, state, params): grads and params are pytrees with the same
  /// leaf count; returns {updates shaped like grads, new state}.
  template <class G, class P>
  std::pair<G, OptState> update(const G& grads, const OptState& state, const P& params,
                                std::source_location loc = std::source_location::current()) const {
    CallSite site(loc);
    FlatTree g = flat_tree(grads);
    FlatTree p = flat_tree(params);
    check_same_leaves(g, p);
    auto [u, s] = update_flat(g, state, &p);
    return {tree::unflatten_like(grads, u), std::move(s)};
  }

  /// update(grads, state) without params (an error for transformations that
  /// need them: adamw's weight decay, lamb, adafactor, ...).
  template <class G>
  std::pair<G, OptState> update(const G& grads, const OptState& state,
                                std::source_location loc = std::source_location::current()) const {
    CallSite site(loc);
    auto [u, s] = update_flat(flat_tree(grads), state, nullptr);
    return {tree::unflatten_like(grads, u), std::move(s)};
  }

 private:
  void check_same_leaves(const FlatTree& grads, const FlatTree& params) const;

  struct Impl {
    std::string name;
    InitFn init;
    UpdateFn update;
  };
  std::shared_ptr<const Impl> impl_;
};

/// optax.identity: updates pass through; empty state.
GradientTransformation identity();

/// optax.set_to_zero: updates become zeros (freezes parameters).
GradientTransformation set_to_zero();

/// optax.chain: applies the transformations in order; the state holds each
/// one's state in `inner`.
GradientTransformation chain(std::vector<GradientTransformation> transforms);
template <class... T>
requires(std::is_convertible_v<T, GradientTransformation>&&...) GradientTransformation
    chain(const T&... transforms) {
  return chain(std::vector<GradientTransformation>{GradientTransformation(transforms)...});
}

/// optax.apply_updates: params + updates leaf by leaf, the result cast to each
/// param's dtype. Errors when the structures differ.
std::vector<Array> apply_updates_flat(std::span<const Array> params,
                                      std::span<const Array> updates);

template <class P, class U>
P apply_updates(const P& params, const U& updates,
                std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  return tree::unflatten_like(params,
                              apply_updates_flat(tree::leaves(params), tree::leaves(updates)));
}

/// optax.incremental_update, the parameter EMA helper:
/// step_size * new + (1 - step_size) * old, leaf by leaf (Polyak averaging:
/// `ema_params = incremental_update(params, ema_params, 1 - decay)`).
std::vector<Array> incremental_update_flat(std::span<const Array> new_leaves,
                                           std::span<const Array> old_leaves, double step_size);

template <class P>
P incremental_update(const P& new_tree, const P& old_tree, double step_size,
                     std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  return tree::unflatten_like(
      old_tree, incremental_update_flat(tree::leaves(new_tree), tree::leaves(old_tree), step_size));
}

/// optax.tree.norm (global_norm): sqrt of the sum of squares of all leaves,
/// a float32 (or the leaves' float dtype) 0-d array.
Array global_norm_flat(std::span<const Array> leaves);
template <class T>
Array global_norm(const T& tree) {
  return global_norm_flat(tree::leaves(tree));
}

// ---------------------------------------------------------------- helpers for implementations

namespace detail {
/// The state's slot `name`, checked to hold one array per update leaf with
/// the update's shape; `op` names the transformation for errors.
const std::vector<Array>& slot(std::string_view op, const OptState& state, const std::string& name,
                               const FlatTree& updates);
/// The state's 0-d scalar `name`.
const Array& scalar(std::string_view op, const OptState& state, const std::string& name);
/// The params, or an error saying `op` needs them.
const FlatTree& need_params(std::string_view op, const FlatTree* params);
/// count + 1, saturating at the dtype's maximum (optax.safe_increment).
Array safe_increment(const Array& count);
/// A 0-d int32 zero.
Array zero_count();
}  // namespace detail

}  // namespace jx::optim
