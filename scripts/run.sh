#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds SinkScope and launches the desktop app on the default
# model: the bundled assets/models/default when it exists, else the pretrained test model
# ../shared/models/stories260K (driven by token ids: its tokenizer is not available). Without a
# display it runs the command-line tool on the same model instead, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh
gui=build/app/gui/sinkscope
cli=build/app/cli/sinkscope-cli

if [ -f assets/models/default/config.json ]; then
  model=assets/models/default
else
  model=../shared/models/stories260K/stories260K.bin
  echo "== the trained default model is not bundled yet: using the pretrained test model stories260K"
fi

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "== SinkScope on $model"
  exec "$gui" --model "$model" "$@"
fi
echo "== no display (DISPLAY / WAYLAND_DISPLAY unset): running the command-line twin instead"
if [ "$model" = assets/models/default ]; then
  exec "$cli" run --model "$model" --prompt "${1:-Once upon a time}" --max-new-tokens 32
fi
exec "$cli" run --model "$model" --token-ids 1,461,392,284,265,447,465,465,465,465,473,315,264 --max-new-tokens 16
