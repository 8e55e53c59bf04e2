// Reparameterized samplers are differentiable with respect to their
// parameters (the key fixed): uniform's bounds and truncated_normal's bounds,
// checked with check_grads against finite differences, to second order.
#include <gtest/gtest.h>

#include "jx/check_grads.h"
#include "jx/jx.h"

namespace np = jx::np;
namespace jr = jx::random;
using jx::Array;

TEST(RandomGrad, UniformBoundsFloat64) {
  Array key = jr::key(3);
  jx::FlatFn f = [key](std::span<const Array> in) {
    return std::vector<Array>{jr::uniform(key, {8}, jx::float64, in[0], in[1])};
  };
  std::vector<Array> args{np::array(-0.5), np::array(2.0)};
  EXPECT_NO_THROW(jx::test::check_grads(f, args, 2, {"fwd", "rev"}));
  // d u / d maxval = (u - minval) / (maxval - minval), the uniform draw itself.
  auto g = jx::grad([&](const Array& hi) { return np::sum(jr::uniform(key, {8}, jx::float64, -0.5, hi)); })(np::array(2.0));
  Array u01 = jr::uniform(key, {8}, jx::float64);
  EXPECT_NEAR(g.item<double>(), np::sum(u01).item<double>(), 1e-12);
}

TEST(RandomGrad, TruncatedNormalBoundsFloat64) {
  Array key = jr::key(11);
  jx::FlatFn f = [key](std::span<const Array> in) {
    return std::vector<Array>{jr::truncated_normal(key, in[0], in[1], jx::Shape{6}, jx::float64)};
  };
  std::vector<Array> args{np::array(-1.0), np::array(1.5)};
  EXPECT_NO_THROW(jx::test::check_grads(f, args, 2, {"fwd", "rev"}));
}
