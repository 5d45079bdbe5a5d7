#!/usr/bin/env bash
# Trainer throughput: `sinkscope-cli train` (A) against the same model and step in PyTorch eager
# (B, tools/bench/torch_trainer.py), same shape, batch, sequence length and threads, run
# alternately (A B A B ...) for R rounds in this one program. Prints tokens/s per round, the
# medians and the ratio C++/PyTorch. Figures are printed, nothing is asserted.
#
# Usage: bench/train_speed.sh [--rounds R] [--threads N] [--steps S] [--log-every L]
#                             [--recipe FILE] [--pause PID] [--tuned]
#   --steps S      training steps per run (default 12); the first L (--log-every, default 4) are
#                  warm-up for both A and B: A's first `tok/s` report is dropped, B runs L untimed
#                  steps. Both are timed over the same S-L steps.
#   --recipe FILE  shape and optimiser (default assets/recipes/default.json); the copy A trains
#                  with has no checkpoints or evaluations inside the timed steps.
#   --pause PID    stop process PID (e.g. a background trainer) while timing, resume it afterwards
#                  (also on failure or Ctrl-C).
#   --tuned        also run B with the settings that the C++ trainer applies to itself, as B': the
#                  glibc heap settings (configureAllocatorForTensors: no mmap for large blocks, no
#                  trimming) and sleeping idle threads, OMP_WAIT_POLICY=PASSIVE and
#                  OPENBLAS_THREAD_TIMEOUT=4 (app/cli/idle_threads.h).
# OPENBLAS_NUM_THREADS is set to the thread count for both A and B: LibTorch does not pass its
# thread count on to OpenBLAS.
# Needs build/app/cli/sinkscope-cli (built with scripts/build.sh if missing) and Debian's
# python3-torch (installed with apt-get if missing; it is large and only this benchmark uses it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

rounds=3 threads=2 steps=12 log_every=4 pause_pid="" tuned=0
recipe=assets/recipes/default.json
py=/usr/bin/python3
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --threads) threads=$2; shift ;;
    --steps) steps=$2; shift ;;
    --log-every) log_every=$2; shift ;;
    --recipe) recipe=$2; shift ;;
    --pause) pause_pid=$2; shift ;;
    --tuned) tuned=1 ;;
    *) echo "train_speed: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$steps" -lt $((2 * log_every)) ]; then
  echo "train_speed: --steps must be at least twice --log-every" >&2; exit 2
fi

cli=$root/build/app/cli/sinkscope-cli
[ -x "$cli" ] || bash scripts/build.sh
if ! "$py" -c 'import torch' 2>/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "train_speed: installing python3-torch ..."
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
fi

tmp=$(mktemp -d)
paused=0
cleanup() {
  if [ "$paused" = 1 ]; then kill -CONT "$pause_pid" 2>/dev/null || true; echo "train_speed: resumed $pause_pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A small corpus from text that every Debian system has; throughput does not depend on its content.
mkdir -p "$tmp/corpus"
cat /usr/share/common-licenses/* >"$tmp/corpus/train.txt" 2>/dev/null || true
if [ "$(wc -c <"$tmp/corpus/train.txt")" -lt 100000 ]; then
  find /usr/share/doc -name copyright -type f -print0 | head -z -n 400 | xargs -0 cat >>"$tmp/corpus/train.txt"
fi
head -c 60000 "$tmp/corpus/train.txt" >"$tmp/corpus/val.txt"
"$cli" train-tokenizer --input "$tmp/corpus/train.txt" --out "$tmp/tokenizer.json" --vocab-size 4096 >/dev/null
vocab=$("$py" -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(1 + max(list(j["model"]["vocab"].values()) + [t["id"] for t in j.get("added_tokens", [])]))' "$tmp/tokenizer.json")

# A's recipe: the shape and optimiser of $recipe, a short run, no extras inside the timed steps.
"$py" - "$recipe" "$tmp/recipe.json" "$steps" "$log_every" "$threads" <<'EOF'
import json, sys
src, dst, steps, log_every, threads = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
r = json.load(open(src))
r.pop("comment", None)
r.update(total_steps=steps, log_every=log_every, checkpoint_every=1000000, val_batches=1,
         probe_count=4, probe_len=min(64, r.get("seq_len", 256)), threads=threads)
json.dump(r, open(dst, "w"), indent=1)
EOF
shape=$("$py" -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("%d layers x %d heads (%d kv), d %d, d_ff %d, batch %d x seq %d" % (r["layers"], r["heads"],
      r.get("kv_heads", r["heads"]), r["d_model"], r["d_ff"], r["batch_size"], r["seq_len"]))' "$tmp/recipe.json")

export OPENBLAS_NUM_THREADS=$threads
timed=$((steps - log_every))
echo "train_speed: $shape, vocab $vocab, $threads threads; $timed timed steps after $log_every warm-up, $rounds rounds"

# A: tok/s over the trainer's log windows after the first: timed steps / the windows' summed
# time, each window's time being its steps / its tok/s figure (B, T cancel).
run_cpp() {
  local run=$tmp/run_a$1
  "$cli" train --run "$run" --recipe "$tmp/recipe.json" --corpus "$tmp/corpus" \
    --tokenizer "$tmp/tokenizer.json" >"$tmp/a$1.log" 2>&1 || { cat "$tmp/a$1.log" >&2; return 1; }
  local v
  v=$(awk 'BEGIN { n = 0 } /^step .* tok\/s/ { split($2, st, "/"); k[n] = st[1]
                                              for (i = 3; i <= NF; ++i) if ($i == "tok/s") v[n] = $(i - 1); ++n }
       END { if (n < 2) exit 1
             for (i = 1; i < n; ++i) { d = k[i] - k[i - 1]; steps += d; t += d / v[i] }
             printf "%.1f\n", steps / t }' \
    "$tmp/a$1.log") || { echo "train_speed: fewer than two tok/s reports from the trainer" >&2; cat "$tmp/a$1.log" >&2; return 1; }
  rm -rf "$run"
  echo "$v"
}
run_torch() { # $1: round, $2: env assignments (may be empty)
  env $2 "$py" tools/bench/torch_trainer.py --recipe "$tmp/recipe.json" --steps "$timed" --warmup "$log_every" \
    --threads "$threads" --vocab "$vocab" >"$tmp/b$1.json" 2>"$tmp/b$1.err" || { cat "$tmp/b$1.err" >&2; return 1; }
  "$py" -c 'import json, sys; print("%.1f" % json.load(open(sys.argv[1]))["tokens_per_s"])' "$tmp/b$1.json"
}

if [ -n "$pause_pid" ]; then
  case "$(ps -o stat= -p "$pause_pid")" in
    T*) echo "train_speed: $pause_pid is already stopped by someone else; leaving it alone" ;;
    "") echo "train_speed: no process $pause_pid to pause" >&2; exit 2 ;;
    *) kill -STOP "$pause_pid"; paused=1; echo "train_speed: paused $pause_pid while timing" ;;
  esac
fi
tuned_env="MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864 OMP_WAIT_POLICY=PASSIVE OPENBLAS_THREAD_TIMEOUT=4"
a_all=() b_all=() c_all=()
for i in $(seq 1 "$rounds"); do
  a=$(run_cpp "$i")
  b=$(run_torch "$i" "")
  a_all+=("$a") b_all+=("$b")
  line=$(awk -v i="$i" -v a="$a" -v b="$b" \
    'BEGIN { printf "round %d  C++ %8.1f tok/s  PyTorch %8.1f tok/s  C++/PyTorch %.3f", i, a, b, a / b }')
  if [ "$tuned" = 1 ]; then
    c=$(run_torch "t$i" "$tuned_env")
    c_all+=("$c")
    line+=$(awk -v a="$a" -v c="$c" 'BEGIN { printf "  |  PyTorch+tuned %8.1f tok/s  C++/that %.3f", c, a / c }')
  fi
  echo "$line"
done
if [ "$paused" = 1 ]; then kill -CONT "$pause_pid"; paused=0; echo "train_speed: resumed $pause_pid"; fi

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ma=$(median "${a_all[@]}") mb=$(median "${b_all[@]}")
ratios=()
for i in "${!a_all[@]}"; do ratios+=("$(awk -v a="${a_all[$i]}" -v b="${b_all[$i]}" 'BEGIN { print a / b }')"); done
mr=$(median "${ratios[@]}")
awk -v a="$ma" -v b="$mb" -v r="$mr" 'BEGIN {
  printf "median  C++ %8.1f tok/s  PyTorch %8.1f tok/s  C++/PyTorch %.3f (median of per-round ratios %.3f)\n", a, b, a / b, r }'
if [ "$tuned" = 1 ]; then
  mc=$(median "${c_all[@]}")
  awk -v a="$ma" -v c="$mc" 'BEGIN { printf "median  PyTorch with the C++ trainer heap and thread settings %8.1f tok/s  C++/that %.3f\n", c, a / c }'
fi
echo "torch: $("$py" -c 'import json, sys; j = json.load(open(sys.argv[1])); print(j["torch"], "|", j["adamw"], "| parameters", j["parameters"])' "$tmp/b1.json")"
