#include "io/gguf_dequant.h"

#include "core/excerpt.h"
#include "core/half.h"

#include <cstring>
#include <fmt/format.h>

namespace sinkscope {

namespace {

float halfAt(const std::uint8_t* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return f16ToF32(h);
}

// Q4_K packs eight 6-bit scales and eight 6-bit mins into 12 bytes: sub-blocks 0-3 keep theirs in
// the low 6 bits of bytes 0-3 (scales) and 4-7 (mins); sub-blocks 4-7 take 4 bits from bytes 8-11
// and their top 2 bits from the unused top bits of bytes 0-7.
void scaleMinK4(int j, const std::uint8_t* q, int& scale, int& min) {
    if (j < 4) {
        scale = q[j] & 63;
        min = q[j + 4] & 63;
    } else {
        scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

} // namespace

// Block: f16 scale d, 32 int8 quants q; x = d * q.
void dequantizeQ8_0(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQ8_0Block; ++b, src += kQ8_0Bytes) {
        const float d = halfAt(src);
        for (std::size_t i = 0; i < kQ8_0Block; ++i)
            *dst++ = d * static_cast<float>(static_cast<std::int8_t>(src[2 + i]));
    }
}

// Block: f16 scale d, 16 bytes of nibbles; byte i holds element i (low) and i + 16 (high), both
// offset by 8: x = d * (nibble - 8).
void dequantizeQ4_0(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQ4_0Block; ++b, src += kQ4_0Bytes, dst += kQ4_0Block) {
        const float d = halfAt(src);
        for (std::size_t i = 0; i < 16; ++i) {
            dst[i] = d * static_cast<float>((src[2 + i] & 0xF) - 8);
            dst[i + 16] = d * static_cast<float>((src[2 + i] >> 4) - 8);
        }
    }
}

// Super-block of 256: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins (scaleMinK4), 128 bytes of
// nibbles. Sub-block j (32 elements) is x = d * scale_j * q - dmin * min_j. Each 32-byte run of
// nibbles serves two sub-blocks: low nibbles the first, high nibbles the second.
void dequantizeQ4_K(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQ4_KBlock; ++b, src += kQ4_KBytes) {
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

// Super-block of 256: 128 bytes of low nibbles (ql), 64 bytes of 2-bit highs (qh), 16 int8 scales
// (one per 16 elements), f16 d; x = d * scale * (6-bit q - 32). Each half (128 elements) uses 64
// bytes of ql and 32 of qh; its quarter k (32 elements, l = 0..31) takes the low (k < 2) or high
// (k >= 2) nibble of ql[l + 32 * (k & 1)] and bits 2k, 2k+1 of qh[l].
void dequantizeQ6_K(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQ6_KBlock; ++b, src += kQ6_KBytes) {
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

bool ggufCanDequantize(std::uint32_t type) {
    switch (static_cast<GgmlType>(type)) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q8_0:
    case GgmlType::Q4_0:
    case GgmlType::Q4_K:
    case GgmlType::Q6_K:
        return true;
    default:
        return false;
    }
}

const char* ggufDequantizableTypes() {
    return "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K";
}

Result<std::vector<float>> dequantizeTensor(const GgufTensorInfo& t, const std::string& path) {
    if (!ggufCanDequantize(t.type))
        return Error{fmt::format("{}: tensor '{}' has type {}, which SinkScope cannot read (supported: {})",
                                 path, excerpt(t.name), ggmlTypeName(t.type), ggufDequantizableTypes())};
    std::vector<float> out(static_cast<std::size_t>(t.elements));
    const auto n = out.size();
    switch (static_cast<GgmlType>(t.type)) {
    case GgmlType::F32:
        if (n > 0) std::memcpy(out.data(), t.data, n * sizeof(float));
        break;
    case GgmlType::F16:
        f16ToF32(t.data, out.data(), n);
        break;
    case GgmlType::BF16:
        bf16ToF32(t.data, out.data(), n);
        break;
    case GgmlType::Q8_0:
        dequantizeQ8_0(t.data, out.data(), n);
        break;
    case GgmlType::Q4_0:
        dequantizeQ4_0(t.data, out.data(), n);
        break;
    case GgmlType::Q4_K:
        dequantizeQ4_K(t.data, out.data(), n);
        break;
    default:
        dequantizeQ6_K(t.data, out.data(), n);
        break;
    }
    return out;
}

} // namespace sinkscope
