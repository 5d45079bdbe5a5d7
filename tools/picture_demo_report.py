#!/usr/bin/env python3
"""What the demo picture model shows, measured through the CLI on its sample pictures.

For every question of MODEL/pictures/questions.tsv (held-out scenes written by `train-vlm
--export`): the greedy answer, the answer under VAR (`compare -i var:p=0.6`) and the KL of VAR's
next-token distribution; for every picture: the visual sink tokens per layer (`metrics --image`:
image tokens with phi >= tau in the sink dimensions). Prints a Markdown report.

usage: picture_demo_report.py CLI MODEL [--max-new-tokens N]
"""
import json
import subprocess
import sys


def cli(binary, *args):
    out = subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def answer(side):
    text = side["generated_text"]
    return text.split("</s>")[0].strip()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, model = sys.argv[1], sys.argv[2]
    max_new = sys.argv[sys.argv.index("--max-new-tokens") + 1] if "--max-new-tokens" in sys.argv else "24"
    rows, sinks = [], {}
    with open(f"{model}/pictures/questions.tsv") as f:
        lines = [l.rstrip("\n").split("\t") for l in f if not l.startswith("#")]
    for picture, question, expected in lines:
        path = f"{model}/pictures/{picture}"
        prompt = f"<image>\nQ: {question}\nA:"
        c = cli(binary, "compare", "--model", model, "--image", path, "--prompt", prompt,
                "-i", "var:p=0.6", "--max-new-tokens", max_new, "--json")
        rows.append((picture, question, expected, answer(c["base"]), answer(c["intervened"]), c["kl"]))
        if picture not in sinks:
            m = cli(binary, "metrics", "--model", model, "--image", path, "--prompt", prompt, "--json")
            first, last = m["image_positions"]
            per_layer = [[p for p in layer if first <= p <= last] for layer in m["visual_sink_tokens"]]
            sinks[picture] = (per_layer, m["visual_sink_dims"]["dims"], m["visual_sink_dims"]["tau"])

    print("| picture | question | expected | answer | answer with VAR | KL(base ‖ VAR) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for p, q, e, a, v, kl in rows:
        print(f"| {p} | {q} | {e} | {a} | {v} | {kl:.3f} |")
    n = len(rows)
    right = sum(a == e for _, _, e, a, _, _ in rows)
    right_var = sum(v == e for _, _, e, _, v, _ in rows)
    changed = sum(a != v for _, _, _, a, v, _ in rows)
    mean_kl = sum(r[5] for r in rows) / n
    print(f"\nExact answers: {right} of {n} without VAR, {right_var} of {n} with VAR; VAR changes {changed} "
          f"of {n} answers; mean KL {mean_kl:.3f} nats.\n")
    layers = len(next(iter(sinks.values()))[0])
    print("| layer | pictures with visual sink tokens | visual sink tokens (mean per picture) |")
    print("| --- | --- | --- |")
    for l in range(layers):
        counts = [len(s[0][l]) for s in sinks.values()]
        print(f"| {l} | {sum(c > 0 for c in counts)} of {len(counts)} | {sum(counts) / len(counts):.1f} |")
    dims = sorted({d for s in sinks.values() for d in s[1]})
    print(f"\nSink dimensions found (per picture, union): {dims}; tau {next(iter(sinks.values()))[2]:.2f}.")


if __name__ == "__main__":
    main()
