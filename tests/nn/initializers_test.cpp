// jx::nn::initializers against jax.nn.initializers: the values for the same
// key (tests/fixtures/nn/initializers.txt, written by JAX), fans, shapes,
// dtypes, statistics and error messages.
#include "jx/nn/initializers.h"

#include <gtest/gtest.h>

#include <cmath>

#include "jx/jx.h"
#include "jx/random.h"
#include "nn/nn_fixtures.h"

namespace {

namespace ini = jx::nn::initializers;
using jx::Array;
using jx::Shape;
using jxt::nn::FixtureCase;

ini::Initializer build(const FixtureCase& c) {
  const std::string& n = c.name;
  if (n == "zeros") return ini::zeros();
  if (n == "ones") return ini::ones();
  if (n == "constant") return ini::constant(c.num("value"));
  if (n == "uniform") return ini::uniform(c.num("scale"));
  if (n == "normal") return ini::normal(c.num("stddev"));
  if (n == "truncated_normal")
    return ini::truncated_normal(c.num("stddev"), c.num("lower"), c.num("upper"));
  if (n == "variance_scaling")
    return ini::variance_scaling(c.num("scale"), c.at("mode"), c.at("distribution"),
                                 c.integer("in_axis"), c.integer("out_axis"), c.ints("batch_axis"));
  if (n == "glorot_uniform") return ini::glorot_uniform();
  if (n == "glorot_normal") return ini::glorot_normal();
  if (n == "xavier_uniform") return ini::xavier_uniform();
  if (n == "xavier_normal") return ini::xavier_normal();
  if (n == "he_uniform") return ini::he_uniform();
  if (n == "he_normal") return ini::he_normal();
  if (n == "kaiming_uniform") return ini::kaiming_uniform();
  if (n == "kaiming_normal") return ini::kaiming_normal();
  if (n == "lecun_uniform") return ini::lecun_uniform();
  if (n == "lecun_normal") return ini::lecun_normal();
  if (n == "orthogonal") return ini::orthogonal(c.num("scale"), c.integer("column_axis"));
  throw std::runtime_error("unknown initializer " + n);
}

Array key_of(const FixtureCase& c) {
  const std::string& s = c.at("key");
  auto comma = s.find(',');
  std::vector<uint32_t> w{uint32_t(std::stoul(s.substr(0, comma))),
                          uint32_t(std::stoul(s.substr(comma + 1)))};
  return jx::make_from_host(w.data(), jx::Aval{jx::uint32, Shape{2}, false}, jx::default_device());
}

// Whether jx reproduces JAX's draw bit for bit: everything but orthogonal,
// whose QR factorisation (Householder in jx, LAPACK in JAX) rounds differently.
bool exact_expected(const FixtureCase& c) { return c.name != "orthogonal"; }

TEST(NnInitializers, MatchJaxFixtures) {
  auto cases = jxt::nn::load_fixtures("initializers.txt");
  ASSERT_GT(cases.size(), 200u);
  int exact = 0, checked = 0;
  double worst_orthogonal = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.where());
    const Array& want = c.arrays.at(0);
    Array got = build(c)(key_of(c), c.shape(), want.dtype());
    ASSERT_EQ(got.shape(), want.shape());
    ASSERT_EQ(got.dtype(), want.dtype());
    ++checked;
    if (jxt::nn::same_bits(got, want)) {
      ++exact;
      continue;
    }
    EXPECT_FALSE(exact_expected(c)) << "expected bit-exact agreement with JAX";
    // QR: the orthogonal factor agrees to a few ulps of 1 (its entries are
    // O(1/sqrt(n)), so errors are measured against 1).
    double ulps = jxt::nn::max_rel_ulps(got, want, 1.0);
    worst_orthogonal = std::max(worst_orthogonal, ulps);
    EXPECT_LE(ulps, 16);
  }
  RecordProperty("bit_exact", std::to_string(exact) + "/" + std::to_string(checked));
  RecordProperty("orthogonal_worst_ulps", std::to_string(worst_orthogonal));
  EXPECT_EQ(checked, int(cases.size()));
  EXPECT_GT(exact, checked * 9 / 10);
}

TEST(NnInitializers, ComputeFans) {
  auto [fi, fo] = ini::compute_fans({784, 128});
  EXPECT_EQ(fi, 784);
  EXPECT_EQ(fo, 128);
  // Conv kernel (kh, kw, in, out): the receptive field multiplies both fans.
  std::tie(fi, fo) = ini::compute_fans({3, 5, 4, 8});
  EXPECT_EQ(fi, 3 * 5 * 4);
  EXPECT_EQ(fo, 3 * 5 * 8);
  // (out, in, kh, kw) with explicit axes and a batch axis.
  std::tie(fi, fo) = ini::compute_fans({8, 4, 3, 3}, 1, 0);
  EXPECT_EQ(fi, 4 * 9);
  EXPECT_EQ(fo, 8 * 9);
  std::tie(fi, fo) = ini::compute_fans({7, 5, 6}, -2, -1, {0});
  EXPECT_EQ(fi, 5);
  EXPECT_EQ(fo, 6);
}

TEST(NnInitializers, VarianceScalingStatistics) {
  // he_normal on a (256, 512) kernel: std sqrt(2 / 256) after truncation
  // correction; glorot_uniform: bounded by sqrt(6 / (fan_in + fan_out)).
  Array w = ini::he_normal()(jx::random::key(3), {256, 512}, jx::float32);
  double sd = jx::np::std(w).item<float>();
  EXPECT_NEAR(sd, std::sqrt(2.0 / 256), 0.02 * std::sqrt(2.0 / 256));
  EXPECT_LE(jx::np::max(jx::np::abs(w)).item<float>(), 2 * std::sqrt(2.0 / 256) / 0.8796 + 1e-6);
  Array u = ini::glorot_uniform()(jx::random::key(4), {300, 100}, jx::float32);
  double bound = std::sqrt(6.0 / 400);
  EXPECT_LE(jx::np::max(jx::np::abs(u)).item<float>(), bound);
  EXPECT_NEAR(jx::np::std(u).item<float>(), bound / std::sqrt(3.0), 0.02 * bound);
}

TEST(NnInitializers, OrthogonalIsOrthogonal) {
  namespace np = jx::np;
  // (3, 4, 5) with column_axis 1: viewed as a 15 x 4 matrix with orthonormal columns.
  Array q = ini::orthogonal(1.0, 1)(jx::random::key(5), {3, 4, 5}, jx::float32);
  ASSERT_EQ(q.shape(), Shape({3, 4, 5}));
  Array m = np::reshape(np::moveaxis(q, 1, -1), {15, 4});
  Array gram = np::matmul(np::transpose(m), m);
  EXPECT_TRUE(np::allclose(gram, np::eye(4), 0, 1e-5));
  // Wide: orthonormal rows, times scale.
  Array w = ini::orthogonal(3.0)(jx::random::key(6), {3, 7}, jx::float32);
  EXPECT_TRUE(np::allclose(np::matmul(w, np::transpose(w)), np::eye(3) * 9, 0, 1e-4));
  // A zero dimension gives zeros of that shape.
  EXPECT_EQ(ini::orthogonal()(jx::random::key(0), {0, 3}, jx::float32).shape(), Shape({0, 3}));
}

TEST(NnInitializers, ConstantsAndDtypes) {
  namespace np = jx::np;
  Array k = jx::random::key(0);
  Array z = ini::zeros()(k, {2, 3}, jx::int32);
  EXPECT_EQ(z.dtype(), jx::int32);
  EXPECT_TRUE(np::array_equal(z, np::zeros({2, 3}, jx::int32)));
  Array c = ini::constant(2.5)(k, {4}, jx::float64);
  EXPECT_EQ(c.dtype(), jx::float64);
  EXPECT_EQ(c.to_vector<double>(), std::vector<double>(4, 2.5));
  EXPECT_EQ(ini::ones()(k, {}, jx::bfloat16).dtype(), jx::bfloat16);
  // The same key gives the same values; another key other values.
  auto init = ini::lecun_uniform();
  EXPECT_TRUE(np::array_equal(init(k, {5, 5}, jx::float32), init(k, {5, 5}, jx::float32)));
  EXPECT_FALSE(
      np::array_equal(init(k, {5, 5}, jx::float32), init(jx::random::key(1), {5, 5}, jx::float32)));
}

TEST(NnInitializers, UnderJitAndVmap) {
  namespace np = jx::np;
  auto init = ini::glorot_normal();
  Array k = jx::random::key(9);
  Array eager = init(k, {4, 6}, jx::float32);
  auto jitted = jx::jit([&](const Array& key) { return init(key, {4, 6}, jx::float32); });
  EXPECT_TRUE(np::array_equal(jitted(k), eager));
  Array keys = jx::random::split(k, 3);
  Array batched = jx::vmap([&](const Array& key) { return init(key, {4, 6}, jx::float32); })(keys);
  ASSERT_EQ(batched.shape(), Shape({3, 4, 6}));
  EXPECT_TRUE(np::array_equal(batched[1], init(keys[1], {4, 6}, jx::float32)));
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected: " << needle;
  } catch (const jx::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(NnInitializers, Errors) {
  Array k = jx::random::key(0);
  expect_error([] { ini::variance_scaling(1.0, "fan_sideways", "normal"); },
               "[nn.initializers.variance_scaling] invalid mode 'fan_sideways'");
  expect_error([] { ini::variance_scaling(1.0, "fan_in", "cauchy"); },
               "invalid distribution 'cauchy'");
  expect_error([&] { ini::glorot_uniform()(k, {5}, jx::float32); },
               "[nn.initializers.glorot_uniform] cannot compute the input and output sizes of a "
               "1-dimensional");
  expect_error(
      [&] {
        ini::he_normal(2, -1)(k, {3, 4}, jx::float32);
      },
      "in_axis 2 is out of range for shape (3, 4)");
  expect_error([&] { ini::lecun_normal()(k, {0, 4}, jx::float32); }, "zero-sized");
  expect_error([&] { ini::normal()(k, {3}, jx::int32); },
               "[nn.initializers.normal] the dtype must be floating");
  expect_error([&] { ini::orthogonal()(k, {3}, jx::float32); },
               "[nn.initializers.orthogonal] needs a shape of rank at least 2");
  expect_error(
      [&] {
        ini::orthogonal(1.0, 3)(k, {3, 3}, jx::float32);
      },
      "column_axis 3 is out of range");
}

}  // namespace
