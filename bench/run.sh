#!/usr/bin/env bash
# SinkScope's benchmark suite: builds the benchmark programs, then runs bench/suite.py, which
# prints one table of figures, each against a baseline measured in the same run (forward with
# capture vs PyTorch eager and vs the machine's GEMM throughput, live toggle vs full re-run, trace
# store vs plain files, capture memory vs its prediction, a 1.1B-shaped BF16 checkpoint's peak memory
# against its weight bytes and bf16 vs float32 products and vs PyTorch eager bf16). Figures are
# printed; nothing is asserted.
#
#   bash bench/run.sh [--pause auto|PID] [--threads N] [--tokens 64,256,1024] [--rounds R]
#                     [--repeats R] [--skip forward,toggle,trace,memory,weights] [--json FILE] [--smoke]
#                     [--no-build] [--build-dir DIR]
#   --pause auto   stop the background trainer (sinkscope-cli train) while timing; always resumed
#   --smoke        tiny sizes (CI): checks that every program runs and that C++ and PyTorch agree
# Every other option: python3 bench/suite.py --help. Needs Debian's python3-numpy and, for the
# PyTorch baseline, python3-torch (scripts/setup.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${SINKSCOPE_BUILD_DIR:-build}
args=() nobuild=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) nobuild=1 ;;
    --build-dir) build=$2; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
if [ "$nobuild" = 0 ]; then
  SINKSCOPE_BUILD_DIR=$build SINKSCOPE_BUILD_TARGETS="bench_forward bench_toggle bench_trace sinkscope-cli" bash scripts/build.sh
fi
exec /usr/bin/python3 bench/suite.py --build-dir "$build" "${args[@]}"
