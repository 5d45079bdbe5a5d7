#!/usr/bin/python3
"""ggml's block quantizations in NumPy, independent of the engine's C++ decoders.

  quantize(type, x) -> bytes          the blocks ggml would write for the float32 rows of x
  dequantize(type, data, shape=None)  float64 values of those blocks (flat, or reshaped)
  block_size(type) -> (elements, bytes per block);  TYPES: name -> ggml type id

`type` is a name ("Q4_K") or a ggml type id (12). Blocks run along the last axis of x, so its
length (the tensor's row, ggml's ne[0]) must be a multiple of the block's elements: 32 for Q8_0,
Q4_0, Q4_1, Q5_0, Q5_1; 256 for the k-quants Q2_K, Q3_K, Q4_K, Q5_K, Q6_K.

Quantizers: each follows ggml's reference quantizer (ggml/src/ggml-quants.c, quantize_row_*_ref,
the path llama-quantize takes without an importance matrix) step for step in float32: the same
scale searches (make_qkx2_quants for Q2_K/Q4_K/Q5_K, make_q3_quants for Q3_K, make_qx_quants for
Q6_K), the same packing. Sums run in NumPy's order, not C's, so a scale can differ from ggml's in
its last bit and a quant next to a rounding boundary can land one step away: the blocks are valid
ggml blocks of the same quality, not byte-identical to llama-quantize's. Two deliberate
deviations, both where ggml would write a byte out of range: a negative sub-block scale or min
from the Q2_K/Q4_K/Q5_K searches is clamped to 0 before packing (ggml stores it truncated to the
field's bits), and Q6_K's scales are clamped to -128..127 as int8 (ggml clamps only above).

Dequantizers: written from ggml's dequantize_row_* and the block structs of ggml-common.h, in
float64 on the exact integer fields, so they give the exact value each element encodes (the
engine computes the same products in float32 and rounds once).

Block layouts (f16 values are 2 bytes, little-endian like everything in GGUF):
  Q8_0  d, int8 q[32]                        x = d*q
  Q4_0  d, qs[16]                            x = d*(q-8)      byte i: element i low, i+16 high
  Q4_1  d, m, qs[16]                         x = d*q + m
  Q5_0  d, qh[4], qs[16]                     x = d*(q-16)     bit i of qh: fifth bit of element i
  Q5_1  d, m, qh[4], qs[16]                  x = d*q + m
  Q2_K  scales[16], qs[64], d, dmin          x = d*(sc&15)*q - dmin*(sc>>4), 16 sub-blocks of 16
  Q3_K  hmask[32], qs[64], scales[12], d     x = d*(s-32)*(q-4 if high bit clear else q)
  Q4_K  d, dmin, scales[12], qs[128]         x = d*sc*q - dmin*m, 8 sub-blocks of 32, 6-bit sc/m
  Q5_K  d, dmin, scales[12], qh[32], qs[128] as Q4_K with a fifth bit per element
  Q6_K  ql[128], qh[64], int8 scales[16], d  x = d*scale*(q-32), 16 sub-blocks of 16

Needs only NumPy. `python3 tools/gguf_quants.py` runs the self-checks (exit status 1 on failure).
"""

from __future__ import annotations

import sys

import numpy as np

F = np.float32
TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8, "Q2_K": 10,
         "Q3_K": 11, "Q4_K": 12, "Q5_K": 13, "Q6_K": 14, "BF16": 30}
QUANT_TYPES = ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K")
_BLOCKS = {"Q8_0": (32, 34), "Q4_0": (32, 18), "Q4_1": (32, 20), "Q5_0": (32, 22), "Q5_1": (32, 24),
           "Q2_K": (256, 84), "Q3_K": (256, 110), "Q4_K": (256, 144), "Q5_K": (256, 176),
           "Q6_K": (256, 210)}
_NAMES = {v: k for k, v in TYPES.items()}
GROUP_MAX_EPS = F(1e-15)  # ggml: below this largest magnitude a group counts as all zero


def type_name(t) -> str:
    name = _NAMES.get(t) if isinstance(t, (int, np.integer)) else t
    if name not in _BLOCKS:
        raise ValueError(f"not a block quantization handled here: {t!r} (have {', '.join(QUANT_TYPES)})")
    return name


def block_size(t) -> tuple[int, int]:
    """(elements, bytes) of one block."""
    return _BLOCKS[type_name(t)]


# --- shared helpers --------------------------------------------------------------------------

def _f16(x) -> np.ndarray:
    """float32 -> the f16 bits ggml stores (round to nearest even, as GGML_FP32_TO_FP16)."""
    return np.asarray(x, dtype=F).astype("<f2")


def _nearest(x, lo: int, hi: int) -> np.ndarray:
    """ggml's nearest_int (round half to even: it adds 1.5 * 2^23 in float32), then clamped to
    lo..hi as ggml clamps every use. Clamping first keeps values beyond int32 (a near-zero
    divisor in make_q3_quants' sweeps) from wrapping; nearest_int only asserts on those."""
    return np.rint(np.clip(np.asarray(x, dtype=F), lo - 1, hi + 1)).astype(np.int32).clip(lo, hi)


def _roundf(x: np.ndarray) -> np.ndarray:
    """C's roundf: halves away from zero."""
    return np.sign(x) * np.floor(np.abs(x) + F(0.5))


def _div(a, b) -> np.ndarray:
    """a / b in float32 where b != 0, else 0 (the branches where ggml skips the division)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=F), np.asarray(b, dtype=F))
    out = np.zeros(a.shape, dtype=F)
    np.divide(a, b, out=out, where=b != 0)
    return out


def _pack2(L: np.ndarray) -> np.ndarray:
    """2-bit quants [B, 256] -> [B, 64] bytes: each half of 128 in 32 bytes, its quarter j in bits
    2j, 2j+1 (Q2_K, Q3_K)."""
    out = []
    for h in range(2):
        q = L[:, 128 * h:128 * h + 128].astype(np.uint8)
        out.append(q[:, 0:32] | (q[:, 32:64] << 2) | (q[:, 64:96] << 4) | (q[:, 96:128] << 6))
    return np.concatenate(out, axis=1)


def _pack_k4_scales(ls: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """Eight 6-bit scales and mins [B, 8] -> the 12 bytes of Q4_K / Q5_K (get_scale_min_k4)."""
    ls, lm = ls.astype(np.uint8), lm.astype(np.uint8)
    s = np.zeros((ls.shape[0], 12), dtype=np.uint8)
    s[:, 0:4] = ls[:, 0:4] | ((ls[:, 4:8] >> 4) << 6)
    s[:, 4:8] = lm[:, 0:4] | ((lm[:, 4:8] >> 4) << 6)
    s[:, 8:12] = (ls[:, 4:8] & 0xF) | ((lm[:, 4:8] & 0xF) << 4)
    return s


def _unpack_k4_scales(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = s.astype(np.int64)
    sc = np.concatenate([s[:, 0:4] & 63, (s[:, 8:12] & 0xF) | ((s[:, 0:4] >> 6) << 4)], axis=1)
    m = np.concatenate([s[:, 4:8] & 63, (s[:, 8:12] >> 4) | ((s[:, 4:8] >> 6) << 4)], axis=1)
    return sc, m


def _pack_q3_scales(l: np.ndarray) -> np.ndarray:
    """Sixteen 6-bit scales already offset by 32 (0..63) [B, 16] -> Q3_K's 12 bytes."""
    l = l.astype(np.uint8)
    s = np.zeros((l.shape[0], 12), dtype=np.uint8)
    for j in range(16):
        s[:, j % 8] |= (l[:, j] & 0xF) << (0 if j < 8 else 4)
        s[:, 8 + j % 4] |= (l[:, j] >> 4) << (2 * (j // 4))
    return s


def _unpack_q3_scales(s: np.ndarray) -> np.ndarray:
    s = s.astype(np.int64)
    j = np.arange(16)
    low = np.where(j < 8, s[:, j % 8] & 0xF, s[:, j % 8] >> 4)
    high = (s[:, 8 + j % 4] >> (2 * (j // 4))) & 3
    return (low | (high << 4)) - 32


# --- ggml's scale searches, vectorized over a leading batch axis --------------------------------

def _make_qkx2_quants(x, w, nmax, rmin, rdelta, nstep, use_mad):
    """make_qkx2_quants: an asymmetric fit x ~ scale * L - the_min with L in 0..nmax, searching
    nstep + 1 candidate scales for the smallest weighted error. Returns scale, the_min, L."""
    x, w = x.astype(F), w.astype(F)
    nmax, rmin, rdelta = F(nmax), F(rmin), F(rdelta)
    mn = np.minimum(x.min(axis=1), F(0))
    mx = x.max(axis=1)
    sum_w = w.sum(axis=1, dtype=F)
    sum_x = (w * x).sum(axis=1, dtype=F)
    rng = (mx - mn).astype(F)
    flat = mx == mn

    def err(d):
        return np.abs(d) if use_mad else d * d

    iscale = _div(nmax, rng)
    scale = _div(F(1), iscale)
    L = _nearest(iscale[:, None] * (x - mn[:, None]), 0, int(nmax))
    best = (w * err(scale[:, None] * L.astype(F) + mn[:, None] - x)).sum(axis=1, dtype=F)
    for step in range(nstep + 1):
        iscale = _div(rmin + rdelta * F(step) + nmax, rng)
        La = _nearest(iscale[:, None] * (x - mn[:, None]), 0, int(nmax))
        Lf = La.astype(F)
        sum_l = (w * Lf).sum(axis=1, dtype=F)
        sum_l2 = (w * Lf * Lf).sum(axis=1, dtype=F)
        sum_xl = (w * Lf * x).sum(axis=1, dtype=F)
        D = (sum_w * sum_l2 - sum_l * sum_l).astype(F)
        this_scale = _div(sum_w * sum_xl - sum_x * sum_l, D)
        this_min = _div(sum_l2 * sum_x - sum_l * sum_xl, D)
        pos = this_min > 0
        this_scale = np.where(pos, _div(sum_xl, sum_l2), this_scale)
        this_min = np.where(pos, F(0), this_min)
        cur = (w * err(this_scale[:, None] * Lf + this_min[:, None] - x)).sum(axis=1, dtype=F)
        better = (D > 0) & (cur < best) & ~flat
        L = np.where(better[:, None], La, L)
        best = np.where(better, cur, best)
        scale = np.where(better, this_scale, scale)
        mn = np.where(better, this_min, mn)
    L = np.where(flat[:, None], 0, L)
    scale = np.where(flat, F(0), scale)
    return scale.astype(F), (-mn).astype(F), L


def _signed_max(x):
    """The value of largest magnitude per row (the first one on ties), and that magnitude."""
    i = np.argmax(np.abs(x), axis=1)
    mx = np.take_along_axis(x, i[:, None], axis=1)[:, 0]
    return mx.astype(F), np.abs(mx).astype(F)


def _make_q3_quants(x, nmax):
    """make_q3_quants with do_rmse: symmetric L in -nmax..nmax-1, then up to 5 sweeps that move
    single quants while the x^2-weighted fit improves. Returns the scale and L + nmax."""
    x = x.astype(F)
    mx, amax = _signed_max(x)
    zero = amax < GROUP_MAX_EPS
    iscale = _div(F(-nmax), mx)
    L = _nearest(iscale[:, None] * x, -nmax, nmax - 1)
    w = x * x
    sumlx = (w * x * L.astype(F)).sum(axis=1, dtype=F)
    suml2 = (w * L.astype(F) * L.astype(F)).sum(axis=1, dtype=F)
    active = ~zero
    for _ in range(5):
        changed = np.zeros(x.shape[0], dtype=bool)
        for i in range(x.shape[1]):
            xi, wi, li = x[:, i], w[:, i], L[:, i].astype(F)
            slx = (sumlx - wi * xi * li).astype(F)
            sl2 = (suml2 - wi * li * li).astype(F)
            new_l = _nearest(_div(xi * sl2, slx), -nmax, nmax - 1)
            nl = new_l.astype(F)
            slx2 = (slx + wi * xi * nl).astype(F)
            sl22 = (sl2 + wi * nl * nl).astype(F)
            take = (active & (slx > 0) & (new_l != L[:, i]) & (sl22 > 0)
                    & (slx2 * slx2 * suml2 > sumlx * sumlx * sl22))
            L[:, i] = np.where(take, new_l, L[:, i])
            sumlx = np.where(take, slx2, sumlx)
            suml2 = np.where(take, sl22, suml2)
            changed |= take
        active &= changed
    L = np.where(zero[:, None], 0, L + nmax)
    return np.where(zero, F(0), _div(sumlx, suml2)), L


def _make_qx_quants_rmse1(x, nmax):
    """make_qx_quants with rmse_type 1 and no importance weights (Q6_K): symmetric L in
    -nmax..nmax-1 for 19 candidate scales, keeping the best x^2-weighted least-squares fit.
    Returns the scale and L + nmax."""
    x = x.astype(F)
    mx, amax = _signed_max(x)
    zero = amax < GROUP_MAX_EPS
    w = x * x

    def fit(iscale):
        L = _nearest(iscale[:, None] * x, -nmax, nmax - 1)
        Lf = L.astype(F)
        return L, (w * x * Lf).sum(axis=1, dtype=F), (w * Lf * Lf).sum(axis=1, dtype=F)

    L, sumlx, suml2 = fit(_div(F(-nmax), mx))
    scale = _div(sumlx, suml2)
    best = scale * sumlx
    for step in range(-9, 10):
        if step == 0:
            continue
        La, slx, sl2 = fit(_div(-(F(nmax) + F(0.1) * F(step)), mx))
        better = (sl2 > 0) & (slx * slx > best * sl2)
        L = np.where(better[:, None], La, L)
        scale = np.where(better, _div(slx, sl2), scale)
        best = np.where(better, scale * slx, best)
    return np.where(zero, F(0), scale), np.where(zero[:, None], 0, L + nmax)


# --- quantizers ------------------------------------------------------------------------------

def _quantize_q8_0(b):
    d = (np.abs(b).max(axis=1) / F(127)).astype(F)
    q = _roundf(b * _div(F(1), d)[:, None]).astype(np.int8)
    return [_f16(d)[:, None].view(np.uint8), q.view(np.uint8)]


def _quantize_q4_0(b):
    mx, _ = _signed_max(b)
    d = (mx / F(-8)).astype(F)
    q = np.minimum(15, np.trunc(b * _div(F(1), d)[:, None] + F(8.5)).astype(np.int8)).astype(np.uint8)
    return [_f16(d)[:, None].view(np.uint8), q[:, :16] | (q[:, 16:] << 4)]


def _quantize_q4_1(b):
    mn, mx = b.min(axis=1), b.max(axis=1)
    d = ((mx - mn) / F(15)).astype(F)
    q = np.minimum(15, np.trunc((b - mn[:, None]) * _div(F(1), d)[:, None] + F(0.5))).astype(np.uint8)
    return [_f16(d)[:, None].view(np.uint8), _f16(mn)[:, None].view(np.uint8), q[:, :16] | (q[:, 16:] << 4)]


def _qh_bits(q):
    """Fifth bits of 32 quants -> the little-endian u32 qh of Q5_0 / Q5_1."""
    bits = ((q.astype(np.uint32) >> 4) & 1) << np.arange(32, dtype=np.uint32)
    return np.bitwise_or.reduce(bits, axis=1).astype("<u4")[:, None].view(np.uint8)


def _quantize_q5_0(b):
    mx, _ = _signed_max(b)
    d = (mx / F(-16)).astype(F)
    q = np.minimum(31, np.trunc(b * _div(F(1), d)[:, None] + F(16.5))).astype(np.uint8)
    return [_f16(d)[:, None].view(np.uint8), _qh_bits(q), (q[:, :16] & 15) | ((q[:, 16:] & 15) << 4)]


def _quantize_q5_1(b):
    mn, mx = b.min(axis=1), b.max(axis=1)
    d = ((mx - mn) / F(31)).astype(F)
    q = np.trunc((b - mn[:, None]) * _div(F(1), d)[:, None] + F(0.5)).astype(np.uint8)
    return [_f16(d)[:, None].view(np.uint8), _f16(mn)[:, None].view(np.uint8), _qh_bits(q),
            (q[:, :16] & 15) | ((q[:, 16:] & 15) << 4)]


def _requantize_min(x, d16, dmin16, sc, m, sub, nmax, L):
    """The last pass of Q2_K/Q4_K/Q5_K: every quant recomputed against the stored (f16, integer)
    scale and min of its sub-block; sub-blocks whose scale came out 0 keep the search's quants."""
    d = (d16.astype(F)[:, None] * sc.astype(F)).astype(F)
    dm = (dmin16.astype(F)[:, None] * m.astype(F)).astype(F)
    xs = x.reshape(x.shape[0], -1, sub)
    Ln = _nearest(_div(xs + dm[:, :, None], d[:, :, None]), 0, nmax)
    return np.where((d != 0)[:, :, None], Ln, L.reshape(Ln.shape)).reshape(x.shape[0], -1)


def _scale_search_k(x, sub, nmax, rmin, rdelta, nstep, use_mad, weights):
    """Per sub-block scale and min of a k-quant super-block [B, 256]."""
    B = x.shape[0]
    xs = x.reshape(-1, sub)
    scale, the_min, L = _make_qkx2_quants(xs, weights(xs), nmax, rmin, rdelta, nstep, use_mad)
    return scale.reshape(B, -1), the_min.reshape(B, -1), L.reshape(B, -1)


def _quantize_q2_k(x):
    scales, mins, L = _scale_search_k(x, 16, 3, -0.5, 0.1, 15, True, np.abs)
    max_scale = np.maximum(scales.max(axis=1), F(0))
    max_min = np.maximum(mins.max(axis=1), F(0))
    sc = _nearest(_div(F(15), max_scale)[:, None] * scales, 0, 15)
    m = _nearest(_div(F(15), max_min)[:, None] * mins, 0, 15)
    d16 = _f16(np.where(max_scale > 0, max_scale / F(15), F(0)))
    dmin16 = _f16(np.where(max_min > 0, max_min / F(15), F(0)))
    L = _requantize_min(x, d16, dmin16, sc, m, 16, 3, L)
    return [(sc | (m << 4)).astype(np.uint8), _pack2(L), d16[:, None].view(np.uint8),
            dmin16[:, None].view(np.uint8)]


def _quantize_q3_k(x):
    B = x.shape[0]
    s, L = _make_q3_quants(x.reshape(-1, 16), 4)
    scales, L = s.reshape(B, 16), L.reshape(B, 256)
    max_scale, amax = _signed_max(scales)
    iscale = _div(F(-32), max_scale)
    l = _nearest(iscale[:, None] * scales, -32, 31) + 32
    packed = np.where((max_scale != 0)[:, None], _pack_q3_scales(l), 0).astype(np.uint8)
    d16 = _f16(np.where(max_scale != 0, _div(F(1), iscale), F(0)))
    d = (d16.astype(F)[:, None] * _unpack_q3_scales(packed).astype(F)).astype(F)
    xs = x.reshape(B, 16, 16)
    Ln = _nearest(_div(xs, d[:, :, None]), -4, 3) + 4
    L = np.where((d != 0)[:, :, None], Ln, L.reshape(B, 16, 16)).reshape(B, 256)
    # High bit of element j in hmask[j % 32] at bit j // 32; the low two bits stay in L.
    high = (L > 3).astype(np.uint8)
    hmask = np.bitwise_or.reduce(high.reshape(B, 8, 32) << np.arange(8, dtype=np.uint8)[None, :, None],
                                 axis=1).astype(np.uint8)
    return [hmask, _pack2(L - 4 * high), packed, d16[:, None].view(np.uint8)]


def _k4_weights(xs):
    av_x = np.sqrt((xs * xs).sum(axis=1, dtype=F) / F(32)).astype(F)
    return (av_x[:, None] + np.abs(xs)).astype(F)


def _quantize_k4_k5(x, nmax, rmin, nstep):
    """The scale and min search and 6-bit packing shared by Q4_K and Q5_K; returns the fields up
    to the scales and the quants L (0..nmax)."""
    scales, mins, L = _scale_search_k(x, 32, nmax, rmin, 0.1, nstep, False, _k4_weights)
    max_scale = np.maximum(scales.max(axis=1), F(0))
    max_min = np.maximum(mins.max(axis=1), F(0))
    ls = _nearest(_div(F(63), max_scale)[:, None] * scales, 0, 63)
    lm = _nearest(_div(F(63), max_min)[:, None] * mins, 0, 63)
    d16 = _f16(max_scale / F(63))
    dmin16 = _f16(max_min / F(63))
    L = _requantize_min(x, d16, dmin16, ls, lm, 32, nmax, L)
    return [d16[:, None].view(np.uint8), dmin16[:, None].view(np.uint8), _pack_k4_scales(ls, lm)], L


def _quantize_q4_k(x):
    head, L = _quantize_k4_k5(x, 15, -1.0, 20)
    q = L.reshape(-1, 4, 2, 32).astype(np.uint8)  # 64-element groups: low nibbles, high nibbles
    return head + [(q[:, :, 0] | (q[:, :, 1] << 4)).reshape(-1, 128)]


def _quantize_q5_k(x):
    head, L = _quantize_k4_k5(x, 31, -0.5, 15)
    q = L.reshape(-1, 8, 32).astype(np.uint8)  # sub-block j, element l
    qh = np.bitwise_or.reduce((q >> 4) << np.arange(8, dtype=np.uint8)[None, :, None], axis=1)
    low = (q & 15).reshape(-1, 4, 2, 32)
    return head + [qh.astype(np.uint8), (low[:, :, 0] | (low[:, :, 1] << 4)).reshape(-1, 128)]


def _quantize_q6_k(x):
    B = x.shape[0]
    s, L = _make_qx_quants_rmse1(x.reshape(-1, 16), 32)
    scales, L = s.reshape(B, 16), L.reshape(B, 256)
    max_scale, amax = _signed_max(scales)
    zero = amax < GROUP_MAX_EPS
    iscale = _div(F(-128), max_scale)
    d16 = _f16(np.where(zero, F(0), _div(F(1), iscale)))
    sc = _nearest(iscale[:, None] * scales, -128, 127)
    sc = np.where(zero[:, None], 0, sc)
    d = (d16.astype(F)[:, None] * sc.astype(F)).astype(F)
    Ln = _nearest(_div(x.reshape(B, 16, 16), d[:, :, None]), -32, 31) + 32
    L = np.where((d != 0)[:, :, None], Ln, L.reshape(B, 16, 16)).reshape(B, 256)
    L = np.where(zero[:, None], 0, L).astype(np.uint8)
    ql, qh = [], []
    for h in range(2):
        q = L[:, 128 * h:128 * h + 128].reshape(B, 4, 32)  # quarters
        ql += [(q[:, 0] & 15) | ((q[:, 2] & 15) << 4), (q[:, 1] & 15) | ((q[:, 3] & 15) << 4)]
        qh.append((q[:, 0] >> 4) | ((q[:, 1] >> 4) << 2) | ((q[:, 2] >> 4) << 4) | ((q[:, 3] >> 4) << 6))
    return [np.concatenate(ql, axis=1), np.concatenate(qh, axis=1), sc.astype(np.int8).view(np.uint8),
            d16[:, None].view(np.uint8)]


_QUANTIZERS = {"Q8_0": _quantize_q8_0, "Q4_0": _quantize_q4_0, "Q4_1": _quantize_q4_1,
               "Q5_0": _quantize_q5_0, "Q5_1": _quantize_q5_1, "Q2_K": _quantize_q2_k,
               "Q3_K": _quantize_q3_k, "Q4_K": _quantize_q4_k, "Q5_K": _quantize_q5_k,
               "Q6_K": _quantize_q6_k}


def quantize(t, x) -> bytes:
    """The ggml blocks of x (float32, rows along the last axis) as bytes, in row-major order."""
    name = type_name(t)
    n, nbytes = _BLOCKS[name]
    x = np.ascontiguousarray(x, dtype=F)
    if x.ndim == 0 or x.shape[-1] % n != 0:
        raise ValueError(f"{name}: row length {x.shape[-1] if x.ndim else 0} is not a multiple of {n}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name}: cannot quantize non-finite values")
    blocks = x.reshape(-1, n)
    with np.errstate(all="ignore"):  # divisions ggml guards are masked by _div; nothing escapes
        fields = _QUANTIZERS[name](blocks)
    out = np.concatenate([np.asarray(f, dtype=np.uint8).reshape(blocks.shape[0], -1) for f in fields], axis=1)
    assert out.shape[1] == nbytes, (name, out.shape)
    return out.tobytes()


# --- float64 dequantizers, from ggml's dequantize_row_* ----------------------------------------

def _half(raw, at):
    return raw[:, at:at + 2].copy().view("<f2").astype(np.float64)[:, 0]


def _nibbles32(qs):
    """16 bytes -> the 32 nibbles of a 32-element block: element i low nibble of byte i,
    element i + 16 its high nibble."""
    qs = qs.astype(np.int64)
    return np.concatenate([qs & 15, qs >> 4], axis=1)


def _fifth_bits(qh_bytes):
    qh = qh_bytes.copy().view("<u4").astype(np.int64)  # [B, 1]
    return (qh >> np.arange(32)) & 1


def _two_bit(qs):
    """Q2_K / Q3_K's 64 bytes of 2-bit quants -> [B, 256]: element 128h + 32j + l is bits 2j, 2j+1
    of byte 32h + l."""
    qs = qs.astype(np.int64)
    return np.concatenate([(qs[:, 32 * h:32 * h + 32] >> (2 * j)) & 3 for h in range(2) for j in range(4)],
                          axis=1)


def _dq_q8_0(r):
    return _half(r, 0)[:, None] * r[:, 2:].view(np.int8)


def _dq_q4_0(r):
    return _half(r, 0)[:, None] * (_nibbles32(r[:, 2:18]) - 8)


def _dq_q4_1(r):
    return _half(r, 0)[:, None] * _nibbles32(r[:, 4:20]) + _half(r, 2)[:, None]


def _dq_q5_0(r):
    q = _nibbles32(r[:, 6:22]) | (_fifth_bits(r[:, 2:6]) << 4)
    return _half(r, 0)[:, None] * (q - 16)


def _dq_q5_1(r):
    q = _nibbles32(r[:, 8:24]) | (_fifth_bits(r[:, 4:8]) << 4)
    return _half(r, 0)[:, None] * q + _half(r, 2)[:, None]


def _dq_q2_k(r):
    sc = r[:, 0:16].astype(np.int64)
    scale = np.repeat(_half(r, 80)[:, None] * (sc & 15), 16, axis=1)
    mn = np.repeat(_half(r, 82)[:, None] * (sc >> 4), 16, axis=1)
    return scale * _two_bit(r[:, 16:80]) - mn


def _dq_q3_k(r):
    hm = r[:, 0:32].astype(np.int64)
    high = np.concatenate([(hm >> b) & 1 for b in range(8)], axis=1)  # element 32b + l: bit b of hmask[l]
    q = _two_bit(r[:, 32:96]) - 4 * (1 - high)
    scale = np.repeat(_half(r, 108)[:, None] * _unpack_q3_scales(r[:, 96:108]), 16, axis=1)
    return scale * q


def _k4_scale_min(r):
    sc, m = _unpack_k4_scales(r[:, 4:16])
    return (np.repeat(_half(r, 0)[:, None] * sc, 32, axis=1), np.repeat(_half(r, 2)[:, None] * m, 32, axis=1))


def _nibbles256(qs):
    """128 bytes -> 256 quants: each 32-byte run gives 32 low nibbles, then 32 high nibbles."""
    qs = qs.astype(np.int64)
    return np.concatenate([part for g in range(4) for part in (qs[:, 32 * g:32 * g + 32] & 15,
                                                              qs[:, 32 * g:32 * g + 32] >> 4)], axis=1)


def _dq_q4_k(r):
    scale, mn = _k4_scale_min(r)
    return scale * _nibbles256(r[:, 16:144]) - mn


def _dq_q5_k(r):
    scale, mn = _k4_scale_min(r)
    qh = r[:, 16:48].astype(np.int64)
    high = np.concatenate([(qh >> j) & 1 for j in range(8)], axis=1)  # sub-block j, element l: bit j of qh[l]
    return scale * (_nibbles256(r[:, 48:176]) | (high << 4)) - mn


def _dq_q6_k(r):
    ql, qh = r[:, 0:128].astype(np.int64), r[:, 128:192].astype(np.int64)
    sc = r[:, 192:208].view(np.int8).astype(np.int64)
    parts = []
    for h in range(2):
        l0, l1, hh = ql[:, 64 * h:64 * h + 32], ql[:, 64 * h + 32:64 * h + 64], qh[:, 32 * h:32 * h + 32]
        parts += [(l0 & 15) | ((hh & 3) << 4), (l1 & 15) | (((hh >> 2) & 3) << 4),
                  (l0 >> 4) | (((hh >> 4) & 3) << 4), (l1 >> 4) | (((hh >> 6) & 3) << 4)]
    q = np.concatenate(parts, axis=1) - 32
    return _half(r, 208)[:, None] * np.repeat(sc, 16, axis=1) * q


_DEQUANTIZERS = {"Q8_0": _dq_q8_0, "Q4_0": _dq_q4_0, "Q4_1": _dq_q4_1, "Q5_0": _dq_q5_0,
                 "Q5_1": _dq_q5_1, "Q2_K": _dq_q2_k, "Q3_K": _dq_q3_k, "Q4_K": _dq_q4_k,
                 "Q5_K": _dq_q5_k, "Q6_K": _dq_q6_k}


def dequantize(t, data: bytes, shape=None) -> np.ndarray:
    """float64 values of the blocks in data (flat, or reshaped to shape)."""
    name = type_name(t)
    n, nbytes = _BLOCKS[name]
    if len(data) % nbytes:
        raise ValueError(f"{name}: {len(data)} bytes are not a whole number of {nbytes}-byte blocks")
    raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, nbytes)
    out = np.asarray(_DEQUANTIZERS[name](raw), dtype=np.float64).reshape(-1)
    return out if shape is None else out.reshape(shape)


# --- self-checks -----------------------------------------------------------------------------

def _self_check() -> int:
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 512)).astype(F)
    x[1] = np.abs(x[1]) + 1  # all positive: the mins of the asymmetric types are positive
    x[2] = -np.abs(x[2]) - 1
    x[3] *= 1e-3
    x[4, 5] = 40  # an outlier
    x[5] = 0
    # Largest error of a round trip relative to the row's largest magnitude (a generous bound
    # per bit width: ggml's own quantizers land well inside these).
    bound = {"Q8_0": 0.01, "Q4_0": 0.13, "Q4_1": 0.1, "Q5_0": 0.07, "Q5_1": 0.05, "Q2_K": 0.45,
             "Q3_K": 0.25, "Q4_K": 0.12, "Q5_K": 0.06, "Q6_K": 0.03}
    for name in QUANT_TYPES:
        data = quantize(name, x)
        check(len(data) == x.size // block_size(name)[0] * block_size(name)[1], f"{name}: block bytes")
        y = dequantize(name, data, x.shape)
        scale = np.maximum(np.abs(x).max(axis=1, keepdims=True), 1e-30)
        rel = (np.abs(y - x) / scale).max()
        check(rel <= bound[name], f"{name}: round trip error {rel:.4f} of the row maximum (bound {bound[name]})")
        check(np.all(y[5] == 0), f"{name}: a zero row stays zero")
        again = dequantize(name, quantize(name, y.astype(F)), x.shape)
        drift = (np.abs(again - y) / scale).max()
        check(drift <= bound[name], f"{name}: requantizing decoded values stays close ({drift:.4f})")

    # Worked values, the same as the C++ tests' hand-made blocks (tests/engine/test_gguf_dequant*.cpp).
    q41 = np.zeros(20, np.uint8)
    q41[0:2] = np.frombuffer(np.float16(0.5).tobytes(), np.uint8)
    q41[2:4] = np.frombuffer(np.float16(-2).tobytes(), np.uint8)
    q41[4] = 0xF3
    y = dequantize("Q4_1", q41.tobytes())
    check(y[0] == -0.5 and y[16] == 5.5 and y[1] == -2, "Q4_1: x = d * q + m")
    q2 = np.zeros(84, np.uint8)
    q2[80:82] = np.frombuffer(np.float16(0.5).tobytes(), np.uint8)
    q2[82:84] = np.frombuffer(np.float16(0.25).tobytes(), np.uint8)
    q2[[0, 1, 2, 6, 8, 15]] = [0x31, 0x0F, 0x13, 0x55, 0xF2, 0x7F]
    q2[16 + np.array([0, 16, 32, 63])] = [0xE4, 0x03, 0x02, 0xC0]
    y = dequantize("Q2_K", q2.tobytes())
    check(list(y[[0, 32, 64, 96, 16, 128, 255]]) == [-0.75, 1.25, 0, 6.25, 22.5, -1.75, 20.75],
          "Q2_K: worked values")
    s = np.array([-32, 31, 0, 1, 5, -1, 7, -7, 9, 10, 11, 12, 13, 14, 15, -20])
    check(np.array_equal(_unpack_q3_scales(_pack_q3_scales((s + 32)[None]))[0], s), "Q3_K: scale packing")
    sc, m = np.arange(8)[None] * 9, 63 - np.arange(8)[None] * 8
    check(all(np.array_equal(a, b) for a, b in zip(_unpack_k4_scales(_pack_k4_scales(sc, m)), (sc, m))),
          "Q4_K/Q5_K: scale and min packing")

    # The quantizers fill every field: high bits set and clear, mins, negative scales.
    raw = np.frombuffer(quantize("Q5_K", x), np.uint8).reshape(-1, 176)
    check(0 < np.unpackbits(raw[:, 16:48]).mean() < 1, "Q5_K: fifth bits both set and clear")
    check((_half(raw, 2) != 0).any(), "Q5_K: nonzero dmin")
    raw = np.frombuffer(quantize("Q3_K", x), np.uint8).reshape(-1, 110)
    check(0 < np.unpackbits(raw[:, 0:32]).mean() < 1, "Q3_K: high bits both set and clear")
    check((_unpack_q3_scales(raw[:, 96:108]) < 0).any() and (_unpack_q3_scales(raw[:, 96:108]) > 0).any(),
          "Q3_K: scales of both signs")
    raw = np.frombuffer(quantize("Q2_K", x), np.uint8).reshape(-1, 84)
    check(len(np.unique(raw[:, 0:16] & 15)) > 8 and (raw[:, 0:16] >> 4).any(), "Q2_K: scales and mins")
    raw = np.frombuffer(quantize("Q5_1", x), np.uint8).reshape(-1, 24)
    check(0 < np.unpackbits(raw[:, 4:8]).mean() < 1 and (_half(raw, 2) > 0).any() and (_half(raw, 2) < 0).any(),
          "Q5_1: fifth bits and mins of both signs")
    raw = np.frombuffer(quantize("Q6_K", x), np.uint8).reshape(-1, 210)
    check((raw[:, 192:208].view(np.int8) < 0).any() and (raw[:, 192:208].view(np.int8) > 0).any(),
          "Q6_K: scales of both signs")

    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(_self_check())
