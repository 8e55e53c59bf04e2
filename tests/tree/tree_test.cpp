// jx::tree: flatten/unflatten round trips for every container kind and for
// nested JX_TREE structs, leaf order, TreeDef text/equality/hash (static
// values included), tree::map over several trees, and the error messages.
#include "jx/tree.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include "jx/jx.h"

// A struct in a named namespace: JX_TREE goes in the same namespace.
namespace models {
struct Mlp {
  std::vector<jx::Array> weights;
  std::string activation = "relu";
};
JX_TREE(Mlp, weights, activation);
}  // namespace models

namespace np = jx::np;
namespace tree = jx::tree;
using jx::Array;
using tree::TreeDef;

namespace {

enum class Activation { Relu = 1, Tanh = 2 };

struct Params {
  Array w, b;
};
JX_TREE(Params, w, b);

struct Layer {
  Params params;
  int width = 0;
  Activation act = Activation::Relu;
  std::string name;
  double scale = 1.0;
  bool bias = true;
  std::optional<Array> mask;
};
JX_TREE(Layer, params, width, act, name, scale, bias, mask);

struct Model {
  std::vector<Layer> layers;
  std::map<std::string, Array> buffers;
  std::tuple<Array, int> extra;
};
JX_TREE(Model, layers, buffers, extra);

// 17 fields: the macro must cope with more than 16.
struct Wide {
  Array f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15;
  int f16 = 0;
};
JX_TREE(Wide, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16);

Array scalar(float v) { return np::array({v}); }
float value(const Array& a) { return a.to_vector<float>().at(0); }

std::vector<float> values(const std::vector<Array>& xs) {
  std::vector<float> out;
  for (const Array& x : xs)
    for (float v : x.to_vector<float>()) out.push_back(v);
  return out;
}

// Flattens x, rebuilds it both ways from leaves + 100, and checks the leaves.
template <class T>
void expect_round_trip(const T& x, const std::vector<float>& want_leaves,
                       const std::string& want_def) {
  auto [leaves, def] = tree::flatten(x);
  EXPECT_EQ(values(leaves), want_leaves);
  EXPECT_EQ(def.str(), want_def);
  EXPECT_EQ(def.num_leaves(), int(leaves.size()));
  EXPECT_EQ(tree::num_leaves(x), leaves.size());
  EXPECT_EQ(tree::structure(x), def);
  std::vector<Array> shifted;
  for (const Array& l : leaves) shifted.push_back(l + 100.f);
  std::vector<float> want_shifted;
  for (float v : want_leaves) want_shifted.push_back(v + 100.f);

  T rebuilt = tree::unflatten<T>(def, shifted);
  EXPECT_EQ(tree::structure(rebuilt), def);
  EXPECT_EQ(values(tree::leaves(rebuilt)), want_shifted);

  T like = tree::unflatten_like(x, shifted);
  EXPECT_EQ(tree::structure(like), def);
  EXPECT_EQ(values(tree::leaves(like)), want_shifted);
}

Layer make_layer(float w, int width, std::string name) {
  Layer l;
  l.params = {scalar(w), scalar(w + 1)};
  l.width = width;
  l.name = std::move(name);
  return l;
}

// ---------------------------------------------------------------- round trips

TEST(TreeFlatten, SingleArray) { expect_round_trip(np::array({1.f, 2.f}), {1, 2}, "PyTreeDef(*)"); }

TEST(TreeFlatten, Vector) {
  expect_round_trip(std::vector<Array>{scalar(1), scalar(2), scalar(3)}, {1, 2, 3},
                    "PyTreeDef([*, *, *])");
  expect_round_trip(std::vector<Array>{}, {}, "PyTreeDef([])");
}

TEST(TreeFlatten, StdArray) {
  expect_round_trip(std::array<Array, 2>{scalar(4), scalar(5)}, {4, 5}, "PyTreeDef([*, *])");
}

TEST(TreeFlatten, TupleAndPair) {
  expect_round_trip(
      std::tuple<Array, std::vector<Array>, int>{scalar(1), {scalar(2), scalar(3)}, 7}, {1, 2, 3},
      "PyTreeDef((*, [*, *], 7))");
  expect_round_trip(std::pair<Array, Array>{scalar(1), scalar(2)}, {1, 2}, "PyTreeDef((*, *))");
  expect_round_trip(std::tuple<Array>{scalar(9)}, {9}, "PyTreeDef((*,))");
}

TEST(TreeFlatten, MapInKeyOrder) {
  std::map<std::string, Array> m{{"b", scalar(2)}, {"a", scalar(1)}, {"c", scalar(3)}};
  expect_round_trip(m, {1, 2, 3}, "PyTreeDef({'a': *, 'b': *, 'c': *})");
}

TEST(TreeFlatten, Optional) {
  using Opt = std::vector<std::optional<Array>>;
  expect_round_trip(Opt{scalar(1), std::nullopt, scalar(3)}, {1, 3}, "PyTreeDef([*, None, *])");
  Opt rebuilt = tree::unflatten<Opt>(tree::structure(Opt{std::nullopt, scalar(1)}),
                                     std::vector<Array>{scalar(5)});
  ASSERT_EQ(rebuilt.size(), 2u);
  EXPECT_FALSE(rebuilt[0].has_value());
  ASSERT_TRUE(rebuilt[1].has_value());
  EXPECT_EQ(value(*rebuilt[1]), 5.f);
}

TEST(TreeFlatten, Struct) {
  expect_round_trip(Params{scalar(1), scalar(2)}, {1, 2}, "PyTreeDef(Params(w=*, b=*))");
}

TEST(TreeFlatten, NestedStructsWithStatics) {
  Model m;
  m.layers = {make_layer(1, 8, "in"), make_layer(3, 4, "out")};
  m.layers[1].mask = scalar(5);
  m.layers[1].act = Activation::Tanh;
  m.layers[1].scale = 0.5;
  m.buffers = {{"step", scalar(7)}, {"ema", scalar(6)}};
  m.extra = {scalar(8), 42};
  expect_round_trip(
      m, {1, 2, 3, 4, 5, 6, 7, 8},
      "PyTreeDef(Model(layers=["
      "Layer(params=Params(w=*, b=*), width=8, act=1, name='in', scale=1.0, bias=True, mask=None), "
      "Layer(params=Params(w=*, b=*), width=4, act=2, name='out', scale=0.5, bias=True, mask=*)], "
      "buffers={'ema': *, 'step': *}, extra=(*, 42)))");

  // unflatten<T> takes the static values from the TreeDef alone.
  auto [leaves, def] = tree::flatten(m);
  Model back = tree::unflatten<Model>(def, leaves);
  ASSERT_EQ(back.layers.size(), 2u);
  EXPECT_EQ(back.layers[0].width, 8);
  EXPECT_EQ(back.layers[1].width, 4);
  EXPECT_EQ(back.layers[1].name, "out");
  EXPECT_EQ(back.layers[1].act, Activation::Tanh);
  EXPECT_EQ(back.layers[1].scale, 0.5);
  EXPECT_FALSE(back.layers[0].mask.has_value());
  EXPECT_EQ(value(*back.layers[1].mask), 5.f);
  EXPECT_EQ(std::get<1>(back.extra), 42);
  EXPECT_EQ(value(back.buffers.at("ema")), 6.f);
}

TEST(TreeFlatten, StructInNamedNamespace) {
  models::Mlp m{{scalar(1), scalar(2)}, "gelu"};
  expect_round_trip(m, {1, 2}, "PyTreeDef(Mlp(weights=[*, *], activation='gelu'))");
  EXPECT_EQ(tree::unflatten<models::Mlp>(tree::structure(m), tree::leaves(m)).activation, "gelu");
}

TEST(TreeFlatten, StructWithSeventeenFields) {
  Wide w;
  Array* fields[] = {&w.f0, &w.f1, &w.f2,  &w.f3,  &w.f4,  &w.f5,  &w.f6,  &w.f7,
                     &w.f8, &w.f9, &w.f10, &w.f11, &w.f12, &w.f13, &w.f14, &w.f15};
  std::vector<float> want;
  for (int i = 0; i < 16; ++i) {
    *fields[i] = scalar(float(i));
    want.push_back(float(i));
  }
  w.f16 = 3;
  auto [leaves, def] = tree::flatten(w);
  EXPECT_EQ(values(leaves), want);
  EXPECT_EQ(def.nodes()[0].keys.back(), "f16");
  EXPECT_EQ(tree::unflatten<Wide>(def, leaves).f16, 3);
}

TEST(TreeFlatten, StaticFloatsRoundTripExactly) {
  using T = std::tuple<double, float, double, int64_t, bool>;
  T x{0.1, 0.1f, -1e300, int64_t(-1) << 40, false};
  TreeDef def = tree::structure(x);
  EXPECT_EQ(def.str(), "PyTreeDef((0.1, 0.1, -1e+300, -1099511627776, False))");
  EXPECT_EQ(tree::unflatten<T>(def, {}), x);
}

// ---------------------------------------------------------------- TreeDef

TEST(TreeDef, StaticValuesArePartOfTheStructure) {
  Layer a = make_layer(1, 8, "l");
  Layer b = make_layer(1, 16, "l");  // differs only in the int field
  TreeDef da = tree::structure(a), db = tree::structure(b);
  EXPECT_NE(da, db);
  EXPECT_NE(da.hash(), db.hash());
  EXPECT_FALSE(tree::all_equal_structure(a, b));
  Layer c = make_layer(9, 8, "l");  // differs only in array values
  EXPECT_EQ(da, tree::structure(c));
  EXPECT_EQ(da.hash(), tree::structure(c).hash());
  EXPECT_TRUE(tree::all_equal_structure(a, c));

  std::unordered_set<TreeDef> seen{da, db, tree::structure(c)};
  EXPECT_EQ(seen.size(), 2u);

  // int 3 and float 3.0 are different statics, as in Python.
  EXPECT_NE(tree::structure(std::tuple<int>{3}), tree::structure(std::tuple<double>{3.0}));
  EXPECT_EQ(tree::structure(std::tuple<double>{3.0}).str(), "PyTreeDef((3.0,))");
}

TEST(TreeDef, BuildersMatchFlatten) {
  // The Python bindings build TreeDefs without a C++ type.
  TreeDef leaf = TreeDef::make_leaf();
  std::vector<TreeDef> pair{leaf, leaf};
  std::vector<TreeDef> dict_children{TreeDef::make_static("int", "3"), leaf};
  TreeDef d = TreeDef::make_dict({"z", "a"}, dict_children);  // sorted: a, z
  std::vector<TreeDef> top{leaf, TreeDef::make_list(pair), d};
  TreeDef built = TreeDef::make_tuple(top);
  EXPECT_EQ(built.str(), "PyTreeDef((*, [*, *], {'a': *, 'z': 3}))");

  std::tuple<Array, std::vector<Array>, std::map<std::string, Array>> x{
      scalar(1), {scalar(2), scalar(3)}, {{"b", scalar(4)}}};
  std::vector<TreeDef> b_child{leaf};
  std::vector<TreeDef> top2{leaf, TreeDef::make_list(pair), TreeDef::make_dict({"b"}, b_child)};
  EXPECT_EQ(TreeDef::make_tuple(top2), tree::structure(x));
  EXPECT_EQ(tree::structure(x).str(), "PyTreeDef((*, [*, *], {'b': *}))");

  std::vector<TreeDef> fields{leaf, leaf};
  EXPECT_EQ(TreeDef::make_struct("Params", {"w", "b"}, fields),
            tree::structure(Params{scalar(1), scalar(2)}));
  EXPECT_EQ(built.num_leaves(), 4);
  ASSERT_EQ(built.children().size(), 3u);
  EXPECT_EQ(built.children()[2], d);
  EXPECT_EQ(TreeDef::make_none().str(), "PyTreeDef(None)");
}

// ---------------------------------------------------------------- leaves order

TEST(TreeLeaves, DepthFirstInFieldElementKeyOrder) {
  std::vector<std::pair<Params, std::map<std::string, Array>>> x{
      {Params{scalar(1), scalar(2)}, {{"y", scalar(4)}, {"x", scalar(3)}}},
      {Params{scalar(5), scalar(6)}, {}},
  };
  EXPECT_EQ(values(tree::leaves(x)), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(tree::num_leaves(x), 6u);
}

// ---------------------------------------------------------------- map / reduce

TEST(TreeMap, OneTree) {
  Layer l = make_layer(1, 8, "l");
  Layer doubled = tree::map([](const Array& a) { return a * 2.f; }, l);
  EXPECT_EQ(value(doubled.params.w), 2.f);
  EXPECT_EQ(value(doubled.params.b), 4.f);
  EXPECT_EQ(doubled.width, 8);
  EXPECT_EQ(doubled.name, "l");
}

TEST(TreeMap, TwoTreesSgdStep) {
  Params p{np::array({1.f, 2.f}), scalar(3)};
  Params g{np::array({10.f, 20.f}), scalar(30)};
  Params q = tree::map([](auto a, auto b) { return a - 0.1f * b; }, p, g);
  EXPECT_EQ(q.w.to_vector<float>(), (std::vector<float>{0.f, 0.f}));
  EXPECT_EQ(value(q.b), 0.f);
}

TEST(TreeMap, ThreeTrees) {
  using M = std::map<std::string, Array>;
  M a{{"x", scalar(1)}, {"y", scalar(2)}}, b{{"x", scalar(10)}, {"y", scalar(20)}},
      c{{"x", scalar(100)}, {"y", scalar(200)}};
  M s =
      tree::map([](const Array& x, const Array& y, const Array& z) { return x + y + z; }, a, b, c);
  EXPECT_EQ(value(s.at("x")), 111.f);
  EXPECT_EQ(value(s.at("y")), 222.f);
}

TEST(TreeMap, MismatchedStructuresReportBoth) {
  auto add = [](const Array& x, const Array& y) { return x + y; };
  std::vector<Array> a{scalar(1), scalar(2)}, b{scalar(1)};
  try {
    tree::map(add, a, b);
    FAIL() << "expected jx::Error";
  } catch (const jx::Error& e) {
    EXPECT_EQ(e.op(), "tree.map");
    EXPECT_EQ(std::string(e.what()),
              "[tree.map] tree structures differ: PyTreeDef([*, *]) vs PyTreeDef([*])");
  }
  using M = std::map<std::string, Array>;
  EXPECT_THROW(tree::map(add, M{{"a", scalar(1)}}, M{{"b", scalar(1)}}), jx::Error);
  using O = std::optional<Array>;
  EXPECT_THROW(tree::map(add, O{scalar(1)}, O{}), jx::Error);
  try {
    tree::map(add, make_layer(1, 8, "l"), make_layer(1, 16, "l"));
    FAIL() << "expected jx::Error";
  } catch (const jx::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("width=8"), std::string::npos) << msg;
    EXPECT_NE(msg.find("width=16"), std::string::npos) << msg;
  }
}

TEST(TreeReduce, SumsLeavesInOrder) {
  std::vector<Array> xs{scalar(1), scalar(2), scalar(3)};
  float total = tree::reduce([](float acc, const Array& a) { return acc + value(a); }, xs, 0.f);
  EXPECT_EQ(total, 6.f);
  std::string order = tree::reduce(
      [](std::string acc, const Array& a) { return acc + std::to_string(int(value(a))); }, xs,
      std::string());
  EXPECT_EQ(order, "123");
}

// ---------------------------------------------------------------- errors

TEST(TreeUnflatten, WrongLeafCount) {
  Params p{scalar(1), scalar(2)};
  TreeDef def = tree::structure(p);
  std::vector<Array> three{scalar(1), scalar(2), scalar(3)};
  try {
    tree::unflatten<Params>(def, three);
    FAIL() << "expected jx::Error";
  } catch (const jx::Error& e) {
    EXPECT_EQ(e.op(), "tree.unflatten");
    EXPECT_NE(std::string(e.what()).find("expected 2 leaves, got 3"), std::string::npos)
        << e.what();
    EXPECT_NE(e.where().find("tree_test.cpp"), std::string::npos) << e.what();
  }
  std::vector<Array> one{scalar(1)};
  try {
    tree::unflatten_like(p, one);
    FAIL() << "expected jx::Error";
  } catch (const jx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected 2 leaves, got 1"), std::string::npos)
        << e.what();
  }
}

TEST(TreeUnflatten, TreeDefOfAnotherType) {
  TreeDef def = tree::structure(std::vector<Array>{scalar(1), scalar(2)});
  std::vector<Array> two{scalar(1), scalar(2)};
  try {
    tree::unflatten<Params>(def, two);
    FAIL() << "expected jx::Error";
  } catch (const jx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected a Params struct, got a list node [*, *]"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW((tree::unflatten<std::array<Array, 3>>(def, two)), jx::Error);
  // A static double where the type has an int.
  TreeDef with_double = tree::structure(std::tuple<Array, double>{scalar(1), 2.0});
  std::vector<Array> one{scalar(1)};
  EXPECT_THROW((tree::unflatten<std::tuple<Array, int>>(with_double, one)), jx::Error);
}

}  // namespace
