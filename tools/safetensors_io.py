"""Minimal safetensors reader/writer in pure Python + NumPy.

File layout:
  * 8 bytes: little-endian u64 N, the length of the JSON header;
  * N bytes: UTF-8 JSON object {name: {"dtype", "shape", "data_offsets": [begin, end]}, ...,
    optionally "__metadata__": {str: str}}, padded with spaces so that 8 + N is a multiple of 8;
  * the tensor data, concatenated, little-endian, offsets relative to the end of the header.

NumPy has no bfloat16, so BF16 tensors are held as uint16 bit patterns. `f32_to_bf16_bits`
rounds float32 to the nearest bfloat16 (ties to even) and `bf16_bits_to_f32` is its inverse.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

import numpy as np

# safetensors dtype name -> numpy dtype of the stored element (BF16 is stored as raw uint16 bits).
_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
}


def f32_to_bf16_bits(x: np.ndarray) -> np.ndarray:
    """Round float32 values to bfloat16 (round to nearest, ties to even); return uint16 bits."""
    a = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    bits = a.view(np.uint32).astype(np.uint64)
    nan = np.isnan(a)
    lsb = (bits >> 16) & 1
    rounded = ((bits + 0x7FFF + lsb) >> 16) & 0xFFFF
    out = rounded.astype(np.uint16)
    # Keep NaNs as (quiet) NaNs instead of letting rounding turn them into infinities.
    out[nan] = ((bits[nan] >> 16) | 0x0040).astype(np.uint16)
    return out


def bf16_bits_to_f32(bits: np.ndarray) -> np.ndarray:
    """Expand bfloat16 bit patterns (uint16) to float32 exactly."""
    b = np.ascontiguousarray(np.asarray(bits, dtype=np.uint16))
    return (b.astype(np.uint32) << 16).view(np.float32)


def round_to_bf16(x: np.ndarray) -> np.ndarray:
    """Return float32 values equal to x rounded to bfloat16."""
    return bf16_bits_to_f32(f32_to_bf16_bits(x))


def _encode(arr: np.ndarray, dtype: str) -> bytes:
    if dtype not in _DTYPES:
        raise ValueError(f"unsupported dtype {dtype}")
    if dtype == "BF16":
        a = np.asarray(arr)
        if a.dtype == np.uint16:
            data = a
        else:
            data = f32_to_bf16_bits(a)
    else:
        data = np.asarray(arr).astype(_DTYPES[dtype])
    return np.ascontiguousarray(data).astype(_DTYPES[dtype], copy=False).tobytes(order="C")


def _default_dtype(arr: np.ndarray) -> str:
    a = np.asarray(arr)
    for name, dt in (("F64", np.float64), ("F32", np.float32), ("F16", np.float16),
                     ("I64", np.int64), ("I32", np.int32), ("I16", np.int16), ("I8", np.int8),
                     ("U8", np.uint8)):
        if a.dtype == dt:
            return name
    raise ValueError(f"no safetensors dtype for numpy {a.dtype}; pass it explicitly")


def save_file(path, tensors: Mapping[str, object], metadata: Optional[Mapping[str, str]] = None) -> int:
    """Write a safetensors file.

    `tensors` maps name -> ndarray (dtype inferred; BF16 can't be inferred) or
    name -> (ndarray, "F32"|"F16"|"BF16"|"I32"|"I64"|...). Tensors are written in the given
    order. For BF16 a float array is rounded (nearest even); a uint16 array is taken as raw bits.
    Returns the number of bytes written.
    """
    header: Dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, value in tensors.items():
        if isinstance(value, tuple):
            arr, dtype = value
        else:
            arr, dtype = value, _default_dtype(value)
        arr = np.asarray(arr)
        blob = _encode(arr, dtype)
        header[name] = {"dtype": dtype, "shape": [int(s) for s in arr.shape],
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    pad = (8 - (8 + len(hbytes)) % 8) % 8
    hbytes += b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for blob in blobs:
            f.write(blob)
    return 8 + len(hbytes) + offset


def read_header(path) -> Tuple[dict, int]:
    """Return (header dict, byte offset where the data section starts)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
    return header, 8 + n


def load_file(path, raw_bf16: bool = False) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Read a safetensors file. Returns ({name: ndarray}, metadata).

    BF16 tensors come back as float32 (exact), or as uint16 bits when raw_bf16 is true.
    """
    header, start = read_header(path)
    data = Path(path).read_bytes()[start:]
    meta = header.pop("__metadata__", {}) or {}
    out: Dict[str, np.ndarray] = {}
    for name, info in header.items():
        dt = _DTYPES[info["dtype"]]
        b, e = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape)) if shape else 1
        if e - b != count * dt.itemsize:
            raise ValueError(f"{name}: data_offsets size {e - b} != {count} x {dt.itemsize}")
        arr = np.frombuffer(data, dtype=dt, count=count, offset=b).reshape(shape).copy()
        if info["dtype"] == "BF16" and not raw_bf16:
            arr = bf16_bits_to_f32(arr).reshape(shape)
        out[name] = arr
    return out, meta


def load_model_dir(model_dir) -> Dict[str, np.ndarray]:
    """Load every tensor of an HF model directory (single file or sharded with an index)."""
    d = Path(model_dir)
    index = d / "model.safetensors.index.json"
    if index.exists():
        weight_map = json.loads(index.read_text())["weight_map"]
        tensors: Dict[str, np.ndarray] = {}
        for shard in sorted(set(weight_map.values())):
            t, _ = load_file(d / shard)
            tensors.update(t)
        missing = set(weight_map) - set(tensors)
        if missing:
            raise ValueError(f"index names tensors not found in shards: {sorted(missing)}")
        return tensors
    t, _ = load_file(d / "model.safetensors")
    return t


def _self_test() -> None:
    import tempfile

    # BF16 rounding: ties to even, and exactness of the inverse.
    vals = np.array([1.0, 1.0 + 2**-8, 1.0 + 3 * 2**-8, 1.0 + 2**-9, -2.5, 0.0, 3.0e38],
                    dtype=np.float32)
    bits = f32_to_bf16_bits(vals)
    back = bf16_bits_to_f32(bits)
    assert back[0] == 1.0
    assert back[1] == 1.0  # exact tie -> even (mantissa ...0)
    assert back[2] == 1.0 + 4 * 2**-8  # tie -> even rounds up
    assert back[3] == 1.0
    assert back[4] == -2.5
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1000).astype(np.float32)
    r = round_to_bf16(x)
    assert np.all(np.abs(r - x) <= np.abs(x) * 2**-8 + 1e-30)
    assert np.array_equal(round_to_bf16(r), r)
    with tempfile.TemporaryDirectory() as td:
        p = Path(td) / "t.safetensors"
        save_file(p, {"a": x.reshape(10, 100), "b": (x[:6].reshape(2, 3), "BF16"),
                      "c": (x[:4], "F16"), "i": np.arange(5, dtype=np.int32),
                      "j": np.arange(3, dtype=np.int64)}, {"k": "v"})
        raw = p.read_bytes()
        (n,) = struct.unpack("<Q", raw[:8])
        assert (8 + n) % 8 == 0
        t, m = load_file(p)
        assert m == {"k": "v"}
        assert np.array_equal(t["a"], x.reshape(10, 100))
        assert np.array_equal(t["b"], round_to_bf16(x[:6]).reshape(2, 3))
        assert np.array_equal(t["c"], x[:4].astype(np.float16))
        assert t["i"].dtype == np.int32 and list(t["i"]) == [0, 1, 2, 3, 4]
        assert t["j"].dtype == np.int64
    print("safetensors_io self-test ok")


if __name__ == "__main__":
    _self_test()
