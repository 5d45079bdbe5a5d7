#!/usr/bin/env python3
"""The figures issue-level targets for the default model are stated in, measured on model
directories (a bundled model, a run's checkpoint) with the app's own CLI, as a Markdown table:

    python3 tools/pilots/lesson_figures.py [--cli PATH] MODEL_DIR [MODEL_DIR ...]

Columns: vocabulary and bytes per token on assets/corpus/heldout.txt; the recorded sink probe
(sink_probe.json, or the run's last timeline point: Sink^0.3 and the largest head alpha_0);
Sink^0.3 over 8 held-out passages with BOS / without (a BOS sink collapses without it); the
StreamingLLM ratio (window-only over 4 sinks + window perplexity, positions re-assigned) at
window 64 on the first 1,024 tokens of heldout.txt (as the trainer records it) and at window 16
on the classroom story (the classroom's setting); the KL (nats) of the next token after all-head
suppression of the first token's attention on the classroom story and its mean over
assets/corpus/demo_prompts.txt.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from pilots_table import heldout_passages, sink_rate  # noqa: E402  (one definition of the BOS check)

HELDOUT = os.path.join(REPO, "assets/corpus/heldout.txt")
PROMPTS = os.path.join(REPO, "assets/corpus/demo_prompts.txt")
HELDOUT_TOKENS = 1024  # engine/train/lesson_probe.h kLessonTokens
CLASSROOM_STORY_LINE = 3  # demo_prompts.txt: the classroom story (app/gui/classroom.cpp kStoryPrompt)


def cli_json(cli, *args):
    out = subprocess.run([cli, *args, "--json"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"lesson_figures: {' '.join(args[:3])}: {out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def stream_ratio(cli, model, ids, window):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(",".join(str(i) for i in ids))
    try:
        r = cli_json(cli, "stream-ppl", "-m", model, "--token-ids-file", f.name, "--window", str(window),
                     "--sinks", "0,4", "--positions", "shift", "--no-full")
    finally:
        os.unlink(f.name)
    ppl = {row["sinks"]: row["perplexity"] for row in r["rows"]}
    return ppl[0] / ppl[4]


def recorded_probe(model):
    """A bundled model's sink_probe.json, else the timeline point of a run's checkpoint
    (RUN/checkpoint, whose trainer_state.json names the step, or RUN/checkpoints/step-N)."""
    probe = os.path.join(model, "sink_probe.json")
    if os.path.exists(probe):
        p = json.load(open(probe))
        return p["sink_rate"], max(max(r) for r in p["alpha0"])
    state = os.path.join(model, "trainer_state.json")
    name = re.fullmatch(r"step-(\d+)", os.path.basename(os.path.normpath(model)))
    if os.path.exists(state):
        step = json.load(open(state))["step"]
    elif name:
        step = int(name.group(1))
    else:
        return None
    up = os.path.dirname(os.path.normpath(model))
    for run in (up, os.path.dirname(up)):
        timeline = os.path.join(run, "timeline.json")
        if os.path.exists(timeline):
            for point in json.load(open(timeline))["points"]:
                if point["step"] == step:
                    return point["sink_rate"], max(max(r) for r in point["alpha0"])
    return None


def figures(cli, model):
    heldout = open(HELDOUT, encoding="utf-8").read()
    prompts = [line for line in open(PROMPTS, encoding="utf-8").read().splitlines() if line.strip()]
    story = prompts[CLASSROOM_STORY_LINE]
    run = cli_json(cli, "run", "-m", model, "--prompt", "@" + HELDOUT, "-n", "0")
    ids = run["token_ids"]
    cfg = json.load(open(os.path.join(model, "config.json")))
    bytes_per_token = len(heldout.encode("utf-8")) / (len(ids) - 1)  # BOS is not text
    story_ids = cli_json(cli, "run", "-m", model, "--prompt", story, "-n", "0")["token_ids"]
    kls = [cli_json(cli, "compare", "-m", model, "-p", p, "-i", "suppress", "-n", "0")["kl"] for p in prompts]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(heldout_passages()) + "\n")
    try:
        bos = (sink_rate(cli, model, f.name, "yes"), sink_rate(cli, model, f.name, "no"))
    finally:
        os.unlink(f.name)
    probe = recorded_probe(model)
    return {
        "vocab": cfg.get("vocab_size"),
        "bytes_per_token": bytes_per_token,
        "probe": probe,
        "bos": bos,
        "ratio64": stream_ratio(cli, model, ids[:HELDOUT_TOKENS], 64),
        "ratio16_story": stream_ratio(cli, model, story_ids, 16),
        "kl_story": kls[CLASSROOM_STORY_LINE],
        "kl_mean": sum(kls) / len(kls),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", default=os.path.join(REPO, "build/app/cli/sinkscope-cli"))
    ap.add_argument("--json", action="store_true", help="one JSON object per model instead of a table")
    ap.add_argument("models", nargs="+")
    a = ap.parse_args()
    head = ["model", "vocab", "bytes/token", "Sink^0.3 (probe)", "max α₀", "Sink^0.3 BOS / no BOS",
            "StreamingLLM ratio w64", "ratio w16 (story)", "suppression KL story", "mean KL (demo prompts)"]
    if not a.json:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join(" --- " for _ in head) + "|")
    for m in a.models:
        f = figures(a.cli, m)
        if a.json:
            print(json.dumps({"model": m, **f}))
            continue
        p = f["probe"]
        print("| " + " | ".join([
            m, str(f["vocab"]), f"{f['bytes_per_token']:.2f}",
            f"{p[0]:.1f} %" if p else "–", f"{p[1]:.3f}" if p else "–",
            f"{f['bos'][0]:.1f} % / {f['bos'][1]:.1f} %",
            f"{f['ratio64']:.3f}", f"{f['ratio16_story']:.3f}", f"{f['kl_story']:.3f}", f"{f['kl_mean']:.3f}"]) + " |")


if __name__ == "__main__":
    sys.exit(main())
