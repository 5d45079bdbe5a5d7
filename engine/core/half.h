#pragma once
// Conversions from the 16-bit float formats found in checkpoints to float32.
#include <cstddef>
#include <cstdint>

namespace sinkscope {

float f16ToF32(std::uint16_t h);
float bf16ToF32(std::uint16_t b);
std::uint16_t f32ToBf16(float f); // round to nearest even
std::uint16_t f32ToF16(float f);  // round to nearest even

// Converts n little-endian 16-bit values (possibly unaligned) to float32.
void f16ToF32(const std::uint8_t* src, float* dst, std::size_t n);
void bf16ToF32(const std::uint8_t* src, float* dst, std::size_t n);

} // namespace sinkscope
