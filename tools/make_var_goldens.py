"""Goldens for VAR (visual attention redistribution, "var:p=0.6") on the tiny LLaVA fixtures.

For each fixture <name> of make_llava_fixtures.py, reads tests/data/models/<name> and the
prompt of tests/data/golden/<name>.safetensors (its token ids and pixel_values, checked to be
what make_llava_fixtures.py draws), runs reference_var.py (its docstring states every
definition) and writes tests/data/golden/<name>_var.safetensors (float64 -> F32):

  token_ids        I32 [T]            the base golden's prompt (BOS, text, image tokens, text)
  image_positions  I32 [2]            first and last image position: the span V
  tau              F32 [1]            the sink threshold, min(20, sqrt(D) / 2)
  channel_peaks    F32 [L + 1, D]     max_t r_l[t,d] of each state h_0 .. h_L of the base pass
                                      (h_0 the spliced embeddings, h_L before the final norm)
  sink_dims        I32 [k]            D_sink, ascending (shape [0] when empty)
  visual_sinks     I32 [L, T]         S_l of layer l as a 0/1 mask (column 0, the BOS, always 1)
  base_mass        F32 [L, H]         image-centric score of the unmodified pass's attention
  base_ratio       F32 [L, H]           with S_l (mass over the rows after the image, non-sink
  base_selected    I32 [L, H]           share of it, mass >= 0.2 and ratio >= 0.6)
  var_mass         F32 [L, H]         the same scores on the VAR pass's maps before their
  var_ratio        F32 [L, H]           modification (earlier layers already modified): these
  var_selected     I32 [L, H]           decide the heads VAR modifies
  logits           F32 [T, V]         the VAR pass's logits
  attention        F32 [L, H, T, T]   the VAR pass's maps after the redistribution (p = 0.6)
  greedy_ids       I32 [8]            greedy continuation under VAR: selection fixed by the
                                      prompt pass, S_l and V fixed, full recompute per step

Metadata: p, tau, min_mass, min_ratio, sink dims, visual sinks per layer, selected counts, the
smallest distance of any decision to its threshold (channel peaks and image-token maxima to
tau, mass to 0.2, ratio to 0.6: how far an engine's rounding may go before a decision flips)
and the smallest greedy top-1/top-2 margin.

Usage: /usr/bin/python3 tools/make_var_goldens.py [--models DIR] [--golden DIR] [--p P] [NAME...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_llava_fixtures as mf  # noqa: E402
import reference_llava as rl  # noqa: E402
import reference_var as rv  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402

N_GREEDY = 8


def base_prompt(name: str, golden_dir: Path):
    """(ids, pixel_values) of the base golden, checked against make_llava_fixtures' draws."""
    g, meta = load_file(golden_dir / f"{name}.safetensors")
    ids = [int(i) for i in g["token_ids"]]
    _, pv = mf.image_and_pixels(mf.MODEL_SPECS[name])
    if json.loads(meta["token_ids"]) != ids or not np.array_equal(pv, g["pixel_values"]):
        sys.exit(f"{name}.safetensors: token_ids or pixel_values differ from what "
                 "make_llava_fixtures.py draws")
    return ids, g["pixel_values"].astype(np.float64), meta


def decision_margins(r: dict) -> dict:
    """Smallest |value - threshold| of each kind of decision the golden encodes."""
    states = r["base"]["hidden_states"]
    first, last = r["image_positions"]
    L = r["visual_sinks"].shape[0]
    peaks = rv.channel_ratios(states).max(axis=1)
    out = {"channel_peak_vs_tau": float(np.abs(peaks - r["tau"]).min())}
    if r["sink_dims"]:
        phi = rv.channel_ratios(states[:L])[:, first:last + 1, r["sink_dims"]].max(-1)
        out["image_token_vs_tau"] = float(np.abs(phi - r["tau"]).min())
    out["mass_vs_min"] = float(min(np.abs(r[k] - rv.MIN_MASS).min()
                                   for k in ("base_mass", "var_mass")))
    out["ratio_vs_min"] = float(min(np.abs(r[k] - rv.MIN_RATIO).min()
                                    for k in ("base_ratio", "var_ratio")))
    return out


def make_var_golden(name: str, models_root: Path = mf.MODELS, golden_dir: Path = mf.GOLDEN,
                    out_dir: Path = mf.GOLDEN, p: float = rv.P_DEFAULT) -> Path:
    model = rl.load(models_root / name)
    ids, pv, base_meta = base_prompt(name, golden_dir)
    image = model.image_features(pv)
    r = rv.run_var(model, ids, image, p)
    greedy, margins = rv.var_greedy(model, ids, image, r["hook"], N_GREEDY)
    sinks = r["visual_sinks"]
    peaks = rv.channel_ratios(r["base"]["hidden_states"]).max(axis=1)
    meta = {
        "generator": "tools/make_var_goldens.py (reference_var.py, float64 -> float32)",
        "model": f"tests/data/models/{name}",
        "base_golden": f"tests/data/golden/{name}.safetensors",
        "token_ids": json.dumps(ids),
        "prompt_seed": base_meta["prompt_seed"],
        "intervention": f"var:p={p:g}",
        "p": f"{p:g}",
        "tau": repr(r["tau"]),
        "min_mass": f"{rv.MIN_MASS:g}",
        "min_ratio": f"{rv.MIN_RATIO:g}",
        "image_positions": json.dumps(list(r["image_positions"])),
        "sink_dims": json.dumps(r["sink_dims"]),
        "visual_sinks": json.dumps([np.flatnonzero(s).tolist() for s in sinks]),
        "layers_with_image_sinks": str(int((sinks[:, 1:].sum(-1) > 0).sum())),
        "base_selected_heads": str(int(r["base_selected"].sum())),
        "var_selected_heads": str(int(r["var_selected"].sum())),
        "greedy_ids": json.dumps(greedy),
        "greedy_min_margin": f"{min(margins):.6g}",
        "decision_margins": json.dumps({k: float(f"{v:.6g}")
                                        for k, v in decision_margins(r).items()}),
    }
    f32 = lambda a: (np.asarray(a, dtype=np.float64).astype(np.float32), "F32")  # noqa: E731
    i32 = lambda a: (np.asarray(a).astype(np.int32), "I32")  # noqa: E731
    tensors = {
        "token_ids": i32(ids),
        "image_positions": i32(r["image_positions"]),
        "tau": f32([r["tau"]]),
        "channel_peaks": f32(peaks),
        "sink_dims": i32(np.asarray(r["sink_dims"], dtype=np.int64).reshape(-1)),
        "visual_sinks": i32(sinks),
        "base_mass": f32(r["base_mass"]),
        "base_ratio": f32(r["base_ratio"]),
        "base_selected": i32(r["base_selected"]),
        "var_mass": f32(r["var_mass"]),
        "var_ratio": f32(r["var_ratio"]),
        "var_selected": i32(r["var_selected"]),
        "logits": f32(r["var"]["logits"]),
        "attention": f32(r["var"]["attention"]),
        "greedy_ids": i32(greedy),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}_var.safetensors"
    save_file(path, tensors, meta)
    print(f"{name}: tau {r['tau']:.4f} sink dims {r['sink_dims']} visual sinks "
          f"{meta['visual_sinks']} selected heads base {meta['base_selected_heads']} / VAR "
          f"{meta['var_selected_heads']} of {sinks.shape[0] * model.n_heads}; greedy {greedy} "
          f"(margin {min(margins):.3g}); margins {meta['decision_margins']} -> {path} "
          f"({path.stat().st_size} bytes)")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=mf.MODELS)
    ap.add_argument("--golden", type=Path, default=mf.GOLDEN,
                    help="where the base goldens are read and the VAR goldens written")
    ap.add_argument("--p", type=float, default=rv.P_DEFAULT)
    ap.add_argument("names", nargs="*", default=list(mf.MODEL_SPECS))
    args = ap.parse_args()
    if not 0.0 <= args.p <= 1.0:
        sys.exit(f"--p {args.p}: must lie in [0, 1]")
    for name in args.names:
        if name not in mf.MODEL_SPECS:
            sys.exit(f"{name}: not a make_llava_fixtures.py fixture ({', '.join(mf.MODEL_SPECS)})")
        make_var_golden(name, args.models, args.golden, args.golden, args.p)


if __name__ == "__main__":
    main()
