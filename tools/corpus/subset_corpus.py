#!/usr/bin/env python3
"""Writes a smaller corpus: train.txt keeps every Nth paragraph-aligned chunk of about 2,000
characters (each kept chunk a document of its own); val.txt is copied unchanged. Used by the
data-amount pilot (scripts/pilots.sh); deterministic."""

import argparse
import os
import shutil

SEP = "\n<|endoftext|>\n"


def chunks(doc, size=2000):
    out, cur = [], []
    n = 0
    for para in doc.split("\n\n"):
        cur.append(para)
        n += len(para) + 2
        if n >= size:
            out.append("\n\n".join(cur))
            cur, n = [], 0
    if cur:
        out.append("\n\n".join(cur))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--in", dest="src", required=True, help="corpus directory")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--keep-every", type=int, required=True, help="keep chunk k when k %% N == 0")
    a = ap.parse_args()
    text = open(os.path.join(a.src, "train.txt"), encoding="utf-8").read().rstrip("\n")
    k, kept = 0, []
    for doc in text.split(SEP):
        for c in chunks(doc):
            if k % a.keep_every == 0:
                kept.append(c)
            k += 1
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "train.txt"), "w", encoding="utf-8") as f:
        f.write(SEP.join(kept) + "\n")
    shutil.copyfile(os.path.join(a.src, "val.txt"), os.path.join(a.out, "val.txt"))
    print(f"subset: kept {len(kept)} of {k} chunks")


if __name__ == "__main__":
    main()
