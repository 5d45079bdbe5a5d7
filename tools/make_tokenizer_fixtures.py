#!/usr/bin/python3
"""Writes the tokenizer fixtures under tests/data/tokenizers/ and the ids the C++ tests expect.

The expected ids come from a reference written here in plain Python (the `regex` module for the
pre-tokenizer splits, GPT-2's rank-based BPE loop, llama2.c's greedy score merge) so that the C++
engine is checked against an implementation that shares none of its code. SentencePiece ids and
decodings come from sentencepiece's python bindings: the engine reads tokenizer.model on its own,
and the library is the behaviour it must match.

Needs: python3-regex, python3-sentencepiece and the sentencepiece CLI (spm_train).
Run from anywhere: /usr/bin/python3 tools/make_tokenizer_fixtures.py
"""

import collections
import json
import os
import random
import struct
import subprocess
import tempfile

import regex
import sentencepiece as spm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "tokenizers")

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"""
                  r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")

# Original prose, so the fixtures carry no third-party text. Digits, contractions and
# punctuation are sprinkled in so that the learned merges cover them too.
CORPUS = """\
The lighthouse keeper climbed the narrow stairs every evening at seven. He counted the steps
as he went, one hundred and twelve of them, and he never lost count, not even in the storms of
1887 when the wind shook the glass and the sea rose over the rocks below. "It's the counting
that keeps me steady," he'd say to anyone who asked, though few people ever did.

In the village, the baker opened her shop before dawn. She didn't mind the early hours; she'd
grown up with the smell of bread and the sound of the oven door. Her sister ran the post office
across the square, and the two of them talked every morning over coffee, trading news about the
weather, the boats, and the price of flour, which had gone up again by 3.5 percent.

Attention, the teacher explained, is a way of deciding what matters. When you read a sentence,
you don't weigh every word the same. Some words carry the meaning and others only hold the
sentence together. A model that reads text has to learn the same trick: where to look, and how
much to care about what it sees there. Sometimes it looks at the very first word for no reason
at all, as if resting its eyes on a familiar place.

They walked along the shore until the sun was low. The tide had gone out and left the sand wet
and shining, and the gulls were arguing over something near the water. "We'll come back
tomorrow," she said. "We've got time." He nodded, but he wasn't sure they would; they'd said
the same thing in 2019, and in 2020, and the years kept slipping by like the water between the
stones.

Numbers are words too: 1, 2, 3, 10, 100, 1000, 12345 and 3.14159. So are lists, such as
apples, pears, plums; and so are questions, like what's next? and who's there? The keeper's
log recorded 42 ships in March, 57 in April and 61 in May.
"""

TEST_STRINGS = [
    "",
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure they'll say it's what we'd've done; DON'T YOU'RE SURE?",
    "Numbers: 0 7 42 1234567 3.14159 and 2024-06-01",
    "spaces   between\twords\t\t and  trailing  ",
    "   leading spaces",
    "line one\nline two\n\n\nline five\r\nwindows\n",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c5ngstr\u00f6m",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3068\u4e2d\u6587",
    "emoji \U0001f44b\U0001f30d hello \U0001f916!",
    "Hello<|endoftext|>world <|endoftext|><|endoftext|> end",
    "<|begin_of_text|>Hi there<|end_of_text|>",
    " sinkscope attention sinks",
    "mixed: x=1; y = [a, b]; // comment\n\tindent",
    "the lighthouse keeper counted the steps",
    "full width \uff21\uff22\uff23\uff11\uff12\uff13\u3000and the \ufb01sh <sep> A\u0301 done",
]


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character table."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1))
          + list(range(ord("\u00ae"), ord("\u00ff") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()
U2B = {c: b for b, c in B2U.items()}


def to_byte_level(s):
    return "".join(B2U[b] for b in s.encode("utf-8"))


def split_isolated(text, pattern):
    """HF Split with behavior Isolated: matches and the gaps between them all become pieces."""
    pieces, prev = [], 0
    for m in regex.finditer(pattern, text):
        if m.start() == m.end():
            continue
        if m.start() > prev:
            pieces.append(text[prev:m.start()])
        pieces.append(m.group(0))
        prev = m.end()
    if prev < len(text):
        pieces.append(text[prev:])
    return pieces


# ---------------------------------------------------------------- byte-level BPE training


def train_byte_level_bpe(text, pattern, num_merges):
    words = collections.Counter(split_isolated(text, pattern))
    splits = {w: tuple(to_byte_level(w)) for w in words}
    merges = []
    for _ in range(num_merges):
        pairs = collections.Counter()
        for w, count in words.items():
            s = splits[w]
            for pair in zip(s, s[1:]):
                pairs[pair] += count
        if not pairs:
            break
        # Ties go to the lexicographically largest pair: any fixed rule keeps the output stable.
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        for w in words:
            splits[w] = merge_pair(splits[w], best)
    vocab = {}
    for ch in B2U.values():  # GPT-2's order: printable bytes first, then the remapped ones
        vocab[ch] = len(vocab)
    for a, b in merges:
        if a + b not in vocab:
            vocab[a + b] = len(vocab)
    return vocab, merges


def merge_pair(symbols, pair):
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


# ---------------------------------------------------------------- byte-level BPE reference


def bpe_word(chars, ranks):
    """GPT-2's encoder.bpe: merge the lowest-ranked adjacent pair everywhere until none is left."""
    word = tuple(chars)
    while len(word) > 1:
        pairs = set(zip(word, word[1:]))
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        word = merge_pair(word, best)
    return word


def split_added(text, added):
    """Leftmost-longest literal matches of the added tokens; yields (segment, token id or None)."""
    out, start, i = [], 0, 0
    by_length = sorted(added, key=len, reverse=True)
    while i < len(text):
        hit = next((t for t in by_length if text.startswith(t, i)), None)
        if hit is None:
            i += 1
            continue
        if i > start:
            out.append((text[start:i], None))
        out.append((hit, added[hit]))
        i += len(hit)
        start = i
    if start < len(text):
        out.append((text[start:], None))
    return out


def encode_byte_level(text, vocab, merges, added, pattern, ignore_merges):
    ranks = {tuple(m): r for r, m in enumerate(merges)}
    ids = []
    for segment, special in split_added(text, added):
        if special is not None:
            ids.append(special)
            continue
        for piece in split_isolated(segment, pattern):
            mapped = to_byte_level(piece)
            if ignore_merges and mapped in vocab:
                ids.append(vocab[mapped])
                continue
            ids.extend(vocab[t] for t in bpe_word(mapped, ranks))
    return ids


# ---------------------------------------------------------------- llama2.c reference


def llama2c_encode(text, pieces, scores):
    """A line-by-line port of llama2.c's encode() (without BOS/EOS)."""
    lookup = {}
    for i, p in enumerate(pieces):
        lookup.setdefault(p, i)
    if not text:
        return []
    data = text.encode("utf-8")
    tokens = [lookup.get(b" ", ord(" ") + 3)]
    i = 0
    while i < len(data):
        n = 1
        while i + n < len(data) and (data[i + n] & 0xC0) == 0x80 and n < 4:
            n += 1
        cp = data[i:i + n]
        if cp in lookup:
            tokens.append(lookup[cp])
        else:
            tokens.extend(b + 3 for b in cp)
        i += n
    while True:
        best_score, best_id, best_idx = -1e10, -1, -1
        for k in range(len(tokens) - 1):
            merged = pieces[tokens[k]] + pieces[tokens[k + 1]]
            j = lookup.get(merged, -1)
            if j != -1 and scores[j] > best_score:
                best_score, best_id, best_idx = scores[j], j, k
        if best_idx == -1:
            break
        tokens[best_idx:best_idx + 2] = [best_id]
    return tokens


# ---------------------------------------------------------------- writers


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def added_entry(token_id, content):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def byte_level_step(use_regex):
    return {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": use_regex}


def make_gpt2style():
    vocab, merges = train_byte_level_bpe(CORPUS, GPT2_PATTERN, 300)
    eot = len(vocab)
    vocab["<|endoftext|>"] = eot
    added = {"<|endoftext|>": eot}
    doc = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added_entry(eot, "<|endoftext|>")],
        "normalizer": None,
        "pre_tokenizer": byte_level_step(True),
        "post_processor": byte_level_step(True),
        "decoder": byte_level_step(True),
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                  "merges": [a + " " + b for a, b in merges]},
    }
    write_json(os.path.join(OUT, "bpe_gpt2style", "tokenizer.json"), doc)

    # The same model in GPT-2's original two-file form.
    write_json(os.path.join(OUT, "bpe_vocab_merges", "vocab.json"), vocab)
    with open(os.path.join(OUT, "bpe_vocab_merges", "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(a + " " + b + "\n")

    def encode(text):
        return encode_byte_level(text, vocab, merges, added, GPT2_PATTERN, False)

    return encode, {"bos": None, "eos": eot}, {"bos": eot, "eos": eot}


def make_llama3style():
    vocab, merges = train_byte_level_bpe(CORPUS, LLAMA3_PATTERN, 300)
    # A whole word that no merge sequence builds: only ignore_merges can produce it.
    vocab[to_byte_level(" sinkscope")] = len(vocab)
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<|reserved_special_token_1|>"]
    base = len(vocab)
    added = {s: base + i for i, s in enumerate(specials)}
    bos = added["<|begin_of_text|>"]
    template = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                   {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                 {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                 {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [bos],
                                                 "tokens": ["<|begin_of_text|>"]}},
    }
    doc = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added_entry(i, s) for s, i in added.items()],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated", "invert": False},
            byte_level_step(False)]},
        "post_processor": {"type": "Sequence", "processors": [byte_level_step(True), template]},
        "decoder": byte_level_step(True),
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": True, "vocab": vocab, "merges": [[a, b] for a, b in merges]},
    }
    write_json(os.path.join(OUT, "bpe_llama3style", "tokenizer.json"), doc)

    def encode(text):
        return encode_byte_level(text, vocab, merges, added, LLAMA3_PATTERN, True)

    return encode, {"bos": bos, "eos": added["<|end_of_text|>"]}


# A small custom normalization table (the stock nmt_nfkc map is ~240 KB): full-width ASCII,
# the "fi" ligature, the ideographic space, and a two-character source (A + combining acute).
NORMALIZATION_RULES = (
    [f"{0xFF01 + i:X}\t{0x21 + i:X}" for i in range(0x5E)]
    + ["FB01\t66 69", "3000\t20", "41 301\tC1"]
)


def train_spm(out_path, extra_args, user_defined=True):
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "corpus.txt"), "w", encoding="utf-8") as f:
            f.write(CORPUS)
        with open(os.path.join(tmp, "rules.tsv"), "w", encoding="utf-8") as f:
            f.write("\n".join(NORMALIZATION_RULES) + "\n")
        subprocess.run(["spm_train", "--input=corpus.txt", "--model_prefix=tok", "--num_threads=1",
                        "--character_coverage=1.0", "--unk_id=0", "--bos_id=1", "--eos_id=2",
                        "--pad_id=-1", "--minloglevel=2"]
                       + (["--user_defined_symbols=<sep>"] if user_defined else []) + extra_args,
                       cwd=tmp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(tmp, "tok.model"), "rb") as f:
            model = f.read()
    with open(out_path, "wb") as f:
        f.write(model)
    return spm.SentencePieceProcessor(model_file=out_path)


def decode_cases(sp):
    """Id sequences mixing every piece type, with sentencepiece's own decoding of each."""
    rng = random.Random(7)
    n = sp.get_piece_size()
    space = sp.piece_to_id("\u2581")
    cases = [[space, space, sp.piece_to_id("\u2581the")], [1, space, sp.piece_to_id("\u2581the"), 2],
             [0, sp.piece_to_id("\u2581the"), 0]]
    for _ in range(40):
        cases.append([rng.randrange(n) for _ in range(rng.randrange(1, 9))])
    return [[ids, sp.decode(ids)] for ids in cases]


def make_spm_and_llama2c():
    # Llama-like settings: identity normalization and kept whitespace make text round-trip,
    # byte fallback covers characters the tiny corpus never showed.
    llama_like = ["--model_type=bpe", "--vocab_size=400", "--byte_fallback=true",
                  "--normalization_rule_name=identity", "--remove_extra_whitespaces=false",
                  "--split_digits=true"]
    sp = train_spm(os.path.join(OUT, "spm", "tokenizer.model"), llama_like)
    # T5-like settings: unigram with a precompiled normalization map, collapsed whitespace and
    # <unk> pieces.
    uni = train_spm(os.path.join(OUT, "spm_unigram", "tokenizer.model"),
                    ["--model_type=unigram", "--vocab_size=150", "--normalization_rule_tsv=rules.tsv"])

    # llama2.c's tokenizer.py export of a Llama-like BPE model. llama2.c hard-codes byte pieces at
    # ids 3..258, so this model has no user-defined symbol (sentencepiece would put it at id 3).
    with tempfile.TemporaryDirectory() as tmp:
        base = train_spm(os.path.join(tmp, "tokenizer.model"), llama_like, user_defined=False)
    pieces, scores = [], []
    for i in range(base.get_piece_size()):
        piece = base.id_to_piece(i)
        if i == base.bos_id():
            piece = "\n<s>\n"
        elif i == base.eos_id():
            piece = "\n</s>\n"
        pieces.append(piece.replace("\u2581", " ").encode("utf-8"))
        scores.append(base.get_score(i))
    l2c_dir = os.path.join(OUT, "llama2c")
    os.makedirs(l2c_dir, exist_ok=True)
    with open(os.path.join(l2c_dir, "tokenizer.bin"), "wb") as f:
        f.write(struct.pack("<i", max(len(p) for p in pieces)))
        for piece, score in zip(pieces, scores):
            f.write(struct.pack("<fi", score, len(piece)))
            f.write(piece)
    # The C++ reader sees scores as float32; compare merges with the same rounding.
    scores32 = [struct.unpack("<f", struct.pack("<f", s))[0] for s in scores]

    def spm_entry(proc, lossy):
        entry = {"bos": proc.bos_id(), "eos": proc.eos_id(), "vocab_size": proc.get_piece_size(),
                 "decode_cases": decode_cases(proc)}
        if lossy:  # normalization changes the text, so round trips give sentencepiece's decoding
            entry["decoded"] = [proc.decode(proc.encode(t)) for t in TEST_STRINGS]
        return entry

    return {
        "spm": (lambda t: sp.encode(t), spm_entry(sp, False)),
        "spm_unigram": (lambda t: uni.encode(t), spm_entry(uni, True)),
        "llama2c": (lambda t: llama2c_encode(t, pieces, scores32),
                    {"bos": 1, "eos": 2, "vocab_size": len(pieces)}),
    }


def main():
    gpt2, gpt2_info, vm_info = make_gpt2style()
    llama3, llama3_info = make_llama3style()
    encoders = {
        "bpe_gpt2style": (gpt2, gpt2_info),
        "bpe_vocab_merges": (gpt2, vm_info),
        "bpe_llama3style": (llama3, llama3_info),
    }
    encoders.update(make_spm_and_llama2c())
    expected = {"strings": TEST_STRINGS, "tokenizers": {}}
    for name, (encode, info) in encoders.items():
        entry = dict(info)
        entry["ids"] = [encode(s) for s in TEST_STRINGS]
        expected["tokenizers"][name] = entry
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
