#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format's layout (prints the files to fix).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format missing (scripts/setup.sh installs it)"; exit 1; }
bad=()
while IFS= read -r -d '' f; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done < <(git ls-files -z '*.cpp' '*.h' '*.cu' '*.cuh')
if [ ${#bad[@]} -gt 0 ]; then
  printf 'check_format: run clang-format -i on:\n'; printf '  %s\n' "${bad[@]}"; exit 1
fi
echo "check_format: ok"
