"""JAX side of bench/bench_random.cpp: 16M float32 normals (and uniforms, raw
bits) from one key, for the table in docs/random.md. Not part of the build or
the tests. Reports the median of 9 timed runs after a warm-up (compilation).

    PY=$(/work/shared/tools/jax-venv) && JAX_PLATFORMS=cpu $PY bench/jax_random.py
"""
import statistics
import time

import jax
import numpy as np
from jax import random

N = 1 << 24


def median_time(fn, reps=9):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    key = random.PRNGKey(0)
    cases = [
        ("normal", lambda: random.normal(key, (N,)).block_until_ready()),
        ("uniform", lambda: random.uniform(key, (N,)).block_until_ready()),
        ("bits", lambda: random.bits(key, (N,)).block_until_ready()),
    ]
    print(f"jax {jax.__version__}, devices {jax.devices()}")
    for name, fn in cases:
        t = median_time(fn)
        print(f"jax {name} 16M f32: {t * 1e3:.1f} ms, {N * 4 / t / 1e9:.2f} GB/s")


if __name__ == "__main__":
    main()
