#!/usr/bin/python3
"""Writes the GGUF test fixtures by hand (no gguf package): llama.cpp's format, version 3.

GGUF layout (little-endian): "GGUF", u32 version, u64 tensor count, u64 key/value count; the
key/value pairs (string key, u32 value type, value; strings are u64 length + UTF-8 bytes, arrays
are u32 element type + u64 count + elements); the tensor infos (string name, u32 n_dims, u64 dims
innermost first, u32 ggml type, u64 offset into the data section); padding to general.alignment
(default 32); the data section, every tensor at an aligned offset.

Writes (relative to the repository root):
  tests/data/models/tiny_llama_f32.gguf    tiny_llama's weights, all F32
  tests/data/models/tiny_llama_q8_0.gguf   Q8_0 where rows allow (ne[0] % 32 == 0), ffn_down BF16,
                                           norms F32
  tests/data/models/tiny_llama_q4_0.gguf   Q4_0 likewise, ffn_down F16, general.alignment 64
  tests/data/golden/tiny_llama_{q8_0,q4_0}.safetensors
                                           the NumPy reference's logits (tools/reference_model.py) on
                                           the weights the quantized files decode to
  tests/data/tokenizers/gguf/{spm,gpt2style,llama3style}.gguf
                                           vocabulary-only files converted from the tokenizer
                                           fixtures beside them, as llama.cpp's converter would
  fuzz/corpus/gguf/*                       small seeds for fuzz/targets/gguf.cpp (block_types.gguf:
                                           one row of every block type)

The model files embed a hand-made 100-piece SentencePiece ("llama") vocabulary: tiny_llama has
vocab 100 and ships no tokenizer. The q/k projections are stored permuted the way
convert_hf_to_gguf.py does it (interleaved RoPE pairs), so the reader must undo that.

Needs only NumPy. Deterministic. Usage: /usr/bin/python3 tools/make_gguf_fixtures.py
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gguf_quants  # noqa: E402
from reference_model import llama_from_hf  # noqa: E402
from safetensors_io import load_file, load_model_dir, save_file  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "tests" / "data" / "models"
TOKENIZERS = REPO / "tests" / "data" / "tokenizers"
GOLDEN = REPO / "tests" / "data" / "golden"
CORPUS = REPO / "fuzz" / "corpus" / "gguf"

# GGUF value types
U8, I8, U16, I16, U32, I32, F32V, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
_SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32V: "<f", BOOL: "<?",
           U64: "<Q", I64: "<q", F64: "<d"}
# ggml tensor types (every block type gguf_quants.TYPES names can be written)
T_F32, T_F16, T_Q4_0, T_Q8_0, T_BF16 = 0, 1, 2, 8, 30
# llama.cpp's general.file_type (LLAMA_FTYPE_*) of a file whose matrices are mostly one type; for
# the k-quants the "_S" variant, whose matrices are all of that type
FILE_TYPE = {T_F32: 0, T_F16: 1, T_Q4_0: 2, 3: 3, T_Q8_0: 7, 6: 8, 7: 9, 10: 10, 11: 11, 12: 14, 13: 16,
             14: 18, T_BF16: 32}
# token types (llama.cpp's LLAMA_TOKEN_TYPE_*, the same numbers as sentencepiece's piece types)
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def _string(s: str | bytes) -> bytes:
    b = s.encode("utf-8") if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def _value(vtype: int, value) -> bytes:
    if vtype == STRING:
        return _string(value)
    if vtype == ARRAY:
        etype, items = value
        out = struct.pack("<IQ", etype, len(items))
        return out + b"".join(_value(etype, v) for v in items)
    return struct.pack(_SCALAR[vtype], value)


class GgufWriter:
    def __init__(self, alignment: int = 32):
        self.alignment = alignment
        self.kv: list[tuple[str, int, object]] = []
        self.tensors: list[tuple[str, int, list[int], bytes]] = []
        if alignment != 32:
            self.add("general.alignment", U32, alignment)

    def add(self, key: str, vtype: int, value) -> None:
        self.kv.append((key, vtype, value))

    def add_array(self, key: str, etype: int, items) -> None:
        self.kv.append((key, ARRAY, (etype, list(items))))

    def add_tensor(self, name: str, ttype: int, ne: list[int], data: bytes) -> None:
        self.tensors.append((name, ttype, ne, data))

    def to_bytes(self) -> bytes:
        out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv)))
        for key, vtype, value in self.kv:
            out += _string(key) + struct.pack("<I", vtype) + _value(vtype, value)
        offset = 0
        offsets = []
        for name, ttype, ne, data in self.tensors:
            offsets.append(offset)
            out += _string(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
            out += struct.pack("<IQ", ttype, offset)
            offset += -(-len(data) // self.alignment) * self.alignment
        out += bytes(-len(out) % self.alignment)
        data_start = len(out)
        for (_, _, _, data), off in zip(self.tensors, offsets):
            out += bytes(data_start + off - len(out)) + data
        return bytes(out)


# --- tensor encoding (the block quantizers live in gguf_quants.py) ------------------------------

def block_elements(ttype: int) -> int:
    """Elements per block: 1 for the plain types."""
    return 1 if ttype in (T_F32, T_F16, T_BF16) else gguf_quants.block_size(ttype)[0]


def dequantize(data: bytes, ttype: int, shape) -> np.ndarray:
    """The float32 values a reader gets back from encode_tensor's bytes (plain types exactly; block
    types through gguf_quants' float64 decoder, whose exact values a float32 reader rounds once)."""
    if ttype == T_F32:
        return np.frombuffer(data, "<f4").reshape(shape)
    if ttype == T_F16:
        return np.frombuffer(data, "<f2").astype(np.float32).reshape(shape)
    if ttype == T_BF16:
        return (np.frombuffer(data, "<u2").astype(np.uint32) << 16).view(np.float32).reshape(shape)
    return gguf_quants.dequantize(ttype, data, shape).astype(np.float32)


def encode_tensor(x: np.ndarray, ttype: int) -> bytes:
    x = np.ascontiguousarray(x, dtype=np.float32)
    if ttype == T_F32:
        return x.astype("<f4").tobytes()
    if ttype == T_F16:
        return x.astype("<f2").tobytes()
    if ttype == T_BF16:  # the weights are already BF16 values: truncation is exact
        return (x.view(np.uint32) >> 16).astype("<u2").tobytes()
    return gguf_quants.quantize(ttype, x)


# --- model fixtures ----------------------------------------------------------------------------

def permute_qk(w: np.ndarray, n_head: int) -> np.ndarray:
    """convert_hf_to_gguf.py's LlamaModel.permute: rotate-half rows -> interleaved pairs."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def tiny_spm_vocab() -> tuple[list[str], list[float], list[int]]:
    """100 pieces: <unk> <s> </s>, merged pieces (best first), then single characters."""
    merged = ["▁t", "he", "▁a", "in", "er", "an", "on", "▁the", "▁s", "re", "nd", "▁w", "at", "en",
              "▁o", "ou", "▁h", "▁i", "ed", "▁b", "▁c", "it", "es", "or", "is", "ing", "▁and", "▁of",
              "▁to", "ar", "▁m", "▁f", "ll", "▁he", "▁d", "as", "▁was", "le", "▁T", "▁The", "om",
              "▁th", "ow", "▁I", "st", "▁l", "▁n", "▁p"]
    chars = (["▁"] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + list("0123456789")
             + list(".,'!?") + list("TIAOHSW"))
    tokens = ["<unk>", "<s>", "</s>"] + merged + chars
    assert len(tokens) == 100 and len(set(tokens)) == 100, len(tokens)
    scores = [0.0, 0.0, 0.0] + [-float(i) for i in range(len(merged))] + \
        [-1000.0 - i for i in range(len(chars))]
    types = [UNKNOWN, CONTROL, CONTROL] + [NORMAL] * (len(merged) + len(chars))
    return tokens, scores, types


def add_spm_tokenizer(w: GgufWriter, tokens, scores, types, bos=1, eos=2, unk=0, add_prefix=True):
    w.add("tokenizer.ggml.model", STRING, "llama")
    w.add_array("tokenizer.ggml.tokens", STRING, tokens)
    w.add_array("tokenizer.ggml.scores", F32V, scores)
    w.add_array("tokenizer.ggml.token_type", I32, types)
    w.add("tokenizer.ggml.bos_token_id", U32, bos)
    w.add("tokenizer.ggml.eos_token_id", U32, eos)
    w.add("tokenizer.ggml.unknown_token_id", U32, unk)
    w.add("tokenizer.ggml.add_bos_token", BOOL, True)
    w.add("tokenizer.ggml.add_space_prefix", BOOL, add_prefix)


def llama_gguf(t: dict, cfg: dict, quant: int, plain: int, alignment: int = 32, vocab=None,
               stored: dict | None = None) -> bytes:
    """t: HF tensor name -> float32 array. quant: the type for 2-D tensors whose rows fit its blocks
    (any type of gguf_quants, e.g. 12 for Q4_K: rows of 256); plain: the type for 2-D tensors that
    do not. Norms are always F32, as llama.cpp keeps them.
    stored, when given, receives the values a reader decodes, under the HF names and layout."""
    H, KV, L = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["num_hidden_layers"]
    w = GgufWriter(alignment)
    w.add("general.architecture", STRING, "llama")
    w.add("general.name", STRING, "tiny_llama (SinkScope test fixture)")
    w.add("llama.context_length", U32, cfg["max_position_embeddings"])
    w.add("llama.embedding_length", U32, cfg["hidden_size"])
    w.add("llama.block_count", U32, L)
    w.add("llama.feed_forward_length", U32, cfg["intermediate_size"])
    w.add("llama.attention.head_count", U32, H)
    w.add("llama.attention.head_count_kv", U32, KV)
    w.add("llama.attention.layer_norm_rms_epsilon", F32V, cfg["rms_norm_eps"])
    w.add("llama.rope.freq_base", F32V, cfg["rope_theta"])
    w.add("llama.rope.dimension_count", U32, cfg["hidden_size"] // H)
    w.add("general.file_type", U32, FILE_TYPE[quant])
    tokens, scores, types = vocab if vocab else tiny_spm_vocab()
    add_spm_tokenizer(w, tokens, scores, types)

    def put(gguf_name: str, hf_name: str, permute_heads: int = 0):
        x = t[hf_name]
        if x.ndim == 1:
            ttype = T_F32
        else:
            ttype = quant if x.shape[1] % block_elements(quant) == 0 else plain
        if stored is not None:  # blocks run along rows, so permuting rows commutes with quantizing
            stored[hf_name] = dequantize(encode_tensor(x, ttype), ttype, x.shape)
        if permute_heads:
            x = permute_qk(x, permute_heads)
        w.add_tensor(gguf_name, ttype, list(reversed(x.shape)), encode_tensor(x, ttype))

    put("token_embd.weight", "model.embed_tokens.weight")
    for i in range(L):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        put(b + "attn_norm.weight", p + "input_layernorm.weight")
        put(b + "attn_q.weight", p + "self_attn.q_proj.weight", H)
        put(b + "attn_k.weight", p + "self_attn.k_proj.weight", KV)
        put(b + "attn_v.weight", p + "self_attn.v_proj.weight")
        put(b + "attn_output.weight", p + "self_attn.o_proj.weight")
        put(b + "ffn_norm.weight", p + "post_attention_layernorm.weight")
        put(b + "ffn_gate.weight", p + "mlp.gate_proj.weight")
        put(b + "ffn_up.weight", p + "mlp.up_proj.weight")
        put(b + "ffn_down.weight", p + "mlp.down_proj.weight")
    put("output_norm.weight", "model.norm.weight")
    if "lm_head.weight" in t:
        put("output.weight", "lm_head.weight")
    return w.to_bytes()


def micro_model(seed: int, d: int) -> tuple[dict, dict, tuple]:
    """A 1-layer model with tied embeddings, small enough for fuzz seeds (d 32 gives one
    Q8_0/Q4_0 block per row)."""
    rng = np.random.default_rng(seed)
    ff, H, KV, V = d, 2, 1, 4
    hd = d // H
    cfg = {"num_attention_heads": H, "num_key_value_heads": KV, "num_hidden_layers": 1,
           "max_position_embeddings": 16, "hidden_size": d, "intermediate_size": ff,
           "rms_norm_eps": 1e-5, "rope_theta": 10000.0}

    def n(*shape):
        return (0.3 * rng.standard_normal(shape)).astype(np.float32)

    t = {"model.embed_tokens.weight": n(V, d), "model.norm.weight": 1 + n(d)}
    p = "model.layers.0."
    t.update({p + "input_layernorm.weight": 1 + n(d), p + "post_attention_layernorm.weight": 1 + n(d),
              p + "self_attn.q_proj.weight": n(H * hd, d), p + "self_attn.k_proj.weight": n(KV * hd, d),
              p + "self_attn.v_proj.weight": n(KV * hd, d), p + "self_attn.o_proj.weight": n(d, H * hd),
              p + "mlp.gate_proj.weight": n(ff, d), p + "mlp.up_proj.weight": n(ff, d),
              p + "mlp.down_proj.weight": n(d, ff)})
    vocab = (["<unk>", "<s>", "</s>", "▁"], [0.0, 0.0, 0.0, -1.0], [UNKNOWN, CONTROL, CONTROL, NORMAL])
    return t, cfg, vocab


# --- vocabulary-only fixtures ------------------------------------------------------------------

def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, pos


def _fields(buf: bytes):
    """Yields (field number, wire type, value) of a protobuf message (enough for ModelProto)."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, pos = _varint(buf, pos)
        elif wt == 1:
            v, pos = buf[pos:pos + 8], pos + 8
        elif wt == 2:
            n, pos = _varint(buf, pos)
            v, pos = buf[pos:pos + n], pos + n
        elif wt == 5:
            v, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"wire type {wt}")
        yield num, wt, v


def spm_gguf(model_path: Path) -> bytes:
    """A sentencepiece tokenizer.model as llama.cpp's converter stores it (model "llama")."""
    tokens, scores, types = [], [], []
    add_dummy_prefix = True
    for num, _, v in _fields(model_path.read_bytes()):
        if num == 1:  # pieces
            piece, score, ptype = b"", 0.0, NORMAL
            for n2, _, v2 in _fields(v):
                if n2 == 1:
                    piece = v2
                elif n2 == 2:
                    score = struct.unpack("<f", v2)[0]
                elif n2 == 3:
                    ptype = v2
            tokens.append(piece)
            scores.append(score)
            types.append(ptype)
        elif num == 3:  # normalizer_spec
            for n2, _, v2 in _fields(v):
                if n2 == 3:
                    add_dummy_prefix = v2 != 0
    ids = {tok: i for i, tok in enumerate(tokens)}
    w = GgufWriter()
    w.add("general.architecture", STRING, "llama")
    add_spm_tokenizer(w, tokens, scores, types, bos=ids[b"<s>"], eos=ids[b"</s>"],
                      unk=types.index(UNKNOWN), add_prefix=add_dummy_prefix)
    return w.to_bytes()


def bpe_gguf(tokenizer_json: Path, pre: str, bos: str | None, eos: str) -> bytes:
    """A byte-level BPE tokenizer.json as llama.cpp's converter stores it (model "gpt2")."""
    j = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    vocab = dict(j["model"]["vocab"])
    added = {a["content"]: a for a in j.get("added_tokens", [])}
    for content, a in added.items():
        vocab[content] = a["id"]
    tokens = [None] * len(vocab)
    for tok, i in vocab.items():
        tokens[i] = tok
    assert None not in tokens, "ids must be dense"
    types = [(CONTROL if added[t]["special"] else USER_DEFINED) if t in added else NORMAL for t in tokens]
    merges = [m if isinstance(m, str) else " ".join(m) for m in j["model"]["merges"]]
    w = GgufWriter()
    w.add("general.architecture", STRING, "llama")
    w.add("tokenizer.ggml.model", STRING, "gpt2")
    w.add("tokenizer.ggml.pre", STRING, pre)
    w.add_array("tokenizer.ggml.tokens", STRING, tokens)
    w.add_array("tokenizer.ggml.token_type", I32, types)
    w.add_array("tokenizer.ggml.merges", STRING, merges)
    if bos is not None:
        w.add("tokenizer.ggml.bos_token_id", U32, vocab[bos])
    w.add("tokenizer.ggml.eos_token_id", U32, vocab[eos])
    w.add("tokenizer.ggml.add_bos_token", BOOL, bos is not None)
    return w.to_bytes()


# --- fuzz seeds --------------------------------------------------------------------------------

def fuzz_seeds() -> dict[str, bytes]:
    t, cfg, vocab = micro_model(7, 8)
    seeds = {"micro_f32.gguf": llama_gguf(t, cfg, T_F32, T_F32, vocab=vocab)}
    t, cfg, vocab = micro_model(7, 32)
    seeds.update({
        "micro_q8_0.gguf": llama_gguf(t, cfg, T_Q8_0, T_BF16, vocab=vocab),
        "micro_q4_0.gguf": llama_gguf(t, cfg, T_Q4_0, T_F16, alignment=64, vocab=vocab),
    })
    base = seeds["micro_q4_0.gguf"]
    seeds["bad_magic.gguf"] = b"GGUG" + base[4:]
    seeds["version1.gguf"] = base[:4] + struct.pack("<I", 1) + base[8:]
    seeds["truncated.gguf"] = base[: len(base) * 2 // 3]
    seeds["huge_tensor_count.gguf"] = base[:8] + struct.pack("<Q", 1 << 62) + base[16:]
    # the first key's length field made absurd
    seeds["huge_string.gguf"] = base[:24] + struct.pack("<Q", 1 << 40) + base[32:]
    w = GgufWriter()
    w.add("general.architecture", STRING, "llama")
    w.add_array("nested", ARRAY, [(U8, [1, 2]), (STRING, ["a"]), (ARRAY, [(I64, [-1])])])
    w.add("tokenizer.ggml.model", STRING, "gpt2")
    w.add("tokenizer.ggml.pre", STRING, "smollm")
    w.add_array("tokenizer.ggml.tokens", STRING, ["a", "b", "ab", "Ġ", "<|x|>"])
    w.add_array("tokenizer.ggml.token_type", I32, [NORMAL, NORMAL, NORMAL, NORMAL, CONTROL])
    w.add_array("tokenizer.ggml.merges", STRING, ["a b"])
    w.add_tensor("t", 12, [256, 1], bytes(144))  # one Q4_K block
    w.add_tensor("u", 14, [256], bytes(210))  # one Q6_K block
    seeds["types.gguf"] = w.to_bytes()
    # One row of every block type the engine decodes, quantized from normal data, and two it
    # refuses by name (MXFP4, IQ2_XXS: blocks of 17 and 66 bytes).
    w = GgufWriter()
    rng = np.random.default_rng(5)
    for name in gguf_quants.QUANT_TYPES:
        w.add_tensor(name.lower(), gguf_quants.TYPES[name], [256, 1],
                     gguf_quants.quantize(name, rng.standard_normal(256).astype(np.float32)))
    w.add_tensor("mxfp4", 39, [32], bytes(range(17)))
    w.add_tensor("iq2_xxs", 16, [256], bytes(66))
    seeds["block_types.gguf"] = w.to_bytes()
    return seeds


def quantized_golden(cfg: dict, stored: dict, path: Path) -> None:
    """The NumPy reference's logits for the weights a quantized file decodes to, on the token ids of
    golden/tiny_llama: the engine must match them as tightly as it matches the unquantized model."""
    ids = load_file(GOLDEN / "tiny_llama.safetensors")[0]["token_ids"].astype(np.int64).tolist()
    logits = llama_from_hf(cfg, stored).forward(ids)["logits"].astype(np.float32)
    save_file(path, {"token_ids": (np.asarray(ids, dtype=np.int32), "I32"), "logits": (logits, "F32")},
              {"generator": "tools/make_gguf_fixtures.py", "model": f"tests/data/models/{path.stem}.gguf"})
    print(f"{path.relative_to(REPO)}: logits [{len(ids)}, {logits.shape[1]}]")


def main() -> None:
    cfg = json.loads((MODELS / "tiny_llama" / "config.json").read_text())
    t = {k: np.asarray(v, dtype=np.float32) for k, v in load_model_dir(MODELS / "tiny_llama").items()}
    q8, q4 = {}, {}
    out = {
        MODELS / "tiny_llama_f32.gguf": llama_gguf(t, cfg, T_F32, T_F32),
        MODELS / "tiny_llama_q8_0.gguf": llama_gguf(t, cfg, T_Q8_0, T_BF16, stored=q8),
        MODELS / "tiny_llama_q4_0.gguf": llama_gguf(t, cfg, T_Q4_0, T_F16, alignment=64, stored=q4),
        TOKENIZERS / "gguf" / "spm.gguf": spm_gguf(TOKENIZERS / "spm" / "tokenizer.model"),
        TOKENIZERS / "gguf" / "gpt2style.gguf": bpe_gguf(TOKENIZERS / "bpe_gpt2style" / "tokenizer.json",
                                                        "gpt-2", None, "<|endoftext|>"),
        TOKENIZERS / "gguf" / "llama3style.gguf": bpe_gguf(
            TOKENIZERS / "bpe_llama3style" / "tokenizer.json", "llama-bpe", "<|begin_of_text|>",
            "<|end_of_text|>"),
    }
    out.update({CORPUS / name: data for name, data in fuzz_seeds().items()})
    for path, data in out.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{path.relative_to(REPO)}: {len(data)} bytes")
    quantized_golden(cfg, q8, GOLDEN / "tiny_llama_q8_0.safetensors")
    quantized_golden(cfg, q4, GOLDEN / "tiny_llama_q4_0.safetensors")


if __name__ == "__main__":
    main()
