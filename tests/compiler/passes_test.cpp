// IR passes, tested on jaxpr text: input text -> pass -> expected text.
#include "compiler/passes.h"

#include <gtest/gtest.h>

#include "jx/jx.h"

namespace {

std::string run(const std::string& text, void (*pass)(jx::ClosedJaxpr&)) {
  jx::ClosedJaxpr c;
  c.jaxpr = jx::parse_jaxpr(text);
  pass(c);
  jx::verify_jaxpr(c.jaxpr);
  return c.str();
}

std::string canon(const std::string& text) {
  jx::ClosedJaxpr c;
  c.jaxpr = jx::parse_jaxpr(text);
  return c.str();
}

}  // namespace

TEST(Passes, DceRemovesUnusedEquations) {
  EXPECT_EQ(run("{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[3] = cos a in (b,) }",
                jx::compiler::dce),
            canon("{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }"));
}

TEST(Passes, CseMergesEqualEquations) {
  EXPECT_EQ(run("{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[3] = sin a; d:f32[3] = add b c "
                "in (d,) }",
                jx::compiler::cse),
            canon("{ lambda ; a:f32[3]. let b:f32[3] = sin a; d:f32[3] = add b b in (d,) }"));
}

TEST(Passes, SimplifyMulByOneAndDoubleNegation) {
  EXPECT_EQ(run("{ lambda ; a:f32[]. let b:f32[] = mul a 1.0:f32[]; c:f32[] = neg b; d:f32[] = neg "
                "c in (d,) }",
                [](jx::ClosedJaxpr& c) {
                  jx::compiler::simplify(c);
                  jx::compiler::dce(c);
                }),
            canon("{ lambda ; a:f32[]. let  in (a,) }"));
}

TEST(Passes, SimplifyKeepsFloatAddOfZero) {
  // -0.0 + 0.0 is +0.0, so x + 0 is not x for floats.
  std::string t = "{ lambda ; a:f32[]. let b:f32[] = add a 0.0:f32[] in (b,) }";
  EXPECT_EQ(run(t, jx::compiler::simplify), canon(t));
  EXPECT_EQ(
      run("{ lambda ; a:i32[]. let b:i32[] = add a 0:i32[] in (b,) }", jx::compiler::simplify),
      canon("{ lambda ; a:i32[]. let  in (a,) }"));
}

TEST(Passes, SimplifyTransposeChains) {
  EXPECT_EQ(run("{ lambda ; a:f32[2,3]. let b:f32[3,2] = transpose[permutation=(1, 0)] a; "
                "c:f32[2,3] = transpose[permutation=(1, 0)] b in (c,) }",
                [](jx::ClosedJaxpr& c) {
                  jx::compiler::simplify(c);
                  jx::compiler::dce(c);
                }),
            canon("{ lambda ; a:f32[2,3]. let  in (a,) }"));
}

TEST(Passes, ConstantFoldEvaluatesConstantEquations) {
  EXPECT_EQ(
      run("{ lambda ; a:f32[]. let b:f32[] = add 2.0:f32[] 3.0:f32[]; c:f32[] = mul a b in (c,) }",
          jx::compiler::constant_fold),
      canon("{ lambda ; a:f32[]. let c:f32[] = mul a 5.0:f32[] in (c,) }"));
}

TEST(Passes, InlineNestedJit) {
  auto inner = jx::jit([](const jx::Array& x) { return jx::np::sin(x); });
  auto j = jx::make_jaxpr([&](const jx::Array& x) { return inner(x) * 2.f; })(jx::np::array(1.f));
  bool has_call = false;
  for (const auto& e : j.jaxpr.eqns) has_call = has_call || e.prim->name == "jit_call";
  EXPECT_TRUE(has_call) << j;
  jx::compiler::inline_calls(j);
  jx::verify_jaxpr(j.jaxpr);
  ASSERT_EQ(j.jaxpr.eqns.size(), 2u) << j;
  EXPECT_EQ(j.jaxpr.eqns[0].prim->name, "sin");
}

TEST(Passes, SimplifyFoldsATransposedDotIntoSwappedOperands) {
  // (A B)^T = B^T A^T: the gradient of a matmul never materializes a transpose.
  EXPECT_EQ(run("{ lambda ; a:f32[4,3] b:f32[4,5]. let "
                "c:f32[3,5] = dot_general[lhs_contracting_dimensions=(0,) "
                "rhs_contracting_dimensions=(0,) "
                "lhs_batch_dimensions=() rhs_batch_dimensions=()] a b; "
                "d:f32[5,3] = transpose[permutation=(1, 0)] c in (d,) }",
                [](jx::ClosedJaxpr& c) {
                  jx::compiler::simplify(c);
                  jx::compiler::dce(c);
                }),
            canon("{ lambda ; a:f32[4,3] b:f32[4,5]. let "
                  "d:f32[5,3] = dot_general[lhs_contracting_dimensions=(0,) "
                  "rhs_contracting_dimensions=(0,) "
                  "lhs_batch_dimensions=() rhs_batch_dimensions=()] b a in (d,) }"));
  // A dot used twice keeps its transpose (no recomputation).
  std::string twice =
      "{ lambda ; a:f32[4,3] b:f32[4,5]. let "
      "c:f32[3,5] = dot_general[lhs_contracting_dimensions=(0,) rhs_contracting_dimensions=(0,) "
      "lhs_batch_dimensions=() rhs_batch_dimensions=()] a b; "
      "d:f32[5,3] = transpose[permutation=(1, 0)] c in (d, c) }";
  EXPECT_EQ(run(twice, jx::compiler::simplify), canon(twice));
}

TEST(Passes, TransposedDotGivesTheSameValues) {
  auto f = [](const jx::Array& a, const jx::Array& b) {
    return jx::np::transpose(jx::lax::dot_general(a, b, {{0}, {0}, {}, {}}));
  };
  jx::Array a = jx::random::normal(jx::random::key(1), {4, 3});
  jx::Array b = jx::random::normal(jx::random::key(2), {4, 5});
  EXPECT_TRUE(jx::np::allclose(jx::jit(f)(a, b), f(a, b), 1e-6, 1e-6));
}
