// The type-erased core of jx::optim: GradientTransformation, chain, the
// identity transformations, apply_updates and the state checks shared by
// every transformation.
#include "jx/optim/base.h"

#include <cstdint>
#include <limits>
#include <string>

#include "jx/numpy.h"

namespace jx::optim {

namespace np = jx::np;

namespace {
std::string shape_str(const Array& x) { return x.aval().str(); }

// Walks a TreeDef in preorder, calling f(path, node) for leaves and statics.
template <class F>
void walk_paths(const std::vector<tree::TreeNode>& nodes, size_t& i, const std::string& prefix,
                F& f) {
  const tree::TreeNode& n = nodes[i++];
  switch (n.kind) {
    case tree::NodeKind::Leaf:
    case tree::NodeKind::Static:
      f(prefix, n);
      return;
    case tree::NodeKind::None:
      return;
    case tree::NodeKind::List:
    case tree::NodeKind::Tuple:
      for (int k = 0; k < n.arity; ++k)
        walk_paths(nodes, i, prefix + "[" + std::to_string(k) + "]", f);
      return;
    case tree::NodeKind::Dict:
      for (int k = 0; k < n.arity; ++k)
        walk_paths(nodes, i, prefix + "['" + n.keys[size_t(k)] + "']", f);
      return;
    case tree::NodeKind::Struct:
      for (int k = 0; k < n.arity; ++k) walk_paths(nodes, i, prefix + "." + n.keys[size_t(k)], f);
      return;
  }
}
}  // namespace

std::vector<std::string> leaf_paths(const tree::TreeDef& def, bool statics_as_leaves) {
  std::vector<std::string> out;
  auto f = [&](const std::string& path, const tree::TreeNode& n) {
    if ((n.kind == tree::NodeKind::Leaf) != statics_as_leaves) out.push_back(path);
  };
  size_t i = 0;
  walk_paths(def.nodes(), i, "", f);
  return out;
}

namespace detail {
std::vector<std::array<std::string, 3>> static_leaves(const tree::TreeDef& def,
                                                      std::string_view what) {
  if (def.num_leaves() > 0)
    throw_error("optim." + std::string(what),
                "a " + std::string(what) + " tree holds static values (bools or strings), but " +
                    def.str() + " has " + std::to_string(def.num_leaves()) + " Array leaves");
  std::vector<std::array<std::string, 3>> out;
  auto f = [&](const std::string& path, const tree::TreeNode& n) {
    out.push_back({path, n.value, n.name});
  };
  size_t i = 0;
  walk_paths(def.nodes(), i, "", f);
  return out;
}
}  // namespace detail

FlatTree FlatTree::subset(const std::vector<bool>& keep) const {
  FlatTree out;
  for (size_t i = 0; i < leaves.size(); ++i)
    if (keep[i]) {
      out.leaves.push_back(leaves[i]);
      out.paths.push_back(paths[i]);
    }
  return out;
}

FlatTree FlatTree::with_leaves(std::vector<Array> new_leaves) const {
  FlatTree out{std::move(new_leaves), paths, def};
  return out;
}

// ---------------------------------------------------------------- GradientTransformation

GradientTransformation::GradientTransformation(std::string name, InitFn init, UpdateFn update)
    : impl_(
          std::make_shared<const Impl>(Impl{std::move(name), std::move(init), std::move(update)})) {
}

OptState GradientTransformation::init_flat(const FlatTree& params) const {
  OptState s = impl_->init(params);
  s.kind = impl_->name;
  return s;
}

FlatUpdate GradientTransformation::update_flat(const FlatTree& updates, const OptState& state,
                                               const FlatTree* params) const {
  if (state.kind != impl_->name)
    throw_error("optim." + impl_->name, "the state was made by init of '" + state.kind +
                                            "', not of this '" + impl_->name + "' transformation");
  if (params && params->size() != updates.size())
    throw_error("optim." + impl_->name, "the updates have " + std::to_string(updates.size()) +
                                            " leaves but the params have " +
                                            std::to_string(params->size()));
  FlatUpdate out = impl_->update(updates, state, params);
  if (out.first.size() != updates.size())
    throw_error("optim." + impl_->name, "internal: the transformation returned " +
                                            std::to_string(out.first.size()) + " updates for " +
                                            std::to_string(updates.size()) + " leaves");
  out.second.kind = impl_->name;
  return out;
}

void GradientTransformation::check_same_leaves(const FlatTree& grads,
                                               const FlatTree& params) const {
  if (grads.size() != params.size())
    throw_error("optim." + impl_->name, "grads and params differ: " + std::to_string(grads.size()) +
                                            " vs " + std::to_string(params.size()) + " leaves (" +
                                            grads.def->str() + " vs " + params.def->str() + ")");
  for (size_t i = 0; i < grads.size(); ++i)
    if (grads.leaves[i].shape() != params.leaves[i].shape())
      throw_error("optim." + impl_->name,
                  "the grad of leaf " + grads.paths[i] + " is " + shape_str(grads.leaves[i]) +
                      " but the param " + params.paths[i] + " is " + shape_str(params.leaves[i]));
}

GradientTransformation identity() {
  return GradientTransformation(
      "identity", [](const FlatTree&) { return OptState{}; },
      [](const FlatTree& u, const OptState&, const FlatTree*) {
        return FlatUpdate{u.leaves, OptState{}};
      });
}

GradientTransformation set_to_zero() {
  return GradientTransformation(
      "set_to_zero", [](const FlatTree&) { return OptState{}; },
      [](const FlatTree& u, const OptState&, const FlatTree*) {
        std::vector<Array> out;
        for (const Array& x : u.leaves) out.push_back(np::zeros_like(x));
        return FlatUpdate{out, OptState{}};
      });
}

GradientTransformation chain(std::vector<GradientTransformation> transforms) {
  auto txs = std::make_shared<const std::vector<GradientTransformation>>(std::move(transforms));
  return GradientTransformation(
      "chain",
      [txs](const FlatTree& params) {
        OptState s;
        for (const auto& t : *txs) s.inner.push_back(t.init_flat(params));
        return s;
      },
      [txs](const FlatTree& updates, const OptState& state, const FlatTree* params) {
        if (state.inner.size() != txs->size())
          throw_error("optim.chain", "the state holds " + std::to_string(state.inner.size()) +
                                         " inner states for a chain of " +
                                         std::to_string(txs->size()));
        OptState out;
        FlatTree u = updates;
        for (size_t i = 0; i < txs->size(); ++i) {
          auto [next, s] = (*txs)[i].update_flat(u, state.inner[i], params);
          u.leaves = std::move(next);
          out.inner.push_back(std::move(s));
        }
        return FlatUpdate{std::move(u.leaves), std::move(out)};
      });
}

std::vector<Array> apply_updates_flat(std::span<const Array> params,
                                      std::span<const Array> updates) {
  if (params.size() != updates.size())
    throw_error("optim.apply_updates", "params have " + std::to_string(params.size()) +
                                           " leaves but updates have " +
                                           std::to_string(updates.size()));
  std::vector<Array> out;
  out.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].shape() != updates[i].shape())
      throw_error("optim.apply_updates", "leaf " + std::to_string(i) + ": param " +
                                             shape_str(params[i]) + " and update " +
                                             shape_str(updates[i]) + " differ in shape");
    out.push_back(np::astype(np::add(params[i], updates[i]), params[i].dtype()));
  }
  return out;
}

std::vector<Array> incremental_update_flat(std::span<const Array> new_leaves,
                                           std::span<const Array> old_leaves, double step_size) {
  if (new_leaves.size() != old_leaves.size())
    throw_error("optim.incremental_update",
                "the new tree has " + std::to_string(new_leaves.size()) +
                    " leaves but the old one has " + std::to_string(old_leaves.size()));
  std::vector<Array> out;
  for (size_t i = 0; i < new_leaves.size(); ++i)
    out.push_back(np::add(np::multiply(new_leaves[i], step_size),
                          np::multiply(old_leaves[i], 1.0 - step_size)));
  return out;
}

Array global_norm_flat(std::span<const Array> leaves) {
  if (leaves.empty()) return np::zeros({}, float32);
  Array total = np::sum(np::square(leaves[0]));
  for (size_t i = 1; i < leaves.size(); ++i) total = total + np::sum(np::square(leaves[i]));
  return np::sqrt(total);
}

namespace detail {
const std::vector<Array>& slot(std::string_view op, const OptState& state, const std::string& name,
                               const FlatTree& updates) {
  auto it = state.slots.find(name);
  if (it == state.slots.end())
    throw_error(std::string("optim.") + std::string(op),
                "the state has no '" + name + "' buffers: it was not made by this transformation");
  if (it->second.size() != updates.size())
    throw_error(std::string("optim.") + std::string(op),
                "the state holds " + std::to_string(it->second.size()) + " '" + name +
                    "' buffers but the updates have " + std::to_string(updates.size()) +
                    " leaves: was the state made by init for these params?");
  return it->second;
}

const Array& scalar(std::string_view op, const OptState& state, const std::string& name) {
  auto it = state.scalars.find(name);
  if (it == state.scalars.end())
    throw_error(std::string("optim.") + std::string(op),
                "the state has no '" + name + "': it was not made by this transformation");
  return it->second;
}

const FlatTree& need_params(std::string_view op, const FlatTree* params) {
  if (!params)
    throw_error(std::string("optim.") + std::string(op),
                std::string(op) + " needs the params: call update(grads, state, params)");
  return *params;
}

Array safe_increment(const Array& count) {
  // Saturates instead of wrapping, as optax.safe_increment does (at the
  // maximum, the count itself is selected).
  int64_t max = count.dtype() == int64 ? std::numeric_limits<int64_t>::max()
                                       : std::numeric_limits<int32_t>::max();
  return np::where(np::less(count, max), np::add(count, 1), count);
}

Array zero_count() { return np::zeros({}, int32); }
}  // namespace detail

}  // namespace jx::optim
