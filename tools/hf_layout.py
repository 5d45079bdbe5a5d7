"""Tensor names and shapes of Hugging Face checkpoints, from config.json alone.

hf_tensor_shapes(config) -> {name: shape} lists every parameter a model's save_pretrained writes
(tied output embeddings are not written, so they are counted once), in the order of the
modules' __init__. It is the single definition of the layouts that make_test_models.py writes
and make_expected_configs.py counts. The defaults for absent keys are those of the HF config
classes (LlamaConfig, Qwen2Config, Qwen3Config, MistralConfig, GemmaConfig, Gemma2Config,
Gemma3TextConfig, Phi3Config, Olmo2Config, GPTNeoXConfig, OPTConfig, GPT2Config).

GPT-2 names carry no "transformer." prefix, as in the Hub's gpt2 checkpoint; non-persistent
buffers (GPT-2's attn.bias, GPT-NeoX's attention.bias / masked_bias / rotary inv_freq that old
checkpoints still contain) are not parameters and are not listed.

llava_tensor_shapes(config, layout) does the same for LlavaForConditionalGeneration in the
llava-hf layout or the one transformers >= 4.52 writes (vision_tower_shapes: CLIP / SigLIP).

Usage: /usr/bin/python3 tools/hf_layout.py CONFIG.json...   (prints the parameter counts)
"""

from __future__ import annotations

import json
import sys
from math import prod
from typing import Dict, Tuple

Shape = Tuple[int, ...]

# Default of tie_word_embeddings per model_type (PretrainedConfig's default is True).
TIE_DEFAULT = {"gpt2": True, "llama": False, "mistral": False, "qwen2": False, "qwen3": False,
               "gemma": True, "gemma2": True, "gemma3_text": True, "phi3": False, "olmo2": False,
               "gpt_neox": False, "opt": True}


def _tied(c: dict) -> bool:
    return bool(c.get("tie_word_embeddings", TIE_DEFAULT[c["model_type"]]))


def _gpt2(c: dict) -> Dict[str, Shape]:
    d, V = c.get("n_embd", 768), c.get("vocab_size", 50257)
    P = c.get("n_positions", 1024)
    ff = c.get("n_inner") or 4 * d  # GPT2MLP: n_inner, else 4 * n_embd
    s = {"wte.weight": (V, d), "wpe.weight": (P, d)}
    for i in range(c.get("n_layer", 12)):
        p = f"h.{i}."
        s.update({p + "ln_1.weight": (d,), p + "ln_1.bias": (d,),
                  p + "attn.c_attn.weight": (d, 3 * d), p + "attn.c_attn.bias": (3 * d,),
                  p + "attn.c_proj.weight": (d, d), p + "attn.c_proj.bias": (d,),
                  p + "ln_2.weight": (d,), p + "ln_2.bias": (d,),
                  p + "mlp.c_fc.weight": (d, ff), p + "mlp.c_fc.bias": (ff,),
                  p + "mlp.c_proj.weight": (ff, d), p + "mlp.c_proj.bias": (d,)})
    s.update({"ln_f.weight": (d,), "ln_f.bias": (d,)})  # GPT2LMHeadModel: lm_head tied to wte
    return s


def _heads(c: dict, head_dim_default=None):
    d = c["hidden_size"]
    H = c["num_attention_heads"]
    KV = c.get("num_key_value_heads") or H
    hd = c.get("head_dim") or (head_dim_default if head_dim_default else d // H)
    return d, H, KV, hd


def _rope_decoder(c: dict) -> Dict[str, Shape]:
    """llama, mistral, qwen2, qwen3, gemma, gemma2, gemma3_text, phi3, olmo2."""
    mt = c["model_type"]
    # Qwen3Config and the Gemma configs default head_dim to 128 / 256, the others derive it.
    default_hd = {"qwen3": 128, "gemma": 256, "gemma2": 256, "gemma3_text": 256}.get(mt)
    d, H, KV, hd = _heads(c, default_hd)
    V, ff = c["vocab_size"], c["intermediate_size"]
    attn_bias = bool(c.get("attention_bias", False))
    qkv_bias = attn_bias or mt == "qwen2"  # Qwen2Attention: q/k/v always biased, o_proj not
    o_bias = attn_bias and mt not in ("qwen2", "mistral", "phi3")
    if mt in ("mistral", "phi3"):
        qkv_bias = False  # MistralAttention / Phi3Attention: no biases
    mlp_bias = bool(c.get("mlp_bias", False)) and mt == "llama"
    s = {"model.embed_tokens.weight": (V, d)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        if mt != "olmo2":
            s[p + "input_layernorm.weight"] = (d,)
        if mt == "phi3":
            s[p + "self_attn.qkv_proj.weight"] = ((H + 2 * KV) * hd, d)
        else:
            for name, rows in (("q_proj", H * hd), ("k_proj", KV * hd), ("v_proj", KV * hd)):
                s[p + f"self_attn.{name}.weight"] = (rows, d)
                if qkv_bias:
                    s[p + f"self_attn.{name}.bias"] = (rows,)
        s[p + "self_attn.o_proj.weight"] = (d, H * hd)
        if o_bias:
            s[p + "self_attn.o_proj.bias"] = (d,)
        if mt in ("qwen3", "gemma3_text"):  # per-head norms over head_dim
            s[p + "self_attn.q_norm.weight"] = (hd,)
            s[p + "self_attn.k_norm.weight"] = (hd,)
        if mt == "olmo2":  # norms over the whole projected width
            s[p + "self_attn.q_norm.weight"] = (H * hd,)
            s[p + "self_attn.k_norm.weight"] = (KV * hd,)
        s[p + "post_attention_layernorm.weight"] = (d,)
        if mt in ("gemma2", "gemma3_text"):
            s[p + "pre_feedforward_layernorm.weight"] = (d,)
        if mt in ("gemma2", "gemma3_text", "olmo2"):
            s[p + "post_feedforward_layernorm.weight"] = (d,)
        if mt == "phi3":
            s[p + "mlp.gate_up_proj.weight"] = (2 * ff, d)
        else:
            s[p + "mlp.gate_proj.weight"] = (ff, d)
            s[p + "mlp.up_proj.weight"] = (ff, d)
            if mlp_bias:
                s[p + "mlp.gate_proj.bias"] = (ff,)
                s[p + "mlp.up_proj.bias"] = (ff,)
        s[p + "mlp.down_proj.weight"] = (d, ff)
        if mlp_bias:
            s[p + "mlp.down_proj.bias"] = (d,)
    s["model.norm.weight"] = (d,)
    if not _tied(c):
        s["lm_head.weight"] = (V, d)
    return s


def _gpt_neox(c: dict) -> Dict[str, Shape]:
    d, V = c["hidden_size"], c["vocab_size"]
    ff = c.get("intermediate_size") or 4 * d
    bias = bool(c.get("attention_bias", True))
    s = {"gpt_neox.embed_in.weight": (V, d)}
    for i in range(c["num_hidden_layers"]):
        p = f"gpt_neox.layers.{i}."
        s.update({p + "input_layernorm.weight": (d,), p + "input_layernorm.bias": (d,),
                  p + "post_attention_layernorm.weight": (d,),
                  p + "post_attention_layernorm.bias": (d,),
                  p + "attention.query_key_value.weight": (3 * d, d)})
        if bias:
            s[p + "attention.query_key_value.bias"] = (3 * d,)
        s[p + "attention.dense.weight"] = (d, d)
        if bias:
            s[p + "attention.dense.bias"] = (d,)
        s.update({p + "mlp.dense_h_to_4h.weight": (ff, d), p + "mlp.dense_h_to_4h.bias": (ff,),
                  p + "mlp.dense_4h_to_h.weight": (d, ff), p + "mlp.dense_4h_to_h.bias": (d,)})
    s.update({"gpt_neox.final_layer_norm.weight": (d,), "gpt_neox.final_layer_norm.bias": (d,)})
    if not _tied(c):
        s["embed_out.weight"] = (V, d)
    return s


def _opt(c: dict) -> Dict[str, Shape]:
    d, V = c["hidden_size"], c["vocab_size"]
    wep = c.get("word_embed_proj_dim") or d
    ffn = c["ffn_dim"]
    P = c.get("max_position_embeddings", 2048)
    bias = bool(c.get("enable_bias", True))
    affine = bool(c.get("layer_norm_elementwise_affine", True))
    pre = "model.decoder."
    s = {pre + "embed_tokens.weight": (V, wep), pre + "embed_positions.weight": (P + 2, d)}
    if c.get("do_layer_norm_before", True) and not c.get("_remove_final_layer_norm", False):
        if affine:
            s.update({pre + "final_layer_norm.weight": (d,), pre + "final_layer_norm.bias": (d,)})
    if wep != d:
        s[pre + "project_out.weight"] = (wep, d)
        s[pre + "project_in.weight"] = (d, wep)
    for i in range(c["num_hidden_layers"]):
        p = f"{pre}layers.{i}."
        for name in ("k_proj", "v_proj", "q_proj", "out_proj"):
            s[p + f"self_attn.{name}.weight"] = (d, d)
            if bias:
                s[p + f"self_attn.{name}.bias"] = (d,)
        if affine:
            s.update({p + "self_attn_layer_norm.weight": (d,),
                      p + "self_attn_layer_norm.bias": (d,)})
        s[p + "fc1.weight"] = (ffn, d)
        if bias:
            s[p + "fc1.bias"] = (ffn,)
        s[p + "fc2.weight"] = (d, ffn)
        if bias:
            s[p + "fc2.bias"] = (d,)
        if affine:
            s.update({p + "final_layer_norm.weight": (d,), p + "final_layer_norm.bias": (d,)})
    if not _tied(c):
        s["lm_head.weight"] = (V, wep)
    return s


_LAYOUTS = {"gpt2": _gpt2, "gpt_neox": _gpt_neox, "opt": _opt}


def hf_tensor_shapes(config: dict) -> Dict[str, Shape]:
    mt = config.get("model_type")
    if mt not in TIE_DEFAULT:
        raise ValueError(f"unsupported model_type {mt!r}")
    return _LAYOUTS.get(mt, _rope_decoder)(config)


# LLaVA (LlavaForConditionalGeneration): a vision tower, the projector and a causal LM. Defaults
# for absent keys: CLIPVisionConfig / SiglipVisionConfig / LlavaConfig.
_VISION_DEFAULTS = {
    "clip_vision_model": {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                          "num_channels": 3, "image_size": 224, "patch_size": 32},
    "siglip_vision_model": {"hidden_size": 768, "intermediate_size": 3072,
                            "num_hidden_layers": 12, "num_channels": 3, "image_size": 224,
                            "patch_size": 16},
}
# LlamaConfig / Qwen2Config defaults of the sizes: llava-1.5's text_config leaves them all out.
LLAVA_TEXT_DEFAULTS = {
    "llama": {"vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008,
              "num_hidden_layers": 32, "num_attention_heads": 32},
    "qwen2": {"vocab_size": 151936, "hidden_size": 4096, "intermediate_size": 22016,
              "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
              "max_position_embeddings": 32768},
}
# Where each part lives: transformers < 4.52 (the llava-hf checkpoints) saved
# LlavaForConditionalGeneration's own modules; 4.52 moved them under LlavaModel ("model.") and
# maps the old names on load (LlavaForConditionalGeneration._checkpoint_conversion_mapping).
LLAVA_LAYOUTS = {
    "llava-hf": {"vision": "vision_tower.", "projector": "multi_modal_projector.",
                 "lm": "language_model.model.", "head": "language_model.lm_head."},
    "v4.52": {"vision": "model.vision_tower.", "projector": "model.multi_modal_projector.",
              "lm": "model.language_model.", "head": "lm_head."},
}


def vision_tower_shapes(vc: dict) -> Dict[str, Shape]:
    """CLIPVisionModel / SiglipVisionModel parameters ("vision_model." names, __init__ order)."""
    mt = vc.get("model_type", "clip_vision_model")
    if mt not in _VISION_DEFAULTS:
        raise ValueError(f"unsupported vision model_type {mt!r}")
    c = {**_VISION_DEFAULTS[mt], **vc}
    d, ff, C, p = c["hidden_size"], c["intermediate_size"], c["num_channels"], c["patch_size"]
    n = (c["image_size"] // p) ** 2
    e = "vision_model.embeddings."
    s: Dict[str, Shape] = {}
    if mt == "clip_vision_model":  # CLIPVisionEmbeddings: class token, conv without bias
        s.update({e + "class_embedding": (d,), e + "patch_embedding.weight": (d, C, p, p),
                  e + "position_embedding.weight": (n + 1, d),
                  "vision_model.pre_layrnorm.weight": (d,), "vision_model.pre_layrnorm.bias": (d,)})
    else:  # SiglipVisionEmbeddings: conv with bias, no class token, no pre-layernorm
        s.update({e + "patch_embedding.weight": (d, C, p, p), e + "patch_embedding.bias": (d,),
                  e + "position_embedding.weight": (n, d)})
    for i in range(c["num_hidden_layers"]):
        q = f"vision_model.encoder.layers.{i}."
        for name in ("k_proj", "v_proj", "q_proj", "out_proj"):
            s[q + f"self_attn.{name}.weight"] = (d, d)
            s[q + f"self_attn.{name}.bias"] = (d,)
        s.update({q + "layer_norm1.weight": (d,), q + "layer_norm1.bias": (d,),
                  q + "mlp.fc1.weight": (ff, d), q + "mlp.fc1.bias": (ff,),
                  q + "mlp.fc2.weight": (d, ff), q + "mlp.fc2.bias": (d,),
                  q + "layer_norm2.weight": (d,), q + "layer_norm2.bias": (d,)})
    s.update({"vision_model.post_layernorm.weight": (d,), "vision_model.post_layernorm.bias": (d,)})
    # SiglipVisionTransformer: the attention-pooling head exists unless vision_use_head is false
    # (LLaVA never runs it, but checkpoints converted with the head keep its weights).
    if mt == "siglip_vision_model" and vc.get("vision_use_head", True):
        h = "vision_model.head."
        s.update({h + "probe": (1, 1, d), h + "attention.in_proj_weight": (3 * d, d),
                  h + "attention.in_proj_bias": (3 * d,), h + "attention.out_proj.weight": (d, d),
                  h + "attention.out_proj.bias": (d,), h + "layernorm.weight": (d,),
                  h + "layernorm.bias": (d,), h + "mlp.fc1.weight": (ff, d),
                  h + "mlp.fc1.bias": (ff,), h + "mlp.fc2.weight": (d, ff),
                  h + "mlp.fc2.bias": (d,)})
    return s


def llava_tensor_shapes(config: dict, layout: str) -> Dict[str, Shape]:
    """Every tensor of a LLaVA checkpoint in one of LLAVA_LAYOUTS (LlavaMultiModalProjector:
    linear_1 takes the concatenation of the vision_feature_layer states; biases unless
    multimodal_projector_bias is false)."""
    names = LLAVA_LAYOUTS[layout]
    vc, tc = config.get("vision_config") or {}, dict(config.get("text_config") or {})
    tc.setdefault("model_type", "llama")  # LlavaConfig's default text model
    tc = {**LLAVA_TEXT_DEFAULTS.get(tc["model_type"], {}), **tc}
    s = {names["vision"] + k: v for k, v in vision_tower_shapes(vc).items()}
    vmt = vc.get("model_type", "clip_vision_model")
    dv = vc.get("hidden_size", _VISION_DEFAULTS[vmt]["hidden_size"])
    layers = config.get("vision_feature_layer", -2)
    k = 1 if isinstance(layers, int) else len(layers)
    dt = tc["hidden_size"]
    bias = bool(config.get("multimodal_projector_bias", True))
    pj = names["projector"]
    s[pj + "linear_1.weight"] = (dt, dv * k)
    if bias:
        s[pj + "linear_1.bias"] = (dt,)
    s[pj + "linear_2.weight"] = (dt, dt)
    if bias:
        s[pj + "linear_2.bias"] = (dt,)
    for name, shape in hf_tensor_shapes(tc).items():
        if name.startswith("model."):
            s[names["lm"] + name[len("model."):]] = shape
        else:  # lm_head.weight (untied only)
            s[names["head"] + name[len("lm_head."):]] = shape
    return s


def parameter_count(config: dict) -> int:
    if config.get("model_type") == "llava":  # both layouts hold the same tensors
        return sum(prod(s) for s in llava_tensor_shapes(config, "llava-hf").values())
    return sum(prod(s) for s in hf_tensor_shapes(config).values())


if __name__ == "__main__":
    for path in sys.argv[1:]:
        cfg = json.load(open(path))
        print(f"{parameter_count(cfg):>15,d}  {cfg.get('model_type')}  {path}")
