// Fusion: which equations group into kernels, and that a fused plan computes
// what the equations do (kernels run by the kernel IR's reference
// interpreter here; the LLVM backend is compared with the interpreter in its
// own tests and with eager through jit in the differential tests).
#include "compiler/fusion.h"

#include <gtest/gtest.h>

#include "compiler/passes.h"
#include "jx/jx.h"
#include "test_util.h"

namespace jx::compiler {
namespace {

ClosedJaxpr trace(const FlatFn& f, std::vector<Aval> avals) {
  ClosedJaxpr c = make_jaxpr_flat(f, avals);
  optimize(c);
  return c;
}

// Runs a plan: kernels through the interpreter, other equations eagerly.
std::vector<Array> run_plan(const ClosedJaxpr& c, const FusionPlan& p, std::vector<Array> args) {
  const Jaxpr& j = c.jaxpr;
  std::vector<Array> env(j.avals.size());
  for (size_t i = 0; i < j.constvars.size(); ++i) env[size_t(j.constvars[i])] = c.consts[i];
  for (size_t i = 0; i < args.size(); ++i) env[size_t(j.invars[i])] = args[i];
  for (const FusionPlan::Item& it : p.order) {
    if (!it.is_kernel) {
      const Eqn& e = j.eqns[it.index];
      std::vector<Array> in;
      for (const Atom& a : e.inputs) in.push_back(a.is_literal() ? a.literal : env[size_t(a.var)]);
      auto out = eval_primitive(*e.prim, in, e.params);
      for (size_t k = 0; k < out.size(); ++k) env[size_t(e.outputs[k])] = out[k];
      continue;
    }
    const FusedKernel& fk = p.kernels[it.index];
    std::vector<char*> bufs;
    for (int v : fk.inputs)
      bufs.push_back(static_cast<char*>(env[size_t(v)].impl().buffer->data()));
    for (int v : fk.outputs) {
      env[size_t(v)] = make_uninit(j.avals[size_t(v)], default_device());
      bufs.push_back(static_cast<char*>(env[size_t(v)].impl().buffer->data()));
    }
    kir::interpret(fk.kernel, bufs.data(), 0, fk.kernel.rows());
  }
  std::vector<Array> out;
  for (const Atom& a : j.outvars) out.push_back(a.is_literal() ? a.literal : env[size_t(a.var)]);
  return out;
}

void expect_matches_eager(const FlatFn& f, std::vector<Array> args, size_t want_kernels,
                          size_t want_eager, double tol = 1e-6) {
  std::vector<Aval> avals;
  for (const Array& a : args) avals.push_back(a.aval());
  ClosedJaxpr c = trace(f, avals);
  FusionPlan p = plan_fusion(c.jaxpr);
  size_t eager = 0;
  for (const auto& it : p.order) eager += it.is_kernel ? 0 : 1;
  std::string kernels;
  for (const auto& k : p.kernels) kernels += k.kernel.str();
  EXPECT_EQ(p.kernels.size(), want_kernels) << c.str() << kernels;
  EXPECT_EQ(eager, want_eager) << c.str() << kernels;
  auto got = run_plan(c, p, args);
  auto want = f(args);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].aval(), want[i].aval());
    EXPECT_TRUE(np::allclose(got[i], want[i], tol, tol)) << i << "\n" << got[i] << "\n" << want[i];
  }
}

Array rnd(const Shape& s, uint32_t seed) { return random::normal(random::key(seed), s); }

TEST(Fusion, ElementwiseChainWithScalarBroadcastIsOneKernel) {
  auto f = [](std::span<const Array> a) {
    Array x = a[0];
    return std::vector<Array>{np::tanh(np::exp(x * 0.5f) + 1.0f) * x - np::sin(x)};
  };
  expect_matches_eager(f, {rnd({4, 37}, 1)}, 1, 0);
}

TEST(Fusion, SoftmaxIsOneKernel) {
  auto f = [](std::span<const Array> a) {
    Array x = a[0];
    Array m = np::max(x, -1, true);
    Array e = np::exp(x - jx::stop_gradient(m));
    return std::vector<Array>{e / np::sum(e, -1, true)};
  };
  expect_matches_eager(f, {rnd({6, 33}, 2)}, 1, 0);
}

TEST(Fusion, LayerNormWithAffineIsOneKernel) {
  auto f = [](std::span<const Array> a) {
    Array x = a[0];
    Array mu = np::mean(x, -1, true);
    Array xc = x - mu;
    Array var = np::mean(xc * xc, -1, true);
    return std::vector<Array>{xc * lax::rsqrt(var + 1e-5f) * a[1] + a[2]};
  };
  expect_matches_eager(f, {rnd({5, 64}, 3), rnd({64}, 4), rnd({64}, 5)}, 1, 0, 1e-5);
}

TEST(Fusion, TransposedAndBroadcastOperandsBecomeStrides) {
  auto f = [](std::span<const Array> a) {
    return std::vector<Array>{np::transpose(a[0]) * a[1] + np::exp(a[1])};
  };
  expect_matches_eager(f, {rnd({7, 5}, 6), rnd({5, 7}, 7)}, 1, 0);
}

TEST(Fusion, MultiOutputWhenAValueIsUsedOutside) {
  // y = exp(x) is returned and also feeds z: one kernel with two outputs.
  auto f = [](std::span<const Array> a) {
    Array y = np::exp(a[0]);
    return std::vector<Array>{y, y * 2.0f + 1.0f};
  };
  std::vector<Aval> avals{rnd({8, 8}, 8).aval()};
  ClosedJaxpr c = trace(f, avals);
  FusionPlan p = plan_fusion(c.jaxpr);
  ASSERT_EQ(p.kernels.size(), 1u);
  EXPECT_EQ(p.kernels[0].outputs.size(), 2u);
  expect_matches_eager(f, {rnd({8, 8}, 8)}, 1, 0);
}

TEST(Fusion, DotRunsEagerAndItsEpilogueFuses) {
  auto f = [](std::span<const Array> a) {
    Array h = np::matmul(a[0], a[1]) + a[2];
    return std::vector<Array>{np::maximum(h, 0.0f)};
  };
  expect_matches_eager(f, {rnd({4, 6}, 9), rnd({6, 3}, 10), rnd({3}, 11)}, 1, 1, 1e-5);
}

TEST(Fusion, ColumnReductionStaysEagerWithItsProducerFused) {
  auto f = [](std::span<const Array> a) { return std::vector<Array>{np::sum(np::exp(a[0]), 0)}; };
  expect_matches_eager(f, {rnd({9, 4}, 12)}, 1, 1, 1e-5);
}

TEST(Fusion, FullReductionToAScalar) {
  auto f = [](std::span<const Array> a) {
    return std::vector<Array>{np::mean(np::square(a[0] - a[1]))};
  };
  expect_matches_eager(f, {rnd({3, 10}, 13), rnd({3, 10}, 14)}, 1, 0, 1e-5);
}

TEST(Fusion, IntegerAndBoolOps) {
  auto f = [](std::span<const Array> a) {
    Array i = lax::convert_element_type(a[0] * 3.0f, int32);
    Array b = (i > 1) & (i < 5);
    return std::vector<Array>{np::where(b, i, -i),
                              np::sum(lax::convert_element_type(b, int32), -1)};
  };
  expect_matches_eager(f, {rnd({4, 16}, 15)}, 1, 0);
}

TEST(Fusion, NoCycleThroughAnEagerConsumer) {
  // a = exp(x); b = dot(a, w) (eager); c = a + b: a's kernel cannot also
  // contain c, which needs b, which needs a.
  auto f = [](std::span<const Array> a) {
    Array e = np::exp(a[0]);
    return std::vector<Array>{np::sin(e + np::matmul(e, a[1]))};
  };
  expect_matches_eager(f, {rnd({4, 4}, 16), rnd({4, 4}, 17)}, 2, 1, 1e-5);
}

}  // namespace
}  // namespace jx::compiler
