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
     generation) match a fresh run and differ from a plain full forward.

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
