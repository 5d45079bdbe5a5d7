"""Generate tiny random HF-format checkpoints for the tests (deterministic: fixed seeds).

Writes under tests/data/models/ (relative to the repository root):
  tiny_gpt2/   GPT-2, F32, single model.safetensors (names without the "transformer." prefix)
  tiny_llama/  Llama, BF16, single model.safetensors, GQA 4 query / 2 kv heads, untied lm_head
  tiny_qwen2/  Qwen2, F16, q/k/v biases, 1 kv head, tied embeddings, sharded in two files with
               model.safetensors.index.json
  tiny_llama3_rope/, tiny_llama_linear/, tiny_llama_dynamic/, tiny_llama_yarn/
               Llama, BF16, head_dim 16 (8 RoPE frequencies), 1 kv head, tied embeddings, with
               rope_scaling llama3 (all three frequency bands), linear (legacy "type" key),
               dynamic (max_position_embeddings 16, so the goldens' 24-token prompt grows the
               base) and yarn (as transformers v5 writes it: "rope_parameters" with rope_theta)
  tiny_qwen3/  Qwen3, BF16, head_dim 16 != hidden/heads, q_norm/k_norm, tied embeddings
  tiny_mistral_window/, tiny_qwen2_window/, tiny_qwen3_window/, tiny_gemma/, tiny_gemma2/,
  tiny_gemma3/, tiny_gemma3_v5/, tiny_gemma2_gguf/, tiny_gemma3_gguf/, tiny_pythia/,
  tiny_neox_sequential/, tiny_phi3/, tiny_phi3_longrope/, tiny_olmo2/, tiny_opt/, tiny_opt_postln/
               configured in family_checkpoints.py, tensors drawn in hf_layout order
Every checkpoint is then checked to hold exactly the tensors hf_layout.hf_tensor_shapes lists.

Weights are random but scaled so that attention is far from uniform: the query/key projections
get a larger standard deviation than the rest, which gives peaked attention rows.

Usage: /usr/bin/python3 tools/make_test_models.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from family_checkpoints import FAMILY_MODELS, make_family_model  # noqa: E402
from hf_layout import hf_tensor_shapes  # noqa: E402
from safetensors_io import load_model_dir, round_to_bf16, save_file  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "tests" / "data" / "models"


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2) + "\n")


def _norm_weight(rng, n, spread=0.1):
    return (1.0 + spread * rng.standard_normal(n)).astype(np.float32)


def make_tiny_gpt2(out: Path) -> None:
    rng = np.random.default_rng(20240601)
    d, H, L, P, V = 32, 4, 2, 64, 96
    ff = 4 * d
    config = {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": V,
        "n_positions": P,
        "n_ctx": P,
        "n_embd": d,
        "n_head": H,
        "n_layer": L,
        "layer_norm_epsilon": 1e-5,
        "activation_function": "gelu_new",
        "bos_token_id": 0,
        "eos_token_id": 0,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
    }
    f32 = np.float32

    def n(shape, std):
        return (std * rng.standard_normal(shape)).astype(f32)

    t = {"wte.weight": n((V, d), 0.3), "wpe.weight": n((P, d), 0.2)}
    for i in range(L):
        p = f"h.{i}."
        t[p + "ln_1.weight"] = _norm_weight(rng, d)
        t[p + "ln_1.bias"] = n((d,), 0.05)
        # c_attn columns: [q | k | v]; q and k get a larger std so attention is peaked.
        w = np.concatenate([n((d, d), 0.3), n((d, d), 0.3), n((d, d), 0.15)], axis=1)
        t[p + "attn.c_attn.weight"] = w
        t[p + "attn.c_attn.bias"] = n((3 * d,), 0.1)
        t[p + "attn.c_proj.weight"] = n((d, d), 0.15)
        t[p + "attn.c_proj.bias"] = n((d,), 0.05)
        t[p + "ln_2.weight"] = _norm_weight(rng, d)
        t[p + "ln_2.bias"] = n((d,), 0.05)
        t[p + "mlp.c_fc.weight"] = n((d, ff), 0.15)
        t[p + "mlp.c_fc.bias"] = n((ff,), 0.05)
        t[p + "mlp.c_proj.weight"] = n((ff, d), 0.1)
        t[p + "mlp.c_proj.bias"] = n((d,), 0.05)
    t["ln_f.weight"] = _norm_weight(rng, d)
    t["ln_f.bias"] = n((d,), 0.05)
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "config.json", config)
    save_file(out / "model.safetensors", {k: (v, "F32") for k, v in t.items()},
              {"format": "pt", "generator": "tools/make_test_models.py"})


def _llama_tensors(rng, *, d, ff, H, KV, L, V, qkv_bias, lm_head, qk_std, head_dim=None,
                   qk_norm=False):
    hd = head_dim or d // H

    def n(shape, std):
        return (std * rng.standard_normal(shape)).astype(np.float32)

    t = {"model.embed_tokens.weight": n((V, d), 0.5)}
    for i in range(L):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = _norm_weight(rng, d)
        t[p + "self_attn.q_proj.weight"] = n((H * hd, d), qk_std)
        t[p + "self_attn.k_proj.weight"] = n((KV * hd, d), qk_std)
        t[p + "self_attn.v_proj.weight"] = n((KV * hd, d), 0.15)
        if qkv_bias:
            t[p + "self_attn.q_proj.bias"] = n((H * hd,), 0.2)
            t[p + "self_attn.k_proj.bias"] = n((KV * hd,), 0.2)
            t[p + "self_attn.v_proj.bias"] = n((KV * hd,), 0.05)
        t[p + "self_attn.o_proj.weight"] = n((d, H * hd), 0.15)
        if qk_norm:  # drawn last in the layer, so the other models' draws are unchanged
            t[p + "self_attn.q_norm.weight"] = _norm_weight(rng, hd, 0.3)
            t[p + "self_attn.k_norm.weight"] = _norm_weight(rng, hd, 0.3)
        t[p + "post_attention_layernorm.weight"] = _norm_weight(rng, d)
        t[p + "mlp.gate_proj.weight"] = n((ff, d), 0.2)
        t[p + "mlp.up_proj.weight"] = n((ff, d), 0.2)
        t[p + "mlp.down_proj.weight"] = n((d, ff), 0.15)
    t["model.norm.weight"] = _norm_weight(rng, d)
    if lm_head:
        t["lm_head.weight"] = n((V, d), 0.3)
    return t


def make_tiny_llama(out: Path) -> None:
    rng = np.random.default_rng(20240602)
    d, ff, H, KV, L, V = 32, 88, 4, 2, 2, 100
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": d,
        "intermediate_size": ff,
        "num_attention_heads": H,
        "num_key_value_heads": KV,
        "num_hidden_layers": L,
        "vocab_size": V,
        "max_position_embeddings": 128,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "rope_scaling": None,
        "hidden_act": "silu",
        "attention_bias": False,
        "tie_word_embeddings": False,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": "bfloat16",
    }
    t = _llama_tensors(rng, d=d, ff=ff, H=H, KV=KV, L=L, V=V, qkv_bias=False, lm_head=True,
                       qk_std=0.35)
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "config.json", config)
    # Stored as BF16 (round to nearest even); the reference reads these rounded values back.
    save_file(out / "model.safetensors", {k: (round_to_bf16(v), "BF16") for k, v in t.items()},
              {"format": "pt", "generator": "tools/make_test_models.py"})


def make_tiny_qwen2(out: Path) -> None:
    rng = np.random.default_rng(20240603)
    d, ff, H, KV, L, V = 32, 64, 4, 1, 3, 80
    config = {
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "hidden_size": d,
        "intermediate_size": ff,
        "num_attention_heads": H,
        "num_key_value_heads": KV,
        "num_hidden_layers": L,
        "vocab_size": V,
        "max_position_embeddings": 128,
        "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0,
        "rope_scaling": None,
        "hidden_act": "silu",
        "use_sliding_window": False,
        "tie_word_embeddings": True,
        "bos_token_id": 79,
        "eos_token_id": 79,
        "torch_dtype": "float16",
    }
    t = _llama_tensors(rng, d=d, ff=ff, H=H, KV=KV, L=L, V=V, qkv_bias=True, lm_head=False,
                       qk_std=0.35)
    t = {k: v.astype(np.float16) for k, v in t.items()}
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "config.json", config)
    # Shard 1: embeddings + layers 0..1; shard 2: layer 2 + final norm.
    shard_names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    shards = [{}, {}]
    for k, v in t.items():
        second = k.startswith("model.layers.2.") or k == "model.norm.weight"
        shards[1 if second else 0][k] = (v, "F16")
    weight_map = {}
    total = 0
    for name, tensors in zip(shard_names, shards):
        save_file(out / name, tensors, {"format": "pt", "generator": "tools/make_test_models.py"})
        for k, (v, _) in tensors.items():
            weight_map[k] = name
            total += v.nbytes
    _write_json(out / "model.safetensors.index.json",
                {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))})


def _save_bf16(out: Path, config: dict, t: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "config.json", config)
    save_file(out / "model.safetensors", {k: (round_to_bf16(v), "BF16") for k, v in t.items()},
              {"format": "pt", "generator": "tools/make_test_models.py"})


# name -> (seed, max_position_embeddings, rope fields of config.json)
ROPE_MODELS = {
    "tiny_llama3_rope": (20240611, 256, {"rope_theta": 10000.0, "rope_scaling": {
        "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 64, "rope_type": "llama3"}}),
    "tiny_llama_linear": (20240612, 256, {"rope_theta": 10000.0, "rope_scaling": {
        "type": "linear", "factor": 2.0}}),
    "tiny_llama_dynamic": (20240613, 16, {"rope_theta": 10000.0, "rope_scaling": {
        "rope_type": "dynamic", "factor": 2.0}}),
    "tiny_llama_yarn": (20240614, 256, {"rope_parameters": {
        "rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
        "original_max_position_embeddings": 64, "beta_fast": 32.0, "beta_slow": 1.0}}),
}


def make_tiny_llama_rope(out: Path, name: str) -> None:
    seed, max_pos, rope = ROPE_MODELS[name]
    rng = np.random.default_rng(seed)
    d, ff, H, KV, L, V = 32, 48, 2, 1, 2, 64
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": d,
        "intermediate_size": ff,
        "num_attention_heads": H,
        "num_key_value_heads": KV,
        "num_hidden_layers": L,
        "vocab_size": V,
        "max_position_embeddings": max_pos,
        "rms_norm_eps": 1e-5,
        **rope,
        "hidden_act": "silu",
        "attention_bias": False,
        "tie_word_embeddings": True,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": "bfloat16",
    }
    t = _llama_tensors(rng, d=d, ff=ff, H=H, KV=KV, L=L, V=V, qkv_bias=False, lm_head=False,
                       qk_std=0.35)
    _save_bf16(out, config, t)


def make_tiny_qwen3(out: Path) -> None:
    rng = np.random.default_rng(20240615)
    d, ff, H, KV, L, V, hd = 32, 48, 4, 2, 2, 64, 16
    config = {
        "architectures": ["Qwen3ForCausalLM"],
        "model_type": "qwen3",
        "hidden_size": d,
        "intermediate_size": ff,
        "num_attention_heads": H,
        "num_key_value_heads": KV,
        "head_dim": hd,
        "num_hidden_layers": L,
        "vocab_size": V,
        "max_position_embeddings": 128,
        "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0,
        "rope_scaling": None,
        "hidden_act": "silu",
        "attention_bias": False,
        "attention_dropout": 0.0,
        "use_sliding_window": False,
        "sliding_window": None,
        "max_window_layers": L,
        "tie_word_embeddings": True,
        "bos_token_id": 63,
        "eos_token_id": 63,
        "torch_dtype": "bfloat16",
    }
    t = _llama_tensors(rng, d=d, ff=ff, H=H, KV=KV, L=L, V=V, qkv_bias=False, lm_head=False,
                       qk_std=0.35, head_dim=hd, qk_norm=True)
    _save_bf16(out, config, t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    make_tiny_gpt2(args.out / "tiny_gpt2")
    make_tiny_llama(args.out / "tiny_llama")
    make_tiny_qwen2(args.out / "tiny_qwen2")
    for name in ROPE_MODELS:
        make_tiny_llama_rope(args.out / name, name)
    make_tiny_qwen3(args.out / "tiny_qwen3")
    for name in FAMILY_MODELS:
        make_family_model(args.out / name, name)
    # One definition of each layout: every checkpoint holds exactly the tensors hf_layout lists.
    for d in sorted(p for p in args.out.iterdir() if p.is_dir() and p.name.startswith("tiny_")):
        config = json.loads((d / "config.json").read_text())
        if config.get("model_type") == "llava":  # make_llava_fixtures.py writes and checks these
            continue
        got = {k: tuple(v.shape) for k, v in load_model_dir(d).items()}
        if got != hf_tensor_shapes(config):
            sys.exit(f"{d.name}: tensors differ from hf_layout.hf_tensor_shapes")
    for p in sorted(args.out.rglob("*")):
        if p.is_file():
            print(f"{p.relative_to(args.out)}  {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
