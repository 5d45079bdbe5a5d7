#!/usr/bin/python3
"""GGUF fixtures for every architecture SinkScope reads from GGUF, written the way llama.cpp's
converter writes them, with their goldens. An independent check of the engine's GGUF reader: this
side follows the converter (convert_hf_to_gguf.py, gguf-py), the reader follows the loader.

What the converter writes and the loader assumes (llama.cpp: convert_hf_to_gguf.py and gguf-py at
0024aa7417ef, src/llama-model.cpp at 00342301d01a; keys below omit the "<arch>." prefix):

| arch (converter class) | keys written | tensors and transforms | loader defaults / hard-coded |
| --- | --- | --- | --- |
| all (TextModel, ModelBase.prepare_tensors) | `TextModel.set_gguf_parameters` (used by llama, qwen2, qwen3, gemma3, olmo2): block_count, context_length, embedding_length, feed_forward_length, attention.head_count, attention.head_count_kv, rope.scaling.* (below), rope.freq_base (rope_theta), rope.freq_base_swa (a sliding-layer theta such as rope_local_base_freq), attention.layer_norm_rms_epsilon, attention.key_length / value_length (only when config.to_dict() has head_dim: LlamaConfig >= 4.45, Qwen3Config, Gemma*Config; not Qwen2Config / Olmo2Config of transformers 4.x), general.file_type; general.quantization_version 2 | 1-D tensors and `*_norm.weight` always F32; `--outtype f32` makes every tensor F32; names from gguf-py `TensorNameMap` (`.weight` / `.bias` kept); a tied head writes no `output.weight` | rope.freq_base 10000 when absent; rope.scaling.type "linear" (factor 1) when absent, anything but none / linear / yarn / longrope fails an assert; head_dim = embedding_length / head_count unless key_length; rope dims = head_dim unless rope.dimension_count |
| rope scaling (TextModel.set_gguf_parameters) | linear: rope.scaling.type "linear", rope.scaling.factor; yarn: type "yarn", factor, rope.scaling.original_context_length, yarn_ext_factor / yarn_attn_factor / yarn_beta_fast / yarn_beta_slow when the config has them; longrope: type "longrope" only; llama3 and dynamic: nothing | llama3: `rope_freqs.weight` [head_dim/2] F32, the divisors of each frequency (LlamaModel.generate_extra_tensors; original context from the config's *top-level* original_max_position_embeddings, default 8192) | yarn: ext_factor 1 and attn_factor 1 unless given; ggml's rope_yarn multiplies cos / sin by 0.1 ln(factor) + 1 itself |
| llama (LlamaModel) | TextModel keys (+ key_length = head_dim: LlamaConfig has head_dim), vocab_size, rope.dimension_count = head_dim | q/k rows permuted to interleaved pairs: `w.reshape(n, 2, rows/n/2, d).swapaxes(1, 2)`, n = heads for q, kv heads for k (LlamaModel.permute) | RoPE NORM (pairs); n_rot must equal head_dim |
| qwen2 (Qwen2Model) | TextModel keys (no key_length); sliding_window never written | attn_q/k/v `.bias`; no permutation | RoPE NEOX (rotate-half); no SWA |
| qwen3 (Qwen3Model) | TextModel keys + key_length / value_length = head_dim; no rope.dimension_count | attn_q_norm / attn_k_norm [head_dim]; no permutation | RoPE NEOX; n_rot = key_length |
| gemma (GemmaModel) | context_length, embedding_length, block_count, feed_forward_length, head_count, head_count_kv, layer_norm_rms_epsilon, key_length, value_length, file_type; no rope.freq_base | every `*norm.weight` + 1 (GemmaRMSNorm's 1 + w folded in: attn_norm, ffn_norm, output_norm); lm_head skipped (tied) | freq_base 10000; embeddings x sqrt(n_embd); GELU (tanh) |
| gemma2 (Gemma2Model) | gemma's keys + attn_logit_softcapping, final_logit_softcapping, attention.sliding_window; no query_pre_attn_scalar, no pattern | norms + 1; post_attention_layernorm -> `post_attention_norm`, pre_feedforward_layernorm -> `ffn_norm`, post_feedforward_layernorm -> `post_ffw_norm` | query scale head_dim^-1/2 (n_embd/n_head for 27B), sliding pattern 2 (even layers sliding), default window 4096 |
| gemma3 (Gemma3Model) | TextModel keys (rope.scaling linear for the global layers, rope.freq_base = rope_theta, rope.freq_base_swa = rope_local_base_freq), then the same keys again (overwritten in place), final_logit_softcapping if set, attention.sliding_window unless sliding_window_pattern is 1; attn_logit_softcapping must be absent; no pattern key | every `*norm.weight` + 1, q_norm / k_norm included (`attn_q_norm`, `attn_k_norm`); embed rows cut to the tokenizer's size | sliding pattern 6 (layers 5, 11, ... global), local layers base 10000 and scale 1 (hard-coded), query scale as gemma2 |
| phi3 (Phi3MiniModel) | context_length, rope.scaling.original_context_length (required), embedding_length, feed_forward_length, block_count, head_count, head_count_kv, layer_norm_rms_epsilon, rope.dimension_count = int(partial_rotary_factor * n_embd) // n_head, rope.freq_base, file_type, attention.sliding_window (0 when none); longrope: rope.scaling.attn_factor = sqrt(1 + ln(s) / ln(original)), s = context / original; no rope.scaling.type | fused `attn_qkv` [q \\| k \\| v] and `ffn_up` = [gate \\| up] (HF layout kept); longrope: `rope_factors_long.weight`, `rope_factors_short.weight` [rope dims / 2] F32 | RoPE NEOX; the loader *disables* Phi-3 SWA (warns, n_swa = 0); long factors chosen when the context exceeds the original |
| gptneox (GPTNeoXModel) | context_length, embedding_length, block_count, feed_forward_length, rope.dimension_count = int(rotary_pct * head_dim), head_count, use_parallel_residual, attention.layer_norm_epsilon; no freq_base, no head_count_kv, no file_type | query_key_value rows, per head [q \\| k \\| v] in HF, regrouped to [all q \\| all k \\| all v]: `w.reshape(H, 3, hd, d)`, then `[:, 0]`, `[:, 1]`, `[:, 2]` each `.reshape(-1, d)`, concatenated (bias alike); LayerNorm biases | RoPE NEOX over the first n_rot dims; use_parallel_residual and layer_norm_epsilon required; GELU is ggml's tanh form (HF "gelu" is erf) |
| olmo2 (Olmo2Model) | TextModel keys; sliding_window only if the config has one | post_attention_layernorm -> `post_attention_norm`, post_feedforward_layernorm -> `post_ffw_norm`, q_norm / k_norm [whole projection] -> `attn_q_norm` / `attn_k_norm`; no permutation | RoPE NEOX |
| vocabulary | "llama" (SentencePiece, _set_vocab_sentencepiece: tokens, scores, token_type, pre "default"; padded with `[PAD<i>]` UNUSED, score -1000, up to vocab_size) for llama, gemma*, phi3; "gpt2" (byte-level BPE: tokens, token_type, merges, pre) for gpt-neox, qwen2/3, olmo2; gemma*: add_space_prefix false | token count = embedding rows | |

Writes, relative to the repository root:
  tests/data/models/gguf/<checkpoint>_<bf16|f16|f32>.gguf
      lossless conversions of tests/data/models/<checkpoint> in its own dtype (the converter's
      default --outtype auto; --outtype f32 for the F32 checkpoint, which auto would round to
      F16); their goldens are the checkpoints' own (the decoded weights are checked to equal the
      checkpoint's exactly)
  tests/data/models/gguf/<arch>_<type>.gguf      one K-quant file per architecture: new checkpoints
      with hidden 256, head_dim 64 (rows of 256, as K-quants need), every matrix of one type as
      `llama-quantize --pure` writes it, norms and 1-D tensors F32
  tests/data/golden/gguf_<arch>_<type>.safetensors   the reference (tools/reference_model.py, float64)
      on the weights the quantized file decodes to, in tools/make_golden.py's format
  tests/data/models/gguf/bad/*.gguf              files the reader must refuse with one line

Where this deviates from a verbatim converter run (each also noted where it happens):
  * tiny_llama3_rope keeps original_max_position_embeddings (64) only inside rope_scaling; the
    converter reads the top-level key (default 8192) and would compute factors for another model.
    The conversion is that of the same config with the key also at the top level, which
    transformers reads identically.
  * GemmaModel.set_vocab writes CodeGemma's FIM / EOT ids (67-70, 107); 107 is outside the tiny
    100-token vocabulary, so those ids are left out.
  * tiny_gemma2 / tiny_gemma3 use query_pre_attn_scalar 24 and a sliding pattern of 3, which GGUF
    cannot express: tiny_gemma2_gguf / tiny_gemma3_gguf (tools/family_checkpoints.py) are
    converted instead.

Where llama.cpp's runtime differs from transformers, the goldens follow transformers (the
reference), and the files carry what that needs:
  * Phi-3 attention.sliding_window: written by the converter, ignored by llama.cpp's loader.
  * Phi-3 longrope: transformers picks the long factors when the sequence passes the original
    context, llama.cpp when the context size does (tiny_phi3_longrope_cross: short factors).
  * GPT-NeoX "gelu" is the erf form; ggml_gelu is the tanh approximation.
  * Gemma 3 local layers: rope_local_base_freq (rope.freq_base_swa in the file); llama.cpp
    hard-codes 10000, the value these checkpoints use.

Needs only NumPy. Deterministic. Usage: /usr/bin/python3 tools/make_gguf_families.py
"""

from __future__ import annotations

import json
import math
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gguf_quants  # noqa: E402
import reference_model as rm  # noqa: E402
from family_checkpoints import random_tensors  # noqa: E402
from hf_layout import hf_tensor_shapes  # noqa: E402
from make_golden import greedy_with_margin  # noqa: E402
from make_gguf_fixtures import (ARRAY, BOOL, CONTROL, F32V, FILE_TYPE, I32, NORMAL, STRING,  # noqa: E402
                                T_BF16, T_F16, T_F32,
                                U32, UNKNOWN, UNUSED, GgufWriter, block_elements, dequantize,
                                encode_tensor, permute_qk, tiny_spm_vocab)
from safetensors_io import load_model_dir, save_file  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "tests" / "data" / "models"
OUT = MODELS / "gguf"
BAD = OUT / "bad"
GOLDEN = REPO / "tests" / "data" / "golden"
GENERATOR = "tools/make_gguf_families.py"


# --- metadata ---------------------------------------------------------------------------------

class Meta:
    """Key/value pairs in insertion order. Adding a key again overwrites it in place, as gguf-py's
    GGUFWriter.add_key_value does (a dict; it only warns). Empty strings and arrays are skipped, as
    add_string / add_array skip them."""

    def __init__(self, arch: str):
        self.arch = arch
        self.kv: Dict[str, tuple] = {}

    def put(self, key: str, vtype: int, value) -> None:
        if vtype == STRING and not value:
            return
        self.kv[key] = (vtype, value)

    def array(self, key: str, etype: int, items) -> None:
        if len(items):
            self.kv[key] = (ARRAY, (etype, list(items)))

    # "<arch>.<name>" keys, typed as gguf_writer.py's add_* methods type them
    def u32(self, name: str, v) -> None:
        self.put(f"{self.arch}.{name}", U32, int(v))

    def f32(self, name: str, v) -> None:
        self.put(f"{self.arch}.{name}", F32V, float(v))

    def string(self, name: str, v: str) -> None:
        self.put(f"{self.arch}.{name}", STRING, v)

    def boolean(self, name: str, v: bool) -> None:
        self.put(f"{self.arch}.{name}", BOOL, bool(v))

    def writer(self) -> GgufWriter:
        w = GgufWriter()
        for key, (vtype, value) in self.kv.items():
            if vtype == ARRAY:
                w.add_array(key, value[0], value[1])
            else:
                w.add(key, vtype, value)
        return w


def rope_parameters(h: dict) -> dict:
    """TextModel.__init__: rope_parameters (or rope_scaling), with rope_theta, a sliding-layer theta
    ("sliding_attention") and "rope_type" (from the legacy "type") mirrored into it."""
    rp = dict(h.get("rope_parameters", h.get("rope_scaling")) or {})
    first = lambda keys: next((h[k] for k in keys if k in h), None)  # noqa: E731  find_hparam
    theta = first(["global_rope_theta", "rope_global_theta", "rope_theta_global", "rope_theta",
                   "rotary_emb_base"])
    local = first(["local_rope_theta", "rope_local_theta", "rope_theta_local", "swa_rope_theta",
                   "rope_local_base_freq"])
    if "full_attention" not in rp and "sliding_attention" not in rp:
        if local is not None:
            rp["sliding_attention"] = {"rope_theta": local}
        if "rope_theta" not in rp and theta is not None:
            rp["rope_theta"] = theta
        if "rope_type" not in rp and rp.get("type") is not None:
            rp["rope_type"] = rp["type"]
    return rp


def text_model_keys(m: Meta, h: dict, ftype: int) -> None:
    """TextModel.set_gguf_parameters, for the keys these configs have."""
    m.u32("block_count", h["num_hidden_layers"])
    if "max_position_embeddings" in h:
        m.u32("context_length", h["max_position_embeddings"])
    m.u32("embedding_length", h["hidden_size"])
    if "intermediate_size" in h:
        m.u32("feed_forward_length", h["intermediate_size"])
    m.u32("attention.head_count", h["num_attention_heads"])
    if "num_key_value_heads" in h:
        m.u32("attention.head_count_kv", h["num_key_value_heads"])
    rp = rope_parameters(h)
    params = rp.get("full_attention", rp)
    rope_type = params.get("rope_type")
    if rope_type is not None:
        factor = params.get("factor")
        if rope_type == "linear" and factor is not None:
            m.string("rope.scaling.type", "linear")
            m.f32("rope.scaling.factor", factor)
        elif rope_type == "yarn" and factor is not None:
            m.string("rope.scaling.type", "yarn")
            m.f32("rope.scaling.factor", factor)
            m.u32("rope.scaling.original_context_length", params["original_max_position_embeddings"])
            if params.get("extrapolation_factor") is not None:
                m.f32("rope.scaling.yarn_ext_factor", params["extrapolation_factor"])
            attn = params.get("attention_factor", params.get("attn_factor"))
            if attn is not None:
                m.f32("rope.scaling.yarn_attn_factor", attn)
            if params.get("beta_fast") is not None:
                m.f32("rope.scaling.yarn_beta_fast", params["beta_fast"])
            if params.get("beta_slow") is not None:
                m.f32("rope.scaling.yarn_beta_slow", params["beta_slow"])
        elif rope_type in ("su", "longrope"):
            m.string("rope.scaling.type", "longrope")
        elif rope_type not in ("dynamic", "llama3"):  # dynamic: nothing; llama3: rope_freqs tensor
            raise ValueError(f"the converter only warns about RoPE type {rope_type!r}")
    if params.get("rope_theta") is not None:
        m.f32("rope.freq_base", params["rope_theta"])
    if rp.get("sliding_attention", {}).get("rope_theta") is not None:
        m.f32("rope.freq_base_swa", rp["sliding_attention"]["rope_theta"])
    if h.get("rms_norm_eps") is not None:
        m.f32("attention.layer_norm_rms_epsilon", h["rms_norm_eps"])
    for key in ("layer_norm_eps", "layer_norm_epsilon", "norm_epsilon"):
        if h.get(key) is not None:
            m.f32("attention.layer_norm_epsilon", h[key])
            break
    if h.get("head_dim") is not None:
        m.u32("attention.key_length", h["head_dim"])
        m.u32("attention.value_length", h["head_dim"])
    m.put("general.file_type", U32, ftype)


def autoconfig_hparams(cfg: dict) -> dict:
    """The converter reads AutoConfig.from_pretrained(...).to_dict(): class defaults our
    config.json files leave out but which change what is written."""
    h = dict(cfg)
    if h["model_type"] == "llama":  # LlamaConfig (transformers >= 4.45) stores head_dim
        h.setdefault("num_key_value_heads", h["num_attention_heads"])
        if h.get("head_dim") is None:
            h["head_dim"] = h["hidden_size"] // h["num_attention_heads"]
    return h


# --- tensors ----------------------------------------------------------------------------------

@dataclass
class Out:
    """One GGUF tensor: its name, its values in GGUF layout (NumPy shape = reversed ne), and the
    inverse of the converter's transform: decoded values -> {HF name: HF-layout values}."""
    name: str
    data: np.ndarray
    back: Callable[[np.ndarray], Dict[str, np.ndarray]]


def as_is(hf: str) -> Callable:
    return lambda y: {hf: y}


# gguf-py TensorNameMap (tensor_mapping.py) for "llama-hf" names; per-architecture differences
# come from MODEL_TENSORS: a name listed under several tensors maps to the last one the
# architecture has.
GLOBAL_NAMES = {"model.embed_tokens": "token_embd", "model.norm": "output_norm", "lm_head": "output"}
LAYER_NAMES = {
    "input_layernorm": "attn_norm",
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm",
    "self_attn.qkv_proj": "attn_qkv",  # phi3
    "post_attention_layernorm": "ffn_norm",  # llama-hf (FFN_NORM)
    "pre_feedforward_layernorm": "ffn_norm",  # gemma2 (FFN_PRE_NORM is also "ffn_norm")
    "post_feedforward_layernorm": "post_ffw_norm",  # gemma2, olmo2 (FFN_POST_NORM)
    "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
    "mlp.gate_up_proj": "ffn_up",  # phi3
}
# Gemma 2/3 and OLMo-2 have ATTN_POST_NORM and no FFN_NORM entry for it
POST_ATTENTION_NORM = {"post_attention_layernorm": "post_attention_norm"}
NEOX_NAMES = {"gpt_neox.embed_in": "token_embd", "gpt_neox.final_layer_norm": "output_norm",
              "embed_out": "output"}
NEOX_LAYER_NAMES = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
                    "attention.query_key_value": "attn_qkv", "attention.dense": "attn_output",
                    "mlp.dense_h_to_4h": "ffn_up", "mlp.dense_4h_to_h": "ffn_down"}


def gguf_name(hf: str, global_names: dict, layer_prefix: str, layer_names: dict) -> str:
    """map_tensor_name with try_suffixes (".weight", ".bias")."""
    base, _, suffix = hf.rpartition(".")
    if base in global_names:
        return f"{global_names[base]}.{suffix}"
    if base.startswith(layer_prefix):
        layer, _, rest = base[len(layer_prefix):].partition(".")
        if rest in layer_names:
            return f"blk.{int(layer)}.{layer_names[rest]}.{suffix}"
    raise ValueError(f"no GGUF name for {hf}")


def plain(hf_name: str, x: np.ndarray, layer_names=LAYER_NAMES) -> Out:
    return Out(gguf_name(hf_name, GLOBAL_NAMES, "model.layers.", layer_names), x, as_is(hf_name))


def permute(w: np.ndarray, n_head: int) -> np.ndarray:
    return permute_qk(w, n_head)


def unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    """Inverse of LlamaModel.permute: interleaved pairs back to rotate-half rows."""
    return (w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def f32(x: np.ndarray) -> np.ndarray:
    # ModelBase.prepare_tensors: anything but F16/F32 (here BF16) becomes float32 before
    # modify_tensors; F16 stays F16 until written, which F32 output widens exactly.
    return np.asarray(x, dtype=np.float32)


def llama3_rope_factors(h: dict) -> np.ndarray:
    """LlamaModel.generate_extra_tensors: the divisor of each RoPE frequency, frequencies in
    float32 (torch.arange(0, dim, 2, dtype=float32)), the bands in double."""
    rp = rope_parameters(h)
    params = rp.get("full_attention", rp)
    base = params.get("rope_theta", 10000.0)
    dim = h.get("head_dim") or h["hidden_size"] // h["num_attention_heads"]
    freqs = (np.float32(1.0) / (np.float32(base) ** (np.arange(0, dim, 2, dtype=np.float32)
                                                      / np.float32(dim)))).astype(np.float32)
    factor = params.get("factor", 8.0)
    low, high = params.get("low_freq_factor", 1.0), params.get("high_freq_factor", 4.0)
    old = h.get("original_max_position_embeddings", 8192)  # the top-level key, not rope_scaling's
    low_wavelen, high_wavelen = old / low, old / high
    out = []
    for freq in freqs:
        wavelen = 2 * math.pi / float(freq)
        if wavelen < high_wavelen:
            out.append(1.0)
        elif wavelen > low_wavelen:
            out.append(factor)
        else:
            smooth = (old / wavelen - low) / (high - low)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.asarray(out, dtype=np.float32)


def conv_llama(h: dict, t: dict, m: Meta, ftype: int) -> List[Out]:
    text_model_keys(m, h, ftype)
    H, KV = h["num_attention_heads"], h["num_key_value_heads"]
    m.u32("vocab_size", h["vocab_size"])  # LlamaModel.set_gguf_parameters
    m.u32("rope.dimension_count", h.get("head_dim") or h["hidden_size"] // H)
    outs = []
    rp = rope_parameters(h)
    if rp.get("full_attention", rp).get("rope_type", "").lower() == "llama3":
        outs.append(Out("rope_freqs.weight", llama3_rope_factors(h), lambda y: {}))
    for name, x in t.items():
        x = f32(x)
        if name.endswith("q_proj.weight"):  # LlamaModel.modify_tensors: undo_permute
            outs.append(Out(gguf_name(name, GLOBAL_NAMES, "model.layers.", LAYER_NAMES),
                            permute(x, H), lambda y, n=name: {n: unpermute(y, H)}))
        elif name.endswith("k_proj.weight"):
            outs.append(Out(gguf_name(name, GLOBAL_NAMES, "model.layers.", LAYER_NAMES),
                            permute(x, KV), lambda y, n=name: {n: unpermute(y, KV)}))
        else:
            outs.append(plain(name, x))
    return outs


def conv_qwen(h: dict, t: dict, m: Meta, ftype: int) -> List[Out]:
    """Qwen2Model and Qwen3Model: TextModel's keys and names, no permutation (NEOX RoPE)."""
    text_model_keys(m, h, ftype)
    return [plain(name, f32(x)) for name, x in t.items()]


def gemma_norm(name: str, x: np.ndarray, layer_names) -> Out:
    """GemmaModel / Gemma2Model / Gemma3Model.modify_tensors: names ending in "norm.weight" get
    + 1 (float32 after prepare_tensors' cast), q_norm / k_norm included."""
    if name.endswith("norm.weight"):
        return Out(gguf_name(name, GLOBAL_NAMES, "model.layers.", layer_names),
                   x + np.float32(1.0), lambda y, n=name: {n: y.astype(np.float64) - 1.0})
    return plain(name, x, layer_names)


def gemma_keys(h: dict, m: Meta, ftype: int) -> None:
    """GemmaModel.set_gguf_parameters (Gemma2Model's begins the same)."""
    m.u32("context_length", h["max_position_embeddings"])
    m.u32("embedding_length", h["hidden_size"])
    m.u32("block_count", h["num_hidden_layers"])
    m.u32("feed_forward_length", h["intermediate_size"])
    m.u32("attention.head_count", h["num_attention_heads"])
    m.u32("attention.head_count_kv", h.get("num_key_value_heads", h["num_attention_heads"]))
    m.f32("attention.layer_norm_rms_epsilon", h["rms_norm_eps"])
    m.u32("attention.key_length", h["head_dim"])
    m.u32("attention.value_length", h["head_dim"])
    m.put("general.file_type", U32, ftype)


def conv_gemma(h: dict, t: dict, m: Meta, ftype: int) -> List[Out]:
    gemma_keys(h, m, ftype)
    return [gemma_norm(n, f32(x), LAYER_NAMES) for n, x in t.items() if n != "lm_head.weight"]


def conv_gemma2(h: dict, t: dict, m: Meta, ftype: int) -> List[Out]:
    gemma_keys(h, m, ftype)
    m.f32("attn_logit_softcapping", h["attn_logit_softcapping"])
    m.f32("final_logit_softcapping", h["final_logit_softcapping"])
    m.u32("attention.sliding_window", h["sliding_window"])
    names = {**LAYER_NAMES, **POST_ATTENTION_NORM}
    return [gemma_norm(n, f32(x), names) for n, x in t.items() if n != "lm_head.weight"]


def conv_gemma3(h: dict, t: dict, m: Meta, ftype: int) -> List[Out]:
    text_model_keys(m, h, ftype)
    # Gemma3Model.set_gguf_parameters, after TextModel's: the same keys again (overwritten in place)
    m.u32("context_length", h.get("max_position_embeddings", 131072))
    m.u32("attention.head_count", h.get("num_attention_heads", 8))
    m.f32("attention.layer_norm_rms_epsilon", h.get("rms_norm_eps", 1e-6))
    m.u32("attention.key_length", h.get("head_dim", 256))
    m.u32("attention.value_length", h.get("head_dim", 256))
    rp = rope_parameters(h)
    m.f32("rope.freq_base", rp.get("full_attention", rp).get("rope_theta", 1_000_000.0))
    assert h.get("attn_logit_softcapping") is None
    if h.get("final_logit_softcapping"):
        m.f32("final_logit_softcapping", h["final_logit_softcapping"])
    if h.get("sliding_window_pattern") != 1:
        m.u32("attention.sliding_window", h["sliding_window"])
    m.u32("attention.head_count_kv", h.get("num_key_value_heads", 4))
    names = {**LAYER_NAMES, **POST_ATTENTION_NORM}
    return [gemma_norm(n, f32(x), names) for n, x in t.items()]


def conv_phi3(h: dict, t: dict, m: Meta, ftype: int) -> List[Out]:
    """Phi3MiniModel: its own keys (not TextModel's); fused tensors kept as HF has them."""
    d, H = h["hidden_size"], h["num_attention_heads"]
    rot_pct = h.get("partial_rotary_factor", 1.0)
    rope_dims = int(rot_pct * d) // H
    orig = h["original_max_position_embeddings"]
    m.u32("context_length", h["max_position_embeddings"])
    m.u32("rope.scaling.original_context_length", orig)
    m.u32("embedding_length", d)
    m.u32("feed_forward_length", h["intermediate_size"])
    m.u32("block_count", h["num_hidden_layers"])
    m.u32("attention.head_count", H)
    m.u32("attention.head_count_kv", h["num_key_value_heads"])
    m.f32("attention.layer_norm_rms_epsilon", h["rms_norm_eps"])
    m.u32("rope.dimension_count", rope_dims)
    rp = rope_parameters(h)
    m.f32("rope.freq_base", rp.get("full_attention", rp)["rope_theta"])
    m.put("general.file_type", U32, ftype)
    m.u32("attention.sliding_window", h.get("sliding_window") or 0)
    outs = []
    scaling = h.get("rope_scaling")
    if scaling is not None:  # generate_extra_tensors (longrope / su)
        kind = scaling.get("rope_type", scaling.get("type", "")).lower()
        assert kind in ("su", "longrope"), kind
        scale = h["max_position_embeddings"] / orig
        m.f32("rope.scaling.attn_factor",
              math.sqrt(1 + math.log(scale) / math.log(orig)) if scale > 1.0 else 1.0)
        long_f, short_f = scaling["long_factor"], scaling["short_factor"]
        assert len(long_f) == len(short_f) == rope_dims / 2
        outs.append(Out("rope_factors_long.weight", np.asarray(long_f, np.float32), lambda y: {}))
        outs.append(Out("rope_factors_short.weight", np.asarray(short_f, np.float32), lambda y: {}))
    outs += [plain(n, f32(x)) for n, x in t.items()]
    return outs


def conv_gptneox(h: dict, t: dict, m: Meta, ftype: int) -> List[Out]:
    """GPTNeoXModel: its own keys; query_key_value regrouped from per-head [q | k | v]."""
    d, H = h["hidden_size"], h["num_attention_heads"]
    m.u32("context_length", h["max_position_embeddings"])
    m.u32("embedding_length", d)
    m.u32("block_count", h["num_hidden_layers"])
    m.u32("feed_forward_length", h["intermediate_size"])
    m.u32("rope.dimension_count", int(h["rotary_pct"] * (d // H)))
    m.u32("attention.head_count", H)
    m.boolean("use_parallel_residual", h.get("use_parallel_residual", True))
    m.f32("attention.layer_norm_epsilon", h["layer_norm_eps"])
    del ftype  # GPTNeoXModel.set_gguf_parameters writes no general.file_type
    hd = d // H

    def regroup(x):  # [H, 3, hd, ...] -> [3, H, hd, ...]
        return x.reshape(H, 3, hd, *x.shape[1:]).swapaxes(0, 1).reshape(x.shape)

    def ungroup(y):
        return y.reshape(3, H, hd, *y.shape[1:]).swapaxes(0, 1).reshape(y.shape)

    outs = []
    for name, x in t.items():
        x = f32(x)
        gname = gguf_name(name, NEOX_NAMES, "gpt_neox.layers.", NEOX_LAYER_NAMES)
        if "attention.query_key_value" in name:
            outs.append(Out(gname, regroup(x), lambda y, n=name: {n: ungroup(y)}))
        else:
            outs.append(Out(gname, x, as_is(name)))
    return outs


def conv_olmo2(h: dict, t: dict, m: Meta, ftype: int) -> List[Out]:
    text_model_keys(m, h, ftype)
    assert "sliding_window" not in h  # Olmo2Model writes a window and pattern only for OLMo-3
    names = {**LAYER_NAMES, **POST_ATTENTION_NORM}
    return [plain(n, f32(x), names) for n, x in t.items()]


CONVERTERS = {"llama": conv_llama, "qwen2": conv_qwen, "qwen3": conv_qwen, "gemma": conv_gemma,
              "gemma2": conv_gemma2, "gemma3": conv_gemma3, "phi3": conv_phi3,
              "gptneox": conv_gptneox, "olmo2": conv_olmo2}
ARCH_OF = {"llama": "llama", "qwen2": "qwen2", "qwen3": "qwen3", "gemma": "gemma",
           "gemma2": "gemma2", "gemma3_text": "gemma3", "phi3": "phi3", "gpt_neox": "gptneox",
           "olmo2": "olmo2"}


# --- vocabularies -----------------------------------------------------------------------------

@dataclass
class Vocab:
    model: str  # tokenizer.ggml.model
    tokens: List[str]
    types: List[int]
    scores: Optional[List[float]] = None
    merges: Optional[List[str]] = None
    pre: str = "default"
    special: Dict[str, int] = field(default_factory=dict)  # bos / eos / unknown / padding -> id
    add_bos: Optional[bool] = None
    add_space_prefix: Optional[bool] = None

    def write(self, m: Meta) -> None:
        """_set_vocab_sentencepiece / _set_vocab_gpt2, then SpecialVocab.add_to_gguf."""
        m.put("tokenizer.ggml.model", STRING, self.model)
        m.put("tokenizer.ggml.pre", STRING, self.pre)
        m.array("tokenizer.ggml.tokens", STRING, self.tokens)
        if self.scores is not None:
            m.array("tokenizer.ggml.scores", F32V, self.scores)
        m.array("tokenizer.ggml.token_type", I32, self.types)
        if self.merges is not None:
            m.array("tokenizer.ggml.merges", STRING, self.merges)
        for kind in ("bos", "eos", "unknown", "padding"):
            if kind in self.special:
                m.put(f"tokenizer.ggml.{kind}_token_id", U32, self.special[kind])
        if self.add_bos is not None:
            m.put("tokenizer.ggml.add_bos_token", BOOL, self.add_bos)
        if self.add_space_prefix is not None:
            m.put("tokenizer.ggml.add_space_prefix", BOOL, self.add_space_prefix)


def spm_vocab(n: int, specials: Dict[int, tuple], special_ids: Dict[str, int], **kw) -> Vocab:
    """A SentencePiece-style vocabulary of exactly n tokens: the special tokens at their ids, then
    tiny_spm_vocab's merged pieces (best first, as many as fit) and all its single characters,
    padded as _set_vocab_sentencepiece pads (`[PAD<i>]`, UNUSED, score -1000)."""
    base_tokens, base_scores, _ = tiny_spm_vocab()
    merged = list(zip(base_tokens[3:51], base_scores[3:51]))
    chars = list(zip(base_tokens[51:], base_scores[51:]))
    room = n - len(specials)
    n_chars = min(len(chars), room)
    pieces = merged[:max(0, min(len(merged), room - n_chars))] + chars[:n_chars]
    tokens, scores, types = [], [], []
    it = iter(pieces)
    pad = 0
    for i in range(n):
        if i in specials:
            text, ttype = specials[i]
            tokens.append(text), scores.append(0.0), types.append(ttype)
            continue
        piece = next(it, None)
        if piece is None:
            pad += 1
            tokens.append(f"[PAD{pad}]"), scores.append(-1000.0), types.append(UNUSED)
        else:
            tokens.append(piece[0]), scores.append(piece[1]), types.append(NORMAL)
    assert len(set(tokens)) == n
    return Vocab("llama", tokens, types, scores=scores, special=special_ids, **kw)


def bpe_vocab(n: int, specials: Dict[int, str], special_ids: Dict[str, int]) -> Vocab:
    """A byte-level BPE vocabulary of exactly n tokens: the special tokens (CONTROL) at their ids,
    then single characters ("Ġ" is the byte-level space) and tiny_spm_vocab's merged pieces with
    "▁" -> "Ġ", each with a merge rule from two tokens already present, best first."""
    base_tokens, _, _ = tiny_spm_vocab()
    chars = [t.replace("▁", "Ġ") for t in base_tokens[51:]]
    merged_all = [t.replace("▁", "Ġ") for t in base_tokens[3:51]]
    room = n - len(specials)
    assert room >= len(chars), "every single character must fit"
    have = set(chars)
    merged, merges = [], []
    for tok in merged_all:
        if len(chars) + len(merged) == room:
            break
        split = next((i for i in range(1, len(tok)) if tok[:i] in have and tok[i:] in have), None)
        if split is None:
            continue
        merges.append(f"{tok[:split]} {tok[split:]}")
        merged.append(tok)
        have.add(tok)
    pieces = iter(chars + merged)
    tokens, types = [], []
    for i in range(n):
        if i in specials:
            tokens.append(specials[i]), types.append(CONTROL)
        else:
            piece = next(pieces, None)
            tokens.append(piece if piece is not None else f"[PAD{i}]")
            types.append(NORMAL if piece is not None else UNUSED)
    assert len(set(tokens)) == n
    # SinkScope reads the pre-tokenizers gpt-2, llama-bpe and smollm; GPT-NeoX's is GPT-2's
    # regex. (A real Qwen2 file says "qwen2", OLMo-2 "dbrx"; that is tokenizer support, not the
    # architecture these fixtures test.)
    return Vocab("gpt2", tokens, types, merges=merges, pre="gpt-2", special=special_ids)


def vocab_for(cfg: dict) -> Vocab:
    """The vocabulary each family's real files carry, sized to the model, with its special ids."""
    mt, n = cfg["model_type"], cfg["vocab_size"]
    bos, eos, pad = cfg.get("bos_token_id"), cfg.get("eos_token_id"), cfg.get("pad_token_id")
    if mt == "llama":  # Llama 2 style tokenizer.model: <unk> <s> </s>
        return spm_vocab(n, {0: ("<unk>", UNKNOWN), bos: ("<s>", CONTROL), eos: ("</s>", CONTROL)},
                         {"bos": bos, "eos": eos, "unknown": 0}, add_bos=True)
    if mt.startswith("gemma"):  # Gemma's <pad> <eos> <bos> <unk>; Gemma*Model.set_vocab: no prefix
        return spm_vocab(n, {0: ("<pad>", CONTROL), 1: ("<eos>", CONTROL), 2: ("<bos>", CONTROL),
                             3: ("<unk>", UNKNOWN)},
                         {"bos": bos, "eos": eos, "unknown": 3, "padding": pad},
                         add_bos=True, add_space_prefix=False)
    if mt == "phi3":  # Llama 2's pieces plus <|endoftext|> (eos and pad)
        return spm_vocab(n, {0: ("<unk>", UNKNOWN), 1: ("<s>", CONTROL), 2: ("</s>", CONTROL),
                             eos: ("<|endoftext|>", CONTROL)},
                         {"bos": bos, "eos": eos, "unknown": 0, "padding": pad})
    specials = {eos: "<|endoftext|>"}
    ids = {"eos": eos}
    if bos is not None:
        ids["bos"] = bos
        specials.setdefault(bos, "<|endoftext|>")
    if pad is not None:
        specials[pad] = "<|pad|>"
        ids["padding"] = pad
    return bpe_vocab(n, specials, ids)


# --- writing ----------------------------------------------------------------------------------

def tensor_type(name: str, x: np.ndarray, quant: int) -> int:
    """ModelBase.prepare_tensors: 1-D tensors and "*_norm.weight" are F32, every other tensor
    the --outtype's type (f32, f16, bf16). llama-quantize --pure gives every matrix the file's
    type; its rows must be whole blocks (the checkpoints here are shaped so they are)."""
    if x.ndim <= 1 or name.endswith("_norm.weight") or quant == T_F32:
        return T_F32
    if x.shape[-1] % block_elements(quant):
        raise ValueError(f"{name}: rows of {x.shape[-1]} do not fill {gguf_quants.type_name(quant)} blocks")
    return quant


def build(cfg: dict, t: Dict[str, np.ndarray], *, quant: int = T_F32, name: str,
          hparams: Optional[dict] = None) -> tuple:
    """The keys (Meta) and tensors (Out) of cfg and t (HF names) converted to GGUF."""
    h = autoconfig_hparams({**cfg, **(hparams or {})})
    arch = ARCH_OF[cfg["model_type"]]
    m = Meta(arch)
    m.put("general.architecture", STRING, arch)
    m.put("general.type", STRING, "model")
    m.put("general.name", STRING, f"{name} (SinkScope test fixture)")
    outs = CONVERTERS[arch](h, t, m, FILE_TYPE[quant])
    m.put("general.quantization_version", U32, 2)
    if quant not in (T_F32, T_F16, T_BF16):  # llama-quantize sets both on the converted file's keys
        m.put("general.file_type", U32, FILE_TYPE[quant])
    vocab = vocab_for(cfg)
    assert len(vocab.tokens) == cfg["vocab_size"]
    vocab.write(m)
    return m, outs


def write(m: Meta, outs: List[Out], quant: int, types: Optional[Dict[str, tuple]] = None) -> tuple:
    """The file's bytes and what a reader decodes from it, under HF names. types: GGUF name ->
    (ggml type, raw bytes) for tensors written as given."""
    w = m.writer()
    decoded: Dict[str, np.ndarray] = {}
    for o in outs:
        if types and o.name in types:
            w.add_tensor(o.name, types[o.name][0], list(reversed(o.data.shape)), types[o.name][1])
            continue
        ttype = tensor_type(o.name, o.data, quant)
        raw = encode_tensor(o.data, ttype)
        w.add_tensor(o.name, ttype, list(reversed(o.data.shape)), raw)
        decoded.update(o.back(dequantize(raw, ttype, o.data.shape).astype(np.float64)))
    return w.to_bytes(), decoded


def convert(cfg: dict, t: Dict[str, np.ndarray], *, quant: int = T_F32, name: str,
            hparams: Optional[dict] = None) -> tuple:
    m, outs = build(cfg, t, quant=quant, name=name, hparams=hparams)
    return write(m, outs, quant)


# --- lossless conversions of the existing checkpoints -----------------------------------------

# (checkpoint, extra top-level hparams the converter must see): see the module docstring
CHECKPOINTS = [
    ("tiny_llama3_rope", {"original_max_position_embeddings": 64}),
    ("tiny_llama_linear", None), ("tiny_llama_yarn", None), ("tiny_qwen2", None),
    ("tiny_qwen3", None), ("tiny_gemma", None), ("tiny_gemma2_gguf", None),
    ("tiny_gemma3_gguf", None), ("tiny_phi3", None), ("tiny_phi3_longrope", None),
    ("tiny_pythia", None), ("tiny_neox_sequential", None), ("tiny_olmo2", None),
]
# The converter's default --outtype auto (ModelBase.__init__, LlamaFileType.GUESSED): BF16 or F16
# from the first matrix's dtype. For an F32 checkpoint that guess falls through to F16, which
# would round the weights, so that one is converted with --outtype f32.
OUTTYPE = {"bfloat16": T_BF16, "float16": T_F16, "float32": T_F32}
SUFFIX = {T_BF16: "bf16", T_F16: "f16", T_F32: "f32"}


def check_rope_tensors(cfg: dict, data: bytes) -> None:
    """The extra RoPE tensors say what the HF config says (the checkpoint's golden then holds)."""
    tensors = read_f32_tensors(data)
    hd = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    if "rope_freqs.weight" in tensors:
        r = rm.RopeScaling(cfg, hd)
        ratio = r._default(r.theta) / r.inv_freq(20)
        np.testing.assert_allclose(tensors["rope_freqs.weight"], ratio, rtol=1e-6)
    if "rope_factors_long.weight" in tensors:
        np.testing.assert_array_equal(tensors["rope_factors_long.weight"],
                                      np.float32(cfg["rope_scaling"]["long_factor"]))
        np.testing.assert_array_equal(tensors["rope_factors_short.weight"],
                                      np.float32(cfg["rope_scaling"]["short_factor"]))


def read_f32_tensors(data: bytes) -> Dict[str, np.ndarray]:
    """The 1-D F32 tensors of a GGUF file written by GgufWriter (for the self-checks)."""
    pos = 24
    n_tensors, n_kv = struct.unpack_from("<QQ", data, 8)

    def string():
        nonlocal pos
        (n,) = struct.unpack_from("<Q", data, pos)
        pos += 8 + n
        return data[pos - n:pos].decode()

    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def value(vtype):
        nonlocal pos
        if vtype == STRING:
            string()
        elif vtype == ARRAY:
            etype, count = struct.unpack_from("<IQ", data, pos)
            pos += 12
            for _ in range(count):
                value(etype)
        else:
            pos += sizes[vtype]

    for _ in range(n_kv):
        string()
        (vtype,) = struct.unpack_from("<I", data, pos)
        pos += 4
        value(vtype)
    infos = []
    for _ in range(n_tensors):
        name = string()
        (nd,) = struct.unpack_from("<I", data, pos)
        ne = struct.unpack_from(f"<{nd}Q", data, pos + 4)
        ttype, off = struct.unpack_from("<IQ", data, pos + 4 + 8 * nd)
        pos += 4 + 8 * nd + 12
        infos.append((name, ne, ttype, off))
    start = pos + (-pos % 32)
    return {name: np.frombuffer(data, "<f4", count=ne[0], offset=start + off)
            for name, ne, ttype, off in infos if ttype == T_F32 and len(ne) == 1}


def check_layout(cfg: dict, t: Dict[str, np.ndarray], g: Dict[str, np.ndarray]) -> None:
    """The stored layouts mean, under llama.cpp's reading, what the HF tensors mean under
    transformers' (written without the transforms above, so an error there cannot cancel out).
    llama: NORM RoPE (pairs 2i, 2i+1) on the stored attn_q / attn_k rows gives HF's rotate-half
    attention scores. gptneox: attn_qkv's rows are q, k, v blocks of the whole width, where HF
    views the projection as [heads, 3 * head_dim]."""
    mt = cfg["model_type"]
    x = np.random.default_rng(0).standard_normal((7, cfg["hidden_size"]))
    pos = np.arange(7)
    if mt == "llama":
        H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
        hd = cfg["hidden_size"] // H
        theta = 10000.0
        inv = rm.rope_inv_freq(hd, theta)

        def scores(q, k):
            return np.einsum("thd,shd->hts", q, np.repeat(k, H // KV, axis=1))

        hf = scores(rm.rope_half((x @ t["model.layers.0.self_attn.q_proj.weight"].T).reshape(7, H, hd), pos, inv),
                    rm.rope_half((x @ t["model.layers.0.self_attn.k_proj.weight"].T).reshape(7, KV, hd), pos, inv))
        gg = scores(rm.rope_interleaved((x @ g["blk.0.attn_q.weight"].T).reshape(7, H, hd), pos, theta),
                    rm.rope_interleaved((x @ g["blk.0.attn_k.weight"].T).reshape(7, KV, hd), pos, theta))
        np.testing.assert_allclose(gg, hf, rtol=1e-9, atol=1e-9)
    if mt == "gpt_neox":
        d, H = cfg["hidden_size"], cfg["num_attention_heads"]
        for suffix in ("weight", "bias"):
            w = t[f"gpt_neox.layers.0.attention.query_key_value.{suffix}"].astype(np.float64)
            stored = g[f"blk.0.attn_qkv.{suffix}"].astype(np.float64)
            hf = (x @ w.T if suffix == "weight" else w[None, :]).reshape(-1, H, 3, d // H)
            ll = x @ stored.T if suffix == "weight" else stored[None, :]
            for part in range(3):
                np.testing.assert_allclose(ll[:, part * d:(part + 1) * d],
                                           hf[:, :, part].reshape(-1, d), rtol=1e-12, atol=1e-12)


def lossless_conversions() -> Dict[Path, bytes]:
    out = {}
    for name, hparams in CHECKPOINTS:
        cfg = json.loads((MODELS / name / "config.json").read_text())
        t = load_model_dir(MODELS / name)
        outtype = OUTTYPE[cfg["torch_dtype"]]
        m, outs = build(cfg, t, quant=outtype, name=name, hparams=hparams)
        check_layout(cfg, t, {o.name: o.data for o in outs})
        data, decoded = write(m, outs, outtype)
        # What the reader gets back is the checkpoint itself (Gemma's norm + 1 is exact in
        # float32 for these BF16 weights), so the checkpoint's golden is this file's golden.
        assert set(decoded) == set(t), (name, set(decoded) ^ set(t))
        for k, v in t.items():
            np.testing.assert_array_equal(decoded[k], np.asarray(v, np.float64), err_msg=f"{name} {k}")
        check_rope_tensors(cfg, data)
        out[OUT / f"{name}_{SUFFIX[outtype]}.gguf"] = data
    return out


# --- K-quant checkpoints ----------------------------------------------------------------------

def _quant_configs() -> Dict[str, tuple]:
    """name -> (seed, ggml type, HF config): hidden 256 and head_dim 64, so every matrix row is
    one or two 256-element super-blocks; vocab 128; windows (5) shorter than the 20-token goldens."""
    common = {"vocab_size": 128, "max_position_embeddings": 128, "hidden_size": 256,
              "intermediate_size": 256, "num_attention_heads": 4, "num_key_value_heads": 2,
              "initializer_range": 0.02, "use_cache": True, "attention_dropout": 0.0}
    llama_like = {**common, "hidden_act": "silu", "rope_scaling": None}
    gemma = {**common, "head_dim": 64, "hidden_activation": "gelu_pytorch_tanh",
             "hidden_act": "gelu_pytorch_tanh", "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
             "attention_bias": False, "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 1,
             "tie_word_embeddings": True}
    q = gguf_quants.TYPES
    return {
        "llama_q4_k": (20240710, q["Q4_K"], {
            **llama_like, "architectures": ["LlamaForCausalLM"], "model_type": "llama",
            "num_hidden_layers": 1, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
            "attention_bias": False, "tie_word_embeddings": False, "bos_token_id": 1,
            "eos_token_id": 2}),
        "qwen2_q5_k": (20240711, q["Q5_K"], {
            **llama_like, "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
            "num_hidden_layers": 1, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
            "use_sliding_window": False, "tie_word_embeddings": False, "bos_token_id": 127,
            "eos_token_id": 127}),
        "qwen3_q6_k": (20240712, q["Q6_K"], {
            **llama_like, "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
            "head_dim": 64, "num_hidden_layers": 1, "rms_norm_eps": 1e-6,
            "rope_theta": 1000000.0, "attention_bias": False, "use_sliding_window": False,
            "sliding_window": None, "tie_word_embeddings": False, "bos_token_id": 127,
            "eos_token_id": 127}),
        "gemma_q4_k": (20240713, q["Q4_K"], {
            **gemma, "architectures": ["GemmaForCausalLM"], "model_type": "gemma",
            "num_key_value_heads": 1, "num_hidden_layers": 1, "rope_scaling": None}),
        # two layers: layer 0 sliding, layer 1 global (llama.cpp's pattern 2)
        "gemma2_q3_k": (20240714, q["Q3_K"], {
            **gemma, "architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2",
            "num_hidden_layers": 2, "query_pre_attn_scalar": 64, "sliding_window": 5,
            "attn_logit_softcapping": 5.0, "final_logit_softcapping": 4.0,
            "cache_implementation": "hybrid"}),
        # one layer: sliding under llama.cpp's fixed pattern 6 (local base 1e4)
        "gemma3_q4_k": (20240715, q["Q4_K"], {
            **gemma, "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text",
            "num_hidden_layers": 1, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
            "rope_scaling": None, "query_pre_attn_scalar": 64, "sliding_window": 5,
            "sliding_window_pattern": 6, "final_logit_softcapping": None,
            "attn_logit_softcapping": None, "cache_implementation": "hybrid"}),
        "phi3_q2_k": (20240716, q["Q2_K"], {
            **llama_like, "architectures": ["Phi3ForCausalLM"], "model_type": "phi3",
            "num_hidden_layers": 1, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
            "original_max_position_embeddings": 128, "partial_rotary_factor": 0.5,
            "sliding_window": None, "attention_bias": False, "tie_word_embeddings": False,
            "bos_token_id": 1, "eos_token_id": 32, "pad_token_id": 32}),
        "gptneox_q4_k": (20240717, q["Q4_K"], {
            **common, "architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox",
            "num_hidden_layers": 1, "hidden_act": "gelu", "rotary_pct": 0.25,
            "rotary_emb_base": 10000, "layer_norm_eps": 1e-5, "attention_bias": True,
            "use_parallel_residual": True, "rope_scaling": None, "tie_word_embeddings": False,
            "bos_token_id": 0, "eos_token_id": 0}),
        "olmo2_q5_k": (20240718, q["Q5_K"], {
            **llama_like, "architectures": ["Olmo2ForCausalLM"], "model_type": "olmo2",
            "num_hidden_layers": 1, "rms_norm_eps": 1e-6, "rope_theta": 500000.0,
            "attention_bias": False, "tie_word_embeddings": False, "bos_token_id": None,
            "eos_token_id": 127, "pad_token_id": 126}),
    }


QUANT_CHECKPOINTS = _quant_configs()


def quant_tensors(cfg: dict, seed: int) -> Dict[str, np.ndarray]:
    """family_checkpoints.random_tensors, each matrix scaled by sqrt(32 / its row width):
    activations and logits as large as in the 32-wide tiny models, so attention is peaked but not
    one-hot. A tied embedding (the Gemmas) gets that factor twice: a token's logit from its own
    embedding grows with sqrt(width) against the others', and 1-layer models would just echo
    the last token."""
    t = random_tensors(cfg, seed)
    for k, v in t.items():
        if v.ndim == 2:
            scale = math.sqrt(32 / v.shape[1])
            if k == "model.embed_tokens.weight" and cfg.get("tie_word_embeddings"):
                scale *= scale
            t[k] = (v * np.float32(scale)).astype(np.float32)
    assert {k: v.shape for k, v in t.items()} == hf_tensor_shapes(cfg)
    return t


def golden_ids(model, cfg: dict) -> tuple:
    """[bos] + 19 draws of default_rng(seed).integers(0, vocab) (20 without a BOS), seed the first
    from 1 whose 8 greedy steps have a top-1/top-2 margin above 0.03 and 4 distinct ids."""
    bos = cfg.get("bos_token_id")
    head = [] if bos is None else [bos]
    for seed in range(1, 200):
        ids = head + [int(x) for x in np.random.default_rng(seed).integers(
            0, cfg["vocab_size"], size=20 - len(head))]
        greedy, margin, _ = greedy_with_margin(model, ids, 8)
        if margin > 0.03 and len(set(greedy)) >= 4:
            return seed, ids, greedy, margin
    raise RuntimeError("no seed gives a clear greedy sequence")


def quant_golden(name: str, cfg: dict, decoded: Dict[str, np.ndarray]) -> Path:
    model = rm.from_config(cfg, decoded)
    seed, ids, greedy, margin = golden_ids(model, cfg)
    r = model.forward(ids)
    path = GOLDEN / f"gguf_{name}.safetensors"
    save_file(path, {
        "token_ids": (np.asarray(ids, dtype=np.int32), "I32"),
        "logits": (r["logits"].astype(np.float32), "F32"),
        "attention": (r["attention"].astype(np.float32), "F32"),
        "hidden_norms": (r["hidden_norms"].astype(np.float32), "F32"),
        "greedy_ids": (np.asarray(greedy, dtype=np.int32), "I32"),
    }, {"generator": f"{GENERATOR} (reference_model.py on the decoded weights, float64 -> float32)",
        "model": f"tests/data/models/gguf/{name}.gguf", "seed": str(seed),
        "token_ids": json.dumps(ids), "greedy_ids": json.dumps(greedy), "greedy_new_tokens": "8",
        "greedy_min_margin": f"{margin:.6g}",
        "mean_next_token_entropy": f"{rm.mean_next_token_entropy(r['logits']):.6f}"})
    print(f"{path.relative_to(REPO)}: seed {seed} greedy {greedy} margin {margin:.3g}")
    return path


def quant_files() -> Dict[Path, bytes]:
    out = {}
    for name, (seed, qtype, cfg) in QUANT_CHECKPOINTS.items():
        t = quant_tensors(cfg, seed)
        m, outs = build(cfg, t, quant=qtype, name=name)
        check_layout(cfg, t, {o.name: o.data for o in outs})
        data, decoded = write(m, outs, qtype)
        # Quantization error, not a layout slip: every tensor decodes close to the original.
        assert set(decoded) == set(t)
        for k, v in t.items():
            err = np.linalg.norm(decoded[k] - v) / np.linalg.norm(v)
            assert err < 0.4, (name, k, err)
        out[OUT / f"{name}.gguf"] = data
        quant_golden(name, cfg, decoded)
    return out


# --- files the reader must refuse -------------------------------------------------------------

def micro_llama(ff: int) -> tuple:
    """A one-layer llama (d 32, vocab 8) for the refusal fixtures."""
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 8,
           "max_position_embeddings": 64, "hidden_size": 32, "intermediate_size": ff,
           "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
           "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "rope_scaling": None,
           "tie_word_embeddings": True, "bos_token_id": 1, "eos_token_id": 2}
    return cfg, random_tensors(cfg, 20240720)


def bad_files() -> Dict[Path, bytes]:
    out = {}
    # A Mamba file as MambaModel.set_gguf_parameters writes one: SinkScope reads no SSMs.
    m = Meta("mamba")
    m.put("general.architecture", STRING, "mamba")
    m.put("general.type", STRING, "model")
    for key, v in (("context_length", 1 << 20), ("embedding_length", 8), ("feed_forward_length", 0),
                   ("attention.head_count", 0), ("block_count", 1), ("ssm.conv_kernel", 4),
                   ("ssm.inner_size", 16), ("ssm.state_size", 4), ("ssm.time_step_rank", 1)):
        m.u32(key, v)
    m.f32("attention.layer_norm_rms_epsilon", 1e-5)
    m.put("general.file_type", U32, 0)
    spm_vocab(8, {0: ("<unk>", UNKNOWN), 1: ("<s>", CONTROL), 2: ("</s>", CONTROL)},
              {"bos": 1, "eos": 2, "unknown": 0}).write(m)
    w = m.writer()
    rng = np.random.default_rng(3)
    for name, shape in (("token_embd.weight", (8, 8)), ("blk.0.attn_norm.weight", (8,)),
                        ("blk.0.ssm_in.weight", (32, 8)), ("blk.0.ssm_conv1d.weight", (16, 4)),
                        ("blk.0.ssm_conv1d.bias", (16,)), ("blk.0.ssm_x.weight", (9, 16)),
                        ("blk.0.ssm_dt.weight", (16, 1)), ("blk.0.ssm_dt.bias", (16,)),
                        ("blk.0.ssm_a", (16, 4)), ("blk.0.ssm_d", (16,)),
                        ("blk.0.ssm_out.weight", (8, 16)), ("output_norm.weight", (8,))):
        x = (0.3 * rng.standard_normal(shape)).astype(np.float32)
        w.add_tensor(name, T_F32, list(reversed(shape)), encode_tensor(x, T_F32))
    out[BAD / "unknown_architecture.gguf"] = w.to_bytes()

    # A llama file whose rope.scaling.type is none of llama.cpp's none / linear / yarn / longrope.
    cfg, t = micro_llama(32)
    m, outs = build(cfg, t, name="unknown_rope_scaling",
                    hparams={"rope_scaling": {"rope_type": "linear", "factor": 2.0}})
    m.string("rope.scaling.type", "xpos")
    out[BAD / "unknown_rope_scaling.gguf"] = write(m, outs, T_F32)[0]
    # A llama file with one IQ2_XXS matrix (ggml type 16, blocks of 256 in 66 bytes), which
    # SinkScope does not decode: ffn_down's rows are 256 wide.
    cfg, t = micro_llama(256)
    m, outs = build(cfg, t, name="iq2_xxs_tensor")
    m.put("general.file_type", U32, 19)  # LLAMA_FTYPE_MOSTLY_IQ2_XXS
    down = next(o for o in outs if o.name == "blk.0.ffn_down.weight")
    out[BAD / "iq2_xxs_tensor.gguf"] = write(m, outs, T_F32, {
        down.name: (16, bytes(66 * down.data.shape[0]))})[0]
    return out


def main() -> None:
    files = {}
    files.update(lossless_conversions())
    files.update(quant_files())
    files.update(bad_files())
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{path.relative_to(REPO)}: {len(data)} bytes")
    print(f"total {sum(len(d) for d in files.values())} bytes")


if __name__ == "__main__":
    main()
