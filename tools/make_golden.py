"""Write golden reference outputs for the C++ engine tests.

For each model this runs tools/reference_model.py (float64) on a fixed token sequence and writes
tests/data/golden/<name>.safetensors with:
  token_ids     I32 [T]           the input ids
  logits        F32 [T, V]        next-token logits at every position
  attention     F32 [L, H, T, T]  post-softmax causal attention, one map per query head
  hidden_norms  F32 [L + 1, T]    L2 norm of the residual stream entering each layer (row 0 = the
                                  embedding output) and, last row, the output of the final layer
                                  before the final norm
  greedy_ids    I32 [N]           N greedily generated ids after token_ids (argmax, ties -> lowest
                                  id, full forward recomputed each step; for dynamic NTK RoPE each
                                  position keeps the rotation HF's cached generation gives it)
  step_logits   F32 [N, V]        dynamic NTK and longrope models only: the logits of each greedy
                                  step as HF's cached generation computes them (for dynamic NTK
                                  they differ from a full forward over the same ids, whose pass is
                                  longer; Phi-3's longrope generation recomputes the whole sequence
                                  once it passes original_max_position_embeddings, so there they
                                  equal the full forward)
Values are computed in float64 and stored as float32. "__metadata__" records the generator, the
model path, the ids, and the smallest top-1/top-2 logit margin seen during greedy generation (a
margin far above float32 rounding means the greedy ids are robust to engine precision).

Usage: /usr/bin/python3 tools/make_golden.py [--out DIR]
(run tools/make_test_models.py first; the tiny models are read from tests/data/models/)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_model as rm  # noqa: E402
from safetensors_io import save_file  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "tests" / "data" / "golden"

# name -> (model path relative to the repository root, token ids, greedy N)
# The tiny-model ids are [bos] + 11 draws from numpy default_rng(seed).integers(0, vocab)
# (seeds 11, 15, 13), picked so that every greedy step has a clear top-1/top-2 margin.
# The stories260k ids are BOS followed by 23 tokens sampled from the model itself
# (temperature 0.8, default_rng(0)), so the input looks like the model's own text; they are
# fixed literals here so the golden does not depend on re-running the sampler.
CASES = {
    "tiny_gpt2": ("tests/data/models/tiny_gpt2",
                  [0, 12, 12, 76, 47, 56, 57, 68, 2, 46, 14, 38], 8),
    "tiny_llama": ("tests/data/models/tiny_llama",
                   [1, 93, 69, 70, 81, 24, 34, 20, 4, 44, 57, 96], 8),
    "tiny_qwen2": ("tests/data/models/tiny_qwen2",
                   [79, 71, 69, 65, 68, 5, 64, 75, 20, 13, 6, 63], 8),
    "stories260k": ("../shared/models/stories260K/stories260K.bin",
                    [1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264, 356, 407, 465,
                     465, 465, 465, 465, 465, 17, 283, 408], 16),
    # RoPE scaling and Qwen3: [bos] + draws of default_rng(seed).integers(0, 64) (Qwen3: no BOS),
    # seeds 3, 2, 3, 2, 7: the first whose greedy steps have a top-1/top-2 margin above 0.03 and
    # at least 4 distinct ids. The dynamic prompt (24 tokens) is longer than the model's 16
    # positions, so its base grows in the prompt pass and again with every generated token.
    "tiny_llama3_rope": ("tests/data/models/tiny_llama3_rope",
                         [1, 51, 5, 11, 15, 11, 51, 55, 37, 2, 6, 21, 27, 39, 30, 16, 10, 44, 47,
                          2], 8),
    "tiny_llama_linear": ("tests/data/models/tiny_llama_linear",
                          [1, 53, 16, 6, 19, 26, 52, 28, 5, 21, 38, 52, 46, 63, 12, 56, 3, 35, 17,
                           12], 8),
    "tiny_llama_dynamic": ("tests/data/models/tiny_llama_dynamic",
                           [1, 51, 5, 11, 15, 11, 51, 55, 37, 2, 6, 21, 27, 39, 30, 16, 10, 44, 47,
                            2, 7, 28, 25, 56], 8),
    "tiny_llama_yarn": ("tests/data/models/tiny_llama_yarn",
                        [1, 53, 16, 6, 19, 26, 52, 28, 5, 21, 38, 52, 46, 63, 12, 56, 3, 35, 17,
                         12], 8),
    "tiny_qwen3": ("tests/data/models/tiny_qwen3",
                   [60, 40, 43, 57, 37, 49, 53, 14, 3, 19, 18, 55, 58, 0, 31, 52, 8, 51, 7, 29], 8),
}

# Sliding-window variants and the other families: [bos] + 19 draws of
# default_rng(seed).integers(0, vocab_size) (OLMo-2 has no BOS: 20 draws), seed the first from 1
# whose greedy steps have a top-1/top-2 margin above 0.03 and at least 4 distinct ids.
# tiny_phi3_longrope_cross: [bos] + 11 draws, so the 12-token prompt is shorter than
# original_max_position_embeddings (16) and generation crosses it (short -> long factors).
FAMILY_CASES = {
    "tiny_mistral_window": [1, 80, 25, 10, 28, 39, 78, 43, 8, 32, 57, 78, 69, 95, 18, 84, 5, 53,
                            26, 19],  # seed 2
    "tiny_qwen2_window": [79, 37, 40, 60, 76, 2, 11, 65, 75, 19, 24, 69, 33, 21, 66, 20, 32, 51,
                          43, 6],  # seed 1
    "tiny_qwen3_window": [63, 46, 60, 56, 32, 60, 62, 62, 5, 29, 38, 18, 24, 40, 51, 37, 11, 43,
                          55, 14],  # seed 4
    "tiny_gemma": [2, 72, 94, 88, 51, 94, 97, 97, 8, 45, 60, 28, 37, 62, 80, 58, 17, 67, 87,
                   21],  # seed 4
    "tiny_gemma2": [2, 69, 90, 84, 49, 90, 93, 93, 7, 43, 58, 27, 36, 60, 76, 55, 16, 64, 83,
                    21],  # seed 4
    "tiny_gemma3": [2, 81, 8, 17, 23, 18, 80, 86, 58, 3, 9, 33, 43, 62, 47, 26, 15, 69, 73,
                    3],  # seed 3
    "tiny_gemma3_v5": [2, 81, 8, 17, 23, 18, 80, 86, 58, 3, 9, 33, 43, 62, 47, 26, 15, 69, 73,
                       3],  # seed 3
    "tiny_gemma2_gguf": [2, 42, 51, 49, 32, 90, 35, 63, 35, 43, 94, 17, 60, 40, 64, 72, 31, 64,
                         65, 43],  # seed 6
    "tiny_gemma3_gguf": [2, 94, 62, 68, 89, 57, 77, 83, 22, 5, 30, 28, 87, 91, 0, 49, 82, 13, 79,
                         11],  # seed 7
    "tiny_pythia": [0, 45, 49, 72, 91, 3, 13, 79, 91, 23, 29, 83, 40, 26, 79, 24, 39, 61, 52,
                    8],  # seed 1
    "tiny_neox_sequential": [0, 45, 49, 72, 91, 3, 13, 79, 91, 23, 29, 83, 40, 26, 79, 24, 39, 61,
                             52, 8],  # seed 1
    "tiny_phi3": [1, 47, 51, 75, 95, 3, 14, 82, 94, 24, 31, 86, 42, 27, 82, 25, 40, 64, 54,
                  8],  # seed 1
    "tiny_phi3_longrope": [1, 47, 51, 75, 95, 3, 14, 82, 94, 24, 31, 86, 42, 27, 82, 25, 40, 64,
                           54, 8],  # seed 1
    "tiny_olmo2": [83, 26, 10, 29, 41, 81, 45, 9, 33, 60, 81, 72, 99, 18, 88, 5, 55, 27, 20,
                   65],  # seed 2
    "tiny_opt": [2, 42, 51, 49, 32, 90, 35, 63, 35, 43, 94, 17, 60, 40, 64, 72, 31, 64, 65,
                 43],  # seed 6
    "tiny_opt_postln": [2, 77, 8, 17, 22, 17, 76, 83, 55, 3, 9, 31, 41, 59, 45, 25, 15, 66, 70,
                        3],  # seed 3
}
for _name, _ids in FAMILY_CASES.items():
    CASES[_name] = (f"tests/data/models/{_name}", _ids, 8)
CASES["tiny_phi3_longrope_cross"] = ("tests/data/models/tiny_phi3_longrope",
                                     [1, 83, 26, 10, 29, 41, 81, 45, 9, 33, 60, 81], 8)  # seed 2

# RoPE types whose frequencies depend on the length of the pass: their goldens also carry the
# step logits of cached generation.
LENGTH_DEPENDENT_ROPE = ("dynamic", "longrope")


def greedy_with_margin(model, ids, n):
    out, margins, steps = [], [], []
    for _ in range(n):
        last = model.step_logits(ids, out)
        steps.append(last)
        nxt = rm.argmax_lowest(last)
        top2 = np.sort(last)[-2:]
        margins.append(float(top2[1] - top2[0]))
        out.append(nxt)
    assert out == model.greedy(ids, n)
    return out, min(margins), np.stack(steps)


def make_one(name: str, out_dir: Path) -> Path:
    rel, ids, n_new = CASES[name]
    model = rm.load(REPO / rel)
    r = model.forward(ids)
    greedy, margin, steps = greedy_with_margin(model, ids, n_new)
    if margin < 1e-3:
        print(f"warning: {name}: greedy top-1/top-2 margin only {margin:.3g}", file=sys.stderr)
    meta = {
        "generator": "tools/make_golden.py (reference_model.py, float64 -> float32)",
        "model": rel,
        "token_ids": json.dumps(ids),
        "greedy_ids": json.dumps(greedy),
        "greedy_new_tokens": str(n_new),
        "greedy_min_margin": f"{margin:.6g}",
        "mean_next_token_entropy": f"{rm.mean_next_token_entropy(r['logits']):.6f}",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.safetensors"
    tensors = {
        "token_ids": (np.asarray(ids, dtype=np.int32), "I32"),
        "logits": (r["logits"].astype(np.float32), "F32"),
        "attention": (r["attention"].astype(np.float32), "F32"),
        "hidden_norms": (r["hidden_norms"].astype(np.float32), "F32"),
        "greedy_ids": (np.asarray(greedy, dtype=np.int32), "I32"),
    }
    scaling = getattr(model, "scaling", None)
    if scaling is not None and scaling.type in LENGTH_DEPENDENT_ROPE:
        tensors["step_logits"] = (steps.astype(np.float32), "F32")
    save_file(path, tensors, meta)
    print(f"{name}: T={len(ids)} logits{r['logits'].shape} attention{r['attention'].shape} "
          f"greedy={greedy} margin={margin:.4g} -> {path.relative_to(REPO)} "
          f"({path.stat().st_size} bytes)")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("names", nargs="*", default=list(CASES))
    args = ap.parse_args()
    for name in args.names:
        make_one(name, args.out)


if __name__ == "__main__":
    main()
