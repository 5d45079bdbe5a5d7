#!/usr/bin/env python3
"""Prints the pilots' table (scripts/pilots.sh) as Markdown, from each run's timeline.json and,
for BOS-specificity, two `sinkscope-cli metrics` passes over the latest checkpoint (cached in
RUN/bos_specificity.json per step).

    python3 tools/pilots/pilots_table.py [--root DIR] [--no-bos-check]

Columns: tokens seen; validation loss; Sink^0.3 (percent of probe (sequence, layer, head) with
alpha_0 > 0.3) and the largest mean alpha_0 of a head at the last checkpoint; BOS-specificity
(Sink^0.3 over 8 held-out passages with BOS first / with the same passages and no BOS: a sink
that lives on BOS collapses without it, a positional one does not); the StreamingLLM ratio
(perplexity of a 64-token window only / 4 sinks + window, 1,024 held-out tokens) and the mean
KL(base || all-head suppression) on the demo prompts, when the run measured them; the first
checkpoint step whose Sink^0.3 exceeds 30 %.
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
PILOTS = ["ctx512", "base", "wd0.5", "lr6e-3", "lr1e-3", "nobos", "data1m", "long", "long-sigmoid"]  # scripts/pilots.sh


def heldout_passages(n=8, chars=300):
    text = open(os.path.join(REPO, "assets/corpus/heldout.txt"), encoding="utf-8").read()
    out = []
    for para in text.split("\n\n"):
        para = para.strip()
        if len(para) < chars:
            continue
        cut = para.rfind(" ", 0, chars)
        out.append(para[:cut if cut > 0 else chars])
        if len(out) == n:
            break
    return out


def sink_rate(cli, model, prompts_file, bos):
    out = subprocess.run([cli, "metrics", "-m", model, "--prompts-file", prompts_file, "--bos", bos,
                          "--json"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])["sink_rate"]


def bos_specificity(run, step):
    cache = os.path.join(run, "bos_specificity.json")
    if os.path.exists(cache):
        c = json.load(open(cache))
        if c.get("step") == step:
            return c["with_bos"], c["without_bos"]
    cli = os.path.join(run, "sinkscope-cli")
    if not os.access(cli, os.X_OK):
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(heldout_passages()) + "\n")
    try:
        a = sink_rate(cli, os.path.join(run, "checkpoint"), f.name, "yes")
        b = sink_rate(cli, os.path.join(run, "checkpoint"), f.name, "no")
    finally:
        os.unlink(f.name)
    if a is None or b is None:
        return None
    json.dump({"step": step, "with_bos": a, "without_bos": b}, open(cache, "w"))
    return a, b


def status(run):
    pidfile = os.path.join(run, "pid")
    if os.path.exists(pidfile):
        pid = open(pidfile).read().strip()
        try:
            if run.split("/")[-1] in open(f"/proc/{pid}/cmdline").read():
                return "running"
        except OSError:
            pass
    return "stopped"


def row(name, run, check_bos):
    tl_path = os.path.join(run, "timeline.json")
    if not os.path.exists(tl_path):
        return [name, "no checkpoint yet" if os.path.isdir(run) else "not started"] + [""] * 8
    points = json.load(open(tl_path))["points"]
    recipe = json.load(open(os.path.join(run, "recipe.json")))
    last = points[-1]
    total = recipe["total_steps"]
    state = "finished" if last["step"] >= total else status(run)
    max_a0 = max(max(r) for r in last["alpha0"]) if last["alpha0"] else 0.0
    first = next((p["step"] for p in points if p["sink_rate"] > 30.0), None)
    ratio = last.get("stream_ratio")
    kl = last.get("suppression_kl")
    bos = bos_specificity(run, last["step"]) if check_bos and os.path.isdir(
        os.path.join(run, "checkpoint")) else None
    return [name, f"{state}, step {last['step']}/{total}", f"{last['tokens'] / 1e6:.2f} M",
            f"{last['val_loss']:.3f}", f"{last['sink_rate']:.1f} %", f"{max_a0:.3f}",
            f"{bos[0]:.1f} % / {bos[1]:.1f} %" if bos else "–",
            f"{ratio:.3f}" if ratio is not None else "–", f"{kl:.3f}" if kl is not None else "–",
            str(first) if first is not None else "–"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.environ.get("SINKSCOPE_PILOTS_DIR", os.path.expanduser(
        "~/.cache/sinkscope/pilots")))
    ap.add_argument("--no-bos-check", action="store_true", help="skip the two metrics passes")
    a = ap.parse_args()
    head = ["pilot", "state", "tokens", "val loss", "Sink^0.3", "max α₀", "Sink^0.3 BOS / no BOS",
            "StreamingLLM ratio", "suppression KL", "first step Sink^0.3 > 30 %"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(" --- " for _ in head) + "|")
    for name in PILOTS:
        print("| " + " | ".join(row(name, os.path.join(a.root, name), not a.no_bos_check)) + " |")


if __name__ == "__main__":
    sys.exit(main())
