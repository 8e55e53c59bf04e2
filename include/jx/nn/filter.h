// jx::nn tree helpers, as equinox's filtering API: split a model into parts
// by a per-leaf predicate (arrays vs frozen, trainable vs frozen, by path),
// put the parts back together, and replace a field functionally.
//
//   auto [params, rest] = nn::partition(model, nn::is_inexact_array);
//   auto loss = [&](const nn::Partial<Model>& p, const Array& x) {
//     Model m = nn::combine(p, rest);   // the full model again
//     return np::sum(m(x));
//   };
//   nn::Partial<Model> g = jx::grad(loss)(params, x);   // gradients of params only
//   Model m2 = nn::tree_at([](Model& m) -> auto& { return m.head; }, model, new_head);
//
// A part is an nn::Partial<T>: the structure and static values of a T plus one
// optional Array per leaf (nullopt marks a leaf that belongs to another part,
// equinox's `None`). Partial<T> is itself a pytree whose leaves are only the
// present arrays, so it passes through grad, vmap, jit and tree::map; the
// structure of T (static values included) is part of its TreeDef, so jit
// recompiles when the static configuration changes. combine(a, b, ...) takes
// each leaf from the first part that has it and rebuilds a T; combine of a
// partition round-trips exactly.
//
// Why no filter_jit: jx::jit already treats non-array fields (ints, enums,
// strings, activations) as static and keys its cache on them, which is what
// equinox's filter_jit adds over jax.jit. filter_value_and_grad/filter_grad
// are provided: jx::grad needs floating leaves only, so a model holding
// integer arrays (or a frozen part) is differentiated through its inexact
// part; they return the gradient as a Partial<T> (nullopt where equinox has
// None). Static configuration never needs filtering: it is not a leaf.
//
// Errors (jx::Error): `[nn.combine] leaf 3 of Model(...) is in none of the
// parts`, `[nn.combine] parts have different structures: ...`,
// `[nn.partition] the mask has 2 entries for a tree with 4 leaves`.
#pragma once

#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/array.h"
#include "jx/error.h"
#include "jx/transforms.h"
#include "jx/tree.h"

namespace jx::nn {

using Loc = std::source_location;

/// A per-leaf predicate.
using Filter = std::function<bool(const Array&)>;
/// A per-leaf predicate that also sees the leaf's path (see leaf_paths).
using PathFilter = std::function<bool(std::string_view path, const Array&)>;

/// True for every leaf (every leaf of a jx pytree is an Array; static values
/// are never leaves). equinox.is_array.
inline bool is_array(const Array&) { return true; }
/// True for floating-point leaves (equinox.is_inexact_array).
inline bool is_inexact_array(const Array& x) { return x.dtype().is_floating(); }

/// One bool per leaf of a tree, in leaf order: which leaves a partition keeps.
struct LeafMask {
  std::vector<bool> keep;
  LeafMask operator!() const {
    LeafMask out = *this;
    out.keep.flip();
    return out;
  }
};

/// The paths of the leaves of `tree`, in leaf order, as equinox/JAX key paths:
/// `.linear.weight`, `.layers[2].bias`, `['key']`, `[0]` (tuples and lists).
template <class T>
std::vector<std::string> leaf_paths(const T& tree);
/// The same from a TreeDef.
std::vector<std::string> leaf_paths(const tree::TreeDef& def);

// ============================================================== Partial

/// A T with some leaves missing: the part of a partition. `skeleton` holds T's
/// structure and static values (its Array fields are empty handles), `leaves`
/// one entry per leaf of T. A pytree whose leaves are the present arrays.
template <class T>
struct Partial {
  T skeleton{};
  std::string structure;  // structure(skeleton).str(), cached for flattening
  std::vector<std::optional<Array>> leaves;

  /// The number of present leaves.
  size_t num_present() const {
    size_t n = 0;
    for (const auto& l : leaves) n += l.has_value();
    return n;
  }
};

namespace detail {
[[noreturn]] void combine_missing(size_t leaf, const std::string& structure);
[[noreturn]] void combine_mismatch(const std::string& a, const std::string& b);
[[noreturn]] void mask_size_error(size_t mask, size_t leaves);
[[noreturn]] void partial_unflatten_error();

template <class T>
Partial<T> make_partial(const T& tree, const std::vector<Array>& leaves,
                        const std::vector<bool>& keep) {
  Partial<T> p;
  std::vector<Array> empty(leaves.size());
  p.skeleton = tree::unflatten_like(tree, empty);
  p.structure = tree::structure(tree).str();
  p.leaves.resize(leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i)
    if (keep[i]) p.leaves[i] = leaves[i];
  return p;
}
}  // namespace detail

/// Splits `tree` into (leaves where keep is true, the other leaves).
template <class T>
std::pair<Partial<T>, Partial<T>> partition(const T& tree, const LeafMask& mask,
                                            Loc loc = Loc::current()) {
  CallSite site(loc);
  std::vector<Array> leaves = tree::leaves(tree);
  if (mask.keep.size() != leaves.size()) detail::mask_size_error(mask.keep.size(), leaves.size());
  LeafMask other = !mask;
  return {detail::make_partial(tree, leaves, mask.keep),
          detail::make_partial(tree, leaves, other.keep)};
}

/// The mask of `filter` over the leaves of `tree`.
template <class T>
LeafMask mask_of(const T& tree, const Filter& filter) {
  LeafMask m;
  for (const Array& x : tree::leaves(tree)) m.keep.push_back(filter(x));
  return m;
}
/// The mask of a path-aware filter over the leaves of `tree`.
template <class T>
LeafMask mask_of_paths(const T& tree, const PathFilter& filter) {
  LeafMask m;
  std::vector<Array> xs = tree::leaves(tree);
  std::vector<std::string> paths = leaf_paths(tree);
  for (size_t i = 0; i < xs.size(); ++i) m.keep.push_back(filter(paths[i], xs[i]));
  return m;
}

/// equinox.partition(tree, filter): (leaves where filter is true, the rest).
template <class T>
std::pair<Partial<T>, Partial<T>> partition(const T& tree, const Filter& filter,
                                            Loc loc = Loc::current()) {
  return partition(tree, mask_of(tree, filter), loc);
}

/// Partition by a path-aware filter, e.g. freeze everything under `.encoder`:
/// partition_by_path(m, [](auto path, auto&) { return !path.starts_with(".encoder"); }).
template <class T>
std::pair<Partial<T>, Partial<T>> partition_by_path(const T& tree, const PathFilter& filter,
                                                    Loc loc = Loc::current()) {
  return partition(tree, mask_of_paths(tree, filter), loc);
}

/// equinox.filter(tree, filter): the part where filter is true.
template <class T>
Partial<T> filter(const T& tree, const Filter& f, Loc loc = Loc::current()) {
  return partition(tree, f, loc).first;
}

/// equinox.combine: each leaf from the first part that has it; a T again.
/// All parts must come from trees of one structure (static values included).
template <class T, class... Rest>
requires(std::is_same_v<Partial<T>, Rest>&&...) T
    combine(const Partial<T>& first, const Rest&... rest) {
  std::vector<const Partial<T>*> parts{&first, &rest...};
  for (const Partial<T>* p : parts)
    if (p->structure != first.structure || p->leaves.size() != first.leaves.size())
      detail::combine_mismatch(first.structure, p->structure);
  std::vector<Array> out(first.leaves.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const Partial<T>* from = nullptr;
    for (const Partial<T>* p : parts)
      if (p->leaves[i]) {
        from = p;
        break;
      }
    if (!from) detail::combine_missing(i, first.structure);
    out[i] = *from->leaves[i];
  }
  return tree::unflatten_like(first.skeleton, out);
}

// ============================================================== selection

namespace detail {
// Leaves of whatever a selector returned: one subtree reference, or a tuple of them.
template <class R>
std::vector<Array> selected_leaves(const R& r) {
  return tree::leaves(r);
}
}  // namespace detail

/// The mask of the leaves inside the subtree(s) `select` picks: select takes
/// a T& and returns a reference to a field (`-> auto&`) or std::tie(...) of
/// several. `value` marks those leaves, the others get !value.
///   auto trainable = nn::mask_where(model, [](Model& m) { return std::tie(m.head); });
template <class T, class Select>
LeafMask mask_where(const T& tree, Select&& select, bool value = true) {
  // Mark each leaf with its index, then read the indices under the selection.
  size_t n = tree::num_leaves(tree);
  std::vector<Array> marks;
  marks.reserve(n);
  for (size_t i = 0; i < n; ++i) marks.push_back(scalar_array(double(i), int32));
  T marked = tree::unflatten_like(tree, marks);
  LeafMask m{std::vector<bool>(n, !value)};
  for (const Array& x : detail::selected_leaves(select(marked)))
    m.keep[size_t(x.template item<int32_t>())] = value;
  return m;
}

/// equinox.tree_at: a copy of `tree` with the field(s) `select` picks replaced.
/// select takes a T& and returns a reference (`-> auto&`) or std::tie(...) of
/// several (then `replacement` is a std::tuple of the new values).
///   Model m2 = nn::tree_at([](Model& m) -> auto& { return m.linear.weight; }, m, w);
template <class T, class Select, class R>
requires std::is_invocable_v<Select, T&> T tree_at(Select&& select, const T& tree,
                                                   R&& replacement) {
  T out = tree;
  decltype(auto) slot = select(out);
  slot = std::forward<R>(replacement);
  return out;
}
/// tree_at with a member pointer: nn::tree_at(&Model::linear, model, new_linear).
template <class T, class M, class R>
T tree_at(M T::*member, const T& tree, R&& replacement) {
  T out = tree;
  out.*member = std::forward<R>(replacement);
  return out;
}

// ============================================================== inference mode

namespace detail {
template <class T>
concept HasInference = requires(T& t) {
  { t.inference } -> std::same_as<bool&>;
};
template <class T>
concept IsOptional = requires {
  typename T::value_type;
}
&&std::is_same_v<T, std::optional<typename T::value_type>>;

template <class T>
void set_inference(T& x, bool on) {
  if constexpr (HasInference<T>) x.inference = on;
  if constexpr (tree::detail::Registered<T>) {
    jx_tree_fields(tree::Tag<T>{}, [&](const char*, auto m) { set_inference(x.*m, on); });
  } else if constexpr (IsOptional<T>) {
    if (x) set_inference(*x, on);
  } else if constexpr (requires { std::tuple_size<T>::value; } && !std::is_same_v<T, Array>) {
    std::apply([&](auto&... e) { (set_inference(e, on), ...); }, x);
  } else if constexpr (requires {
                         x.begin();
                         x.end();
                       } &&
                       !std::is_same_v<T, std::string>) {
    for (auto& e : x) {
      if constexpr (requires { e.second; })
        set_inference(e.second, on);
      else
        set_inference(e, on);
    }
  }
}
}  // namespace detail

/// equinox.nn.inference_mode: a copy of `tree` where every layer with an
/// `inference` flag (Dropout, BatchNorm, MultiheadAttention) has it set to
/// `value`, however deeply nested (structs, vectors, tuples, Sequential).
template <class T>
T inference_mode(const T& tree, bool value = true) {
  T out = tree;
  detail::set_inference(out, value);
  return out;
}

// ============================================================== filter grad

/// equinox.filter_value_and_grad: f(model, args...) -> scalar; returns a
/// callable giving {f(model, args...), gradient w.r.t. the model's floating
/// leaves as a Partial<Model>}. Integer/bool leaves of the model (and the
/// other arguments) are held fixed.
template <class F>
auto filter_value_and_grad(F f, Loc loc = Loc::current()) {
  return [f, loc](const auto& model, const auto&... args) {
    using M = std::remove_cvref_t<decltype(model)>;
    auto [diff, rest] = partition(model, Filter(is_inexact_array), loc);
    auto inner = [&f, rest = rest](const Partial<M>& d, const auto&... a) {
      return f(combine(d, rest), a...);
    };
    return jx::value_and_grad(inner, loc)(diff, args...);
  };
}
/// equinox.filter_grad: the gradient part of filter_value_and_grad.
template <class F>
auto filter_grad(F f, Loc loc = Loc::current()) {
  return [f, loc](const auto& model, const auto&... args) {
    return filter_value_and_grad(f, loc)(model, args...).second;
  };
}

template <class T>
std::vector<std::string> leaf_paths(const T& tree) {
  return leaf_paths(tree::structure(tree));
}

}  // namespace jx::nn

// Partial<T> as a pytree: a struct node holding T's structure (a static str)
// and the list of optional leaves (absent ones are None nodes).
template <class T>
struct jx::tree::Traits<jx::nn::Partial<T>> {
  using P = jx::nn::Partial<T>;
  static void flatten(const P& x, detail::Flattener& out) {
    size_t at = out.open(NodeKind::Struct);
    if (out.nodes) {
      (*out.nodes)[at].name = "Partial";
      (*out.nodes)[at].keys = {"structure", "leaves"};
    }
    Traits<std::string>::flatten(x.structure, out);
    Traits<std::vector<std::optional<Array>>>::flatten(x.leaves, out);
    out.close(at, 2);
  }
  static P unflatten(detail::Reader&) { jx::nn::detail::partial_unflatten_error(); }
  static P unflatten_like(const P& x, detail::LeafReader& in) {
    P out;
    out.skeleton = x.skeleton;
    out.structure = x.structure;
    out.leaves = Traits<std::vector<std::optional<Array>>>::unflatten_like(x.leaves, in);
    return out;
  }
};
