// jx::optim against optax: every optimizer, wrapper and schedule of the
// fixtures in tests/fixtures/optim (written by gen_optim_fixtures.py from
// optax on this machine) is run here on the same params and gradients, and
// the params after each step are compared (rtol 1e-5). The same steps jitted
// must equal the eager ones and compile once.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/optim.h"

namespace np = jx::np;
namespace optim = jx::optim;
using jx::Array;
using Tree = std::map<std::string, Array>;

namespace {

struct Fixture {
  Tree params;
  std::map<std::string, std::vector<Tree>> grads;  // set -> per step
  std::map<std::string, std::string> case_set;     // case -> grad set
  std::vector<std::string> case_order;
  std::map<std::string, std::map<int, std::map<std::string, std::vector<float>>>> expect;
  std::map<std::string, std::vector<float>> schedules;
};

std::vector<float> parse_values(std::istringstream& in) {
  std::vector<float> v;
  std::string tok;
  while (in >> tok) v.push_back(std::strtof(tok.c_str(), nullptr));
  return v;
}

std::vector<int64_t> parse_dims(const std::string& s) {
  std::vector<int64_t> d;
  std::stringstream ss(s);
  std::string t;
  while (std::getline(ss, t, ','))
    if (!t.empty()) d.push_back(std::stoll(t));
  return d;
}

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture f;
    std::map<std::string, jx::Shape> shapes;
    for (const char* file : {"optim/optim_steps.txt", "optim/optim_schedules.txt"}) {
      std::ifstream in(std::string(JX_FIXTURES_DIR) + "/" + file);
      EXPECT_TRUE(in.good()) << "cannot open fixture " << file;
      std::string line;
      while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::string kind, colon;
        ls >> kind;
        if (kind == "param") {
          std::string leaf, dims;
          ls >> leaf >> dims >> colon;
          shapes[leaf] = jx::Shape(parse_dims(dims));
          f.params[leaf] = np::array(parse_values(ls), shapes[leaf]);
        } else if (kind == "grad") {
          std::string set, leaf;
          int step;
          ls >> set >> step >> leaf >> colon;
          auto& seq = f.grads[set];
          if (int(seq.size()) <= step) seq.resize(size_t(step) + 1);
          seq[size_t(step)][leaf] = np::array(parse_values(ls), shapes.at(leaf));
        } else if (kind == "case") {
          std::string name, set;
          ls >> name >> set;
          f.case_set[name] = set;
          f.case_order.push_back(name);
        } else if (kind == "expect") {
          std::string name, leaf;
          int step;
          ls >> name >> step >> leaf >> colon;
          f.expect[name][step][leaf] = parse_values(ls);
        } else if (kind == "schedule") {
          std::string name;
          ls >> name >> colon;
          f.schedules[name] = parse_values(ls);
        }
      }
    }
    return f;
  }();
  return f;
}

// The optimizers of gen_optim_fixtures.py's CASES, built with jx::optim.
std::map<std::string, optim::GradientTransformation> cases() {
  std::map<std::string, bool> mask{{"b", false}, {"k", true}, {"w", true}};
  auto sched = optim::warmup_cosine_decay_schedule(0.0, 0.05, 2, 6, 0.01);
  std::map<std::string, optim::GradientTransformation> c;
  c.emplace("sgd", optim::sgd(0.1));
  c.emplace("sgd_momentum", optim::sgd(0.1, {.momentum = 0.9}));
  c.emplace("sgd_nesterov", optim::sgd(0.1, {.momentum = 0.9, .nesterov = true}));
  c.emplace("adam", optim::adam(0.01));
  c.emplace("adam_nesterov", optim::adam(0.01, {.b1 = 0.8, .nesterov = true}));
  c.emplace("adam_schedule", optim::adam(sched));
  c.emplace("adamw", optim::adamw(0.01, {.weight_decay = 0.1}));
  c.emplace("adamw_mask", optim::adamw(0.01, {.weight_decay = 0.1, .mask = mask}));
  c.emplace("lion", optim::lion(0.01, {.weight_decay = 0.01}));
  c.emplace("rmsprop", optim::rmsprop(0.01));
  c.emplace("rmsprop_centered_momentum", optim::rmsprop(0.01, {.centered = true, .momentum = 0.9}));
  c.emplace("rmsprop_nesterov_debiased", optim::rmsprop(0.01, {.initial_scale = 0.1,
                                                               .eps_in_sqrt = false,
                                                               .momentum = 0.5,
                                                               .nesterov = true,
                                                               .bias_correction = true}));
  c.emplace("adagrad", optim::adagrad(0.1));
  c.emplace("adafactor", optim::adafactor(0.01));
  c.emplace("adafactor_factored",
            optim::adafactor(
                0.01, {.min_dim_size_to_factor = 2, .momentum = 0.9, .weight_decay_rate = 0.01}));
  c.emplace("adafactor_no_lr", optim::adafactor(std::nullopt, {.min_dim_size_to_factor = 3}));
  c.emplace("lamb", optim::lamb(0.01, {.weight_decay = 0.01}));
  c.emplace("clip", optim::chain(optim::clip(0.3), optim::scale(-0.1)));
  c.emplace("clip_by_global_norm",
            optim::chain(optim::clip_by_global_norm(0.5), optim::scale(-0.1)));
  c.emplace("add_decayed_weights_mask",
            optim::chain(optim::add_decayed_weights(0.5, mask), optim::scale(-0.1)));
  c.emplace(
      "scale_by_adam",
      optim::chain(optim::scale_by_adam({.b1 = 0.8, .b2 = 0.9, .eps = 1e-6, .eps_root = 1e-8}),
                   optim::scale(-0.05)));
  c.emplace("scale_by_schedule",
            optim::chain(optim::scale_by_schedule(optim::exponential_decay(0.2, 2, 0.5)),
                         optim::scale(-1.0)));
  c.emplace(
      "scale_by_learning_rate",
      optim::scale_by_learning_rate(optim::piecewise_constant_schedule(0.1, {{2, 0.5}, {4, 0.1}})));
  c.emplace("masked", optim::masked(optim::adam(0.01), mask));
  c.emplace("multi_transform",
            optim::multi_transform(
                {{"adam", optim::adam(0.01)},
                 {"sgd", optim::sgd(0.1, {.momentum = 0.9})},
                 {"zero", optim::set_to_zero()}},
                std::map<std::string, std::string>{{"b", "sgd"}, {"k", "zero"}, {"w", "adam"}}));
  c.emplace("multi_steps", optim::MultiSteps(optim::adam(0.05), 2));
  c.emplace("multi_steps_sum", optim::MultiSteps(optim::sgd(0.1), 3, /*use_grad_mean=*/false));
  c.emplace("apply_if_finite", optim::apply_if_finite(optim::adam(0.01), 1));
  c.emplace("apply_if_finite_exceeded", optim::apply_if_finite(optim::sgd(0.1), 1));
  c.emplace("zero_nans", optim::chain(optim::zero_nans(), optim::sgd(0.1, {.momentum = 0.5})));
  c.emplace("ema", optim::chain(optim::ema(0.9), optim::scale(-0.1)));
  c.emplace("ema_no_debias", optim::chain(optim::ema(0.7, false), optim::scale(-0.1)));
  c.emplace("chain_clip_adamw", optim::chain(optim::clip_by_global_norm(1.0),
                                             optim::adamw(sched, {.weight_decay = 1e-4})));
  return c;
}

std::map<std::string, optim::Schedule> schedules() {
  std::map<std::string, optim::Schedule> s;
  s.emplace("constant", optim::constant_schedule(0.3));
  s.emplace("linear", optim::linear_schedule(1.0, 0.1, 5, 2));
  s.emplace("polynomial", optim::polynomial_schedule(1.0, 0.2, 2.0, 8));
  s.emplace("cosine_decay", optim::cosine_decay_schedule(1.0, 6, 0.1));
  s.emplace("cosine_decay_exponent", optim::cosine_decay_schedule(2.0, 8, 0.0, 2.0));
  s.emplace("warmup_cosine_decay", optim::warmup_cosine_decay_schedule(0.0, 1.0, 3, 10, 0.05));
  s.emplace("exponential_decay", optim::exponential_decay(1.0, 3, 0.5));
  s.emplace("exponential_decay_staircase",
            optim::exponential_decay(1.0, 3, 0.5, {.staircase = true}));
  s.emplace("exponential_decay_begin_end",
            optim::exponential_decay(2.0, 2, 0.5, {.transition_begin = 3, .end_value = 0.4}));
  s.emplace("exponential_growth_end", optim::exponential_decay(0.5, 2, 2.0, {.end_value = 3.0}));
  s.emplace("piecewise_constant", optim::piecewise_constant_schedule(1.0, {{3, 0.5}, {6, 0.1}}));
  s.emplace("join", optim::join_schedules(
                        {optim::constant_schedule(1.0), optim::linear_schedule(1.0, 0.0, 4)}, {4}));
  return s;
}

// The largest |got - want| / max(|want|, 1e-3) seen by close(), for the log.
double worst_rel = 0;

// NaN matches NaN, infinities match by sign, others within rtol/atol.
::testing::AssertionResult close(const std::vector<float>& got, const std::vector<float>& want,
                                 double rtol = 1e-5, double atol = 1e-6) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "sizes " << got.size() << " vs " << want.size();
  for (size_t i = 0; i < got.size(); ++i) {
    float g = got[i], w = want[i];
    if (std::isfinite(w) && std::isfinite(g))
      worst_rel =
          std::max(worst_rel, std::fabs(double(g) - w) / std::max(std::fabs(double(w)), 1e-3));
    bool ok = (std::isnan(g) && std::isnan(w)) || g == w ||
              (std::isfinite(w) && std::fabs(double(g) - w) <= atol + rtol * std::fabs(double(w)));
    if (!ok)
      return ::testing::AssertionFailure() << "element " << i << ": got " << g << ", optax " << w;
  }
  return ::testing::AssertionSuccess();
}

// Runs `opt` on the fixture's grad set; `step` does one update (eager or jitted).
using StepFn = std::function<std::pair<Tree, optim::OptState>(const Tree&, const optim::OptState&,
                                                              const Tree&)>;
std::vector<Tree> run(const optim::GradientTransformation& opt, const std::string& set,
                      const StepFn& step) {
  const Fixture& f = fixture();
  Tree params = f.params;
  optim::OptState state = opt.init(params);
  std::vector<Tree> out;
  for (const Tree& g : f.grads.at(set)) {
    std::tie(params, state) = step(params, state, g);
    out.push_back(params);
  }
  return out;
}

StepFn eager_step(const optim::GradientTransformation& opt) {
  return [opt](const Tree& p, const optim::OptState& s, const Tree& g) {
    auto [u, ns] = opt.update(g, s, p);
    return std::pair{optim::apply_updates(p, u), ns};
  };
}

}  // namespace

TEST(OptimOptax, EveryOptimizerMatchesOptax) {
  const Fixture& f = fixture();
  auto table = cases();
  ASSERT_FALSE(f.case_order.empty());
  std::set<std::string> seen;
  for (const std::string& name : f.case_order) {
    SCOPED_TRACE("case " + name);
    ASSERT_TRUE(table.count(name)) << "no jx::optim counterpart for fixture case " << name;
    seen.insert(name);
    std::vector<Tree> got = run(table.at(name), f.case_set.at(name), eager_step(table.at(name)));
    for (size_t s = 0; s < got.size(); ++s)
      for (const auto& [leaf, want] : f.expect.at(name).at(int(s) + 1))
        EXPECT_TRUE(close(got[s].at(leaf).to_vector<float>(), want))
            << "step " << s + 1 << " leaf " << leaf;
  }
  for (const auto& [name, opt] : table) EXPECT_TRUE(seen.count(name)) << name << " has no fixture";
  std::cout << "[optim] " << seen.size() << " optax cases, worst relative difference " << worst_rel
            << "\n";
}

TEST(OptimOptax, SchedulesMatchOptax) {
  const Fixture& f = fixture();
  auto table = schedules();
  ASSERT_EQ(f.schedules.size(), table.size());
  for (const auto& [name, want] : f.schedules) {
    SCOPED_TRACE("schedule " + name);
    ASSERT_TRUE(table.count(name));
    std::vector<float> got, got_array;
    for (int i = 0; i < int(want.size()); ++i) {
      got.push_back(table.at(name)(i).item<float>());
      got_array.push_back(table.at(name)(np::full({}, i, jx::int32)).item<float>());
    }
    EXPECT_TRUE(close(got, want));
    EXPECT_EQ(got, got_array);
  }
}

// The state pytree passes through jit: a jitted update step gives the eager
// results, and compiles once for all steps (the state's structure is stable).
TEST(OptimOptax, JittedStepEqualsEagerAndCompilesOnce) {
  const Fixture& f = fixture();
  auto table = cases();
  for (const std::string name :
       {"chain_clip_adamw", "adafactor_factored", "multi_transform", "multi_steps",
        "apply_if_finite", "zero_nans", "lion", "lamb", "masked", "scale_by_learning_rate"}) {
    SCOPED_TRACE("case " + name);
    const optim::GradientTransformation& opt = table.at(name);
    auto jitted = jx::jit([opt](const Tree& p, const optim::OptState& s, const Tree& g) {
      auto [u, ns] = opt.update(g, s, p);
      return std::pair{optim::apply_updates(p, u), ns};
    });
    std::vector<Tree> eager = run(opt, f.case_set.at(name), eager_step(opt));
    std::vector<Tree> jit = run(
        opt, f.case_set.at(name),
        [&](const Tree& p, const optim::OptState& s, const Tree& g) { return jitted(p, s, g); });
    EXPECT_EQ(jitted.num_compiles(), 1u);
    for (size_t s = 0; s < eager.size(); ++s)
      for (const auto& [leaf, x] : eager[s])
        EXPECT_TRUE(close(jit[s].at(leaf).to_vector<float>(), x.to_vector<float>(), 1e-6, 1e-7))
            << "step " << s + 1 << " leaf " << leaf;
  }
}
