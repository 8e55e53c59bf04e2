// Key paths and leaf names (tree::flatten_with_path, keystr), the names
// checkpoints store.
#include <gtest/gtest.h>

#include "jx/jx.h"
#include "test_util.h"

namespace kp {
struct Linear {
  jx::Array weight, bias;
};
JX_TREE(Linear, weight, bias);
struct Model {
  std::vector<Linear> layers;
  std::map<std::string, jx::Array> extra;
  int depth = 2;
  std::optional<jx::Array> head;
};
JX_TREE(Model, layers, extra, depth, head);
struct Adam {
  jx::Array count;
  std::map<std::string, jx::Array> mu, nu;
};
JX_TREE(Adam, count, mu, nu);
struct TrainState {
  Model params;
  Adam opt_state;
};
JX_TREE(TrainState, params, opt_state);
}  // namespace kp

namespace {
using jx::tree::PathEntry;
using K = PathEntry::Kind;

jx::Array s(float v) { return jxt::scalar(v); }

TEST(KeyPath, NamesOfNestedStructs) {
  kp::Model m{{{s(1), s(2)}, {s(3), s(4)}}, {{"b'x", s(5)}, {"a", s(6)}}, 2, std::nullopt};
  kp::TrainState st{m, {s(0), {{"w", s(7)}}, {{"w", s(8)}}}};
  std::vector<std::string> want = {
      "params.layers[0].weight", "params.layers[0].bias", "params.layers[1].weight",
      "params.layers[1].bias",   "params.extra['a']",     "params.extra['b\\'x']",
      "opt_state.count",         "opt_state.mu['w']",     "opt_state.nu['w']"};
  EXPECT_EQ(jx::tree::leaf_names(st), want);
}

TEST(KeyPath, FlattenWithPathPairsLeavesAndPaths) {
  std::tuple<jx::Array, std::vector<jx::Array>> t{s(1), {s(2), s(3)}};
  auto [pairs, def] = jx::tree::flatten_with_path(t);
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(def, jx::tree::structure(t));
  EXPECT_EQ(pairs[0].first, (jx::tree::KeyPath{{K::Sequence, 0, ""}}));
  EXPECT_EQ(pairs[2].first, (jx::tree::KeyPath{{K::Sequence, 1, ""}, {K::Sequence, 1, ""}}));
  EXPECT_EQ(pairs[2].second.item<float>(), 3.f);
  EXPECT_EQ(jx::tree::keystr(pairs[2].first), "[1][1]");
}

TEST(KeyPath, KeystrRules) {
  using jx::tree::keystr;
  EXPECT_EQ(keystr({}), "");
  EXPECT_EQ(keystr({{K::Attr, 0, "w"}}), "w");
  EXPECT_EQ(keystr({{K::Dict, 0, "a.b['c']"}}), "a.b['c']");  // a top-level key is verbatim
  EXPECT_EQ(keystr({{K::Sequence, 3, ""}, {K::Attr, 0, "w"}}), "[3].w");
  EXPECT_EQ(keystr({{K::Attr, 0, "mu"}, {K::Dict, 0, "a\\b"}}), "mu['a\\\\b']");
}

TEST(KeyPath, MapOfArraysIsNamedByItsKeys) {
  std::map<std::string, jx::Array> m{{"conv1.weight", s(1)}, {"fc.bias", s(2)}};
  EXPECT_EQ(jx::tree::leaf_names(m), (std::vector<std::string>{"conv1.weight", "fc.bias"}));
  EXPECT_EQ(jx::tree::leaf_names(s(1)), (std::vector<std::string>{""}));
  EXPECT_EQ(jx::tree::leaf_names(std::vector<jx::Array>{s(1), s(2)}),
            (std::vector<std::string>{"[0]", "[1]"}));
}

}  // namespace
