// jx::nn MultiheadAttention, GRUCell and LSTMCell against equinox fixtures
// (same key, same weights), masks (2-d, per head, causal), batched ==
// unbatched, attention dropout, gradients and errors.
#include <gtest/gtest.h>

#include "jx/jx.h"
#include "jx/nn.h"
#include "nn/layers_fixture.h"

namespace np = jx::np;
namespace nn = jx::nn;
using jx::Array;
using jxt::nn::close;

namespace {

const jxt::nn::Fixture& fx() {
  static jxt::nn::Fixture f("layers_attention.txt");
  return f;
}
const jxt::nn::Fixture& rx() {
  static jxt::nn::Fixture f("layers_recurrent.txt");
  return f;
}

nn::MultiheadAttention make_mha() {
  return nn::MultiheadAttention(2, 8, jx::random::key(20),
                                {.key_size = 6,
                                 .value_size = 5,
                                 .output_size = 7,
                                 .use_query_bias = true,
                                 .use_key_bias = true,
                                 .use_value_bias = true,
                                 .use_output_bias = true});
}

TEST(NnAttention, MatchesEquinox) {
  nn::MultiheadAttention mha = make_mha();
  for (auto [p, lin] : {std::pair{"query_proj", &mha.query_proj},
                        {"key_proj", &mha.key_proj},
                        {"value_proj", &mha.value_proj},
                        {"output_proj", &mha.output_proj}}) {
    EXPECT_TRUE(close(lin->weight, fx()[std::string("mha.") + p + ".weight"], 0, 0)) << p;
    EXPECT_TRUE(close(*lin->bias, fx()[std::string("mha.") + p + ".bias"], 0, 0)) << p;
  }
  Array q = fx()["mha.q"], k = fx()["mha.k"], v = fx()["mha.v"];
  Array y = mha(q, k, v);
  EXPECT_TRUE(close(y, fx()["mha.y"], 1e-5, 1e-4));
  EXPECT_TRUE(close(mha(q[1], k[1], v[1]), y[1], 1e-6, 1e-5));
  // A per-example [N, Sq, Sk] mask goes through vmap over examples.
  Array mask = fx().mask("mha.mask");
  Array ym = jx::vmap([&](const Array& a, const Array& b, const Array& c, const Array& m) {
    return mha(a, b, c, m);
  })(q, k, v, mask);
  EXPECT_TRUE(close(ym, fx()["mha.y_masked"], 1e-5, 1e-4));
  EXPECT_TRUE(close(mha(q[0], k[0], v[0], mask[0]), fx()["mha.y_masked"][0], 1e-5, 1e-4));
  // A [heads, Sq, Sk] mask applies per head.
  EXPECT_TRUE(
      close(mha(q, k, v, fx().mask("mha.head_mask")), fx()["mha.y_head_masked"], 1e-5, 1e-4));
}

TEST(NnAttention, CausalSelfAttention) {
  nn::MultiheadAttention mha(4, 8, jx::random::key(21));
  Array x = fx()["mha_self.x"];
  EXPECT_TRUE(
      close(mha(x, x, x, std::nullopt, /*causal=*/true), fx()["mha_self.y_causal"], 1e-5, 1e-4));
  // The first position attends only to itself: changing later positions leaves it unchanged.
  Array x2 = x.at(0, 3).set(np::ones({8}));
  EXPECT_TRUE(close(mha(x2, x2, x2, std::nullopt, true)[0][0],
                    mha(x, x, x, std::nullopt, true)[0][0], 0, 0));
}

TEST(NnAttention, DropoutAndGrads) {
  nn::MultiheadAttention mha(2, 4, jx::random::key(1), {.dropout_p = 0.5});
  Array x = jx::random::normal(jx::random::key(2), {3, 4});
  EXPECT_THROW(mha(x, x, x), jx::Error);  // training mode needs a key
  Array a = mha(x, x, x, std::nullopt, false, jx::random::key(3));
  Array b = mha(x, x, x, std::nullopt, false, jx::random::key(4));
  EXPECT_FALSE(close(a, b));
  EXPECT_TRUE(close(nn::inference_mode(mha)(x, x, x),
                    mha(x, x, x, std::nullopt, false, std::nullopt, true), 0, 0));
  nn::MultiheadAttention small(2, 4, jx::random::key(5), {.use_query_bias = true});
  jxt::nn::check_module_grads(
      small,
      [](const nn::MultiheadAttention& m, const Array& v) {
        return m(v, v, v, std::nullopt, true);
      },
      1, x);
  EXPECT_THROW(small(x, x, x, np::ones({3, 2}, jx::bool_)), jx::Error);
  EXPECT_THROW(small(x, np::ones({3, 5}), x), jx::Error);
}

TEST(NnRecurrent, GruMatchesEquinox) {
  nn::GRUCell gru(3, 4, jx::random::key(30));
  for (const char* n : {"weight_ih", "weight_hh"})
    EXPECT_TRUE(close(n == std::string("weight_ih") ? gru.weight_ih : gru.weight_hh,
                      rx()[std::string("gru.") + n], 0, 0));
  EXPECT_TRUE(close(*gru.bias, rx()["gru.bias"], 0, 0));
  EXPECT_TRUE(close(*gru.bias_n, rx()["gru.bias_n"], 0, 0));
  Array x = rx()["gru.x"], h = rx()["gru.h"];
  EXPECT_TRUE(close(gru(x, h), rx()["gru.y"]));
  EXPECT_TRUE(close(gru(x[1], h[1]), rx()["gru.y"][1]));
  jxt::nn::check_module_grads(
      gru, [](const nn::GRUCell& m, const Array& a, const Array& b) { return m(a, b); }, 1, x, h);
  EXPECT_THROW(gru(x, np::ones({2, 3})), jx::Error);
}

TEST(NnRecurrent, LstmMatchesEquinox) {
  nn::LSTMCell lstm(3, 4, jx::random::key(31));
  EXPECT_TRUE(close(lstm.weight_ih, rx()["lstm.weight_ih"], 0, 0));
  EXPECT_TRUE(close(lstm.weight_hh, rx()["lstm.weight_hh"], 0, 0));
  EXPECT_TRUE(close(*lstm.bias, rx()["lstm.bias"], 0, 0));
  Array x = rx()["lstm.x"], h = rx()["lstm.h"], c = rx()["lstm.c"];
  auto [h2, c2] = lstm(x, {h, c});
  EXPECT_TRUE(close(h2, rx()["lstm.h_next"]));
  EXPECT_TRUE(close(c2, rx()["lstm.c_next"]));
  jxt::nn::check_module_grads(
      lstm,
      [](const nn::LSTMCell& m, const Array& a, const Array& b, const Array& cc) {
        auto [hh, c3] = m(a, {b, cc});
        return hh + c3;
      },
      1, x, h, c);
  // A jitted 5-step unroll equals the eager one.
  auto run = [](const nn::LSTMCell& m, const Array& xs, std::pair<Array, Array> s) {
    for (int t = 0; t < 5; ++t) s = m(xs, s);
    return s.first;
  };
  auto jitted =
      jx::jit([&](const nn::LSTMCell& m, const Array& xs, const Array& hh, const Array& cc) {
        return run(m, xs, {hh, cc});
      });
  EXPECT_TRUE(close(jitted(lstm, x, h, c), run(lstm, x, {h, c}), 1e-6, 1e-5));
}

}  // namespace
