#include "io/gguf_dequant.h"

#include "core/excerpt.h"
#include "io/gguf_block.h"

#include <cstring>
#include <fmt/format.h>

namespace sinkscope {

using gguf_block::halfAt;
using gguf_block::u32At;

// The 32-element block types share one arrangement: 16 bytes of nibbles, byte i holding element i
// (low nibble) and element i + 16 (high nibble). Q5_* add a 32-bit word whose bit i is the fifth
// bit of element i. The "_0" types are symmetric (x = d * (q - offset)); the "_1" types store a
// min m instead: x = d * q + m, with m added, not subtracted.

// Block: f16 scale d, 32 int8 quants q; x = d * q.
void dequantizeQ8_0(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQ8_0Block; ++b, src += kQ8_0Bytes) {
        const float d = halfAt(src);
        for (std::size_t i = 0; i < kQ8_0Block; ++i)
            *dst++ = d * static_cast<float>(static_cast<std::int8_t>(src[2 + i]));
    }
}

// Block: f16 d, nibbles; x = d * (nibble - 8).
void dequantizeQ4_0(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQ4_0Block; ++b, src += kQ4_0Bytes, dst += kQ4_0Block) {
        const float d = halfAt(src);
        for (std::size_t i = 0; i < 16; ++i) {
            dst[i] = d * static_cast<float>((src[2 + i] & 0xF) - 8);
            dst[i + 16] = d * static_cast<float>((src[2 + i] >> 4) - 8);
        }
    }
}

// Block: f16 d, f16 m, nibbles; x = d * nibble + m.
void dequantizeQ4_1(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQ4_1Block; ++b, src += kQ4_1Bytes, dst += kQ4_1Block) {
        const float d = halfAt(src);
        const float m = halfAt(src + 2);
        const std::uint8_t* qs = src + 4;
        for (std::size_t i = 0; i < 16; ++i) {
            dst[i] = d * static_cast<float>(qs[i] & 0xF) + m;
            dst[i + 16] = d * static_cast<float>(qs[i] >> 4) + m;
        }
    }
}

namespace {

// The 5-bit quants of a Q5_0 / Q5_1 block: nibble | (bit i of qh) << 4, for elements i and i + 16.
void fiveBitQuants(const std::uint8_t* qhBytes, const std::uint8_t* qs, int (&q)[32]) {
    const std::uint32_t qh = u32At(qhBytes); // little-endian, like everything in the file
    for (int i = 0; i < 16; ++i) {
        q[i] = (qs[i] & 0xF) | static_cast<int>(((qh >> i) & 1u) << 4);
        q[i + 16] = (qs[i] >> 4) | static_cast<int>(((qh >> (i + 16)) & 1u) << 4);
    }
}

} // namespace

// Block: f16 d, qh[4], nibbles; x = d * (q - 16).
void dequantizeQ5_0(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQ5_0Block; ++b, src += kQ5_0Bytes) {
        const float d = halfAt(src);
        int q[32];
        fiveBitQuants(src + 2, src + 6, q);
        for (int v : q)
            *dst++ = d * static_cast<float>(v - 16);
    }
}

// Block: f16 d, f16 m, qh[4], nibbles; x = d * q + m.
void dequantizeQ5_1(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t b = 0; b < n / kQ5_1Block; ++b, src += kQ5_1Bytes) {
        const float d = halfAt(src);
        const float m = halfAt(src + 2);
        int q[32];
        fiveBitQuants(src + 4, src + 8, q);
        for (int v : q)
            *dst++ = d * static_cast<float>(v) + m;
    }
}

bool ggufCanDequantize(std::uint32_t type) {
    switch (static_cast<GgmlType>(type)) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q8_0:
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
        return true;
    default:
        return false;
    }
}

const char* ggufDequantizableTypes() {
    return "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K";
}

std::string ggufUnsupportedTypeMessage(const std::string& path, std::string_view tensor, std::uint32_t type) {
    return fmt::format("{}: tensor '{}' has type {}, which SinkScope cannot read (supported: {})", path,
                       excerpt(tensor), ggmlTypeName(type), ggufDequantizableTypes());
}

void dequantizeBlocks(std::uint32_t type, const std::uint8_t* src, float* dst, std::size_t n) {
    switch (static_cast<GgmlType>(type)) {
    case GgmlType::F32:
        if (n > 0) std::memcpy(dst, src, n * sizeof(float));
        break;
    case GgmlType::F16:
        f16ToF32(src, dst, n);
        break;
    case GgmlType::BF16:
        bf16ToF32(src, dst, n);
        break;
    case GgmlType::Q8_0:
        dequantizeQ8_0(src, dst, n);
        break;
    case GgmlType::Q4_0:
        dequantizeQ4_0(src, dst, n);
        break;
    case GgmlType::Q4_1:
        dequantizeQ4_1(src, dst, n);
        break;
    case GgmlType::Q5_0:
        dequantizeQ5_0(src, dst, n);
        break;
    case GgmlType::Q5_1:
        dequantizeQ5_1(src, dst, n);
        break;
    case GgmlType::Q2_K:
        dequantizeQ2_K(src, dst, n);
        break;
    case GgmlType::Q3_K:
        dequantizeQ3_K(src, dst, n);
        break;
    case GgmlType::Q4_K:
        dequantizeQ4_K(src, dst, n);
        break;
    case GgmlType::Q5_K:
        dequantizeQ5_K(src, dst, n);
        break;
    default: // Q6_K, the last type ggufCanDequantize accepts
        dequantizeQ6_K(src, dst, n);
        break;
    }
}

std::optional<std::size_t> ggmlFirstNonFiniteBlock(std::uint32_t type, const std::uint8_t* src,
                                                   std::size_t blocks) {
    // Byte offsets of the f16 scale fields in each block (ggml-common.h's block_* structs).
    struct Scales {
        std::size_t bytes, first, second; // second == first: one scale only
    };
    Scales s{};
    switch (static_cast<GgmlType>(type)) {
    case GgmlType::Q8_0:
        s = {kQ8_0Bytes, 0, 0};
        break;
    case GgmlType::Q4_0:
        s = {kQ4_0Bytes, 0, 0};
        break;
    case GgmlType::Q4_1:
        s = {kQ4_1Bytes, 0, 2};
        break;
    case GgmlType::Q5_0:
        s = {kQ5_0Bytes, 0, 0};
        break;
    case GgmlType::Q5_1:
        s = {kQ5_1Bytes, 0, 2};
        break;
    case GgmlType::Q2_K:
        s = {kQ2_KBytes, 16 + 64, 16 + 64 + 2};
        break;
    case GgmlType::Q3_K:
        s = {kQ3_KBytes, 32 + 64 + 12, 32 + 64 + 12};
        break;
    case GgmlType::Q4_K:
        s = {kQ4_KBytes, 0, 2};
        break;
    case GgmlType::Q5_K:
        s = {kQ5_KBytes, 0, 2};
        break;
    case GgmlType::Q6_K:
        s = {kQ6_KBytes, 128 + 64 + 16, 128 + 64 + 16};
        break;
    default: // plain types: every element is its own "block"
        return std::nullopt;
    }
    auto finite = [](const std::uint8_t* p) {
        std::uint16_t h;
        std::memcpy(&h, p, 2);
        return (h & 0x7c00u) != 0x7c00u; // f16 exponent all ones: NaN or infinity
    };
    for (std::size_t b = 0; b < blocks; ++b) {
        const std::uint8_t* block = src + b * s.bytes;
        if (!finite(block + s.first) || !finite(block + s.second)) return b;
    }
    return std::nullopt;
}

Result<std::vector<float>> dequantizeTensor(const GgufTensorInfo& t, const std::string& path) {
    if (!ggufCanDequantize(t.type)) return Error{ggufUnsupportedTypeMessage(path, t.name, t.type)};
    // The reader has checked that t.data holds t.nbytes = (elements / block) * block bytes, and
    // each decoder reads exactly that; out is the tensor's float32 size.
    std::vector<float> out(static_cast<std::size_t>(t.elements));
    dequantizeBlocks(t.type, t.data, out.data(), out.size());
    return out;
}

} // namespace sinkscope
