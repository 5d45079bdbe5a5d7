#!/usr/bin/env python3
"""Writes the committed held-out text (assets/corpus/heldout.txt) from a version-2 corpus's
val.txt: the first validation chunks of a few prose sources, joined by blank lines. None of it
is in train.txt (see the split rule in tools/corpus/README.md). Deterministic.

    python3 tools/corpus/make_heldout.py ~/.cache/sinkscope/corpus-v2 assets/corpus/heldout.txt
"""

import json
import os
import sys

TAKE = [("austen", 4), ("moby-dick", 4), ("sotu", 4), ("debian-handbook", 2), ("python-doc", 2)]
SEP = "\n<|endoftext|>\n"


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    manifest = json.load(open(os.path.join(corpus, "manifest.json"), encoding="utf-8"))
    if manifest.get("version") != 2:
        sys.exit(f"make_heldout: {corpus} is not a version-2 corpus")
    val = open(os.path.join(corpus, "val.txt"), encoding="utf-8").read().rstrip("\n").split(SEP)
    # val.txt holds each source's validation chunks in source order.
    first, start = {}, 0
    for s in manifest["sources"]:
        first[s["id"]] = (start, s["val_chunks"])
        start += s["val_chunks"]
    if start != len(val):
        sys.exit(f"make_heldout: val.txt has {len(val)} chunks, the manifest {start}")
    parts = []
    for sid, n in TAKE:
        a, count = first[sid]
        parts += val[a:a + min(n, count)]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
