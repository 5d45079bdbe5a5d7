"""SinkScope's benchmark suite: runs the benchmark programs and prints one table of figures, each
against a baseline measured in the same run. Driven by bench/run.sh (which builds first).

  1. forward pass with full attention capture against PyTorch eager (bench/torch_forward.py: the
     same weights, the same token ids, the same threads), at --tokens, on the GPT-2-small shape
     and the default model (or its recipe's shape); logits and the last layer's attention are
     compared between the two in the same run;
  2. the same forward against the machine's FLOP limit: float32 GEMM GFLOP/s measured in the same
     process, before and after the timed passes;
  3. a live toggle starting at the middle layer (PreparedPrompt) against a full re-run (bench_toggle);
  4. trace write and single-head read against plain float32 files (bench_trace);
  5. peak resident memory of capture passes against the predicted size of the captured data;
  6-8. a 1.1B-shaped BF16 checkpoint through sinkscope-cli (--cli): peak RSS against the weight
     bytes (run, and trace with its capture's predicted size set apart), bf16 against float32
     products, the forward against PyTorch eager on the same bf16 weights, open + 1 token.

Timed runs wait for a quiet machine (other processes below --quiet-load cores, up to --quiet-wait
seconds), stop the process given by --pause (e.g. a background trainer) while they run (it is
always resumed), and are repeated (up to --retries times) when other processes took more than
--quiet-load cores while they ran; the other load is printed. Figures are printed; nothing is
asserted, except with --smoke that every program ran and the two implementations agree.
Needs /usr/bin/python3 with NumPy; PyTorch (Debian's python3-torch) for figures 1 and 7'.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PYTHON = "/usr/bin/python3"


# ------------------------------------------------------------------------------------------------
# Pausing a background process and waiting for a quiet machine
# ------------------------------------------------------------------------------------------------

class Pauser:
    """SIGSTOP/SIGCONT for one process; resumed on every exit path (also SIGINT/SIGTERM)."""

    def __init__(self, pid: int | None):
        self.pid = pid
        self.stopped = False
        if pid:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        self.resume()
        sys.exit(128 + signum)

    def pause(self):
        if self.pid and not self.stopped:
            try:
                os.kill(self.pid, signal.SIGSTOP)
                self.stopped = True
            except ProcessLookupError:
                self.pid = None

    def resume(self):
        if self.pid and self.stopped:
            try:
                os.kill(self.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            self.stopped = False


def busy_seconds() -> float:
    """CPU seconds spent busy (all CPUs, all processes) since boot, from /proc/stat."""
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def cpu_busy(seconds: float) -> float:
    """Busy fraction of all CPUs over `seconds` (from /proc/stat), in cores."""
    def read():
        v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = read()
    time.sleep(seconds)
    t1, i1 = read()
    return (1.0 - (i1 - i0) / max(1, t1 - t0)) * (os.cpu_count() or 1)


class Runner:
    def __init__(self, args, pauser: Pauser):
        self.args = args
        self.pauser = pauser
        self.env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
        self.loads: list[float] = []  # other processes' load during each timed run, in cores
        self.retried = 0
        self.last_load = 0.0
        self.row_load = 0.0

    def run(self, cmd: list[str], timed: bool = True, env: dict | None = None) -> dict:
        """Runs cmd and returns the JSON object it printed last. Timed runs first wait for a quiet
        machine, run with the paused process stopped, and are run again (up to --retries times)
        when other processes took more than --quiet-load cores while they ran."""
        best = None
        for _ in range(self.args.retries + 1):
            if timed and not self.args.smoke:
                deadline = time.time() + self.args.quiet_wait
                while True:
                    self.pauser.pause()
                    before = cpu_busy(0.5)
                    if before <= self.args.quiet_load or time.time() > deadline:
                        break
                    self.pauser.resume()
                    time.sleep(2.0)
            try:
                busy0, wall0 = busy_seconds(), time.time()
                child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                p = subprocess.run(cmd, env=dict(self.env, **(env or {})), capture_output=True, text=True)
                child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                busy1, wall1 = busy_seconds(), time.time()
            finally:
                self.pauser.resume()
            if p.returncode != 0:
                sys.stderr.write(p.stderr)
                raise SystemExit(f"suite: {' '.join(map(str, cmd))} failed ({p.returncode})")
            if not timed or self.args.smoke:
                break
            used = (child1.ru_utime + child1.ru_stime) - (child0.ru_utime + child0.ru_stime)
            other = max(0.0, (busy1 - busy0) - used) / max(1e-6, wall1 - wall0)
            self.loads.append(other)
            if best is None or other < best[0]:
                best = (other, p.stdout)
            if other <= self.args.quiet_load:
                break
            self.retried += 1
        # The least disturbed attempt; its load marks the figures it feeds.
        out = best[1] if best else p.stdout
        self.last_load = best[0] if best else 0.0
        self.row_load = max(self.row_load, self.last_load)
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        return json.loads(lines[-1])

    def take_row_load(self) -> float:
        """The largest other load among the runs since the last call (for marking a figure)."""
        load, self.row_load = self.row_load, 0.0
        return load


# ------------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------------

def forward_flops(cfg: dict, T: int, logit_rows: int) -> float:
    """Multiply-adds x 2 of one forward pass: projections, MLP, attention over the causal
    triangle (q.k and p.v for keys j <= i only: the work the pass needs), the LM head rows."""
    gpt2 = cfg.get("model_type") == "gpt2"
    L = cfg["n_layer"] if gpt2 else cfg["num_hidden_layers"]
    H = cfg["n_head"] if gpt2 else cfg["num_attention_heads"]
    D = cfg["n_embd"] if gpt2 else cfg["hidden_size"]
    Hkv = H if gpt2 else cfg.get("num_key_value_heads", H)
    hd = cfg.get("head_dim", D // H)
    F = cfg.get("n_inner") or 4 * D if gpt2 else cfg["intermediate_size"]
    V = cfg["vocab_size"]
    per_token = D * (H + 2 * Hkv) * hd + H * hd * D + (2 if gpt2 else 3) * D * F
    attention = H * hd * T * (T + 1)  # q.k and p.v, T(T+1)/2 pairs each
    return 2.0 * (L * (T * per_token + attention) + logit_rows * D * V)


def median(v):
    return statistics.median(v) if v else float("nan")


class Table:
    def __init__(self):
        self.rows: list[tuple] = []
        self.notes: list[str] = []
        self.busy = False

    def add(self, num, measure, model, size, ours, baseline, ratio, target="", met=None, busy=False):
        mark = "" if met is None else ("yes" if met else "NO")
        if busy:
            ratio = f"{ratio} *"
            self.busy = True
        self.rows.append((num, measure, model, size, ours, baseline, ratio, target, mark))

    def print(self):
        head = ("#", "measure", "model", "size", "SinkScope", "baseline (same run)", "ratio", "target", "met")
        widths = [max(len(str(r[i])) for r in self.rows + [head]) for i in range(len(head))]
        line = "  ".join(f"{{:{'<' if i in (1, 2, 5, 7) else '>'}{w}}}" for i, w in enumerate(widths))
        print(line.format(*head))
        print("  ".join("-" * w for w in widths))
        for r in sorted(self.rows, key=lambda r: int(str(r[0]).rstrip("'"))):  # stable: by figure
            print(line.format(*map(str, r)))
        for n in self.notes:
            print(n)
        if self.busy:
            print("   *: measured while other processes used more than --quiet-load cores (after retries)")


def ms(v: float) -> str:
    return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"


def mib(b: float) -> str:
    return f"{b / 2**20:.0f} MiB"


# ------------------------------------------------------------------------------------------------
# The suite
# ------------------------------------------------------------------------------------------------

def forward_figures(args, run: Runner, table: Table, models: dict, tmp: Path, results: dict):
    bench = str(args.build_dir / "bench" / "bench_forward")
    have_torch = subprocess.run([PYTHON, "-c", "import torch"], capture_output=True).returncode == 0
    if not have_torch:
        table.notes.append("figure 1 baseline skipped: PyTorch (python3-torch) is not installed")
    rng = np.random.default_rng(7)
    for key in args.models:
        model = models[key]
        cfg = json.loads((Path(model["path"]) / "config.json").read_text())
        name = "GPT-2 small" if key == "gpt2" else "default"
        for T in args.tokens:
            ids = tmp / f"ids_{key}_{T}.txt"
            ids.write_text(",".join(str(int(i)) for i in rng.integers(0, cfg["vocab_size"], T)))
            for all_logits in [v == "all" for v in args.logits]:
                tag = "all logits" if all_logits else "next token"
                ours, theirs, tuned, peaks, errs = [], [], [], [], {}
                with_tuned = args.tuned_baseline and all_logits and have_torch
                for rnd in range(args.rounds):
                    first = rnd == 0
                    c_cmd = [bench, "--threads", str(args.threads), "forward", "--model", model["path"],
                             "--ids", str(ids), "--repeats", str(args.repeats), "--capture", args.capture,
                             "--sgemm", str(args.sgemm_n)]
                    p_cmd = [PYTHON, str(ROOT / "bench" / "torch_forward.py"), "--model", model["path"],
                             "--ids", str(ids), "--repeats", str(args.repeats), "--threads", str(args.threads)]
                    if all_logits:
                        c_cmd.append("--all-logits")
                    else:
                        p_cmd.append("--last-only")
                    if first:
                        c_cmd += ["--dump-logits", str(tmp / "c_logits.npy"), "--dump-attention", str(tmp / "c_att.npy")]
                        p_cmd += ["--dump-logits", str(tmp / "p_logits.npy"), "--dump-attention", str(tmp / "p_att.npy")]
                    order = [("c", c_cmd), ("p", p_cmd)] if rnd % 2 == 0 else [("p", p_cmd), ("c", c_cmd)]
                    if with_tuned:
                        order.append(("t", [a for a in p_cmd if not a.startswith("--dump") and not a.endswith(".npy")]))
                    for side, cmd in order:
                        if side != "c" and not have_torch:
                            continue
                        out = run.run(cmd, env={"OMP_WAIT_POLICY": "PASSIVE"} if side == "t" else None)
                        if side == "t":
                            tuned += out["times_ms"]
                            continue
                        if side == "c":
                            ours += out["times_ms"]
                            peaks += out["sgemm_gflops"]
                            results.setdefault("blas", out["blas"])
                        else:
                            theirs += out["times_ms"]
                    if first and have_torch:
                        a, b = np.load(tmp / "c_logits.npy"), np.load(tmp / "p_logits.npy")
                        errs["logits"] = float(np.abs(a - b).max())
                        errs["logit_scale"] = float(np.abs(b).max())
                        a, b = np.load(tmp / "c_att.npy"), np.load(tmp / "p_att.npy")
                        errs["attention"] = float(np.abs(a - b).max())
                busy = run.take_row_load() > args.quiet_load
                flops = forward_flops(cfg, T, T if all_logits else 1)
                m_ours, m_theirs, peak = median(ours), median(theirs), median(peaks)
                speedup = m_theirs / m_ours if theirs else float("nan")
                target = {64: 3.0, 1024: 1.5}.get(T) if all_logits and not args.smoke else None
                table.add(1, f"forward + capture ({tag}) vs PyTorch eager", name, T, ms(m_ours),
                          f"PyTorch {ms(m_theirs)}" if theirs else "-", f"{speedup:.2f}x",
                          f">= {target:g}x" if target else "", speedup >= target if target else None, busy)
                if tuned:
                    table.add("1'", "  same, PyTorch with OMP_WAIT_POLICY=PASSIVE", name, T, ms(m_ours),
                              f"PyTorch {ms(median(tuned))}", f"{median(tuned) / m_ours:.2f}x", busy=busy)
                achieved = flops / (m_ours * 1e6)
                fl_target = 1 / 1.3 if T == 1024 and all_logits and not args.smoke else None
                table.add(2, f"forward + capture ({tag}) vs FLOP limit", name, T,
                          f"{achieved:.0f} GFLOP/s ({flops / 1e9:.1f} GFLOP)", f"sgemm {peak:.0f} GFLOP/s",
                          f"{achieved / peak:.2f}", f">= {fl_target:.2f}" if fl_target else "",
                          achieved / peak >= fl_target if fl_target else None, busy)
                results.setdefault("forward", []).append(dict(
                    model=name, tokens=T, logits=tag, ours_ms=ours, pytorch_ms=theirs,
                    pytorch_passive_ms=tuned, sgemm_gflops=peaks, flops=flops, errors=errs))
                if errs:
                    table.notes.append(
                        f"   1: {name} T={T} ({tag}): logits max |C++ - PyTorch| {errs['logits']:.2e} "
                        f"(max |logit| {errs['logit_scale']:.2f}); last layer's attention max |error| "
                        f"{errs['attention']:.2e} ({args.capture} capture)")
                    if args.smoke:
                        assert errs["logits"] <= 1e-3 * max(1.0, errs["logit_scale"]), errs
                        assert errs["attention"] <= (1e-3 if args.capture == "fp16" else 1e-5), errs


def toggle_figures(args, run: Runner, table: Table, models: dict, results: dict):
    out = run.run([str(args.build_dir / "bench" / "bench_toggle"), "--json", "--tokens", str(args.toggle_tokens),
                   "--repeats", str(args.toggle_repeats), "--default-model", models["default"]["path"],
                   "--gpt2-model", models["gpt2"]["path"], "--toggles", "suppress:layers={mid}",
                   "--toggles", "suppress:layers={mid}-{last}"])
    results["toggle"] = out
    busy = run.take_row_load() > args.quiet_load
    for m in out["models"]:
        name = "GPT-2 small" if "gpt2" in m["label"].lower() else "default"
        for t in m["toggles"]:
            a, b = median(t["prepared_ms"]), median(t["full_ms"])
            is_target = not args.smoke and t["spec"].count("-") == 0
            table.add(3, f"toggle {t['spec']} (prefix reuse) vs full re-run", name, args.toggle_tokens, ms(a),
                      f"full re-run {ms(b)}", f"{b / a:.2f}x", ">= 10x" if is_target else "",
                      b / a >= 10 if is_target else None, busy)


def trace_figures(args, run: Runner, table: Table, results: dict):
    cmd = [str(args.build_dir / "bench" / "bench_trace"), "--json", "--tokens", str(args.trace_tokens)]
    if args.smoke:
        cmd += ["--layers", "2", "--heads", "2", "--samples", "5"]
    out = run.run(cmd)
    results["trace"] = out
    busy = run.take_row_load() > args.quiet_load
    size = f"{out['layers']}x{out['heads']}x{out['tokens']}"
    table.add(4, "trace write (fp16 + zstd, one transaction)", "synthetic", size, ms(out["write_ms"]),
              f"raw fp32 file {ms(out['raw_write_ms'])}", f"{out['raw_write_ms'] / out['write_ms']:.2f}x", busy=busy)
    table.add(4, "trace bytes per stored weight", "synthetic", size, f"{out['bytes_per_weight']:.3f} B",
              "raw fp32 4 B", f"{4 / out['bytes_per_weight']:.2f}x")
    table.add(4, "trace single-head read (median)", "synthetic", size, f"{out['head_median_ms']:.2f} ms",
              f"raw fp32 pread {out['raw_head_median_ms']:.2f} ms",
              f"{out['raw_head_median_ms'] / out['head_median_ms']:.2f}x", "<= 20 ms",
              out["head_median_ms"] <= 20 if not args.smoke else None, busy)


def memory_figures(args, run: Runner, table: Table, models: dict, results: dict):
    bench = str(args.build_dir / "bench" / "bench_forward")
    cfg = json.loads((Path(models["gpt2"]["path"]) / "config.json").read_text())
    L, H = cfg["n_layer"], cfg["n_head"]
    out_all = []
    for T in args.memory_tokens:
        base = run.run([bench, "--threads", str(args.threads), "memory", "--model", models["gpt2"]["path"],
                        "--tokens", str(T), "--capture", "none"], timed=False)
        cap = run.run([bench, "--threads", str(args.threads), "memory", "--model", models["gpt2"]["path"],
                       "--tokens", str(T), "--capture", "fp16"], timed=False)
        grow_base = base["hwm"] - base["rss_before"]
        grow_cap = cap["hwm"] - cap["rss_before"]
        captured = L * H * T * (T + 1)  # fp16, causal triangle: T(T+1)/2 x 2 bytes per head
        buffers = cap["threads"] * T * T * 4  # one float32 [T, T] head buffer per thread
        predicted = grow_base + captured + buffers
        dense = L * H * T * T * 4
        table.add(5, "peak RSS added by a capture pass (fp16)", "GPT-2 small", T, mib(grow_cap),
                  f"predicted {mib(predicted)}", f"{grow_cap / predicted:.2f}", "bounded, predictable")
        table.notes.append(
            f"   5: T={T}: captured data {mib(captured)} (predicted = pass without capture {mib(grow_base)} "
            f"+ captured {mib(captured)} + {cap['threads']} head buffers {mib(buffers)}); a dense float32 "
            f"[L, H, T, T] copy would be {mib(dense)}")
        out_all.append(dict(tokens=T, none=base, fp16=cap, captured=captured, predicted=predicted))
    results["memory"] = out_all



def timed_rss(run: Runner, cmd: list[str], tmp: Path) -> tuple[dict, float, float]:
    """Runs cmd under /usr/bin/time: its JSON, peak RSS in bytes and wall seconds."""
    out = tmp / "time.txt"
    j = run.run(["/usr/bin/time", "-f", "%M %e", "-o", str(out)] + cmd)
    kb, secs = out.read_text().split()[-2:]
    return j, float(kb) * 1024, float(secs)


def trace_capture_bytes(layers: int, heads: int, prompt_tokens: int, new_tokens: int = 0,
                        scores: bool = False) -> int:
    """What `sinkscope-cli trace` holds for the maps it keeps: TraceCapture::predictedBytes
    (engine/session/trace_capture.cpp), the same formula: the causal part of every (layer, head)
    row in fp16, plus the one dense float32 map being written at a time (plus float32 scores)."""
    T, fed, maps = float(prompt_tokens), float(max(0, new_tokens - 1)), float(layers) * heads
    causal = T * (T + 1) / 2 + fed * T + fed * (fed + 1) / 2
    rows_times_keys = T * T + fed * (T + fed)
    b = maps * causal * 2 + (T + fed) * (T + fed) * 4
    if scores:
        b += maps * rows_times_keys * 4
    return int(b)


def next_token_log_probs(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64)
    return z - (z.max() + np.log(np.exp(z - z.max()).sum()))


def weights_figures(args, run: Runner, table: Table, tmp: Path, results: dict):
    """Big models: a Llama-shaped BF16 checkpoint (TinyLlama-1.1B's shape; tiny in --smoke) written by
    bench/make_big_checkpoint.py, run through sinkscope-cli at --weights-tokens tokens with each
    --compute precision. Peak RSS against the weight bytes (the target: at most 1.3 x) with the alpha0
    capture of `run` and with the full capture of `trace` (its predicted size counted separately);
    bf16 against float32 products; and the forward pass against PyTorch eager on the same bf16
    weights (bench/torch_forward.py --weights bf16, the attention probabilities returned).
    The forward compared is a T-token pass less a 1-token pass on both sides: SinkScope's T-token
    run's wall time minus its 1-token run's (whole processes: open, memory map, finite check and
    teardown cancel out, and so does one 1-token pass); PyTorch's T-token pass minus its 1-token
    pass, each timed inside its process around model(ids) (medians of --repeats passes after an
    untimed one)."""
    model = tmp / "big"
    preset = "tiny" if args.smoke else "1b"
    subprocess.run(["/usr/bin/python3", str(ROOT / "bench" / "make_big_checkpoint.py"), str(model), "--preset",
                    preset], check=True, capture_output=True)
    weight_bytes = (model / "model.safetensors").stat().st_size
    cfg = json.loads((model / "config.json").read_text())
    L, H = cfg["num_hidden_layers"], cfg["num_attention_heads"]
    T = args.weights_tokens
    ids = ",".join(str((i * 7919) % cfg["vocab_size"]) for i in range(T))
    ids_file = tmp / "big_ids.txt"
    ids_file.write_text(ids)
    cli = str(args.cli)
    label = f"{preset} bf16 ({weight_bytes / 2**30:.2f} GiB)"
    have_torch = subprocess.run([PYTHON, "-c", "import torch"], capture_output=True).returncode == 0
    figures = {c: dict(times=[], open_times=[], peak_rss=0.0, open_rss=0.0) for c in ("f32", "bf16")}
    trace = dict(times=[], peak_rss=0.0)
    torch_bf16 = dict(times_ms=[], one_token_ms=[], passive_times_ms=[], passive_one_token_ms=[], first_ms=[],
                      peak_rss=0.0)
    first_json = {}
    for rnd in range(args.rounds):
        for compute in ("f32", "bf16"):
            f = figures[compute]
            j, peak, secs = timed_rss(run, [cli, "run", "-m", str(model), "--token-ids", ids, "--json", "--compute",
                                            compute], tmp)
            first_json.setdefault(compute, j)
            f["times"].append(secs)
            f["peak_rss"] = max(f["peak_rss"], peak)
            _, peak, secs = timed_rss(run, [cli, "run", "-m", str(model), "--token-ids", "1", "--json",
                                            "--compute", compute], tmp)
            f["open_times"].append(secs)
            f["open_rss"] = max(f["open_rss"], peak)
        db = tmp / "big_trace.sqlite"
        _, peak, secs = timed_rss(run, [cli, "trace", "--db", str(db), "-m", str(model), "--token-ids", ids,
                                        "--json", "--compute", "f32"], tmp)
        db.unlink()
        trace["times"].append(secs)
        trace["peak_rss"] = max(trace["peak_rss"], peak)
        if have_torch:
            cmd = [PYTHON, str(ROOT / "bench" / "torch_forward.py"), "--model", str(model), "--ids", str(ids_file),
                   "--threads", str(args.threads), "--repeats", str(args.repeats), "--weights", "bf16",
                   "--last-only", "--one-token-repeats", str(args.repeats)]
            if rnd == 0:
                cmd += ["--dump-logits", str(tmp / "big_logits.npy"), "--dump-alpha0", str(tmp / "big_alpha0.npy")]
            j, peak, _ = timed_rss(run, cmd, tmp)
            torch_bf16["times_ms"] += j["times_ms"]
            torch_bf16["one_token_ms"] += j["one_token_ms"]
            torch_bf16["first_ms"].append(j["first_ms"])
            torch_bf16["peak_rss"] = max(torch_bf16["peak_rss"], peak)
            if args.tuned_baseline:
                j = run.run([a for a in cmd if not a.startswith("--dump") and not a.endswith(".npy")],
                            env={"OMP_WAIT_POLICY": "PASSIVE"})
                torch_bf16["passive_times_ms"] += j["times_ms"]
                torch_bf16["passive_one_token_ms"] += j["one_token_ms"]
    busy = run.take_row_load() > args.quiet_load
    for f in figures.values():
        f["seconds"], f["open_seconds"] = median(f["times"]), median(f["open_times"])
        # Paired by round (each T-token run with the 1-token run right after it): the VM's speed
        # drifts between rounds, so a difference of medians taken from different rounds is noisier.
        f["forward_seconds"] = median([t - o for t, o in zip(f["times"], f["open_times"])])
    f32, bf16 = figures["f32"], figures["bf16"]
    captured = trace_capture_bytes(L, H, T)
    trace_ratio = (trace["peak_rss"] - captured) / weight_bytes
    target = None if args.smoke else 1.3  # a tiny model's weights are dwarfed by the process itself
    table.add(6, "peak RSS / weight bytes, run with alpha0 capture", label, T, mib(f32["peak_rss"]),
              f"weights {mib(weight_bytes)}", f"{f32['peak_rss'] / weight_bytes:.2f}", "<= 1.3" if target else "",
              f32["peak_rss"] / weight_bytes <= target if target else None)
    table.add(6, "(peak RSS - predicted capture) / weight bytes, trace", label, T, mib(trace["peak_rss"]),
              f"capture {mib(captured)}", f"{trace_ratio:.2f}", "<= 1.3" if target else "",
              trace_ratio <= target if target else None)
    table.add(7, "whole run (load + forward), --compute bf16 vs f32", label, T, f"{bf16['seconds']:.1f} s",
              f"f32 {f32['seconds']:.1f} s", f"{f32['seconds'] / bf16['seconds']:.2f}x", busy=busy)
    if have_torch:
        # Both sides: a T-token pass less a 1-token pass. The faster of PyTorch's default and
        # OMP_WAIT_POLICY=PASSIVE (see figure 1') is the baseline.
        pt = median(torch_bf16["times_ms"]) - median(torch_bf16["one_token_ms"])
        if torch_bf16["passive_times_ms"]:
            pt = min(pt, median(torch_bf16["passive_times_ms"]) - median(torch_bf16["passive_one_token_ms"]))
        torch_bf16["forward_seconds"] = theirs = pt / 1000
        for compute in ("bf16", "f32"):
            ours = figures[compute]["forward_seconds"]
            table.add("7'", f"forward, {T} tokens less 1 token, --compute {compute} vs PyTorch eager bf16", label,
                      T, f"{ours:.2f} s", f"PyTorch bf16 {theirs:.2f} s", f"{theirs / ours:.2f}x", busy=busy)
    else:
        table.notes.append("figure 7' skipped: PyTorch (python3-torch) is not installed")
    table.add(8, "open + 1-token run (memory map, finite check)", label, 1, f"{f32['open_seconds']:.2f} s",
              f"RSS {mib(f32['open_rss'])}", "", "")
    table.notes.append(
        f"   6: trace (every layer/head map kept, --compute f32) {trace['peak_rss'] / weight_bytes:.2f}x the "
        f"weights with its capture; predicted capture {captured} B = TraceCapture::predictedBytes({L} layers, "
        f"{H} heads, {T} tokens); trace wall {median(trace['times']):.1f} s")
    if have_torch:
        lp = next_token_log_probs(np.load(tmp / "big_logits.npy")[-1])
        a0 = np.load(tmp / "big_alpha0.npy")
        errs = {}
        for compute in ("bf16", "f32"):
            j = first_json[compute]
            top = [t["id"] for t in j["next_token_topk"]]
            ours = np.log([max(t["prob"], 1e-45) for t in j["next_token_topk"]])
            errs[compute] = dict(log_prob=float(np.abs(lp[top] - ours).max()),
                                 alpha0=float(np.abs(a0 - np.array(j["alpha0"])).max()))
        table.notes.append(
            f"  7': PyTorch eager bf16 (torch {torch_version()}): {T}-token pass "
            f"{median(torch_bf16['times_ms']) / 1000:.2f} s, 1-token pass "
            f"{median(torch_bf16['one_token_ms']) / 1000:.2f} s"
            + (f"; with OMP_WAIT_POLICY=PASSIVE {median(torch_bf16['passive_times_ms']) / 1000:.2f} s and "
               f"{median(torch_bf16['passive_one_token_ms']) / 1000:.2f} s (the faster difference is the baseline)"
               if torch_bf16["passive_times_ms"] else "") + ", "
            + f"first pass {median(torch_bf16['first_ms']) / 1000:.2f} s, "
            f"peak RSS {mib(torch_bf16['peak_rss'])}; next-token log-probabilities of SinkScope's top 10 max "
            f"|PyTorch bf16 - SinkScope| {errs['bf16']['log_prob']:.2e} (--compute bf16), "
            f"{errs['f32']['log_prob']:.2e} (f32); alpha0 max |diff| {errs['bf16']['alpha0']:.2e} (bf16), "
            f"{errs['f32']['alpha0']:.2e} (f32)")
        torch_bf16["errors"] = errs
        if args.smoke:
            assert all(e["log_prob"] <= 0.05 and e["alpha0"] <= 0.01 for e in errs.values()), errs
    results["weights"] = dict(model=label, weight_bytes=weight_bytes, tokens=T, trace=trace,
                              trace_capture_bytes=captured, pytorch_bf16=torch_bf16, **figures)


def torch_version() -> str:
    return subprocess.run([PYTHON, "-c", "import torch; print(torch.__version__)"], capture_output=True,
                          text=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser(description="SinkScope benchmark suite (run through bench/run.sh)")
    ap.add_argument("--build-dir", type=Path, default=ROOT / "build")
    ap.add_argument("--cli", type=Path,
                    help="sinkscope-cli for figures 6-8 (default: BUILD_DIR/app/cli/sinkscope-cli)")
    ap.add_argument("--models-dir", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens", type=lambda s: [int(x) for x in s.split(",")], default=[64, 256, 1024])
    ap.add_argument("--rounds", type=int, default=2, help="alternating C++/PyTorch rounds per figure")
    ap.add_argument("--repeats", type=int, default=3, help="timed passes per process")
    ap.add_argument("--capture", choices=["fp16", "fp32"], default="fp16")
    ap.add_argument("--sgemm-n", type=int, default=2048)
    ap.add_argument("--tuned-baseline", action=argparse.BooleanOptionalAction, default=True,
                    help="also time PyTorch with OMP_WAIT_POLICY=PASSIVE (all-logits rows): its OpenMP "
                         "workers then sleep instead of spinning against OpenBLAS's threads")
    ap.add_argument("--toggle-tokens", type=int, default=256)
    ap.add_argument("--toggle-repeats", type=int, default=5)
    ap.add_argument("--trace-tokens", type=int, default=1024)
    ap.add_argument("--memory-tokens", type=lambda s: [int(x) for x in s.split(",") if x], default=[2048, 4096])
    ap.add_argument("--models", type=lambda s: s.split(","), default=["gpt2", "default"],
                    help="figure 1-2 models: gpt2, default")
    ap.add_argument("--logits", type=lambda s: s.split(","), default=["all", "next"],
                    help="figure 1-2 variants: all (every position, as Hugging Face returns), next (next token)")
    ap.add_argument("--weights-tokens", type=int, default=512, help="tokens of the big-model figures 6-8")
    ap.add_argument("--skip", default="", help="comma-separated: forward, toggle, trace, memory, weights")
    ap.add_argument("--pause", default="", help="pid to stop while timing, or 'auto' (sinkscope-cli train)")
    ap.add_argument("--quiet-load", type=float, default=0.3, help="cores of other load tolerated when timing")
    ap.add_argument("--quiet-wait", type=float, default=60.0, help="seconds to wait for a quiet machine")
    ap.add_argument("--retries", type=int, default=2, help="re-runs of a timed process disturbed by other load")
    ap.add_argument("--json", type=Path, help="also write every raw figure here")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, for CI: checks that everything runs")
    args = ap.parse_args()
    if args.smoke:
        args.tokens, args.rounds, args.repeats, args.logits = [16, 40], 1, 1, ["all"]
        args.toggle_tokens, args.toggle_repeats, args.trace_tokens = 24, 1, 48
        args.memory_tokens, args.sgemm_n, args.weights_tokens = [64], 256, 16
    args.models_dir = args.models_dir or args.build_dir / ("bench-models-smoke" if args.smoke else "bench-models")
    args.cli = args.cli or args.build_dir / "app" / "cli" / "sinkscope-cli"

    pid = None
    if args.pause == "auto":
        found = subprocess.run(["pgrep", "-f", "sinkscope-cli train"], capture_output=True, text=True).stdout.split()
        pid = int(found[0]) if found else None
    elif args.pause:
        pid = int(args.pause)
    pauser = Pauser(pid)
    run = Runner(args, pauser)
    skip = set(filter(None, args.skip.split(",")))

    models = {}
    if {"forward", "toggle", "memory"} - skip:  # the big-model figures write their own checkpoint
        models_cmd = [str(args.build_dir / "bench" / "bench_forward"), "models", "--dir", str(args.models_dir)]
        if args.smoke:
            models_cmd += ["--tiny"]
        models = run.run(models_cmd, timed=False)
    table, results = Table(), {"args": {k: str(v) for k, v in vars(args).items()}}
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="sinkscope-bench-") as tmp:
        if "forward" not in skip:
            forward_figures(args, run, table, models, Path(tmp), results)
        if "toggle" not in skip:
            toggle_figures(args, run, table, models, results)
        if "trace" not in skip:
            trace_figures(args, run, table, results)
        if "memory" not in skip:
            memory_figures(args, run, table, models, results)
        if "weights" not in skip:
            weights_figures(args, run, table, Path(tmp), results)

    blas = results.get("blas", {})
    shapes = f"; GPT-2 small = {models['gpt2']['label']}, default = {models['default']['label']}" if models else ""
    print(f"\nSinkScope benchmark suite: {args.threads} threads, {blas.get('config', 'BLAS ?')}, "
          f"{'paused pid %d while timing' % pid if pid else 'nothing paused'}{shapes}")
    table.print()
    if run.loads:
        print(f"other processes' load during the timed runs: median {median(run.loads):.2f} cores, max "
              f"{max(run.loads):.2f}; {run.retried} run(s) repeated for more than {args.quiet_load} "
              f"(each waits up to {args.quiet_wait:.0f} s for a quiet machine first)")
    print(f"suite time {time.time() - started:.0f} s")
    results["other_load_cores"] = run.loads
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
