"""Plain NumPy (float64) reference for VAR, visual attention redistribution ("See What You Are
Told: Visual Attention Sink in Large Multimodal Models", ICLR 2025), on the LLaVA reference.

The definitions are docs/methods.md's ("Redistribution to chosen tokens", "Sink dimensions",
"Span-centric heads", with the image as the span); the paper's code (seilk/VisAttnSink,
src/logic/logic.py: DimProspector, HeadFork, VARProcessor) was read for their meaning.

  1. base pass: the unmodified forward over the prompt (image features spliced, as
     reference_llava.py does). States h_0 .. h_L: h_l the residual stream entering decoder layer
     l (h_0 = the spliced inputs_embeds), h_L the last layer's output before the final norm.
  2. sink dimensions (DimProspector; methods.md "Sink dimensions"):
       r_l[t,d] = |h_l[t,d]| / sqrt(mean_d h_l[t,d]^2)   (0 for an all-zero state)
       tau = min(20, sqrt(D) / 2) by default (the paper's 20 on 4096-wide models; r <= sqrt(D))
       D_sink = the channels d with max_t r_l[t,d] >= tau in at least ceil((L+1)/2) of the L+1
                states, ascending.
     The paper fixes D_sink per model (DIM_SINK, e.g. [2533, 1415] for Llama-2-7B) and its
     rmsnorm adds eps 1e-6 under the root; here D_sink is found from the prompt and no eps.
  3. visual sinks of layer l = 0 .. L-1 (DimProspector.run_logic on h_l):
       S_l = {0} U {t in [first, last] : max_{d in D_sink} r_l[t,d] >= tau}   ({0} if D_sink empty)
     Position 0 (BOS) plays the part of the paper's text sink tokens.
  4. the VAR pass: a second forward pass. In layer l, head h, with A the head's causal softmax
     map of THIS pass (earlier layers already modified), V = [first, last], Q = rows i > last:
       mass  = (1/|Q|) sum_{i in Q} sum_{j in V} A[i,j]
       ratio = sum_{i in Q} sum_{j in V\\S_l} A[i,j] / sum_{i in Q} sum_{j in V} A[i,j]  (0 if 0/0)
       selected iff Q is not empty and mass >= min_mass (0.2) and ratio >= min_ratio (0.6)
     (methods.md "Span-centric heads"; HeadFork decides per query row with portion <= rho = 0.5,
     the paper's code; this reference decides once per head from the rows after the image). In a
     selected head, every row i (keys j <= i):
       sink = sum_{j in S_l} A[i,j],  receiving = sum_{j in V\\S_l} A[i,j]
       if sink > 0 and receiving > 0:
         A[i,j] *= 1 - p                        for j in S_l
         A[i,j] *= 1 + p * sink / receiving     for j in V \\ S_l
     other entries unchanged, so the row still sums to 1 (methods.md "Redistribution to chosen
     tokens"; VARProcessor.attn_redist keeps the fraction p of the sinks' weight and moves
     1 - p, so its p = 0.6 is 1 - p here: "var:p=0.6" moves 60 %). The head output then reads
     the values with the modified map. Non-selected heads are untouched. Every layer takes part
     (the paper's code skips layers 0 and 1 and, optionally, the last one).
  5. greedy generation under VAR: the prompt's VAR pass fixes "selected" per (layer, head); each
     step recomputes the whole sequence (prompt + generated so far) and modifies every row of the
     selected heads with the same S_l (from the base prompt pass) and the same V; selection is
     never re-decided on the longer sequence.

Usage: /usr/bin/python3 tools/reference_var.py MODEL_DIR PIXELS.safetensors ID... [--p P]
(as reference_llava.py: the word "image" stands for the image tokens)
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_model as rm  # noqa: E402

P_DEFAULT, MIN_MASS, MIN_RATIO = 0.6, 0.2, 0.6


def default_tau(dim: int) -> float:
    """min(20, sqrt(D) / 2): r can never exceed sqrt(D), so 20 is out of reach below D = 400."""
    return min(20.0, math.sqrt(dim) / 2.0)


def channel_ratios(h: np.ndarray) -> np.ndarray:
    """r[..., t, d] = |h[t,d]| / sqrt(mean_d h[t,d]^2); a state that is all zeros gives 0."""
    h = np.asarray(h, dtype=np.float64)
    rms = np.sqrt((h * h).mean(axis=-1, keepdims=True))
    return np.divide(np.abs(h), rms, out=np.zeros_like(h), where=rms > 0)


def sink_dimensions(states: np.ndarray, tau: float) -> List[int]:
    """D_sink from the L + 1 states [L + 1, T, D]: channels d with max_t r_l[t,d] >= tau in at
    least ceil((L + 1) / 2) states, ascending."""
    peaks = channel_ratios(states).max(axis=1)  # [L + 1, D]
    votes = (peaks >= tau).sum(axis=0)
    need = math.ceil(states.shape[0] / 2)
    return [int(d) for d in np.flatnonzero(votes >= need)]


def visual_sinks(states: np.ndarray, dims: Sequence[int], tau: float, first: int, last: int,
                 n_layers: int) -> np.ndarray:
    """Boolean [L, T]: S_l of layer l = 0 .. L-1 (from state h_l) as a mask; column 0 always."""
    T = states.shape[1]
    mask = np.zeros((n_layers, T), dtype=bool)
    mask[:, 0] = True
    if len(dims):
        phi = channel_ratios(states[:n_layers])[:, :, list(dims)].max(axis=-1)  # [L, T]
        mask[:, first:last + 1] |= phi[:, first:last + 1] >= tau
    return mask


def span_head_score(a: np.ndarray, first: int, last: int, sinks: np.ndarray,
                    min_mass: float = MIN_MASS, min_ratio: float = MIN_RATIO):
    """(mass, ratio, selected) of one head's map a [T, T] for the span [first, last], the
    queries i > last and the sink mask `sinks` [T] (methods.md "Span-centric heads")."""
    T = a.shape[0]
    rows = a[last + 1:T]
    if rows.shape[0] == 0:
        return 0.0, 0.0, False
    span = rows[:, first:last + 1]
    total = float(span.sum())
    mass = total / rows.shape[0]
    free = float(span[:, ~sinks[first:last + 1]].sum())
    ratio = free / total if total > 0 else 0.0
    return mass, ratio, bool(mass >= min_mass and ratio >= min_ratio)


def redistribute(a: np.ndarray, sinks: np.ndarray, p: float, first: int, last: int) -> np.ndarray:
    """VAR's step on one head's causal map a [T, T] (a copy is returned): in every row i whose
    visible sink keys (sinks[j], j <= i) and visible non-sink span keys (first <= j <= last,
    j <= i) both carry weight, the sink entries x (1 - p) and the non-sink span entries
    x (1 + p sink / receiving); the row sum is kept."""
    out = np.array(a, dtype=np.float64, copy=True)
    T = out.shape[0]
    span = np.zeros(T, dtype=bool)
    span[first:last + 1] = True
    recv = span & ~sinks[:T]
    for i in range(T):
        vis = np.arange(T) <= i
        s_mask, r_mask = sinks[:T] & vis, recv & vis
        sink, receiving = out[i, s_mask].sum(), out[i, r_mask].sum()
        if sink > 0 and receiving > 0:
            out[i, s_mask] *= 1.0 - p
            out[i, r_mask] *= 1.0 + p * sink / receiving
    return out


class VarHook:
    """reference_model attn_hook for the VAR pass. With decide=True (the prompt pass) it scores
    each head on the map it receives and records mass / ratio / selected [L, H]; otherwise it
    applies the recorded (or given) selection. sinks: [L, T_prompt] masks S_l."""

    def __init__(self, sinks: np.ndarray, first: int, last: int, p: float, n_heads: int,
                 selected: Optional[np.ndarray] = None, min_mass: float = MIN_MASS,
                 min_ratio: float = MIN_RATIO):
        self.sinks, self.first, self.last, self.p = sinks, int(first), int(last), float(p)
        L = sinks.shape[0]
        self.decide = selected is None
        self.selected = np.zeros((L, n_heads), dtype=bool) if selected is None else selected
        self.mass = np.zeros((L, n_heads))
        self.ratio = np.zeros((L, n_heads))
        self.min_mass, self.min_ratio = min_mass, min_ratio

    def __call__(self, layer: int, att: np.ndarray) -> np.ndarray:
        T = att.shape[-1]
        s = np.zeros(T, dtype=bool)  # generated positions are never sinks
        n = min(T, self.sinks.shape[1])
        s[:n] = self.sinks[layer, :n]
        for h in range(att.shape[0]):
            if self.decide:
                m, r, sel = span_head_score(att[h], self.first, self.last, s, self.min_mass,
                                            self.min_ratio)
                self.mass[layer, h], self.ratio[layer, h] = m, r
                self.selected[layer, h] = sel
            if self.selected[layer, h]:
                att[h] = redistribute(att[h], s, self.p, self.first, self.last)
        return att


def base_scores(attention: np.ndarray, sinks: np.ndarray, first: int, last: int,
                min_mass: float = MIN_MASS, min_ratio: float = MIN_RATIO):
    """mass, ratio [L, H] and selected [L, H] of an unmodified pass's attention [L, H, T, T]."""
    L, H = attention.shape[:2]
    mass, ratio, sel = np.zeros((L, H)), np.zeros((L, H)), np.zeros((L, H), dtype=bool)
    for layer in range(L):
        for h in range(H):
            mass[layer, h], ratio[layer, h], sel[layer, h] = span_head_score(
                attention[layer, h], first, last, sinks[layer], min_mass, min_ratio)
    return mass, ratio, sel


def run_var(model, ids: Sequence[int], image: dict, p: float = P_DEFAULT,
            tau: Optional[float] = None, min_mass: float = MIN_MASS,
            min_ratio: float = MIN_RATIO) -> Dict[str, object]:
    """Steps 1-4 on a reference_llava.LlavaReference, its expanded prompt ids and
    image_features() result. Returns the base pass ("base"), tau, sink_dims, visual_sinks
    [L, T], base_mass / base_ratio / base_selected, the VAR pass ("var": logits, attention),
    var_mass / var_ratio / var_selected, and the hook (its selection drives var_greedy)."""
    base = model.forward(ids, image=image, return_hidden=True)
    first, last = (int(i) for i in base["image_positions"])
    states = base["hidden_states"]
    tau = default_tau(states.shape[-1]) if tau is None else float(tau)
    dims = sink_dimensions(states, tau)
    L, H = model.n_layers, model.n_heads
    sinks = visual_sinks(states, dims, tau, first, last, L)
    bm, br, bs = base_scores(base["attention"], sinks, first, last, min_mass, min_ratio)
    hook = VarHook(sinks, first, last, p, H, min_mass=min_mass, min_ratio=min_ratio)
    var = model.forward(ids, image=image, attn_hook=hook)
    hook.decide = False  # later passes apply the prompt pass's selection
    return {"base": base, "tau": tau, "sink_dims": dims, "visual_sinks": sinks,
            "image_positions": (first, last), "base_mass": bm, "base_ratio": br,
            "base_selected": bs, "var": var, "var_mass": hook.mass.copy(),
            "var_ratio": hook.ratio.copy(), "var_selected": hook.selected.copy(), "hook": hook}


def var_step_logits(model, ids: Sequence[int], generated: Sequence[int], image: dict,
                    hook: VarHook) -> np.ndarray:
    """Next-token logits after prompt + generated under VAR (full recompute, fixed selection)."""
    if hook.decide:
        raise ValueError("the hook still decides: run run_var on the prompt first")
    seq = list(ids) + list(generated)
    return model.forward(seq, n_prompt=len(ids), image=image, attn_hook=hook)["logits"][-1]


def var_greedy(model, ids: Sequence[int], image: dict, hook: VarHook, n_new: int):
    """(n_new greedy ids under VAR, each step's top-1 minus top-2 logit)."""
    out: List[int] = []
    margins: List[float] = []
    for _ in range(n_new):
        last = var_step_logits(model, ids, out, image, hook)
        top2 = np.sort(last)[-2:]
        margins.append(float(top2[1] - top2[0]))
        out.append(rm.argmax_lowest(last))
    return out, margins


if __name__ == "__main__":
    import argparse

    import reference_llava as rl
    from safetensors_io import load_file

    ap = argparse.ArgumentParser(description="Run VAR on the LLaVA reference.")
    ap.add_argument("model")
    ap.add_argument("pixels", help="safetensors file with pixel_values [3, H, W]")
    ap.add_argument("ids", nargs="+", help='token ids; "image" marks the image')
    ap.add_argument("--p", type=float, default=P_DEFAULT)
    ap.add_argument("--tau", type=float, default=None)
    args = ap.parse_args()
    if not 0.0 <= args.p <= 1.0:
        sys.exit(f"--p {args.p}: must lie in [0, 1]")
    m = rl.load(args.model)
    pv = load_file(args.pixels)[0]["pixel_values"].astype(np.float64)
    ids = m.expand(args.ids)
    r = run_var(m, ids, m.image_features(pv), args.p, args.tau)
    print("tau", r["tau"], "sink dims", r["sink_dims"], "image", r["image_positions"])
    print("visual sinks per layer", [np.flatnonzero(s).tolist() for s in r["visual_sinks"]])
    print("selected heads (layer, head)", np.argwhere(r["var_selected"]).tolist())
    print("argmax per position", [int(i) for i in r["var"]["logits"].argmax(-1)])
