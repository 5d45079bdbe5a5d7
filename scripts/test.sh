#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds SinkScope and runs every test:
#   1. the full build (warnings as errors) and its ctest suite;
#   2. the engine's parser tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export SINKSCOPE_WERROR=ON

echo "== build (warnings are errors)"
SINKSCOPE_BUILD_DIR=build bash scripts/build.sh -DSINKSCOPE_WERROR=ON
echo "== tests"
(cd build && ctest --output-on-failure -j "$(nproc)")

if [ -z "${SINKSCOPE_SKIP_SANITIZERS:-}" ]; then
  echo "== engine tests under ASan + UBSan"
  SINKSCOPE_BUILD_DIR=build-asan bash scripts/build.sh -DSINKSCOPE_WERROR=ON -DSINKSCOPE_ENGINE_ONLY=ON \
    -DSINKSCOPE_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$(nproc)")
fi
