// A tour of jx's foundation: arrays, dtypes, broadcasting, reductions,
// printing, and an error message shown and caught. `./scripts/demo` runs it.
#include <jx/jx.h>

#include <iostream>

namespace np = jx::np;
using jx::Array;

namespace {
struct Params {
  Array w, b;
};
JX_TREE(Params, w, b);
Array loss(const Params& p, const Array& x) { return np::sum(np::tanh(x * p.w + p.b)); }
}  // namespace

int main() {
  std::cout << "jx devices: ";
  for (const auto& d : jx::devices()) std::cout << d.str() << " ";
  std::cout << "\n\n";

  // Arrays are immutable values with a dtype, a shape and a device.
  auto x = np::array({1.f, 2.f, 3.f});
  auto m = np::reshape(np::arange(6), {2, 3});
  std::cout << "x = " << x << "\n";
  std::cout << "m = " << m << "\n";
  std::cout << "m.shape() = " << m.shape().str() << ", m.dtype() = " << m.dtype().name() << "\n\n";

  // C++ scalars are weakly typed: they never widen an array.
  auto y = np::exp(x) * 2 + 1.5;
  std::cout << "exp(x) * 2 + 1.5 = " << y << "\n";
  auto h = np::astype(x, jx::float16) * 3.0;
  std::cout << "float16 stays float16: " << h << "\n";
  std::cout << "int32 + 1.5 promotes: " << (m + 1.5) << "\n\n";

  // NumPy broadcasting.
  auto b = m + np::array({10, 20, 30});
  std::cout << "m + [10, 20, 30] = " << b << "\n";
  auto col = np::reshape(np::array({100, 200}), {2, 1});
  std::cout << "m * [[100], [200]] = " << m * col << "\n\n";

  // Reductions with axes and keepdims.
  std::cout << "sum(m) = " << np::sum(m) << "\n";
  std::cout << "sum(m, axis=1, keepdims) = " << np::sum(m, 1, true) << "\n";
  std::cout << "mean(m, axis=0) = " << np::mean(m, 0) << "\n";
  std::cout << "argmax(x) = " << np::argmax(x) << "\n";
  auto xs = np::linspace(0.0, 1.0, 5);
  std::cout << "std(linspace(0, 1, 5)) = " << np::std(xs) << "\n\n";

  // Large arrays print summarised, as NumPy does.
  std::cout << "arange(2000) = " << np::arange(2000) << "\n\n";

  // Indexing, element access.
  std::cout << "m[1] = " << m[1] << ", m[-1][2].item<int>() = " << m[-1][2].item<int>() << "\n\n";

  // Errors name the op, the shapes at fault and this file's line.
  try {
    auto bad = np::add(np::zeros({3, 4}), np::zeros({5}));
    std::cout << bad << "\n";
  } catch (const jx::Error& e) {
    std::cout << "caught jx::Error: " << e.what() << "\n";
  }
  try {
    auto bad = np::sum(m, 3);
    std::cout << bad << "\n";
  } catch (const jx::Error& e) {
    std::cout << "caught jx::Error: " << e.what() << "\n";
  }

  // Transformations compose: grad of a pytree, per-example gradients with vmap,
  // the traced IR, and jit.
  Params p{np::array({0.5f, -1.f, 2.f}), np::zeros({3})};
  Params g = jx::grad(loss)(p, x);
  std::cout << "\ngrad(loss).w = " << g.w << "\n";
  Array batch = np::reshape(np::linspace(0.0, 1.0, 6), {2, 3});
  Array per_example = jx::vmap([&](const Array& xi) { return jx::grad(loss)(p, xi).w; })(batch);
  std::cout << "per-example grads = " << per_example << "\n";
  std::cout << "make_jaxpr(grad(sin(cos(x)))):\n"
            << jx::make_jaxpr(jx::grad([](const Array& a) { return np::sin(np::cos(a)); }))(
                   np::array(1.f))
            << "\n";
  auto step = jx::jit([](const Params& q, const Array& v) { return jx::grad(loss)(q, v); });
  std::cout << "jit(grad(loss)).w = " << step(p, x).w << "\n";

  // Explicit PRNG keys: the same values as jax.random.normal(jax.random.PRNGKey(0), (4,)).
  std::cout << "random.normal(key(0), (4,)) = " << jx::random::normal(jx::random::key(0), {4})
            << "\n";

  auto stats = jx::memory_stats();
  std::cout << "\nallocator: " << stats.bytes_in_use << " bytes in use, peak "
            << stats.peak_bytes_in_use << ", " << stats.num_reused << " of " << stats.num_allocs
            << " buffers reused\n";
  return 0;
}
