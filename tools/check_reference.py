"""Self-checks for the reference implementation and the committed golden files.

  1. attention rows sum to 1 and are exactly causal (zero above the diagonal), every model;
  2. causality end to end: the forward pass on a prefix equals the prefix of the full forward;
  3. RoPE layouts: stories260K run natively (interleaved pairs) agrees with the same weights
     converted to HF rotate-half layout (wq/wk rows permuted interleaved -> half), both through
     the in-memory path and through a real HF-style safetensors directory + config.json;
  4. the golden files on disk match a fresh reference run (ids, logits, attention, norms, greedy);
  5. stories260K is a trained model: mean next-token entropy well below log(512) = 6.24;
  6. RoPE scaling identities that do not come from transformers' code: linear scaling by f at
     position p is plain RoPE at p / f; dynamic NTK is plain RoPE up to max_position_embeddings;
     llama3 and yarn with factor 1 are plain RoPE; the dynamic golden's step logits (cached
     generation) match a fresh run and differ from a plain full forward;
  7. the other families: windowed attention rows are zero outside (i - W, i] and sum to 1, and a
     window as long as the sequence is full attention; Gemma 2 soft-capping with a huge cap is no
     cap; GPT-NeoX parallel and sequential residuals differ; partial rotary with factor 1 is full
     rotary; longrope uses short factors up to original_max_position_embeddings and long ones
     past it (and a generation that crosses it must re-rotate the prompt); golden step logits
     match; OPT's position offset and Gemma 3's local/global RoPE matter; configs/expected.json
     is current and matches the known published parameter totals.

Usage: /usr/bin/python3 tools/check_reference.py   (exit status 1 on any failure)
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_model as rm  # noqa: E402
from make_golden import CASES, REPO  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402

STORIES = REPO / "../shared/models/stories260K/stories260K.bin"
failures = []


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def check_attention(name, model, ids):
    r = model.forward(ids)
    a = r["attention"]
    T = len(ids)
    rows = np.abs(a.sum(-1) - 1.0).max()
    upper = np.triu(np.ones((T, T), dtype=bool), k=1)
    above = np.abs(a[..., upper]).max()
    check(rows < 1e-12, f"{name}: attention rows sum to 1 (max dev {rows:.2e})")
    check(above == 0.0, f"{name}: attention is causal (max above diagonal {above})")
    check(a.shape == (model.n_layers, model.n_heads, T, T), f"{name}: attention shape {a.shape}")
    check(r["hidden_norms"].shape == (model.n_layers + 1, T), f"{name}: hidden_norms shape")
    k = T // 2
    # Dynamic NTK and longrope frequencies depend on the pass's length: the prefix is rotated as
    # in the full pass.
    scaling = getattr(model, "scaling", None)
    dynamic = scaling is not None and scaling.type in ("dynamic", "longrope")
    rp = model.forward(ids[:k], rope_lengths=[T] * k) if dynamic else model.forward(ids[:k])
    d = max(np.abs(rp["logits"] - r["logits"][:k]).max(),
            np.abs(rp["attention"] - r["attention"][:, :, :k, :k]).max(),
            np.abs(rp["hidden_norms"] - r["hidden_norms"][:, :k]).max())
    check(d < 1e-10, f"{name}: prefix forward equals prefix of full forward (max diff {d:.2e})")


def stories_as_hf_dir(out: Path) -> None:
    """Write stories260K as an HF Llama checkpoint (rotate-half layout) for the cross-check."""
    w = rm.read_llama2c(STORIES)
    dim, H, KV = w["dim"], w["n_heads"], w["n_kv_heads"]
    hd = dim // H

    def to_half(m, heads):
        return m.reshape(heads, hd // 2, 2, dim).transpose(0, 2, 1, 3).reshape(heads * hd, dim)

    t = {"model.embed_tokens.weight": w["tok_embeddings"]}
    for i in range(w["n_layers"]):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = w["rms_att"][i]
        t[p + "self_attn.q_proj.weight"] = to_half(w["wq"][i], H)
        t[p + "self_attn.k_proj.weight"] = to_half(w["wk"][i], KV)
        t[p + "self_attn.v_proj.weight"] = w["wv"][i]
        t[p + "self_attn.o_proj.weight"] = w["wo"][i]
        t[p + "post_attention_layernorm.weight"] = w["rms_ffn"][i]
        t[p + "mlp.gate_proj.weight"] = w["w1"][i]
        t[p + "mlp.down_proj.weight"] = w["w2"][i]
        t[p + "mlp.up_proj.weight"] = w["w3"][i]
    t["model.norm.weight"] = w["rms_final"]
    config = {"model_type": "llama", "hidden_size": dim, "intermediate_size": w["hidden_dim"],
              "num_attention_heads": H, "num_key_value_heads": KV,
              "num_hidden_layers": w["n_layers"], "vocab_size": w["vocab_size"],
              "max_position_embeddings": w["seq_len"], "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "tie_word_embeddings": True, "hidden_act": "silu"}
    (out / "config.json").write_text(json.dumps(config))
    save_file(out / "model.safetensors", {k: (np.ascontiguousarray(v), "F32") for k, v in t.items()})


def check_rope_scaling(models) -> None:
    hd, theta = 16, 10000.0
    plain = rm.rope_inv_freq(hd, theta)
    x = np.random.default_rng(0).standard_normal((12, 2, hd))
    pos = np.arange(12)

    def scaling(fields, max_pos=64):
        return rm.RopeScaling({"rope_theta": theta, "max_position_embeddings": max_pos,
                               "rope_scaling": fields}, hd)

    lin = scaling({"type": "linear", "factor": 4.0})
    d = np.abs(rm.rope_half(x, pos, lin.inv_freq(12)) - rm.rope_half(x, pos / 4.0, plain)).max()
    check(d < 1e-12, f"linear scaling by 4 is plain RoPE at position / 4 (max diff {d:.2e})")
    dyn = scaling({"rope_type": "dynamic", "factor": 2.0}, max_pos=16)
    check(np.allclose(dyn.inv_freq(16), plain, rtol=1e-14) and not np.allclose(dyn.inv_freq(17), plain),
          "dynamic NTK is plain RoPE up to max_position_embeddings, scaled past it")
    l3 = scaling({"rope_type": "llama3", "factor": 1.0, "low_freq_factor": 1.0,
                  "high_freq_factor": 4.0, "original_max_position_embeddings": 32})
    check(np.allclose(l3.inv_freq(1), plain, rtol=1e-14), "llama3 with factor 1 is plain RoPE")
    y = scaling({"rope_type": "yarn", "factor": 1.0, "original_max_position_embeddings": 32})
    check(np.allclose(y.inv_freq(1), plain, rtol=1e-14) and y.attention_scaling == 1.0,
          "yarn with factor 1 is plain RoPE (attention factor 1)")

    m, ids, n = models["tiny_llama_dynamic"]
    g, _ = load_file(REPO / "tests" / "data" / "golden" / "tiny_llama_dynamic.safetensors")
    greedy = g["greedy_ids"].tolist()
    steps = np.stack([m.step_logits(ids, greedy[:i]) for i in range(n)])
    full = np.stack([m.forward(list(ids) + greedy[:i])["logits"][-1] for i in range(n)])
    check(np.allclose(g["step_logits"], steps, rtol=1e-6, atol=1e-6),
          "tiny_llama_dynamic: golden step logits match a fresh cached-generation run")
    dfull = float(np.abs(full - steps).max())
    check(dfull > 1e-2, f"tiny_llama_dynamic: a full forward differs from cached generation "
                        f"(max logit diff {dfull:.3g})")


def check_families(models) -> None:
    """Identities for the pieces that do not come from transformers' code."""
    from make_expected_configs import expected

    # Sliding windows: rows are zero outside (i - W, i], sum to 1; a window >= T is full attention.
    for name, (m, ids, _) in models.items():
        windows = getattr(m, "windows", None)
        if not windows or all(w is None for w in windows):
            continue
        T = len(ids)
        att = m.forward(ids)["attention"]
        i, j = np.arange(T)[:, None], np.arange(T)[None, :]
        for layer, w in enumerate(windows):
            if w is None:
                continue
            outside = (j <= i - w) | (j > i)
            a = att[layer]
            check(w < T and np.abs(a[:, outside]).max() == 0.0
                  and np.abs(a.sum(-1) - 1).max() < 1e-12
                  and np.all(a[:, ~outside] > 0),
                  f"{name}: layer {layer} attends exactly to its window of {w} (i - {w} < j <= i)")
        saved = list(m.windows)
        m.windows = [None if w is None else T for w in saved]
        wide = m.forward(ids)
        m.windows = [None] * len(saved)
        full = m.forward(ids)
        m.windows = saved
        d = max(float(np.abs(wide[k] - full[k]).max()) for k in full)
        dw = float(np.abs(m.forward(ids)["logits"] - full["logits"]).max())
        check(d == 0.0 and dw > 1e-3,
              f"{name}: a window of T = {T} equals full attention (the real window changes the "
              f"logits by {dw:.3g})")

    # Gemma 2 soft-capping: a huge cap is no cap; the configured caps change the outputs.
    m, ids, _ = models["tiny_gemma2"]
    caps = (m.attn_softcap, m.final_softcap)
    capped = m.forward(ids)
    m.attn_softcap, m.final_softcap = 1e12, 1e12
    huge = m.forward(ids)
    m.attn_softcap, m.final_softcap = None, None
    none = m.forward(ids)
    m.attn_softcap, m.final_softcap = caps
    d = max(float(np.abs(huge[k] - none[k]).max()) for k in none)
    dc = float(np.abs(capped["logits"] - none["logits"]).max())
    check(d < 1e-9 and dc > 1e-2, f"tiny_gemma2: soft-capping with cap 1e12 equals no cap "
                                   f"(max diff {d:.1e}); caps {caps} move logits by {dc:.3g}")

    # GPT-NeoX: parallel and sequential residuals differ on the same weights.
    m, ids, _ = models["tiny_pythia"]
    par = m.forward(ids)["logits"]
    m.parallel = False
    seq = m.forward(ids)["logits"]
    m.parallel = True
    dp = float(np.abs(par - seq).max())
    check(dp > 1e-2, f"tiny_pythia: parallel residual differs from sequential (max {dp:.3g})")

    # Partial rotary: factor 1 is full rotary; factor < 1 leaves the other dims untouched.
    hd, theta = 16, 10000.0
    x = np.random.default_rng(1).standard_normal((12, 2, hd))
    pos = np.arange(12)
    full_r = rm.RopeScaling({"rope_theta": theta, "partial_rotary_factor": 1.0}, hd)
    d = float(np.abs(rm.rope_half(x, pos, full_r.inv_freq(12))
                     - rm.rope_half(x, pos, rm.rope_inv_freq(hd, theta))).max())
    part = rm.RopeScaling({"rope_theta": theta, "partial_rotary_factor": 0.25}, hd)
    xp = rm.rope_half(x, pos, part.inv_freq(12))
    check(d == 0.0 and part.dim == 4 and np.array_equal(xp[..., 4:], x[..., 4:])
          and np.allclose(xp[..., :4], rm.rope_half(x[..., :4], pos, rm.rope_inv_freq(4, theta))),
          "partial rotary: factor 1.0 equals full rotary; factor 0.25 rotates only dims 0-3")

    # longrope: passes up to original_max_position_embeddings use short factors, longer ones long.
    m, ids, n = models["tiny_phi3_longrope"]
    r = m.ropes[0]
    base = theta ** (np.arange(0, r.dim, 2) / r.dim)
    check(r.original == 16 and np.allclose(r.inv_freq(16), 1 / (r.short_factor * base), rtol=1e-15)
          and np.allclose(r.inv_freq(17), 1 / (r.long_factor * base), rtol=1e-15)
          and abs(r.attention_scaling - math.sqrt(1 + math.log(4) / math.log(16))) < 1e-15,
          "longrope: short factors up to original (16), long past it, attention factor "
          f"{r.attention_scaling:.6f}")
    # Crossing during generation: Phi-3 recomputes the whole sequence with the long factors, so a
    # cached run that kept the prompt's short-factor keys would differ.
    m, ids, n = models["tiny_phi3_longrope_cross"]
    g, _ = load_file(REPO / "tests" / "data" / "golden" / "tiny_phi3_longrope_cross.safetensors")
    greedy = g["greedy_ids"].tolist()
    m.generation = "cached"
    kept = np.stack([m.step_logits(ids, greedy[:i]) for i in range(n)])
    m.generation = "full"
    dk = float(np.abs(kept - g["step_logits"]).max())
    check(len(ids) <= 16 < len(ids) + n and dk > 1e-2,
          f"tiny_phi3_longrope_cross: generation crosses 16 tokens; keeping short-factor keys "
          f"would change the step logits by {dk:.3g}")

    # Every golden with step logits matches a fresh cached-generation run.
    for name, (m, ids, n) in models.items():
        g, _ = load_file(REPO / "tests" / "data" / "golden" / f"{name}.safetensors")
        if "step_logits" not in g:
            continue
        greedy = g["greedy_ids"].tolist()
        steps = np.stack([m.step_logits(ids, greedy[:i]) for i in range(n)])
        check(np.allclose(g["step_logits"], steps, rtol=1e-6, atol=1e-6),
              f"{name}: golden step logits match a fresh cached-generation run")

    # Layout details that a wrong reading would silently change.
    m, ids, _ = models["tiny_opt"]
    ref = m.forward(ids)["logits"]
    m.POSITION_OFFSET = 0
    d0 = float(np.abs(m.forward(ids)["logits"] - ref).max())
    del m.POSITION_OFFSET
    check(d0 > 1e-2, f"tiny_opt: position offset 2 matters (offset 0 moves logits by {d0:.3g})")
    m, ids, _ = models["tiny_gemma3"]
    kinds = {(r.type, r.theta) for r in m.ropes}
    check(kinds == {("default", 1e4), ("linear", 1e6)} and m.windows == [5, 5, None, 5],
          "tiny_gemma3: sliding layers 0, 1, 3 use base 1e4; global layer 2 theta 1e6, linear x4")

    # Parameter counts of the published configs (expected.json up to date, known totals).
    e = expected()
    on_disk = json.loads((REPO / "tests" / "data" / "configs" / "expected.json").read_text())
    known = {"Llama-3.2-1B": 1235814400, "Qwen3-0.6B": 596049920, "pythia-160m": 162322944,
             "gpt2": 124439808}
    check(e == on_disk and all(e[k]["parameters"] == v for k, v in known.items()),
          "configs/expected.json is current; Llama-3.2-1B, Qwen3-0.6B, pythia-160m and gpt2 "
          "counts equal the published totals")


def main() -> int:
    models = {name: (rm.load(REPO / rel), ids, n) for name, (rel, ids, n) in CASES.items()}

    for name, (m, ids, _) in models.items():
        check_attention(name, m, ids)

    # RoPE layouts.
    ids = CASES["stories260k"][1]
    native = models["stories260k"][0].forward(ids)
    permuted = rm.llama_from_llama2c(STORIES, rope_layout="half").forward(ids)
    with tempfile.TemporaryDirectory() as td:
        stories_as_hf_dir(Path(td))
        hf = rm.load(td).forward(ids)
    for label, other in (("in-memory rotate-half", permuted), ("HF safetensors dir", hf)):
        d = {k: float(np.abs(native[k] - other[k]).max()) for k in native}
        check(max(d.values()) < 1e-9,
              f"stories260K interleaved vs {label}: max diff logits {d['logits']:.2e}, "
              f"attention {d['attention']:.2e}, hidden_norms {d['hidden_norms']:.2e}")
    # ...and the permutation is not a no-op: without it the outputs must differ.
    m_wrong = rm.llama_from_llama2c(STORIES, rope_layout="interleaved")
    m_wrong.rope_layout = "half"
    dw = float(np.abs(m_wrong.forward(ids)["logits"] - native["logits"]).max())
    check(dw > 1e-2, f"rotate-half rope on unpermuted weights differs (max logit diff {dw:.3g})")

    # Golden files.
    for name, (m, ids, n) in models.items():
        path = REPO / "tests" / "data" / "golden" / f"{name}.safetensors"
        if not path.exists():
            check(False, f"{name}: golden file missing ({path})")
            continue
        g, meta = load_file(path)
        r = m.forward(ids)
        ok = (g["token_ids"].tolist() == list(ids)
              and np.allclose(g["logits"], r["logits"], rtol=1e-6, atol=1e-6)
              and np.allclose(g["attention"], r["attention"], rtol=1e-6, atol=1e-7)
              and np.allclose(g["hidden_norms"], r["hidden_norms"], rtol=1e-6, atol=1e-6)
              and g["greedy_ids"].tolist() == m.greedy(ids, n)
              and json.loads(meta["token_ids"]) == list(ids))
        check(ok, f"{name}: golden file matches a fresh reference run "
                  f"({path.stat().st_size} bytes, greedy {g['greedy_ids'].tolist()})")
        if name == "stories260k":
            check(path.stat().st_size < 400_000, f"{name}: golden file < 400 KB")

    check_rope_scaling(models)
    check_families(models)

    # Entropy sanity check on the trained model.
    sm = models["stories260k"][0]
    e_golden = rm.mean_next_token_entropy(native["logits"])
    long_seq = [1] + sm.greedy([1], 127)
    e_greedy = rm.mean_next_token_entropy(sm.forward(long_seq)["logits"])
    print(f"stories260K mean next-token entropy: golden ids {e_golden:.3f} nats, "
          f"BOS + 127 greedy tokens {e_greedy:.3f} nats (uniform {math.log(512):.3f})")
    check(e_golden < 4.0 and e_greedy < 4.0, "stories260K entropy well below uniform")

    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
