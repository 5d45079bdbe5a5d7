#!/usr/bin/python3
"""Writes the dequantization test vectors: tests/data/gguf_quants/<type>.gguf for every block type
of tools/gguf_quants.py (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K).

Each file holds two tensors of dims [256, 17] (rows of 256: one k-quant super-block or eight
32-element blocks per row): "blocks", of the file's type, and "expected", F32, the values
gguf_quants' float64 decoder gives those blocks, rounded to float32. The key sinkscope.quant_type
names the type. tests/engine/test_gguf_quant_vectors.cpp decodes "blocks" with the engine and
compares with "expected".

Rows 0-6 are quantize(type, x) of: normal data; all positive; all negative; normal with one
outlier 50 times the rest; magnitudes of 1e-5 (scales in f16's subnormal range); magnitudes up to
3e4; zeros. Rows 7-16 are random bytes with every f16 field (d, dmin, m) set to extremes:
+-65504, +-2^-14 (smallest normal), +-2^-24 (smallest subnormal), +-0, +-1 (each of them in the
first ten blocks), or random finite values, so that every bit of every field, and scales and mins
of both signs, are decoded.

Needs only NumPy. Deterministic. Usage: /usr/bin/python3 tools/make_quant_vectors.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gguf_quants  # noqa: E402
from make_gguf_fixtures import F32V, STRING, T_F32, GgufWriter  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "gguf_quants"
ROW = 256

# Byte offsets of the f16 fields in one block (ggml-common.h).
HALF_FIELDS = {"Q8_0": [0], "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q2_K": [80, 82],
               "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208]}
EXTREMES = np.array([65504, -65504, 2.0**-14, -(2.0**-14), 2.0**-24, -(2.0**-24), 0.0, -0.0, 1, -1],
                    dtype=np.float16)


def quantized_rows(rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal((7, ROW)).astype(np.float32)
    x[1] = np.abs(x[1]) + 0.5
    x[2] = -np.abs(x[2]) - 0.5
    x[3, 77] = 50 * np.abs(x[3]).max()
    x[4] *= 1e-5
    x[5] *= 3e4 / np.abs(x[5]).max()
    x[6] = 0
    return x


def raw_rows(name: str, rng: np.random.Generator, rows: int) -> bytes:
    """Random bytes, with the f16 fields of the first blocks running through EXTREMES (each field
    shifted against the others, so d and dmin pair up differently) and random picks after that."""
    n, nbytes = gguf_quants.block_size(name)
    blocks = rng.integers(0, 256, size=(rows * ROW // n, nbytes), dtype=np.uint8)
    count = blocks.shape[0]
    for k, at in enumerate(HALF_FIELDS[name]):
        pick = rng.integers(0, len(EXTREMES) + 3, size=count)
        pick[:len(EXTREMES)] = (np.arange(min(count, len(EXTREMES))) + 3 * k) % len(EXTREMES)
        finite = rng.uniform(-8, 8, size=count).astype(np.float16)
        halves = np.where(pick < len(EXTREMES), EXTREMES[np.minimum(pick, len(EXTREMES) - 1)], finite)
        blocks[:, at:at + 2] = halves.astype("<f2").view(np.uint8).reshape(-1, 2)
    return blocks.tobytes()


def vector_file(name: str, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    data = gguf_quants.quantize(name, quantized_rows(rng)) + raw_rows(name, rng, 10)
    rows = len(data) // (ROW // gguf_quants.block_size(name)[0] * gguf_quants.block_size(name)[1])
    expected = gguf_quants.dequantize(name, data, (rows, ROW))
    assert np.isfinite(expected).all()
    w = GgufWriter()
    w.add("general.architecture", STRING, "sinkscope-test-vectors")
    w.add("sinkscope.quant_type", STRING, name)
    w.add("sinkscope.generator", STRING, "tools/make_quant_vectors.py")
    w.add_array("sinkscope.f16_field_values", F32V, [float(v) for v in EXTREMES])
    w.add_tensor("blocks", gguf_quants.TYPES[name], [ROW, rows], data)
    w.add_tensor("expected", T_F32, [ROW, rows], expected.astype("<f4").tobytes())
    return w.to_bytes()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(gguf_quants.QUANT_TYPES):
        path = OUT / f"{name.lower()}.gguf"
        data = vector_file(name, 100 + seed)
        path.write_bytes(data)
        print(f"{path.relative_to(REPO)}: {len(data)} bytes")


if __name__ == "__main__":
    main()
