// TreeDef: the type-erased pytree structure (nodes in preorder), its text,
// hash and builders, and the error paths shared by the tree templates.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <ostream>

#include "jx/tree.h"

namespace jx::tree {
namespace {

const char* kind_name(NodeKind k) {
  switch (k) {
    case NodeKind::Leaf:
      return "leaf";
    case NodeKind::None:
      return "None";
    case NodeKind::Static:
      return "static";
    case NodeKind::List:
      return "list";
    case NodeKind::Tuple:
      return "tuple";
    case NodeKind::Dict:
      return "dict";
    case NodeKind::Struct:
      return "struct";
  }
  return "?";
}

// Appends the text of the subtree at nodes[pos] and returns the next position.
size_t print_node(const std::vector<TreeNode>& nodes, size_t pos, std::string& out) {
  const TreeNode& n = nodes[pos++];
  auto children = [&](const char* open, const char* close, auto&& prefix) {
    out += open;
    for (int i = 0; i < n.arity; ++i) {
      if (i) out += ", ";
      prefix(i);
      pos = print_node(nodes, pos, out);
    }
    if (n.kind == NodeKind::Tuple && n.arity == 1) out += ",";
    out += close;
  };
  switch (n.kind) {
    case NodeKind::Leaf:
      out += "*";
      break;
    case NodeKind::None:
      out += "None";
      break;
    case NodeKind::Static:
      out += n.name == "str" ? "'" + n.value + "'" : n.value;
      break;
    case NodeKind::List:
      children("[", "]", [](int) {});
      break;
    case NodeKind::Tuple:
      children("(", ")", [](int) {});
      break;
    case NodeKind::Dict:
      children("{", "}", [&](int i) { out += "'" + n.keys[size_t(i)] + "': "; });
      break;
    case NodeKind::Struct:
      out += n.name;
      children("(", ")", [&](int i) { out += n.keys[size_t(i)] + "="; });
      break;
  }
  return pos;
}

TreeNode node_of(NodeKind kind) {
  TreeNode n;
  n.kind = kind;
  return n;
}

void hash_combine(size_t& seed, size_t v) {
  seed ^= v + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
}

// A node with `children` below it, sizes computed from them.
TreeDef make_node(TreeNode node, std::span<const TreeDef> children) {
  std::vector<TreeNode> nodes{std::move(node)};
  nodes[0].arity = int(children.size());
  nodes[0].num_leaves = 0;
  for (const TreeDef& c : children) {
    nodes[0].num_leaves += c.num_leaves();
    nodes.insert(nodes.end(), c.nodes().begin(), c.nodes().end());
  }
  nodes[0].num_nodes = int(nodes.size());
  return TreeDef(std::move(nodes));
}

}  // namespace

TreeDef::TreeDef(std::vector<TreeNode> nodes) : nodes_(std::move(nodes)) {
  if (nodes_.empty() || size_t(nodes_[0].num_nodes) != nodes_.size())
    throw_error("tree.TreeDef", "inconsistent preorder nodes: root spans " +
                                    std::to_string(nodes_.empty() ? 0 : nodes_[0].num_nodes) +
                                    " nodes, got " + std::to_string(nodes_.size()));
}

TreeDef TreeDef::make_none() { return make_node(node_of(NodeKind::None), {}); }

TreeDef TreeDef::make_static(std::string type, std::string text) {
  TreeNode n = node_of(NodeKind::Static);
  n.name = std::move(type);
  n.value = std::move(text);
  return make_node(std::move(n), {});
}

TreeDef TreeDef::make_list(std::span<const TreeDef> children) {
  return make_node(node_of(NodeKind::List), children);
}

TreeDef TreeDef::make_tuple(std::span<const TreeDef> children) {
  return make_node(node_of(NodeKind::Tuple), children);
}

TreeDef TreeDef::make_dict(std::vector<std::string> keys, std::span<const TreeDef> children) {
  if (keys.size() != children.size())
    throw_error("tree.TreeDef", "dict has " + std::to_string(keys.size()) + " keys but " +
                                    std::to_string(children.size()) + " children");
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  TreeNode n = node_of(NodeKind::Dict);
  std::vector<TreeDef> sorted;
  for (size_t i : order) {
    if (!n.keys.empty() && n.keys.back() == keys[i])
      throw_error("tree.TreeDef", "duplicate dict key '" + keys[i] + "'");
    n.keys.push_back(keys[i]);
    sorted.push_back(children[i]);
  }
  return make_node(std::move(n), sorted);
}

TreeDef TreeDef::make_struct(std::string name, std::vector<std::string> fields,
                             std::span<const TreeDef> children) {
  if (fields.size() != children.size())
    throw_error("tree.TreeDef", "struct " + name + " has " + std::to_string(fields.size()) +
                                    " fields but " + std::to_string(children.size()) + " children");
  TreeNode n = node_of(NodeKind::Struct);
  n.name = std::move(name);
  n.keys = std::move(fields);
  return make_node(std::move(n), children);
}

std::vector<TreeDef> TreeDef::children() const {
  std::vector<TreeDef> out;
  size_t pos = 1;
  for (int i = 0; i < nodes_[0].arity; ++i) {
    out.push_back(subtree(pos));
    pos += size_t(nodes_[pos].num_nodes);
  }
  return out;
}

TreeDef TreeDef::subtree(size_t index) const {
  auto begin = nodes_.begin() + std::ptrdiff_t(index);
  return TreeDef(std::vector<TreeNode>(begin, begin + begin->num_nodes));
}

size_t TreeDef::hash() const {
  std::hash<std::string> hs;
  size_t h = nodes_.size();
  for (const TreeNode& n : nodes_) {
    hash_combine(h, size_t(n.kind));
    hash_combine(h, size_t(n.arity));
    hash_combine(h, hs(n.name));
    for (const std::string& k : n.keys) hash_combine(h, hs(k));
    hash_combine(h, hs(n.value));
  }
  return h;
}

std::string TreeDef::str() const {
  std::string out = "PyTreeDef(";
  print_node(nodes_, 0, out);
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const TreeDef& def) { return os << def.str(); }

namespace detail {

const TreeNode& Reader::take(NodeKind kind, std::string_view expected) {
  if (node >= nodes.size() || nodes[node].kind != kind) fail(node, expected);
  return nodes[node++];
}

const TreeNode& Reader::take(NodeKind kind, int arity, std::string_view expected) {
  if (node < nodes.size() && nodes[node].kind == kind && nodes[node].arity != arity)
    fail(node, expected);
  return take(kind, expected);
}

void Reader::fail(size_t at, std::string_view expected) const {
  std::string got = "nothing";
  if (at < nodes.size()) {
    std::string text;
    print_node(nodes, at, text);
    got = std::string("a ") + kind_name(nodes[at].kind) + " node " + text;
  }
  throw_error("tree.unflatten", "the TreeDef does not fit the C++ type: expected " +
                                    std::string(expected) + ", got " + got);
}

std::string format_float(double v, bool single) {
  char buf[64];
  auto r = single ? std::to_chars(buf, buf + sizeof buf, float(v))
                  : std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  // Python-like: a float always shows it is one ("3.0", not "3").
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

double parse_float(const std::string& text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw_error("tree.unflatten", "static float value '" + text + "' is not a number");
  return v;
}

void leaf_count_error(size_t expected, size_t got) {
  throw_error("tree.unflatten",
              "expected " + std::to_string(expected) + " leaves, got " + std::to_string(got));
}

void structure_error(const TreeDef& a, const TreeDef& b) {
  throw_error("tree.map", "tree structures differ: " + a.str() + " vs " + b.str());
}

}  // namespace detail
}  // namespace jx::tree
