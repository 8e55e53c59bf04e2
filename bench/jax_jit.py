"""JAX side of bench/bench_jit.cpp. Not part of the build or the tests.

    PY=$(../shared/tools/jax-venv) && JAX_PLATFORMS=cpu $PY bench/jax_jit.py
"""
import statistics
import time

import jax
import jax.numpy as jnp


def median_time(fn, reps=7, inner=1):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times)


def chain8(x):
    y = x * 1.5
    y = y + 0.5
    y = jnp.tanh(y)
    y = y * y
    y = y - 0.25
    y = jnp.exp(y)
    y = y * 0.1
    return y + x


def softmax(x):
    m = jnp.max(x, 1, keepdims=True)
    e = jnp.exp(x - m)
    return e / jnp.sum(e, 1, keepdims=True)


def layernorm(x):
    mu = jnp.mean(x, 1, keepdims=True)
    c = x - mu
    var = jnp.mean(c * c, 1, keepdims=True)
    return c * jax.lax.rsqrt(var + 1e-5)


def main():
    add = jax.jit(lambda a, b: a + b)
    a = jnp.ones(16, jnp.float32)
    b = jnp.ones(16, jnp.float32)
    t = median_time(lambda: add(a, b).block_until_ready(), inner=2000)
    print(f"jax cached jit call f32[16]: {t * 1e9:.0f} ns")
    x = jnp.full((1 << 24,), 0.3, jnp.float32)
    f = jax.jit(chain8)
    t = median_time(lambda: f(x).block_until_ready())
    print(f"jax jit 8-op chain 16M f32: {t * 1e3:.2f} ms, {(1 << 24) * 8 / t / 1e9:.2f} GB/s")
    y = jnp.full((4096, 1024), 0.5, jnp.float32)
    for name, fn in [("softmax", softmax), ("layernorm", layernorm)]:
        g = jax.jit(fn)
        t = median_time(lambda: g(y).block_until_ready())
        print(f"jax jit {name} [4096,1024]: {t * 1e3:.2f} ms")
    # Compile time: trace + lower + XLA compile of a fresh function each time
    # (a new lambda defeats jax's caches; the persistent cache is off by default).
    times = []
    for i in range(5):
        fn = lambda x, i=i: softmax(x) + 0.0 * i
        t0 = time.perf_counter()
        jax.jit(fn).lower(y).compile()
        times.append(time.perf_counter() - t0)
    print(f"jax compile softmax: {statistics.median(times) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
