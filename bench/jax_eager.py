"""JAX side of bench/bench_eager.cpp: the same eager workloads, for the table
in docs/BENCHMARKS.md. Not part of the build or the tests.

    PY=$(../shared/tools/jax-venv) && JAX_PLATFORMS=cpu $PY bench/jax_eager.py
"""
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np


def median_time(fn, reps=7, inner=1):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times)


def main():
    rng = np.random.default_rng(0)
    a = jnp.asarray(rng.uniform(-1, 1, 16).astype(np.float32))
    b = jnp.asarray(rng.uniform(-1, 1, 16).astype(np.float32))
    t = median_time(lambda: (a + b).block_until_ready(), inner=2000)
    print(f"jax eager a+b f32[16]: {t * 1e9:.0f} ns")

    n = 1 << 24
    x = jnp.asarray(rng.uniform(-4, 4, n).astype(np.float32))
    for name, f in [("tanh", jnp.tanh), ("exp", jnp.exp)]:
        t = median_time(lambda: f(x).block_until_ready())
        print(f"jax eager {name} 16M f32: {t * 1e3:.2f} ms, {n * 8 / t / 1e9:.2f} GB/s")
    t = median_time(lambda: jnp.sum(x).block_until_ready())
    print(f"jax eager sum 16M f32: {t * 1e3:.2f} ms, {n * 4 / t / 1e9:.2f} GB/s")
    src = np.ones(n, np.float32)
    dst = np.empty_like(src)
    t = median_time(lambda: np.copyto(dst, src))
    print(f"numpy copyto 16M f32 (memcpy): {t * 1e3:.2f} ms, {n * 8 / t / 1e9:.2f} GB/s")


if __name__ == "__main__":
    main()
