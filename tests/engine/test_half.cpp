// 16-bit float conversions: the bulk (vector) forms agree bit for bit with the scalar ones.
#include "core/half.h"

#include <bit>
#include <gtest/gtest.h>
#include <random>
#include <vector>

using namespace sinkscope;

TEST(Half, BulkConversionsMatchScalarBitForBit) {
    std::vector<std::uint32_t> bits = {0x00000000u, 0x80000000u, 0x33000000u, 0x32ffffffu, 0x33000001u,
                                       0x387fffffu, 0x38800000u, 0x38800001u, 0x477fefffu, 0x477ff000u,
                                       0x7f7fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0x3f800000u};
    std::mt19937 rng(3);
    while (bits.size() < 100003) // not a multiple of any vector width: the tail is converted too
        bits.push_back(static_cast<std::uint32_t>(rng()));
    for (std::uint32_t e = 0x32000000u; e < 0x48000000u; e += 0x1000u) // every rounding boundary region
        bits.push_back(e | 0x800u);
    std::vector<float> x;
    for (auto b : bits)
        x.push_back(std::bit_cast<float>(b));
    std::vector<std::uint16_t> h(x.size());
    f32ToF16(x.data(), h.data(), x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        ASSERT_EQ(h[i], f32ToF16(x[i])) << std::hex << "input bits 0x" << bits[i];
    std::vector<float> back(h.size());
    f16ToF32(h.data(), back.data(), h.size());
    for (std::size_t i = 0; i < h.size(); ++i)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(back[i]), std::bit_cast<std::uint32_t>(f16ToF32(h[i])));
}
