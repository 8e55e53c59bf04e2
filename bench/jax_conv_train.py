"""JAX side of bench/bench_conv_train.cpp: the same CNN (NCHW input, OIHW
kernels), the same pieces. Not part of the build or the tests.

    PY=$(../shared/tools/jax-venv) && JAX_PLATFORMS=cpu $PY bench/jax_conv_train.py
"""
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

B = 128
DN = ("NCHW", "OIHW", "NCHW")


def median_time(fn, reps=15, inner=3):
    jax.block_until_ready(fn())
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            jax.block_until_ready(fn())
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times)


def conv(x, w):
    return jax.lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=DN)


def maxpool(x):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def relu(x):
    return jnp.maximum(x, 0.0)


def loss_fn(p, x, onehot):
    h = maxpool(relu(conv(x, p["w1"]) + p["b1"].reshape(1, -1, 1, 1)))
    h = maxpool(relu(conv(h, p["w2"]) + p["b2"].reshape(1, -1, 1, 1)))
    h = h.reshape(h.shape[0], 3136)
    h = relu(h @ p["w3"] + p["b3"])
    z = h @ p["w4"] + p["b4"]
    return -jnp.mean(jnp.sum(onehot * jax.nn.log_softmax(z), axis=1))


def main():
    rng = np.random.default_rng(0)
    u = lambda shape, s: jnp.asarray(rng.uniform(-s, s, shape), jnp.float32)
    p = {"w1": u((32, 1, 3, 3), 0.33), "b1": jnp.zeros(32), "w2": u((64, 32, 3, 3), 0.06),
         "b2": jnp.zeros(64), "w3": u((3136, 128), 0.018), "b3": jnp.zeros(128),
         "w4": u((128, 10), 0.09), "b4": jnp.zeros(10)}
    x = u((B, 1, 28, 28), 1.0)
    onehot = jax.nn.one_hot(np.arange(B) * 7 % 10, 10)
    step = jax.jit(jax.value_and_grad(loss_fn))
    print(f"jax {jax.__version__}, devices {jax.devices()}")
    print(f"step/jax                 {median_time(lambda: step(p, x, onehot)) * 1e3:8.3f} ms")

    for name, c, o, hw in (("conv1", 1, 32, 28), ("conv2", 32, 64, 14)):
        xs, ws, ct = u((B, c, hw, hw), 1.0), u((o, c, 3, 3), 0.1), u((B, o, hw, hw), 1.0)
        # Operands are arguments (not closed-over constants, which XLA would
        # constant-fold); the unused forward conv is dead code in the pullbacks.
        fwd = jax.jit(conv)
        lhs = jax.jit(lambda a, b, g: jax.vjp(lambda a: conv(a, b), a)[1](g)[0])
        rhs = jax.jit(lambda a, b, g: jax.vjp(lambda b: conv(a, b), b)[1](g)[0])
        print(f"{name}_fwd/jax            {median_time(lambda: fwd(xs, ws)) * 1e3:8.3f} ms")
        if c > 1:
            print(f"{name}_lhs_grad/jax       {median_time(lambda: lhs(xs, ws, ct)) * 1e3:8.3f} ms")
        print(f"{name}_rhs_grad/jax       {median_time(lambda: rhs(xs, ws, ct)) * 1e3:8.3f} ms")
    for name, c, hw in (("pool1", 32, 28), ("pool2", 64, 14)):
        xs, ct = u((B, c, hw, hw), 1.0), u((B, c, hw // 2, hw // 2), 1.0)
        fwd = jax.jit(maxpool)
        grad = jax.jit(lambda a, g: jax.vjp(maxpool, a)[1](g)[0])
        print(f"{name}_fwd/jax            {median_time(lambda: fwd(xs)) * 1e3:8.3f} ms")
        print(f"{name}_grad/jax           {median_time(lambda: grad(xs, ct)) * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
