#!/usr/bin/env bash
# Builds the libFuzzer targets (the pure parsers of src/io only, with ASan and
# UBSan) into build-fuzz/ and runs each for N seconds.
#   fuzz/run.sh            # 15 s per target (CI)
#   fuzz/run.sh 300        # 5 minutes per target
#   fuzz/run.sh 60 npy     # one target
# Seeds come from fuzz/corpus/<target>/ (committed); new inputs the fuzzer
# finds go to build-fuzz/corpus/<target>/, crashes to build-fuzz/crash-*.
# Exits non-zero when a target crashes, leaks or times out.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
targets=${2:-"safetensors npy npz"}
CXX=${FUZZ_CXX:-clang++-19}
out=build-fuzz
mkdir -p "$out"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -Isrc -Wall -Wextra)

sources() {
  case $1 in
    safetensors) echo src/io/format_common.cpp src/io/safetensors_format.cpp ;;
    npy) echo src/io/format_common.cpp src/io/npy_format.cpp ;;
    npz) echo src/io/format_common.cpp src/io/npy_format.cpp src/io/zip_format.cpp ;;
  esac
}

for t in $targets; do
  bin=$out/fuzz_$t
  srcs="fuzz/fuzz_$t.cpp $(sources "$t")"
  stale=0
  [ -x "$bin" ] || stale=1
  for s in $srcs src/io/*.h; do [ "$s" -nt "$bin" ] && stale=1; done
  if [ $stale = 1 ]; then
    echo "== building fuzz_$t"
    # shellcheck disable=SC2086
    "$CXX" "${flags[@]}" $srcs -lz -o "$bin"
  fi
done

for t in $targets; do
  mkdir -p "$out/corpus/$t"
  echo "== fuzzing $t for ${secs}s"
  dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  "$out/fuzz_$t" "$out/corpus/$t" "fuzz/corpus/$t" "${dict[@]}" -max_total_time="$secs" \
    -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$out/" 2>"$out/fuzz_$t.log" || { tail -50 "$out/fuzz_$t.log"; exit 1; }
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/fuzz_$t.log" | tr '\n' ' '
  echo
done
