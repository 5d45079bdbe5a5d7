#!/usr/bin/python3
"""Writes a Llama-shaped checkpoint of any size in BF16 (or F16/F32) for memory and speed benchmarks:
config.json + model.safetensors, every matrix tiled from one small random block, so gigabytes are
written in seconds. The values mean nothing; never commit the output.

Usage: make_big_checkpoint.py OUT_DIR [--preset 1b|8b|tiny] [--layers N] [--dtype BF16|F16|F32]
                              [--gguf Q4_K|Q8_0|...]
--gguf writes OUT_DIR/model.gguf instead (llama architecture, matrices in that block type, norms
F32, a placeholder SentencePiece vocabulary): one tile of whole rows per row length is quantized
once and its rows repeated, so gigabytes take seconds here too.
Presets: 1b is TinyLlama-1.1B's shape (hidden 2048, 22 layers, ff 5632, 32 heads / 4 kv, vocab
32000); 8b is Llama-3-8B's (4096, 32, 14336, 32 / 8, 128256).
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from safetensors_io import f32_to_bf16_bits  # noqa: E402

PRESETS = {
    "tiny": dict(hidden_size=256, num_hidden_layers=2, intermediate_size=768, num_attention_heads=8,
                 num_key_value_heads=4, vocab_size=1024),
    "1b": dict(hidden_size=2048, num_hidden_layers=22, intermediate_size=5632, num_attention_heads=32,
               num_key_value_heads=4, vocab_size=32000),
    "8b": dict(hidden_size=4096, num_hidden_layers=32, intermediate_size=14336, num_attention_heads=32,
               num_key_value_heads=8, vocab_size=128256),
}
WIDTH = {"BF16": 2, "F16": 2, "F32": 4}


def shapes(c: dict) -> list[tuple[str, tuple[int, ...]]]:
    D, F, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    hd = D // c["num_attention_heads"]
    KV = c["num_key_value_heads"] * hd
    out = [("model.embed_tokens.weight", (V, D))]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out += [(p + "input_layernorm.weight", (D,)), (p + "self_attn.q_proj.weight", (D, D)),
                (p + "self_attn.k_proj.weight", (KV, D)), (p + "self_attn.v_proj.weight", (KV, D)),
                (p + "self_attn.o_proj.weight", (D, D)), (p + "post_attention_layernorm.weight", (D,)),
                (p + "mlp.gate_proj.weight", (F, D)), (p + "mlp.up_proj.weight", (F, D)),
                (p + "mlp.down_proj.weight", (D, F))]
    out += [("model.norm.weight", (D,)), ("lm_head.weight", (V, D))]
    return out


def block_bytes(dtype: str, n: int, norm: bool, rng) -> bytes:
    """n values: ones for norms, else N(0, 0.02) (a typical init scale), in the stored dtype."""
    x = np.ones(n, np.float32) if norm else (0.02 * rng.standard_normal(n)).astype(np.float32)
    if dtype == "BF16":
        return f32_to_bf16_bits(x).astype("<u2").tobytes()
    return x.astype("<f2" if dtype == "F16" else "<f4").tobytes()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--preset", default="1b", choices=PRESETS)
    ap.add_argument("--layers", type=int)
    ap.add_argument("--dtype", default="BF16", choices=WIDTH)
    ap.add_argument("--gguf", help="write model.gguf with matrices in this block type (e.g. Q4_K)")
    a = ap.parse_args()
    c = dict(PRESETS[a.preset])
    if a.layers:
        c["num_hidden_layers"] = a.layers
    cfg = dict(model_type="llama", architectures=["LlamaForCausalLM"], hidden_act="silu",
               max_position_embeddings=4096, rms_norm_eps=1e-5, rope_theta=10000.0,
               tie_word_embeddings=False, torch_dtype={"BF16": "bfloat16", "F16": "float16",
                                                       "F32": "float32"}[a.dtype], **c)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    if a.gguf:
        return write_gguf(out, c, cfg, a.gguf)
    (out / "config.json").write_text(json.dumps(cfg, indent=1))
    w = WIDTH[a.dtype]
    header, offset = {}, 0
    for name, shape in shapes(c):
        n = int(np.prod(shape))
        header[name] = {"dtype": a.dtype, "shape": list(shape), "data_offsets": [offset, offset + n * w]}
        offset += n * w
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 8)
    rng = np.random.default_rng(0)
    tile = block_bytes(a.dtype, 1 << 20, False, rng)  # 1 Mi values, repeated
    with open(out / "model.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for name, shape in shapes(c):
            n = int(np.prod(shape))
            if len(shape) == 1:
                f.write(block_bytes(a.dtype, n, True, rng))
                continue
            left = n * w
            while left > 0:
                chunk = tile[: min(left, len(tile))]
                f.write(chunk)
                left -= len(chunk)
    print(f"{out}: {offset / 2**30:.2f} GiB of {a.dtype} weights, {offset // w / 1e9:.2f} B parameters")


def write_gguf(out: Path, c: dict, cfg: dict, qtype: str) -> None:
    import gguf_quants
    from make_gguf_fixtures import F32V, STRING, U32, GgufWriter, add_spm_tokenizer
    D, V = c["hidden_size"], c["vocab_size"]
    rng = np.random.default_rng(0)
    tiles: dict[int, tuple[bytes, int]] = {}  # row length -> (quantized tile of whole rows, its rows)

    def tile(cols: int) -> tuple[bytes, int]:
        if cols not in tiles:
            rows = max(1, (1 << 20) // cols)
            x = (0.02 * rng.standard_normal((rows, cols))).astype(np.float32)
            tiles[cols] = (gguf_quants.quantize(qtype, x), rows)
        return tiles[cols]

    w = GgufWriter()
    arch = "llama"
    w.add("general.architecture", STRING, arch)
    for key, value in [("context_length", cfg["max_position_embeddings"]), ("embedding_length", D),
                       ("block_count", c["num_hidden_layers"]), ("feed_forward_length", c["intermediate_size"]),
                       ("attention.head_count", c["num_attention_heads"]),
                       ("attention.head_count_kv", c["num_key_value_heads"])]:
        w.add(f"{arch}.{key}", U32, value)
    w.add(f"{arch}.attention.layer_norm_rms_epsilon", F32V, cfg["rms_norm_eps"])
    tokens = ["<unk>", "<s>", "</s>"] + [f"t{i}" for i in range(3, V)]
    add_spm_tokenizer(w, tokens, [0.0] * V, [2, 3, 3] + [1] * (V - 3))
    names = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    layer = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
             "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
             "post_attention_layernorm": "ffn_norm", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down"}
    for name, shape in shapes(c):
        if name in names:
            gname = names[name]
        else:
            i, rest = name[len("model.layers."):].split(".", 1)
            gname = f"blk.{i}.{layer[rest.rsplit('.', 1)[0]]}.weight"
        if len(shape) == 1:
            w.add_tensor(gname, 0, [shape[0]], np.ones(shape[0], "<f4").tobytes())
            continue
        rows, cols = shape
        qt, tile_rows = tile(cols)
        row_bytes = len(qt) // tile_rows
        w.add_tensor(gname, gguf_quants.TYPES[qtype], [cols, rows], (qt * -(-rows // tile_rows))[: rows * row_bytes])
    data = w.to_bytes()
    (out / "model.gguf").write_bytes(data)
    print(f"{out / 'model.gguf'}: {len(data) / 2**30:.2f} GiB, {qtype}")


if __name__ == "__main__":
    main()
