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
  step_logits   F32 [N, V]        dynamic NTK models only: the logits of each greedy step as HF's
                                  cached generation computes them (they differ from a full forward
                                  over the same ids, whose pass is longer)
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
    if scaling is not None and scaling.type == "dynamic":
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
