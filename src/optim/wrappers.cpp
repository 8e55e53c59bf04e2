// masked, multi_transform, MultiSteps and apply_if_finite. Where optax uses
// lax.cond, both branches are computed and np::where selects, so the code
// traces under jit and the state's structure never changes.
#include "jx/optim/wrappers.h"

#include <string>

#include "jx/numpy.h"

namespace jx::optim {

namespace np = jx::np;
using Leaves = std::vector<Array>;

namespace {
// where(cond, new, old) over two states of one structure, cast to old's dtypes.
OptState select_state(const Array& cond, const OptState& new_state, const OptState& old_state) {
  return tree::map(
      [&](const Array& n, const Array& o) { return np::astype(np::where(cond, n, o), o.dtype()); },
      new_state, old_state);
}

// Scatters the updates of a subset back into the full leaf list.
void scatter(Leaves& out, const std::vector<bool>& keep, const Leaves& sub) {
  size_t j = 0;
  for (size_t i = 0; i < out.size(); ++i)
    if (keep[i]) out[i] = sub[j++];
}
}  // namespace

GradientTransformation masked(GradientTransformation inner, Mask mask) {
  return GradientTransformation(
      "masked",
      [inner, mask](const FlatTree& p) {
        OptState s;
        s.inner.push_back(inner.init_flat(p.subset(mask.resolve("masked", p))));
        return s;
      },
      [inner, mask](const FlatTree& u, const OptState& state, const FlatTree* params) {
        if (state.inner.size() != 1)
          throw_error("optim.masked", "the state holds no inner state: it was not made by masked");
        std::vector<bool> keep = mask.resolve("masked", params ? *params : u);
        FlatTree sub_p;
        if (params) sub_p = params->subset(keep);
        auto [sub_u, s] =
            inner.update_flat(u.subset(keep), state.inner[0], params ? &sub_p : nullptr);
        Leaves out = u.leaves;
        scatter(out, keep, sub_u);
        OptState ns;
        ns.inner.push_back(std::move(s));
        return FlatUpdate{std::move(out), std::move(ns)};
      });
}

namespace {
// The labels of `t`, each checked to name one of the transformations.
std::vector<std::string> checked_labels(const Labels& labels, const FlatTree& t,
                                        const std::map<std::string, GradientTransformation>& txs) {
  std::vector<std::string> l = labels.resolve("multi_transform", t);
  for (size_t i = 0; i < l.size(); ++i)
    if (!txs.count(l[i])) {
      std::string names;
      for (const auto& kv : txs) names += (names.empty() ? "'" : ", '") + kv.first + "'";
      throw_error("optim.multi_transform", "the leaf " + t.paths[i] + " has label '" + l[i] +
                                               "' but no transformation has that name (have " +
                                               names + ")");
    }
  return l;
}
std::vector<bool> with_label(const std::vector<std::string>& labels, const std::string& name) {
  std::vector<bool> keep;
  for (const auto& l : labels) keep.push_back(l == name);
  return keep;
}
}  // namespace

GradientTransformation multi_transform(std::map<std::string, GradientTransformation> transforms,
                                       Labels param_labels) {
  auto txs =
      std::make_shared<const std::map<std::string, GradientTransformation>>(std::move(transforms));
  return GradientTransformation(
      "multi_transform",
      [txs, param_labels](const FlatTree& p) {
        auto labels = checked_labels(param_labels, p, *txs);
        OptState s;
        for (const auto& [name, tx] : *txs)
          s.inner.push_back(tx.init_flat(p.subset(with_label(labels, name))));
        return s;
      },
      [txs, param_labels](const FlatTree& u, const OptState& state, const FlatTree* params) {
        if (state.inner.size() != txs->size())
          throw_error("optim.multi_transform",
                      "the state holds " + std::to_string(state.inner.size()) +
                          " inner states for " + std::to_string(txs->size()) + " transformations");
        auto labels = checked_labels(param_labels, params ? *params : u, *txs);
        Leaves out = u.leaves;
        OptState ns;
        size_t k = 0;
        for (const auto& [name, tx] : *txs) {
          std::vector<bool> keep = with_label(labels, name);
          FlatTree sub_p;
          if (params) sub_p = params->subset(keep);
          auto [sub_u, s] =
              tx.update_flat(u.subset(keep), state.inner[k++], params ? &sub_p : nullptr);
          scatter(out, keep, sub_u);
          ns.inner.push_back(std::move(s));
        }
        return FlatUpdate{std::move(out), std::move(ns)};
      });
}

MultiSteps::MultiSteps(GradientTransformation inner, int every_k, bool use_grad_mean)
    : MultiSteps(
          std::move(inner), [every_k](const Array&) { return np::full({}, every_k, int32); },
          use_grad_mean) {
  if (every_k < 1)
    throw_error("optim.MultiSteps", "every_k must be at least 1, got " + std::to_string(every_k));
}

MultiSteps::MultiSteps(GradientTransformation inner, EveryKSchedule every_k, bool use_grad_mean)
    : tx_(
          "MultiSteps",
          [inner](const FlatTree& p) {
            OptState s;
            s.scalars["mini_step"] = detail::zero_count();
            s.scalars["gradient_step"] = detail::zero_count();
            for (const Array& x : p.leaves)
              s.slots["acc_grads"].push_back(np::zeros_like(x, float32));
            s.inner.push_back(inner.init_flat(p));
            return s;
          },
          [inner, every_k, use_grad_mean](const FlatTree& u, const OptState& state,
                                          const FlatTree* params) {
            const char* op = "MultiSteps";
            const Array& mini = detail::scalar(op, state, "mini_step");
            const Array& gstep = detail::scalar(op, state, "gradient_step");
            const Leaves& acc0 = detail::slot(op, state, "acc_grads", u);
            if (state.inner.size() != 1)
              throw_error("optim.MultiSteps", "the state holds no inner state");
            Array k = every_k(gstep);
            Leaves acc, acc_cast;
            for (size_t i = 0; i < u.size(); ++i) {
              const Array& g = u.leaves[i];
              acc.push_back(use_grad_mean ? np::add(acc0[i], np::divide(np::subtract(g, acc0[i]),
                                                                        np::astype(np::add(mini, 1),
                                                                                   float32)))
                                          : np::add(g, acc0[i]));
              acc_cast.push_back(np::astype(acc[i], g.dtype()));
            }
            auto [fu, inner_new] =
                inner.update_flat(u.with_leaves(acc_cast), state.inner[0], params);
            Array emit = np::equal(mini, np::subtract(k, 1));
            OptState s;
            s.scalars["mini_step"] = np::remainder(detail::safe_increment(mini), k);
            s.scalars["gradient_step"] = np::where(emit, detail::safe_increment(gstep), gstep);
            s.inner.push_back(select_state(emit, inner_new, state.inner[0]));
            Array keep_acc = np::astype(np::logical_not(emit), float32);
            for (const Array& a : acc) s.slots["acc_grads"].push_back(np::multiply(keep_acc, a));
            Leaves out;
            for (const Array& x : fu) out.push_back(np::multiply(np::astype(emit, x.dtype()), x));
            return FlatUpdate{std::move(out), std::move(s)};
          }) {}

Array MultiSteps::has_updated(const OptState& state) {
  return np::logical_and(np::equal(detail::scalar("MultiSteps", state, "mini_step"), 0),
                         np::greater(detail::scalar("MultiSteps", state, "gradient_step"), 0));
}

GradientTransformation apply_if_finite(GradientTransformation inner, int max_consecutive_errors) {
  return GradientTransformation(
      "apply_if_finite",
      [inner](const FlatTree& p) {
        OptState s;
        s.scalars["notfinite_count"] = detail::zero_count();
        s.scalars["last_finite"] = np::full({}, true, bool_);
        s.scalars["total_notfinite"] = detail::zero_count();
        s.inner.push_back(inner.init_flat(p));
        return s;
      },
      [inner, max_consecutive_errors](const FlatTree& u, const OptState& state,
                                      const FlatTree* params) {
        const char* op = "apply_if_finite";
        const Array& count = detail::scalar(op, state, "notfinite_count");
        const Array& total = detail::scalar(op, state, "total_notfinite");
        if (state.inner.size() != 1)
          throw_error("optim.apply_if_finite", "the state holds no inner state");
        Array finite = np::full({}, true, bool_);
        for (const Array& x : u.leaves) finite = np::logical_and(finite, np::all(np::isfinite(x)));
        Array new_count = np::where(finite, detail::zero_count(), detail::safe_increment(count));
        auto [iu, is] = inner.update_flat(u, state.inner[0], params);
        Array apply = np::logical_or(finite, np::greater(new_count, max_consecutive_errors));
        Leaves out;
        for (const Array& x : iu) out.push_back(np::where(apply, x, np::zeros_like(x)));
        OptState s;
        s.scalars["notfinite_count"] = new_count;
        s.scalars["last_finite"] = finite;
        s.scalars["total_notfinite"] = np::where(finite, total, detail::safe_increment(total));
        s.inner.push_back(select_state(apply, is, state.inner[0]));
        return FlatUpdate{std::move(out), std::move(s)};
      });
}

}  // namespace jx::optim
