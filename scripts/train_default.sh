#!/usr/bin/env bash
# Trains the default model from its recipe (assets/recipes/default.json), or resumes the run if
# one exists, in the background at low priority. Data: corpus version 2
# (scripts/prepare_corpus_v2.sh) with an 8192-token BPE trained on its train.txt. At every
# checkpoint the trainer also measures the StreamingLLM ratio on assets/corpus/heldout.txt and the
# all-head suppression KL after assets/corpus/demo_prompts.txt. Progress: RUN/train.log; timeline:
#   build/app/cli/sinkscope-cli timeline --run RUN
# Usage: scripts/train_default.sh [--foreground] [--recipe FILE] [--run DIR]
#   the sigmoid twin: --recipe assets/recipes/sigmoid.json --run ~/.cache/sinkscope/runs/sigmoid
# A run survives sessions: stop it with Ctrl-C or `kill -INT PID` (it saves a checkpoint first).
set -euo pipefail
cd "$(dirname "$0")/.."

recipe=assets/recipes/default.json
run=${SINKSCOPE_RUN_DIR:-$HOME/.cache/sinkscope/runs/default}
corpus=${SINKSCOPE_CORPUS_V2_DIR:-$HOME/.cache/sinkscope/corpus-v2}
tokenizer=$corpus/bpe8192/tokenizer.json
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

[ -f "$corpus/train.txt" ] || bash scripts/prepare_corpus_v2.sh "$corpus"
[ -x build/app/cli/sinkscope-cli ] || bash scripts/build.sh
if [ ! -f "$tokenizer" ]; then
  mkdir -p "$(dirname "$tokenizer")"
  build/app/cli/sinkscope-cli train-tokenizer --input "$corpus/train.txt" --out "$tokenizer" --vocab-size 8192
fi
mkdir -p "$run"
if [ -f "$run/checkpoint/trainer_state.json" ]; then
  args=(--resume)
else
  args=(--recipe "$recipe" --corpus "$corpus" --tokenizer "$tokenizer")
fi
args+=(--heldout "$PWD/assets/corpus/heldout.txt" --lesson-prompts "$PWD/assets/corpus/demo_prompts.txt")
# A private copy of the binary, so rebuilding the tree never touches a running trainer.
cp build/app/cli/sinkscope-cli "$run/sinkscope-cli"
if [ "$foreground" = 1 ]; then
  exec nice -n 19 "$run/sinkscope-cli" train --run "$run" "${args[@]}"
fi
nohup nice -n 19 "$run/sinkscope-cli" train --run "$run" "${args[@]}" >>"$run/train.log" 2>&1 &
echo "training in the background (pid $!): log $run/train.log"
