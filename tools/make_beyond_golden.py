"""Golden values for the "beyond the first token" metrics on stories260K, computed independently
in float64 NumPy from tools/reference_model.py (definitions: ../shared/docs/methods.md).

Writes tests/data/golden/beyond_stories260k.json with, for the fixed token ids below:
  sink_dims   tau (default min(20, sqrt(D)/2)), dims (D_sink ascending), per_state top-3
              [dim, token, r], largest_r, sink_tokens per state (phi >= tau)
  ctr         per layer, per head: caught, tag_share, pc1_var, pc1_cos_tag (null if undefined),
              for sink 0 and theta 0.3
  span        span [5, 9]: per layer, per head: mass, ratio (sink set {0})
PCA here is numpy's SVD of the centred head outputs (the engine uses its own eigen-solver).

Usage: /usr/bin/python3 tools/make_beyond_golden.py
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_model as rm  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO.parent / "shared" / "models" / "stories260K" / "stories260K.bin"
IDS = [1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264, 356, 407, 465,
       465, 465, 465, 465, 465, 17, 283, 408]
SPAN = (5, 9)
THETA = 0.3
SINK = 0


def forward_with_internals(m: rm.LlamaLike, ids):
    """The reference forward pass, also returning residual states, per-layer values and attention."""
    a = np.asarray(ids)
    T = a.size
    H, KV, hd = m.n_heads, m.n_kv_heads, m.head_dim
    pos = np.arange(T)
    h = m.embed[a].copy()
    states, values, atts = [h.copy()], [], []
    for L in m.layers:
        x = rm.rms_norm(h, L["attn_norm"], m.eps)
        q = m._lin(x, L["wq"]).reshape(T, H, hd)
        k = m._lin(x, L["wk"]).reshape(T, KV, hd)
        v = m._lin(x, L["wv"]).reshape(T, KV, hd)
        q = m.rope(q, pos, m.theta)
        k = m.rope(k, pos, m.theta)
        o, att = rm.causal_attention(q, k, v)
        values.append(v)
        atts.append(att)
        h = h + m._lin(o, L["wo"])
        x = rm.rms_norm(h, L["ffn_norm"], m.eps)
        h = h + m._lin(m.act(m._lin(x, L["w_gate"])) * m._lin(x, L["w_up"]), L["w_down"])
        states.append(h.copy())
    return states, values, atts


def sink_dims(states):
    D = states[0].shape[1]
    tau = min(20.0, math.sqrt(D) / 2)
    rs = []
    for s in states:
        rms = np.sqrt(np.mean(s * s, axis=1, keepdims=True))
        rs.append(np.where(rms > 0, np.abs(s) / np.where(rms > 0, rms, 1), 0.0))
    need = math.ceil(len(states) / 2)
    peak = np.stack([r.max(axis=0) for r in rs])  # [states, D]
    dims = [d for d in range(D) if int((peak[:, d] >= tau).sum()) >= need]
    per_state = []
    for r in rs:
        mx = r.max(axis=0)
        order = sorted(range(D), key=lambda d: (-mx[d], d))[:3]
        per_state.append([[d, int(r[:, d].argmax()), float(mx[d])] for d in order])
    sink_tokens = []
    for r in rs:
        sink_tokens.append([int(t) for t in range(r.shape[0]) if dims and r[t, dims].max() >= tau])
    return {"tau": tau, "dims": dims, "per_state": per_state,
            "largest_r": float(max(r.max() for r in rs)), "sink_tokens": sink_tokens}


def ctr(att, v, wo, H, KV, hd):
    out = []
    for h in range(H):
        A = att[h]
        vh = v[:, h // (H // KV), :]               # [T, hd]
        W = wo[:, h * hd:(h + 1) * hd]             # [D, hd]
        u = W @ vh[SINK]
        caught = [i for i in range(SINK + 1, A.shape[0]) if A[i, SINK] >= THETA]
        o = (A @ vh) @ W.T                         # [T, D]
        shares = [A[i, SINK] * np.linalg.norm(u) / np.linalg.norm(o[i]) for i in caught
                  if np.linalg.norm(o[i]) > 0]
        cell = {"caught": len(caught), "tag_share": float(np.mean(shares)) if shares else None,
                "pc1_var": None, "pc1_cos_tag": None}
        if len(caught) >= 2:
            X = o[caught] - o[caught].mean(axis=0)
            _, sv, vt = np.linalg.svd(X, full_matrices=False)
            total = float((sv ** 2).sum())
            if total > 0:
                cell["pc1_var"] = float(sv[0] ** 2 / total)
                nu = np.linalg.norm(u)
                if nu > 0:
                    cell["pc1_cos_tag"] = float(abs(vt[0] @ u) / nu)
        out.append(cell)
    return out


def span_scores(att, H):
    first, last = SPAN
    out = []
    for h in range(H):
        A = att[h]
        Q = range(last + 1, A.shape[0])
        total = sum(A[i, first:last + 1].sum() for i in Q)
        nonsink = sum(A[i, j] for i in Q for j in range(first, last + 1) if j != SINK)
        out.append({"mass": float(total / len(Q)), "ratio": float(nonsink / total) if total > 0 else 0.0})
    return out


def main():
    m = rm.load(MODEL)
    states, values, atts = forward_with_internals(m, IDS)
    H, KV, hd = m.n_heads, m.n_kv_heads, m.head_dim
    golden = {
        "model": "stories260K", "token_ids": IDS, "theta": THETA, "sink": SINK, "span": list(SPAN),
        "sink_dims": sink_dims(states),
        "ctr": [ctr(atts[l], values[l], m.layers[l]["wo"], H, KV, hd) for l in range(len(m.layers))],
        "span_heads": [span_scores(atts[l], H) for l in range(len(m.layers))],
    }
    out = REPO / "tests" / "data" / "golden" / "beyond_stories260k.json"
    out.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {out}: D_sink {golden['sink_dims']['dims']}, largest r {golden['sink_dims']['largest_r']:.2f}")


if __name__ == "__main__":
    main()
