"""Plain NumPy (float64) reference forward passes for the model families SinkScope reads.

This module is deliberately simple and independent of the C++ engine: no KV cache, no fused
kernels, everything recomputed in float64 from the stored weights. Its outputs are the golden
values the C++ tests compare against.

Supported:
  * GPT-2 (HF layout): learned positions, LayerNorm, GELU ("gelu_new" = tanh approximation,
    "gelu" = erf), Conv1D weights [in, out] (y = x @ W + b), fused c_attn, tied lm head = wte.
  * Llama family (HF layout: llama, qwen2, mistral, qwen3): RMSNorm, RoPE in rotate-half layout
    (pairs (i, i + hd/2)), grouped-query attention, SwiGLU MLP, optional q/k/v(/o) biases, lm_head
    or tied embed_tokens. Linear weights [out, in] (y = x @ W.T + b).
    RoPE scaling from rope_scaling / rope_parameters as HF transformers' modeling_rope_utils.py
    computes it: linear, dynamic (NTK, base grown with the sequence length), yarn (frequency
    ramp and an attention factor on cos/sin) and llama3 (frequency bands).
    Qwen3: q_norm / k_norm (RMSNorm over head_dim of each head, before RoPE), explicit head_dim.
  * llama2.c legacy checkpoints: same architecture, but RoPE rotates interleaved pairs
    (2i, 2i + 1) with theta 10000; RMSNorm eps 1e-5.

Every model exposes
  forward(ids) -> dict(logits [T, V], attention [L, H, T, T], hidden_norms [L + 1, T])
  step_logits(prompt, generated) -> next-token logits as HF's cached generation computes them
  greedy(ids, n) -> list of n generated ids (argmax, ties -> lowest id; full recompute per step)
Full recomputation equals cached generation except for dynamic NTK RoPE, whose frequencies depend
on the length of the pass: HF's cached generation rotates the prompt with the prompt's length and
each new token (query and key) with its own position + 1, and step_logits reproduces that.
where attention is post-softmax, causal, scaled by 1/sqrt(head_dim), one map per query head,
and hidden_norms[l, t] is the L2 norm of the residual stream entering layer l (l = 0 is the
embedding output), with hidden_norms[L] the output of the last layer before the final norm.
"""

from __future__ import annotations

import json
import math
import struct
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from safetensors_io import load_model_dir  # noqa: E402


# ----------------------------------------------------------------------------------------------
# Building blocks (float64 throughout)
# ----------------------------------------------------------------------------------------------

def _erf(x: np.ndarray) -> np.ndarray:
    v = np.vectorize(math.erf, otypes=[np.float64])
    return v(x)


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_erf(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


_ACTIVATIONS = {
    "gelu_new": gelu_tanh,
    "gelu_pytorch_tanh": gelu_tanh,
    "gelu_fast": gelu_tanh,
    "gelu": gelu_erf,
    "silu": silu,
    "swish": silu,
}


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def rms_norm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x * w / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


def attention_mask(T: int, window: Optional[int] = None) -> np.ndarray:
    """Boolean [T, T] mask, True where query i may NOT read key j.

    masking_utils.causal_mask_function: j <= i. With a sliding window W,
    masking_utils.sliding_window_overlay adds j > i - W (the query itself and the W - 1 keys
    before it stay visible).
    """
    i = np.arange(T)[:, None]
    j = np.arange(T)[None, :]
    visible = j <= i
    if window is not None:
        visible &= j > i - int(window)
    return ~visible


def causal_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, *, scale: Optional[float] = None,
                     window: Optional[int] = None, softcap: Optional[float] = None,
                     probs_hook: Optional[Callable[[np.ndarray], np.ndarray]] = None):
    """q: [T, H, hd]; k, v: [T, KV, hd] with H % KV == 0. Returns (out [T, H*hd], att [H, T, T]).

    Query head h reads kv head h // (H / KV) (repeat_kv). scale defaults to 1/sqrt(hd); window
    is a sliding window (see attention_mask); softcap caps the scaled scores with
    softcap * tanh(s / softcap) before the mask, as Gemma 2's eager_attention_forward does.
    probs_hook, when given, receives the post-softmax maps [H, T, T] and returns the maps the
    heads then read their values with (and that att reports): an intervention on the weights
    (reference_var.py's VAR). Without it nothing changes.
    """
    T, H, hd = q.shape
    kv = k.shape[1]
    group = H // kv
    if scale is None:
        scale = 1.0 / math.sqrt(hd)
    mask = attention_mask(T, window)
    att = np.empty((H, T, T))
    out = np.empty((T, H, v.shape[-1]))
    for h in range(H):
        g = h // group
        s = (q[:, h, :] @ k[:, g, :].T) * scale
        if softcap is not None:
            s = np.tanh(s / softcap) * softcap
        s = np.where(mask, -np.inf, s)
        p = softmax(s, axis=-1)
        att[h] = p
        if probs_hook is None:
            out[:, h, :] = p @ v[:, g, :]
    if probs_hook is not None:
        att = np.asarray(probs_hook(att.copy()), dtype=np.float64)
        if att.shape != (H, T, T):
            raise ValueError(f"probs_hook returned shape {att.shape}, not {(H, T, T)}")
        for h in range(H):
            out[:, h, :] = att[h] @ v[:, h // group, :]
    return out.reshape(T, H * v.shape[-1]), att


def rope_inv_freq(head_dim: int, theta: float) -> np.ndarray:
    # theta^(-2i/hd), i = 0 .. hd/2 - 1 (HF: _compute_default_rope_parameters)
    return 1.0 / (theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim))


def rope_half(x: np.ndarray, positions: np.ndarray, inv_freq: np.ndarray,
              scale: float = 1.0) -> np.ndarray:
    """HF rotate-half RoPE: rotates pairs (i, i + rot/2) with rot = 2 * len(inv_freq) <= hd.
    x: [T, heads, hd].

    inv_freq: [rot/2], or [T, hd/2] when each position has its own frequencies (dynamic NTK in a
    cached generation). scale multiplies cos and sin (HF's attention_scaling, yarn only).
    """
    inv = inv_freq if inv_freq.ndim == 2 else inv_freq[None, :]
    # Partial rotary (apply_rotary_pos_emb of GPT-NeoX / Phi-3): only the first rotary_dim =
    # 2 * len(inv_freq) dimensions of each head rotate, half-split within them; the rest pass.
    rot = 2 * inv.shape[-1]
    xr, xp = x[..., :rot], x[..., rot:]
    ang = positions[:, None].astype(np.float64) * inv  # [T, rot/2]
    cos = (np.cos(ang) * scale)[:, None, :]
    sin = (np.sin(ang) * scale)[:, None, :]
    x1 = xr[..., : rot // 2]
    x2 = xr[..., rot // 2:]
    return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin, xp], axis=-1)


class RopeScaling:
    """RoPE frequencies of an HF Llama-family config, written from transformers'
    modeling_rope_utils.py (v5): the config is standardised as standardize_rope_params does, and
    inv_freq(seq_len) follows the _compute_*_parameters function of the rope type."""

    TYPES = ("default", "linear", "dynamic", "yarn", "llama3", "longrope")

    def __init__(self, config: dict, head_dim: int):
        # convert_rope_params_to_dict: rope_scaling wins over rope_parameters.
        p = dict(config.get("rope_scaling") or config.get("rope_parameters") or {})
        if set(p) == {"full_attention"}:
            p = dict(p["full_attention"])
        # standardize_rope_params: "type" is the old name of "rope_type"; rope_theta in the dict
        # wins over the top-level one.
        self.type = p.get("rope_type", p.get("type", "default"))
        if self.type not in self.TYPES:
            raise ValueError(f"rope type {self.type!r} is not supported")
        self.theta = float(p.get("rope_theta", config.get("rope_theta", 10000.0)))
        # Every _compute_*_parameters: dim = int(head_dim * partial_rotary_factor), the number of
        # rotated dimensions of each head (standardize_rope_params: the top-level factor wins).
        partial = config.get("partial_rotary_factor")
        if partial is None:
            partial = p.get("partial_rotary_factor", 1.0)
        self.partial_rotary_factor = float(partial)
        self.dim = int(int(head_dim) * self.partial_rotary_factor)
        if self.dim < 2 or self.dim % 2:
            raise ValueError(f"rotary dimension {self.dim} must be even and at least 2")
        self.max_pos = int(config.get("max_position_embeddings", 2048))
        if "original_max_position_embeddings" in config:
            self.original = int(config["original_max_position_embeddings"])
        else:
            self.original = int(p.get("original_max_position_embeddings") or self.max_pos)
        self.p = p
        self.attention_scaling = 1.0
        if self.type == "yarn":
            self._init_yarn()
        if self.type == "longrope":
            self._init_longrope()

    def _default(self, base: float) -> np.ndarray:
        return 1.0 / (base ** (np.arange(0, self.dim, 2, dtype=np.float64) / self.dim))

    def _init_yarn(self) -> None:
        # _compute_yarn_parameters: factor None -> max_position_embeddings / original; the
        # attention factor from attention_factor, else mscale / mscale_all_dim (both truthy),
        # else get_mscale(factor); beta_fast / beta_slow default through `or`.
        p = self.p
        factor = p["factor"]
        if factor is None:
            factor = self.max_pos / self.original
        self.factor = float(factor)

        def get_mscale(scale, mscale=1.0):
            return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0

        af = p.get("attention_factor")
        mscale, mscale_all_dim = p.get("mscale"), p.get("mscale_all_dim")
        if af is None:
            if mscale and mscale_all_dim:
                af = get_mscale(self.factor, mscale) / get_mscale(self.factor, mscale_all_dim)
            else:
                af = get_mscale(self.factor)
        self.attention_scaling = float(af)
        self.beta_fast = p.get("beta_fast") or 32
        self.beta_slow = p.get("beta_slow") or 1
        self.truncate = p.get("truncate", True)

    def _init_longrope(self) -> None:
        # _compute_longrope_parameters (v5): factor from rope_parameters, else
        # max_position_embeddings / original (transformers v4 always used that ratio when the
        # config had original_max_position_embeddings); attention factor from attention_factor,
        # else 1 for factor <= 1, else sqrt(1 + ln(factor) / ln(original)).
        p = self.p
        self.short_factor = np.asarray(p["short_factor"], dtype=np.float64)
        self.long_factor = np.asarray(p["long_factor"], dtype=np.float64)
        for name, f in (("short_factor", self.short_factor), ("long_factor", self.long_factor)):
            if f.shape != (self.dim // 2,):
                raise ValueError(f"longrope {name} needs {self.dim // 2} values, got {f.size}")
        factor = p.get("factor")
        if factor is None:
            factor = self.max_pos / self.original
        self.factor = float(factor)
        af = p.get("attention_factor")
        if af is None:
            af = 1.0 if self.factor <= 1.0 else math.sqrt(
                1 + math.log(self.factor) / math.log(self.original))
        self.attention_scaling = float(af)

    def inv_freq(self, seq_len: int) -> np.ndarray:
        t, p, dim = self.type, self.p, self.dim
        if t == "default":
            return self._default(self.theta)
        if t == "longrope":
            # dynamic_rope_update / longrope_frequency_update: a pass whose length
            # (max position + 1) exceeds original_max_position_embeddings uses long_factor, any
            # shorter pass short_factor; inv_freq = 1 / (ext * base^(2i/dim)).
            ext = self.long_factor if seq_len > self.original else self.short_factor
            return 1.0 / (ext * self.theta ** (np.arange(0, dim, 2, dtype=np.float64) / dim))
        if t == "linear":  # _compute_linear_scaling_rope_parameters
            return self._default(self.theta) / float(p["factor"])
        if t == "dynamic":  # _compute_dynamic_ntk_parameters (max_position_embeddings, not original)
            factor = float(p["factor"])
            n = max(seq_len, self.max_pos)
            base = self.theta * ((factor * n / self.max_pos) - (factor - 1)) ** (dim / (dim - 2))
            return self._default(base)
        if t == "llama3":  # _compute_llama3_parameters
            inv = self._default(self.theta)
            factor = float(p["factor"])
            low, high = float(p["low_freq_factor"]), float(p["high_freq_factor"])
            old = float(self.original)
            low_wavelen, high_wavelen = old / low, old / high
            wavelen = 2 * math.pi / inv
            llama = np.where(wavelen > low_wavelen, inv / factor, inv)
            smooth = (old / wavelen - low) / (high - low)
            smoothed = (1 - smooth) * llama / factor + smooth * llama
            medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
            return np.where(medium, smoothed, llama)
        # yarn: _compute_yarn_parameters
        base = self.theta

        def correction_dim(rot):
            return (dim * math.log(self.original / (rot * 2 * math.pi))) / (2 * math.log(base))

        lo, hi = correction_dim(self.beta_fast), correction_dim(self.beta_slow)
        if self.truncate:
            lo, hi = math.floor(lo), math.ceil(hi)
        lo, hi = max(lo, 0), min(hi, dim - 1)
        if lo == hi:
            hi += 0.001
        ramp = np.clip((np.arange(dim // 2, dtype=np.float64) - lo) / (hi - lo), 0, 1)
        pos_freqs = base ** (np.arange(0, dim, 2, dtype=np.float64) / dim)
        extrapolation, interpolation = 1.0 / pos_freqs, 1.0 / (self.factor * pos_freqs)
        extrapolation_factor = 1 - ramp
        return interpolation * (1 - extrapolation_factor) + extrapolation * extrapolation_factor


def rope_interleaved(x: np.ndarray, positions: np.ndarray, theta: float) -> np.ndarray:
    """llama2.c / Meta RoPE: rotates interleaved pairs (2i, 2i + 1). x: [T, heads, hd]."""
    hd = x.shape[-1]
    ang = positions[:, None].astype(np.float64) * rope_inv_freq(hd, theta)[None, :]
    cos = np.cos(ang)[:, None, :]
    sin = np.sin(ang)[:, None, :]
    x0 = x[..., 0::2]
    x1 = x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x0 * cos - x1 * sin
    out[..., 1::2] = x0 * sin + x1 * cos
    return out


def argmax_lowest(v: np.ndarray) -> int:
    """Index of the maximum; ties resolve to the lowest index (np.argmax already does this)."""
    return int(np.argmax(v))


class _Model:
    n_layers: int
    n_heads: int
    vocab_size: int
    max_positions: int

    def forward(self, ids: Sequence[int]) -> Dict[str, np.ndarray]:
        raise NotImplementedError

    learned_positions = True  # RoPE models have no hard limit (HF and the engine run past it)

    def step_logits(self, prompt: Sequence[int], generated: Sequence[int]) -> np.ndarray:
        return self.forward(list(prompt) + list(generated))["logits"][-1]

    def greedy(self, ids: Sequence[int], n_new: int) -> List[int]:
        prompt = [int(i) for i in ids]
        out: List[int] = []
        for _ in range(n_new):
            if self.learned_positions and len(prompt) + len(out) >= self.max_positions:
                raise ValueError("sequence would exceed the model's positions")
            out.append(argmax_lowest(self.step_logits(prompt, out)))
        return out

    def _check_ids(self, ids: Sequence[int]) -> np.ndarray:
        a = np.asarray(ids, dtype=np.int64)
        if a.ndim != 1 or a.size == 0:
            raise ValueError("ids must be a non-empty 1-D sequence")
        if a.min() < 0 or a.max() >= self.vocab_size:
            raise ValueError("token id out of range")
        if self.learned_positions and a.size > self.max_positions:
            raise ValueError("sequence longer than the model's positions")
        return a


# ----------------------------------------------------------------------------------------------
# GPT-2
# ----------------------------------------------------------------------------------------------

class GPT2(_Model):
    def __init__(self, config: dict, tensors: Dict[str, np.ndarray]):
        t = {k[len("transformer."):] if k.startswith("transformer.") else k: v.astype(np.float64)
             for k, v in tensors.items()}
        self.d = int(config["n_embd"])
        self.n_heads = int(config["n_head"])
        self.n_layers = int(config["n_layer"])
        self.vocab_size = int(config["vocab_size"])
        self.max_positions = int(config.get("n_positions", config.get("n_ctx", 1024)))
        self.eps = float(config.get("layer_norm_epsilon", 1e-5))
        act = config.get("activation_function", "gelu_new")
        if act not in _ACTIVATIONS:
            raise ValueError(f"unsupported activation {act}")
        self.act = _ACTIVATIONS[act]
        if not config.get("scale_attn_weights", True):
            raise ValueError("scale_attn_weights=false is not supported")
        if config.get("scale_attn_by_inverse_layer_idx", False):
            raise ValueError("scale_attn_by_inverse_layer_idx is not supported")
        self.t = t
        self.wte = t["wte.weight"]
        self.wpe = t["wpe.weight"]
        self.lm_head = t.get("lm_head.weight", self.wte)  # tied by default

    def forward(self, ids: Sequence[int]) -> Dict[str, np.ndarray]:
        a = self._check_ids(ids)
        T = a.size
        t = self.t
        H = self.n_heads
        hd = self.d // H
        h = self.wte[a] + self.wpe[np.arange(T)]
        norms = [np.linalg.norm(h, axis=-1)]
        atts = []
        for i in range(self.n_layers):
            p = f"h.{i}."
            x = layer_norm(h, t[p + "ln_1.weight"], t[p + "ln_1.bias"], self.eps)
            qkv = x @ t[p + "attn.c_attn.weight"] + t[p + "attn.c_attn.bias"]
            q, k, v = np.split(qkv, 3, axis=-1)
            o, att = causal_attention(q.reshape(T, H, hd), k.reshape(T, H, hd), v.reshape(T, H, hd))
            atts.append(att)
            h = h + o @ t[p + "attn.c_proj.weight"] + t[p + "attn.c_proj.bias"]
            x = layer_norm(h, t[p + "ln_2.weight"], t[p + "ln_2.bias"], self.eps)
            m = self.act(x @ t[p + "mlp.c_fc.weight"] + t[p + "mlp.c_fc.bias"])
            h = h + m @ t[p + "mlp.c_proj.weight"] + t[p + "mlp.c_proj.bias"]
            norms.append(np.linalg.norm(h, axis=-1))
        x = layer_norm(h, t["ln_f.weight"], t["ln_f.bias"], self.eps)
        logits = x @ self.lm_head.T
        return {"logits": logits, "attention": np.stack(atts), "hidden_norms": np.stack(norms)}


# ----------------------------------------------------------------------------------------------
# Llama family (HF layout) and llama2.c legacy checkpoints
# ----------------------------------------------------------------------------------------------

class LlamaLike(_Model):
    """Shared Llama-architecture forward pass over plain per-layer weight dicts.

    Linear weights are [out, in]; rope is "half" (HF) or "interleaved" (llama2.c).
    layers[i] keys: attn_norm, wq, wk, wv, wo, (bq, bk, bv, bo optional), (q_norm, k_norm
    optional: Qwen3), ffn_norm, w_gate, w_up, w_down (biases b_gate, b_up, b_down optional).
    scaling: a RopeScaling for "half" (None: plain RoPE with theta).
    """

    learned_positions = False

    def __init__(self, *, embed, layers, final_norm, lm_head, n_heads, n_kv_heads, head_dim,
                 eps, theta, rope, max_positions, act="silu", scaling=None, windows=None):
        self.embed = embed
        self.layers = layers
        self.final_norm = final_norm
        self.lm_head = lm_head
        self.n_heads = int(n_heads)
        self.n_kv_heads = int(n_kv_heads)
        self.head_dim = int(head_dim)
        self.eps = float(eps)
        self.theta = float(theta)
        if rope not in ("half", "interleaved"):
            raise ValueError(rope)
        if rope == "interleaved" and scaling is not None:
            raise ValueError("rope scaling is only read from HF configs")
        self.rope_layout = rope
        self.scaling = scaling
        self.n_layers = len(layers)
        # Sliding window of each layer (None = full causal attention).
        self.windows = list(windows) if windows is not None else [None] * self.n_layers
        self.vocab_size = embed.shape[0]
        self.max_positions = int(max_positions)
        if act not in _ACTIVATIONS:
            raise ValueError(f"unsupported activation {act}")
        self.act = _ACTIVATIONS[act]
        if self.n_heads % self.n_kv_heads:
            raise ValueError("n_heads must be a multiple of n_kv_heads")

    @staticmethod
    def _lin(x, w, b=None):
        y = x @ w.T
        return y if b is None else y + b

    def _rotate(self, x: np.ndarray, pos: np.ndarray, rope_lengths: Sequence[int]) -> np.ndarray:
        if self.rope_layout == "interleaved":
            return rope_interleaved(x, pos, self.theta)
        if self.scaling is None:
            return rope_half(x, pos, rope_inv_freq(self.head_dim, self.theta))
        # Each position rotated with the frequencies of the pass that computed it (HF's rotary
        # embedding runs once per forward call with seq_len = max(position_ids) + 1).
        inv = np.stack([self.scaling.inv_freq(int(n)) for n in rope_lengths])
        return rope_half(x, pos, inv, self.scaling.attention_scaling)

    def step_logits(self, prompt: Sequence[int], generated: Sequence[int]) -> np.ndarray:
        # HF's cached generation: one pass over the prompt, then one pass per new token at
        # position p (seq_len p + 1); cached keys keep the rotation they were computed with.
        n = len(prompt)
        lengths = [n] * n + [n + i + 1 for i in range(len(generated))]
        return self.forward(list(prompt) + list(generated), rope_lengths=lengths)["logits"][-1]

    def forward(self, ids: Sequence[int], rope_lengths: Optional[Sequence[int]] = None,
                inputs_embeds: Optional[np.ndarray] = None,
                attn_hook: Optional[Callable[[int, np.ndarray], np.ndarray]] = None,
                return_hidden: bool = False) -> Dict[str, np.ndarray]:
        """inputs_embeds [T, hidden] replaces the embedding lookup of ids (HF's inputs_embeds:
        LlavaModel splices image features into the embedded prompt and passes the result).

        attn_hook(layer, att [H, T, T]) -> att' replaces layer `layer`'s post-softmax maps before
        the heads read their values (causal_attention's probs_hook); "attention" then holds the
        replaced maps. return_hidden adds "hidden_states" [L + 1, T, hidden]: the residual stream
        entering each layer (row 0 = the embeddings, or inputs_embeds) and, last, the output of
        the last layer before the final norm (hidden_norms are their L2 norms). Neither option
        changes any other output when left out."""
        a = self._check_ids(ids)
        T = a.size
        H, KV, hd = self.n_heads, self.n_kv_heads, self.head_dim
        pos = np.arange(T)
        lengths = [T] * T if rope_lengths is None else list(rope_lengths)
        if inputs_embeds is None:
            h = self.embed[a].copy()
        else:
            h = np.array(inputs_embeds, dtype=np.float64)
            if h.shape != (T, self.embed.shape[1]):
                raise ValueError(f"inputs_embeds shape {h.shape} != ({T}, {self.embed.shape[1]})")
        norms = [np.linalg.norm(h, axis=-1)]
        states = [h.copy()] if return_hidden else []
        atts = []
        for li, (L, window) in enumerate(zip(self.layers, self.windows)):
            x = rms_norm(h, L["attn_norm"], self.eps)
            q = self._lin(x, L["wq"], L.get("bq")).reshape(T, H, hd)
            k = self._lin(x, L["wk"], L.get("bk")).reshape(T, KV, hd)
            v = self._lin(x, L["wv"], L.get("bv")).reshape(T, KV, hd)
            if "q_norm" in L:  # Qwen3Attention: q_norm / k_norm over head_dim, before RoPE
                q = rms_norm(q, L["q_norm"], self.eps)
                k = rms_norm(k, L["k_norm"], self.eps)
            q = self._rotate(q, pos, lengths)
            k = self._rotate(k, pos, lengths)
            hook = None if attn_hook is None else (lambda a, li=li: attn_hook(li, a))
            o, att = causal_attention(q, k, v, window=window, probs_hook=hook)
            atts.append(att)
            h = h + self._lin(o, L["wo"], L.get("bo"))
            x = rms_norm(h, L["ffn_norm"], self.eps)
            g = self.act(self._lin(x, L["w_gate"], L.get("b_gate")))
            u = self._lin(x, L["w_up"], L.get("b_up"))
            h = h + self._lin(g * u, L["w_down"], L.get("b_down"))
            norms.append(np.linalg.norm(h, axis=-1))
            if return_hidden:
                states.append(h.copy())
        x = rms_norm(h, self.final_norm, self.eps)
        logits = x @ self.lm_head.T
        out = {"logits": logits, "attention": np.stack(atts), "hidden_norms": np.stack(norms)}
        if return_hidden:
            out["hidden_states"] = np.stack(states)
        return out


def layer_windows(config: dict) -> List[Optional[int]]:
    """Sliding window of each layer (None = full attention) as the HF config classes derive it.

    * mistral: MistralConfig.sliding_window (default 4096 when the key is absent, null = off);
      MistralModel masks every layer with create_sliding_window_causal_mask when it is set.
    * qwen2 / qwen3: Qwen2Config / Qwen3Config.__post_init__: sliding_window (default 4096) is
      kept only when use_sliding_window; layer_types, unless given, is "sliding_attention" for
      layers i >= max_window_layers (default 28) when the window is set, else "full_attention";
      Qwen2Attention / Qwen3Attention use the window on "sliding_attention" layers.
    * llama: no sliding window.
    """
    mt = config.get("model_type")
    n = int(config["num_hidden_layers"])
    if mt == "mistral":
        w = config.get("sliding_window", 4096)
        return [None if w is None else int(w)] * n
    if mt in ("qwen2", "qwen3"):
        w = config.get("sliding_window", 4096) if config.get("use_sliding_window", False) else None
        types = config.get("layer_types")
        if types is None:
            mwl = int(config.get("max_window_layers", 28))
            types = ["sliding_attention" if w is not None and i >= mwl else "full_attention"
                     for i in range(n)]
        return layer_windows_from_types(types, w, n)
    return [None] * n


def layer_windows_from_types(types, window, n: int) -> List[Optional[int]]:
    """Per-layer windows from a config's layer_types list ("sliding_attention" layers get the
    window, "full_attention" layers none)."""
    if len(types) != n:
        raise ValueError(f"layer_types has {len(types)} entries for {n} layers")
    out: List[Optional[int]] = []
    for t in types:
        if t == "full_attention":
            out.append(None)
        elif t == "sliding_attention":
            if window is None:
                raise ValueError("a sliding_attention layer needs sliding_window")
            out.append(int(window))
        else:
            raise ValueError(f"unsupported layer type {t!r}")
    return out


def llama_from_hf(config: dict, tensors: Dict[str, np.ndarray]) -> LlamaLike:
    t = {k: v.astype(np.float64) for k, v in tensors.items()}
    qwen3 = config.get("model_type") == "qwen3"
    d = int(config["hidden_size"])
    H = int(config["num_attention_heads"])
    KV = int(config.get("num_key_value_heads") or H)
    # Qwen3Config's head_dim defaults to 128; Llama's to hidden_size // heads.
    hd = int(config.get("head_dim") or (128 if qwen3 else d // H))
    scaling = RopeScaling(config, hd)
    n_layers = int(config["num_hidden_layers"])
    layers = []
    for i in range(n_layers):
        p = f"model.layers.{i}."
        L = {
            "attn_norm": t[p + "input_layernorm.weight"],
            "wq": t[p + "self_attn.q_proj.weight"],
            "wk": t[p + "self_attn.k_proj.weight"],
            "wv": t[p + "self_attn.v_proj.weight"],
            "wo": t[p + "self_attn.o_proj.weight"],
            "ffn_norm": t[p + "post_attention_layernorm.weight"],
            "w_gate": t[p + "mlp.gate_proj.weight"],
            "w_up": t[p + "mlp.up_proj.weight"],
            "w_down": t[p + "mlp.down_proj.weight"],
        }
        if qwen3:
            L["q_norm"] = t[p + "self_attn.q_norm.weight"]
            L["k_norm"] = t[p + "self_attn.k_norm.weight"]
        for key, name in (("bq", "self_attn.q_proj.bias"), ("bk", "self_attn.k_proj.bias"),
                          ("bv", "self_attn.v_proj.bias"), ("bo", "self_attn.o_proj.bias"),
                          ("b_gate", "mlp.gate_proj.bias"), ("b_up", "mlp.up_proj.bias"),
                          ("b_down", "mlp.down_proj.bias")):
            if p + name in t:
                L[key] = t[p + name]
        layers.append(L)
    embed = t["model.embed_tokens.weight"]
    tie = bool(config.get("tie_word_embeddings", False))
    if tie or "lm_head.weight" not in t:
        if not tie:
            raise ValueError("lm_head.weight missing and tie_word_embeddings is false")
        lm_head = embed
    else:
        lm_head = t["lm_head.weight"]
    return LlamaLike(embed=embed, layers=layers, final_norm=t["model.norm.weight"], lm_head=lm_head,
                     n_heads=H, n_kv_heads=KV, head_dim=hd, eps=config.get("rms_norm_eps", 1e-6),
                     theta=scaling.theta, rope="half",
                     max_positions=config.get("max_position_embeddings", 2048),
                     act=config.get("hidden_act", "silu"), scaling=scaling,
                     windows=layer_windows(config))


def read_llama2c(path) -> dict:
    """Parse a llama2.c legacy checkpoint into a dict of float32 arrays plus the header."""
    raw = Path(path).read_bytes()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack("<7i", raw[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    hd = dim // n_heads
    kv_dim = n_kv * hd
    f = np.frombuffer(raw, dtype="<f4", offset=28)
    off = 0

    def take(*shape):
        nonlocal off
        n = int(np.prod(shape))
        if off + n > f.size:
            raise ValueError("checkpoint truncated")
        a = f[off: off + n].reshape(shape)
        off += n
        return a

    w = {
        "dim": dim, "hidden_dim": hidden, "n_layers": n_layers, "n_heads": n_heads,
        "n_kv_heads": n_kv, "vocab_size": vocab, "seq_len": seq_len, "shared": shared,
        "tok_embeddings": take(vocab, dim),
        "rms_att": take(n_layers, dim),
        "wq": take(n_layers, dim, dim),
        "wk": take(n_layers, kv_dim, dim),
        "wv": take(n_layers, kv_dim, dim),
        "wo": take(n_layers, dim, dim),
        "rms_ffn": take(n_layers, dim),
        "w1": take(n_layers, hidden, dim),
        "w2": take(n_layers, dim, hidden),
        "w3": take(n_layers, hidden, dim),
        "rms_final": take(dim),
    }
    take(seq_len * hd)  # legacy freq_cis_real + freq_cis_imag tables, unused
    w["wcls"] = w["tok_embeddings"] if shared else take(vocab, dim)
    if off != f.size:
        raise ValueError(f"{f.size - off} trailing floats in checkpoint")
    return w


def llama_from_llama2c(path, *, rope_layout: str = "interleaved") -> LlamaLike:
    """Build the reference from a llama2.c checkpoint.

    rope_layout="interleaved" is the checkpoint's native form. rope_layout="half" first permutes
    the wq/wk rows into the HF rotate-half layout and then runs the HF-style rope — used only to
    cross-check that the two rope implementations agree.
    """
    w = read_llama2c(path)
    dim, H, KV = w["dim"], w["n_heads"], w["n_kv_heads"]
    hd = dim // H

    def to_half(m, heads):
        return m.reshape(heads, hd // 2, 2, dim).transpose(0, 2, 1, 3).reshape(heads * hd, dim)

    layers = []
    for i in range(w["n_layers"]):
        wq = w["wq"][i].astype(np.float64)
        wk = w["wk"][i].astype(np.float64)
        if rope_layout == "half":
            wq, wk = to_half(wq, H), to_half(wk, KV)
        layers.append({
            "attn_norm": w["rms_att"][i].astype(np.float64),
            "wq": wq, "wk": wk,
            "wv": w["wv"][i].astype(np.float64),
            "wo": w["wo"][i].astype(np.float64),
            "ffn_norm": w["rms_ffn"][i].astype(np.float64),
            "w_gate": w["w1"][i].astype(np.float64),
            "w_down": w["w2"][i].astype(np.float64),
            "w_up": w["w3"][i].astype(np.float64),
        })
    return LlamaLike(embed=w["tok_embeddings"].astype(np.float64), layers=layers,
                     final_norm=w["rms_final"].astype(np.float64),
                     lm_head=w["wcls"].astype(np.float64), n_heads=H, n_kv_heads=KV, head_dim=hd,
                     eps=1e-5, theta=10000.0, rope=rope_layout, max_positions=w["seq_len"])


# ----------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------

def load_hf(model_dir) -> _Model:
    d = Path(model_dir)
    return from_config(json.loads((d / "config.json").read_text()), load_model_dir(d))


def from_config(config: dict, tensors: Dict[str, np.ndarray]) -> _Model:
    """The reference model of an HF config and its tensors (HF names and layout)."""
    mt = config.get("model_type")
    if mt == "gpt2":
        return GPT2(config, tensors)
    if mt in ("llama", "qwen2", "mistral", "qwen3"):
        return llama_from_hf(config, tensors)
    import reference_families  # the other families; imported here as it imports this module
    return reference_families.from_hf(config, tensors)


def load(path) -> _Model:
    p = Path(path)
    if p.is_dir():
        return load_hf(p)
    if p.suffix == ".bin":
        return llama_from_llama2c(p)
    raise ValueError(f"don't know how to load {p}")


def mean_next_token_entropy(logits: np.ndarray) -> float:
    p = softmax(logits, axis=-1)
    return float(-(p * np.log(np.clip(p, 1e-300, None))).sum(axis=-1).mean())


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Run the reference forward pass on a model.")
    ap.add_argument("model", help="HF model directory or llama2.c .bin")
    ap.add_argument("ids", nargs="+", type=int)
    ap.add_argument("--greedy", type=int, default=0, help="generate N tokens greedily")
    args = ap.parse_args()
    m = load(args.model)
    r = m.forward(args.ids)
    print("logits", r["logits"].shape, "attention", r["attention"].shape,
          "hidden_norms", r["hidden_norms"].shape)
    print("argmax per position", [int(i) for i in r["logits"].argmax(-1)])
    print("mean next-token entropy", mean_next_token_entropy(r["logits"]))
    if args.greedy:
        print("greedy", m.greedy(args.ids, args.greedy))
