"""Self-checks for the VAR reference (reference_var.py) and its goldens (make_var_goldens.py).

  1. the redistribution step on hand-made 4 x 4 maps (numbers worked out by hand): row 0 and rows
     with no sink or no receiving weight unchanged, sink entries x (1 - p), the span's non-sink
     entries x (1 + p sink / receiving), keys after the span untouched, rows still sum to 1, and
     a sink inside the span gives its weight away instead of receiving; p = 0 is the identity;
  2. the image-centric head score on the same map (mass, ratio, selection at both thresholds,
     no rows after the span -> not selected, a span with no attention -> ratio 0);
  3. channel ratios: an all-zero state gives 0, a one-hot state gives sqrt(D) at its channel and
     0 elsewhere, r <= sqrt(D); sink dimensions need ceil((L + 1) / 2) votes; visual sinks hold
     the BOS and only image positions; the default tau is min(20, sqrt(D) / 2);
  4. on every fixture: an attention hook that returns its input changes nothing (bit for bit),
     so the hook path is the plain pass; the returned states are the ones hidden_norms measures,
     with the image features at the image positions of h_0; with p = 0 the VAR pass's logits
     equal the unmodified ones (1e-12); with no head selectable they are the unmodified ones;
     the VAR pass's maps are causal with rows summing to 1; layer 0's pre-modification scores
     equal the unmodified pass's, and its unselected heads keep the unmodified maps; in a
     selected head the sink weight of every row that had receiving weight is (1 - p) of what
     the same head gives it in a pass that stops modifying at that layer;
  5. the generation path: the first greedy step's logits equal the prompt VAR pass's last row,
     and the prompt rows of a longer recompute equal the prompt pass (selection is not redone);
  6. each golden: its prompt is the base golden's, base_mass / base_ratio / base_selected equal a
     loop over the base golden's attention with visual_sinks, sink_dims and visual_sinks equal a
     per-token loop over the states, every tensor matches a fresh run, and make_var_goldens.py
     regenerates it byte for byte;
  7. tiny_llava_sinky (make_llava_fixtures.plant_sinks), built so that VAR has real work: D_sink
     is exactly its planted channel, the visual sinks of every layer are exactly the BOS and its
     white patches (r >= 4.5 there, < 0.1 on the other image tokens), every decision (channel
     peaks and image tokens vs tau, mass vs 0.2, ratio vs 0.6) is at least 0.05 from its
     threshold, selected and unselected heads exist in every layer (base and VAR pass), VAR
     changes the logits by more than 1 % of their largest magnitude and its greedy margin is
     above 0.03.

Usage: /usr/bin/python3 tools/check_var_reference.py   (exit status 1 on any failure)
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_llava_fixtures as mf  # noqa: E402
import make_var_goldens as mv  # noqa: E402
import reference_llava as rl  # noqa: E402
import reference_var as rv  # noqa: E402
from safetensors_io import load_file  # noqa: E402

failures = []


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


# A causal map: span V = [1, 2], BOS sink 0, key 3 after the span.
A4 = np.array([[1.0, 0.0, 0.0, 0.0],
               [0.5, 0.5, 0.0, 0.0],
               [0.4, 0.2, 0.4, 0.0],
               [0.5, 0.1, 0.3, 0.1]])


def mask(T, where):
    m = np.zeros(T, dtype=bool)
    m[list(where)] = True
    return m


def check_redistribute() -> None:
    got = rv.redistribute(A4, mask(4, [0]), 0.6, 1, 2)
    # row 1: sink .5, receiving .5 -> .5 * .4 = .2, .5 * (1 + .6 * .5 / .5) = .8
    # row 2: sink .4, receiving .6 -> .16, gain 1 + .24 / .6 = 1.4: .28, .56
    # row 3: sink .5, receiving .4 -> .2, gain 1 + .3 / .4 = 1.75: .175, .525; key 3 keeps .1
    want = np.array([[1.0, 0.0, 0.0, 0.0],
                     [0.2, 0.8, 0.0, 0.0],
                     [0.16, 0.28, 0.56, 0.0],
                     [0.2, 0.175, 0.525, 0.1]])
    check(np.abs(got - want).max() < 1e-15 and np.abs(got.sum(-1) - 1).max() < 1e-15,
          "redistribute, sinks {0}, V [1, 2], p 0.6: the hand-worked 4 x 4 map, rows sum to 1")
    # Key 2 a visual sink: row 2 has sink .8 and receiving .2 -> .32, .2 * (1 + .48 / .2) = .68,
    # key 2 -> .16; row 3: sink .8, receiving .1 -> .2, .12, .1 * (1 + .48 / .1) = .58, key 3 .1.
    got = rv.redistribute(A4, mask(4, [0, 2]), 0.6, 1, 2)
    want = np.array([[1.0, 0.0, 0.0, 0.0],
                     [0.2, 0.8, 0.0, 0.0],
                     [0.16, 0.68, 0.16, 0.0],
                     [0.2, 0.58, 0.12, 0.1]])
    check(np.abs(got - want).max() < 1e-15,
          "redistribute with a sink inside the span: it gives its weight to the span's others")
    no_sink = A4.copy()
    no_sink[3] = [0.0, 0.5, 0.3, 0.2]
    got = rv.redistribute(no_sink, mask(4, [0]), 0.6, 1, 2)
    check(np.array_equal(got[3], no_sink[3]) and np.array_equal(rv.redistribute(
          A4, mask(4, [0]), 0.0, 1, 2), A4), "a row without sink weight, and p = 0, unchanged")


def check_scores() -> None:
    m, r, s = rv.span_head_score(A4, 1, 2, mask(4, [0]))
    check(abs(m - 0.4) < 1e-15 and r == 1.0 and s, "score, S {0}: mass .4, ratio 1, selected")
    m, r, s = rv.span_head_score(A4, 1, 2, mask(4, [0, 2]))
    check(abs(m - 0.4) < 1e-15 and abs(r - 0.25) < 1e-15 and not s,
          "score, S {0, 2}: mass .4, ratio .1 / .4 = .25, not selected (ratio < .6)")
    m, r, s = rv.span_head_score(A4, 1, 2, mask(4, [0]), min_mass=0.41)
    check(not s, "score: mass .4 below a threshold of .41 -> not selected")
    m, r, s = rv.span_head_score(A4, 1, 2, mask(4, [0]), min_mass=0.4, min_ratio=1.0)
    check(s, "score: thresholds are inclusive (mass .4 >= .4, ratio 1 >= 1)")
    check(rv.span_head_score(A4, 2, 3, mask(4, [0])) == (0.0, 0.0, False),
          "score: no rows after the span -> mass 0, ratio 0, not selected")
    blind = np.tril(np.ones((4, 4)))
    blind[:, 1] = 0.0
    blind /= blind.sum(-1, keepdims=True)
    check(rv.span_head_score(blind, 1, 1, mask(4, [0])) == (0.0, 0.0, False),
          "score: a span with no attention -> ratio 0 (0/0), not selected")


def check_dimensions() -> None:
    D = 16
    h = np.zeros((3, 2, D))
    h[:, 1, 5] = -7.0  # token 1 one-hot on channel 5 in every state
    r = rv.channel_ratios(h)
    check(np.all(r[:, 0] == 0) and np.allclose(r[:, 1, 5], 4.0) and r[:, 1, :5].max() == 0,
          "channel ratios: zero state -> 0; one-hot -> sqrt(D) = 4 at its channel, 0 elsewhere")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 9, D)) * rng.uniform(0.1, 10, (4, 9, 1))
    check(rv.channel_ratios(x).max() <= math.sqrt(D) + 1e-12, "channel ratios never exceed sqrt(D)")
    check(rv.default_tau(32) == math.sqrt(32) / 2 and rv.default_tau(4096) == 20.0,
          "tau: sqrt(D) / 2 for D = 32, 20 for D = 4096")
    # 4 states (L = 3): channel 2 massive in states 0, 1 (2 of 4 = ceil(4 / 2) votes), channel 7
    # in state 3 only.
    s = np.ones((4, 6, D))  # r = 1 everywhere but on the massive entries
    s[0, 3, 2] = s[1, 4, 2] = 50.0
    s[3, 1, 7] = 50.0
    dims = rv.sink_dimensions(s, rv.default_tau(D))
    check(dims == [2], f"sink dims need ceil((L + 1) / 2) = 2 of 4 states: {dims} == [2]")
    vs = rv.visual_sinks(s, dims, rv.default_tau(D), 2, 4, 3)
    want = np.zeros((3, 6), dtype=bool)
    want[:, 0] = True
    want[0, 3] = want[1, 4] = True
    check(vs.shape == (3, 6) and np.array_equal(vs, want),
          "visual sinks: the BOS, plus image tokens over tau on a sink dim (layers 0 .. L - 1)")
    s2 = s.copy()
    s2[0, 1, 2] = 50.0  # a text token on the sink dim is not a visual sink
    bos_only = np.zeros((3, 6), dtype=bool)
    bos_only[:, 0] = True
    check(np.array_equal(rv.visual_sinks(s2, dims, rv.default_tau(D), 2, 4, 3), want) and
          np.array_equal(rv.visual_sinks(s, [], rv.default_tau(D), 2, 4, 3), bos_only),
          "visual sinks: text tokens never, and only the BOS when D_sink is empty")


class StopAfter:
    """VAR hook that modifies layers < stop and records layer `stop`'s maps untouched."""

    def __init__(self, hook, stop):
        self.hook, self.stop, self.seen = hook, stop, None

    def __call__(self, layer, att):
        if layer == self.stop:
            self.seen = att.copy()
            return att
        return self.hook(layer, att) if layer < self.stop else att


def check_fixture(name: str) -> None:
    model = rl.load(mf.MODELS / name)
    gb, _ = load_file(mf.GOLDEN / f"{name}.safetensors")
    gv, meta = load_file(mf.GOLDEN / f"{name}_var.safetensors")
    ids = [int(i) for i in gb["token_ids"]]
    image = model.image_features(gb["pixel_values"].astype(np.float64))
    plain = model.forward(ids, image=image)
    same = model.forward(ids, image=image, attn_hook=lambda layer, a: a, return_hidden=True)
    check(all(np.array_equal(plain[k], same[k]) for k in ("logits", "attention", "hidden_norms")),
          f"{name}: an identity attention hook gives bit-identical outputs")
    states = same["hidden_states"]
    first, last = (int(i) for i in plain["image_positions"])
    check(states.shape == (model.n_layers + 1, len(ids), model.lm.embed.shape[1]) and
          np.array_equal(np.linalg.norm(states, axis=-1), plain["hidden_norms"]) and
          np.array_equal(states[0, first:last + 1], image["image_features"]),
          f"{name}: states [L + 1, T, D] are what hidden_norms measures; h_0 holds the features")

    r = rv.run_var(model, ids, image)
    r0 = rv.run_var(model, ids, image, p=0.0)
    d0 = np.abs(r0["var"]["logits"] - plain["logits"]).max()
    check(d0 < 1e-12 and r0["var_selected"].any(),
          f"{name}: p = 0 leaves the logits unchanged ({d0:.1e}) with heads selected")
    rn = rv.run_var(model, ids, image, min_mass=2.0)
    dn = np.abs(rn["var"]["logits"] - plain["logits"]).max()
    check(not rn["var_selected"].any() and dn < 1e-12,
          f"{name}: no head selected -> the unmodified logits ({dn:.1e})")
    a, T = r["var"]["attention"], len(ids)
    upper = np.triu(np.ones((T, T), dtype=bool), 1)
    check(np.abs(a.sum(-1) - 1).max() < 1e-12 and np.abs(a[..., upper]).max() == 0.0,
          f"{name}: VAR maps are causal and their rows sum to 1")
    b = plain["attention"]
    check(np.array_equal(r["var_mass"][0], r["base_mass"][0]) and
          all(np.array_equal(a[0, h], b[0, h]) for h in range(a.shape[1])
              if not r["var_selected"][0, h]) and
          all(not np.array_equal(a[0, h], b[0, h]) for h in range(a.shape[1])
              if r["var_selected"][0, h]),
          f"{name}: layer 0 scores equal the unmodified pass; only its selected heads change")
    worst = 0.0
    for layer in range(model.n_layers):
        stop = StopAfter(r["hook"], layer)
        model.forward(ids, image=image, attn_hook=stop)
        sinks = r["visual_sinks"][layer]
        for h in np.flatnonzero(r["var_selected"][layer]):
            pre, post = stop.seen[h], a[layer, h]
            recv = pre[:, first:last + 1][:, ~sinks[first:last + 1]].sum(-1)
            rows = (recv > 0) & (pre[:, sinks].sum(-1) > 0)
            kept = post[rows][:, sinks] - (1 - rv.P_DEFAULT) * pre[rows][:, sinks]
            worst = max(worst, np.abs(kept).max())
    check(worst < 1e-12, f"{name}: selected heads keep 1 - p of each sink weight ({worst:.1e})")

    step0 = rv.var_step_logits(model, ids, [], image, r["hook"])
    longer = model.forward(ids + [int(gv["greedy_ids"][0])], n_prompt=len(ids), image=image,
                           attn_hook=r["hook"])
    d1 = np.abs(step0 - r["var"]["logits"][-1]).max()
    d2 = max(np.abs(longer["logits"][:T] - r["var"]["logits"]).max(),
             np.abs(longer["attention"][:, :, :T, :T] - a).max())
    check(d1 < 1e-12 and d2 < 1e-12 and not r["hook"].decide,
          f"{name}: generation reuses the prompt's selection (step 0 {d1:.1e}, prompt rows "
          f"of a longer pass {d2:.1e})")

    # The golden against loops written independently of reference_var's vector code.
    vs = gv["visual_sinks"].astype(bool)
    L, H = r["var_selected"].shape
    loop_mass, loop_ratio = np.zeros((L, H)), np.zeros((L, H))
    for layer in range(L):
        for h in range(H):
            tot = free = 0.0
            for i in range(last + 1, T):
                for j in range(first, last + 1):
                    tot += gb["attention"][layer, h, i, j]
                    free += 0.0 if vs[layer, j] else gb["attention"][layer, h, i, j]
            loop_mass[layer, h] = tot / (T - last - 1)
            loop_ratio[layer, h] = free / tot if tot > 0 else 0.0
    loop_sel = (loop_mass >= rv.MIN_MASS) & (loop_ratio >= rv.MIN_RATIO)
    check(np.abs(loop_mass - gv["base_mass"]).max() < 1e-5 and
          np.abs(loop_ratio - gv["base_ratio"]).max() < 1e-5 and
          np.array_equal(loop_sel, gv["base_selected"].astype(bool)),
          f"{name}: base scores equal a loop over the base golden's attention")
    tau = float(gv["tau"][0])
    D = states.shape[-1]
    peaks = np.zeros((L + 1, D))
    for state in range(L + 1):
        for t in range(T):
            x = states[state, t]
            rms = math.sqrt(sum(v * v for v in x) / D)
            for d in range(D):
                peaks[state, d] = max(peaks[state, d], abs(x[d]) / rms if rms > 0 else 0.0)
    dims = [d for d in range(D) if (peaks[:, d] >= tau).sum() >= math.ceil((L + 1) / 2)]
    loop_vs = np.zeros((L, T), dtype=bool)
    loop_vs[:, 0] = True
    for layer in range(L):
        for t in range(first, last + 1):
            x = states[layer, t]
            rms = math.sqrt(sum(v * v for v in x) / D)
            loop_vs[layer, t] = any(abs(x[d]) / rms >= tau for d in dims)
    check(dims == gv["sink_dims"].tolist() and np.array_equal(loop_vs, vs) and
          np.abs(peaks - gv["channel_peaks"]).max() < 1e-5 and tau == np.float32(rv.default_tau(D)),
          f"{name}: sink dims {dims} and visual sinks equal per-token loops over the states")

    fresh = {"token_ids": ids, "image_positions": [first, last], "tau": [r["tau"]],
             "sink_dims": r["sink_dims"], "visual_sinks": r["visual_sinks"],
             "base_mass": r["base_mass"], "base_ratio": r["base_ratio"],
             "base_selected": r["base_selected"], "var_mass": r["var_mass"],
             "var_ratio": r["var_ratio"], "var_selected": r["var_selected"],
             "logits": r["var"]["logits"], "attention": a,
             "channel_peaks": rv.channel_ratios(states).max(axis=1),
             "greedy_ids": rv.var_greedy(model, ids, image, r["hook"], mv.N_GREEDY)[0]}
    worst = max(float((np.abs(gv[k] - np.asarray(v, dtype=np.float64)) /
                       np.maximum(1, np.abs(np.asarray(v, dtype=np.float64)))).max(initial=0))
                for k, v in fresh.items())
    check(set(fresh) == set(gv) and worst < 1e-6 and meta["p"] == "0.6",
          f"{name}: VAR golden matches a fresh run (max rel diff {worst:.1e}; "
          f"sink dims {meta['sink_dims']}, visual sinks {meta['visual_sinks']}, "
          f"selected {meta['var_selected_heads']} of {L * H})")


def check_sinky(name: str = "tiny_llava_sinky") -> None:
    """The fixture built to exercise VAR (make_llava_fixtures.plant_sinks): its planted channel
    is the only sink dimension, the white patches are exactly the visual sinks of every layer,
    the selection is mixed in every layer, and every decision is far from its threshold."""
    cfg = mf.MODEL_SPECS[name]["sinks"]
    model = rl.load(mf.MODELS / name)
    gb, _ = load_file(mf.GOLDEN / f"{name}.safetensors")
    ids = [int(i) for i in gb["token_ids"]]
    image = model.image_features(gb["pixel_values"].astype(np.float64))
    r = rv.run_var(model, ids, image)
    first, last = r["image_positions"]
    planted = [first + i for i in cfg["patches"]]
    d = cfg["channel"]
    check(r["sink_dims"] == [d], f"{name}: sink dims {r['sink_dims']} == [{d}]")
    got = [np.flatnonzero(s).tolist() for s in r["visual_sinks"]]
    check(all(g == [0] + planted for g in got),
          f"{name}: visual sinks of every layer {got} are the BOS and the white patches")
    ratios = rv.channel_ratios(r["base"]["hidden_states"])  # [L + 1, T, D]
    L = model.n_layers
    low = float(ratios[:L, planted, d].min())
    others = np.delete(ratios[:L, first:last + 1, d], cfg["patches"], axis=1)
    check(low >= 4.5 and float(others.max()) < 0.1,
          f"{name}: r on channel {d} of the white patches >= 4.5 in h_0 .. h_{L - 1} ({low:.3f}), "
          f"of the other image tokens < 0.1 ({float(others.max()):.3f}); tau {r['tau']:.3f}")
    margins = mv.decision_margins(r)
    check(min(margins.values()) >= 0.05,
          f"{name}: every decision >= 0.05 from its threshold "
          f"({', '.join(f'{k} {v:.3f}' for k, v in margins.items())})")
    for key in ("base_selected", "var_selected"):
        per_layer = r[key].sum(axis=1)
        check(bool(np.all((per_layer > 0) & (per_layer < model.n_heads))),
              f"{name}: {key} mixed in every layer ({per_layer.tolist()} of {model.n_heads})")
    base = r["base"]["logits"]
    rel = float(np.abs(r["var"]["logits"] - base).max() / np.abs(base).max())
    _, var_margins = rv.var_greedy(model, ids, image, r["hook"], mv.N_GREEDY)
    check(rel > 1e-2 and min(var_margins) > 0.03,
          f"{name}: VAR moves the logits (max diff / max |logit| {rel:.3f} > 0.01) and its "
          f"greedy steps are separated (min top-1 - top-2 {min(var_margins):.3f} > 0.03)")


def check_regenerates() -> None:
    with tempfile.TemporaryDirectory() as td:
        with contextlib.redirect_stdout(io.StringIO()):
            for name in mf.MODEL_SPECS:
                mv.make_var_golden(name, out_dir=Path(td))
        same = all((Path(td) / f"{n}_var.safetensors").read_bytes() ==
                   (mf.GOLDEN / f"{n}_var.safetensors").read_bytes() for n in mf.MODEL_SPECS)
    check(same, "make_var_goldens.py regenerates every VAR golden byte for byte")


def main() -> int:
    check_redistribute()
    check_scores()
    check_dimensions()
    for name in mf.MODEL_SPECS:
        check_fixture(name)
    check_sinky()
    check_regenerates()
    print(f"\n{len(failures)} failure(s)" if failures else "\nall VAR checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
