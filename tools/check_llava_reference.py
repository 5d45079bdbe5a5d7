"""Self-checks for the LLaVA reference (reference_llava.py) and its committed fixtures.

  1. the patch embedding: patchify + matmul equals a direct Conv2d (kernel = stride = patch) loop,
     and patch i sits at grid row i // g, column i % g (flatten(2).transpose(1, 2));
  2. the vision tower's hidden_states: Lv + 1 entries; entry k equals a tower cut to its first k
     layers (so hidden_states[-2] is the output of the penultimate layer, what llava-1.5's
     "mm_vision_select_layer: -2" means, and hidden_states[0] is CLIP's pre_layrnorm output);
     post_layernorm is in none of them (applying it changes the features: the fixtures would
     catch an engine that does); vision attention rows sum to 1;
  3. feature selection as LlavaModel.get_image_features: an int and a one-element list agree,
     [-3, -1] concatenates those two states in order, "default" drops exactly the class token;
  4. the splice: with no image tokens and no image the LLaVA reference equals the plain language
     model read from an HF causal-LM directory (the LM tensors renamed back, text_config as
     config.json); positions before the image do not depend on it, positions from the image on
     do; the language model's input at the image positions is the projector's output; a count
     of image tokens different from the features, and a wrongly sized image, are refused;
  5. layouts: each checkpoint renamed to the other LLaVA layout gives identical outputs, and a
     SigLIP checkpoint with the pooling head (vision_use_head not false) gives the same ones;
  6. the fixtures hold exactly hf_layout.llava_tensor_shapes, regenerate byte-identically, and
     the goldens match a fresh run (every tensor, ids and greedy ids);
  7. LM attention rows sum to 1 and are exactly causal;
  8. the published llava-1.5-7b-hf config.json (tests/data/configs/llava/) gets the config
     classes' defaults for what it leaves out, 576 image tokens and 7,063,427,072 parameters.

Usage: /usr/bin/python3 tools/check_llava_reference.py   (exit status 1 on any failure)
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_llava_fixtures as mf  # noqa: E402
import reference_llava as rl  # noqa: E402
import reference_model as rm  # noqa: E402
from hf_layout import LLAVA_LAYOUTS, llava_tensor_shapes, parameter_count  # noqa: E402
from safetensors_io import load_file, load_model_dir, save_file  # noqa: E402

failures = []


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def conv2d_loop(pv, w, b, p):
    """Direct Conv2d with kernel = stride = p, no padding: out [D, H/p, W/p]."""
    D, g = w.shape[0], pv.shape[1] // p
    out = np.zeros((D, g, g))
    for i in range(g):
        for j in range(g):
            window = pv[:, i * p:(i + 1) * p, j * p:(j + 1) * p]
            out[:, i, j] = np.tensordot(w, window, axes=([1, 2, 3], [0, 1, 2]))
    return out if b is None else out + b[:, None, None]


def check_tower(name, model, pv):
    tower = model.vision
    t, e = tower.t, "vision_model.embeddings."
    w = t[e + "patch_embedding.weight"]
    ref = conv2d_loop(pv, w, t.get(e + "patch_embedding.bias"), tower.patch)
    flat = ref.reshape(w.shape[0], -1).T  # flatten(2).transpose(1, 2)
    ours = rl.patchify(pv, tower.patch) @ w.reshape(w.shape[0], -1).T
    if e + "patch_embedding.bias" in t:
        ours = ours + t[e + "patch_embedding.bias"]
    d = np.abs(flat - ours).max()
    check(d < 1e-12, f"{name}: patch embedding equals a direct Conv2d loop (max diff {d:.1e})")
    g = tower.image_size // tower.patch
    check(np.allclose(ours[g + 2], ref[:, 1, 2], atol=1e-12),
          f"{name}: patch {g + 2} is grid row 1, column 2")

    v = tower.forward(pv)
    hs, att = v["hidden_states"], v["attention"]
    check(hs.shape[0] == tower.n_layers + 1, f"{name}: {hs.shape[0]} hidden states for "
          f"{tower.n_layers} layers (embeddings output first)")
    dev = np.abs(att.sum(-1) - 1).max()
    check(dev < 1e-12 and att.min() > 0, f"{name}: vision attention rows sum to 1, no mask "
          f"(max dev {dev:.1e})")
    worst = 0.0
    for k in range(tower.n_layers + 1):
        cut = rl.VisionTower({**model.config["vision_config"], "num_hidden_layers": k}, {
            kk: vv for kk, vv in tower.t.items()})
        worst = max(worst, np.abs(cut.forward(pv)["hidden_states"][-1] - hs[k]).max())
    check(worst < 1e-12, f"{name}: hidden_states[k] is the output of a tower cut to k layers "
          f"(hidden_states[-2] = penultimate layer; max diff {worst:.1e})")
    if tower.clip:  # (hs[0] - b) / w has zero mean and unit variance per token after a LayerNorm
        z = (hs[0] - t["vision_model.pre_layrnorm.bias"]) / t["vision_model.pre_layrnorm.weight"]
        check(np.abs(z.mean(-1)).max() < 1e-12 and np.abs(z.var(-1) - 1).max() < 1e-3,
              f"{name}: hidden_states[0] is the pre_layrnorm output")
    post = rm.layer_norm(hs[-1], t["vision_model.post_layernorm.weight"],
                         t["vision_model.post_layernorm.bias"], tower.eps)
    gap = np.abs(post - hs[-1]).max()
    check(gap > 0.5, f"{name}: post_layernorm would change the last state by up to {gap:.2f} "
          "(it is not part of hidden_states)")
    return hs


def check_selection(name, model, hs):
    strategy = model.strategy
    L = len(hs)
    one = rl.select_features(list(hs), -1, strategy)
    check(np.array_equal(one, rl.select_features(list(hs), [-1], strategy)),
          f"{name}: vision_feature_layer -1 and [-1] agree")
    pair = rl.select_features(list(hs), [-3, -1], "full")
    check(np.array_equal(pair, np.concatenate([hs[L - 3], hs[L - 1]], axis=-1)),
          f"{name}: [-3, -1] concatenates hidden_states[-3] and [-1] along features")
    dflt = rl.select_features(list(hs), -2, "default")
    check(np.array_equal(dflt, hs[-2][1:]), f"{name}: \"default\" drops exactly the first token")
    try:
        rl.select_features(list(hs), -(L + 1), strategy)
        check(False, f"{name}: a layer outside the hidden states is refused")
    except ValueError:
        check(True, f"{name}: a layer outside the hidden states is refused")


def lm_dir(model_dir: Path, out: Path) -> None:
    """The language model alone as an HF causal-LM directory."""
    config = json.loads((model_dir / "config.json").read_text())
    _, _, lm = rl.split_tensors(load_model_dir(model_dir))
    (out / "config.json").write_text(json.dumps(config["text_config"]))
    save_file(out / "model.safetensors", {k: (v, "F32") for k, v in lm.items()})


def renamed(tensors, src: str, dst: str):
    a, b = LLAVA_LAYOUTS[src], LLAVA_LAYOUTS[dst]
    out = {}
    for name, v in tensors.items():
        for part in ("vision", "projector", "lm", "head"):
            if name.startswith(a[part]):
                out[b[part] + name[len(a[part]):]] = v
                break
    return out


def check_model(name: str) -> None:
    d = mf.MODELS / name
    config = json.loads((d / "config.json").read_text())
    tensors = load_model_dir(d)
    model = rl.LlavaReference(config, tensors)
    g, meta = load_file(mf.GOLDEN / f"{name}.safetensors")
    pv = g["pixel_values"].astype(np.float64)
    ids = [int(i) for i in g["token_ids"]]
    layout = mf.MODEL_SPECS[name]["layout"]

    got = {k: tuple(v.shape) for k, v in tensors.items()}
    check(got == llava_tensor_shapes(config, layout) and model.layout == layout,
          f"{name}: holds exactly the {layout} tensors of hf_layout.llava_tensor_shapes")

    hs = check_tower(name, model, pv)
    check_selection(name, model, hs)

    r = model.forward(ids, pv)
    a, T = r["attention"], len(ids)
    check(np.abs(a.sum(-1) - 1).max() < 1e-12 and
          np.abs(a[..., np.triu(np.ones((T, T), dtype=bool), 1)]).max() == 0.0,
          f"{name}: LM attention rows sum to 1 and are causal")
    first, last = (int(i) for i in r["image_positions"])
    n_img = last - first + 1
    check(n_img == model.image_seq_length == r["image_features"].shape[0] and
          all(i == model.image_token for i in ids[first:last + 1]),
          f"{name}: {n_img} image tokens = image_seq_length = features")
    check(np.allclose(r["hidden_norms"][0, first:last + 1],
                      np.linalg.norm(r["image_features"], axis=-1), rtol=1e-12),
          f"{name}: the LM input at the image positions is the projector output")

    with tempfile.TemporaryDirectory() as td:
        lm_dir(d, Path(td))
        plain = rm.load(Path(td))
    text = [i for i in ids if i != model.image_token]
    rp, rl_ = plain.forward(text), model.forward(text)
    diff = max(np.abs(rp[k] - rl_[k]).max() for k in ("logits", "attention", "hidden_norms"))
    check(diff == 0.0, f"{name}: no image tokens, no image: equals the plain LM (max diff {diff})")
    pre = plain.forward(ids[:first])
    diff = np.abs(pre["logits"] - r["logits"][:first]).max()
    check(diff < 1e-12, f"{name}: positions before the image equal the text-only prefix "
          f"({diff:.1e})")
    other = model.forward(ids, pv[:, ::-1, :].copy())
    changed = np.abs(other["logits"] - r["logits"]).max(-1)
    check(changed[:first].max() == 0.0 and changed[first:].min() > 1e-6,
          f"{name}: another image changes the logits exactly from position {first} on")
    for bad_ids, bad_pv, what in ((ids[:-1] + [model.image_token], pv, "one image token too many"),
                                  (ids, pv[:, :-1, :], "a wrongly sized image"),
                                  (ids, None, "image tokens without an image")):
        try:
            model.forward(bad_ids, bad_pv)
            check(False, f"{name}: {what} is refused")
        except ValueError:
            check(True, f"{name}: {what} is refused")

    if config["vision_config"].get("model_type") == "siglip_vision_model":
        # Without vision_use_head false SiglipVisionTransformer has its pooling head, whose
        # weights a checkpoint then holds; LLaVA never runs it.
        headed = {**config, "vision_config": {k: v for k, v in config["vision_config"].items()
                                              if k != "vision_use_head"}}
        shapes = llava_tensor_shapes(headed, layout)
        rng = np.random.default_rng(0)
        extra = {k: rng.standard_normal(s_).astype(np.float32) for k, s_ in shapes.items()
                 if k not in tensors}
        h = rl.LlavaReference(headed, {**tensors, **extra}).forward(ids, pv)
        check(len(extra) == 11 and np.array_equal(h["logits"], r["logits"]),
              f"{name}: the {len(extra)} SigLIP head tensors of a headed checkpoint are ignored")

    alias = {k: v for k, v in config.items() if k != "image_token_index"}
    alias["image_token_id"] = config["image_token_index"]
    check(rl.LlavaReference(alias, tensors).image_token == model.image_token,
          f"{name}: image_token_id is read as image_token_index (LlavaConfig.attribute_map)")

    to = "v4.52" if layout == "llava-hf" else "llava-hf"
    other_model = rl.LlavaReference(config, renamed(tensors, layout, to))
    o = other_model.forward(ids, pv)
    diff = max(np.abs(o[k] - r[k]).max() for k in ("logits", "attention", "image_features"))
    check(other_model.layout == to and diff == 0.0,
          f"{name}: the same weights in the {to} layout give identical outputs")

    share = np.zeros(a.shape[:2])
    for layer in range(a.shape[0]):
        for h in range(a.shape[1]):
            rows = [sum(a[layer, h, q, k] for k in range(first, last + 1))
                    for q in range(last + 1, T)]
            share[layer, h] = sum(rows) / len(rows)
    check(np.abs(share - g["visual_share"]).max() < 1e-6,
          f"{name}: visual_share is the mean image mass of the queries after the image "
          f"({share.min():.2f} .. {share.max():.2f})")

    worst = 0.0
    for k, v in g.items():
        if k in ("token_ids", "greedy_ids", "image_u8", "visual_share"):
            continue
        ref = np.asarray(r[k], dtype=np.float64) if k != "pixel_values" else pv
        worst = max(worst, float((np.abs(v - ref) / np.maximum(1, np.abs(ref))).max()))
    greedy = model.greedy(ids, len(g["greedy_ids"]), pv)
    img, pv2 = mf.image_and_pixels(mf.MODEL_SPECS[name])
    check(worst < 1e-6 and greedy == [int(i) for i in g["greedy_ids"]] and
          json.loads(meta["token_ids"]) == ids and np.array_equal(img, g["image_u8"]) and
          np.array_equal(pv2, g["pixel_values"]),
          f"{name}: golden matches a fresh run (max rel diff {worst:.1e}, greedy {greedy})")


def check_regenerates() -> None:
    with tempfile.TemporaryDirectory() as td:
        models, golden = Path(td) / "models", Path(td) / "golden"
        with contextlib.redirect_stdout(io.StringIO()):  # the generator's progress lines
            for name in mf.MODEL_SPECS:
                mf.write_model(name, models)
                mf.make_golden(name, models, golden)
        same = all((models / n / f.name).read_bytes() == f.read_bytes()
                   for n in mf.MODEL_SPECS for f in (mf.MODELS / n).iterdir())
        same &= all((golden / f"{n}.safetensors").read_bytes() ==
                    (mf.GOLDEN / f"{n}.safetensors").read_bytes() for n in mf.MODEL_SPECS)
    check(same, "make_llava_fixtures.py regenerates every committed file byte for byte")


def check_published_config() -> None:
    """llava-hf/llava-1.5-7b-hf's config.json (tests/data/configs/llava/) leaves out most keys."""
    path = mf.REPO / "tests" / "data" / "configs" / "llava" / "llava-1.5-7b-hf.config.json"
    config = json.loads(path.read_text())
    c = rl.filled_config(config)
    vc, tc = c["vision_config"], c["text_config"]
    check(vc["hidden_act"] == "quick_gelu" and vc["layer_norm_eps"] == 1e-5 and
          vc["num_channels"] == 3 and tc["hidden_size"] == 4096 and
          tc["num_hidden_layers"] == 32 and tc["intermediate_size"] == 11008 and
          c["multimodal_projector_bias"] is True,
          "llava-1.5-7b-hf: absent keys get the CLIPVisionConfig / LlamaConfig / LlavaConfig "
          "defaults (quick_gelu, eps 1e-5, 4096 x 32 layers, projector biases)")
    n = (vc["image_size"] // vc["patch_size"]) ** 2 + 1 - 1  # class token dropped by "default"
    total = parameter_count(config)
    check(n == 576 and total == 7_063_427_072,
          f"llava-1.5-7b-hf: 576 image tokens, {total:,} parameters (the Hub's 7.06B)")


def main() -> int:
    x = np.linspace(-4, 4, 81)
    check(abs(rl.quick_gelu(np.array(1.0)) - 1 / (1 + np.exp(-1.702))) < 1e-15 and
          np.abs(rl.quick_gelu(x) - rm.gelu_erf(x)).max() > 0.01,
          "quick_gelu is x·sigmoid(1.702x), distinct from erf GELU")
    check_published_config()
    for name in mf.MODEL_SPECS:
        check_model(name)
    check_regenerates()
    print(f"\n{len(failures)} failure(s)" if failures else "\nall LLaVA checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
