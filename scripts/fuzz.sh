#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz/: clang, engine libraries only, ASan + UBSan, no tests)
# and runs each for SECONDS (default 60), one after another:
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      e.g.  bash scripts/fuzz.sh 600 spec gguf
# TARGET is a name from fuzz/CMakeLists.txt (gguf, model_config, ...); default: all of them.
# Prints one line per target (executions, crashes). Inputs that found new coverage go to
# build-fuzz/fuzz-corpus/<target>/ (the committed seeds in fuzz/corpus/<target>/ are only read),
# crashing inputs are kept in build-fuzz/fuzz-crashes/<target>/ and the logs in
# build-fuzz/fuzz-logs/. Exits 1 when any target crashed, leaked, hung or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
if [ $# -gt 0 ]; then shift; fi
build=${SINKSCOPE_FUZZ_BUILD_DIR:-build-fuzz}

SINKSCOPE_BUILD_DIR=$build bash scripts/build.sh -DCMAKE_CXX_COMPILER=clang++ -DSINKSCOPE_FUZZ=ON \
  -DSINKSCOPE_ENGINE_ONLY=ON -DSINKSCOPE_BUILD_TESTS=OFF -DSINKSCOPE_WERROR=ON >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for exe in "$build"/fuzz/fuzz_*; do
    if [ -x "$exe" ]; then targets+=("${exe##*/fuzz_}"); fi
  done
fi

failed=0
for t in "${targets[@]}"; do
  exe=$build/fuzz/fuzz_$t
  if [ ! -x "$exe" ]; then
    echo "fuzz: no target '$t' (built: $(ls "$build"/fuzz | sed -n 's/^fuzz_//p' | tr '\n' ' '))" >&2
    exit 1
  fi
  corpus=$build/fuzz-corpus/$t
  crashes=$build/fuzz-crashes/$t
  log=$build/fuzz-logs/$t.log
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  dict=()
  if [ -f "fuzz/dict/$t.dict" ]; then dict=(-dict="fuzz/dict/$t.dict"); fi
  before=$(find "$crashes" -type f | wc -l)
  rc=0
  # -timeout: seconds per input; -rss_limit_mb: what one input may make the process use.
  "$exe" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "${dict[@]}" "$corpus" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found=$(($(find "$crashes" -type f | wc -l) - before))
  if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi # e.g. a crash while reading the seeds
  if [ "$found" -gt 0 ]; then
    failed=1
    echo "fuzz_$t: ${runs:-?} runs, $found crash(es), exit $rc; inputs in $crashes/, log $log"
    grep -m1 -E "^==[0-9]+==ERROR|runtime error|^SUMMARY|deadly signal|ERROR: libFuzzer" "$log" | sed 's/^/  /' || true
  else
    echo "fuzz_$t: ${runs:-?} runs, 0 crashes"
  fi
done
exit "$failed"
