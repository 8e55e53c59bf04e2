// make_jaxpr of small functions compared with expected jaxpr text. The texts
// were checked against what JAX prints for the same functions: e.g. JAX's
// jaxpr of grad(sin(cos(x))) is
//   b = cos a; c = sin a; _ = sin b; d = cos b; e = mul 1.0 d; f = neg e; g = mul f c
// which is the GradSinOfCos text below (JAX accumulates cotangents with
// add_any where jx uses add).
#include <gtest/gtest.h>

#include <sstream>

#include "jx/jx.h"

namespace np = jx::np;
using jx::Array;

namespace {
std::string text(const jx::ClosedJaxpr& j) { return j.str(); }
const Array x = np::array(1.f);
const Array v = np::ones({3});
const Array m = np::ones({2, 3});
}  // namespace

TEST(MakeJaxprText, SinOfCos) {
  EXPECT_EQ(text(jx::make_jaxpr([](const Array& a) { return np::sin(np::cos(a)); })(x)), R"({ lambda ; a:f32[]. let
    b:f32[] = cos a
    c:f32[] = sin b
  in (c,) })");
}

TEST(MakeJaxprText, GradSinOfCos) {
  EXPECT_EQ(text(jx::make_jaxpr(jx::grad([](const Array& a) { return np::sin(np::cos(a)); }))(x)), R"({ lambda ; a:f32[]. let
    b:f32[] = cos a
    c:f32[] = sin a
    _:f32[] = sin b
    d:f32[] = cos b
    e:f32[] = mul 1.0:f32[] d
    f:f32[] = neg e
    g:f32[] = mul f c
  in (g,) })");
}

TEST(MakeJaxprText, MulAdd) {
  EXPECT_EQ(text(jx::make_jaxpr([](const Array& a, const Array& b) { return a * b + a; })(v, v)), R"({ lambda ; a:f32[3] b:f32[3]. let
    c:f32[3] = mul a b
    d:f32[3] = add c a
  in (d,) })");
}

TEST(MakeJaxprText, SumOfSquares) {
  EXPECT_EQ(text(jx::make_jaxpr([](const Array& a) { return np::sum(a * a); })(v)), R"({ lambda ; a:f32[3]. let
    b:f32[3] = mul a a
    c:f32[] = reduce_sum[axes=(0,)] b
  in (c,) })");
}

TEST(MakeJaxprText, GradSumOfSquares) {
  EXPECT_EQ(text(jx::make_jaxpr(jx::grad([](const Array& a) { return np::sum(a * a); }))(v)), R"({ lambda ; a:f32[3]. let
    b:f32[3] = mul a a
    _:f32[] = reduce_sum[axes=(0,)] b
    c:f32[3] = broadcast_in_dim[shape=(3,) broadcast_dimensions=()] 1.0:f32[]
    d:f32[3] = mul c a
    e:f32[3] = mul a c
    f:f32[3] = add d e
  in (f,) })");
}

TEST(MakeJaxprText, GradTanh) {
  EXPECT_EQ(text(jx::make_jaxpr(jx::grad([](const Array& a) { return np::tanh(a); }))(x)), R"({ lambda ; a:f32[]. let
    b:f32[] = tanh a
    c:f32[] = sub 1.0:f32[] b
    d:f32[] = mul 1.0:f32[] c
    e:f32[] = mul d b
    f:f32[] = add d e
  in (f,) })");
}

TEST(MakeJaxprText, GradExpTimesX) {
  EXPECT_EQ(text(jx::make_jaxpr(jx::grad([](const Array& a) { return np::exp(a) * a; }))(x)), R"({ lambda ; a:f32[]. let
    b:f32[] = exp a
    _:f32[] = mul b a
    c:f32[] = mul 1.0:f32[] a
    d:f32[] = mul b 1.0:f32[]
    e:f32[] = mul c b
    f:f32[] = add d e
  in (f,) })");
}

TEST(MakeJaxprText, VmapSum) {
  EXPECT_EQ(text(jx::make_jaxpr(jx::vmap([](const Array& a) { return np::sum(a); }))(m)), R"({ lambda ; a:f32[2,3]. let
    b:f32[2] = reduce_sum[axes=(1,)] a
  in (b,) })");
}

TEST(MakeJaxprText, WeakScalarMul) {
  EXPECT_EQ(text(jx::make_jaxpr([](const Array& a) { return a * 2.f; })(v)), R"({ lambda ; a:f32[3]. let
    b:f32[3] = broadcast_in_dim[shape=(3,) broadcast_dimensions=()] 2.0:f32[]
    c:f32[3] = mul a b
  in (c,) })");
}

TEST(MakeJaxprText, JvpSin) {
  EXPECT_EQ(text(jx::make_jaxpr([](const Array& a, const Array& t) {
    auto [y, ty] = jx::jvp([](const Array& u) { return np::sin(u); }, std::make_tuple(a), std::make_tuple(t));
    return std::make_pair(y, ty);
  })(x, x)), R"({ lambda ; a:f32[] b:f32[]. let
    c:f32[] = sin a
    d:f32[] = cos a
    e:f32[] = mul b d
  in (c, e) })");
}

TEST(MakeJaxprText, ReduceMax) {
  EXPECT_EQ(text(jx::make_jaxpr([](const Array& a) { return jx::lax::reduce_max(a, {0}); })(v)), R"({ lambda ; a:f32[3]. let
    b:f32[] = reduce_max[axes=(0,)] a
  in (b,) })");
}

TEST(MakeJaxprText, GradLogOverX) {
  EXPECT_EQ(text(jx::make_jaxpr(jx::grad([](const Array& a) { return np::log(a) / a; }))(x)), R"({ lambda ; a:f32[]. let
    b:f32[] = log a
    _:f32[] = div b a
    c:f32[] = integer_pow[y=-2] a
    d:f32[] = div 1.0:f32[] a
    e:f32[] = mul 1.0:f32[] c
    f:f32[] = mul e b
    g:f32[] = neg f
    h:f32[] = div d a
    i:f32[] = add g h
  in (i,) })");
}

TEST(MakeJaxprText, Transpose) {
  EXPECT_EQ(text(jx::make_jaxpr([](const Array& a) { return np::transpose(a); })(m)), R"({ lambda ; a:f32[2,3]. let
    b:f32[3,2] = transpose[permutation=(1, 0)] a
  in (b,) })");
}

TEST(MakeJaxprText, VmapUnmappedOperand) {
  EXPECT_EQ(text(jx::make_jaxpr(jx::vmap([](const Array& a, const Array& b) { return a * b; }, {0, std::nullopt}))(m, v)), R"({ lambda ; a:f32[2,3] b:f32[3]. let
    c:f32[2,3] = broadcast_in_dim[shape=(2, 3) broadcast_dimensions=(1,)] b
    d:f32[2,3] = mul a c
  in (d,) })");
}

TEST(MakeJaxprText, TracedJaxprsRoundTripThroughText) {
  for (const jx::ClosedJaxpr& j :
       {jx::make_jaxpr(jx::grad([](const Array& a) { return np::log(a) / a; }))(x),
        jx::make_jaxpr(jx::vmap([](const Array& a) { return np::sum(a); }))(m),
        jx::make_jaxpr(jx::grad([](const Array& a) { return np::sum(np::tanh(a) * a); }))(v)}) {
    jx::Jaxpr parsed = jx::parse_jaxpr(j.str());
    jx::verify_jaxpr(parsed);
    EXPECT_EQ(parsed.str(), j.str());
  }
}
