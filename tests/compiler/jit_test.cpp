// jit: caching, composition with the transformations, donation, AOT text.
#include "jx/jit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "jx/jx.h"

namespace np = jx::np;
using jx::Array;

namespace {
std::vector<float> vec(const Array& x) { return x.to_vector<float>(); }
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const jx::Error& e) {
    return e.what();
  }
  return "<no error>";
}
Array f(const Array& x, const Array& y) { return np::sum(np::tanh(x * y + 1.f) * 2.f); }
}  // namespace

TEST(Jit, MatchesEagerAndCaches) {
  int traces = 0;
  auto g = jx::jit([&](const Array& x, const Array& y) {
    ++traces;
    return f(x, y);
  });
  Array x = np::array({0.1f, 0.2f, 0.3f}), y = np::array({1.f, -1.f, 2.f});
  EXPECT_FLOAT_EQ(g(x, y).item<float>(), f(x, y).item<float>());
  g(x, y);
  g(y, x);
  EXPECT_EQ(traces, 1);
  EXPECT_EQ(g.cache_size(), 1u);
  g(np::array({1.f, 2.f}), np::array({3.f, 4.f}));  // new shape
  EXPECT_EQ(traces, 2);
  g(np::array({1.0, 2.0}), np::array({3.0, 4.0}));  // new dtype
  EXPECT_EQ(traces, 3);
}

TEST(Jit, StaticLeavesAreInTheKey) {
  int traces = 0;
  auto g = jx::jit([&](const Array& x, int power) {
    ++traces;
    Array r = x;
    for (int i = 1; i < power; ++i) r = r * x;
    return r;
  });
  Array x = np::array({2.f});
  EXPECT_FLOAT_EQ(g(x, 3).item<float>(), 8.f);
  EXPECT_FLOAT_EQ(g(x, 3).item<float>(), 8.f);
  EXPECT_FLOAT_EQ(g(x, 2).item<float>(), 4.f);
  EXPECT_EQ(traces, 2);
}

TEST(Jit, ComposesWithGradVmapAndItself) {
  auto jf = jx::jit(f);
  Array x = np::array({0.1f, 0.2f}), y = np::array({1.f, -1.f});
  Array g_eager = jx::grad(f)(x, y);
  Array g_jit_inside = jx::grad([&](const Array& a, const Array& b) { return jf(a, b); })(x, y);
  auto jg = jx::jit([](const Array& a, const Array& b) { return jx::grad(f)(a, b); });
  Array g_jit_outside = jg(x, y);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(vec(g_jit_inside)[size_t(i)], vec(g_eager)[size_t(i)], 1e-6);
    EXPECT_NEAR(vec(g_jit_outside)[size_t(i)], vec(g_eager)[size_t(i)], 1e-6);
  }
  // second order through jit
  auto h = jx::grad(
      [&](const Array& a) { return jx::grad([&](const Array& b) { return jf(b, b); })(a)[0]; });
  (void)h;
  Array xs = np::array({{0.1f, 0.2f}, {0.3f, 0.4f}});
  Array v = jx::vmap([&](const Array& a) { return jf(a, a); })(xs);
  EXPECT_NEAR(vec(v)[1], f(xs[1], xs[1]).item<float>(), 1e-6);
  // jit inside jit
  auto outer = jx::jit([&](const Array& a) { return jf(a, a) + 1.f; });
  EXPECT_NEAR(outer(x).item<float>(), f(x, x).item<float>() + 1.f, 1e-6);
}

TEST(Jit, GradOfJitSecondOrder) {
  auto js = jx::jit([](const Array& a) { return np::sin(a); });
  auto d2 = jx::grad(jx::grad([&](const Array& a) { return js(a); }));
  EXPECT_NEAR(d2(np::array(0.4f)).item<float>(), -std::sin(0.4f), 1e-6);
}

TEST(Jit, LowerAndCompileShowTheProgram) {
  auto g = jx::jit(f);
  Array x = np::array({0.1f, 0.2f});
  auto lowered = g.lower(x, x);
  std::string ir = lowered.as_text();
  EXPECT_NE(ir.find("tanh"), std::string::npos) << ir;
  auto compiled = lowered.compile();
  std::string text = compiled.as_text();
  EXPECT_NE(text.find("# plan"), std::string::npos) << text;
  EXPECT_GT(compiled.cost_analysis().flops, 0);
  EXPECT_GT(compiled.cost_analysis().bytes_accessed, 0);
}

TEST(Jit, DonationReusesAndForbidsLaterUse) {
  auto g = jx::jit([](const Array& x) { return np::exp(x) * 2.f; }, {.donate_argnums = {0}});
  Array x = np::full({4096}, 1.f);
  const void* donated_buffer = x.data();
  Array y = g(x);
  EXPECT_EQ(y.data(), donated_buffer);  // the output lives in the donated buffer
  EXPECT_NEAR(vec(y)[0], 2 * std::exp(1.f), 1e-5);
  std::string m = message_of([&] { auto z = x + 1.f; });
  EXPECT_NE(m.find("donated"), std::string::npos) << m;
}

TEST(Jit, DonatingTheSameBufferTwiceIsAnError) {
  auto g =
      jx::jit([](const Array& a, const Array& b) { return a + b; }, {.donate_argnums = {0, 1}});
  Array x = np::full({4096}, 1.f);
  std::string m = message_of([&] { g(x, x); });
  EXPECT_NE(m.find("donated but its buffer is also passed"), std::string::npos) << m;
  Array y = np::full({4096}, 2.f);
  EXPECT_EQ(vec(g(np::full({4096}, 1.f), y))[0], 3.f);
}

TEST(Jit, FusedKernelsShowInTheCompiledText) {
  auto f = jx::jit([](const Array& x) {
    Array e = np::exp(x - np::max(x, -1, true));
    return e / np::sum(e, -1, true);
  });
  // [64, 128]: above the size below which kernels run eagerly.
  Array x = np::reshape(np::remainder(np::arange(64 * 128.f), 4.f), {64, 128});
  std::string text = f.lower(x).compile().as_text();
  EXPECT_NE(text.find("1 fused kernels"), std::string::npos) << text;
  EXPECT_NE(text.find("kernel IR"), std::string::npos) << text;
  if (!std::getenv("JX_KERNEL_INTERPRET")) {
    EXPECT_NE(text.find("define"), std::string::npos) << text;
  }
  auto y = vec(f(x));
  double s = 0;
  for (int k = 0; k < 4; ++k) s += std::exp(double(k) - 3);
  s *= 32;  // each row holds 0, 1, 2, 3 thirty-two times
  EXPECT_NEAR(y[3], 1 / s, 1e-6);
  EXPECT_NEAR(y[4], std::exp(-3.0) / s, 1e-6);
  // A small program runs its equations eagerly (no compile).
  EXPECT_NE(f.lower(np::zeros({3, 4})).compile().as_text().find("0 fused kernels"),
            std::string::npos);
}

TEST(Jit, ConcurrentCallsFromThreads) {
  auto g = jx::jit([](const Array& x) { return np::sum(x * x); });
  std::vector<std::thread> ts;
  std::vector<float> out(4);
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) out[size_t(t)] = g(np::full({8}, float(t))).item<float>();
    });
  for (auto& t : ts) t.join();
  for (int t = 0; t < 4; ++t) EXPECT_FLOAT_EQ(out[size_t(t)], 8.f * float(t * t));
  EXPECT_EQ(g.cache_size(), 1u);
}

TEST(Jit, ShapeErrorsAtTraceTime) {
  auto g = jx::jit([](const Array& x) { return x + np::zeros({5}); });
  std::string m = message_of([&] { g(np::zeros({3})); });
  EXPECT_NE(m.find("[add]"), std::string::npos) << m;
  EXPECT_NE(m.find("cannot broadcast"), std::string::npos) << m;
}

TEST(Jit, LogCompilesExplainsCacheMisses) {
  jx::set_log_compiles(true);
  auto g = jx::jit([](const Array& x) { return x * 2.f; }, {.name = "double_it"});
  testing::internal::CaptureStderr();
  g(np::zeros({3}));
  g(np::zeros({3}));
  g(np::zeros({4}));
  std::string log = testing::internal::GetCapturedStderr();
  jx::set_log_compiles(false);
  EXPECT_NE(log.find("compiling double_it for (f32[3]): first call"), std::string::npos) << log;
  EXPECT_NE(log.find("new shape for leaf 0: f32[4] (compiled for f32[3])"), std::string::npos)
      << log;
  size_t count = 0;
  for (size_t p = log.find("compiling"); p != std::string::npos; p = log.find("compiling", p + 1))
    ++count;
  EXPECT_EQ(count, 2u) << log;
}
