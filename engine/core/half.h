#pragma once
// Conversions from the 16-bit float formats found in checkpoints to float32.
#include <bit>
#include <cstddef>
#include <cstdint>

namespace sinkscope {

float f16ToF32(std::uint16_t h);
float bf16ToF32(std::uint16_t b);
std::uint16_t f32ToBf16(float f); // round to nearest even
std::uint16_t f32ToF16(float f);  // round to nearest even

// f32ToF16 without branches, bit for bit the same: attention weights straddle fp16's
// normal/subnormal boundary at random, so a branching conversion mispredicts constantly; here
// both results are computed and one selected, which the compiler turns into vector code.
// Subnormals use the float unit's own rounding: adding 0.5 leaves f rounded to a multiple of
// 2^-24, fp16's subnormal step.
inline std::uint16_t f32ToF16Branchless(float f) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(f);
    const std::uint32_t sign = (bits >> 16) & 0x8000u;
    const std::uint32_t u = bits & 0x7fffffffu;
    const std::uint32_t subnormal =
        std::bit_cast<std::uint32_t>(std::bit_cast<float>(u) + 0.5f) - 0x3f000000u;
    const std::uint32_t normal =
        (u - 0x38000000u + 0xfffu + ((u >> 13) & 1u)) >> 13; // inf once rounded past 65504
    // Masks (all ones or zero) rather than ?: so that there is no control flow to vectorize.
    const std::uint32_t isSubnormal = 0u - static_cast<std::uint32_t>(u < 0x38800000u);
    const std::uint32_t isSpecial = 0u - static_cast<std::uint32_t>(u >= 0x47800000u);
    const std::uint32_t isNan = 0u - static_cast<std::uint32_t>(u > 0x7f800000u);
    const std::uint32_t special = 0x7c00u | (isNan & 0x200u); // inf, or the quiet NaN 0x7e00
    const std::uint32_t finite = (subnormal & isSubnormal) | (normal & ~isSubnormal);
    return static_cast<std::uint16_t>(sign | (special & isSpecial) | (finite & ~isSpecial));
}

// n values at once (vector code), as f32ToF16.
void f32ToF16(const float* src, std::uint16_t* dst, std::size_t n);
// n half floats to float32.
void f16ToF32(const std::uint16_t* src, float* dst, std::size_t n);

// Converts n little-endian 16-bit values (possibly unaligned) to float32.
void f16ToF32(const std::uint8_t* src, float* dst, std::size_t n);
void bf16ToF32(const std::uint8_t* src, float* dst, std::size_t n);

} // namespace sinkscope
