// The k-quant decoders (ggml-common.h's block_q2_K ... block_q6_K). Every k-quant block is a
// super-block of 256 elements cut into sub-blocks of 16 (Q2_K, Q3_K, Q6_K) or 32 (Q4_K, Q5_K)
// elements; each sub-block has a small integer scale (and Q2_K, Q4_K, Q5_K a min) that the
// super-block's f16 d (and dmin) turn into floats. Where quants are narrower than a byte, a run of
// 32 bytes serves several consecutive 32-element stretches, one bit field each.
#include "io/gguf_block.h"
#include "io/gguf_dequant.h"

namespace sinkscope {

using gguf_block::halfAt;

namespace {

// Q4_K and Q5_K pack eight 6-bit scales and eight 6-bit mins into 12 bytes: sub-blocks 0-3 keep
// theirs in the low 6 bits of bytes 0-3 (scales) and 4-7 (mins); sub-blocks 4-7 take 4 bits from
// bytes 8-11 and their top 2 bits from the unused top bits of bytes 0-7.
void scaleMinK4(int j, const std::uint8_t* q, int& scale, int& min) {
    if (j < 4) {
        scale = q[j] & 63;
        min = q[j + 4] & 63;
    } else {
        scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

// Q3_K packs sixteen 6-bit scales, stored offset by 32, into 12 bytes: the low 4 bits of scale j
// in the low (j < 8) or high (j >= 8) nibble of byte j % 8, its top 2 bits in byte 8 + j % 4 at
// bit 2 * (j / 4).
int scaleQ3K(int j, const std::uint8_t* s) {
    const int low = j < 8 ? s[j] & 0xF : s[j - 8] >> 4;
    const int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
    return (low | (high << 4)) - 32;
}

} // namespace

// Super-block: 16 bytes of scales (low nibble: the sub-block's 4-bit scale; high nibble: its 4-bit
// min), 64 bytes of 2-bit quants, f16 d, f16 dmin; x = d * scale * q - dmin * min. Each half (128
// elements) uses 32 bytes of quants; its quarter j (32 elements, two sub-blocks of 16) takes bits
// 2j and 2j + 1 of them, element l from byte l.
void dequantizeQ2_K(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQKBlock; ++b, src += kQ2_KBytes) {
        const std::uint8_t* scales = src;
        const std::uint8_t* qs = src + 16;
        const float d = halfAt(src + 80);
        const float dmin = halfAt(src + 82);
        for (int half = 0; half < 2; ++half, qs += 32) {
            for (int j = 0; j < 4; ++j) {
                for (int part = 0; part < 2; ++part, ++scales) {
                    const float dl = d * static_cast<float>(*scales & 0xF);
                    const float ml = dmin * static_cast<float>(*scales >> 4);
                    for (int l = 16 * part; l < 16 * part + 16; ++l)
                        *dst++ = dl * static_cast<float>((qs[l] >> (2 * j)) & 3) - ml;
                }
            }
        }
    }
}

// Super-block: 32 bytes of high bits (hmask), 64 bytes of 2-bit low quants laid out as Q2_K's, 12
// bytes of 6-bit scales (scaleQ3K), f16 d; x = d * scale * q with q = low - 4 when the high bit is
// clear, low when set (so q runs from -4 to 3). Element l of quarter j of half h has its high bit
// in hmask[l] at bit 4h + j.
void dequantizeQ3_K(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQKBlock; ++b, src += kQ3_KBytes) {
        const std::uint8_t* hmask = src;
        const std::uint8_t* qs = src + 32;
        const std::uint8_t* scales = src + 96;
        const float d = halfAt(src + 108);
        int sub = 0;
        for (int half = 0; half < 2; ++half, qs += 32) {
            for (int j = 0; j < 4; ++j) {
                const int bit = 4 * half + j;
                for (int part = 0; part < 2; ++part) {
                    const float dl = d * static_cast<float>(scaleQ3K(sub++, scales));
                    for (int l = 16 * part; l < 16 * part + 16; ++l) {
                        const int low = (qs[l] >> (2 * j)) & 3;
                        const int q = ((hmask[l] >> bit) & 1) ? low : low - 4;
                        *dst++ = dl * static_cast<float>(q);
                    }
                }
            }
        }
    }
}

// Super-block: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins (scaleMinK4), 128 bytes of nibbles.
// Sub-block j (32 elements) is x = d * scale_j * q - dmin * min_j. Each 32-byte run of nibbles
// serves two sub-blocks: low nibbles the first, high nibbles the second.
void dequantizeQ4_K(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQKBlock; ++b, src += kQ4_KBytes) {
        const float d = halfAt(src);
        const float dmin = halfAt(src + 2);
        const std::uint8_t* scales = src + 4;
        const std::uint8_t* q = src + 16;
        for (int j = 0; j < 8; j += 2, q += 32) {
            int sc = 0, m = 0;
            scaleMinK4(j, scales, sc, m);
            const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
            scaleMinK4(j + 1, scales, sc, m);
            const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(m);
            for (int l = 0; l < 32; ++l)
                *dst++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
            for (int l = 0; l < 32; ++l)
                *dst++ = d2 * static_cast<float>(q[l] >> 4) - m2;
        }
    }
}

// Super-block: Q4_K's d, dmin, scales/mins and nibbles, with 32 bytes of fifth bits (qh) between
// the scales and the nibbles: element l of sub-block j has its fifth bit in qh[l] at bit j.
// x = d * scale_j * q - dmin * min_j, q from 0 to 31.
void dequantizeQ5_K(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQKBlock; ++b, src += kQ5_KBytes) {
        const float d = halfAt(src);
        const float dmin = halfAt(src + 2);
        const std::uint8_t* scales = src + 4;
        const std::uint8_t* qh = src + 16;
        const std::uint8_t* ql = src + 48;
        for (int j = 0; j < 8; ++j) {
            int sc = 0, m = 0;
            scaleMinK4(j, scales, sc, m);
            const float dl = d * static_cast<float>(sc), ml = dmin * static_cast<float>(m);
            const int shift = (j & 1) * 4; // odd sub-blocks read the high nibbles
            for (int l = 0; l < 32; ++l) {
                const int q = ((ql[l] >> shift) & 0xF) | (((qh[l] >> j) & 1) << 4);
                *dst++ = dl * static_cast<float>(q) - ml;
            }
            if (j & 1) ql += 32;
        }
    }
}

// Super-block: 128 bytes of low nibbles (ql), 64 bytes of 2-bit highs (qh), 16 int8 scales
// (one per 16 elements), f16 d; x = d * scale * (6-bit q - 32). Each half (128 elements) uses 64
// bytes of ql and 32 of qh; its quarter k (32 elements, l = 0..31) takes the low (k < 2) or high
// (k >= 2) nibble of ql[l + 32 * (k & 1)] and bits 2k, 2k+1 of qh[l].
void dequantizeQ6_K(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQKBlock; ++b, src += kQ6_KBytes) {
        const std::uint8_t* ql = src;
        const std::uint8_t* qh = src + 128;
        const std::uint8_t* sc = src + 192;
        const float d = halfAt(src + 208);
        for (int half = 0; half < 2; ++half, ql += 64, qh += 32, sc += 8, dst += 128) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                auto scale = [&](int k) {
                    return d * static_cast<float>(static_cast<std::int8_t>(sc[is + k]));
                };
                dst[l] = scale(0) * static_cast<float>(q1);
                dst[l + 32] = scale(2) * static_cast<float>(q2);
                dst[l + 64] = scale(4) * static_cast<float>(q3);
                dst[l + 96] = scale(6) * static_cast<float>(q4);
            }
        }
    }
}

} // namespace sinkscope
