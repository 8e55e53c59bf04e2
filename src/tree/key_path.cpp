// Key paths of pytree leaves, derived from a TreeDef's preorder nodes, and
// their text (keystr), which jx::io uses to name checkpoint tensors.
#include "jx/tree.h"

namespace jx::tree {
namespace {

// Visits the subtree at nodes[pos] with `prefix` as its path, appending each
// leaf's path to `out`; returns the position after the subtree.
size_t collect(const std::vector<TreeNode>& nodes, size_t pos, KeyPath& prefix,
               std::vector<KeyPath>& out) {
  const TreeNode& n = nodes[pos++];
  if (n.kind == NodeKind::Leaf) {
    out.push_back(prefix);
    return pos;
  }
  for (int i = 0; i < n.arity; ++i) {
    PathEntry e;
    if (n.kind == NodeKind::Dict) {
      e.kind = PathEntry::Kind::Dict;
      e.name = n.keys[size_t(i)];
    } else if (n.kind == NodeKind::Struct) {
      e.kind = PathEntry::Kind::Attr;
      e.name = n.keys[size_t(i)];
    } else {
      e.kind = PathEntry::Kind::Sequence;
      e.index = i;
    }
    prefix.push_back(std::move(e));
    pos = collect(nodes, pos, prefix, out);
    prefix.pop_back();
  }
  return pos;
}

}  // namespace

std::vector<KeyPath> key_paths(const TreeDef& def) {
  std::vector<KeyPath> out;
  out.reserve(size_t(def.num_leaves()));
  KeyPath prefix;
  collect(def.nodes(), 0, prefix, out);
  return out;
}

std::string keystr(const KeyPath& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    const PathEntry& e = path[i];
    switch (e.kind) {
      case PathEntry::Kind::Sequence:
        out += "[" + std::to_string(e.index) + "]";
        break;
      case PathEntry::Kind::Attr:
        if (i) out += '.';
        out += e.name;
        break;
      case PathEntry::Kind::Dict:
        if (i == 0) {
          out += e.name;  // a top-level dict key is the name itself
          break;
        }
        out += "['";
        for (char c : e.name) {
          if (c == '\\' || c == '\'') out += '\\';
          out += c;
        }
        out += "']";
        break;
    }
  }
  return out;
}

}  // namespace jx::tree
