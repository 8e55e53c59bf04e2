// Built by CI against an installed jx: proves find_package(jx) works.
#include <jx/jx.h>

#include <iostream>

int main() {
  float data[] = {1, 2, 3, 4};
  auto x = jx::make_from_host(data, jx::Aval{jx::float32, {2, 2}, false}, jx::default_device());
  auto y = jx::lax::reduce_sum(jx::lax::mul(x, x), {0, 1});
  std::cout << y << "\n";
  return y.item<float>() == 30.0f ? 0 : 1;
}
