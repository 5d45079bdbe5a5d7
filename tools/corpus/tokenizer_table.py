#!/usr/bin/env python3
"""Compares byte-level BPE tokenizers (tokenizer.json) on validation text and on the demo
prompts: bytes per token, and the fraction of the prompts' words that stay one token.

    # the first default model's 4096-token BPE, rebuilt byte for byte from corpus version 1
    build/app/cli/sinkscope-cli train-tokenizer --input $HOME/.cache/sinkscope/corpus/train.txt \
        --out old4096.json --vocab-size 4096
    python3 tools/corpus/tokenizer_table.py \
        --tokenizer old=old4096.json \
        --tokenizer new=$HOME/.cache/sinkscope/corpus-v2/bpe8192/tokenizer.json \
        --val v1=$HOME/.cache/sinkscope/corpus/val.txt --val v2=$HOME/.cache/sinkscope/corpus-v2/val.txt \
        --prompts assets/corpus/demo_prompts.txt

Encoding follows the tokenizer.json (the Split pre-tokenizer's regex, GPT-2 byte-to-unicode
mapping, merges by rank), as the engine does; a corpus is encoded one paragraph at a time as the
trainer does. A "word" is a pre-tokenizer piece holding a letter (" cat", "Lily", "'s"); it
stays whole when it is one token. Needs python3-regex (\\p{L} classes).
"""

import argparse
import json
import sys

import regex

SEP = "\n<|endoftext|>\n"


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class Bpe:
    def __init__(self, path):
        t = json.load(open(path, encoding="utf-8"))
        pre = t["pre_tokenizer"]
        splits = [p for p in pre.get("pretokenizers", [pre]) if p["type"] == "Split"]
        if len(splits) != 1:
            sys.exit(f"{path}: expected one Split pre-tokenizer")
        self.pattern = regex.compile(splits[0]["pattern"]["Regex"])
        merges = t["model"]["merges"]
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in merges]
        self.rank = {m: i for i, m in enumerate(merges)}
        self.vocab = t["model"]["vocab"]
        self.size = len(self.vocab) + len([a for a in t["added_tokens"] if a["id"] not in self.vocab.values()])
        self.byte = bytes_to_unicode()
        self.cache = {}

    def pieces(self, text):
        return self.pattern.findall(text)

    def piece_tokens(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        word = [self.byte[b] for b in piece.encode("utf-8")]
        while len(word) > 1:
            best = min(range(len(word) - 1),
                       key=lambda i: self.rank.get((word[i], word[i + 1]), 1 << 30))
            if (word[best], word[best + 1]) not in self.rank:
                break
            word[best:best + 2] = [word[best] + word[best + 1]]
        self.cache[piece] = word
        return word

    def count(self, text):
        return sum(len(self.piece_tokens(p)) for p in self.pieces(text))


def val_stats(bpe, path):
    text = open(path, encoding="utf-8").read().rstrip("\n")
    tokens = nbytes = 0
    for doc in text.split(SEP):
        for para in doc.split("\n\n"):
            tokens += bpe.count(para)
            nbytes += len(para.encode("utf-8"))
    return nbytes / tokens


def prompt_stats(bpe, prompts):
    whole = total = 0
    broken = []
    for p in prompts:
        for piece in bpe.pieces(p):
            if not regex.search(r"\p{L}", piece):
                continue
            total += 1
            toks = bpe.piece_tokens(piece)
            if len(toks) == 1:
                whole += 1
            else:
                shown = " ".join(t.replace("Ġ", "") for t in toks)
                if shown not in broken:
                    broken.append(shown)
    return whole, total, broken


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokenizer", action="append", required=True, help="NAME=tokenizer.json")
    ap.add_argument("--val", action="append", default=[], help="NAME=val.txt")
    ap.add_argument("--prompts", required=True, help="demo prompts, one a line")
    a = ap.parse_args()
    toks = [(n, Bpe(p)) for n, p in (s.split("=", 1) for s in a.tokenizer)]
    vals = [s.split("=", 1) for s in a.val]
    prompts = [ln for ln in open(a.prompts, encoding="utf-8").read().split("\n") if ln.strip()]
    head = ["tokenizer", "vocab"] + [f"bytes/token {n}" for n, _ in vals] + ["whole words"]
    rows = []
    for name, bpe in toks:
        whole, total, broken = prompt_stats(bpe, prompts)
        rows.append([name, str(bpe.size)] + [f"{val_stats(bpe, p):.3f}" for _, p in vals] +
                    [f"{whole}/{total} = {100.0 * whole / total:.1f} %"])
        rows[-1].append(", ".join(f"`{b}`" for b in broken) or "none")
    head.append("words split (demo prompts)")
    print("| " + " | ".join(head) + " |")
    print("| " + " | ".join("---" for _ in head) + " |")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
