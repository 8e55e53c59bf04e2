// Per-leaf masks and labels for optim::masked, multi_transform and the
// `mask` option of weight decay (optax's `mask` / `param_labels` arguments).
//
// A Mask says, for each params leaf, whether a transformation applies; Labels
// give each leaf the name of its optimizer. Both can be written as
//   - a function of (path, leaf): `[](const std::string& path, const Array& x)
//     { return x.ndim() > 1; }` (path as jax.tree_util.keystr prints it, e.g.
//     `['w']` for a map entry, `.w` for a struct field, `[0]` for a list item);
//   - a pytree of static values with the params' paths: a
//     std::map<std::string, bool> / <std::string, std::string> for map params,
//     or a JX_TREE struct of bools/strings with the same field names;
//   - a function of the params: Mask::from_params<P>(f) where f(const P&)
//     returns such a tree (needs the whole params tree, so not inside masked);
//   - a flat vector, one entry per leaf.
// Errors (jx::Error, naming the transformation): a leaf without an entry, a
// tree with entries for paths the params lack, or a vector of the wrong size.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/optim/base.h"

namespace jx::optim {

namespace detail {
/// (path, static value text, static type name) of each static leaf of `def`;
/// errors when `def` has Array leaves (`what` names the mask or labels).
std::vector<std::array<std::string, 3>> static_leaves(const tree::TreeDef& def,
                                                      std::string_view what);
/// Looks up each leaf of `t` in a static tree; checks the static type is `type`.
std::vector<std::string> match_static_tree(std::string_view op, std::string_view what,
                                           const std::vector<std::array<std::string, 3>>& entries,
                                           std::string_view type, const FlatTree& t);
[[noreturn]] void needs_whole_tree(std::string_view op, std::string_view what);

// f(const P&) returns a mask or labels tree; resolved against the params.
template <class P, class R, class F>
auto from_params_fn(F f) {
  return [f](std::string_view op, const FlatTree& t) {
    if (!t.def) needs_whole_tree(op, "a function of the params");
    P params = tree::unflatten<P>(*t.def, t.leaves);
    return R(f(params)).resolve(op, t);
  };
}
}  // namespace detail

/// Which leaves a transformation applies to.
class Mask {
 public:
  /// No mask: every leaf is selected.
  Mask() = default;
  /// One bool per leaf, in leaf order.
  Mask(std::vector<bool> per_leaf);  // NOLINT: implicit by design
  /// A function (const std::string& path, const Array& leaf) -> bool.
  template <class F>
  requires std::is_invocable_r_v<bool, const F&, const std::string&, const Array&> Mask(
      F fn) {  // NOLINT
    fn_ = [fn](std::string_view, const FlatTree& t) {
      std::vector<bool> out;
      for (size_t i = 0; i < t.size(); ++i) out.push_back(bool(fn(t.paths[i], t.leaves[i])));
      return out;
    };
  }
  /// A pytree of static bools with the params' paths.
  template <class T>
  requires(!std::is_invocable_v<const T&, const std::string&, const Array&> &&
           !std::is_same_v<std::remove_cvref_t<T>, Mask> &&
           !std::is_convertible_v<T, std::vector<bool>>) Mask(const T& tree_of_bools) {  // NOLINT
    auto entries = detail::static_leaves(tree::structure(tree_of_bools), "mask");
    fn_ = [entries](std::string_view op, const FlatTree& t) {
      std::vector<bool> out;
      for (const auto& v : detail::match_static_tree(op, "mask", entries, "bool", t))
        out.push_back(v == "True");
      return out;
    };
  }
  /// A function of the whole params: f(const P&) returns a mask tree.
  template <class P, class F>
  static Mask from_params(F f) {
    Mask m;
    m.fn_ = detail::from_params_fn<P, Mask>(std::move(f));
    return m;
  }

  /// Whether the mask selects everything by default (no mask given).
  bool is_none() const { return !fn_; }
  /// One bool per leaf of `t`; `op` names the caller in errors.
  std::vector<bool> resolve(std::string_view op, const FlatTree& t) const;

 private:
  std::function<std::vector<bool>(std::string_view, const FlatTree&)> fn_;
};

/// The optimizer label of each leaf, for multi_transform.
class Labels {
 public:
  /// One label per leaf, in leaf order.
  Labels(std::vector<std::string> per_leaf);  // NOLINT: implicit by design
  /// A function (const std::string& path, const Array& leaf) -> label.
  template <class F>
  requires std::is_invocable_r_v<std::string, const F&, const std::string&, const Array&> Labels(
      F fn) {  // NOLINT
    fn_ = [fn](std::string_view, const FlatTree& t) {
      std::vector<std::string> out;
      for (size_t i = 0; i < t.size(); ++i) out.push_back(std::string(fn(t.paths[i], t.leaves[i])));
      return out;
    };
  }
  /// A pytree of static strings with the params' paths.
  template <class T>
  requires(!std::is_invocable_v<const T&, const std::string&, const Array&> &&
           !std::is_same_v<std::remove_cvref_t<T>, Labels> &&
           !std::is_convertible_v<T, std::vector<std::string>>)
      Labels(const T& tree_of_labels) {  // NOLINT
    auto entries = detail::static_leaves(tree::structure(tree_of_labels), "labels");
    fn_ = [entries](std::string_view op, const FlatTree& t) {
      return detail::match_static_tree(op, "labels", entries, "str", t);
    };
  }
  /// A function of the whole params: f(const P&) returns a labels tree.
  template <class P, class F>
  static Labels from_params(F f) {
    Labels l{std::vector<std::string>{}};
    l.fn_ = detail::from_params_fn<P, Labels>(std::move(f));
    return l;
  }

  /// One label per leaf of `t`.
  std::vector<std::string> resolve(std::string_view op, const FlatTree& t) const;

 private:
  std::function<std::vector<std::string>(std::string_view, const FlatTree&)> fn_;
};

}  // namespace jx::optim
