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

# Each picture starts from fresh settings in a throwaway home: the user's own layout is neither
# read nor written.
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
shot() { # NAME SIZE ARGS...
  local name=$1 size=$2
  shift 2
  rm -rf "${home:?}"/*
  HOME=$home XDG_CONFIG_HOME=$home/.config QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1200x24" \
    "$app" --model "$model" --prompt "$prompt" --size "$size" "$@" --screenshot "$out/$name.png"
}
# A 2,000-token prompt: the token strip scrolls in a bounded height, the map keeps its room.
long="$(for i in $(seq 1 46); do printf '%s ' "$prompt"; done)"
shot window 1600x1000
shot window-1280x720 1280x720
prompt=$long shot long-prompt 1600x1000
prompt=$long shot long-prompt-1280x720 1280x720
shot suppress-diff 1600x1000 --intervention suppress --diff
# Side by side on one colour scale: the sigmoid twin, and base beside intervened.
sigmoid=$(dirname "$model")/sigmoid
[ -e "$sigmoid/config.json" ] && shot side-by-side 1600x1000 --beside "$sigmoid"
shot side-by-side-1280x720 1280x720 --intervention suppress --beside intervened
shot channels 1600x1000 --panel channels
# The Training timeline beside the first default model's (a weaker recipe, kept in a trace file).
weaker="assets/timelines/weaker-recipe.sqlite:weaker recipe"
shot timeline-versus 1600x1000 --timeline-versus "$weaker"
shot timeline-versus-1280x720 1280x720 --timeline-versus "$weaker"
shot ctr 1600x1000 --panel ctr
shot mechanism 1600x1000 --intervention suppress --panel mechanism
shot mechanism-1280x720 1280x720 --intervention suppress --panel mechanism
# The Sweep panel on a sweep of the bundled models × four interventions over 16 held-out prompts.
sweep=$(mktemp -d)
trap 'rm -rf "$home" "$sweep"' EXIT
/usr/bin/python3 - "$sweep" "$(realpath "$model")" "$(realpath "$sigmoid")" <<'PY'
import json, sys
out, model, sigmoid = sys.argv[1:4]
words = open("assets/corpus/heldout.txt", encoding="utf-8").read().split()
open(out + "/prompts.txt", "w").write("\n".join(" ".join(words[i * 24:(i + 1) * 24]) for i in range(16)) + "\n")
spec = {"models": [model, sigmoid], "prompts_file": "prompts.txt",
        "interventions": ["none", "suppress", "suppress:layers=1-2", "zerotune:gamma=2"]}
json.dump(spec, open(out + "/spec.json", "w"))
PY
build/app/cli/sinkscope-cli sweep "$sweep/spec.json" --out "$sweep/sweep.sqlite" --workers 2 >/dev/null
shot sweep 1600x1000 --sweep "$sweep/sweep.sqlite"
shot sweep-1280x720 1280x720 --sweep "$sweep/sweep.sqlite"
# The Picture panel: the bundled picture demo (a trained model) on one of its held-out scenes, the
# question its export lists first for that scene's colour, under VAR.
demo=assets/models/picture-demo
question=$(awk -F'\t' '$1 == "scene-0.png" && $2 ~ /^What colour/ {print $2; exit}' "$demo/pictures/questions.tsv")
for size in 1600x1000 1280x720; do
    name=picture; [ "$size" = 1600x1000 ] || name=picture-$size
    shot "$name" "$size" --model "$demo" --prompt "$(printf '<image>\nQ: %s\nA:' "$question")" \
        --image "$demo/pictures/scene-0.png" --intervention var:p=0.6 --panel image
done
shot classroom 1600x1000 --classroom 1
shot classroom-timeline 1600x1000 --classroom 5
shot classroom-timeline-1280x720 1280x720 --classroom 5
shot classroom-sigmoid 1600x1000 --classroom 6
shot classroom-pictures 1600x1000 --classroom 7
shot classroom-1280x720 1280x720 --classroom 1   # a projector's size: the type steps down to fit
shot classroom-pictures-1280x720 1280x720 --classroom 7
ls -l "$out"
