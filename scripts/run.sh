#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds SinkScope and runs it on the default model.
# The desktop GUI and the trained default model are not ready yet: for now this runs the
# command-line tool, on the bundled default model when it exists, else on the pretrained test
# model ../shared/models/stories260K, else on a tiny random demo model generated here.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh
cli=build/app/cli/sinkscope-cli

if [ -f assets/models/default/config.json ]; then
  echo "== SinkScope CLI on the bundled default model (assets/models/default)"
  exec "$cli" run --model assets/models/default --prompt "${1:-Once upon a time}" --max-new-tokens 32
elif [ -f ../shared/models/stories260K/stories260K.bin ]; then
  echo "== SinkScope CLI on the pretrained test model stories260K (the default model is not bundled yet;"
  echo "   stories260K has no tokenizer here, so it is driven by token ids)"
  exec "$cli" run --model ../shared/models/stories260K/stories260K.bin \
    --token-ids 1,461,392,284,265,447,465,465,465,465,473,315,264 --max-new-tokens 16
else
  echo "== SinkScope CLI on a tiny random demo model generated now (no trained model is available yet)"
  "$cli" random-model --out build/demo-model
  exec "$cli" run --model build/demo-model --token-ids 0,5,17,42,99,7 --max-new-tokens 8
fi
