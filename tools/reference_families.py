"""Float64 reference forward passes for the families beyond GPT-2 and Llama.

Written from Hugging Face transformers' modeling code (the class or function each detail follows
is named next to it), independent of the C++ engine, in the style of reference_model.py:
no KV cache, everything recomputed in float64 from the stored weights.

  * gemma        GemmaModel: embeddings x sqrt(hidden_size), GemmaRMSNorm (x * (1 + w)), explicit
                 head_dim, GQA/MQA, GeGLU MLP (gelu tanh), tied lm head.
  * gemma2       Gemma2DecoderLayer: input / post_attention / pre_feedforward / post_feedforward
                 norms, scaling query_pre_attn_scalar**-0.5, attention logit soft-capping before
                 the mask, sliding window on "sliding_attention" layers, final logit soft-capping.
  * gemma3_text  Gemma3 text: Gemma 2's layer plus q_norm / k_norm (GemmaRMSNorm over head_dim,
                 before RoPE); local layers rotate with rope_local_base_freq (plain RoPE), global
                 layers with rope_theta and rope_scaling; soft-capping only where the config sets it.
  * phi3         Phi3: fused qkv_proj and gate_up_proj, partial rotary, sliding window on every
                 layer when sliding_window is set, longrope (short / long factors).
  * olmo2        Olmo2: no pre-norms; RMSNorm on the attention and MLP outputs before each
                 residual add; q_norm / k_norm over the whole projected width before RoPE.
  * gpt_neox     GPTNeoX: fused per-head query_key_value, partial rotary (rotary_pct), LayerNorm
                 with bias, parallel or sequential residual, untied embed_out.
  * opt          OPT: learned positions with offset 2, ReLU, biases, pre- or post-LayerNorm,
                 project_in / project_out when word_embed_proj_dim != hidden_size, tied lm head.

forward(ids) returns the same dict as reference_model: logits [T, V], attention [L, H, T, T]
(post-softmax, one map per query head) and hidden_norms [L + 1, T] (row 0 = the input of layer
0 after embedding scale / positions / project_in, row L = the output of the last layer before the
final norm).
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

import numpy as np

import reference_model as rm
from reference_model import (causal_attention, layer_norm, layer_windows_from_types, rms_norm,
                             rope_half)


def gemma_rms_norm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    # GemmaRMSNorm: x * rsqrt(mean(x^2) + eps) * (1 + w), computed in float32 in HF (float64 here).
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * (1.0 + w)


def _lin(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def _activation(name: str):
    if name not in rm._ACTIVATIONS and name != "relu":
        raise ValueError(f"unsupported activation {name!r}")
    return (lambda x: np.maximum(x, 0.0)) if name == "relu" else rm._ACTIVATIONS[name]


# ----------------------------------------------------------------------------------------------
# Rotary decoders with RMSNorm: gemma, gemma2, gemma3_text, phi3, olmo2
# ----------------------------------------------------------------------------------------------

class RopeDecoder(rm._Model):
    """Pre-/post-norm rotary decoder over per-layer weight dicts.

    Layer keys: attn_norm, post_attn_norm, ffn_norm, post_ffn_norm (each optional), wq, wk, wv,
    wo (+ bq, bk, bv, bo), q_norm / k_norm (optional; qk_norm "head" = over head_dim after the
    reshape, "full" = over the whole projection before it), w_gate, w_up, w_down.
    ropes[i] is the RopeScaling of layer i, windows[i] its sliding window (None = full).
    """

    learned_positions = False

    def __init__(self, *, embed, layers, final_norm, lm_head, n_heads, n_kv_heads, head_dim, eps,
                 norm, act, ropes, windows, max_positions, embed_scale=1.0, attn_scale=None,
                 attn_softcap=None, final_softcap=None, qk_norm=None, generation="cached"):
        self.embed, self.layers, self.final_norm, self.lm_head = embed, layers, final_norm, lm_head
        self.n_heads, self.n_kv_heads, self.head_dim = int(n_heads), int(n_kv_heads), int(head_dim)
        self.eps = float(eps)
        self.norm = gemma_rms_norm if norm == "gemma" else rms_norm
        self.act = _activation(act)
        self.ropes, self.windows = list(ropes), list(windows)
        self.n_layers = len(layers)
        self.vocab_size = embed.shape[0]
        self.max_positions = int(max_positions)
        self.embed_scale = float(embed_scale)
        self.attn_scale = attn_scale if attn_scale is not None else self.head_dim ** -0.5
        self.attn_softcap, self.final_softcap = attn_softcap, final_softcap
        self.qk_norm = qk_norm
        self.generation = generation
        if self.n_heads % self.n_kv_heads:
            raise ValueError("num_attention_heads must be a multiple of num_key_value_heads")
        if len(self.ropes) != self.n_layers or len(self.windows) != self.n_layers:
            raise ValueError("one rope and one window per layer")

    @property
    def scaling(self):
        """The first layer's RopeScaling whose frequencies depend on the pass length, if any."""
        for r in self.ropes:
            if r.type in ("dynamic", "longrope"):
                return r
        return self.ropes[0]

    def _rotate(self, x, pos, rope, lengths):
        inv = np.stack([rope.inv_freq(int(n)) for n in lengths])
        return rope_half(x, pos, inv, rope.attention_scaling)

    def step_logits(self, prompt: Sequence[int], generated: Sequence[int]) -> np.ndarray:
        ids = list(prompt) + list(generated)
        if self.generation == "full":
            # Phi3ForCausalLM.prepare_inputs_for_generation drops the cache when the sequence
            # first reaches original_max_position_embeddings + 1 tokens, so every position is
            # rotated with the factors of the whole sequence: cached generation = full forward.
            return self.forward(ids)["logits"][-1]
        # HF's cached generation: one pass over the prompt (seq_len = prompt length), then one
        # pass per new token at position p (seq_len p + 1); cached keys keep their rotation.
        n = len(prompt)
        lengths = [n] * n + [n + i + 1 for i in range(len(generated))]
        return self.forward(ids, rope_lengths=lengths)["logits"][-1]

    def forward(self, ids: Sequence[int], rope_lengths: Optional[Sequence[int]] = None
                ) -> Dict[str, np.ndarray]:
        a = self._check_ids(ids)
        T = a.size
        H, KV, hd = self.n_heads, self.n_kv_heads, self.head_dim
        pos = np.arange(T)
        lengths = [T] * T if rope_lengths is None else list(rope_lengths)
        # GemmaModel / Gemma2Model: hidden * normalizer, where HF casts sqrt(hidden_size) to the
        # hidden dtype first (bf16: 5.65625 for 32); float64 here keeps the exact root.
        h = self.embed[a] * self.embed_scale
        norms = [np.linalg.norm(h, axis=-1)]
        atts = []
        for L, rope, window in zip(self.layers, self.ropes, self.windows):
            res = h
            x = self.norm(h, L["attn_norm"], self.eps) if "attn_norm" in L else h
            q = _lin(x, L["wq"], L.get("bq"))
            k = _lin(x, L["wk"], L.get("bk"))
            v = _lin(x, L["wv"], L.get("bv")).reshape(T, KV, hd)
            if self.qk_norm == "full":  # Olmo2Attention: q_norm(q_proj(x)) before the reshape
                q = self.norm(q, L["q_norm"], self.eps)
                k = self.norm(k, L["k_norm"], self.eps)
            q = q.reshape(T, H, hd)
            k = k.reshape(T, KV, hd)
            if self.qk_norm == "head":  # Gemma3Attention: q_norm / k_norm over head_dim
                q = self.norm(q, L["q_norm"], self.eps)
                k = self.norm(k, L["k_norm"], self.eps)
            q = self._rotate(q, pos, rope, lengths)
            k = self._rotate(k, pos, rope, lengths)
            o, att = causal_attention(q, k, v, scale=self.attn_scale, window=window,
                                      softcap=self.attn_softcap)
            atts.append(att)
            o = _lin(o, L["wo"], L.get("bo"))
            if "post_attn_norm" in L:
                o = self.norm(o, L["post_attn_norm"], self.eps)
            h = res + o
            res = h
            x = self.norm(h, L["ffn_norm"], self.eps) if "ffn_norm" in L else h
            m = _lin(self.act(_lin(x, L["w_gate"])) * _lin(x, L["w_up"]), L["w_down"])
            if "post_ffn_norm" in L:
                m = self.norm(m, L["post_ffn_norm"], self.eps)
            h = res + m
            norms.append(np.linalg.norm(h, axis=-1))
        x = self.norm(h, self.final_norm, self.eps)
        logits = x @ self.lm_head.T
        if self.final_softcap is not None:  # Gemma2ForCausalLM: cap * tanh(logits / cap)
            logits = np.tanh(logits / self.final_softcap) * self.final_softcap
        return {"logits": logits, "attention": np.stack(atts), "hidden_norms": np.stack(norms)}


def _rope_config(theta: float, scaling, max_pos: int, extra: Optional[dict] = None) -> dict:
    c = {"rope_theta": theta, "rope_scaling": scaling, "max_position_embeddings": max_pos}
    c.update(extra or {})
    return c


def _lm_head(config: dict, t: dict, embed: np.ndarray, tie_default: bool) -> np.ndarray:
    tie = bool(config.get("tie_word_embeddings", tie_default))
    if tie:
        return embed
    if "lm_head.weight" not in t:
        raise ValueError("lm_head.weight missing and tie_word_embeddings is false")
    return t["lm_head.weight"]


def gemma_from_hf(config: dict, tensors: Dict[str, np.ndarray]) -> RopeDecoder:
    """gemma, gemma2 and gemma3_text."""
    t = {k: v.astype(np.float64) for k, v in tensors.items()}
    mt = config["model_type"]
    d = int(config["hidden_size"])
    H = int(config["num_attention_heads"])
    KV = int(config.get("num_key_value_heads") or H)
    hd = int(config.get("head_dim") or 256)  # Gemma*Config.head_dim defaults to 256
    n = int(config["num_hidden_layers"])
    max_pos = int(config.get("max_position_embeddings", 8192))
    if mt == "gemma":
        # GemmaMLP (transformers 4.38.2-4.5x): hidden_activation, gelu_pytorch_tanh when unset;
        # the legacy hidden_act is ignored (early configs say "gelu" but mean the tanh form).
        act = config.get("hidden_activation") or "gelu_pytorch_tanh"
    else:
        act = config.get("hidden_activation", "gelu_pytorch_tanh")
    ropes, windows = [], [None] * n
    attn_scale = hd ** -0.5  # GemmaAttention.scaling
    attn_cap = final_cap = None
    if mt == "gemma":
        r = rm.RopeScaling(_rope_config(config.get("rope_theta", 10000.0),
                                        config.get("rope_scaling"), max_pos), hd)
        ropes = [r] * n
    else:
        # Gemma2Attention / Gemma3Attention: scaling = query_pre_attn_scalar ** -0.5
        attn_scale = float(config.get("query_pre_attn_scalar", 256)) ** -0.5
        if mt == "gemma2":
            attn_cap = config.get("attn_logit_softcapping", 50.0)
            final_cap = config.get("final_logit_softcapping", 30.0)
            window = config.get("sliding_window", 4096)
            # Gemma2Config.__post_init__: "sliding_attention" if (i + 1) % 2 else "full_attention"
            types = config.get("layer_types") or [
                "sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(n)]
            r = rm.RopeScaling(_rope_config(config.get("rope_theta", 10000.0),
                                            config.get("rope_scaling"), max_pos), hd)
            ropes = [r] * n
        else:  # gemma3_text
            attn_cap = config.get("attn_logit_softcapping")
            final_cap = config.get("final_logit_softcapping")
            window = config.get("sliding_window", 4096)
            # Gemma3TextConfig: layer_types, else "sliding_attention" if
            # (i + 1) % sliding_window_pattern (default 6) else "full_attention".
            pattern = int(config.get("sliding_window_pattern", 6))
            types = config.get("layer_types") or [
                "sliding_attention" if (i + 1) % pattern else "full_attention" for i in range(n)]
            ropes = [_gemma3_rope(config, ty, hd, max_pos) for ty in types]
        windows = layer_windows_from_types(types, window, n)
    layers = []
    for i in range(n):
        p = f"model.layers.{i}."
        L = {
            "attn_norm": t[p + "input_layernorm.weight"],
            "wq": t[p + "self_attn.q_proj.weight"],
            "wk": t[p + "self_attn.k_proj.weight"],
            "wv": t[p + "self_attn.v_proj.weight"],
            "wo": t[p + "self_attn.o_proj.weight"],
            "w_gate": t[p + "mlp.gate_proj.weight"],
            "w_up": t[p + "mlp.up_proj.weight"],
            "w_down": t[p + "mlp.down_proj.weight"],
        }
        for key, name in (("bq", "q_proj"), ("bk", "k_proj"), ("bv", "v_proj"), ("bo", "o_proj")):
            if p + f"self_attn.{name}.bias" in t:  # attention_bias
                L[key] = t[p + f"self_attn.{name}.bias"]
        if mt == "gemma":  # GemmaDecoderLayer: pre-norms only
            L["ffn_norm"] = t[p + "post_attention_layernorm.weight"]
        else:  # Gemma2DecoderLayer / Gemma3DecoderLayer: four norms
            L["post_attn_norm"] = t[p + "post_attention_layernorm.weight"]
            L["ffn_norm"] = t[p + "pre_feedforward_layernorm.weight"]
            L["post_ffn_norm"] = t[p + "post_feedforward_layernorm.weight"]
        if mt == "gemma3_text":
            L["q_norm"] = t[p + "self_attn.q_norm.weight"]
            L["k_norm"] = t[p + "self_attn.k_norm.weight"]
        layers.append(L)
    embed = t["model.embed_tokens.weight"]
    return RopeDecoder(embed=embed, layers=layers, final_norm=t["model.norm.weight"],
                       lm_head=_lm_head(config, t, embed, True), n_heads=H, n_kv_heads=KV,
                       head_dim=hd, eps=config.get("rms_norm_eps", 1e-6), norm="gemma", act=act,
                       ropes=ropes, windows=windows, max_positions=max_pos,
                       embed_scale=math.sqrt(d), attn_scale=attn_scale, attn_softcap=attn_cap,
                       final_softcap=final_cap,
                       qk_norm="head" if mt == "gemma3_text" else None)


def _gemma3_rope(config: dict, layer_type: str, hd: int, max_pos: int) -> rm.RopeScaling:
    """Gemma3RotaryEmbedding of one layer type.

    transformers v5 (Gemma3TextConfig.convert_rope_params_to_dict): rope_parameters keyed by
    layer type; from the older flat fields, "full_attention" gets rope_scaling with rope_theta
    (default 1e6) and "sliding_attention" plain RoPE with rope_local_base_freq (default 1e4).
    transformers 4.50 did the same: rotary_emb (rope_theta + rope_scaling) for global layers,
    rotary_emb_local (rope_local_base_freq, rope_type default) for sliding ones.
    """
    rp = config.get("rope_parameters")
    if isinstance(rp, dict) and rp and set(rp) <= {"sliding_attention", "full_attention"}:
        params = dict(rp[layer_type])
        theta = params.pop("rope_theta", 1e6 if layer_type == "full_attention" else 1e4)
        return rm.RopeScaling(_rope_config(theta, params or None, max_pos), hd)
    if layer_type == "full_attention":
        return rm.RopeScaling(_rope_config(config.get("rope_theta", 1e6),
                                           config.get("rope_scaling"), max_pos), hd)
    return rm.RopeScaling(_rope_config(config.get("rope_local_base_freq", 1e4), None, max_pos), hd)


def phi3_from_hf(config: dict, tensors: Dict[str, np.ndarray]) -> RopeDecoder:
    t = {k: v.astype(np.float64) for k, v in tensors.items()}
    d = int(config["hidden_size"])
    H = int(config["num_attention_heads"])
    KV = int(config.get("num_key_value_heads") or H)
    hd = int(config.get("head_dim") or d // H)  # Phi3Attention.head_dim
    n = int(config["num_hidden_layers"])
    ff = int(config["intermediate_size"])
    # Phi3RotaryEmbedding with partial_rotary_factor (first int(hd * factor) dims rotate) and the
    # config's rope_scaling (longrope for the 128k models; original_max_position_embeddings is a
    # top-level Phi-3 field and wins, as standardize_rope_params gives it priority).
    rope = rm.RopeScaling(config, hd)
    # Phi3Model: create_sliding_window_causal_mask on every layer when sliding_window is set;
    # Phi3Config.sliding_window defaults to None.
    w = config.get("sliding_window")
    layers = []
    for i in range(n):
        p = f"model.layers.{i}."
        qkv = t[p + "self_attn.qkv_proj.weight"]
        gate_up = t[p + "mlp.gate_up_proj.weight"]
        layers.append({
            "attn_norm": t[p + "input_layernorm.weight"],
            # Phi3Attention.forward: rows [q (H*hd) | k (KV*hd) | v (KV*hd)]
            "wq": qkv[: H * hd], "wk": qkv[H * hd: (H + KV) * hd], "wv": qkv[(H + KV) * hd:],
            "wo": t[p + "self_attn.o_proj.weight"],
            "ffn_norm": t[p + "post_attention_layernorm.weight"],
            # Phi3MLP: gate, up = gate_up_proj(x).chunk(2); down(up * act(gate))
            "w_gate": gate_up[:ff], "w_up": gate_up[ff:],
            "w_down": t[p + "mlp.down_proj.weight"],
        })
    embed = t["model.embed_tokens.weight"]
    return RopeDecoder(embed=embed, layers=layers, final_norm=t["model.norm.weight"],
                       lm_head=_lm_head(config, t, embed, False), n_heads=H, n_kv_heads=KV,
                       head_dim=hd, eps=config.get("rms_norm_eps", 1e-5), norm="rms",
                       act=config.get("hidden_act", "silu"), ropes=[rope] * n,
                       windows=[None if w is None else int(w)] * n,
                       max_positions=config.get("max_position_embeddings", 4096),
                       generation="full" if rope.type == "longrope" else "cached")


def olmo2_from_hf(config: dict, tensors: Dict[str, np.ndarray]) -> RopeDecoder:
    t = {k: v.astype(np.float64) for k, v in tensors.items()}
    d = int(config["hidden_size"])
    H = int(config["num_attention_heads"])
    KV = int(config.get("num_key_value_heads") or H)
    hd = int(config.get("head_dim") or d // H)
    n = int(config["num_hidden_layers"])
    rope = rm.RopeScaling(config, hd)
    layers = []
    for i in range(n):
        p = f"model.layers.{i}."
        L = {
            # Olmo2DecoderLayer: no input norm; post_attention_layernorm on the attention output
            # and post_feedforward_layernorm on the MLP output, each before its residual add.
            "wq": t[p + "self_attn.q_proj.weight"],
            "wk": t[p + "self_attn.k_proj.weight"],
            "wv": t[p + "self_attn.v_proj.weight"],
            "wo": t[p + "self_attn.o_proj.weight"],
            "q_norm": t[p + "self_attn.q_norm.weight"],  # [H * hd]
            "k_norm": t[p + "self_attn.k_norm.weight"],  # [KV * hd]
            "post_attn_norm": t[p + "post_attention_layernorm.weight"],
            "post_ffn_norm": t[p + "post_feedforward_layernorm.weight"],
            "w_gate": t[p + "mlp.gate_proj.weight"],
            "w_up": t[p + "mlp.up_proj.weight"],
            "w_down": t[p + "mlp.down_proj.weight"],
        }
        for key, name in (("bq", "q_proj"), ("bk", "k_proj"), ("bv", "v_proj"), ("bo", "o_proj")):
            if p + f"self_attn.{name}.bias" in t:
                L[key] = t[p + f"self_attn.{name}.bias"]
        layers.append(L)
    embed = t["model.embed_tokens.weight"]
    return RopeDecoder(embed=embed, layers=layers, final_norm=t["model.norm.weight"],
                       lm_head=_lm_head(config, t, embed, False), n_heads=H, n_kv_heads=KV,
                       head_dim=hd, eps=config.get("rms_norm_eps", 1e-5), norm="rms",
                       act=config.get("hidden_act", "silu"), ropes=[rope] * n, windows=[None] * n,
                       max_positions=config.get("max_position_embeddings", 2048), qk_norm="full")


# ----------------------------------------------------------------------------------------------
# GPT-NeoX (Pythia)
# ----------------------------------------------------------------------------------------------

class GPTNeoX(rm._Model):
    learned_positions = False

    def __init__(self, config: dict, tensors: Dict[str, np.ndarray]):
        t = {k: v.astype(np.float64) for k, v in tensors.items()}
        self.t = t
        self.d = int(config["hidden_size"])
        self.n_heads = int(config["num_attention_heads"])
        self.n_layers = int(config["num_hidden_layers"])
        self.vocab_size = int(config["vocab_size"])
        self.max_positions = int(config.get("max_position_embeddings", 2048))
        self.eps = float(config.get("layer_norm_eps", 1e-5))
        self.parallel = bool(config.get("use_parallel_residual", True))
        self.act = _activation(config.get("hidden_act", "gelu"))
        hd = self.d // self.n_heads
        self.head_dim = hd
        # GPTNeoXAttention: rotary_ndims = int(head_size * rotary_pct), base rotary_emb_base
        # (transformers v5 reads them as partial_rotary_factor / rope_theta).
        rc = dict(config)
        rc.setdefault("partial_rotary_factor", config.get("rotary_pct", 0.25))
        rc.setdefault("rope_theta", config.get("rotary_emb_base", 10000))
        self.scaling = rm.RopeScaling(rc, hd)
        self.embed = t["gpt_neox.embed_in.weight"]
        tie = bool(config.get("tie_word_embeddings", False))
        self.lm_head = self.embed if tie else t["embed_out.weight"]

    def step_logits(self, prompt, generated):
        n = len(prompt)
        lengths = [n] * n + [n + i + 1 for i in range(len(generated))]
        return self.forward(list(prompt) + list(generated), rope_lengths=lengths)["logits"][-1]

    def forward(self, ids, rope_lengths=None):
        a = self._check_ids(ids)
        T = a.size
        t, H, hd = self.t, self.n_heads, self.head_dim
        pos = np.arange(T)
        lengths = [T] * T if rope_lengths is None else list(rope_lengths)
        inv = np.stack([self.scaling.inv_freq(int(n)) for n in lengths])
        h = self.embed[a].copy()
        norms = [np.linalg.norm(h, axis=-1)]
        atts = []
        for i in range(self.n_layers):
            p = f"gpt_neox.layers.{i}."
            x = layer_norm(h, t[p + "input_layernorm.weight"], t[p + "input_layernorm.bias"],
                           self.eps)
            qkv = _lin(x, t[p + "attention.query_key_value.weight"],
                       t.get(p + "attention.query_key_value.bias"))
            # GPTNeoXAttention: view(..., H, 3 * hd) then split: rows are per head [q | k | v].
            qkv = qkv.reshape(T, H, 3 * hd)
            q, k, v = qkv[..., :hd], qkv[..., hd:2 * hd], qkv[..., 2 * hd:]
            q = rope_half(q, pos, inv, self.scaling.attention_scaling)
            k = rope_half(k, pos, inv, self.scaling.attention_scaling)
            o, att = causal_attention(q, k, v)  # scaling = head_size ** -0.5
            atts.append(att)
            attn = _lin(o, t[p + "attention.dense.weight"], t.get(p + "attention.dense.bias"))

            def mlp(y):
                y = layer_norm(y, t[p + "post_attention_layernorm.weight"],
                               t[p + "post_attention_layernorm.bias"], self.eps)
                y = self.act(_lin(y, t[p + "mlp.dense_h_to_4h.weight"],
                                  t[p + "mlp.dense_h_to_4h.bias"]))
                return _lin(y, t[p + "mlp.dense_4h_to_h.weight"], t[p + "mlp.dense_4h_to_h.bias"])

            if self.parallel:  # GPTNeoXLayer: x + attn(ln1(x)) + mlp(ln2(x))
                h = h + attn + mlp(h)
            else:  # sequential: y = x + attn(ln1(x)); y + mlp(ln2(y))
                h = h + attn
                h = h + mlp(h)
            norms.append(np.linalg.norm(h, axis=-1))
        x = layer_norm(h, t["gpt_neox.final_layer_norm.weight"], t["gpt_neox.final_layer_norm.bias"],
                       self.eps)
        return {"logits": x @ self.lm_head.T, "attention": np.stack(atts),
                "hidden_norms": np.stack(norms)}


# ----------------------------------------------------------------------------------------------
# OPT
# ----------------------------------------------------------------------------------------------

class OPT(rm._Model):
    learned_positions = True
    POSITION_OFFSET = 2  # OPTLearnedPositionalEmbedding.offset

    def __init__(self, config: dict, tensors: Dict[str, np.ndarray]):
        t = {k: v.astype(np.float64) for k, v in tensors.items()}
        self.t = t
        self.d = int(config["hidden_size"])
        self.n_heads = int(config["num_attention_heads"])
        self.n_layers = int(config["num_hidden_layers"])
        self.vocab_size = int(config["vocab_size"])
        self.max_positions = int(config.get("max_position_embeddings", 2048))
        self.pre_ln = bool(config.get("do_layer_norm_before", True))
        self.act = _activation(config.get("activation_function", "relu"))
        self.eps = 1e-5  # nn.LayerNorm default; OPT has no epsilon setting
        pre = "model.decoder."
        self.embed = t[pre + "embed_tokens.weight"]  # [V, word_embed_proj_dim]
        self.positions = t[pre + "embed_positions.weight"]  # [max_pos + 2, hidden]
        self.project_in = t.get(pre + "project_in.weight")
        self.project_out = t.get(pre + "project_out.weight")
        # OPTDecoder: final_layer_norm only with do_layer_norm_before and not
        # _remove_final_layer_norm; project_in / project_out when word_embed_proj_dim differs.
        self.final_ln = (self.pre_ln and not config.get("_remove_final_layer_norm", False))
        wep = int(config.get("word_embed_proj_dim") or self.d)
        if (wep != self.d) != (self.project_in is not None):
            raise ValueError("project_in presence does not match word_embed_proj_dim")
        tie = bool(config.get("tie_word_embeddings", True))
        self.lm_head = self.embed if tie else t["lm_head.weight"]

    def forward(self, ids, rope_lengths=None):
        a = self._check_ids(ids)
        T = a.size
        t, H = self.t, self.n_heads
        hd = self.d // H
        pre = "model.decoder."
        x = self.embed[a]
        if self.project_in is not None:
            x = x @ self.project_in.T
        # OPTLearnedPositionalEmbedding: position_ids = cumsum(attention_mask) - 1, + offset 2.
        h = x + self.positions[np.arange(T) + self.POSITION_OFFSET]
        norms = [np.linalg.norm(h, axis=-1)]
        atts = []

        def ln(y, name):
            return layer_norm(y, t[name + ".weight"], t[name + ".bias"], self.eps)

        for i in range(self.n_layers):
            p = f"{pre}layers.{i}."
            res = h
            y = ln(h, p + "self_attn_layer_norm") if self.pre_ln else h
            q = _lin(y, t[p + "self_attn.q_proj.weight"], t.get(p + "self_attn.q_proj.bias"))
            k = _lin(y, t[p + "self_attn.k_proj.weight"], t.get(p + "self_attn.k_proj.bias"))
            v = _lin(y, t[p + "self_attn.v_proj.weight"], t.get(p + "self_attn.v_proj.bias"))
            o, att = causal_attention(q.reshape(T, H, hd), k.reshape(T, H, hd),
                                      v.reshape(T, H, hd))  # OPTAttention.scaling hd ** -0.5
            atts.append(att)
            h = res + _lin(o, t[p + "self_attn.out_proj.weight"],
                           t.get(p + "self_attn.out_proj.bias"))
            if not self.pre_ln:  # OPTDecoderLayer (350m): layer norm after the residual add
                h = ln(h, p + "self_attn_layer_norm")
            res = h
            y = ln(h, p + "final_layer_norm") if self.pre_ln else h
            y = self.act(_lin(y, t[p + "fc1.weight"], t.get(p + "fc1.bias")))
            h = res + _lin(y, t[p + "fc2.weight"], t.get(p + "fc2.bias"))
            if not self.pre_ln:
                h = ln(h, p + "final_layer_norm")
            norms.append(np.linalg.norm(h, axis=-1))
        if self.final_ln:
            h = ln(h, pre + "final_layer_norm")
        if self.project_out is not None:
            h = h @ self.project_out.T
        return {"logits": h @ self.lm_head.T, "attention": np.stack(atts),
                "hidden_norms": np.stack(norms)}


FAMILIES = {
    "gemma": gemma_from_hf,
    "gemma2": gemma_from_hf,
    "gemma3_text": gemma_from_hf,
    "phi3": phi3_from_hf,
    "olmo2": olmo2_from_hf,
    "gpt_neox": GPTNeoX,
    "opt": OPT,
}


def from_hf(config: dict, tensors: Dict[str, np.ndarray]) -> rm._Model:
    mt = config.get("model_type")
    if mt not in FAMILIES:
        raise ValueError(f"unsupported model_type {mt!r}")
    return FAMILIES[mt](config, tensors)
