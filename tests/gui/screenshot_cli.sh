#!/usr/bin/env bash
# The desktop app's command line: --screenshot writes a PNG of the window at --size once the first
# result is shown and exits 0; a model that cannot be opened exits 1 without a file; bad option
# values are refused with 2. Usage: screenshot_cli.sh SINKSCOPE_BINARY MODEL (run under xvfb-run).
set -uo pipefail
app=$1 model=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Width and height from the PNG header (IHDR, big-endian at bytes 16..23).
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'; }

"$app" --model "$model" --size 1400x900 --intervention suppress --diff --panel channels --screenshot "$out/window.png" || fail "screenshot run exited $?"
[ "$(head -c 8 "$out/window.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "not a PNG"
[ "$(png_size "$out/window.png")" = 1400x900 ] || fail "size $(png_size "$out/window.png"), wanted 1400x900"

# Classroom mode asks for full screen, which Xvfb without a window manager does not grant: only
# check that the scenario runs through to a screenshot.
"$app" --model "$model" --classroom 2 --screenshot "$out/class.png" || fail "classroom screenshot exited $?"
[ -s "$out/class.png" ] || fail "no classroom screenshot"
# At a projector's 1280x720 the classroom's large type steps down until the window fits; before,
# its minimum height made it 774-828 lines tall and cut off the bottom.
"$app" --model "$model" --classroom 1 --size 1280x720 --screenshot "$out/class720.png" || fail "classroom 1280x720 exited $?"
[ "$(png_size "$out/class720.png")" = 1280x720 ] || fail "classroom at 1280x720 is $(png_size "$out/class720.png")"

"$app" --model "$out/no-such-model" --screenshot "$out/none.png" 2>"$out/err"
rc=$?
[ $rc = 1 ] || fail "missing model exited $rc, wanted 1"
[ ! -e "$out/none.png" ] || fail "a screenshot was written for a model that failed"
grep -q "no-such-model" "$out/err" || fail "the error does not name the model: $(cat "$out/err")"

for bad in "--panel nope" "--classroom 8" "--classroom x" "--size 10x10" "--size big" "--timeline-versus $out/none"; do
  # shellcheck disable=SC2086
  "$app" --model "$model" $bad 2>"$out/err"
  rc=$?
  [ $rc = 2 ] || fail "$bad exited $rc, wanted 2"
  grep -q -- "${bad%% *}" "$out/err" || fail "$bad: the error does not name the option"
done
echo "screenshot_cli: ok"
