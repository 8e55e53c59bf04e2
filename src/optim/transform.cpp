// The building blocks of optimizers, leaf by leaf, following optax's
// formulas (and their order of operations, so float32 results agree).
#include "jx/optim/transform.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/optim/wrappers.h"

namespace jx::optim {

namespace np = jx::np;
using Leaves = std::vector<Array>;

namespace {
Leaves zeros_like_all(const FlatTree& t) {
  Leaves out;
  for (const Array& x : t.leaves) out.push_back(np::zeros_like(x));
  return out;
}
Leaves full_like_all(const FlatTree& t, double v) {
  Leaves out;
  for (const Array& x : t.leaves) out.push_back(np::full_like(x, v));
  return out;
}
OptState empty_state(const FlatTree&) { return OptState{}; }

// (1 - decay) * g^order + decay * t
Array moment(const Array& g, const Array& t, double decay, int order) {
  Array gp = order == 1 ? g : np::square(g);
  return np::add(np::multiply(1.0 - decay, gp), np::multiply(decay, t));
}
// m / (1 - decay^count)
Array debias(const Array& m, double decay, const Array& count) {
  Array bc = np::subtract(1.0, np::power(decay, np::astype(count, float32)));
  return np::divide(m, np::astype(bc, m.dtype()));
}
// Leaf-wise map over updates (and optionally slots) returning new updates.
template <class F>
Leaves map_leaves(const FlatTree& u, F&& f) {
  Leaves out;
  out.reserve(u.size());
  for (size_t i = 0; i < u.size(); ++i) out.push_back(f(i, u.leaves[i]));
  return out;
}
// optax.safe_norm: the L2 norm, min_norm where it is <= min_norm (with a
// gradient-safe second evaluation).
Array safe_norm(const Array& x, double min_norm) {
  Array norm = np::sqrt(np::sum(np::square(x)));
  Array small = np::less_equal(norm, min_norm);
  Array x2 = np::where(small, np::ones_like(x), x);
  return np::where(small, min_norm, np::sqrt(np::sum(np::square(x2))));
}
// optax.safe_root_mean_squares.
Array safe_rms(const Array& x, double min_rms) {
  Array rms = np::sqrt(np::mean(np::square(x)));
  Array small = np::less_equal(rms, min_rms);
  Array x2 = np::where(small, np::ones_like(x), x);
  return np::where(small, min_rms, np::sqrt(np::mean(np::square(x2))));
}
}  // namespace

GradientTransformation scale(double step_size) {
  return GradientTransformation(
      "scale", empty_state, [step_size](const FlatTree& u, const OptState&, const FlatTree*) {
        return FlatUpdate{
            map_leaves(u, [&](size_t, const Array& g) { return np::multiply(step_size, g); }),
            OptState{}};
      });
}

GradientTransformation scale_by_schedule(Schedule schedule) {
  return GradientTransformation(
      "scale_by_schedule",
      [](const FlatTree&) {
        OptState s;
        s.scalars["count"] = detail::zero_count();
        return s;
      },
      [schedule](const FlatTree& u, const OptState& state, const FlatTree*) {
        const Array& count = detail::scalar("scale_by_schedule", state, "count");
        Array step = schedule(count);
        OptState s;
        s.scalars["count"] = detail::safe_increment(count);
        return FlatUpdate{map_leaves(u,
                                     [&](size_t, const Array& g) {
                                       return np::multiply(np::astype(step, g.dtype()), g);
                                     }),
                          std::move(s)};
      });
}

GradientTransformation scale_by_learning_rate(ScalarOrSchedule learning_rate, bool flip_sign) {
  double m = flip_sign ? -1.0 : 1.0;
  if (const double* lr = std::get_if<double>(&learning_rate)) return scale(m * *lr);
  Schedule sched = std::get<Schedule>(learning_rate);
  return scale_by_schedule(
      Schedule([sched, m](const Array& c) { return np::multiply(m, sched(c)); }));
}

GradientTransformation scale_by_adam(AdamOptions o) {
  return GradientTransformation(
      "scale_by_adam",
      [](const FlatTree& p) {
        OptState s;
        s.scalars["count"] = detail::zero_count();
        s.slots["mu"] = zeros_like_all(p);
        s.slots["nu"] = zeros_like_all(p);
        return s;
      },
      [o](const FlatTree& u, const OptState& state, const FlatTree*) {
        const char* op = "scale_by_adam";
        const Leaves& mu0 = detail::slot(op, state, "mu", u);
        const Leaves& nu0 = detail::slot(op, state, "nu", u);
        Array count = detail::safe_increment(detail::scalar(op, state, "count"));
        OptState s;
        Leaves& mu = s.slots["mu"];
        Leaves& nu = s.slots["nu"];
        Leaves out;
        for (size_t i = 0; i < u.size(); ++i) {
          const Array& g = u.leaves[i];
          mu.push_back(moment(g, mu0[i], o.b1, 1));
          nu.push_back(moment(g, nu0[i], o.b2, 2));
          Array mu_hat =
              o.nesterov
                  ? np::add(np::multiply(o.b1, debias(mu[i], o.b1, detail::safe_increment(count))),
                            np::multiply(1.0 - o.b1, debias(g, o.b1, count)))
                  : debias(mu[i], o.b1, count);
          Array nu_hat = debias(nu[i], o.b2, count);
          out.push_back(np::divide(mu_hat, np::add(np::sqrt(np::add(nu_hat, o.eps_root)), o.eps)));
        }
        s.scalars["count"] = count;
        return FlatUpdate{std::move(out), std::move(s)};
      });
}

GradientTransformation trace(double decay, bool nesterov) {
  return GradientTransformation(
      "trace",
      [](const FlatTree& p) {
        OptState s;
        s.slots["trace"] = zeros_like_all(p);
        return s;
      },
      [decay, nesterov](const FlatTree& u, const OptState& state, const FlatTree*) {
        const Leaves& t0 = detail::slot("trace", state, "trace", u);
        OptState s;
        Leaves& t = s.slots["trace"];
        Leaves out;
        for (size_t i = 0; i < u.size(); ++i) {
          t.push_back(np::add(u.leaves[i], np::multiply(decay, t0[i])));
          out.push_back(nesterov ? np::add(u.leaves[i], np::multiply(decay, t[i])) : t[i]);
        }
        return FlatUpdate{std::move(out), std::move(s)};
      });
}

GradientTransformation ema(double decay, bool debias_) {
  return GradientTransformation(
      "ema",
      [](const FlatTree& p) {
        OptState s;
        s.scalars["count"] = detail::zero_count();
        s.slots["ema"] = zeros_like_all(p);
        return s;
      },
      [decay, debias_](const FlatTree& u, const OptState& state, const FlatTree*) {
        const Leaves& e0 = detail::slot("ema", state, "ema", u);
        Array count = detail::safe_increment(detail::scalar("ema", state, "count"));
        OptState s;
        Leaves& e = s.slots["ema"];
        Leaves out;
        for (size_t i = 0; i < u.size(); ++i) {
          e.push_back(moment(u.leaves[i], e0[i], decay, 1));
          out.push_back(debias_ ? debias(e[i], decay, count) : e[i]);
        }
        s.scalars["count"] = count;
        return FlatUpdate{std::move(out), std::move(s)};
      });
}

namespace {
GradientTransformation rms_like(RmsOptions o, bool centered) {
  std::string name = centered ? "scale_by_stddev" : "scale_by_rms";
  return GradientTransformation(
      name,
      [o, centered](const FlatTree& p) {
        OptState s;
        s.scalars["count"] = detail::zero_count();
        if (centered) s.slots["mu"] = zeros_like_all(p);
        s.slots["nu"] = full_like_all(p, o.initial_scale);
        return s;
      },
      [o, centered, name](const FlatTree& u, const OptState& state, const FlatTree*) {
        const Leaves& nu0 = detail::slot(name, state, "nu", u);
        const Leaves* mu0 = centered ? &detail::slot(name, state, "mu", u) : nullptr;
        Array count = detail::safe_increment(detail::scalar(name, state, "count"));
        OptState s;
        Leaves out;
        for (size_t i = 0; i < u.size(); ++i) {
          const Array& g = u.leaves[i];
          Array nu = moment(g, nu0[i], o.decay, 2);
          Array nu_hat = o.bias_correction ? debias(nu, o.decay, count) : nu;
          Array var = nu_hat;
          if (centered) {
            Array mu = moment(g, (*mu0)[i], o.decay, 1);
            Array mu_hat = o.bias_correction ? debias(mu, o.decay, count) : mu;
            var = np::subtract(nu_hat, np::square(mu_hat));
            s.slots["mu"].push_back(mu);
          }
          Array scaling = o.eps_in_sqrt ? lax::rsqrt(np::add(var, o.eps))
                                        : np::divide(1.0, np::add(np::sqrt(var), o.eps));
          out.push_back(np::multiply(scaling, g));
          s.slots["nu"].push_back(nu);
        }
        s.scalars["count"] = count;
        return FlatUpdate{std::move(out), std::move(s)};
      });
}
}  // namespace

GradientTransformation scale_by_rms(RmsOptions opts) { return rms_like(opts, false); }
GradientTransformation scale_by_stddev(RmsOptions opts) { return rms_like(opts, true); }

GradientTransformation scale_by_rss(double initial_accumulator_value, double eps) {
  return GradientTransformation(
      "scale_by_rss",
      [initial_accumulator_value](const FlatTree& p) {
        OptState s;
        s.slots["sum_of_squares"] = full_like_all(p, initial_accumulator_value);
        return s;
      },
      [eps](const FlatTree& u, const OptState& state, const FlatTree*) {
        const Leaves& t0 = detail::slot("scale_by_rss", state, "sum_of_squares", u);
        OptState s;
        Leaves& t = s.slots["sum_of_squares"];
        Leaves out;
        for (size_t i = 0; i < u.size(); ++i) {
          t.push_back(np::add(np::square(u.leaves[i]), t0[i]));
          Array inv = np::where(np::greater(t[i], 0.0), lax::rsqrt(np::add(t[i], eps)), 0.0);
          out.push_back(np::multiply(inv, u.leaves[i]));
        }
        return FlatUpdate{std::move(out), std::move(s)};
      });
}

GradientTransformation scale_by_lion(double b1, double b2) {
  return GradientTransformation(
      "scale_by_lion",
      [](const FlatTree& p) {
        OptState s;
        s.scalars["count"] = detail::zero_count();
        s.slots["mu"] = zeros_like_all(p);
        return s;
      },
      [b1, b2](const FlatTree& u, const OptState& state, const FlatTree*) {
        const Leaves& mu0 = detail::slot("scale_by_lion", state, "mu", u);
        OptState s;
        s.scalars["count"] =
            detail::safe_increment(detail::scalar("scale_by_lion", state, "count"));
        Leaves out;
        for (size_t i = 0; i < u.size(); ++i) {
          const Array& g = u.leaves[i];
          out.push_back(np::sign(np::add(np::multiply(1.0 - b1, g), np::multiply(b1, mu0[i]))));
          s.slots["mu"].push_back(moment(g, mu0[i], b2, 1));
        }
        return FlatUpdate{std::move(out), std::move(s)};
      });
}

GradientTransformation scale_by_trust_ratio(double min_norm, double trust_coefficient, double eps) {
  return GradientTransformation(
      "scale_by_trust_ratio", empty_state,
      [=](const FlatTree& u, const OptState&, const FlatTree* params) {
        const FlatTree& p = detail::need_params("scale_by_trust_ratio", params);
        return FlatUpdate{map_leaves(u,
                                     [&](size_t i, const Array& g) {
                                       Array pn = safe_norm(p.leaves[i], min_norm);
                                       Array un = safe_norm(g, min_norm);
                                       Array tr = np::divide(np::multiply(trust_coefficient, pn),
                                                             np::add(un, eps));
                                       Array zero =
                                           np::logical_or(np::equal(pn, 0.0), np::equal(un, 0.0));
                                       return np::multiply(g, np::where(zero, 1.0, tr));
                                     }),
                          OptState{}};
      });
}

namespace {
// The two largest axes (d1: second largest, d0: largest), or none when the
// leaf is not factored (optax._factored_dims).
std::optional<std::pair<int, int>> factored_dims(const Shape& shape, const FactoredRmsOptions& o) {
  int nd = int(shape.size());
  if (!o.factored || nd < 2) return std::nullopt;
  std::vector<int> idx(static_cast<size_t>(nd), 0);
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return shape[a] < shape[b]; });
  if (shape[idx[size_t(nd - 2)]] < o.min_dim_size_to_factor) return std::nullopt;
  return std::pair{idx[size_t(nd - 2)], idx[size_t(nd - 1)]};
}
Shape drop_axis(const Shape& s, int axis) {
  std::vector<int64_t> dims;
  for (int i = 0; i < int(s.size()); ++i)
    if (i != axis) dims.push_back(s[i]);
  return Shape(dims);
}
}  // namespace

GradientTransformation scale_by_factored_rms(FactoredRmsOptions o) {
  return GradientTransformation(
      "scale_by_factored_rms",
      [o](const FlatTree& p) {
        OptState s;
        s.scalars["count"] = detail::zero_count();
        for (const Array& x : p.leaves) {
          Array one = np::zeros({1}, x.dtype());
          if (auto d = factored_dims(x.shape(), o)) {
            s.slots["v_row"].push_back(np::zeros(drop_axis(x.shape(), d->second), x.dtype()));
            s.slots["v_col"].push_back(np::zeros(drop_axis(x.shape(), d->first), x.dtype()));
            s.slots["v"].push_back(one);
          } else {
            s.slots["v_row"].push_back(one);
            s.slots["v_col"].push_back(one);
            s.slots["v"].push_back(np::zeros_like(x));
          }
        }
        return s;
      },
      [o](const FlatTree& u, const OptState& state, const FlatTree* params) {
        const char* op = "scale_by_factored_rms";
        const FlatTree& p = detail::need_params(op, params);
        const Leaves& vr0 = detail::slot(op, state, "v_row", u);
        const Leaves& vc0 = detail::slot(op, state, "v_col", u);
        const Leaves& v0 = detail::slot(op, state, "v", u);
        const Array& count = detail::scalar(op, state, "count");
        // decay_t = 1 - (step - offset + 1)^-decay_rate
        Array t = np::astype(np::add(np::subtract(count, int(o.step_offset)), 1), float32);
        Array decay = np::subtract(1.0, np::power(t, -o.decay_rate));
        OptState s;
        s.scalars["count"] = detail::safe_increment(count);
        Leaves out;
        for (size_t i = 0; i < u.size(); ++i) {
          const Array& g = u.leaves[i];
          DType dt = p.leaves[i].dtype();
          Array one = np::zeros({1}, dt);
          Array g2 = np::add(np::square(g), o.epsilon);
          Array keep = np::subtract(1.0, decay);
          if (auto d = factored_dims(p.leaves[i].shape(), o)) {
            auto [d1, d0] = *d;
            Array vr = np::astype(
                np::add(np::multiply(decay, vr0[i]), np::multiply(keep, np::mean(g2, d0))), dt);
            Array vc = np::astype(
                np::add(np::multiply(decay, vc0[i]), np::multiply(keep, np::mean(g2, d1))), dt);
            int reduced_d1 = d1 > d0 ? d1 - 1 : d1;
            Array row_col_mean = np::mean(vr, reduced_d1, true);
            Array row_factor = np::power(np::divide(vr, row_col_mean), -0.5);
            Array col_factor = np::power(vc, -0.5);
            out.push_back(np::multiply(np::multiply(g, np::expand_dims(row_factor, d0)),
                                       np::expand_dims(col_factor, d1)));
            s.slots["v_row"].push_back(vr);
            s.slots["v_col"].push_back(vc);
            s.slots["v"].push_back(one);
          } else {
            Array v = np::astype(np::add(np::multiply(decay, v0[i]), np::multiply(keep, g2)), dt);
            out.push_back(np::multiply(g, np::power(v, -0.5)));
            s.slots["v_row"].push_back(one);
            s.slots["v_col"].push_back(one);
            s.slots["v"].push_back(v);
          }
        }
        return FlatUpdate{std::move(out), std::move(s)};
      });
}

GradientTransformation scale_by_param_block_rms(double min_scale) {
  return GradientTransformation(
      "scale_by_param_block_rms", empty_state,
      [min_scale](const FlatTree& u, const OptState&, const FlatTree* params) {
        const FlatTree& p = detail::need_params("scale_by_param_block_rms", params);
        return FlatUpdate{map_leaves(u,
                                     [&](size_t i, const Array& g) {
                                       return np::multiply(g, safe_rms(p.leaves[i], min_scale));
                                     }),
                          OptState{}};
      });
}

GradientTransformation clip(double max_delta) {
  return GradientTransformation(
      "clip", empty_state, [max_delta](const FlatTree& u, const OptState&, const FlatTree*) {
        return FlatUpdate{
            map_leaves(u,
                       [&](size_t, const Array& g) { return np::clip(g, -max_delta, max_delta); }),
            OptState{}};
      });
}

GradientTransformation clip_by_block_rms(double threshold) {
  return GradientTransformation(
      "clip_by_block_rms", empty_state,
      [threshold](const FlatTree& u, const OptState&, const FlatTree*) {
        return FlatUpdate{
            map_leaves(u,
                       [&](size_t, const Array& g) {
                         Array denom = np::maximum(
                             1.0, np::divide(np::sqrt(np::mean(np::square(g))), threshold));
                         return np::divide(g, denom);
                       }),
            OptState{}};
      });
}

GradientTransformation clip_by_global_norm(double max_norm) {
  return GradientTransformation(
      "clip_by_global_norm", empty_state,
      [max_norm](const FlatTree& u, const OptState&, const FlatTree*) {
        Array norm = global_norm_flat(u.leaves);
        Array trigger = np::less(norm, max_norm);
        return FlatUpdate{
            map_leaves(u,
                       [&](size_t, const Array& g) {
                         return np::where(
                             trigger, g,
                             np::multiply(np::divide(g, np::astype(norm, g.dtype())), max_norm));
                       }),
            OptState{}};
      });
}

GradientTransformation add_decayed_weights(double weight_decay, Mask mask) {
  GradientTransformation tx(
      "add_decayed_weights", empty_state,
      [weight_decay](const FlatTree& u, const OptState&, const FlatTree* params) {
        const FlatTree& p = detail::need_params("add_decayed_weights", params);
        return FlatUpdate{map_leaves(u,
                                     [&](size_t i, const Array& g) {
                                       return np::add(g, np::multiply(weight_decay, p.leaves[i]));
                                     }),
                          OptState{}};
      });
  if (mask.is_none()) return tx;
  return masked(std::move(tx), std::move(mask));
}

GradientTransformation zero_nans() {
  return GradientTransformation(
      "zero_nans",
      [](const FlatTree& p) {
        OptState s;
        for (size_t i = 0; i < p.size(); ++i)
          s.slots["found_nan"].push_back(np::full({}, false, bool_));
        return s;
      },
      [](const FlatTree& u, const OptState&, const FlatTree*) {
        OptState s;
        Leaves& found = s.slots["found_nan"];
        Leaves out = map_leaves(u, [&](size_t, const Array& g) {
          Array nan = np::isnan(g);
          found.push_back(np::any(nan));
          return np::where(nan, np::zeros_like(g), g);
        });
        return FlatUpdate{std::move(out), std::move(s)};
      });
}

}  // namespace jx::optim
