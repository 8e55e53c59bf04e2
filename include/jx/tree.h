// jx::tree: pytrees, as jax.tree_util, for C++ types.
//
// A pytree is a value built from containers whose leaves are jx::Array. The
// containers are std::vector, std::array, std::tuple, std::pair,
// std::map<std::string, T>, std::optional (nullopt is an empty `None` node) and
// user structs registered with JX_TREE(Type, field...) placed right after the
// struct, in the struct's own namespace (it is found by argument-dependent
// lookup). Arrays are the leaves that transformations trace. Arithmetic
// scalars, enums and std::string are *static*: they are not leaves, but their
// values are part of the structure (a TreeDef), so two trees that differ only
// in an int have different TreeDefs and hashes; jit keys its cache on that,
// as JAX does with static_argnums.
//
// Leaves are listed depth first: struct fields in declaration order, elements
// in index order, map entries in key order. A TreeDef is the type-erased
// structure (node kinds, sizes, map keys, struct and field names, static
// values); it needs no C++ type, so it can also be built from Python objects.
// unflatten<T> rebuilds a T by walking T together with a TreeDef;
// unflatten_like takes the structure from a prototype value instead.
// flatten_with_path pairs each leaf with its key path and keystr names it
// (`layers[0].weight`, `opt_state.mu['w']`), the names checkpoints use.
//
// Errors are jx::Error: `[tree.unflatten] expected 3 leaves, got 2`,
// `[tree.map] tree structures differ: PyTreeDef([*, *]) vs PyTreeDef([*])`.
// Other containers become pytrees by specialising jx::tree::Traits<T> with
// flatten / unflatten / unflatten_like, as the specialisations below do.
#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/array.h"
#include "jx/error.h"

namespace jx::tree {

// ============================================================== TreeDef

enum class NodeKind : uint8_t {
  Leaf,    // an Array: `*`
  None,    // an empty std::optional: `None`
  Static,  // a non-array leaf kept by value: `3`, `'relu'`, `True`
  List,    // std::vector, std::array: `[a, b]`
  Tuple,   // std::tuple, std::pair: `(a, b)`
  Dict,    // std::map<std::string, T>: `{'k': a}`
  Struct,  // a JX_TREE struct: `Params(w=a, b=b)`
};

/// One node of a TreeDef, stored in preorder. `name`: the struct's type name,
/// or a static value's type ("int", "float", "bool", "str", "enum"); `keys`:
/// dict keys (sorted) or struct field names; `value`: a static value's text.
struct TreeNode {
  NodeKind kind = NodeKind::Leaf;
  int arity = 0;       // children
  int num_leaves = 0;  // Array leaves in this subtree
  int num_nodes = 1;   // nodes in this subtree, itself included
  std::string name;
  std::vector<std::string> keys;
  std::string value;
  bool operator==(const TreeNode&) const = default;
};

/// The structure of a pytree: everything but the Array leaves. Equality and
/// hash cover node kinds, sizes, keys, names and static values.
class TreeDef {
 public:
  /// A single leaf, `PyTreeDef(*)`.
  TreeDef() : nodes_{TreeNode{}} { nodes_[0].num_leaves = 1; }
  /// From preorder nodes whose arity/num_leaves/num_nodes are consistent.
  explicit TreeDef(std::vector<TreeNode> nodes);

  // Builders, for code that has no C++ type (the Python bindings).
  static TreeDef make_leaf() { return TreeDef(); }
  static TreeDef make_none();
  /// `type` is "int", "float", "bool", "str" or "enum"; `text` as printed.
  static TreeDef make_static(std::string type, std::string text);
  static TreeDef make_list(std::span<const TreeDef> children);
  static TreeDef make_tuple(std::span<const TreeDef> children);
  /// Entries are sorted by key (as std::map and JAX do); keys must be unique.
  static TreeDef make_dict(std::vector<std::string> keys, std::span<const TreeDef> children);
  static TreeDef make_struct(std::string name, std::vector<std::string> fields,
                             std::span<const TreeDef> children);

  NodeKind kind() const { return nodes_[0].kind; }
  int num_leaves() const { return nodes_[0].num_leaves; }
  int num_nodes() const { return int(nodes_.size()); }
  const std::vector<TreeNode>& nodes() const { return nodes_; }
  /// The root's children, each as its own TreeDef.
  std::vector<TreeDef> children() const;
  /// The subtree rooted at preorder node `index`.
  TreeDef subtree(size_t index) const;

  bool operator==(const TreeDef& other) const { return nodes_ == other.nodes_; }
  size_t hash() const;
  /// JAX-like text: `PyTreeDef((*, [*, *], {'b': *}))`, `PyTreeDef(Params(w=*, b=3))`.
  std::string str() const;

 private:
  std::vector<TreeNode> nodes_;
};

std::ostream& operator<<(std::ostream& os, const TreeDef& def);

// ============================================================== Traits

template <class T>
struct Tag {};

namespace detail {

// Collects leaves (and, unless `nodes` is null, the preorder nodes).
struct Flattener {
  std::vector<Array>* leaves = nullptr;
  std::vector<TreeNode>* nodes = nullptr;
  size_t count = 0;

  void leaf(const Array& x) {
    if (leaves) leaves->push_back(x);
    if (nodes) nodes->push_back(TreeNode{NodeKind::Leaf, 0, 1, 1, {}, {}, {}});
    ++count;
  }
  // Opens an interior node; close() fills its sizes after the children.
  size_t open(NodeKind kind) {
    if (!nodes) return 0;
    nodes->push_back(TreeNode{kind, 0, int(count), 0, {}, {}, {}});
    return nodes->size() - 1;
  }
  void close(size_t at, int arity) {
    if (!nodes) return;
    TreeNode& n = (*nodes)[at];
    n.arity = arity;
    n.num_leaves = int(count) - n.num_leaves;
    n.num_nodes = int(nodes->size() - at);
  }
};

// Walks a TreeDef's nodes and a leaf span while unflatten<T> builds a T.
struct Reader {
  const std::vector<TreeNode>& nodes;
  std::span<const Array> leaves;
  size_t node = 0;
  size_t leaf = 0;

  const TreeNode& peek() const { return nodes[node]; }
  /// Takes the next node, checking its kind; `expected` names it for errors.
  const TreeNode& take(NodeKind kind, std::string_view expected);
  /// Takes the next node, checking kind and arity.
  const TreeNode& take(NodeKind kind, int arity, std::string_view expected);
  /// Throws: the node at `at` is not what the C++ type needs.
  [[noreturn]] void fail(size_t at, std::string_view expected) const;
};

// Reads leaves in order for unflatten_like.
struct LeafReader {
  std::span<const Array> leaves;
  size_t leaf = 0;
  const Array& next() { return leaves[leaf++]; }
};

std::string format_float(double v, bool single);
double parse_float(const std::string& text);
[[noreturn]] void leaf_count_error(size_t expected, size_t got);
[[noreturn]] void structure_error(const TreeDef& a, const TreeDef& b);

template <class T>
inline constexpr bool always_false = false;

}  // namespace detail

/// How a C++ type is a pytree. Specialisations provide
///   static void flatten(const T&, detail::Flattener&);
///   static T unflatten(detail::Reader&);
///   static T unflatten_like(const T& prototype, detail::LeafReader&);
template <class T>
struct Traits {
  static_assert(detail::always_false<T>,
                "jx::tree: this type is not a pytree; register structs with JX_TREE "
                "or specialise jx::tree::Traits");
};

namespace detail {
template <class T>
using TraitsOf = Traits<std::remove_cvref_t<T>>;

// Struct registration (JX_TREE) is found by argument-dependent lookup on Tag<T>.
template <class T>
concept Registered = requires {
  jx_tree_name(Tag<T>{});
};

template <class T>
concept StaticScalar = std::is_arithmetic_v<T> || std::is_enum_v<T>;

template <class T>
const char* static_type() {
  if constexpr (std::is_same_v<T, bool>)
    return "bool";
  else if constexpr (std::is_enum_v<T>)
    return "enum";
  else if constexpr (std::is_integral_v<T>)
    return "int";
  else
    return "float";
}
}  // namespace detail

template <>
struct Traits<Array> {
  static void flatten(const Array& x, detail::Flattener& out) { out.leaf(x); }
  static Array unflatten(detail::Reader& in) {
    in.take(NodeKind::Leaf, "an Array leaf");
    return in.leaves[in.leaf++];
  }
  static Array unflatten_like(const Array&, detail::LeafReader& in) { return in.next(); }
};

template <detail::StaticScalar T>
struct Traits<T> {
  static void flatten(const T& x, detail::Flattener& out) {
    size_t at = out.open(NodeKind::Static);
    if (out.nodes) {
      TreeNode& n = (*out.nodes)[at];
      n.name = detail::static_type<T>();
      if constexpr (std::is_same_v<T, bool>)
        n.value = x ? "True" : "False";
      else if constexpr (std::is_enum_v<T>)
        n.value = std::to_string(std::underlying_type_t<T>(x));
      else if constexpr (std::is_integral_v<T>)
        n.value = std::to_string(x);
      else
        n.value = detail::format_float(double(x), std::is_same_v<T, float>);
    }
    out.close(at, 0);
  }
  static T unflatten(detail::Reader& in) {
    size_t at = in.node;
    std::string expected = std::string("a static ") + detail::static_type<T>();
    const TreeNode& n = in.take(NodeKind::Static, expected);
    if (n.name != detail::static_type<T>()) in.fail(at, expected);
    if constexpr (std::is_same_v<T, bool>) {
      if (n.value != "True" && n.value != "False") in.fail(at, expected);
      return n.value == "True";
    } else if constexpr (std::is_floating_point_v<T>) {
      return T(detail::parse_float(n.value));
    } else {
      using I = typename std::conditional_t<std::is_enum_v<T>, std::underlying_type<T>,
                                            std::type_identity<T>>::type;
      I v{};
      auto [end, ec] = std::from_chars(n.value.data(), n.value.data() + n.value.size(), v);
      if (ec != std::errc() || end != n.value.data() + n.value.size()) in.fail(at, expected);
      return T(v);
    }
  }
  static T unflatten_like(const T& x, detail::LeafReader&) { return x; }
};

template <>
struct Traits<std::string> {
  static void flatten(const std::string& x, detail::Flattener& out) {
    size_t at = out.open(NodeKind::Static);
    if (out.nodes) {
      (*out.nodes)[at].name = "str";
      (*out.nodes)[at].value = x;
    }
    out.close(at, 0);
  }
  static std::string unflatten(detail::Reader& in) {
    size_t at = in.node;
    const TreeNode& n = in.take(NodeKind::Static, "a static str");
    if (n.name != "str") in.fail(at, "a static str");
    return n.value;
  }
  static std::string unflatten_like(const std::string& x, detail::LeafReader&) { return x; }
};

template <class T>
struct Traits<std::vector<T>> {
  static void flatten(const std::vector<T>& x, detail::Flattener& out) {
    size_t at = out.open(NodeKind::List);
    for (const T& e : x) Traits<T>::flatten(e, out);
    out.close(at, int(x.size()));
  }
  static std::vector<T> unflatten(detail::Reader& in) {
    const TreeNode& n = in.take(NodeKind::List, "a list (std::vector)");
    std::vector<T> out;
    out.reserve(size_t(n.arity));
    for (int i = 0, k = n.arity; i < k; ++i) out.push_back(Traits<T>::unflatten(in));
    return out;
  }
  static std::vector<T> unflatten_like(const std::vector<T>& x, detail::LeafReader& in) {
    std::vector<T> out;
    out.reserve(x.size());
    for (const T& e : x) out.push_back(Traits<T>::unflatten_like(e, in));
    return out;
  }
};

template <class T, size_t N>
struct Traits<std::array<T, N>> {
  static void flatten(const std::array<T, N>& x, detail::Flattener& out) {
    size_t at = out.open(NodeKind::List);
    for (const T& e : x) Traits<T>::flatten(e, out);
    out.close(at, int(N));
  }
  static std::array<T, N> unflatten(detail::Reader& in) {
    in.take(NodeKind::List, int(N), "a list of " + std::to_string(N) + " (std::array)");
    return [&]<size_t... I>(std::index_sequence<I...>) {
      return std::array<T, N>{((void)I, Traits<T>::unflatten(in))...};  // braces: in order
    }
    (std::make_index_sequence<N>());
  }
  static std::array<T, N> unflatten_like(const std::array<T, N>& x, detail::LeafReader& in) {
    return [&]<size_t... I>(std::index_sequence<I...>) {
      return std::array<T, N>{Traits<T>::unflatten_like(x[I], in)...};
    }
    (std::make_index_sequence<N>());
  }
};

// std::tuple and std::pair share one implementation over std::get<I>.
namespace detail {
template <class Tup, class... Ts>
struct TupleTraits {
  static constexpr size_t N = sizeof...(Ts);
  static void flatten(const Tup& x, Flattener& out) {
    size_t at = out.open(NodeKind::Tuple);
    std::apply([&](const auto&... e) { (TraitsOf<decltype(e)>::flatten(e, out), ...); }, x);
    out.close(at, int(N));
  }
  static Tup unflatten(Reader& in) {
    in.take(NodeKind::Tuple, int(N), "a tuple of " + std::to_string(N));
    return Tup{Traits<Ts>::unflatten(in)...};  // braced init: evaluated in order
  }
  static Tup unflatten_like(const Tup& x, LeafReader& in) {
    return std::apply(
        [&](const auto&... e) { return Tup{TraitsOf<decltype(e)>::unflatten_like(e, in)...}; }, x);
  }
};
}  // namespace detail

template <class... Ts>
struct Traits<std::tuple<Ts...>> : detail::TupleTraits<std::tuple<Ts...>, Ts...> {};
template <class A, class B>
struct Traits<std::pair<A, B>> : detail::TupleTraits<std::pair<A, B>, A, B> {};

template <class T>
struct Traits<std::map<std::string, T>> {
  using Map = std::map<std::string, T>;
  static void flatten(const Map& x, detail::Flattener& out) {
    size_t at = out.open(NodeKind::Dict);
    if (out.nodes)
      for (const auto& kv : x) (*out.nodes)[at].keys.push_back(kv.first);
    for (const auto& kv : x) Traits<T>::flatten(kv.second, out);
    out.close(at, int(x.size()));
  }
  static Map unflatten(detail::Reader& in) {
    const TreeNode& n = in.take(NodeKind::Dict, "a dict (std::map)");
    Map out;
    for (const std::string& k : n.keys) out.emplace_hint(out.end(), k, Traits<T>::unflatten(in));
    return out;
  }
  static Map unflatten_like(const Map& x, detail::LeafReader& in) {
    Map out;
    for (const auto& kv : x)
      out.emplace_hint(out.end(), kv.first, Traits<T>::unflatten_like(kv.second, in));
    return out;
  }
};

template <class T>
struct Traits<std::optional<T>> {
  static void flatten(const std::optional<T>& x, detail::Flattener& out) {
    if (x) return Traits<T>::flatten(*x, out);
    out.close(out.open(NodeKind::None), 0);
  }
  static std::optional<T> unflatten(detail::Reader& in) {
    if (in.node < in.nodes.size() && in.peek().kind == NodeKind::None) {
      ++in.node;
      return std::nullopt;
    }
    return Traits<T>::unflatten(in);
  }
  static std::optional<T> unflatten_like(const std::optional<T>& x, detail::LeafReader& in) {
    if (!x) return std::nullopt;
    return Traits<T>::unflatten_like(*x, in);
  }
};

template <detail::Registered T>
struct Traits<T> {
  static const std::vector<std::string>& fields() {
    static const std::vector<std::string> names = [] {
      std::vector<std::string> v;
      jx_tree_fields(Tag<T>{}, [&](const char* name, auto) { v.emplace_back(name); });
      return v;
    }();
    return names;
  }
  static void flatten(const T& x, detail::Flattener& out) {
    size_t at = out.open(NodeKind::Struct);
    if (out.nodes) {
      (*out.nodes)[at].name = jx_tree_name(Tag<T>{});
      (*out.nodes)[at].keys = fields();
    }
    jx_tree_fields(Tag<T>{}, [&](const char*, auto m) {
      detail::TraitsOf<decltype(x.*m)>::flatten(x.*m, out);
    });
    out.close(at, int(fields().size()));
  }
  static T unflatten(detail::Reader& in) {
    size_t at = in.node;
    std::string expected = std::string("a ") + jx_tree_name(Tag<T>{}) + " struct";
    const TreeNode& n = in.take(NodeKind::Struct, expected);
    if (n.name != jx_tree_name(Tag<T>{}) || n.keys != fields()) in.fail(at, expected);
    T out{};
    jx_tree_fields(Tag<T>{}, [&](const char*, auto m) {
      out.*m = detail::TraitsOf<decltype(out.*m)>::unflatten(in);
    });
    return out;
  }
  static T unflatten_like(const T& x, detail::LeafReader& in) {
    T out = x;  // copies the static fields; Array fields are replaced below
    jx_tree_fields(Tag<T>{}, [&](const char*, auto m) {
      out.*m = detail::TraitsOf<decltype(x.*m)>::unflatten_like(x.*m, in);
    });
    return out;
  }
};

// ============================================================== API

/// The Array leaves of `x`, depth first (fields, elements, map keys in order).
template <class T>
std::vector<Array> leaves(const T& x) {
  std::vector<Array> out;
  detail::Flattener f{&out, nullptr};
  Traits<T>::flatten(x, f);
  return out;
}

/// The number of Array leaves of `x`.
template <class T>
size_t num_leaves(const T& x) {
  detail::Flattener f;
  Traits<T>::flatten(x, f);
  return f.count;
}

/// The structure of `x`, static values included.
template <class T>
TreeDef structure(const T& x) {
  std::vector<TreeNode> nodes;
  detail::Flattener f{nullptr, &nodes};
  Traits<T>::flatten(x, f);
  return TreeDef(std::move(nodes));
}

/// The leaves and the structure of `x`.
template <class T>
std::pair<std::vector<Array>, TreeDef> flatten(const T& x) {
  std::vector<Array> out;
  std::vector<TreeNode> nodes;
  detail::Flattener f{&out, &nodes};
  Traits<T>::flatten(x, f);
  return {std::move(out), TreeDef(std::move(nodes))};
}

/// Rebuilds a T from `def` and its leaves. Sizes, optional presence, map keys
/// and static values come from `def`; structs must be default-constructible.
/// Errors when the leaf count differs from def.num_leaves() or when `def` does
/// not describe a T.
template <class T>
T unflatten(const TreeDef& def, std::span<const Array> leaves,
            std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  if (leaves.size() != size_t(def.num_leaves()))
    detail::leaf_count_error(size_t(def.num_leaves()), leaves.size());
  detail::Reader in{def.nodes(), leaves};
  T out = Traits<T>::unflatten(in);
  if (in.node != def.nodes().size()) in.fail(0, "exactly the nodes of the C++ type");
  return out;
}

/// Rebuilds a tree shaped like `prototype` (structure and static values)
/// with new leaves. Errors when the leaf count differs.
template <class T>
T unflatten_like(const T& prototype, std::span<const Array> leaves,
                 std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  size_t n = num_leaves(prototype);
  if (leaves.size() != n) detail::leaf_count_error(n, leaves.size());
  detail::LeafReader in{leaves};
  return Traits<T>::unflatten_like(prototype, in);
}

/// Applies f to corresponding leaves of trees of one C++ type: f(Array,
/// Array...) -> Array. Errors when the structures (sizes, keys, optional
/// presence, static values) differ.
template <class F, class T, class... Rest>
requires(std::is_same_v<T, Rest>&&...) T map(F&& f, const T& tree, const Rest&... rest) {
  std::vector<Array> out;
  if constexpr (sizeof...(Rest) == 0) {
    std::vector<Array> xs = leaves(tree);
    out.reserve(xs.size());
    for (const Array& x : xs) out.push_back(std::invoke(f, x));
  } else {
    auto [xs, def] = flatten(tree);
    std::array others{flatten(rest)...};
    for (const auto& other : others)
      if (!(other.second == def)) detail::structure_error(def, other.second);
    out.reserve(xs.size());
    for (size_t i = 0; i < xs.size(); ++i)
      out.push_back([&]<size_t... K>(std::index_sequence<K...>) {
        return Array(std::invoke(f, xs[i], others[K].first[i]...));
      }(std::index_sequence_for<Rest...>()));
  }
  detail::LeafReader in{out};
  return Traits<T>::unflatten_like(tree, in);
}

/// Folds f(acc, leaf) over the leaves of `x`, starting from `init`.
template <class F, class T, class Acc>
Acc reduce(F&& f, const T& x, Acc init) {
  for (const Array& leaf : leaves(x)) init = std::invoke(f, std::move(init), leaf);
  return init;
}

/// Whether `a` and `b` have the same structure (static values included).
template <class A, class B>
bool all_equal_structure(const A& a, const B& b) {
  return structure(a) == structure(b);
}

// ============================================================== Key paths

/// One step from a node to a child, as jax.tree_util's SequenceKey (a list or
/// tuple index), DictKey (a std::map key) and GetAttrKey (a struct field).
struct PathEntry {
  enum class Kind : uint8_t { Sequence, Dict, Attr };
  Kind kind = Kind::Sequence;
  int64_t index = 0;  // Sequence: the element's position
  std::string name;   // Dict: the key; Attr: the field name
  bool operator==(const PathEntry&) const = default;
};

/// The keys from the root to a leaf (jax.tree_util.KeyPath).
using KeyPath = std::vector<PathEntry>;

/// The key path of every Array leaf described by `def`, in leaf order.
std::vector<KeyPath> key_paths(const TreeDef& def);

/// A leaf's name, as jax.tree_util.keystr but without punctuation on the
/// first key when it is a field or a dict key. Each entry is written
///   struct field  `.name`      (first entry: `name`)
///   dict key      `['key']`    (first entry: `key`, verbatim)
///   list/tuple    `[i]`        (first entry too)
/// so `Model{layers: vector<Linear{weight}>}` names `layers[0].weight`, an
/// optimizer state `opt_state.mu['w']`, a std::map<std::string, Array> its
/// own keys, a std::vector<Array> `[0]`, `[1]`, ..., a lone Array "". Inside
/// quotes, `\` and `'` are escaped with a backslash. This scheme is part of
/// the checkpoint format (jx::io names tensors with it) and will not change.
std::string keystr(const KeyPath& path);

/// The leaves of `x` with their key paths, and the structure
/// (jax.tree_util.tree_flatten_with_path).
template <class T>
std::pair<std::vector<std::pair<KeyPath, Array>>, TreeDef> flatten_with_path(const T& x) {
  auto [xs, def] = flatten(x);
  std::vector<KeyPath> paths = key_paths(def);
  std::vector<std::pair<KeyPath, Array>> out;
  out.reserve(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) out.emplace_back(std::move(paths[i]), std::move(xs[i]));
  return {std::move(out), std::move(def)};
}

/// keystr of every leaf's path, in leaf order.
template <class T>
std::vector<std::string> leaf_names(const T& x) {
  std::vector<std::string> out;
  for (const KeyPath& p : key_paths(structure(x))) out.push_back(keystr(p));
  return out;
}

}  // namespace jx::tree

template <>
struct std::hash<jx::tree::TreeDef> {
  size_t operator()(const jx::tree::TreeDef& d) const { return d.hash(); }
};

// ============================================================== JX_TREE

// JX_PP_FOR_EACH(M, a, b, c) expands to M(a) M(b) M(c), for up to 256 args.
#define JX_PP_PARENS ()
#define JX_PP_EXPAND(...) JX_PP_EXPAND3(JX_PP_EXPAND3(JX_PP_EXPAND3(JX_PP_EXPAND3(__VA_ARGS__))))
#define JX_PP_EXPAND3(...) JX_PP_EXPAND2(JX_PP_EXPAND2(JX_PP_EXPAND2(JX_PP_EXPAND2(__VA_ARGS__))))
#define JX_PP_EXPAND2(...) JX_PP_EXPAND1(JX_PP_EXPAND1(JX_PP_EXPAND1(JX_PP_EXPAND1(__VA_ARGS__))))
#define JX_PP_EXPAND1(...) __VA_ARGS__
#define JX_PP_FOR_EACH(M, ...) __VA_OPT__(JX_PP_EXPAND(JX_PP_FOR_EACH_HELPER(M, __VA_ARGS__)))
#define JX_PP_FOR_EACH_HELPER(M, a, ...) \
  M(a) __VA_OPT__(JX_PP_FOR_EACH_AGAIN JX_PP_PARENS(M, __VA_ARGS__))
#define JX_PP_FOR_EACH_AGAIN() JX_PP_FOR_EACH_HELPER

#define JX_TREE_FIELD_(field) visit(#field, &JxTreeType_::field);

/// Registers struct `Type` as a pytree with the listed fields, in order.
/// Place it right after the struct, in the same namespace:
///   struct Params { jx::Array w, b; int depth; };
///   JX_TREE(Params, w, b, depth);
#define JX_TREE(Type, ...)                                                                  \
  [[maybe_unused]] inline const char* jx_tree_name(::jx::tree::Tag<Type>) { return #Type; } \
  template <class JxTreeVisit_>                                                             \
  [[maybe_unused]] void jx_tree_fields(::jx::tree::Tag<Type>, JxTreeVisit_&& visit) {       \
    using JxTreeType_ = Type;                                                               \
    JX_PP_FOR_EACH(JX_TREE_FIELD_, __VA_ARGS__)                                             \
  }                                                                                         \
  static_assert(true, "JX_TREE needs a trailing semicolon")
