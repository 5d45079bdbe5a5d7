#!/usr/bin/env bash
# Short pilot training runs that compare recipes for the default model (assets/recipes/pilots/),
# one at a time, in the background at the lowest priority.
#
#   bash scripts/pilots.sh next     start or resume the first unfinished pilot (no-op if one runs)
#   bash scripts/pilots.sh chain    in the background: wait for the running pilot, then run the
#                                   unfinished ones one after another (log: PILOTS_DIR/chain.log)
#   bash scripts/pilots.sh status   which pilot runs (pid), which are done
#   bash scripts/pilots.sh stop     stop the running pilot (it saves a checkpoint first)
#   python3 tools/pilots_table.py   the pilots' table
#
# Runs live in $SINKSCOPE_PILOTS_DIR (default $HOME/.cache/sinkscope/pilots/NAME) and survive
# sessions; each holds a private copy of the CLI, so rebuilding the tree never touches a pilot.
# Data: corpus version 2 (scripts/prepare_corpus_v2.sh) with an 8192-token BPE trained on it.
set -euo pipefail
cd "$(dirname "$0")/.."

PILOTS=(ctx512 base wd0.5 lr6e-3 lr1e-3 nobos data1m long long-sigmoid) # the order they run in; long: the candidate default, long-sigmoid: its sink-free twin
ROOT=${SINKSCOPE_PILOTS_DIR:-$HOME/.cache/sinkscope/pilots}
CORPUS=${SINKSCOPE_CORPUS_V2_DIR:-$HOME/.cache/sinkscope/corpus-v2}
TOKENIZER=$CORPUS/bpe8192/tokenizer.json
HELDOUT=assets/corpus/heldout.txt
PROMPTS=assets/corpus/demo_prompts.txt
CLI=build/app/cli/sinkscope-cli

running_pid() { # the pid of a live trainer of run $1, else nothing
  local pidfile=$ROOT/$1/pid
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null && grep -q "$1" "/proc/$pid/cmdline" 2>/dev/null; then echo "$pid"; fi
}

any_running() {
  local name pid
  for name in "${PILOTS[@]}"; do
    pid=$(running_pid "$name")
    if [ -n "$pid" ]; then echo "$name $pid"; return; fi
  done
}

finished() { # true when run $1 reached its total_steps
  local run=$ROOT/$1
  [ -f "$run/checkpoint/trainer_state.json" ] && [ -f "$run/recipe.json" ] || return 1
  /usr/bin/python3 - "$run" <<'PY'
import json, sys
run = sys.argv[1]
step = json.load(open(run + "/checkpoint/trainer_state.json"))["step"]
total = json.load(open(run + "/recipe.json"))["total_steps"]
sys.exit(0 if step >= total else 1)
PY
}

corpus_for() { # the corpus directory pilot $1 trains on
  if [ "$1" = data1m ]; then
    local sub=$CORPUS/subset16
    if [ ! -f "$sub/train.txt" ]; then
      /usr/bin/python3 tools/corpus/subset_corpus.py --in "$CORPUS" --out "$sub" --keep-every 16 >&2
    fi
    echo "$sub"
  else
    echo "$CORPUS"
  fi
}

start() { # start NAME [foreground]
  local name=$1 run=$ROOT/$1 args
  mkdir -p "$run"
  if [ -f "$run/checkpoint/trainer_state.json" ]; then
    args=(--resume)
  else
    [ -f "$TOKENIZER" ] || { echo "pilots: no tokenizer at $TOKENIZER (see assets/recipes/pilots/README.md)" >&2; exit 1; }
    rm -rf "$run/data" "$run/recipe.json" "$run/tokenizer.json"
    args=(--recipe "assets/recipes/pilots/$name.json" --corpus "$(corpus_for "$name")" --tokenizer "$TOKENIZER")
  fi
  # Binaries that measure the StreamingLLM ratio and suppression KL at checkpoints take the
  # held-out text; older ones train without it.
  if "$CLI" train --help 2>/dev/null | grep -q -- --heldout; then
    args+=(--heldout "$PWD/$HELDOUT" --lesson-prompts "$PWD/$PROMPTS")
  elif [ -f "$run/data/heldout.txt" ]; then
    # An older trainer would rewrite timeline.json without the measured fields.
    echo "pilots: $CLI predates the lesson measurements that $name already has; rebuild it first" >&2
    exit 1
  fi
  cp "$CLI" "$run/sinkscope-cli"
  if [ "${2:-}" = foreground ]; then # the chain waits for it; `stop` still reaches the trainer
    nice -n 19 "$run/sinkscope-cli" train --run "$run" "${args[@]}" >>"$run/train.log" 2>&1 &
    echo $! >"$run/pid"
    echo "pilot $name: training (pid $!), log $run/train.log"
    wait $! || true
    return
  fi
  nohup nice -n 19 "$run/sinkscope-cli" train --run "$run" "${args[@]}" >>"$run/train.log" 2>&1 &
  echo $! >"$run/pid"
  echo "pilot $name: training in the background (pid $!), log $run/train.log"
}

case "${1:-}" in
  next)
    for name in "${PILOTS[@]}"; do
      pid=$(running_pid "$name")
      if [ -n "$pid" ]; then echo "pilot $name is running (pid $pid)"; exit 0; fi
    done
    for name in "${PILOTS[@]}"; do
      if ! finished "$name"; then start "$name"; exit 0; fi
    done
    echo "all pilots are finished" ;;
  status)
    for name in "${PILOTS[@]}"; do
      pid=$(running_pid "$name")
      if [ -n "$pid" ]; then state="running (pid $pid)"
      elif finished "$name"; then state=finished
      elif [ -f "$ROOT/$name/checkpoint/trainer_state.json" ]; then state="stopped (resumable)"
      else state="not started"; fi
      printf '%-13s %s\n' "$name" "$state"
    done ;;
  chain)
    mkdir -p "$ROOT"
    nohup bash "$0" _chain >>"$ROOT/chain.log" 2>&1 &
    echo "pilots: chain running in the background (pid $!), log $ROOT/chain.log" ;;
  _chain)
    while [ -n "$(any_running)" ]; do sleep 60; done
    for name in "${PILOTS[@]}"; do
      finished "$name" && continue
      start "$name" foreground || true
      if ! finished "$name"; then echo "pilots: $name stopped before its end; chain ends"; exit 1; fi
    done
    echo "pilots: all finished" ;;
  stop)
    for name in "${PILOTS[@]}"; do
      pid=$(running_pid "$name")
      if [ -n "$pid" ]; then kill -INT "$pid"; echo "pilot $name (pid $pid): asked to stop (it saves a checkpoint)"; fi
    done ;;
  *) echo "usage: scripts/pilots.sh next|status|stop" >&2; exit 2 ;;
esac
