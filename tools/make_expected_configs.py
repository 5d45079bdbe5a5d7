"""Write tests/data/configs/expected.json: parameter counts of the real configs.

For every tests/data/configs/<Name>.config.json (config.json files as published on the Hugging
Face Hub) this records the model_type, the total parameter count computed from
hf_layout.hf_tensor_shapes (tied output embeddings counted once), the count without the token
embeddings, output head and learned position tables, and the figure the model card or the Hub
publishes. The computed totals equal the published exact figures where one is known; the rest
are the rounded sizes the cards give (noted in "published").

Usage: /usr/bin/python3 tools/make_expected_configs.py [--check]
  --check: exit 1 if expected.json differs from what would be written
"""

from __future__ import annotations

import argparse
import json
import sys
from math import prod
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hf_layout import hf_tensor_shapes  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "tests" / "data" / "configs"

# Name -> the size its model card (or the Hub's safetensors metadata) states.
PUBLISHED = {
    "Llama-3.2-1B": "1,235,814,400 (Hub safetensors total; card: 1.23B)",
    "Llama-3.1-8B": "8,030,261,248 (Hub safetensors total; card: 8B)",
    "Qwen3-0.6B": "0.6B, non-embedding 0.44B (card); Hub total 596,049,920",
    "Qwen3-8B": "8.2B, non-embedding 6.95B (card)",
    "Qwen2.5-0.5B": "0.49B, non-embedding 0.36B (card)",
    "Mistral-7B-v0.1": "7,241,732,096 (Hub safetensors total; card: 7B)",
    "gemma-2b": "2,506,172,416 (Hub safetensors total; card: 2B)",
    "gemma-2-2b": "2,614,341,888 (Hub safetensors total; card: 2B)",
    "gemma-3-1b-pt": "999,885,952 (Hub safetensors total; card: 1B)",
    "pythia-160m": "162,322,944 (Pythia paper, total params)",
    "opt-125m": "125M (card)",
    "opt-350m": "350M (card; the checkpoint holds 331M)",
    "Phi-3-mini-4k-instruct": "3.8B (card)",
    "Phi-3.5-mini-instruct": "3.8B (card)",
    "OLMo-2-0425-1B": "1B (card); Hub total 1.48B",
    "gpt2": "124,439,808 (Hub; card: 124M)",
    "SmolLM2-135M": "135M (card)",
}

# Tensors that are embeddings rather than transformer weights.
_EMBEDDING_SUFFIXES = ("embed_tokens.weight", "embed_in.weight", "embed_out.weight",
                       "lm_head.weight", "wte.weight", "wpe.weight", "embed_positions.weight")


def expected() -> dict:
    out = {}
    for path in sorted(CONFIGS.glob("*.config.json")):
        name = path.name[: -len(".config.json")]
        config = json.loads(path.read_text())
        shapes = hf_tensor_shapes(config)
        total = sum(prod(s) for s in shapes.values())
        non_embedding = sum(prod(s) for k, s in shapes.items()
                            if not k.endswith(_EMBEDDING_SUFFIXES))
        out[name] = {
            "file": path.name,
            "model_type": config["model_type"],
            "parameters": total,
            "non_embedding_parameters": non_embedding,
            "tensors": len(shapes),
            "published": PUBLISHED.get(name, "unknown"),
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = json.dumps(expected(), indent=2) + "\n"
    target = CONFIGS / "expected.json"
    if args.check:
        ok = target.exists() and target.read_text() == text
        print(("ok   " if ok else "FAIL ") + f"{target.relative_to(REPO)} is up to date")
        return 0 if ok else 1
    target.write_text(text)
    for name, e in json.loads(text).items():
        print(f"{e['parameters']:>15,d}  {e['model_type']:<12} {name}  ({e['published']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
