"""JAX + optax + equinox side of bench/bench_train.cpp: the same models
(equinox modules, leaves in the same order), optimizers (optax), data shapes
and loss, printing the same RESULT lines. Not part of the build or the tests.

    PY=$(../shared/tools/jax-venv)
    JAX_PLATFORMS=cpu $PY bench/jax_train.py [--threads 1|2] [--only cnn,...] [--steps N]
    JAX_PLATFORMS=cpu $PY bench/jax_train.py --check DIR   # after bench_train --check DIR
    JAX_PLATFORMS=cpu $PY bench/jax_train.py --cold-start [--cold-steps N]  # one CNN step, exit

compile_ms is tracing + lowering + XLA compilation (jit(f).lower(...).compile());
step_ms is the median of --steps calls of the compiled step after 3 warmups,
params and optimizer state donated and fed back. --threads 1 turns off XLA's
intra-op threading (run it under `taskset -c 0` as run_train_bench.sh does).
--check loads bench_train's initial parameters and data and compares the
losses of 3 steps (or the per-example gradient norms).
"""
import argparse
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=0)
ap.add_argument("--only", default="")
ap.add_argument("--steps", type=int, default=25)
ap.add_argument("--check", default="")
ap.add_argument("--cold-start", action="store_true")
ap.add_argument("--cold-steps", type=int, default=1)
args = ap.parse_args()
if args.threads == 1:
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import equinox as eqx  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

VOCAB, SEQ, D, HEADS, LAYERS = 256, 128, 256, 4, 2


class Cnn(eqx.Module):
    conv1: eqx.nn.Conv2d
    conv2: eqx.nn.Conv2d
    fc1: eqx.nn.Linear
    fc2: eqx.nn.Linear

    def __init__(self, key):
        k = jax.random.split(key, 4)
        self.conv1 = eqx.nn.Conv2d(1, 32, 3, stride=2, padding="SAME", key=k[0])
        self.conv2 = eqx.nn.Conv2d(32, 64, 3, stride=2, padding="SAME", key=k[1])
        self.fc1 = eqx.nn.Linear(64 * 7 * 7, 128, key=k[2])
        self.fc2 = eqx.nn.Linear(128, 10, key=k[3])

    def __call__(self, x):  # one example [1, 28, 28] -> [10]
        h = jax.nn.relu(self.conv2(jax.nn.relu(self.conv1(x))))
        return self.fc2(jax.nn.relu(self.fc1(h.reshape(-1))))


class Block(eqx.Module):
    ln1: eqx.nn.LayerNorm
    attn: eqx.nn.MultiheadAttention
    ln2: eqx.nn.LayerNorm
    fc1: eqx.nn.Linear
    fc2: eqx.nn.Linear


class Transformer(eqx.Module):
    tok: eqx.nn.Embedding
    pos: eqx.nn.Embedding
    blocks: list
    lnf: eqx.nn.LayerNorm
    head: eqx.nn.Linear

    def __init__(self, key):
        k = jax.random.split(key, 3 + 3 * LAYERS)
        self.tok = eqx.nn.Embedding(VOCAB, D, key=k[0])
        self.pos = eqx.nn.Embedding(SEQ, D, key=k[1])
        self.blocks = [Block(eqx.nn.LayerNorm(D), eqx.nn.MultiheadAttention(HEADS, D, key=k[3 + 3 * i]),
                             eqx.nn.LayerNorm(D), eqx.nn.Linear(D, 4 * D, key=k[4 + 3 * i]),
                             eqx.nn.Linear(4 * D, D, key=k[5 + 3 * i])) for i in range(LAYERS)]
        self.lnf = eqx.nn.LayerNorm(D)
        self.head = eqx.nn.Linear(D, VOCAB, key=k[2])

    def __call__(self, tokens):  # one sequence int32[T] -> [T, VOCAB]
        x = jax.vmap(self.tok)(tokens) + self.pos.weight
        mask = jnp.tril(jnp.ones((SEQ, SEQ), bool))
        for b in self.blocks:
            h = jax.vmap(b.ln1)(x)
            x = x + b.attn(h, h, h, mask=mask)
            x = x + jax.vmap(lambda t: b.fc2(jax.nn.gelu(b.fc1(b.ln2(t)))))(x)
        return jax.vmap(lambda t: self.head(self.lnf(t)))(x)


def xent(logits, labels):
    return -jnp.mean(jnp.sum(jax.nn.one_hot(labels, logits.shape[-1]) * jax.nn.log_softmax(logits), -1))


def example_loss(m, x, y):
    return -jnp.sum(jax.nn.one_hot(y, 10) * jax.nn.log_softmax(m(x)))


def load_leaves(model, path):
    """Replaces the model's array leaves (in tree order) by p000, p001, ... of path."""
    data = np.load(path)
    arrays, static = eqx.partition(model, eqx.is_array)
    leaves, tdef = jax.tree_util.tree_flatten(arrays)
    new = []
    for i, leaf in enumerate(leaves):
        a = data[f"p{i:03d}"]
        assert a.shape == leaf.shape, (path, i, a.shape, leaf.shape)
        new.append(jnp.asarray(a))
    assert f"p{len(leaves):03d}" not in data, "bench_train has more leaves"
    return eqx.combine(jax.tree_util.tree_unflatten(tdef, new), static), data


def report(name, compile_ms, step_ms, value):
    threads = args.threads or os.cpu_count()
    print(f"RESULT {name:<12} threads={threads} compile_ms={compile_ms:.1f} step_ms={step_ms:.3f} "
          f"loss={value:.6f}", flush=True)


def timed(fn, *a):
    t0 = time.perf_counter()
    out = fn(*a)
    jax.block_until_ready(out)
    return out, (time.perf_counter() - t0) * 1e3


def run_training(name, model, opt, x, y, batched_model):
    """batched_model(m, x) maps the per-example model over the batch."""
    params, static = eqx.partition(model, eqx.is_array)

    def step(p, s, xb, yb):
        def loss(p):
            return xent(batched_model(eqx.combine(p, static), xb), yb)
        l, g = jax.value_and_grad(loss)(p)
        u, s = opt.update(g, s, p)
        return optax.apply_updates(p, u), s, l

    state = opt.init(params)
    if args.check:
        loaded, data = load_leaves(model, os.path.join(args.check, name + ".npz"))
        params = eqx.filter(loaded, eqx.is_array)
        state = opt.init(params)
        x, y = jnp.asarray(data["x"]), jnp.asarray(data["y"])
        jstep, losses = jax.jit(step), []
        for _ in range(3):
            params, state, l = jstep(params, state, x, y)
            losses.append(float(l))
        compare(name, np.array(losses), data["result"])
        return
    t0 = time.perf_counter()
    compiled = jax.jit(step, donate_argnums=(0, 1)).lower(params, state, x, y).compile()
    compile_ms = (time.perf_counter() - t0) * 1e3
    params = jax.tree_util.tree_map(jnp.copy, params)
    (params, state, l), _ = timed(compiled, params, state, x, y)
    first_loss = float(l)
    for _ in range(3):
        params, state, l = compiled(params, state, x, y)
    times = []
    for _ in range(args.steps):
        (params, state, l), t = timed(compiled, params, state, x, y)
        times.append(t)
    report(name, compile_ms, float(np.median(times)), first_loss)


def per_example_norms(g):
    leaves = jax.tree_util.tree_leaves(g)
    return jnp.sqrt(sum(jnp.sum(jnp.square(a.reshape(a.shape[0], -1)), 1) for a in leaves))


def run_per_example(model, x, y):
    params, static = eqx.partition(model, eqx.is_array)

    def pe(p, xb, yb):
        return jax.vmap(jax.grad(lambda p, xe, ye: example_loss(eqx.combine(p, static), xe, ye)),
                        in_axes=(None, 0, 0))(p, xb, yb)

    if args.check:
        m, data = load_leaves(model, os.path.join(args.check, "per_example.npz"))
        g = jax.jit(pe)(eqx.filter(m, eqx.is_array), jnp.asarray(data["x"]), jnp.asarray(data["y"]))
        compare("per_example", np.asarray(per_example_norms(g)), data["result"])
        return
    t0 = time.perf_counter()
    compiled = jax.jit(pe).lower(params, x, y).compile()
    compile_ms = (time.perf_counter() - t0) * 1e3
    norm0 = float(per_example_norms(compiled(params, x, y))[0])
    for _ in range(3):
        jax.block_until_ready(compiled(params, x, y))
    times = [timed(compiled, params, x, y)[1] for _ in range(args.steps)]
    report("per_example", compile_ms, float(np.median(times)), norm0)


failures = []


def compare(name, ours, theirs):
    rel = np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-6))
    ok = rel < 1e-4
    print(f"CHECK {name:<12} jax {np.array2string(ours[:4], precision=6)} "
          f"jx {np.array2string(theirs[:4], precision=6)} max rel diff {rel:.2e} {'ok' if ok else 'MISMATCH'}")
    if not ok:
        failures.append(name)


def cnn_opt():
    return optax.adamw(optax.warmup_cosine_decay_schedule(0.0, 3e-3, 100, 1400), weight_decay=1e-4)


def main():
    only = set(args.only.split(",")) - {""}
    wants = lambda n: not only or n in only  # noqa: E731
    key = jax.random.PRNGKey
    if args.cold_start:
        # Process start to the first completed training step of the flagship CNN.
        model = Cnn(key(0))
        params, static = eqx.partition(model, eqx.is_array)
        opt = cnn_opt()

        @jax.jit(donate_argnums=(0, 1))
        def step(p, s, xb, yb):
            l, g = jax.value_and_grad(lambda p: xent(jax.vmap(eqx.combine(p, static))(xb), yb))(p)
            u, s = opt.update(g, s, p)
            return optax.apply_updates(p, u), s, l

        x = jax.random.uniform(key(1), (128, 1, 28, 28))
        y = jax.random.randint(key(2), (128,), 0, 10)
        params, state, l = step(params, opt.init(params), x, y)
        first = float(l)
        for _ in range(args.cold_steps - 1):
            params, state, l = step(params, state, x, y)
        jax.block_until_ready(l)
        print(f"cold start: first step loss {first:.6f} ({args.cold_steps} steps)")
        return
    # Start the backend outside any measurement (bench_train does the same).
    jax.block_until_ready(jax.jit(lambda a: jnp.sin(a) * 2 + 1)(jnp.ones(64)))
    print(f"# jax {jax.__version__}, optax {optax.__version__}, equinox {eqx.__version__}, "
          f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}", flush=True)
    vm = lambda m, x: jax.vmap(m)(x)  # noqa: E731
    if wants("cnn"):
        run_training("cnn", Cnn(key(0)), cnn_opt(), jax.random.uniform(key(1), (128, 1, 28, 28)),
                     jax.random.randint(key(2), (128,), 0, 10), vm)
    mlp = eqx.nn.MLP(784, 10, 1024, 2, activation=jax.nn.relu, key=key(3))
    xm = jax.random.uniform(key(4), (256, 784))
    ym = jax.random.randint(key(5), (256,), 0, 10)
    if wants("mlp_adamw"):
        run_training("mlp_adamw", mlp, optax.adamw(1e-3), xm, ym, vm)
    if wants("mlp_sgd"):
        run_training("mlp_sgd", mlp, optax.sgd(1e-2), xm, ym, vm)
    if wants("transformer"):
        tokens = jax.random.randint(key(6), (16, SEQ + 1), 0, VOCAB)
        run_training("transformer", Transformer(key(7)), optax.adamw(1e-3), tokens[:, :SEQ], tokens[:, 1:], vm)
    if wants("per_example"):
        run_per_example(mlp, xm[:128], ym[:128])
    if failures:
        sys.exit(f"mismatches: {failures}")


if __name__ == "__main__":
    main()
