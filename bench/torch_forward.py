"""PyTorch eager baseline for the forward-with-capture benchmark (bench/run.sh).

The model is written the way Hugging Face's modeling_gpt2.py and modeling_llama.py write it
(nn.Module per block, HF's Conv1D as addmm for GPT-2, matmul + mask + softmax + matmul attention
with the probabilities returned), run under torch.inference_mode(), and called as a Hugging Face
model is with output_attentions=True: it returns the logits and one [1, heads, T, T] attention
tensor per layer. Two departures, both making the baseline faster, never slower: GPT-2's
"gelu_new" is F.gelu(approximate="tanh") (one fused kernel instead of HF's seven elementwise ops),
and the causal mask is built once per call rather than once per layer.
--last-only computes the logits of the last position only (the next-token use); HF always
computes every position.

Weights are read from the same model directory the C++ engine reads (config.json +
model.safetensors), by tools/safetensors_io.py (NumPy, no PyPI package). --weights f32 (the
default) widens every weight to float32 and runs in float32; --weights bf16 (Llama family) keeps
the weights in torch.bfloat16, as Hugging Face loads them with torch_dtype=torch.bfloat16: BF16
tensors are the file's bytes viewed as bfloat16 (no copy, no rounding), any other float tensor is
rounded to bfloat16, and the pass runs in bfloat16 the way modeling_llama.py does (bf16 products,
RMSNorm in float32, the softmax of eager_attention_forward in float32 and cast back).

  torch_forward.py --model DIR --ids FILE --threads N --repeats R [--last-only] [--weights f32|bf16]
                   [--dump-logits F.npy] [--dump-attention F.npy] [--dump-alpha0 F.npy]
                   [--one-token-repeats N]
Prints one JSON object: {"times_ms": [...], "first_ms": untimed first pass, "one_token_ms": [...]
(--one-token-repeats passes over the first token alone, after an untimed one), "weights": f32|bf16,
"torch": version, "threads": N}. Dumps are float32 (float64 for alpha0) whatever --weights is.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from safetensors_io import _DTYPES, load_model_dir, read_header  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


def load_weights(model_dir: Path) -> dict:
    # load_model_dir already widens BF16 to float32 (exactly).
    return {name: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
            for name, a in load_model_dir(model_dir).items()}


def safetensors_files(model_dir: Path) -> list[Path]:
    index = model_dir / "model.safetensors.index.json"
    if index.exists():
        return [model_dir / f for f in sorted(set(json.loads(index.read_text())["weight_map"].values()))]
    return [model_dir / "model.safetensors"]


def load_weights_bf16(model_dir: Path) -> dict:
    """Every tensor as torch.bfloat16. Each file is read once into one buffer and BF16 tensors are
    views of it (NumPy has no bfloat16: the bytes are viewed as int16, then as torch.bfloat16), so
    the weights take their file size in memory, as in a bf16 Hugging Face model."""
    out = {}
    for path in safetensors_files(model_dir):
        header, start = read_header(path)
        header.pop("__metadata__", None)
        data = np.fromfile(path, dtype=np.uint8)
        for name, info in header.items():
            dtype, shape = info["dtype"], tuple(info["shape"])
            b, e = info["data_offsets"]
            if dtype not in _DTYPES or (_DTYPES[dtype].kind != "f" and dtype != "BF16"):
                raise SystemExit(f"{path}: {name}: dtype {dtype} is not a float type")
            if e - b != int(np.prod(shape)) * _DTYPES[dtype].itemsize or start + e > data.size:
                raise SystemExit(f"{path}: {name}: data_offsets {b}..{e} do not fit shape {list(shape)} of {dtype}")
            raw = data[start + b:start + e]
            if dtype == "BF16":
                t = torch.from_numpy(raw.view(np.int16)).view(torch.bfloat16)
            else:
                t = torch.from_numpy(raw.view(_DTYPES[dtype]).astype(np.float32)).to(torch.bfloat16)
            out[name] = t.reshape(shape)
    return out


def param(t: torch.Tensor) -> nn.Parameter:
    return nn.Parameter(t, requires_grad=False)


# ------------------------------------------------------------------------------------------------
# GPT-2 (modeling_gpt2.py)
# ------------------------------------------------------------------------------------------------

class Conv1D(nn.Module):
    def __init__(self, w: torch.Tensor, b: torch.Tensor):
        super().__init__()
        self.weight, self.bias = param(w), param(b)  # weight [in, out]

    def forward(self, x):
        size_out = x.size()[:-1] + (self.weight.size(-1),)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class GPT2Attention(nn.Module):
    def __init__(self, cfg, w, p):
        super().__init__()
        self.n_head = cfg["n_head"]
        self.d = cfg["n_embd"]
        self.c_attn = Conv1D(w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"])
        self.c_proj = Conv1D(w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"])

    def _split_heads(self, x):
        return x.view(x.size()[:-1] + (self.n_head, self.d // self.n_head)).permute(0, 2, 1, 3)

    def forward(self, x, causal_mask):
        query, key, value = self.c_attn(x).split(self.d, dim=2)
        query, key, value = self._split_heads(query), self._split_heads(key), self._split_heads(value)
        attn_weights = torch.matmul(query, key.transpose(-1, -2))
        attn_weights = attn_weights / torch.full([], value.size(-1) ** 0.5, dtype=attn_weights.dtype)
        mask_value = torch.full([], torch.finfo(attn_weights.dtype).min, dtype=attn_weights.dtype)
        attn_weights = torch.where(causal_mask, attn_weights, mask_value)
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        attn_output = torch.matmul(attn_weights, value)
        attn_output = attn_output.permute(0, 2, 1, 3).contiguous()
        attn_output = attn_output.view(attn_output.size()[:-2] + (self.d,))
        return self.c_proj(attn_output), attn_weights


class GPT2Block(nn.Module):
    def __init__(self, cfg, w, i):
        super().__init__()
        p = f"h.{i}."
        d, eps = cfg["n_embd"], cfg.get("layer_norm_epsilon", 1e-5)
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.ln_1.weight, self.ln_1.bias = param(w[p + "ln_1.weight"]), param(w[p + "ln_1.bias"])
        self.attn = GPT2Attention(cfg, w, p)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.ln_2.weight, self.ln_2.bias = param(w[p + "ln_2.weight"]), param(w[p + "ln_2.bias"])
        self.c_fc = Conv1D(w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"])
        self.c_proj = Conv1D(w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"])
        self.approximate = "none" if cfg.get("activation_function") == "gelu" else "tanh"

    def forward(self, x, causal_mask):
        residual = x
        attn_output, attn_weights = self.attn(self.ln_1(x), causal_mask)
        x = attn_output + residual
        residual = x
        x = self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate=self.approximate))
        return residual + x, attn_weights


class GPT2LMHeadModel(nn.Module):
    def __init__(self, cfg, w):
        super().__init__()
        self.wte, self.wpe = param(w["wte.weight"]), param(w["wpe.weight"])
        n = cfg["n_positions"]
        self.register_buffer("bias", torch.tril(torch.ones((n, n), dtype=torch.bool)).view(1, 1, n, n))
        self.h = nn.ModuleList(GPT2Block(cfg, w, i) for i in range(cfg["n_layer"]))
        d = cfg["n_embd"]
        self.ln_f = nn.LayerNorm(d, eps=cfg.get("layer_norm_epsilon", 1e-5))
        self.ln_f.weight, self.ln_f.bias = param(w["ln_f.weight"]), param(w["ln_f.bias"])

    def forward(self, input_ids, last_only=False):
        T = input_ids.size(-1)
        position_ids = torch.arange(0, T, dtype=torch.long).unsqueeze(0)
        x = F.embedding(input_ids, self.wte) + F.embedding(position_ids, self.wpe)
        causal_mask = self.bias[:, :, :T, :T]
        attentions = []
        for block in self.h:
            x, a = block(x, causal_mask)
            attentions.append(a)
        x = self.ln_f(x)
        if last_only:
            x = x[:, -1:, :]
        return F.linear(x, self.wte), tuple(attentions)


# ------------------------------------------------------------------------------------------------
# Llama family (modeling_llama.py)
# ------------------------------------------------------------------------------------------------

class LlamaRMSNorm(nn.Module):
    def __init__(self, w, eps):
        super().__init__()
        self.weight, self.variance_epsilon = param(w), eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def linear(w, b=None) -> nn.Linear:
    # On the meta device: no random initial weight is drawn and thrown away (1.1 B values at 1B).
    m = nn.Linear(w.shape[1], w.shape[0], bias=b is not None, device="meta")
    m.weight = param(w)
    if b is not None:
        m.bias = param(b)
    return m


class LlamaAttention(nn.Module):
    def __init__(self, cfg, w, p):
        super().__init__()
        self.num_heads = cfg["num_attention_heads"]
        self.num_kv = cfg.get("num_key_value_heads", self.num_heads)
        self.head_dim = cfg.get("head_dim", cfg["hidden_size"] // self.num_heads)
        get = lambda n: w.get(p + n)  # noqa: E731
        self.q_proj = linear(get("q_proj.weight"), get("q_proj.bias"))
        self.k_proj = linear(get("k_proj.weight"), get("k_proj.bias"))
        self.v_proj = linear(get("v_proj.weight"), get("v_proj.bias"))
        self.o_proj = linear(get("o_proj.weight"), get("o_proj.bias"))

    def forward(self, x, mask, cos, sin):
        B, T, _ = x.size()
        q = self.q_proj(x).view(B, T, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.num_kv, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.num_kv, self.head_dim).transpose(1, 2)
        q = (q * cos) + (rotate_half(q) * sin)
        k = (k * cos) + (rotate_half(k) * sin)
        if self.num_kv != self.num_heads:  # repeat_kv
            rep = self.num_heads // self.num_kv
            k = k[:, :, None].expand(B, self.num_kv, rep, T, self.head_dim).reshape(B, self.num_heads, T, -1)
            v = v[:, :, None].expand(B, self.num_kv, rep, T, self.head_dim).reshape(B, self.num_heads, T, -1)
        attn_weights = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
        attn_weights = attn_weights + mask
        attn_weights = torch.max(attn_weights, torch.tensor(torch.finfo(attn_weights.dtype).min))
        attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(q.dtype)
        attn_output = torch.matmul(attn_weights, v)
        attn_output = attn_output.transpose(1, 2).reshape(B, T, self.num_heads * self.head_dim)
        return self.o_proj(attn_output), attn_weights


class LlamaDecoderLayer(nn.Module):
    def __init__(self, cfg, w, i):
        super().__init__()
        p = f"model.layers.{i}."
        eps = cfg.get("rms_norm_eps", 1e-6)
        self.self_attn = LlamaAttention(cfg, w, p + "self_attn.")
        self.gate_proj = linear(w[p + "mlp.gate_proj.weight"])
        self.up_proj = linear(w[p + "mlp.up_proj.weight"])
        self.down_proj = linear(w[p + "mlp.down_proj.weight"])
        self.input_layernorm = LlamaRMSNorm(w[p + "input_layernorm.weight"], eps)
        self.post_attention_layernorm = LlamaRMSNorm(w[p + "post_attention_layernorm.weight"], eps)

    def forward(self, x, mask, cos, sin):
        residual = x
        h, attn_weights = self.self_attn(self.input_layernorm(x), mask, cos, sin)
        x = residual + h
        residual = x
        h = self.post_attention_layernorm(x)
        x = residual + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))
        return x, attn_weights


class LlamaForCausalLM(nn.Module):
    def __init__(self, cfg, w):
        super().__init__()
        self.embed_tokens = param(w["model.embed_tokens.weight"])
        self.layers = nn.ModuleList(LlamaDecoderLayer(cfg, w, i) for i in range(cfg["num_hidden_layers"]))
        self.norm = LlamaRMSNorm(w["model.norm.weight"], cfg.get("rms_norm_eps", 1e-6))
        tied = cfg.get("tie_word_embeddings", False) or "lm_head.weight" not in w
        self.lm_head = param(w["model.embed_tokens.weight"] if tied else w["lm_head.weight"])
        heads = cfg["num_attention_heads"]
        head_dim = cfg.get("head_dim", cfg["hidden_size"] // heads)
        base = cfg.get("rope_theta", 10000.0)
        self.inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2).float() / head_dim))

    def rotary(self, T, dtype):
        # In float32, then cast to the activations' dtype (LlamaRotaryEmbedding).
        t = torch.arange(T, dtype=self.inv_freq.dtype)
        freqs = torch.einsum("i,j->ij", t, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[None, None, :, :].to(dtype), emb.sin()[None, None, :, :].to(dtype)

    def forward(self, input_ids, last_only=False):
        T = input_ids.size(-1)
        x = F.embedding(input_ids, self.embed_tokens)
        mask = torch.full((T, T), torch.finfo(x.dtype).min, dtype=x.dtype)
        cond = torch.arange(T)
        mask.masked_fill_(cond < (cond + 1).view(T, 1), 0)
        mask = mask[None, None, :, :]
        cos, sin = self.rotary(T, x.dtype)
        attentions = []
        for layer in self.layers:
            x, a = layer(x, mask, cos, sin)
            attentions.append(a)
        x = self.norm(x)
        if last_only:
            x = x[:, -1:, :]
        return F.linear(x, self.lm_head), tuple(attentions)


def build(model_dir: Path, weights: str = "f32") -> nn.Module:
    cfg = json.loads((model_dir / "config.json").read_text())
    if cfg.get("model_type") == "gpt2":
        if weights != "f32":
            raise SystemExit(f"{model_dir}: --weights {weights} is for Llama-family models; this is gpt2")
        return GPT2LMHeadModel(cfg, load_weights(model_dir)).eval()
    w = load_weights(model_dir) if weights == "f32" else load_weights_bf16(model_dir)
    return LlamaForCausalLM(cfg, w).eval()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--ids", type=Path, required=True, help="token ids, comma-separated")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--last-only", action="store_true")
    ap.add_argument("--weights", choices=["f32", "bf16"], default="f32",
                    help="f32: weights widened to float32; bf16: kept in bfloat16, bf16 pass (Llama family)")
    ap.add_argument("--dump-logits", type=Path)
    ap.add_argument("--dump-attention", type=Path, help="the last layer's attention [H, T, T]")
    ap.add_argument("--dump-alpha0", type=Path, help="[layers, heads]: mean attention on key 0 over the queries")
    ap.add_argument("--one-token-repeats", type=int, default=0,
                    help="also time this many passes over the first token alone (one_token_ms)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    ids = [int(s) for s in a.ids.read_text().split(",") if s.strip()]
    model = build(a.model, a.weights)
    input_ids = torch.tensor([ids], dtype=torch.long)
    times = []
    with torch.inference_mode():
        t0 = time.perf_counter()
        logits, attentions = model(input_ids, a.last_only)  # warm-up (also the checked output)
        first_ms = 1000.0 * (time.perf_counter() - t0)
        if a.dump_logits:
            np.save(a.dump_logits, logits[0].float().numpy())
        if a.dump_attention:
            np.save(a.dump_attention, attentions[-1][0].float().numpy())
        if a.dump_alpha0:
            np.save(a.dump_alpha0, torch.stack([x[0, :, :, 0].double().mean(-1) for x in attentions]).numpy())
        del logits, attentions
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            out = model(input_ids, a.last_only)
            times.append(1000.0 * (time.perf_counter() - t0))
            del out
        one = []
        for i in range(a.one_token_repeats + 1 if a.one_token_repeats else 0):  # the first one untimed
            t0 = time.perf_counter()
            out = model(input_ids[:, :1], a.last_only)
            if i:
                one.append(1000.0 * (time.perf_counter() - t0))
            del out
    print(json.dumps({"times_ms": times, "first_ms": first_ms, "one_token_ms": one, "weights": a.weights,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
