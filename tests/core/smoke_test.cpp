#include <gtest/gtest.h>

#include "jx/jx.h"

TEST(Smoke, AddTwoArrays) {
  float a[] = {1, 2, 3};
  auto x = jx::make_from_host(a, jx::Aval{jx::float32, {3}, false}, jx::default_device());
  auto y = jx::lax::add(x, x);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{2, 4, 6}));
}
