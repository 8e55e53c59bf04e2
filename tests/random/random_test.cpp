// jx::random: known answers (Random123 vectors for threefry2x32), bit-exact
// agreement with JAX on the fixtures of tests/fixtures/random_*.txt (written
// by gen_random_fixtures.py from real JAX), key semantics, shapes, dtypes,
// determinism across thread counts, and error messages.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "backend/cpu/thread_pool.h"
#include "jx/jx.h"
#include "jx/random.h"
#include "jx/transforms.h"

namespace {

namespace jr = jx::random;
using jx::Array;
using jx::Shape;

// ---------------------------------------------------------------- helpers

Array u32(std::vector<uint32_t> v, Shape s) {
  return jx::make_from_host(v.data(), jx::Aval{jx::uint32, s, false}, jx::default_device());
}
Array u32_scalar(uint32_t v) { return u32({v}, Shape{}); }

std::vector<uint32_t> words(const Array& a) { return a.to_vector<uint32_t>(); }

// Every element's raw bits, zero-extended (bool as 0/1).
std::vector<uint64_t> raw_bits(const Array& a) {
  std::vector<uint64_t> out(size_t(a.size()));
  const auto* p = static_cast<const unsigned char*>(a.data());
  int w = a.dtype().itemsize();
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t v = 0;
    std::memcpy(&v, p + i * size_t(w), size_t(w));
    out[i] = v;
  }
  return out;
}

struct Case {
  std::string fn;
  std::map<std::string, std::string> kv;
  std::vector<uint64_t> values;
  int line = 0;
  std::string text;

  const std::string& at(const std::string& k) const {
    auto it = kv.find(k);
    if (it == kv.end()) throw std::runtime_error("fixture line " + std::to_string(line) + " lacks " + k);
    return it->second;
  }
  bool has(const std::string& k) const { return kv.count(k) > 0; }
  Array key() const {
    const std::string& s = at("key");
    auto c = s.find(',');
    return u32({uint32_t(std::stoul(s.substr(0, c))), uint32_t(std::stoul(s.substr(c + 1)))}, Shape{2});
  }
  Shape shape() const {
    Shape s;
    std::stringstream ss(at("shape"));
    std::string d;
    while (std::getline(ss, d, 'x'))
      if (!d.empty()) s.push_back(std::stoll(d));
    return s;
  }
  jx::DType dtype() const { return jx::dtype_from_name(at("dtype")); }
  double num(const std::string& k) const { return std::stod(at(k)); }
  int64_t integer(const std::string& k) const { return std::stoll(at(k)); }
};

std::vector<Case> load(const std::string& name) {
  std::ifstream in(std::string(JX_FIXTURES_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << "cannot open fixture " << name;
  std::vector<Case> cases;
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (line.empty() || line[0] == '#') continue;
    Case c;
    c.line = no;
    c.text = line.substr(0, std::min<size_t>(line.size(), 100));
    std::stringstream ss(line);
    std::string tok;
    ss >> c.fn;
    bool values = false;
    while (ss >> tok) {
      if (tok == ":") {
        values = true;
        continue;
      }
      if (values) {
        c.values.push_back(std::stoull(tok, nullptr, 16));
      } else {
        auto eq = tok.find('=');
        c.kv[tok.substr(0, eq)] = tok.substr(eq + 1);
      }
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// "1,2.5,3" as a float32 array.
Array floats(const std::string& list) {
  std::vector<float> v;
  std::stringstream ss(list);
  std::string t;
  while (std::getline(ss, t, ',')) v.push_back(std::stof(t));
  return jx::np::array(v);
}

// Runs one fixture case through jx.
Array run_case(const Case& c) {
  if (c.fn == "split") return jr::split(c.key(), Shape(std::span<const int64_t>(c.shape().data(), c.shape().size() - 1)));
  if (c.fn == "split_chain") {
    Array k = c.key();
    std::vector<Array> outs;
    for (int i = 0; i < 4; ++i) {
      auto [a, b] = jr::split2(k);
      outs.push_back(a);
      outs.push_back(b);
      k = a;
    }
    return jx::lax::reshape(jx::lax::concatenate(outs, 0), Shape{8, 2});
  }
  if (c.fn == "fold_in") return jr::fold_in(c.key(), c.integer("data"));
  if (c.fn == "threefry_2x32") {
    int64_t n = c.shape()[0];
    return jr::threefry_2x32(c.key(), jx::lax::iota(jx::uint32, Shape{n}));
  }
  if (c.fn == "bits") return jr::bits(c.key(), c.shape(), c.dtype());
  if (c.fn == "uniform") {
    if (c.has("minval")) return jr::uniform(c.key(), c.shape(), c.dtype(), c.num("minval"), c.num("maxval"));
    return jr::uniform(c.key(), c.shape(), c.dtype());
  }
  if (c.fn == "normal") return jr::normal(c.key(), c.shape(), c.dtype());
  if (c.fn == "randint")
    return jr::randint(c.key(), c.shape(), c.integer("minval"), c.integer("maxval"), c.dtype());
  if (c.fn == "permutation") {
    if (c.has("n")) return jr::permutation(c.key(), c.integer("n"));
    Array x = jx::lax::reshape(jx::lax::iota(jx::int32, Shape{24}), Shape{4, 6});
    return jr::permutation(c.key(), x, int(c.integer("axis")), c.integer("independent") != 0);
  }
  if (c.fn == "choice")
    return jr::choice(c.key(), c.integer("a"), c.shape(), c.integer("replace") != 0);
  if (c.fn == "bernoulli") return jr::bernoulli(c.key(), float(c.num("p")), c.shape());
  // random_dists.txt
  Shape s = c.shape();
  if (c.fn == "gamma") return jr::gamma(c.key(), c.num("a"), s);
  if (c.fn == "loggamma") return jr::loggamma(c.key(), c.num("a"), s);
  if (c.fn == "beta") return jr::beta(c.key(), c.num("a"), c.num("b"), s);
  if (c.fn == "dirichlet") return jr::dirichlet(c.key(), floats(c.at("alpha")), Shape{s[0]});
  if (c.fn == "poisson") return jr::poisson(c.key(), c.num("lam"), s);
  if (c.fn == "exponential") return jr::exponential(c.key(), s);
  if (c.fn == "laplace") return jr::laplace(c.key(), s);
  if (c.fn == "logistic") return jr::logistic(c.key(), s);
  if (c.fn == "cauchy") return jr::cauchy(c.key(), s);
  if (c.fn == "gumbel") return jr::gumbel(c.key(), s, jx::float32, c.has("mode") ? c.at("mode") : "low");
  if (c.fn == "truncated_normal") return jr::truncated_normal(c.key(), c.num("lower"), c.num("upper"), s);
  if (c.fn == "categorical")
    return jr::categorical(c.key(), floats(c.at("logits")), -1, s, c.integer("replace") != 0);
  if (c.fn == "choice_p")
    return jr::choice(c.key(), 4, s, c.integer("replace") != 0, floats(c.at("p")));
  if (c.fn == "rademacher") return jr::rademacher(c.key(), s);
  if (c.fn == "multivariate_normal")
    return jr::multivariate_normal(c.key(), floats(c.at("mean")),
                                   jx::lax::reshape(floats(c.at("cov")), Shape{2, 2}), Shape{s[0]});
  if (c.fn == "orthogonal") return jr::orthogonal(c.key(), c.integer("n"));
  throw std::runtime_error("unknown fixture function " + c.fn);
}

// Distance in units in the last place between two floats of dtype dt given
// as raw bits (0 for equal bits).
int64_t ulps(jx::DType dt, uint64_t a, uint64_t b) {
  int bits = dt.bits();
  uint64_t sign = uint64_t(1) << (bits - 1);
  auto ordered = [&](uint64_t v) -> int64_t {
    return (v & sign) ? -int64_t(v & (sign - 1)) : int64_t(v);
  };
  int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -d : d;
}

// Checks the fixture cases of `file` whose function is in `fns` (all when
// empty): bit for bit, or within `max_ulps` when it is positive. Returns the
// number of cases checked; *worst gets the largest ulp distance seen.
int check_fixture(const std::string& file, const std::vector<std::string>& fns = {},
                  int64_t max_ulps = 0, int64_t* worst = nullptr, double rtol = 0) {
  int n = 0;
  for (const Case& c : load(file)) {
    if (c.fn == "key") continue;  // checked by Random.KeyFromSeedMatchesJax
    if (!fns.empty() && std::find(fns.begin(), fns.end(), c.fn) == fns.end()) continue;
    SCOPED_TRACE("fixture " + file + ":" + std::to_string(c.line) + ": " + c.text);
    Array got = run_case(c);
    EXPECT_EQ(got.dtype(), c.dtype());
    EXPECT_EQ(got.shape(), c.shape()) << got.shape().str() << " vs " << c.shape().str();
    std::vector<uint64_t> bits = raw_bits(got);
    EXPECT_EQ(bits.size(), c.values.size());
    if (bits.size() != c.values.size()) continue;
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < bits.size(); ++i) {
      int64_t d = bits[i] == c.values[i] ? 0 : max_ulps > 0 ? ulps(c.dtype(), bits[i], c.values[i]) : 1;
      if (d && rtol > 0 && c.dtype() == jx::float32) {
        float a, b;
        uint32_t ua = uint32_t(bits[i]), ub = uint32_t(c.values[i]);
        std::memcpy(&a, &ua, 4);
        std::memcpy(&b, &ub, 4);
        d = std::fabs(a - b) <= rtol * std::fabs(b) + 1e-6 ? 0 : 1;
      }
      if (worst) *worst = std::max(*worst, d);
      if (d > max_ulps && bad++ == 0) first = i;
    }
    EXPECT_EQ(bad, 0u) << bad << " of " << bits.size() << " elements differ; first at " << first
                       << ": jx 0x" << std::hex << bits[first] << ", JAX 0x" << c.values[first];
    ++n;
  }
  return n;
}

// True when jx::lax::erf_inv computes XLA's erf_inv (Giles' polynomials with
// fused multiply-adds and XLA's log), which jax.random.normal's bits depend
// on. Probe values from jax.lax.erf_inv on CPU where XLA's rounding differs
// from the correctly rounded result.
bool erf_inv_is_xla() {
  auto f32 = [](float x) {
    return jx::make_from_host(&x, jx::Aval{jx::float32, Shape{}, false}, jx::default_device());
  };
  auto f64 = [](double x) {
    return jx::make_from_host(&x, jx::Aval{jx::float64, Shape{}, false}, jx::default_device());
  };
  return jx::lax::erf_inv(f32(-0x1.333334p-2f)).item<float>() == -0x1.17007ap-2f &&
         jx::lax::erf_inv(f32(-0x1.ccccccp-1f)).item<float>() == -0x1.29c012p+0f &&
         jx::lax::erf_inv(f32(0x1.fae148p-1f)).item<float>() == 0x1.d24666p+0f &&
         jx::lax::erf_inv(f64(0x1.19999ap-1)).item<double>() == 0x1.117d4d4235040p-1 &&
         jx::lax::erf_inv(f64(0x1.8p-1)).item<double>() == 0x1.a07890f6b2ba2p-1;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const jx::Error& e) {
    return e.what();
  }
  return "";
}

// ---------------------------------------------------------------- threefry

TEST(Random, Threefry2x32KnownAnswers) {
  // Random123 known-answer vectors for threefry2x32_20 (kat_vectors).
  struct Kat {
    uint32_t key[2], ctr[2], out[2];
  } kats[] = {
      {{0, 0}, {0, 0}, {0x6b200159u, 0x99ba4efeu}},
      {{0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}, {0x1cb996fcu, 0xbb002be7u}},
      {{0x13198a2eu, 0x03707344u}, {0x243f6a88u, 0x85a308d3u}, {0xc4923a9cu, 0x483df7a0u}},
  };
  for (const Kat& k : kats) {
    auto [y0, y1] = jr::threefry2x32(u32_scalar(k.key[0]), u32_scalar(k.key[1]),
                                     u32_scalar(k.ctr[0]), u32_scalar(k.ctr[1]));
    EXPECT_EQ(y0.item<uint32_t>(), k.out[0]);
    EXPECT_EQ(y1.item<uint32_t>(), k.out[1]);
    // The same through JAX's count-array form.
    Array out = jr::threefry_2x32(u32({k.key[0], k.key[1]}, Shape{2}), u32({k.ctr[0], k.ctr[1]}, Shape{2}));
    EXPECT_EQ(words(out), (std::vector<uint32_t>{k.out[0], k.out[1]}));
  }
}

TEST(Random, Threefry2x32BroadcastsScalarOperands) {
  // Counters as arrays, key words 0-d; and every mixed pattern agrees.
  std::vector<uint32_t> c0(100), c1(100);
  for (uint32_t i = 0; i < 100; ++i) c0[i] = i * 7, c1[i] = 1000 + i;
  Array x0 = u32(c0, Shape{100}), x1 = u32(c1, Shape{100});
  auto [a0, a1] = jr::threefry2x32(u32_scalar(5), u32_scalar(9), x0, x1);
  Array k0 = u32(std::vector<uint32_t>(100, 5), Shape{100}), k1 = u32(std::vector<uint32_t>(100, 9), Shape{100});
  auto [b0, b1] = jr::threefry2x32(k0, u32_scalar(9), x0, x1);
  auto [d0, d1] = jr::threefry2x32(k0, k1, x0, x1);
  EXPECT_EQ(words(a0), words(b0));
  EXPECT_EQ(words(a1), words(d1));
  for (int i = 0; i < 100; i += 17) {
    auto [s0, s1] = jr::threefry2x32(u32_scalar(5), u32_scalar(9), u32_scalar(c0[size_t(i)]), u32_scalar(c1[size_t(i)]));
    EXPECT_EQ(s0.item<uint32_t>(), words(a0)[size_t(i)]);
    EXPECT_EQ(s1.item<uint32_t>(), words(a1)[size_t(i)]);
  }
}

TEST(Random, Threefry2x32ShapeErrors) {
  Array a = u32({1, 2, 3}, Shape{3}), b = u32({1, 2}, Shape{2});
  try {
    jr::threefry2x32(u32_scalar(0), u32_scalar(0), a, b);
    FAIL() << "no error";
  } catch (const jx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[threefry2x32]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("u32[3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("random_test.cpp"), std::string::npos) << e.what();
  }
  Array f = jx::make_from_host(std::vector<float>{1.f}.data(), jx::Aval{jx::float32, Shape{}, false},
                               jx::default_device());
  EXPECT_THROW(jr::threefry2x32(f, u32_scalar(0), a, a), jx::Error);
  EXPECT_NE(jx::find_primitive("threefry2x32"), nullptr);
}

TEST(Random, SameBitsForAnyThreadCount) {
  Array k = jr::key(7);
  jx::cpu::set_num_threads(1);
  std::vector<uint32_t> one = words(jr::bits(k, Shape{1 << 18}));
  jx::cpu::set_num_threads(4);
  std::vector<uint32_t> four = words(jr::bits(k, Shape{1 << 18}));
  jx::cpu::set_num_threads(0);
  EXPECT_EQ(one, four);
}

// ---------------------------------------------------------------- bit-exact with JAX

TEST(Random, KeyFromSeedMatchesJax) {
  int n = 0;
  for (const Case& c : load("random_keys.txt")) {
    if (c.fn != "key") continue;
    SCOPED_TRACE(c.text);
    int64_t seed = int64_t(std::stoll(c.at("seed")));
    Array k = jr::key(seed);
    EXPECT_EQ(k.dtype(), jx::uint32);
    EXPECT_EQ(k.shape(), Shape{2});
    EXPECT_EQ(raw_bits(k), c.values);
    ++n;
  }
  EXPECT_GE(n, 10);
}

TEST(Random, KeysSplitFoldInBitsMatchJax) { EXPECT_GT(check_fixture("random_keys.txt"), 100); }

TEST(Random, UniformMatchesJax) { EXPECT_GT(check_fixture("random_floats.txt", {"uniform"}), 80); }

TEST(Random, NormalMatchesJaxBitExact) {
  // normal is sqrt(2) * lax::erf_inv(u) and u is bit-exact (UniformMatchesJax
  // covers the same transform), so the bits follow erf_inv's rounding.
  if (!erf_inv_is_xla())
    GTEST_SKIP() << "jx::lax::erf_inv is not XLA's algorithm yet, so normal() agrees with JAX "
                    "to a few ulps only (Random.NormalMatchesJaxWithinUlps); see docs/random.md";
  EXPECT_GT(check_fixture("random_floats.txt", {"normal"}), 60);
}

TEST(Random, NormalMatchesJaxWithinUlps) {
  // Until lax::erf_inv follows XLA, the bits differ where XLA's polynomial
  // rounds differently from jx's (more accurate) erf_inv: up to 55 ulps for
  // float32 and 28 for float64 in the tails on these fixtures, 1 for 16-bit.
  int64_t worst = 0;
  EXPECT_GT(check_fixture("random_floats.txt", {"normal"}, 100, &worst), 60);
  RecordProperty("max_ulps", int(worst));
}

TEST(Random, RandintPermutationChoiceMatchJax) { EXPECT_GT(check_fixture("random_ints.txt"), 100); }

TEST(Random, OtherSamplersFollowJax) {
  // Same algorithm and key use as JAX: integer results equal, floating ones
  // equal up to the rounding of log/erf/tan/lgamma/... (relative 1e-4).
  EXPECT_GT(check_fixture("random_dists.txt", {}, 0, nullptr, 1e-4), 60);
}

// ---------------------------------------------------------------- API behaviour

TEST(Random, KeyRepresentationAndIndexing) {
  Array k = jr::key(42);
  EXPECT_EQ(words(k), (std::vector<uint32_t>{0, 42}));
  EXPECT_EQ(words(jr::key(-1)), (std::vector<uint32_t>{0, 4294967295u}));
  EXPECT_EQ(words(jr::key((int64_t(1) << 32) + 5)), (std::vector<uint32_t>{0, 5}));
  int64_t big = int64_t(1) << 40;
  Array seed = jx::make_from_host(&big, jx::Aval{jx::int64, Shape{}, false}, jx::default_device());
  EXPECT_EQ(words(jr::key(seed)), (std::vector<uint32_t>{0, 0}));
  Array keys = jr::split(k, 3);
  EXPECT_EQ(keys.shape(), (Shape{3, 2}));
  Array k1 = keys[1];
  EXPECT_EQ(k1.shape(), Shape{2});
  EXPECT_EQ(words(k1)[0], words(keys)[2]);
  auto [a, b] = jr::split2(k);
  EXPECT_EQ(words(a), words(jr::split(k)[0]));
  EXPECT_EQ(words(b), words(jr::split(k)[1]));
  EXPECT_EQ(jr::split(k, Shape{2, 3}).shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(jr::split(k, 0).shape(), (Shape{0, 2}));
  // fold_in with an array datum equals the integer form.
  Array d = u32_scalar(12345);
  EXPECT_EQ(words(jr::fold_in(k, d)), words(jr::fold_in(k, 12345)));
  // Same key, same bits; different keys, different bits.
  EXPECT_EQ(words(jr::bits(k, Shape{8})), words(jr::bits(jr::key(42), Shape{8})));
  EXPECT_NE(words(jr::bits(k, Shape{8})), words(jr::bits(jr::key(43), Shape{8})));
}

TEST(Random, ShapesAndDtypes) {
  Array k = jr::key(0);
  for (jx::DType dt : {jx::float16, jx::bfloat16, jx::float32, jx::float64}) {
    SCOPED_TRACE(std::string(dt.name()));
    auto check = [&](const Array& a) {
      EXPECT_EQ(a.dtype(), dt);
      EXPECT_EQ(a.shape(), (Shape{3, 4}));
    };
    check(jr::uniform(k, {3, 4}, dt));
    check(jr::uniform(k, {3, 4}, dt, -2.0, 5.0));
    check(jr::normal(k, {3, 4}, dt));
    check(jr::truncated_normal(k, -1.0, 2.0, Shape{3, 4}, dt));
    check(jr::exponential(k, {3, 4}, dt));
    check(jr::laplace(k, {3, 4}, dt));
    check(jr::logistic(k, {3, 4}, dt));
    check(jr::cauchy(k, {3, 4}, dt));
    check(jr::gumbel(k, {3, 4}, dt));
    check(jr::gumbel(k, {3, 4}, dt, "high"));
    check(jr::gamma(k, 2.0, Shape{3, 4}, dt));
    check(jr::beta(k, 2.0, 3.0, Shape{3, 4}, dt));
    check(jr::rademacher(k, {3, 4}, dt));
  }
  EXPECT_EQ(jr::uniform(k).shape(), Shape{});
  EXPECT_EQ(jr::bernoulli(k, 0.3, Shape{5}).dtype(), jx::bool_);
  EXPECT_EQ(jr::randint(k, {5}, 0, 3).dtype(), jx::int32);
  EXPECT_EQ(jr::poisson(k, 3.0, Shape{5}).dtype(), jx::int32);
  EXPECT_EQ(jr::categorical(k, jr::normal(k, {4, 6})).shape(), Shape{4});
  EXPECT_EQ(jr::categorical(k, jr::normal(k, {4, 6}), 0).shape(), Shape{6});
  EXPECT_EQ(jr::categorical(k, jr::normal(k, {4, 6}), -1, Shape{3, 4}).shape(), (Shape{3, 4}));
  EXPECT_EQ(jr::categorical(k, jr::normal(k, {4, 6}), -1, Shape{3, 4}, false).shape(), (Shape{3, 4}));
  EXPECT_EQ(jr::dirichlet(k, jr::uniform(k, {2, 3}, jx::float32, 0.5, 2.0)).shape(), (Shape{2, 3}));
  EXPECT_EQ(jr::multivariate_normal(k, jx::np::zeros({3}), jx::np::eye(3), Shape{5}).shape(), (Shape{5, 3}));
  EXPECT_EQ(jr::orthogonal(k, 4).shape(), (Shape{4, 4}));
  EXPECT_EQ(jr::orthogonal(k, 3, {2}, jx::float32, 5).shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(jr::choice(k, 10, {2, 3}).shape(), (Shape{2, 3}));
  Array arr = jx::lax::reshape(jx::lax::iota(jx::float32, Shape{12}), Shape{4, 3});
  EXPECT_EQ(jr::choice(k, arr, {5}, true, std::nullopt, 1).shape(), (Shape{4, 5}));
  EXPECT_EQ(jr::permutation(k, arr, 1).shape(), (Shape{4, 3}));
  EXPECT_EQ(jr::bits(k, {2, 2}, jx::uint64).dtype(), jx::uint64);
}

TEST(Random, PermutationAndChoiceValues) {
  Array k = jr::key(3);
  std::vector<int32_t> p = jr::permutation(k, 50).to_vector<int32_t>();
  std::vector<int32_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 50; ++i) EXPECT_EQ(sorted[size_t(i)], i);
  // Shuffling rows keeps each row intact.
  Array x = jx::lax::reshape(jx::lax::iota(jx::int32, Shape{20}), Shape{5, 4});
  std::vector<int32_t> rows = jr::permutation(k, x).to_vector<int32_t>();
  for (int r = 0; r < 5; ++r)
    for (int c = 1; c < 4; ++c) EXPECT_EQ(rows[size_t(r * 4 + c)], rows[size_t(r * 4)] + c);
  // Without replacement: distinct; with p: only where p > 0.
  std::vector<int32_t> d = jr::choice(k, 30, {30}, false).to_vector<int32_t>();
  std::sort(d.begin(), d.end());
  EXPECT_EQ(std::unique(d.begin(), d.end()), d.end());
  Array pr = jx::np::array({0.f, 0.5f, 0.f, 0.5f});
  for (int32_t v : jr::choice(k, 4, {100}, true, pr).to_vector<int32_t>()) EXPECT_TRUE(v == 1 || v == 3);
  std::vector<int32_t> two = jr::choice(k, 4, {2}, false, pr).to_vector<int32_t>();
  std::sort(two.begin(), two.end());
  EXPECT_EQ(two, (std::vector<int32_t>{1, 3}));
  // Drawing rows of an array.
  Array picked = jr::choice(k, x, {3});
  EXPECT_EQ(picked.shape(), (Shape{3, 4}));
  std::vector<int32_t> pv = picked.to_vector<int32_t>();
  for (int r = 0; r < 3; ++r) EXPECT_EQ(pv[size_t(r * 4)] % 4, 0);
}

TEST(Random, RandintEdgeCases) {
  Array k = jr::key(9);
  for (int32_t v : jr::randint(k, {50}, 5, 5).to_vector<int32_t>()) EXPECT_EQ(v, 5);
  for (int32_t v : jr::randint(k, {50}, 7, 2).to_vector<int32_t>()) EXPECT_EQ(v, 7);
  for (int v : jr::randint(k, {200}, -3, 4, jx::int8).to_vector<int>()) EXPECT_TRUE(v >= -3 && v < 4);
  // Full uint8 range through maxval = 256.
  std::vector<int> all = jr::randint(k, {4000}, 0, 256, jx::uint8).to_vector<int>();
  EXPECT_EQ(*std::max_element(all.begin(), all.end()), 255);
  EXPECT_EQ(*std::min_element(all.begin(), all.end()), 0);
  // Array bounds broadcast against the shape.
  Array lo = jx::np::array({0, 100, 1000}), hi = jx::np::array({10, 110, 1010});
  std::vector<int32_t> r = jr::randint(k, {4, 3}, lo, hi).to_vector<int32_t>();
  for (int i = 0; i < 12; ++i) {
    int base = i % 3 == 0 ? 0 : i % 3 == 1 ? 100 : 1000;
    EXPECT_GE(r[size_t(i)], base);
    EXPECT_LT(r[size_t(i)], base + 10);
  }
}

TEST(Random, RangesOfContinuousSamplers) {
  Array k = jr::key(11);
  for (float v : jr::uniform(k, {1000}, jx::float32, -2.0, 3.0).to_vector<float>()) {
    EXPECT_GE(v, -2.f);
    EXPECT_LT(v, 3.f);
  }
  for (float v : jr::truncated_normal(k, -0.5, 0.25, Shape{1000}).to_vector<float>()) {
    EXPECT_GT(v, -0.5f);
    EXPECT_LT(v, 0.25f);
  }
  for (float v : jr::exponential(k, {1000}).to_vector<float>()) EXPECT_GE(v, 0.f);
  for (float v : jr::gamma(k, 0.1, Shape{1000}).to_vector<float>()) EXPECT_GE(v, 0.f);
  for (float v : jr::beta(k, 0.5, 0.5, Shape{1000}).to_vector<float>()) {
    EXPECT_GE(v, 0.f);
    EXPECT_LE(v, 1.f);
  }
  std::vector<float> dir = jr::dirichlet(k, jx::np::array({0.2f, 1.f, 3.f}), Shape{100}).to_vector<float>();
  for (int i = 0; i < 100; ++i)
    EXPECT_NEAR(dir[size_t(3 * i)] + dir[size_t(3 * i + 1)] + dir[size_t(3 * i + 2)], 1.0, 1e-5);
  for (int v : jr::rademacher(k, {100}).to_vector<int>()) EXPECT_TRUE(v == 1 || v == -1);
  for (int v : jr::poisson(k, 0.0, Shape{20}).to_vector<int>()) EXPECT_EQ(v, 0);
  // Orthogonal: Q Q^T = I.
  std::vector<float> q = jr::orthogonal(k, 5).to_vector<float>();
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) {
      double s = 0;
      for (int t = 0; t < 5; ++t) s += double(q[size_t(i * 5 + t)]) * q[size_t(j * 5 + t)];
      EXPECT_NEAR(s, i == j ? 1.0 : 0.0, 1e-5);
    }
}

// ---------------------------------------------------------------- transformations

TEST(Random, VmapOverKeysMatchesALoop) {
  Array keys = jr::split(jr::key(5), 4);
  std::vector<std::function<Array(const Array&)>> fs = {
      [](const Array& k) { return jr::normal(k, {3}); },
      [](const Array& k) { return jr::uniform(k, {2}, jx::float32, -1.0, 3.0); },
      [](const Array& k) { return jr::split(k, 3); },
      [](const Array& k) { return jr::permutation(k, 6); },
      [](const Array& k) { return jr::randint(k, {5}, 0, 100); },
      [](const Array& k) { return jr::fold_in(k, 7); },
  };
  for (size_t f = 0; f < fs.size(); ++f) {
    SCOPED_TRACE("function " + std::to_string(f));
    Array batched = jx::vmap(fs[f])(keys);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(raw_bits(batched[i]), raw_bits(fs[f](keys[i])));
  }
  // fold_in with batched data.
  Array data = u32({10, 20, 30, 40}, Shape{4});
  Array folded = jx::vmap([](const Array& k, const Array& d) { return jr::fold_in(k, d); })(keys, data);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(words(folded[i]), words(jr::fold_in(keys[i], 10 * (i + 1))));
}

TEST(Random, TracesIntoAJaxpr) {
  std::stringstream ss;
  ss << jx::make_jaxpr([](const Array& k) { return jr::normal(k, {2, 3}); })(jr::key(0));
  EXPECT_NE(ss.str().find("threefry2x32"), std::string::npos) << ss.str();
  EXPECT_NE(ss.str().find("erf_inv"), std::string::npos) << ss.str();
}

TEST(Random, GradThroughARandomMask) {
  Array k = jr::key(1);
  Array mask = jx::lax::convert_element_type(jr::bernoulli(k, 0.5, Shape{6}), jx::float32);
  auto loss = [k](const Array& x) {
    Array m = jx::lax::convert_element_type(jr::bernoulli(k, 0.5, x.shape()), jx::float32);
    return jx::np::sum(x * m);
  };
  EXPECT_EQ(jx::grad(loss)(jx::np::ones({6})).to_vector<float>(), mask.to_vector<float>());
}

TEST(Random, RejectionSamplersNeedConcreteValues) {
  // gamma/poisson loop until accepted; without a while_loop primitive they
  // run eagerly only, and say so under a transformation.
  Array keys = jr::split(jr::key(2), 3);
  std::string e = error_of([&] { jx::vmap([](const Array& k) { return jr::gamma(k, 2.0, Shape{3}); })(keys); });
  EXPECT_NE(e.find("[random.gamma]"), std::string::npos) << e;
  EXPECT_NE(e.find("while_loop"), std::string::npos) << e;
  e = error_of([&] { jx::vmap([](const Array& k) { return jr::poisson(k, 3.0, Shape{3}); })(keys); });
  EXPECT_NE(e.find("[random.poisson]"), std::string::npos) << e;
}

// ---------------------------------------------------------------- errors

TEST(Random, ErrorsNameTheOpAndTheCaller) {
  Array k = jr::key(0);
  std::string e = error_of([&] { jr::uniform(jr::split(k, 3), {2}); });
  EXPECT_NE(e.find("[random.uniform]"), std::string::npos) << e;
  EXPECT_NE(e.find("u32[3,2]"), std::string::npos) << e;
  EXPECT_NE(e.find("keys[i]"), std::string::npos) << e;
  EXPECT_NE(e.find("random_test.cpp"), std::string::npos) << e;
  e = error_of([&] { jr::normal(k, {2}, jx::int32); });
  EXPECT_NE(e.find("[random.normal]"), std::string::npos) << e;
  EXPECT_NE(e.find("int32"), std::string::npos) << e;
  e = error_of([&] { jr::uniform(k, {2, 3}, jx::float32, jx::np::zeros({4}), 1.0); });
  EXPECT_NE(e.find("(4,)"), std::string::npos) << e;
  EXPECT_NE(e.find("(2, 3)"), std::string::npos) << e;
  e = error_of([&] { jr::bits(k, {2}, jx::int32); });
  EXPECT_NE(e.find("unsigned"), std::string::npos) << e;
  e = error_of([&] { jr::randint(k, {2}, 0, 3, jx::float32); });
  EXPECT_NE(e.find("[random.randint]"), std::string::npos) << e;
  e = error_of([&] { jr::fold_in(k, -1); });
  EXPECT_NE(e.find("[random.fold_in]"), std::string::npos) << e;
  e = error_of([&] { jr::choice(k, 3, {5}, false); });
  EXPECT_NE(e.find("larger sample"), std::string::npos) << e;
  e = error_of([&] { jr::multivariate_normal(k, jx::np::zeros({3}), jx::np::eye(2)); });
  EXPECT_NE(e.find("(..., n, n)"), std::string::npos) << e;
  e = error_of([&] { jr::multivariate_normal(k, jx::np::zeros({2}), jx::np::eye(2), {}, jx::float32, "svd"); });
  EXPECT_NE(e.find("cholesky"), std::string::npos) << e;
  e = error_of([&] { jr::categorical(k, jx::np::zeros({3}), 0, Shape{4}, false); });
  EXPECT_NE(e.find("without replacement"), std::string::npos) << e;
  e = error_of([&] { jr::gumbel(k, {2}, jx::float32, "medium"); });
  EXPECT_NE(e.find("mode"), std::string::npos) << e;
}

}  // namespace
