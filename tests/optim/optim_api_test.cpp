// jx::optim's interface beyond optax's numbers: params of any pytree type,
// masks and labels in every form, the state as a pytree, traceability
// (schedules under jit, gradients through an update), hand-derived values
// and the error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/optim.h"

namespace np = jx::np;
namespace optim = jx::optim;
using jx::Array;

namespace {
struct Net {
  Array w, b;
  std::vector<Array> extra;
  int depth = 2;  // static: not a leaf
};
JX_TREE(Net, w, b, extra, depth);

struct NetLabels {
  std::string w, b;
  std::vector<std::string> extra;
  int depth = 2;
};
JX_TREE(NetLabels, w, b, extra, depth);

Net make_net() {
  return Net{np::array({{1.f, 2.f}, {3.f, 4.f}}),
             np::array({0.5f, -0.5f}),
             {np::array({1.f, -1.f, 2.f})},
             2};
}
Net grads_of(const Net& p) {
  return jx::tree::map([](const Array& x) { return np::multiply(x, 0.1); }, p);
}
std::vector<float> vec(const Array& x) { return x.to_vector<float>(); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const jx::Error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(OptimApi, StructParamsAndSgdByHand) {
  Net p = make_net();
  auto opt = optim::sgd(0.5, {.momentum = 0.9});
  optim::OptState s = opt.init(p);
  auto [u1, s1] = opt.update(grads_of(p), s, p);
  // trace = g; update = -lr * g
  EXPECT_EQ(vec(u1.w), (std::vector<float>{-0.05f, -0.1f, -0.15f, -0.2f}));
  auto [u2, s2] = opt.update(grads_of(p), s1, p);
  // trace = g + 0.9 g = 1.9 g
  EXPECT_NEAR(vec(u2.b)[0], -0.5 * 1.9 * 0.05, 1e-7);
  Net q = optim::apply_updates(p, u2);
  EXPECT_EQ(q.depth, 2);
  EXPECT_NEAR(vec(q.extra[0])[2], 2.0 - 0.5 * 1.9 * 0.2, 1e-6);
}

TEST(OptimApi, StateIsAPytree) {
  Net p = make_net();
  auto opt = optim::chain(optim::clip_by_global_norm(1.0), optim::adamw(1e-3));
  optim::OptState s = opt.init(p);
  // chain{clip{}, chain{adam{count, mu[3], nu[3]}, decay{}, scale{}}}
  EXPECT_EQ(jx::tree::num_leaves(s), 7u);
  EXPECT_EQ(s.kind, "chain");
  EXPECT_EQ(s.inner[1].inner[0].kind, "scale_by_adam");
  EXPECT_EQ(s.inner[1].inner[0].scalars.at("count").dtype(), jx::int32);
  auto doubled = jx::tree::map([](const Array& x) { return np::add(x, x); }, s);
  EXPECT_TRUE(jx::tree::all_equal_structure(doubled, s));
  auto [u, s1] = opt.update(grads_of(p), s, p);
  EXPECT_EQ(jx::tree::structure(s1), jx::tree::structure(s));
  auto [leaves, def] = jx::tree::flatten(s1);
  optim::OptState back = jx::tree::unflatten<optim::OptState>(def, leaves);
  EXPECT_EQ(back.inner[1].inner[0].scalars.at("count").item<int32_t>(), 1);
}

TEST(OptimApi, MaskForms) {
  Net p = make_net();
  Net g = grads_of(p);
  auto run = [&](optim::Mask m) {
    auto opt = optim::masked(optim::scale(0.0), m);
    return opt.update(g, opt.init(p), p).first;
  };
  // Matrices only, by a (path, leaf) function: w is zeroed, the rest pass.
  Net a = run([](const std::string&, const Array& x) { return x.ndim() > 1; });
  EXPECT_EQ(vec(a.w), std::vector<float>(4, 0.f));
  EXPECT_EQ(vec(a.b), vec(g.b));
  // By path.
  Net b = run([](const std::string& path, const Array&) { return path == ".b"; });
  EXPECT_EQ(vec(b.b), std::vector<float>(2, 0.f));
  EXPECT_EQ(vec(b.w), vec(g.w));
  // Flat vector.
  Net c = run(std::vector<bool>{false, false, true});
  EXPECT_EQ(vec(c.extra[0]), std::vector<float>(3, 0.f));
  // From a function of the params.
  Net d = run(optim::Mask::from_params<Net>([](const Net& n) {
    return std::vector<bool>{n.w.ndim() == 2, false, false};
  }));
  EXPECT_EQ(vec(d.w), std::vector<float>(4, 0.f));
  EXPECT_EQ(vec(d.b), vec(g.b));
}

TEST(OptimApi, LabelsFormsForMultiTransform) {
  Net p = make_net();
  Net g = grads_of(p);
  std::map<std::string, optim::GradientTransformation> txs{{"freeze", optim::set_to_zero()},
                                                           {"sgd", optim::sgd(1.0)}};
  auto check = [&](optim::Labels l) {
    auto opt = optim::multi_transform(txs, l);
    Net u = opt.update(g, opt.init(p), p).first;
    EXPECT_EQ(vec(u.w), std::vector<float>(4, 0.f));
    EXPECT_EQ(vec(u.b), vec(np::negative(g.b)));
    EXPECT_EQ(vec(u.extra[0]), vec(np::negative(g.extra[0])));
  };
  check(NetLabels{"freeze", "sgd", {"sgd"}, 2});
  check([](const std::string& path, const Array&) -> std::string {
    return path == ".w" ? "freeze" : "sgd";
  });
  check(std::vector<std::string>{"freeze", "sgd", "sgd"});
  check(optim::Labels::from_params<Net>([](const Net& n) {
    return NetLabels{"freeze", "sgd", std::vector<std::string>(n.extra.size(), "sgd"), n.depth};
  }));
}

TEST(OptimApi, MultiStepsHasUpdated) {
  Net p = make_net();
  optim::MultiSteps opt(optim::sgd(1.0), 2);
  optim::OptState s = opt.init(p);
  auto [u1, s1] = opt.update(grads_of(p), s, p);
  EXPECT_FALSE(optim::MultiSteps::has_updated(s1).item<bool>());
  EXPECT_EQ(vec(u1.b), std::vector<float>(2, 0.f));
  auto [u2, s2] = opt.update(grads_of(p), s1, p);
  EXPECT_TRUE(optim::MultiSteps::has_updated(s2).item<bool>());
  EXPECT_EQ(vec(u2.b), vec(np::negative(grads_of(p).b)));  // mean of two equal grads
}

TEST(OptimApi, IncrementalUpdateAndGlobalNorm) {
  Net p = make_net();
  Net z = jx::tree::map([](const Array& x) { return np::zeros_like(x); }, p);
  Net e = optim::incremental_update(p, z, 0.25);  // parameter EMA
  EXPECT_EQ(vec(e.w), (std::vector<float>{0.25f, 0.5f, 0.75f, 1.f}));
  // 1+4+9+16 + 0.25+0.25 + 1+1+4
  EXPECT_NEAR(optim::global_norm(p).item<float>(), std::sqrt(36.5), 1e-5);
}

TEST(OptimApi, ScheduleTracesUnderJit) {
  auto sched = optim::warmup_cosine_decay_schedule(0.0, 1.0, 3, 10, 0.05);
  auto f = jx::jit([sched](const Array& step) { return sched(step); });
  for (int i = 0; i < 12; ++i)
    EXPECT_FLOAT_EQ(f(np::full({}, i, jx::int32)).item<float>(), sched(i).item<float>());
  EXPECT_EQ(f.num_compiles(), 1u);
}

// d/dp of a loss after one momentum-SGD step whose grads depend on p
// (a meta-gradient), against central finite differences.
TEST(OptimApi, GradThroughUpdate) {
  auto opt = optim::chain(optim::clip_by_global_norm(10.0), optim::adam(0.1));
  auto loss = [opt](const Array& p) {
    std::vector<Array> params{p};
    std::vector<Array> grads{np::sin(p)};
    auto [u, s] = opt.update(grads, opt.init(params), params);
    return np::sum(np::square(optim::apply_updates(params, u)[0]));
  };
  Array p = np::array({0.3f, -1.2f, 2.0f});
  std::vector<float> g = vec(jx::grad(loss)(p));
  for (int i = 0; i < 3; ++i) {
    double h = 1e-2;
    std::vector<float> lo = vec(p), hi = vec(p);
    lo[size_t(i)] -= float(h);
    hi[size_t(i)] += float(h);
    double fd = (loss(np::array(hi)).item<float>() - loss(np::array(lo)).item<float>()) / (2 * h);
    EXPECT_NEAR(g[size_t(i)], fd, 2e-2 * std::max(1.0, std::fabs(fd))) << i;
  }
}

TEST(OptimApi, Errors) {
  Net p = make_net();
  auto adam = optim::adam(1e-3);
  optim::OptState s = adam.init(p);
  EXPECT_NE(error_of([&] { optim::sgd(0.1).update(grads_of(p), s, p); })
                .find("[optim.identity] the state was made by init of 'scale_by_adam', not of this "
                      "'identity'"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              optim::lion(0.1).update(grads_of(p), s, p);
            }).find("[optim.chain] the state holds 2 inner states for a chain of 3"),
            std::string::npos);
  std::vector<Array> two{np::zeros({2, 2}), np::zeros({2})};
  EXPECT_NE(error_of([&] { adam.update(two, s, two); }).find("'mu' buffers but the updates have 2"),
            std::string::npos);
  EXPECT_NE(error_of([&] { adam.update(grads_of(p), s, two); }).find("grads and params differ"),
            std::string::npos);
  auto adamw = optim::adamw(1e-3);
  EXPECT_NE(error_of([&] {
              adamw.update(grads_of(p), adamw.init(p));
            }).find("add_decayed_weights needs the params"),
            std::string::npos);
  std::map<std::string, optim::GradientTransformation> txs{{"a", optim::sgd(1.0)}};
  std::map<std::string, Array> mp{{"x", np::zeros({2})}, {"y", np::zeros({2})}};
  EXPECT_NE(error_of([&] {
              optim::multi_transform(txs, std::map<std::string, std::string>{{"x", "a"}}).init(mp);
            })
                .find("[optim.multi_transform] the labels tree has no entry for the leaf ['y'] "
                      "(its entries: ['x'])"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              optim::multi_transform(txs,
                                     std::map<std::string, std::string>{{"x", "a"}, {"y", "b"}})
                  .init(mp);
            }).find("the leaf ['y'] has label 'b' but no transformation has that name (have 'a')"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              optim::masked(optim::sgd(1.0),
                            std::map<std::string, bool>{{"x", true}, {"y", true}, {"z", false}})
                  .init(mp);
            })
                .find("[optim.masked] the mask tree has an entry at ['z'] but the params have no "
                      "leaf there"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { optim::cosine_decay_schedule(1.0, 0); }).find("decay_steps must be positive"),
      std::string::npos);
  EXPECT_NE(error_of([] {
              optim::join_schedules({optim::constant_schedule(1.0)}, {3});
            }).find("one boundary between each pair"),
            std::string::npos);
  // Errors name the caller's line.
  EXPECT_NE(error_of([&] { adam.update(grads_of(p), s, two); }).find("optim_api_test.cpp:"),
            std::string::npos);
}
