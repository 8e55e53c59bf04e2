// jx::np products and convolutions: matmul (1-D promotion, broadcast batch
// dims), dot, vdot, inner, outer, tensordot, einsum (explicit and implicit
// outputs, ellipsis broadcasting, diagonals and traces, several operands,
// the greedy pairwise order, one dot_general per pair), diagonal, trace,
// convolve and correlate (values from NumPy 2.4), against naive loops in
// long double; error messages; and gradients through einsum and matmul.
#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <random>
#include <sstream>

#include "jx/check_grads.h"
#include "jx/numpy_contract.h"
#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace np = jx::np;
namespace lx = jx::lax;
using jx::Array;
using jx::DType;
using jx::Shape;
using Arrays = std::vector<Array>;

Array random_array(DType dt, const Shape& s, std::mt19937& rng) {
  HostBuf b(dt, s.numel());
  std::uniform_int_distribution<int> small(-3, 3);
  for (int64_t i = 0; i < s.numel(); ++i) {
    long double v = small(rng);
    if (dt.is_unsigned_int() && v < 0) v = -v;
    store_ld(dt, b.data(), i, v);
  }
  return b.to_array(s);
}

std::vector<long double> values(const Array& a) {
  std::vector<long double> v(size_t(a.size()));
  for (int64_t i = 0; i < a.size(); ++i) v[size_t(i)] = load_ld(a.dtype(), a.data(), i);
  return v;
}

// Naive einsum over explicit labels (no ellipsis): sums the product over
// every assignment of the labels.
std::vector<long double> ref_einsum(const std::string& spec, const Arrays& ops, Shape* out_shape) {
  std::string lhs = spec.substr(0, spec.find("->")), out = spec.substr(spec.find("->") + 2);
  std::vector<std::string> terms;
  std::stringstream ss(lhs);
  for (std::string t; std::getline(ss, t, ',');) terms.push_back(t);
  std::map<char, int64_t> size;
  for (size_t k = 0; k < terms.size(); ++k)
    for (size_t d = 0; d < terms[k].size(); ++d) size[terms[k][d]] = ops[k].shape()[d];
  std::string labels;
  for (auto [c, s] : size) labels += c;
  Shape os;
  for (char c : out) os.push_back(size[c]);
  *out_shape = os;
  std::vector<long double> res(size_t(os.numel()), 0);
  int64_t total = 1;
  for (char c : labels) total *= size[c];
  std::map<char, int64_t> at;
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t r = flat;
    for (size_t i = labels.size(); i-- > 0;) {
      at[labels[i]] = r % size[labels[i]];
      r /= size[labels[i]];
    }
    long double p = 1;
    for (size_t k = 0; k < terms.size(); ++k) {
      int64_t off = 0;
      for (size_t d = 0; d < terms[k].size(); ++d) off = off * ops[k].shape()[d] + at[terms[k][d]];
      p *= load_ld(ops[k].dtype(), ops[k].data(), off);
    }
    int64_t o = 0;
    for (size_t d = 0; d < out.size(); ++d) o = o * os[d] + at[out[d]];
    res[size_t(o)] += p;
  }
  return res;
}

void expect_values(const Array& got, const Shape& shape, const std::vector<long double>& want, const std::string& what) {
  ASSERT_EQ(got.shape(), shape) << what;
  auto g = values(got);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(g[i], want[i]) << what << " at " << i;
}

// ---------------------------------------------------------------- einsum
struct EinsumCase {
  std::string spec;        // as passed to np::einsum
  std::string explicit_;   // the same with explicit output, for the reference
  std::vector<Shape> shapes;
};

TEST(Einsum, MatchesReference) {
  const std::vector<EinsumCase> cases = {
      {"ij,jk->ik", "ij,jk->ik", {{2, 3}, {3, 4}}},
      {"ij,jk", "ij,jk->ik", {{2, 3}, {3, 4}}},
      {"ji,jk", "ji,jk->ik", {{3, 2}, {3, 4}}},
      {"ij->ji", "ij->ji", {{2, 3}}},
      {"ii->i", "ii->i", {{4, 4}}},
      {"ii", "ii->", {{4, 4}}},
      {"iij->j", "iij->j", {{3, 3, 2}}},
      {"iji->j", "iji->j", {{3, 2, 3}}},
      {"ii,ij->j", "ii,ij->j", {{3, 3}, {3, 4}}},
      {"i,i->", "i,i->", {{5}, {5}}},
      {"i,j->ij", "i,j->ij", {{3}, {4}}},
      {"i->", "i->", {{6}}},
      {"ij->", "ij->", {{2, 3}}},
      {"ij,ij->ij", "ij,ij->ij", {{2, 3}, {2, 3}}},
      {"ij,ji->", "ij,ji->", {{2, 3}, {3, 2}}},
      {"bij,bjk->bik", "bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}},
      {"bij,bjk->kbi", "bij,bjk->kbi", {{2, 3, 4}, {2, 4, 5}}},
      {"ijk,jil->kl", "ijk,jil->kl", {{2, 3, 4}, {3, 2, 5}}},
      {"abc,cd,dbe->ae", "abc,cd,dbe->ae", {{2, 3, 4}, {4, 5}, {5, 3, 2}}},
      {"ab,bc,cd,de->ae", "ab,bc,cd,de->ae", {{2, 3}, {3, 4}, {4, 2}, {2, 3}}},
      {"a,b,c->abc", "a,b,c->abc", {{2}, {3}, {2}}},
      {"ab,ab,ab->a", "ab,ab,ab->a", {{3, 2}, {3, 2}, {3, 2}}},
      {"ij,k->", "ij,k->", {{2, 3}, {4}}},
      {"i,i,i->i", "i,i,i->i", {{4}, {4}, {4}}},
      {"Ab,bC->CA", "Ab,bC->CA", {{2, 3}, {3, 4}}},
      {"ij,jk->ik", "ij,jk->ik", {{0, 3}, {3, 4}}},
      {"ij,jk->ik", "ij,jk->ik", {{2, 0}, {0, 4}}},
  };
  std::mt19937 rng(1);
  for (DType dt : {jx::float32, jx::float64, jx::int32}) {
    for (const EinsumCase& c : cases) {
      Arrays ops;
      for (const Shape& s : c.shapes) ops.push_back(random_array(dt, s, rng));
      Shape os;
      auto want = ref_einsum(c.explicit_, ops, &os);
      Array y = np::einsum(c.spec, ops);
      EXPECT_EQ(y.dtype(), dt);
      expect_values(y, os, want, c.spec + " " + std::string(dt.name()));
    }
  }
}

TEST(Einsum, EllipsisBroadcasts) {
  std::mt19937 rng(2);
  Array a = random_array(jx::float64, {2, 1, 3, 4}, rng), b = random_array(jx::float64, {5, 4, 2}, rng);
  Array y = np::einsum("...ij,...jk->...ik", {a, b});
  EXPECT_EQ(y.shape(), (Shape{2, 5, 3, 2}));
  EXPECT_EQ(values(y), values(np::matmul(a, b)));
  EXPECT_EQ(values(np::einsum("...ij,...jk", {a, b})), values(y));  // implicit: ellipsis first
  Array x = random_array(jx::float64, {2, 3, 4}, rng);
  EXPECT_EQ(values(np::einsum("...->...", {x})), values(x));
  EXPECT_EQ(values(np::einsum("i...->...", {x})), values(np::sum(x, 0)));
  EXPECT_EQ(np::einsum("...ii->...i", {random_array(jx::float64, {2, 3, 3}, rng)}).shape(), (Shape{2, 3}));
}

TEST(Einsum, MixedDtypesPromote) {
  Array a = array<int32_t>({1, 2, 3}), b = array<float>({0.5f, 1.f, 2.f});
  Array y = np::einsum("i,i->", {a, b});
  EXPECT_EQ(y.dtype(), jx::float32);
  EXPECT_EQ(y.item<float>(), 8.5f);
  EXPECT_EQ(np::einsum("i,i->", {a, a}, jx::int64).dtype(), jx::int64);
}

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(Einsum, OneDotGeneralPerPairInGreedyOrder) {
  std::vector<jx::Aval> avals{{jx::float32, {2, 100}}, {jx::float32, {100, 100}}, {jx::float32, {100, 3}}};
  auto j = jx::make_jaxpr_flat([](std::span<const Array> in) {
    return Arrays{np::einsum("ij,jk,kl->il", {in[0], in[1], in[2]})};
  }, avals);
  std::string text = j.str();
  EXPECT_EQ(count_of(text, "dot_general"), 2) << text;
  // Smallest intermediate first: (2,100)·(100,100) gives f32[2,100].
  size_t first = text.find("dot_general");
  size_t line_start = text.rfind('\n', first);
  EXPECT_NE(text.substr(line_start, first - line_start).find("f32[2,100]"), std::string::npos) << text;
  EXPECT_EQ(count_of(text, "transpose"), 0) << text;
}

TEST(Einsum, Errors) {
  Array a = jx::np::zeros({2, 3}), b = jx::np::zeros({4, 5});
  auto has = [](const std::string& m, const std::string& s) { EXPECT_NE(m.find(s), std::string::npos) << m; };
  has(error_of([&] { np::einsum("ij,jk->ik", {a}); }), "[einsum] subscripts \"ij,jk->ik\" name 2 operands, got 1");
  has(error_of([&] { np::einsum("ij,jk->ik", {a, b}); }), "size of label 'j' for operand 1 (4) does not match previous terms (3)");
  has(error_of([&] { np::einsum("ijk", {a}); }), "operand 0 has shape (2, 3) but subscripts \"ijk\" name 3 dimensions");
  has(error_of([&] { np::einsum("i1", {a}); }), "invalid character '1'");
  has(error_of([&] { np::einsum("ij->iz", {a}); }), "output subscript 'z' does not appear in the inputs");
  has(error_of([&] { np::einsum("ij->ii", {a}); }), "output subscript 'i' appears more than once");
  has(error_of([&] { np::einsum("..i..", {a}); }), "invalid ellipsis");
  has(error_of([&] { np::einsum("...i,...i", {jx::np::zeros({2, 3}), jx::np::zeros({4, 3})}); }), "do not broadcast");
}

TEST(Einsum, Gradients) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-1, 1);
  auto rnd = [&](const Shape& s) {
    std::vector<double> v(size_t(s.numel()));
    for (double& x : v) x = u(rng);
    return array(v, s);
  };
  Arrays args{rnd({2, 3, 4}), rnd({4, 2}), rnd({2, 3, 2})};
  jx::FlatFn f = [](std::span<const Array> in) { return Arrays{np::einsum("abc,cd,dbe->ae", {in[0], in[1], in[2]})}; };
  jx::test::check_grads(f, args, 2);
  Arrays args2{rnd({3, 3, 2})};
  jx::FlatFn g = [](std::span<const Array> in) { return Arrays{np::einsum("iij->j", {in[0]})}; };
  jx::test::check_grads(g, args2, 2);
}

// ---------------------------------------------------------------- matmul & co
TEST(Contract, MatmulShapesAndValues) {
  std::mt19937 rng(4);
  struct Case {
    Shape a, b, out;
    std::string ref;  // an equivalent explicit einsum (after broadcasting a / b)
  };
  const std::vector<Case> cases = {
      {{3}, {3}, {}, "i,i->"},
      {{2, 3}, {3}, {2}, "ij,j->i"},
      {{3}, {3, 4}, {4}, "j,jk->k"},
      {{2, 3}, {3, 4}, {2, 4}, "ij,jk->ik"},
      {{5, 2, 3}, {3, 4}, {5, 2, 4}, "bij,jk->bik"},
      {{2, 3}, {5, 3, 4}, {5, 2, 4}, "ij,bjk->bik"},
      {{5, 2, 3}, {5, 3, 4}, {5, 2, 4}, "bij,bjk->bik"},
      {{3}, {5, 3, 4}, {5, 4}, "j,bjk->bk"},
      {{5, 2, 3}, {3}, {5, 2}, "bij,j->bi"},
  };
  for (const Case& c : cases) {
    Array a = random_array(jx::float64, c.a, rng), b = random_array(jx::float64, c.b, rng);
    Shape os;
    auto want = ref_einsum(c.ref, {a, b}, &os);
    expect_values(np::matmul(a, b), c.out, want, c.ref);
  }
  // Broadcast batch dims: size-1 and missing dims stretch without copies.
  Array a = random_array(jx::float64, {2, 1, 3, 4}, rng), b = random_array(jx::float64, {5, 4, 2}, rng);
  Array y = np::matmul(a, b);
  EXPECT_EQ(y.shape(), (Shape{2, 5, 3, 2}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j)
      EXPECT_EQ(values(y[i][j]), values(np::matmul(a[i][0], b[j])));
  Array c = random_array(jx::float64, {3, 1, 4, 2}, rng), d = random_array(jx::float64, {1, 6, 2, 5}, rng);
  Array z = np::matmul(c, d);
  EXPECT_EQ(z.shape(), (Shape{3, 6, 4, 5}));
  EXPECT_EQ(values(z[2][4]), values(np::matmul(c[2][0], d[0][4])));
  // Dtypes promote.
  EXPECT_EQ(np::matmul(array<int32_t>({1, 2}), array<float>({1.f, 1.f})).dtype(), jx::float32);
  EXPECT_EQ(np::matmul(array<int8_t>({100, 100}), array<int8_t>({2, 1}), jx::int32).item<int>(), 300);
}

TEST(Contract, MatmulErrors) {
  auto has = [](const std::string& m, const std::string& s) { EXPECT_NE(m.find(s), std::string::npos) << m; };
  has(error_of([] { np::matmul(np::zeros({}), np::zeros({3})); }),
      "[matmul] input operand 0 does not have enough dimensions (has 0, requires 1)");
  has(error_of([] { np::matmul(np::zeros({2, 3}), np::zeros({4, 2})); }),
      "[matmul] contracting dimensions differ: shapes (2, 3) and (4, 2) (3 != 4)");
  has(error_of([] { np::matmul(np::zeros({2, 2, 3}), np::zeros({3, 3, 2})); }), "[matmul] ");
  std::string m = error_of([] { np::matmul(np::zeros({2, 3}), np::zeros({4, 2})); });
  EXPECT_NE(m.find("contract_test.cpp"), std::string::npos) << m;
}

TEST(Contract, DotInnerOuterVdot) {
  std::mt19937 rng(5);
  Array a = random_array(jx::float64, {2, 3, 4}, rng), b = random_array(jx::float64, {5, 4, 6}, rng);
  Shape os;
  auto want = ref_einsum("abk,ckd->abcd", {a, b}, &os);
  expect_values(np::dot(a, b), os, want, "dot N-D");
  Array v = random_array(jx::float64, {4}, rng);
  want = ref_einsum("abk,k->ab", {a, v}, &os);
  expect_values(np::dot(a, v), os, want, "dot N-D . 1-D");
  EXPECT_EQ(values(np::dot(a, 2.0)), values(a * 2.0));
  EXPECT_EQ(np::dot(array<int32_t>({1, 2}), array<int32_t>({3, 4})).item<int>(), 11);
  Array c = random_array(jx::float64, {5, 4}, rng);
  want = ref_einsum("abk,ck->abc", {a, c}, &os);
  expect_values(np::inner(a, c), os, want, "inner");
  want = ref_einsum("i,j->ij", {np::ravel(a), np::ravel(c)}, &os);
  expect_values(np::outer(a, c), os, want, "outer");
  Array e = random_array(jx::float64, {6, 4}, rng);
  want = ref_einsum("i,i->", {np::ravel(a), np::ravel(e)}, &os);
  expect_values(np::vdot(a, e), os, want, "vdot");
  EXPECT_NE(error_of([&] { np::dot(a, c); }).find("[dot] shapes (2, 3, 4) and (5, 4) not aligned: 4 (dim 2) != 5 (dim 0)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { np::vdot(a, c); }).find("[vdot] operands must have the same size"), std::string::npos);
}

TEST(Contract, Tensordot) {
  std::mt19937 rng(6);
  Array a = random_array(jx::float64, {2, 3, 4}, rng), b = random_array(jx::float64, {3, 4, 5}, rng);
  Shape os;
  auto want = ref_einsum("ajk,jkb->ab", {a, b}, &os);
  expect_values(np::tensordot(a, b), os, want, "tensordot 2");
  want = ref_einsum("ijk,jkb->ib", {a, b}, &os);
  expect_values(np::tensordot(a, b, {{1, 2}, {0, 1}}), os, want, "tensordot pairs");
  Array c = random_array(jx::float64, {4, 3, 6}, rng);
  want = ref_einsum("ijk,kjb->ib", {a, c}, &os);
  expect_values(np::tensordot(a, c, {{-1, 1}, {0, 1}}), os, want, "tensordot crossed");
  want = ref_einsum("ajk,kbc->ajbc", {a, c}, &os);
  expect_values(np::tensordot(a, c, {2, 0}), os, want, "tensordot single pair");
  want = ref_einsum("ajk,bcd->ajkbcd", {a, c}, &os);
  expect_values(np::tensordot(a, c, 0), os, want, "tensordot 0");
  EXPECT_NE(error_of([&] { np::tensordot(a, c, 2); }).find("[tensordot] shape mismatch for sum"), std::string::npos);
  EXPECT_NE(error_of([&] { np::tensordot(a, c, 4); }).find("exceeds the rank"), std::string::npos);
}

TEST(Contract, DiagonalAndTrace) {
  Array x = np::reshape(np::arange(24, jx::float64), {2, 3, 4});
  // x[i, j, k] = 12 i + 4 j + k
  Array d = np::diagonal(x, 0, 1, 2);  // (2, 3): x[i, t, t]
  EXPECT_EQ(d.shape(), (Shape{2, 3}));
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{0, 5, 10, 12, 17, 22}));
  EXPECT_EQ(np::diagonal(x, 1, 1, 2).to_vector<double>(), (std::vector<double>{1, 6, 11, 13, 18, 23}));
  EXPECT_EQ(np::diagonal(x, -1, 1, 2).to_vector<double>(), (std::vector<double>{4, 9, 16, 21}));
  EXPECT_EQ(np::diagonal(x, 5, 1, 2).shape(), (Shape{2, 0}));
  EXPECT_EQ(np::diagonal(x, 0, 2, 0).to_vector<double>(), (std::vector<double>{0, 13, 4, 17, 8, 21}));  // (3, 2)
  EXPECT_EQ(np::trace(x, 0, 1, 2).to_vector<double>(), (std::vector<double>{15, 51}));
  Array m = np::reshape(np::arange(9, jx::int32), {3, 3});
  EXPECT_EQ(np::trace(m).item<int>(), 12);
  EXPECT_EQ(np::trace(m, 1).item<int>(), 6);
  EXPECT_EQ(np::trace(m, -2).item<int>(), 6);
  EXPECT_NE(error_of([&] { np::diagonal(np::zeros({3})); }).find("[diagonal] requires an array of at least two dimensions"),
            std::string::npos);
  EXPECT_NE(error_of([&] { np::trace(m, 0, 1, -1); }).find("[trace] axis1 and axis2 cannot be the same"), std::string::npos);
}

TEST(Contract, ConvolveAndCorrelateMatchNumPy) {
  Array a = array<double>({1, 2, 3, 4, 5}), v = array<double>({1, -2, 4});
  using V = std::vector<double>;
  // Values from NumPy 2.4.
  EXPECT_EQ(np::convolve(a, v).to_vector<double>(), (V{1, 0, 3, 6, 9, 6, 20}));
  EXPECT_EQ(np::convolve(a, v, "same").to_vector<double>(), (V{0, 3, 6, 9, 6}));
  EXPECT_EQ(np::convolve(a, v, "valid").to_vector<double>(), (V{3, 6, 9}));
  EXPECT_EQ(np::convolve(v, a, "same").to_vector<double>(), (V{0, 3, 6, 9, 6}));
  EXPECT_EQ(np::correlate(a, v, "full").to_vector<double>(), (V{4, 6, 9, 12, 15, -6, 5}));
  EXPECT_EQ(np::correlate(a, v, "same").to_vector<double>(), (V{6, 9, 12, 15, -6}));
  EXPECT_EQ(np::correlate(a, v).to_vector<double>(), (V{9, 12, 15}));
  EXPECT_EQ(np::correlate(v, a, "full").to_vector<double>(), (V{5, -6, 15, 12, 9, 6, 4}));
  EXPECT_EQ(np::correlate(v, a, "same").to_vector<double>(), (V{-6, 15, 12, 9, 6}));
  EXPECT_EQ(np::correlate(v, a, "valid").to_vector<double>(), (V{15, 12, 9}));
  EXPECT_EQ(np::correlate(array<double>({1, 2}), array<double>({1, 2, 3, 4}), "same").to_vector<double>(), (V{11, 8, 5, 2}));
  EXPECT_EQ(np::convolve(array<double>({1, 2}), array<double>({1, 2, 3, 4}), "same").to_vector<double>(), (V{1, 4, 7, 10}));
  // Integers become floating unless preferred_element_type says otherwise.
  Array ai = array<int32_t>({1, 2, 3}), vi = array<int32_t>({1, 1});
  EXPECT_EQ(np::convolve(ai, vi).dtype(), jx::float32);
  Array pi = np::convolve(ai, vi, "full", jx::int32);
  EXPECT_EQ(pi.dtype(), jx::int32);
  EXPECT_EQ(pi.to_vector<int>(), (std::vector<int>{1, 3, 5, 3}));
  EXPECT_NE(error_of([&] { np::convolve(a, v, "middle"); }).find("[convolve] mode must be one of"), std::string::npos);
  EXPECT_NE(error_of([&] { np::correlate(np::zeros({2, 2}), v); }).find("[correlate] only supports 1-dimensional inputs"),
            std::string::npos);
  EXPECT_NE(error_of([&] { np::convolve(np::zeros({0}), v); }).find("inputs cannot be empty"), std::string::npos);
}

TEST(Contract, GradientsThroughMatmul) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  auto rnd = [&](const Shape& s) {
    std::vector<double> v(size_t(s.numel()));
    for (double& x : v) x = u(rng);
    return array(v, s);
  };
  Arrays args{rnd({2, 1, 3, 4}), rnd({5, 4, 2})};
  jx::FlatFn f = [](std::span<const Array> in) { return Arrays{np::matmul(in[0], in[1])}; };
  jx::test::check_grads(f, args, 2);
  Arrays args2{rnd({7}), rnd({3})};
  jx::FlatFn g = [](std::span<const Array> in) { return Arrays{np::convolve(in[0], in[1], "same")}; };
  jx::test::check_grads(g, args2, 2);
}

}  // namespace
}  // namespace jxt
