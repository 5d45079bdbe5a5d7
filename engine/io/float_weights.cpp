#include "io/float_weights.h"

#include "core/half.h"
#include "io/gguf_dequant.h"
#include "io/gguf_format.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <vector>

namespace sinkscope {

namespace {

// Elements converted and checked at a time: 64 KiB of float32, small enough to stay in L2.
constexpr std::size_t kBlock = 16384;

// Whether every value is finite: no exponent field is all ones. Written on the bits, four lanes at
// a time in GCC/Clang vector types (SSE2, NEON), because at -O2 the plain loop stays scalar at
// ~1 ns a value, more than the conversion itself; this is ~0.1 ns on cache-hot data. std::isfinite
// is avoided too: fast-math code may fold it away.
bool allFinite(const float* v, std::size_t n) {
    using U4 = std::uint32_t __attribute__((vector_size(16)));
    constexpr std::uint32_t kExponent = 0x7f800000u;
    const U4 mask = {kExponent, kExponent, kExponent, kExponent};
    U4 any = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        U4 x;
        std::memcpy(&x, v + i, sizeof x);
        any |= reinterpret_cast<U4>((x & mask) == mask);
    }
    std::uint32_t found = any[0] | any[1] | any[2] | any[3];
    for (; i < n; ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, v + i, sizeof bits);
        found |= static_cast<std::uint32_t>((bits & kExponent) == kExponent);
    }
    return found == 0;
}

Error nonFinite(const TensorRef& ref, const float* block, std::size_t n, std::size_t first) {
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, block + i, sizeof bits);
        if ((bits & 0x7f800000u) != 0x7f800000u) continue;
        const char* what = (bits & 0x007fffffu) != 0 ? "NaN" : (bits >> 31) != 0 ? "-Inf" : "Inf";
        return Error{
            fmt::format("{}: tensor '{}' holds {} at element {}", ref.file, ref.name, what, first + i)};
    }
    return Error{fmt::format("{}: tensor '{}' holds a non-finite value", ref.file, ref.name)};
}

} // namespace

namespace {

// Converts block by block into dst (advancing it when `keep`), checking each block.
// A block-quantized tensor row by row (rows are whole numbers of blocks).
Status convertQuantized(const TensorRef& ref, float* dst, bool keep) {
    const auto cols = static_cast<std::size_t>(ref.shape.empty() ? 0 : ref.shape.back());
    const std::size_t rows = cols == 0 ? 0 : static_cast<std::size_t>(ref.numel()) / cols;
    const std::size_t rowBytes = rows == 0 ? 0 : ref.nbytes / rows;
    for (std::size_t r = 0; r < rows; ++r) {
        float* out = keep ? dst + r * cols : dst;
        dequantizeBlocks(static_cast<std::uint32_t>(ref.ggml), ref.data + r * rowBytes, out, cols);
        if (!allFinite(out, cols)) return nonFinite(ref, out, cols, r * cols);
    }
    return okStatus();
}

Status convertChecked(const TensorRef& ref, float* dst, bool keep) {
    if (ref.ggml >= 0) return convertQuantized(ref, dst, keep);
    const auto n = static_cast<std::size_t>(ref.numel());
    if (ref.dtype != DType::F32 && ref.dtype != DType::F16 && ref.dtype != DType::BF16)
        return Error{fmt::format("{}: tensor '{}' has dtype {}, expected F32, F16 or BF16", ref.file,
                                 ref.name, dtypeName(ref.dtype))};
    const std::size_t width = dtypeSize(ref.dtype);
    for (std::size_t start = 0; start < n; start += kBlock) {
        const std::size_t count = std::min(kBlock, n - start);
        const std::uint8_t* src = ref.data + start * width;
        float* out = keep ? dst + start : dst;
        if (ref.dtype == DType::F32)
            std::memcpy(out, src, count * sizeof(float));
        else if (ref.dtype == DType::F16)
            f16ToF32(src, out, count);
        else
            bf16ToF32(src, out, count);
        if (!allFinite(out, count)) return nonFinite(ref, out, count, start);
    }
    return okStatus();
}

} // namespace

Status toFloat32Checked(const TensorRef& ref, float* dst) {
    return convertChecked(ref, dst, true);
}

Status checkFinite(const TensorRef& ref) {
    // Block-quantized: the scale fields decide (ggmlFirstNonFiniteBlock); the block that has a bad
    // one is decoded to name the element.
    if (const GgmlTypeTraits* traits =
            ref.ggml >= 0 ? ggmlTypeTraits(static_cast<std::uint32_t>(ref.ggml)) : nullptr;
        traits && traits->blockElements > 1) {
        const std::size_t blocks = ref.nbytes / traits->blockBytes;
        const auto bad = ggmlFirstNonFiniteBlock(static_cast<std::uint32_t>(ref.ggml), ref.data, blocks);
        if (!bad) return okStatus();
        std::vector<float> values(traits->blockElements);
        dequantizeBlocks(static_cast<std::uint32_t>(ref.ggml), ref.data + *bad * traits->blockBytes,
                         values.data(), values.size());
        return nonFinite(ref, values.data(), values.size(), *bad * traits->blockElements);
    }
    std::vector<float> block(ref.ggml >= 0 && !ref.shape.empty() ? static_cast<std::size_t>(ref.shape.back())
                                                                 : kBlock);
    return convertChecked(ref, block.data(), false);
}

} // namespace sinkscope
