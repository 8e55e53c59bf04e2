// jx::nn tree helpers: partition/combine round trips (by dtype, by mask, by
// path), Partial<T> through grad and jit, tree_at, inference_mode, leaf
// paths, filter_value_and_grad with an integer leaf, and their errors.
#include "jx/nn/filter.h"

#include <gtest/gtest.h>

#include "jx/jx.h"
#include "jx/nn.h"
#include "nn/layers_fixture.h"

namespace np = jx::np;
namespace nn = jx::nn;
using jx::Array;
using jxt::nn::close;

namespace filter_test {

struct Model {
  nn::Linear encoder;
  nn::Linear head;
  Array step;  // an integer leaf: not differentiable
  nn::Dropout drop{0.5};
  Array operator()(const Array& x) const { return head(np::tanh(encoder(x))); }
};
JX_TREE(Model, encoder, head, step, drop);

Model make() {
  auto [k1, k2] = jx::random::split2(jx::random::key(0));
  return Model{nn::Linear(3, 4, k1), nn::Linear(4, 2, k2), np::array({7}), nn::Dropout(0.5)};
}

bool same_leaves(const Model& a, const Model& b) {
  auto la = jx::tree::leaves(a), lb = jx::tree::leaves(b);
  if (la.size() != lb.size()) return false;
  for (size_t i = 0; i < la.size(); ++i)
    if (la[i].impl_ptr() != lb[i].impl_ptr()) return false;
  return jx::tree::structure(a) == jx::tree::structure(b);
}

TEST(NnFilter, PartitionCombineRoundTrip) {
  Model m = make();
  auto [params, rest] = nn::partition(m, nn::is_inexact_array);
  EXPECT_EQ(params.num_present(), 4u);
  EXPECT_EQ(rest.num_present(), 1u);
  EXPECT_EQ(jx::tree::num_leaves(params), 4u);  // a pytree of the present leaves only
  EXPECT_TRUE(same_leaves(nn::combine(params, rest), m));
  EXPECT_TRUE(same_leaves(nn::combine(rest, params), m));
  auto [all, none] = nn::partition(m, nn::is_array);
  EXPECT_EQ(none.num_present(), 0u);
  EXPECT_TRUE(same_leaves(nn::combine(all), m));
  try {
    nn::combine(params);
    FAIL();
  } catch (const jx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[nn.combine] leaf 4 of"), std::string::npos) << e.what();
  }
}

TEST(NnFilter, LeafPathsAndPathPartition) {
  Model m = make();
  std::vector<std::string> want{".encoder.weight", ".encoder.bias", ".head.weight", ".head.bias",
                                ".step"};
  EXPECT_EQ(nn::leaf_paths(m), want);
  std::map<std::string, std::vector<Array>> d{{"a", {np::ones({1}), np::ones({1})}}};
  EXPECT_EQ(nn::leaf_paths(d), (std::vector<std::string>{"['a'][0]", "['a'][1]"}));
  auto [trainable, frozen] = nn::partition_by_path(m, [](std::string_view p, const Array& x) {
    return p.starts_with(".head") && nn::is_inexact_array(x);
  });
  EXPECT_EQ(trainable.num_present(), 2u);
  EXPECT_TRUE(same_leaves(nn::combine(trainable, frozen), m));
}

TEST(NnFilter, MaskWhereFreezesASubtree) {
  Model m = make();
  nn::LeafMask mask = nn::mask_where(m, [](Model& x) { return std::tie(x.head); });
  EXPECT_EQ(mask.keep, (std::vector<bool>{false, false, true, true, false}));
  auto [head, rest] = nn::partition(m, mask);
  // Gradient of the head only; the encoder is frozen (closed over).
  auto loss = [&](const nn::Partial<Model>& h, const Array& x) {
    return np::sum(nn::combine(h, rest)(x));
  };
  Array x = np::ones({5, 3});
  nn::Partial<Model> g = jx::grad(loss)(head, x);
  EXPECT_EQ(g.num_present(), 2u);
  EXPECT_FALSE(g.leaves[0].has_value());
  auto full_g =
      nn::filter_grad([](const Model& mm, const Array& v) { return np::sum(mm(v)); })(m, x);
  EXPECT_TRUE(close(*g.leaves[2], *full_g.leaves[2], 1e-6, 1e-6));
  // Through jit: same values, and Partial<Model> is a cached signature.
  auto jg =
      jx::jit([&](const nn::Partial<Model>& h, const Array& v) { return jx::grad(loss)(h, v); });
  nn::Partial<Model> g2 = jg(head, x);
  EXPECT_TRUE(close(*g2.leaves[3], *g.leaves[3], 1e-6, 1e-6));
  jg(head, x);
  EXPECT_EQ(jg.num_compiles(), 1u);
  // tree::map over Partials (what an optimizer does).
  nn::Partial<Model> updated =
      jx::tree::map([](const Array& p, const Array& d) { return p - 0.1 * d; }, head, g);
  Model m2 = nn::combine(updated, rest);
  EXPECT_TRUE(close(m2.head.weight, m.head.weight - 0.1 * *g.leaves[2], 0, 0));
  EXPECT_TRUE(close(m2.encoder.weight, m.encoder.weight, 0, 0));
  EXPECT_THROW(nn::partition(m, nn::LeafMask{{true, false}}), jx::Error);
}

TEST(NnFilter, FilterValueAndGradSkipsIntegerLeaves) {
  Model m = make();
  Array x = np::ones({2, 3});
  // jx::grad refuses the integer leaf; filter_value_and_grad differentiates the floats.
  EXPECT_THROW(jx::grad([&](const Model& mm) { return np::sum(mm(x)); })(m), jx::Error);
  auto [v, g] = nn::filter_value_and_grad([](const Model& mm, const Array& xx) {
    return np::sum(mm(xx)) * np::astype(mm.step[0], jx::float32);
  })(m, x);
  EXPECT_NEAR(v.item<float>(), 7 * np::sum(m(x)).item<float>(), 1e-4);
  EXPECT_EQ(g.num_present(), 4u);
  EXPECT_FALSE(g.leaves[4].has_value());
  // d/d head.bias of 7 * sum(head(...)) over 2 rows is 14 per output.
  EXPECT_TRUE(close(*g.leaves[3], np::full({2}, 14.f), 1e-5, 1e-5));
  auto g2 = nn::filter_grad([](const Model& mm, const Array& xx) { return np::sum(mm(xx)); })(m, x);
  EXPECT_TRUE(close(*g2.leaves[3], np::full({2}, 2.f), 1e-6, 1e-6));
}

TEST(NnFilter, TreeAtAndInferenceMode) {
  Model m = make();
  nn::Linear other(4, 2, jx::random::key(9));
  Model a = nn::tree_at(&Model::head, m, other);
  EXPECT_EQ(a.head.weight.impl_ptr(), other.weight.impl_ptr());
  EXPECT_EQ(a.encoder.weight.impl_ptr(), m.encoder.weight.impl_ptr());
  EXPECT_EQ(m.head.weight.impl_ptr() == other.weight.impl_ptr(),
            false);  // the original is unchanged
  Model b = nn::tree_at(
      [](Model & x) -> auto& { return x.encoder.weight; }, m, np::zeros({4, 3}));
  EXPECT_TRUE(close(b.encoder.weight, np::zeros({4, 3}), 0, 0));
  Model c = nn::tree_at([](Model& x) { return std::tie(x.encoder.bias, x.step); }, m,
                        std::make_tuple(std::optional<Array>(np::ones({4})), np::array({1})));
  EXPECT_TRUE(close(*c.encoder.bias, np::ones({4}), 0, 0));
  EXPECT_EQ(c.step.to_vector<int32_t>()[0], 1);

  EXPECT_FALSE(m.drop.inference);
  Model inf = nn::inference_mode(m);
  EXPECT_TRUE(inf.drop.inference);
  EXPECT_FALSE(nn::inference_mode(inf, false).drop.inference);
  std::vector<nn::Dropout> v{nn::Dropout(0.1), nn::Dropout(0.2)};
  for (const auto& d : nn::inference_mode(v)) EXPECT_TRUE(d.inference);
  // The flag is static: a different TreeDef, so jit specializes on it.
  EXPECT_FALSE(jx::tree::structure(m) == jx::tree::structure(inf));
}

}  // namespace filter_test
