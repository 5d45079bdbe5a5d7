#!/usr/bin/env bash
# Trains the default model from its recipe (assets/recipes/default.json), or resumes the run if
# one exists, in the background at low priority. Progress: RUN/train.log; timeline:
#   build/app/cli/sinkscope-cli timeline --run RUN
# Usage: scripts/train_default.sh [--foreground] [--recipe FILE] [--run DIR]
# A run survives sessions: stop it with Ctrl-C or `kill -INT PID` (it saves a checkpoint first).
set -euo pipefail
cd "$(dirname "$0")/.."

recipe=assets/recipes/default.json
run=${SINKSCOPE_RUN_DIR:-$HOME/.cache/sinkscope/runs/default}
corpus=${SINKSCOPE_CORPUS_DIR:-$HOME/.cache/sinkscope/corpus}
foreground=0
while [ $# -gt 0 ]; do
  case "$1" in
    --foreground) foreground=1 ;;
    --recipe) recipe=$2; shift ;;
    --run) run=$2; shift ;;
    *) echo "train_default: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

[ -f "$corpus/train.txt" ] || bash scripts/prepare_corpus.sh "$corpus"
[ -x build/app/cli/sinkscope-cli ] || bash scripts/build.sh
mkdir -p "$run"
if [ -f "$run/checkpoint/trainer_state.json" ]; then
  args=(--resume)
else
  args=(--recipe "$recipe" --corpus "$corpus" --vocab-size 4096)
fi
# A private copy of the binary, so rebuilding the tree never touches a running trainer.
cp build/app/cli/sinkscope-cli "$run/sinkscope-cli"
if [ "$foreground" = 1 ]; then
  exec nice -n 19 "$run/sinkscope-cli" train --run "$run" "${args[@]}"
fi
nohup nice -n 19 "$run/sinkscope-cli" train --run "$run" "${args[@]}" >>"$run/train.log" 2>&1 &
echo "training in the background (pid $!): log $run/train.log"
