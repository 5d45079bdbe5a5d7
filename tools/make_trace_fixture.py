#!/usr/bin/python3
"""Writes tests/data/trace/v1.sqlite: a trace file in the schema-1 layout, for the migration test.

Schema 1 is the layout before version 2 added the run columns label, group_id and stored_bytes
and the maps column kind (score maps). The file is written here independently of the C++ store,
so the test also checks the store against a second reading of the blob formats (see
engine/trace/map_codec.h and engine/trace/trace_blobs.h). Maps use the raw codec (fp16, no zstd):
Python's standard library has no zstd, and the C++ decoder must read raw payloads anyway.

Every value is exactly representable in fp16, so the test compares exactly.
Needs only Python 3's standard library. Run from anywhere:
    /usr/bin/python3 tools/make_trace_fixture.py
"""

import os
import sqlite3
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "trace", "v1.sqlite")

APPLICATION_ID = 0x536B5363  # "SkSc"

SCHEMA_V1 = """
CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL,
  model_path TEXT NOT NULL,
  architecture TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  parameters INTEGER NOT NULL,
  layers INTEGER NOT NULL,
  heads INTEGER NOT NULL,
  token_count INTEGER NOT NULL,
  generated_count INTEGER NOT NULL,
  prompt_text TEXT NOT NULL);
CREATE TABLE run_data(
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  settings_json TEXT NOT NULL,
  metrics_json TEXT NOT NULL,
  generated_text BLOB NOT NULL,
  token_ids BLOB NOT NULL,
  tokens BLOB NOT NULL,
  top_k BLOB NOT NULL,
  generated_ids BLOB NOT NULL);
CREATE TABLE run_interventions(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  spec TEXT NOT NULL,
  PRIMARY KEY(run_id, position)) WITHOUT ROWID;
CREATE TABLE norms(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind INTEGER NOT NULL,
  layer INTEGER NOT NULL,
  head INTEGER NOT NULL,
  first_token INTEGER NOT NULL,
  data BLOB NOT NULL);
CREATE INDEX norms_run ON norms(run_id);
CREATE TABLE maps(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  layer INTEGER NOT NULL,
  head INTEGER NOT NULL,
  first_row INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  cols INTEGER NOT NULL,
  dtype TEXT NOT NULL,
  data BLOB NOT NULL);
CREATE UNIQUE INDEX maps_key ON maps(run_id, step, layer, head);
"""


def pack_ids(ids):
    return struct.pack("<%di" % len(ids), *ids)


def pack_strings(strings):
    return b"".join(struct.pack("<I", len(s)) + s for s in strings)


def pack_topk(steps):
    out = struct.pack("<I", len(steps))
    for step in steps:
        out += struct.pack("<I", len(step))
        for token_id, prob, text in step:
            out += struct.pack("<idI", token_id, prob, len(text)) + text
    return out


def pack_floats(values):
    return struct.pack("<%df" % len(values), *values)


def map_blob(step, layer, head, first_row, rows, cols, value):
    """Causal layout, raw codec, fp16 values interleaved (no byte planes)."""
    values = [value(r, c) for r in range(rows) for c in range(min(cols, first_row + r + 1))]
    payload = struct.pack("<%de" % len(values), *values)
    header = struct.pack("<4sBBBBBBH3i3q2Q", b"SSMP", 1, 0, 1, 0, 1, 0, 0, step, layer, head,
                         first_row, rows, cols, len(values), len(payload))
    assert len(header) == 64
    return header + payload


RUNS = [
    {
        "created_at": "2024-11-05T09:30:00.000Z",
        "model": ("models/tiny_llama", "llama", "3f2a9c", 52000),
        "layers": 2, "heads": 2,
        "token_ids": [1, 93, 69, 70],
        "tokens": [b"<s>", "\u2581Once".encode(), b"\xff\xfe", b"a\x00b"],
        "prompt": "Once upon",
        "settings": '{"temperature":0,"device":"cpu"}',
        "metrics": '{"alpha0":[[0.5,0.25],[0.75,0.125]]}',
        "interventions": [],
        "top_k": [[(5, 0.5, b"x"), (6, 0.25, b"y")], [(7, 0.75, b"z")]],
        "generated_ids": [5, 7],
        "generated_text": b"xz",
        # (step, layer, head, first_row, rows, cols)
        "maps": [(0, l, h, 0, 4, 4) for l in range(2) for h in range(2)] + [(1, 0, 0, 4, 1, 5)],
        # (kind, layer, head, first_token, values): hidden states of 3 layers, keys and values of one head
        "norms": [(0, l, -1, 0, [1.5 * (l + 1), 2.25, 3.0, 4.0]) for l in range(3)]
                 + [(1, 0, 1, 0, [0.5, 0.5, 0.5, 0.5]), (2, 0, 1, 0, [8.0, 1.0, 1.0, 1.0])],
    },
    {
        "created_at": "2024-11-05T09:31:00.000Z",
        "model": ("models/tiny_gpt2", "gpt2", "77e0d1", 31000),
        "layers": 2, "heads": 4,
        "token_ids": [0, 12, 12],
        "tokens": [b"<|endoftext|>", b"ab", b"ab"],
        "prompt": "abab",
        "settings": "{}",
        "metrics": "{}",
        "interventions": ["suppress", "zerotune:gamma=4,layers=1"],
        "top_k": [],
        "generated_ids": [],
        "generated_text": b"",
        "maps": [(0, 1, 3, 0, 3, 3)],
        "norms": [],
    },
]


def map_value(step, layer, head):
    # Exact in fp16: multiples of 1/64 up to 1.
    return lambda r, c: (1 + c + 2 * layer + head + step) / 64.0


def main():
    if os.path.exists(OUT):
        os.remove(OUT)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    db = sqlite3.connect(OUT, isolation_level=None)
    db.execute("PRAGMA page_size = 512")  # keeps the committed file a few kilobytes
    db.execute("BEGIN")
    db.execute("PRAGMA application_id = %d" % APPLICATION_ID)
    for statement in SCHEMA_V1.split(";\n"):
        if statement.strip():
            db.execute(statement)
    db.executemany("INSERT INTO meta(key, value) VALUES(?, ?)",
                   [("magic", "SinkScope trace"), ("schema_version", "1"), ("oldest_compatible", "1")])
    for run in RUNS:
        path, arch, config_hash, params = run["model"]
        cur = db.execute(
            "INSERT INTO runs(created_at, model_path, architecture, config_hash, parameters, layers, heads,"
            " token_count, generated_count, prompt_text) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run["created_at"], path, arch, config_hash, params, run["layers"], run["heads"],
             len(run["token_ids"]), len(run["generated_ids"]), run["prompt"]))
        run_id = cur.lastrowid
        db.execute("INSERT INTO run_data(run_id, settings_json, metrics_json, generated_text, token_ids,"
                   " tokens, top_k, generated_ids) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                   (run_id, run["settings"], run["metrics"], run["generated_text"],
                    pack_ids(run["token_ids"]), pack_strings(run["tokens"]), pack_topk(run["top_k"]),
                    pack_ids(run["generated_ids"])))
        for i, spec in enumerate(run["interventions"]):
            db.execute("INSERT INTO run_interventions(run_id, position, spec) VALUES(?, ?, ?)",
                       (run_id, i, spec))
        for step, layer, head, first_row, rows, cols in run["maps"]:
            blob = map_blob(step, layer, head, first_row, rows, cols, map_value(step, layer, head))
            db.execute("INSERT INTO maps(run_id, step, layer, head, first_row, rows, cols, dtype, data)"
                       " VALUES(?, ?, ?, ?, ?, ?, ?, 'f16', ?)",
                       (run_id, step, layer, head, first_row, rows, cols, blob))
        for kind, layer, head, first, values in run["norms"]:
            db.execute("INSERT INTO norms(run_id, kind, layer, head, first_token, data)"
                       " VALUES(?, ?, ?, ?, ?, ?)", (run_id, kind, layer, head, first, pack_floats(values)))
    db.execute("COMMIT")
    db.execute("VACUUM")
    db.close()
    print("wrote %s (%d bytes)" % (os.path.relpath(OUT, ROOT), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
