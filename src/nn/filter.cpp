// Leaf paths from a TreeDef and the error messages of jx/nn/filter.h.
#include "jx/nn/filter.h"

namespace jx::nn {

namespace {
// Preorder walk: `prefix` is the path of node `i`; returns the next node index.
size_t walk(const std::vector<tree::TreeNode>& nodes, size_t i, const std::string& prefix,
            std::vector<std::string>& out) {
  const tree::TreeNode& n = nodes[i];
  switch (n.kind) {
    case tree::NodeKind::Leaf:
      out.push_back(prefix);
      return i + 1;
    case tree::NodeKind::None:
    case tree::NodeKind::Static:
      return i + 1;
    default:
      break;
  }
  size_t at = i + 1;
  for (int c = 0; c < n.arity; ++c) {
    std::string key;
    if (n.kind == tree::NodeKind::Struct)
      key = "." + n.keys[size_t(c)];
    else if (n.kind == tree::NodeKind::Dict)
      key = "['" + n.keys[size_t(c)] + "']";
    else
      key = "[" + std::to_string(c) + "]";
    at = walk(nodes, at, prefix + key, out);
  }
  return at;
}
}  // namespace

std::vector<std::string> leaf_paths(const tree::TreeDef& def) {
  std::vector<std::string> out;
  walk(def.nodes(), 0, "", out);
  return out;
}

namespace detail {
void combine_missing(size_t leaf, const std::string& structure) {
  throw_error("nn.combine", "leaf " + std::to_string(leaf) + " of " + structure +
                                " is in none of the parts (combine needs every leaf in one part)");
}
void combine_mismatch(const std::string& a, const std::string& b) {
  throw_error("nn.combine", "parts have different structures: " + a + " vs " + b);
}
void mask_size_error(size_t mask, size_t leaves) {
  throw_error("nn.partition", "the mask has " + std::to_string(mask) + " entries for a tree with " +
                                  std::to_string(leaves) + " leaves");
}
void partial_unflatten_error() {
  throw_error("tree.unflatten",
              "an nn::Partial cannot be rebuilt from a TreeDef alone (its skeleton needs a "
              "prototype); use tree::unflatten_like");
}
}  // namespace detail

}  // namespace jx::nn
