#!/usr/bin/env bash
# Renders the pictures of the desktop app in docs/screenshots/ with the app's own --screenshot,
# on the bundled default model (or MODEL), in a virtual X server.
# Usage: scripts/screenshots.sh [MODEL]   (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-assets/models/default}
[ -e "$model" ] || { echo "screenshots: no model at $model" >&2; exit 1; }
app=build/app/gui/sinkscope
[ -x "$app" ] || { echo "screenshots: build first (scripts/build.sh)" >&2; exit 1; }
out=docs/screenshots
mkdir -p "$out"
prompt="Once upon a time, there was a little girl named Lily. She loved to play outside in the sun. One day, she saw a big red ball in the park."

shot() { # NAME ARGS...
  local name=$1
  shift
  QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" \
    "$app" --model "$model" --prompt "$prompt" --size 1500x920 "$@" --screenshot "$out/$name.png"
}
shot window
shot suppress-diff --intervention suppress --diff
shot channels --panel channels
shot classroom --classroom 1
shot classroom-sigmoid --classroom 6
ls -l "$out"
