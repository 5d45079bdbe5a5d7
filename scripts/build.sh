#!/usr/bin/env bash
# Configures and builds SinkScope into build/ (or $SINKSCOPE_BUILD_DIR) with ccache.
# Extra arguments go to CMake's configure step (e.g. -DSINKSCOPE_WERROR=ON).
# SINKSCOPE_BUILD_TARGETS="a b" builds only those targets (default: everything).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${SINKSCOPE_BUILD_DIR:-build}

# ccache hits across fresh clones only with a stable cache dir and paths relative to the clone.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/sinkscope-ccache}
export CCACHE_BASEDIR=$root
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

jobs=${SINKSCOPE_JOBS:-$(nproc)}
mkdir -p "$build"
cmake -S . -B "$build" -G Ninja "${launcher[@]}" "$@" >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log"; exit 1; }
targets=()
for t in ${SINKSCOPE_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j "$jobs" "${targets[@]}"
