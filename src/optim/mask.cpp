// Resolving masks and labels to one entry per leaf.
#include "jx/optim/mask.h"

#include <map>
#include <string>

namespace jx::optim {

namespace detail {
std::vector<std::string> match_static_tree(std::string_view op, std::string_view what,
                                           const std::vector<std::array<std::string, 3>>& entries,
                                           std::string_view type, const FlatTree& t) {
  std::string o = "optim." + std::string(op);
  std::map<std::string, const std::array<std::string, 3>*> by_path;
  for (const auto& e : entries) by_path[e[0]] = &e;
  std::vector<std::string> out;
  for (const std::string& path : t.paths) {
    auto it = by_path.find(path);
    if (it == by_path.end()) {
      std::string known;
      for (const auto& e : entries) known += (known.empty() ? "" : ", ") + e[0];
      throw_error(o, "the " + std::string(what) + " tree has no entry for the leaf " + path +
                         " (its entries: " + known + ")");
    }
    if ((*it->second)[2] != type)
      throw_error(o, "the " + std::string(what) + " entry at " + path + " is a static " +
                         (*it->second)[2] + ", expected a " +
                         (type == "bool" ? std::string("bool") : std::string("string")));
    out.push_back((*it->second)[1]);
  }
  if (t.def && entries.size() != t.paths.size()) {
    // Entries at the params' own static fields (config mirrored in the tree) are fine.
    std::map<std::string, int> have;
    for (const auto& p : t.paths) have[p] = 1;
    for (const auto& p : leaf_paths(*t.def, /*statics_as_leaves=*/true)) have[p] = 1;
    for (const auto& e : entries)
      if (!have.count(e[0]))
        throw_error(o, "the " + std::string(what) + " tree has an entry at " + e[0] +
                           " but the params have no leaf there");
  }
  return out;
}

void needs_whole_tree(std::string_view op, std::string_view what) {
  throw_error("optim." + std::string(op),
              std::string(what) +
                  " needs the whole params tree; inside masked or multi_transform use a "
                  "(path, leaf) function or a tree of values instead");
}
}  // namespace detail

Mask::Mask(std::vector<bool> per_leaf) {
  fn_ = [v = std::move(per_leaf)](std::string_view op, const FlatTree& t) {
    if (v.size() != t.size())
      throw_error("optim." + std::string(op), "the mask has " + std::to_string(v.size()) +
                                                  " entries but the params have " +
                                                  std::to_string(t.size()) + " leaves");
    return v;
  };
}

std::vector<bool> Mask::resolve(std::string_view op, const FlatTree& t) const {
  if (!fn_) return std::vector<bool>(t.size(), true);
  return fn_(op, t);
}

Labels::Labels(std::vector<std::string> per_leaf) {
  fn_ = [v = std::move(per_leaf)](std::string_view op, const FlatTree& t) {
    if (v.size() != t.size())
      throw_error("optim." + std::string(op), "the labels have " + std::to_string(v.size()) +
                                                  " entries but the params have " +
                                                  std::to_string(t.size()) + " leaves");
    return v;
  };
}

std::vector<std::string> Labels::resolve(std::string_view op, const FlatTree& t) const {
  return fn_(op, t);
}

}  // namespace jx::optim
