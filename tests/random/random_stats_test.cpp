// Statistical tests of the jx::random samplers whose values are not pinned
// to JAX's bit for bit. Fixed seeds; every threshold is set so that a correct
// sampler fails less than once in 10^6 runs:
//  - Kolmogorov-Smirnov: the Dvoretzky-Kiefer-Wolfowitz bound
//    P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2), so eps = sqrt(ln(2e6) / 2n),
//    plus the largest probability of a single value for low-precision dtypes;
//  - chi-square: the 1 - 10^-6.5 quantile (Wilson-Hilferty with z = 5.0);
//  - binomial counts: |z| < 5.3 (two-sided 1.2e-7).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <vector>

#include "jx/jx.h"
#include "jx/random.h"

namespace {

namespace jr = jx::random;
using jx::Array;
using jx::Shape;

constexpr double kAlpha = 1e-6;

// ---------------------------------------------------------------- distributions

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Regularized lower incomplete gamma P(a, x) (series / continued fraction).
double gamma_p(double a, double x) {
  if (x <= 0) return 0;
  double lg = std::lgamma(a);
  if (x < a + 1) {
    double sum = 1 / a, term = sum;
    for (int n = 1; n < 100000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * 1e-16) break;
    }
    return sum * std::exp(-x + a * std::log(x) - lg);
  }
  double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (std::fabs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-16) break;
  }
  return 1 - std::exp(-x + a * std::log(x) - lg) * h;
}

// Regularized incomplete beta I_x(a, b) (Lentz continued fraction).
double beta_cf(double a, double b, double x) {
  double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < 1e-300) d = 1e-300;
  d = 1 / d;
  double h = d;
  for (int m = 1; m < 100000; ++m) {
    int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < 1e-300) d = 1e-300;
    c = 1 + aa / c;
    if (std::fabs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < 1e-300) d = 1e-300;
    c = 1 + aa / c;
    if (std::fabs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-15) break;
  }
  return h;
}
double beta_cdf(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double bt = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
                       b * std::log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return bt * beta_cf(a, b, x) / a;
  return 1 - bt * beta_cf(b, a, 1 - x) / b;
}

// ---------------------------------------------------------------- tests

std::vector<double> values(const Array& a) { return a.to_vector<double>(); }

// Kolmogorov-Smirnov distance of the samples from `cdf`.
double ks_distance(std::vector<double> xs, const std::function<double(double)>& cdf) {
  std::sort(xs.begin(), xs.end());
  double n = double(xs.size()), d = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double f = cdf(xs[i]);
    d = std::max({d, f - double(i) / n, double(i + 1) / n - f});
  }
  return d;
}

// `resolution`: the largest probability a single representable value can
// carry (the sampled dtype's discreteness), added to the DKW bound.
void expect_ks(const std::string& what, const Array& samples,
               const std::function<double(double)>& cdf, double resolution = 0) {
  std::vector<double> xs = values(samples);
  double n = double(xs.size());
  double eps = std::sqrt(std::log(2 / kAlpha) / (2 * n)) + resolution;
  double d = ks_distance(xs, cdf);
  EXPECT_LT(d, eps) << what << ": KS distance " << d << " over " << n << " samples";
}

double chi2_threshold(int df) {
  double z = 5.0, k = df;
  double t = 1 - 2 / (9 * k) + z * std::sqrt(2 / (9 * k));
  return k * t * t * t;
}

// Chi-square test of integer samples against probabilities probs[0..k);
// cells with expected count < 5 are pooled into their neighbour.
void expect_chi2(const std::string& what, const std::vector<int64_t>& samples,
                 const std::vector<double>& probs) {
  std::vector<double> counts(probs.size(), 0);
  size_t outside = 0;
  for (int64_t v : samples) {
    if (v < 0 || v >= int64_t(probs.size())) ++outside;
    else counts[size_t(v)] += 1;
  }
  EXPECT_EQ(outside, 0u) << what << ": samples outside the support";
  double n = double(samples.size());
  double stat = 0, obs = 0, expct = 0;
  int cells = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    obs += counts[i];
    expct += probs[i] * n;
    if (expct >= 5 || i + 1 == probs.size()) {
      if (expct > 0) {
        stat += (obs - expct) * (obs - expct) / expct;
        ++cells;
      }
      obs = expct = 0;
    }
  }
  double thr = chi2_threshold(std::max(1, cells - 1));
  EXPECT_LT(stat, thr) << what << ": chi-square " << stat << " with " << cells - 1 << " dof";
}

std::vector<int64_t> ints(const Array& a) { return a.to_vector<int64_t>(); }

void expect_binomial(const std::string& what, int64_t successes, int64_t n, double p) {
  double z = (double(successes) - n * p) / std::sqrt(n * p * (1 - p));
  EXPECT_LT(std::fabs(z), 5.3) << what << ": " << successes << " of " << n << " (p=" << p << ")";
}

const int kN = 20000;

TEST(RandomStats, UniformAllDtypes) {
  Array k = jr::key(101);
  auto ucdf = [](double x) { return std::clamp(x, 0.0, 1.0); };
  expect_ks("uniform f32", jr::uniform(k, {kN}), ucdf);
  expect_ks("uniform f64", jr::uniform(k, {kN}, jx::float64), ucdf);
  expect_ks("uniform f16", jr::uniform(k, {kN}, jx::float16), ucdf, std::ldexp(1.0, -10));
  expect_ks("uniform bf16", jr::uniform(k, {kN}, jx::bfloat16), ucdf, std::ldexp(1.0, -7));
  expect_ks("uniform [-2, 3)", jr::uniform(k, {kN}, jx::float32, -2.0, 3.0),
            [](double x) { return std::clamp((x + 2) / 5, 0.0, 1.0); });
}

TEST(RandomStats, NormalAllDtypes) {
  Array k = jr::key(102);
  expect_ks("normal f32", jr::normal(k, {kN}), normal_cdf);
  expect_ks("normal f64", jr::normal(k, {kN}, jx::float64), normal_cdf);
  expect_ks("normal f16", jr::normal(k, {kN}, jx::float16), normal_cdf, 2e-3);
  expect_ks("normal bf16", jr::normal(k, {kN}, jx::bfloat16), normal_cdf, 1e-2);
}

TEST(RandomStats, TruncatedNormal) {
  Array k = jr::key(103);
  for (auto [lo, hi] : {std::pair{-1.0, 2.0}, std::pair{0.5, 4.0}, std::pair{-3.0, -2.5}}) {
    double a = normal_cdf(lo), b = normal_cdf(hi);
    expect_ks("truncated_normal", jr::truncated_normal(k, lo, hi, Shape{kN}),
              [&](double x) { return std::clamp((normal_cdf(x) - a) / (b - a), 0.0, 1.0); });
  }
}

TEST(RandomStats, ExponentialLaplaceLogisticCauchyGumbel) {
  Array k = jr::key(104);
  expect_ks("exponential", jr::exponential(k, {kN}),
            [](double x) { return x <= 0 ? 0 : -std::expm1(-x); });
  expect_ks("laplace", jr::laplace(k, {kN}),
            [](double x) { return x < 0 ? 0.5 * std::exp(x) : 1 - 0.5 * std::exp(-x); });
  expect_ks("logistic", jr::logistic(k, {kN}), [](double x) { return 1 / (1 + std::exp(-x)); });
  expect_ks("cauchy", jr::cauchy(k, {kN}), [](double x) { return 0.5 + std::atan(x) / M_PI; });
  auto gcdf = [](double x) { return std::exp(-std::exp(-x)); };
  expect_ks("gumbel low", jr::gumbel(k, {kN}), gcdf);
  expect_ks("gumbel high", jr::gumbel(k, {kN}, jx::float32, "high"), gcdf);
  expect_ks("exponential f64", jr::exponential(k, {kN}, jx::float64),
            [](double x) { return x <= 0 ? 0 : -std::expm1(-x); });
}

TEST(RandomStats, Gamma) {
  Array k = jr::key(105);
  for (double a : {0.2, 1.0, 3.7, 20.0}) {
    expect_ks("gamma a=" + std::to_string(a), jr::gamma(k, a, Shape{10000}),
              [a](double x) { return gamma_p(a, x); });
  }
  expect_ks("gamma f64 a=2.5", jr::gamma(k, 2.5, Shape{10000}, jx::float64),
            [](double x) { return gamma_p(2.5, x); });
  // loggamma for tiny a, compared on the log scale where float32 resolves it.
  double a = 0.02;
  expect_ks("loggamma a=0.02", jr::loggamma(k, a, Shape{10000}),
            [a](double y) { return gamma_p(a, std::exp(y)); });
  // Per-element shape parameters.
  std::vector<float> alphas(10000);
  for (size_t i = 0; i < alphas.size(); ++i) alphas[i] = i % 2 ? 0.5f : 6.0f;
  std::vector<double> g = values(jr::gamma(k, jx::np::array(alphas)));
  std::vector<double> odd, even;
  for (size_t i = 0; i < g.size(); ++i) (i % 2 ? odd : even).push_back(g[i]);
  EXPECT_LT(ks_distance(odd, [](double x) { return gamma_p(0.5, x); }),
            std::sqrt(std::log(2 / kAlpha) / (2 * 5000.0)));
  EXPECT_LT(ks_distance(even, [](double x) { return gamma_p(6.0, x); }),
            std::sqrt(std::log(2 / kAlpha) / (2 * 5000.0)));
}

TEST(RandomStats, BetaDirichlet) {
  Array k = jr::key(106);
  for (auto [a, b] : {std::pair{0.5, 0.5}, std::pair{2.0, 5.0}, std::pair{0.1, 3.0}}) {
    expect_ks("beta", jr::beta(k, a, b, Shape{10000}),
              [a = a, b = b](double x) { return beta_cdf(a, b, x); });
  }
  Array alpha = jx::np::array({0.3f, 1.0f, 2.5f});
  std::vector<double> d = values(jr::dirichlet(k, alpha, Shape{10000}));
  std::vector<double> first, third;
  for (size_t i = 0; i < d.size(); i += 3) first.push_back(d[i]), third.push_back(d[i + 2]);
  double eps = std::sqrt(std::log(2 / kAlpha) / (2 * 10000.0));
  EXPECT_LT(ks_distance(first, [](double x) { return beta_cdf(0.3, 3.5, x); }), eps);
  EXPECT_LT(ks_distance(third, [](double x) { return beta_cdf(2.5, 1.3, x); }), eps);
}

TEST(RandomStats, Poisson) {
  Array k = jr::key(107);
  for (double lam : {0.7, 4.0, 30.0, 1000.0}) {
    std::vector<int64_t> s = ints(jr::poisson(k, lam, Shape{kN}));
    int64_t top = int64_t(lam + 12 * std::sqrt(lam) + 20);
    std::vector<double> probs(static_cast<size_t>(top));
    for (int64_t i = 0; i < top; ++i)
      probs[size_t(i)] = std::exp(double(i) * std::log(lam) - lam - std::lgamma(double(i) + 1));
    expect_chi2("poisson lam=" + std::to_string(lam), s, probs);
  }
}

TEST(RandomStats, BernoulliRademacher) {
  Array k = jr::key(108);
  for (double p : {0.5, 0.03, 0.9}) {
    std::vector<int64_t> b = ints(jr::bernoulli(k, p, Shape{kN}));
    expect_binomial("bernoulli", std::accumulate(b.begin(), b.end(), int64_t(0)), kN, p);
    std::vector<int64_t> h = ints(jr::bernoulli(k, p, Shape{kN}, "high"));
    expect_binomial("bernoulli high", std::accumulate(h.begin(), h.end(), int64_t(0)), kN, p);
  }
  std::vector<int64_t> r = ints(jr::rademacher(k, {kN}));
  int64_t plus = std::count(r.begin(), r.end(), 1);
  EXPECT_EQ(plus + std::count(r.begin(), r.end(), -1), kN);
  expect_binomial("rademacher", plus, kN, 0.5);
}

TEST(RandomStats, Randint) {
  Array k = jr::key(109);
  expect_chi2("randint [0, 10)", ints(jr::randint(k, {kN}, 0, 10)), std::vector<double>(10, 0.1));
  std::vector<int64_t> s = ints(jr::randint(k, {kN}, -3, 4, jx::int8));
  for (auto& v : s) v += 3;
  expect_chi2("randint int8 [-3, 4)", s, std::vector<double>(7, 1.0 / 7));
  expect_chi2("randint [0, 1000)", ints(jr::randint(k, {50000}, 0, 1000)),
              std::vector<double>(1000, 1e-3));
}

TEST(RandomStats, Categorical) {
  Array k = jr::key(110);
  std::vector<float> logits{0.f, 1.f, -1.f, 2.f, 0.5f};
  std::vector<double> probs(5);
  double z = 0;
  for (float l : logits) z += std::exp(double(l));
  for (size_t i = 0; i < 5; ++i) probs[i] = std::exp(double(logits[i])) / z;
  Array lg = jx::np::array(logits);
  expect_chi2("categorical", ints(jr::categorical(k, lg, -1, Shape{kN})), probs);
  // Batched along axis 0: every column its own distribution.
  Array lg2 = jx::lax::broadcast_in_dim(lg, Shape{5, 3}, {0});
  std::vector<int64_t> c = ints(jr::categorical(k, lg2, 0, Shape{kN / 3, 3}));
  expect_chi2("categorical axis 0", c, probs);
  // Without replacement: distinct, and the first draw follows softmax.
  std::vector<int64_t> firsts;
  Array keys = jr::split(k, 2000);
  for (int i = 0; i < 2000; ++i) {
    std::vector<int64_t> d = ints(jr::categorical(keys[i], lg, -1, Shape{3}, false));
    std::vector<int64_t> u = d;
    std::sort(u.begin(), u.end());
    EXPECT_EQ(std::unique(u.begin(), u.end()), u.end());
    firsts.push_back(d[0]);
  }
  expect_chi2("categorical without replacement, first draw", firsts, probs);
}

TEST(RandomStats, PermutationIsUniform) {
  // 24 orderings of 4 elements; each column of a (4, n) array is shuffled
  // independently.
  Array k = jr::key(111);
  int n = 12000;
  Array x = jx::lax::iota(jx::int32, Shape{4, n}, 0);
  std::vector<int64_t> p = ints(jr::permutation(k, x, 0, true));
  std::vector<int64_t> code(static_cast<size_t>(n));
  std::vector<int> order{0, 1, 2, 3};
  std::vector<std::vector<int>> all;
  do all.push_back(order);
  while (std::next_permutation(order.begin(), order.end()));
  for (int j = 0; j < n; ++j) {
    std::vector<int> col{int(p[size_t(j)]), int(p[size_t(n + j)]), int(p[size_t(2 * n + j)]),
                         int(p[size_t(3 * n + j)])};
    code[size_t(j)] = std::find(all.begin(), all.end(), col) - all.begin();
  }
  expect_chi2("permutation of 4", code, std::vector<double>(24, 1.0 / 24));
}

TEST(RandomStats, Choice) {
  Array k = jr::key(112);
  std::vector<float> p{0.1f, 0.0f, 0.6f, 0.3f};
  Array pa = jx::np::array(p);
  expect_chi2("choice with p", ints(jr::choice(k, 4, {kN}, true, pa)), {0.1, 0.0, 0.6, 0.3});
  expect_chi2("choice uniform", ints(jr::choice(k, 6, {kN})), std::vector<double>(6, 1.0 / 6));
  std::vector<int64_t> firsts;
  Array keys = jr::split(k, 2000);
  for (int i = 0; i < 2000; ++i) {
    std::vector<int64_t> d = ints(jr::choice(keys[i], 4, {2}, false, pa));
    EXPECT_NE(d[0], d[1]);
    firsts.push_back(d[0]);
  }
  expect_chi2("choice without replacement with p, first draw", firsts, {0.1, 0.0, 0.6, 0.3});
}

TEST(RandomStats, MultivariateNormal) {
  Array k = jr::key(113);
  Array mean = jx::np::array({1.f, -2.f, 0.5f});
  Array cov = jx::np::array({{2.f, 0.5f, 0.3f}, {0.5f, 1.f, -0.2f}, {0.3f, -0.2f, 0.7f}});
  std::vector<double> x = values(jr::multivariate_normal(k, mean, cov, Shape{kN}));
  // Projections w.x are N(w.mean, w' cov w).
  std::vector<std::vector<double>> ws{{1, 0, 0}, {0, 1, 0}, {1, 1, 1}, {0.3, -1, 2}};
  std::vector<double> m{1, -2, 0.5};
  std::vector<std::vector<double>> c{{2, 0.5, 0.3}, {0.5, 1, -0.2}, {0.3, -0.2, 0.7}};
  for (const auto& w : ws) {
    double mu = 0, var = 0;
    for (int i = 0; i < 3; ++i) {
      mu += w[size_t(i)] * m[size_t(i)];
      for (int j = 0; j < 3; ++j) var += w[size_t(i)] * c[size_t(i)][size_t(j)] * w[size_t(j)];
    }
    std::vector<double> proj(static_cast<size_t>(kN));
    for (int s = 0; s < kN; ++s)
      for (int i = 0; i < 3; ++i) proj[size_t(s)] += w[size_t(i)] * x[size_t(3 * s + i)];
    double sd = std::sqrt(var);
    EXPECT_LT(ks_distance(proj, [&](double v) { return normal_cdf((v - mu) / sd); }),
              std::sqrt(std::log(2 / kAlpha) / (2.0 * kN)));
  }
}

TEST(RandomStats, OrthogonalIsHaar) {
  // For Haar-distributed O(n), Q[0,0]^2 ~ Beta(1/2, (n-1)/2).
  Array k = jr::key(114);
  int n = 4, m = 4000;
  std::vector<double> q = values(jr::orthogonal(k, n, {m}));
  std::vector<double> q00;
  for (int i = 0; i < m; ++i) q00.push_back(q[size_t(i * n * n)] * q[size_t(i * n * n)]);
  EXPECT_LT(ks_distance(q00, [&](double x) { return beta_cdf(0.5, (n - 1) / 2.0, x); }),
            std::sqrt(std::log(2 / kAlpha) / (2.0 * m)));
  // Orthogonality of every sample.
  double worst = 0;
  for (int s = 0; s < m; ++s)
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        double dot = 0;
        for (int t = 0; t < n; ++t) dot += q[size_t(s * 16 + i * 4 + t)] * q[size_t(s * 16 + j * 4 + t)];
        worst = std::max(worst, std::fabs(dot - (i == j)));
      }
  EXPECT_LT(worst, 1e-5);
}

}  // namespace
