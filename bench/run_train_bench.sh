#!/usr/bin/env bash
# Training-step benchmarks of jx and JAX + optax + equinox in one session,
# interleaved (jx, JAX, jx, JAX ...) so both see the same machine load, then
# a table of medians across rounds and the jx/JAX ratios.
#
#   bench/run_train_bench.sh            # ROUNDS=3 STEPS=25 THREADS="1 2" by default
#   ROUNDS=5 ONLY=cnn,mlp_sgd bench/run_train_bench.sh
#   DIAG=1 bench/run_train_bench.sh   # also jx at 2 threads with OMP_WAIT_POLICY=PASSIVE
#
# Needs build/bench_train and build/bench_cold_start (cmake --build build
# --target bench_train bench_cold_start), the JAX venv printed by
# ../shared/tools/jax-venv (jax, optax, equinox) and /usr/bin/time (Debian
# package `time`). 1 thread: taskset -c 0 for both, JX_NUM_THREADS=1 and
# OMP_NUM_THREADS=1 for jx, --threads 1 (no XLA intra-op threads) for JAX.
# JX_DISABLE_DISK_CACHE=1 everywhere, so every jx compile is a real compile.
# The raw output stays in $LOG_DIR (default: a fresh temporary directory),
# with the copies of the binaries and libjx that ran (RUNPATH yields to
# LD_LIBRARY_PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$(../shared/tools/jax-venv)}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-25}
THREADS=${THREADS:-"1 2"}
ONLY=${ONLY:-}
LOG_DIR=${LOG_DIR:-$(mktemp -d /tmp/jx_train_bench.XXXXXX)}
mkdir -p "$LOG_DIR"
export JAX_PLATFORMS=cpu JX_DISABLE_DISK_CACHE=1
for f in build/bench_train build/bench_cold_start /usr/bin/time; do
  [[ -x $f ]] || { echo "missing $f" >&2; exit 1; }
done
# Run a private copy of the binaries and libjx (taken under the build lock),
# so a rebuild in the shared tree cannot change or break them mid-run.
BIN="$LOG_DIR/bin"
mkdir -p "$BIN"
flock /tmp/jx-build.lock cp -L build/bench_train build/bench_cold_start build/libjx.so.0 "$BIN/"
export LD_LIBRARY_PATH="$BIN${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
only_args=()
[[ -n $ONLY ]] && only_args=(--only "$ONLY")

# cold <side> <steps> <command...>: wall time and peak RSS from /usr/bin/time -v.
cold() {
  local side=$1 steps=$2
  shift 2
  local out
  out=$(/usr/bin/time -v "$@" 2>&1) || { echo "$out" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
         for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s * 1000}' <<<"$out")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2 / 1024}' <<<"$out")
  echo "COLD $side steps=$steps wall_ms=$wall rss_mb=$rss" | tee -a "$LOG_DIR/cold.txt"
}

echo "# logs in $LOG_DIR; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); jx $(git rev-parse --short HEAD)$(git status --porcelain -- src include | grep -q . && echo ' + uncommitted src/include changes')"
for ((r = 1; r <= ROUNDS; r++)); do
  echo "# round $r/$ROUNDS"
  for t in $THREADS; do
    pin=()
    [[ $t == 1 ]] && pin=(taskset -c 0)
    JX_NUM_THREADS=$t OMP_NUM_THREADS=$t "${pin[@]}" "$BIN/bench_train" --steps "$STEPS" \
      "${only_args[@]}" | sed 's/^RESULT/RESULT jx/' | tee -a "$LOG_DIR/results.txt"
    if [[ ${DIAG:-0} == 1 && $t != 1 ]]; then  # oneDNN's OpenMP threads sleep instead of spinning
      OMP_WAIT_POLICY=PASSIVE JX_NUM_THREADS=$t OMP_NUM_THREADS=$t "$BIN/bench_train" --steps "$STEPS" \
        "${only_args[@]}" | sed 's/^RESULT/RESULT jx_passive/' | tee -a "$LOG_DIR/results.txt"
    fi
    "${pin[@]}" "$PY" bench/jax_train.py --threads "$t" --steps "$STEPS" "${only_args[@]}" |
      sed 's/^RESULT/RESULT jax/' | tee -a "$LOG_DIR/results.txt"
  done
  if [[ -z $ONLY || $ONLY == *cnn* ]]; then
    cold jx 1 "$BIN/bench_cold_start"
    cold jax 1 "$PY" bench/jax_train.py --cold-start
    cold jx 20 "$BIN/bench_cold_start" --steps 20
    cold jax 20 "$PY" bench/jax_train.py --cold-start --cold-steps 20
    # With each side's on-disk compilation cache filled by an earlier run
    # (jx's LLVM kernel cache; JAX's persistent compilation cache).
    (
      unset JX_DISABLE_DISK_CACHE
      export JX_CACHE_DIR="$LOG_DIR/jx_cache" JAX_COMPILATION_CACHE_DIR="$LOG_DIR/jax_cache"
      export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0 JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0
      if [[ $r == 1 ]]; then
        "$BIN/bench_cold_start" >/dev/null
        "$PY" bench/jax_train.py --cold-start >/dev/null
      fi
      cold jx_cached 1 "$BIN/bench_cold_start"
      cold jax_cached 1 "$PY" bench/jax_train.py --cold-start
    )
  fi
done

"$PY" - "$LOG_DIR" <<'EOF'
import collections, statistics, sys
log = sys.argv[1]
runs = collections.defaultdict(list)
for line in open(f"{log}/results.txt"):
    if not line.startswith("RESULT"):
        continue
    _, side, name, *kv = line.split()
    kv = dict(x.split("=") for x in kv)
    runs[(side, name, int(kv["threads"]))].append((float(kv["step_ms"]), float(kv["compile_ms"])))
med = lambda xs: statistics.median(xs)
targets = {"cnn": 0.8, "mlp_adamw": 0.8, "mlp_sgd": 0.8, "transformer": 0.8, "per_example": 1.0}
ctargets = {"cnn": 0.2, "mlp_adamw": 0.2, "mlp_sgd": 0.2}
print("\n| workload | threads | jx step (ms) | JAX step (ms) | jx/JAX (target) "
      "| jx compile (ms) | XLA compile (ms) | jx/XLA (target) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
order = ["cnn", "mlp_adamw", "mlp_sgd", "transformer", "per_example"]
keys = sorted({(n, t) for (_, n, t) in runs}, key=lambda k: (order.index(k[0]) if k[0] in order else 99, k[1]))
for name, t in keys:
    jx, jax = runs.get(("jx", name, t)), runs.get(("jax", name, t))
    if not jx or not jax:
        continue
    js, xs = med([a for a, _ in jx]), med([a for a, _ in jax])
    jc, xc = med([b for _, b in jx]), med([b for _, b in jax])
    st = f"{js / xs:.2f}x (≤ {targets.get(name, 1.0)})"
    ct = f"{jc / xc:.2f}x" + (f" (≤ {ctargets[name]})" if name in ctargets else "")
    print(f"| {name} | {t} | {js:.2f} | {xs:.2f} | {st} | {jc:.0f} | {xc:.0f} | {ct} |")
diag = [(n, t) for (side, n, t) in runs if side == "jx_passive"]
if diag:
    print("\n| workload | threads | jx, OMP_WAIT_POLICY=PASSIVE (ms) | JAX (ms) | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for name, t in sorted(diag, key=lambda k: order.index(k[0]) if k[0] in order else 99):
        js = med([a for a, _ in runs[("jx_passive", name, t)]])
        xs = med([a for a, _ in runs.get(("jax", name, t), [(float("nan"), 0)])])
        print(f"| {name} | {t} | {js:.2f} | {xs:.2f} | {js / xs:.2f}x |")
try:
    cold = collections.defaultdict(list)
    for line in open(f"{log}/cold.txt"):
        _, side, steps, wall, rss = line.split()
        cold[(side, steps.split("=")[1])].append((float(wall.split("=")[1]), float(rss.split("=")[1])))
except FileNotFoundError:
    sys.exit(0)
print("\n| cold start (flagship CNN) | jx | JAX | jx/JAX (target) |")
print("| --- | --- | --- | --- |")
def cold_pair(sj, sx, steps):
    j, x = cold.get((sj, steps)), cold.get((sx, steps))
    if not j or not x:
        return None
    return (med([a for a, _ in j]), med([a for a, _ in x]), med([b for _, b in j]), med([b for _, b in x]))
rows = [("jx", "jax", "1", "process start to first step done (ms)", 0, " (≤ 0.1)"),
        ("jx_cached", "jax_cached", "1", "the same, both compilation caches on disk warm (ms)", 0, ""),
        ("jx", "jax", "1", "peak RSS, 1 step (MB)", 2, " (≤ 1)"),
        ("jx", "jax", "20", "peak RSS, 20 steps (MB)", 2, " (≤ 1)")]
for sj, sx, steps, label, col, target in rows:
    p = cold_pair(sj, sx, steps)
    if p:
        a, b = p[col], p[col + 1]
        print(f"| {label} | {a:.0f} | {b:.0f} | {a / b:.2f}x{target} |")
EOF
