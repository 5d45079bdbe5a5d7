"""The training step of `sinkscope-cli train`, written the ordinary PyTorch-eager way, for speed
comparison only (bench/train_speed.sh runs both and compares tokens/s).

Same model and step as engine/train/trainer.cpp: a Llama-style decoder (RMSNorm eps 1e-5 as
x * rsqrt(mean(x^2) + eps) * w, rotate-half RoPE, causal softmax attention scaled by 1/sqrt(hd),
SwiGLU MLP, tied embeddings), cross-entropy over every position, backward, global grad-norm
clipping, AdamW with decoupled weight decay on the matrices only, a warm-up + cosine learning
rate, gradients set to None after each step. Batches are random token ids with BOS first in each
row (speed does not depend on the token values).

Prints one JSON object: tokens_per_s over the timed steps (warm-up steps excluded), per-step
seconds, the shape, the threads and the torch build.

Usage: /usr/bin/python3 tools/bench/torch_trainer.py [--recipe FILE] [--steps N] [--warmup N]
                                                     [--threads N] [--vocab V]
Needs Debian's python3-torch (apt-get install python3-torch).
"""
import argparse
import inspect
import json
import math
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def default_recipe():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "assets", "recipes", "default.json")


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, d_model, heads, kv_heads):
        super().__init__()
        self.heads, self.kv_heads, self.hd = heads, kv_heads, d_model // heads
        self.q_proj = nn.Linear(d_model, heads * self.hd, bias=False)
        self.k_proj = nn.Linear(d_model, kv_heads * self.hd, bias=False)
        self.v_proj = nn.Linear(d_model, kv_heads * self.hd, bias=False)
        self.o_proj = nn.Linear(heads * self.hd, d_model, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.heads, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.kv_heads, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.kv_heads, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.kv_heads != self.heads:
            k = k.repeat_interleave(self.heads // self.kv_heads, dim=1)
            v = v.repeat_interleave(self.heads // self.kv_heads, dim=1)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.hd))
        scores = scores.masked_fill(mask, float("-inf"))
        out = F.softmax(scores, dim=-1) @ v
        return self.o_proj(out.transpose(1, 2).reshape(B, T, self.heads * self.hd))


class MLP(nn.Module):
    def __init__(self, d_model, d_ff):
        super().__init__()
        self.gate_proj = nn.Linear(d_model, d_ff, bias=False)
        self.up_proj = nn.Linear(d_model, d_ff, bias=False)
        self.down_proj = nn.Linear(d_ff, d_model, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, r):
        super().__init__()
        self.input_layernorm = RMSNorm(r["d_model"])
        self.self_attn = Attention(r["d_model"], r["heads"], r["kv_heads"])
        self.post_attention_layernorm = RMSNorm(r["d_model"])
        self.mlp = MLP(r["d_model"], r["d_ff"])

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    def __init__(self, r, vocab):
        super().__init__()
        D, T = r["d_model"], r["seq_len"]
        hd = D // r["heads"]
        self.embed_tokens = nn.Embedding(vocab, D)
        self.layers = nn.ModuleList(Block(r) for _ in range(r["layers"]))
        self.norm = RMSNorm(D)
        self.lm_head = nn.Linear(D, vocab, bias=False)
        if r["tie_embeddings"]:
            self.lm_head.weight = self.embed_tokens.weight
        inv_freq = r["rope_theta"] ** (torch.arange(0, hd // 2, dtype=torch.float64) * (-2.0 / hd))
        angles = torch.arange(T, dtype=torch.float64)[:, None] * inv_freq[None, :]
        angles = torch.cat((angles, angles), dim=-1)
        self.register_buffer("cos", angles.cos().float(), persistent=False)
        self.register_buffer("sin", angles.sin().float(), persistent=False)
        self.register_buffer("mask", torch.ones(T, T, dtype=torch.bool).triu(1), persistent=False)
        # The trainer's initialisation: N(0, init_std), residual projections scaled by 1/sqrt(2L).
        std = r["init_std"]
        for name, p in self.named_parameters():
            if p.dim() == 2:
                s = std / math.sqrt(2 * r["layers"]) if name.endswith(("o_proj.weight", "down_proj.weight")) else std
                nn.init.normal_(p, 0.0, s)

    def forward(self, tokens):
        T = tokens.shape[1]
        cos, sin, mask = self.cos[:T], self.sin[:T], self.mask[:T, :T]
        x = self.embed_tokens(tokens)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.lm_head(self.norm(x))


def learning_rate_at(r, step):
    if step < r["warmup_steps"]:
        return r["lr"] * (step + 1) / r["warmup_steps"]
    if step >= r["total_steps"]:
        return r["min_lr"]
    progress = (step - r["warmup_steps"]) / max(1.0, r["total_steps"] - r["warmup_steps"])
    return r["min_lr"] + 0.5 * (r["lr"] - r["min_lr"]) * (1.0 + math.cos(math.pi * progress))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", default=default_recipe(), help="training recipe JSON (shape, optimiser)")
    ap.add_argument("--steps", type=int, default=8, help="timed steps")
    ap.add_argument("--warmup", type=int, default=4, help="untimed steps first")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: the recipe's)")
    ap.add_argument("--vocab", type=int, default=4096, help="vocabulary size")
    args = ap.parse_args()

    with open(args.recipe) as f:
        r = json.load(f)
    r.setdefault("kv_heads", r["heads"])
    r.setdefault("eps", 1e-8)
    if r.get("attention", "softmax") != "softmax":
        raise SystemExit("torch_trainer: only softmax attention is implemented")
    threads = args.threads or r.get("threads", 0) or os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(r.get("seed", 1234))

    B, T, V = r["batch_size"], r["seq_len"], args.vocab
    bos_id = 1
    model = Llama(r, V)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    adamw_kwargs = {}
    if "fused" in inspect.signature(torch.optim.AdamW.__init__).parameters:
        adamw_kwargs["fused"] = False
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": r["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=r["lr"], betas=(r["beta1"], r["beta2"]), eps=r["eps"], **adamw_kwargs)

    def step(i):
        rows = torch.randint(0, V, (B, T + 1))
        rows[:, 0] = bos_id
        inputs, targets = rows[:, :-1], rows[:, 1:]
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), r["grad_clip"])
        lr = learning_rate_at(r, i)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    for i in range(args.warmup):
        step(i)
    times = []
    for i in range(args.warmup, args.warmup + args.steps):
        t0 = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - t0)

    print(json.dumps({
        "tokens_per_s": args.steps * B * T / sum(times),
        "step_s_median": statistics.median(times),
        "step_s": [round(t, 4) for t in times],
        "steps": args.steps, "warmup": args.warmup, "threads": torch.get_num_threads(),
        "batch": B, "seq_len": T, "vocab": V, "layers": r["layers"], "heads": r["heads"],
        "kv_heads": r["kv_heads"], "d_model": r["d_model"], "d_ff": r["d_ff"],
        "parameters": sum(p.numel() for p in model.parameters()),
        "adamw": "fused=False" if adamw_kwargs else "single-tensor (this torch has no fused AdamW)",
        "torch": torch.__version__,
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }))


if __name__ == "__main__":
    main()
