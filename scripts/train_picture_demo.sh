#!/usr/bin/env bash
# Trains the demo picture model from its recipe (assets/recipes/picture_demo.json) in front of the
# bundled default language model, or resumes the run if one exists, in the background at low
# priority; `--export` then writes the latest checkpoint to assets/models/picture-demo with its
# sample pictures. Progress: RUN/train.log. Stop with `kill -INT PID` (it saves a checkpoint first).
# Usage: scripts/train_picture_demo.sh [--foreground] [--export] [--run DIR] [--lm DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

recipe=assets/recipes/picture_demo.json
run=${SINKSCOPE_RUN_DIR:-$HOME/.cache/sinkscope/runs/picture-demo}
lm=assets/models/default
out=assets/models/picture-demo
foreground=0
export_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --foreground) foreground=1 ;;
    --export) export_only=1 ;;
    --run) run=$2; shift ;;
    --lm) lm=$2; shift ;;
    *) echo "train_picture_demo: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

[ -x build/app/cli/sinkscope-cli ] || bash scripts/build.sh
if [ "$export_only" = 1 ]; then
  rm -rf "$out.tmp"
  build/app/cli/sinkscope-cli train-vlm --run "$run" --export "$out.tmp"
  # What it shows on its sample pictures: answers, VAR, visual sinks (the model card quotes it).
  /usr/bin/python3 tools/picture_demo_report.py build/app/cli/sinkscope-cli "$out.tmp" >"$out.tmp/report.md"
  # The model card is written by hand; it stays.
  if [ -f "$out/README.md" ]; then cp "$out/README.md" "$out.tmp/README.md"; fi
  rm -rf "$out" && mv "$out.tmp" "$out"
  exit 0
fi
mkdir -p "$run"
if [ -f "$run/checkpoint/trainer_state.json" ]; then
  args=(--resume)
else
  args=(--lm "$lm" --recipe "$recipe")
fi
# A private copy of the binary, so rebuilding the tree never touches a running trainer.
cp build/app/cli/sinkscope-cli "$run/sinkscope-cli"
if [ "$foreground" = 1 ]; then
  exec nice -n 19 "$run/sinkscope-cli" train-vlm --run "$run" "${args[@]}"
fi
nohup nice -n 19 "$run/sinkscope-cli" train-vlm --run "$run" "${args[@]}" >>"$run/train.log" 2>&1 &
echo "training in the background (pid $!): log $run/train.log"
