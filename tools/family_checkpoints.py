"""Tiny random checkpoints for the sliding-window variants and the families beyond Llama / GPT-2.

Each model is a config.json (the fields the HF config class writes) plus model.safetensors whose
tensor names, shapes and fused layouts come from hf_layout.hf_tensor_shapes(config), drawn in
that order from numpy default_rng(seed). Query/key rows get a larger standard deviation than the
rest so attention rows are peaked; Gemma's norm weights are drawn around 0 because GemmaRMSNorm
multiplies by (1 + w). Called by make_test_models.py; see tools/README.md for the table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Dict

import numpy as np

from hf_layout import hf_tensor_shapes
from safetensors_io import round_to_bf16, save_file

# Every sliding window below is shorter than the 20-token golden sequences, so windows matter.
_LLAMA_COMMON = {"hidden_act": "silu", "initializer_range": 0.02, "use_cache": True,
                 "attention_dropout": 0.0}


def _row_std(name: str, shape, config: dict) -> np.ndarray:
    """Standard deviation of each output row (fused tensors mix q/k rows and v rows)."""
    rows = shape[0]
    mt = config["model_type"]
    qk, other = 0.35, 0.15
    if name.endswith("qkv_proj.weight"):  # Phi-3: [q (H*hd) | k (KV*hd) | v (KV*hd)]
        H, KV = config["num_attention_heads"], config["num_key_value_heads"]
        hd = config["hidden_size"] // H
        return np.r_[np.full((H + KV) * hd, qk), np.full(KV * hd, other)]
    if name.endswith("query_key_value.weight"):  # GPT-NeoX: per head [q | k | v]
        hd = config["hidden_size"] // config["num_attention_heads"]
        return np.tile(np.r_[np.full(2 * hd, qk), np.full(hd, other)],
                       config["num_attention_heads"])
    if name.endswith(("q_proj.weight", "k_proj.weight")):
        return np.full(rows, qk)
    if "embed_tokens" in name or "embed_in" in name:
        # Gemma multiplies embeddings by sqrt(hidden): a small std keeps the tied head from
        # echoing the input token.
        return np.full(rows, 0.1 if mt.startswith("gemma") else 0.5)
    if name.endswith(("lm_head.weight", "embed_out.weight")):
        return np.full(rows, 0.3)
    if "embed_positions" in name:
        return np.full(rows, 0.2)
    if name.endswith(("gate_proj.weight", "up_proj.weight", "gate_up_proj.weight", "fc1.weight",
                      "dense_h_to_4h.weight")):
        return np.full(rows, 0.2)
    return np.full(rows, other)  # v, o, down, dense, out_proj, fc2, project_in/out


def random_tensors(config: dict, seed: int) -> Dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    gemma = config["model_type"].startswith("gemma")
    out = {}
    for name, shape in hf_tensor_shapes(config).items():
        z = rng.standard_normal(shape)
        if len(shape) == 1:
            if name.endswith("norm.weight") and gemma:  # (1 + w): weights around 0
                spread = 0.3 if ("q_norm" in name or "k_norm" in name) else 0.1
                a = spread * z
            elif name.endswith(("q_norm.weight", "k_norm.weight")):
                a = 1.0 + 0.3 * z
            elif name.endswith("norm.weight"):
                a = 1.0 + 0.1 * z
            elif name.endswith(("q_proj.bias", "k_proj.bias", "query_key_value.bias")):
                a = 0.1 * z
            else:  # other biases, LayerNorm biases
                a = 0.05 * z
        else:
            a = z * _row_std(name, shape, config)[:, None]
        out[name] = a.astype(np.float32)
    return out


def _store(out: Path, config: dict, tensors: Dict[str, np.ndarray], dtype: str) -> None:
    conv: Dict[str, Callable] = {"BF16": round_to_bf16, "F16": lambda a: a.astype(np.float16),
                                 "F32": lambda a: a}
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_file(out / "model.safetensors", {k: (conv[dtype](v), dtype) for k, v in tensors.items()},
              {"format": "pt", "generator": "tools/make_test_models.py"})


def _torch_dtype(dtype: str) -> str:
    return {"BF16": "bfloat16", "F16": "float16", "F32": "float32"}[dtype]


def _llama_like(arch, mt, *, d, ff, H, KV, L, V, dtype, tie, theta, eps, bos, eos, max_pos=128,
                **extra):
    c = {"architectures": [arch], "model_type": mt, "vocab_size": V,
         "max_position_embeddings": max_pos, "hidden_size": d, "intermediate_size": ff,
         "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": KV}
    c.update(_LLAMA_COMMON)
    c.update({"rms_norm_eps": eps, "rope_theta": theta, "rope_scaling": None})
    c.update(extra)
    c.update({"tie_word_embeddings": tie, "bos_token_id": bos, "eos_token_id": eos,
              "torch_dtype": _torch_dtype(dtype)})
    return c


def _gemma_common(dtype):
    return {"initializer_range": 0.02, "use_cache": True, "attention_bias": False,
            "attention_dropout": 0.0, "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 1,
            "tie_word_embeddings": True, "torch_dtype": _torch_dtype(dtype)}


def _configs() -> Dict[str, tuple]:
    """name -> (seed, storage dtype, config)."""
    m = {}
    m["tiny_mistral_window"] = (20240621, "BF16", _llama_like(
        "MistralForCausalLM", "mistral", d=32, ff=64, H=4, KV=2, L=2, V=96, dtype="BF16",
        tie=False, theta=10000.0, eps=1e-5, bos=1, eos=2, head_dim=8, sliding_window=5))
    # Qwen2: use_sliding_window with max_window_layers 1 -> layer 0 full, layers 1-2 windowed
    # (no layer_types: the engine derives them as Qwen2Config does).
    m["tiny_qwen2_window"] = (20240622, "F16", _llama_like(
        "Qwen2ForCausalLM", "qwen2", d=32, ff=64, H=4, KV=2, L=3, V=80, dtype="F16", tie=True,
        theta=1000000.0, eps=1e-6, bos=79, eos=79, use_sliding_window=True, sliding_window=4,
        max_window_layers=1))
    # Qwen3: max_window_layers 2 -> layer 2 windowed; layer_types written as transformers >= 4.53
    # writes them (consistent with the derivation).
    m["tiny_qwen3_window"] = (20240623, "BF16", _llama_like(
        "Qwen3ForCausalLM", "qwen3", d=32, ff=48, H=4, KV=2, L=3, V=64, dtype="BF16", tie=False,
        theta=1000000.0, eps=1e-6, bos=63, eos=63, head_dim=16, attention_bias=False,
        use_sliding_window=True, sliding_window=6, max_window_layers=2,
        layer_types=["full_attention", "full_attention", "sliding_attention"]))
    m["tiny_gemma"] = (20240624, "BF16", {
        "architectures": ["GemmaForCausalLM"], "model_type": "gemma", "vocab_size": 100,
        "max_position_embeddings": 128, "hidden_size": 32, "intermediate_size": 64,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1,
        "head_dim": 16, "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh",
        "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "rope_scaling": None,
        **_gemma_common("BF16")})
    # Gemma 2: layers 0 and 2 sliding (Gemma2Config: (i + 1) % 2), caps small enough to bite.
    m["tiny_gemma2"] = (20240625, "F32", {
        "architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "vocab_size": 96,
        "max_position_embeddings": 128, "hidden_size": 32, "intermediate_size": 64,
        "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2,
        "head_dim": 16, "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh",
        "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "query_pre_attn_scalar": 24,
        "sliding_window": 4, "final_logit_softcapping": 4.0, "attn_logit_softcapping": 5.0,
        "cache_implementation": "hybrid", **_gemma_common("F32")})
    # Gemma 3 as published (flat rope fields, sliding_window_pattern): pattern 3 over 4 layers ->
    # layers 0, 1, 3 sliding (local base 1e4), layer 2 global (theta 1e6, linear factor 4).
    g3 = {
        "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "vocab_size": 100,
        "max_position_embeddings": 128, "hidden_size": 32, "intermediate_size": 64,
        "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 1,
        "head_dim": 16, "hidden_activation": "gelu_pytorch_tanh", "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
        "rope_scaling": {"factor": 4.0, "rope_type": "linear"}, "query_pre_attn_scalar": 24,
        "sliding_window": 5, "sliding_window_pattern": 3, "final_logit_softcapping": None,
        "attn_logit_softcapping": None, "cache_implementation": "hybrid",
        **_gemma_common("BF16")}
    m["tiny_gemma3"] = (20240626, "BF16", g3)
    # The same weights with the transformers v5 fields: layer_types (here not the pattern, so
    # it must be read) and rope_parameters keyed by layer type.
    g3v5 = {k: v for k, v in g3.items() if k not in (
        "rope_theta", "rope_local_base_freq", "rope_scaling", "sliding_window_pattern")}
    g3v5["layer_types"] = ["sliding_attention", "full_attention", "sliding_attention",
                           "full_attention"]
    g3v5["rope_parameters"] = {
        "full_attention": {"rope_type": "linear", "factor": 4.0, "rope_theta": 1000000.0},
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}
    m["tiny_gemma3_v5"] = (20240626, "BF16", g3v5)
    # What a GGUF can express (tools/make_gguf_families.py converts these): llama.cpp has no key
    # for query_pre_attn_scalar (its loader scales queries by head_dim^-1/2 for every size but
    # 27B) nor, for gemma3, for the sliding-window pattern (hard-coded 6). So: the scalar equals
    # head_dim, and Gemma 3 gets 6 layers with pattern 6 (layers 0-4 sliding, layer 5 global).
    # BF16 makes the converter's norm + 1 exact in float32.
    g2 = m["tiny_gemma2"][2]
    m["tiny_gemma2_gguf"] = (20240704, "BF16", {
        **g2, "query_pre_attn_scalar": 16, "torch_dtype": "bfloat16"})
    m["tiny_gemma3_gguf"] = (20240705, "BF16", {
        **g3, "num_hidden_layers": 6, "query_pre_attn_scalar": 16, "sliding_window_pattern": 6})
    neox = {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "vocab_size": 96,
            "max_position_embeddings": 128, "hidden_size": 64, "intermediate_size": 256,
            "num_hidden_layers": 2, "num_attention_heads": 4, "hidden_act": "gelu",
            "rotary_pct": 0.25, "rotary_emb_base": 10000, "layer_norm_eps": 1e-5,
            "attention_bias": True, "attention_dropout": 0.0, "hidden_dropout": 0.0,
            "classifier_dropout": 0.1, "initializer_range": 0.02, "use_cache": True,
            "rope_scaling": None, "bos_token_id": 0, "eos_token_id": 0,
            "tie_word_embeddings": False}
    m["tiny_pythia"] = (20240627, "F16", {**neox, "use_parallel_residual": True,
                                           "torch_dtype": "float16"})
    m["tiny_neox_sequential"] = (20240628, "F32", {**neox, "use_parallel_residual": False,
                                                    "torch_dtype": "float32"})
    phi3 = {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "vocab_size": 100,
            "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 2, "num_key_value_heads": 1, "hidden_act": "silu",
            "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "resid_pdrop": 0.0, "embd_pdrop": 0.0,
            "attention_dropout": 0.0, "attention_bias": False, "initializer_range": 0.02,
            "use_cache": True, "bos_token_id": 1, "eos_token_id": 32, "pad_token_id": 32,
            "tie_word_embeddings": False}
    m["tiny_phi3"] = (20240629, "BF16", {
        **phi3, "max_position_embeddings": 128, "original_max_position_embeddings": 128,
        "partial_rotary_factor": 0.5, "rope_scaling": None, "sliding_window": 5,
        "torch_dtype": "bfloat16"})
    # longrope: original 16 < the 20-token golden, factor 64 / 16 = 4 (no explicit factor, as in
    # Phi-3.5-mini), attention factor sqrt(1 + ln 4 / ln 16); 12 of 16 dims rotate (6 factors).
    m["tiny_phi3_longrope"] = (20240630, "F16", {
        **phi3, "max_position_embeddings": 64, "original_max_position_embeddings": 16,
        "partial_rotary_factor": 0.75, "rope_scaling": {
            "long_factor": [1.25, 1.5, 2.5, 4.0, 6.0, 8.0],
            "short_factor": [1.0, 1.0, 1.05, 1.1, 1.3, 1.6], "type": "longrope"},
        "sliding_window": None, "torch_dtype": "float16"})
    m["tiny_olmo2"] = (20240701, "BF16", _llama_like(
        "Olmo2ForCausalLM", "olmo2", d=32, ff=64, H=4, KV=2, L=2, V=100, dtype="BF16", tie=False,
        theta=500000.0, eps=1e-6, bos=None, eos=99, attention_bias=False, pad_token_id=98))
    opt = {"architectures": ["OPTForCausalLM"], "model_type": "opt", "vocab_size": 96,
           "max_position_embeddings": 64, "hidden_size": 32, "ffn_dim": 64,
           "num_hidden_layers": 2, "num_attention_heads": 4, "activation_function": "relu",
           "dropout": 0.1, "attention_dropout": 0.0, "activation_dropout": 0.0, "layerdrop": 0.0,
           "init_std": 0.02, "enable_bias": True, "layer_norm_elementwise_affine": True,
           "use_cache": True, "bos_token_id": 2, "eos_token_id": 2, "pad_token_id": 1,
           "prefix": "</s>"}
    m["tiny_opt"] = (20240702, "F16", {**opt, "do_layer_norm_before": True,
                                        "word_embed_proj_dim": 32,
                                        "_remove_final_layer_norm": False,
                                        "torch_dtype": "float16"})
    m["tiny_opt_postln"] = (20240703, "F32", {**opt, "do_layer_norm_before": False,
                                               "word_embed_proj_dim": 16,
                                               "_remove_final_layer_norm": False,
                                               "torch_dtype": "float32"})
    return m


FAMILY_MODELS = _configs()


def make_family_model(out: Path, name: str) -> None:
    seed, dtype, config = FAMILY_MODELS[name]
    _store(out, config, random_tensors(config, seed), dtype)
