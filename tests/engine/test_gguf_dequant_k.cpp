// The k-quant decoders Q2_K, Q3_K and Q5_K against super-blocks built by hand: a few values worked
// out on paper, then every element against a per-element reading of the layout in ggml-common.h
// (which byte and which bits hold element e), independent of the decoders' loop structure.
#include "core/half.h"
#include "io/gguf_dequant.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

using namespace sinkscope;

namespace {

void putHalf(std::uint8_t* p, float v) {
    const std::uint16_t h = f32ToF16(v);
    std::memcpy(p, &h, 2);
}

// Fills n bytes with a fixed scramble, so that every bit of every field is exercised.
void scramble(std::uint8_t* p, int n, int seed) {
    for (int i = 0; i < n; ++i)
        p[i] = static_cast<std::uint8_t>((i * 151 + seed * 67 + 13) ^ (i >> 3));
}

// Quants narrower than a byte in Q2_K / Q3_K: element e lies in half e / 128, quarter (e % 128) / 32;
// its bits are bits 2 * quarter, +1 of byte 32 * half + e % 32 of the quants.
int twoBitQuant(const std::uint8_t* qs, int e) {
    const int half = e / 128, quarter = (e % 128) / 32, l = e % 32;
    return (qs[32 * half + l] >> (2 * quarter)) & 3;
}

TEST(GgufDequantK, Q2_KUsesFourBitScalesAndMinsPerSixteen) {
    std::array<std::uint8_t, kQ2_KBytes> b{};
    std::uint8_t* scales = b.data();
    std::uint8_t* qs = b.data() + 16;
    putHalf(b.data() + 80, 0.5F);
    putHalf(b.data() + 82, 0.25F);
    scales[0] = 0x31; // scale 1, min 3
    scales[1] = 0x0F; // scale 15, min 0
    scales[2] = 0x13; // scale 3, min 1
    scales[6] = 0x55;
    scales[8] = 0xF2; // scale 2, min 15
    scales[15] = 0x7F;
    qs[0] = 0xE4; // quarters 0..3 of element 0's column hold 0, 1, 2, 3
    qs[16] = 0x03;
    qs[32] = 0x02;
    qs[63] = 0xC0;
    std::vector<float> out(256);
    dequantizeQ2_K(b.data(), out.data(), 256);
    // x = d * scale * q - dmin * min; sub-block = element / 16.
    EXPECT_EQ(out[0], -0.75F);   // q 0: 0 - 0.25 * 3
    EXPECT_EQ(out[32], 1.25F);   // q 1, sub-block 2: 0.5 * 3 - 0.25
    EXPECT_EQ(out[64], 0.0F);    // q 2, sub-block 4 has scale 0 and min 0
    EXPECT_EQ(out[96], 6.25F);   // q 3, sub-block 6: 0.5 * 5 * 3 - 0.25 * 5
    EXPECT_EQ(out[16], 22.5F);   // q 3 from byte 16, sub-block 1: 0.5 * 15 * 3
    EXPECT_EQ(out[128], -1.75F); // second half, byte 32: 0.5 * 2 * 2 - 0.25 * 15
    EXPECT_EQ(out[255], 20.75F); // byte 63 bits 6-7, sub-block 15: 0.5 * 15 * 3 - 0.25 * 7

    scramble(b.data(), 80, 1);
    putHalf(b.data() + 80, -0.375F); // negative d and dmin: the decoder applies them as they are
    putHalf(b.data() + 82, -1.5F);
    dequantizeQ2_K(b.data(), out.data(), 256);
    for (int e = 0; e < 256; ++e) {
        const std::uint8_t sc = scales[e / 16];
        EXPECT_EQ(out[static_cast<std::size_t>(e)],
                  -0.375F * static_cast<float>((sc & 0xF) * twoBitQuant(qs, e)) -
                      -1.5F * static_cast<float>(sc >> 4))
            << "element " << e;
    }
}

// Q3_K's sixteen 6-bit scales s (-32..31) packed as ggml does: s + 32, low 4 bits in the nibbles
// of bytes 0-7, top 2 bits in bytes 8-11.
void packQ3KScales(std::uint8_t* p, const std::array<int, 16>& s) {
    std::memset(p, 0, 12);
    for (int j = 0; j < 16; ++j) {
        const int u = s[static_cast<std::size_t>(j)] + 32;
        p[j % 8] = static_cast<std::uint8_t>(p[j % 8] | ((u & 0xF) << (j < 8 ? 0 : 4)));
        p[8 + j % 4] = static_cast<std::uint8_t>(p[8 + j % 4] | ((u >> 4) << (2 * (j / 4))));
    }
}

TEST(GgufDequantK, Q3_KCombinesLowBitsHighMaskAndSignedScales) {
    std::array<std::uint8_t, kQ3_KBytes> b{};
    std::uint8_t* hmask = b.data();
    std::uint8_t* qs = b.data() + 32;
    const std::array<int, 16> s = {-32, 31, 0, 1, 5, -1, 7, -7, 9, 10, 11, 12, 13, 14, 15, -20};
    packQ3KScales(b.data() + 96, s);
    putHalf(b.data() + 108, 0.5F);
    hmask[1] = 0x01;  // element 1 (half 0, quarter 0): high bit set
    qs[1] = 0x03;     // its low bits 3
    hmask[31] = 0x80; // element 255 (half 1, quarter 3: bit 7)
    qs[63] = 0x80;    // its low bits 2
    std::vector<float> out(256);
    dequantizeQ3_K(b.data(), out.data(), 256);
    // x = d * scale * q, q = low - 4 unless the high bit is set.
    EXPECT_EQ(out[0], 64.0F);    // q -4, scale -32
    EXPECT_EQ(out[1], -48.0F);   // q 3, scale -32
    EXPECT_EQ(out[16], -62.0F);  // q -4, scale 31
    EXPECT_EQ(out[32], 0.0F);    // scale 0
    EXPECT_EQ(out[255], -20.0F); // q 2, scale -20

    scramble(b.data(), 108, 2);
    putHalf(b.data() + 108, -0.0625F);
    dequantizeQ3_K(b.data(), out.data(), 256);
    for (int e = 0; e < 256; ++e) {
        const int half = e / 128, quarter = (e % 128) / 32, l = e % 32, j = e / 16;
        const int low = (b[96 + j % 8] >> (j < 8 ? 0 : 4)) & 0xF;
        const int high = (b[96 + 8 + j % 4] >> (2 * (j / 4))) & 3;
        const int scale = (low | (high << 4)) - 32;
        const bool set = (hmask[l] >> (4 * half + quarter)) & 1;
        const int q = twoBitQuant(qs, e) - (set ? 0 : 4);
        EXPECT_EQ(out[static_cast<std::size_t>(e)], -0.0625F * static_cast<float>(scale * q))
            << "element " << e;
    }
}

// Q4_K / Q5_K scale and min packing (see dequantizeQ4_K).
void packK4ScalesMins(std::uint8_t* s, const std::array<int, 8>& sc, const std::array<int, 8>& m) {
    for (std::size_t j = 0; j < 4; ++j) {
        s[j] = static_cast<std::uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
        s[j + 4] = static_cast<std::uint8_t>(m[j] | ((m[j + 4] >> 4) << 6));
        s[j + 8] = static_cast<std::uint8_t>((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
    }
}

TEST(GgufDequantK, Q5_KAddsAFifthBitPerSubBlock) {
    const std::array<int, 8> sc = {1, 2, 3, 4, 17, 33, 50, 63};
    const std::array<int, 8> m = {0, 1, 2, 3, 20, 40, 5, 63};
    std::array<std::uint8_t, kQ5_KBytes> b{};
    putHalf(b.data(), 1.0F);
    putHalf(b.data() + 2, 0.5F);
    packK4ScalesMins(b.data() + 4, sc, m);
    std::uint8_t* qh = b.data() + 16;
    std::uint8_t* ql = b.data() + 48;
    ql[0] = 0x5A;
    qh[0] = 0x03; // fifth bits of element 0 (sub-block 0) and 32 (sub-block 1)
    ql[127] = 0xF0;
    qh[31] = 0x80; // fifth bit of element 255 (sub-block 7)
    std::vector<float> out(256);
    dequantizeQ5_K(b.data(), out.data(), 256);
    // x = d * sc_j * q - dmin * m_j; sub-block j = element / 32.
    EXPECT_EQ(out[0], 26.0F);     // 1 * (10 | 16)
    EXPECT_EQ(out[32], 41.5F);    // 2 * (5 | 16) - 0.5 * 1
    EXPECT_EQ(out[64], -1.0F);    // 3 * 0 - 0.5 * 2
    EXPECT_EQ(out[255], 1921.5F); // 63 * (15 | 16) - 0.5 * 63
    EXPECT_EQ(out[224], -31.5F);  // ql[96] low nibble 0, no fifth bit

    scramble(b.data() + 16, 160, 3);
    putHalf(b.data(), -0.25F);
    putHalf(b.data() + 2, -2.0F);
    dequantizeQ5_K(b.data(), out.data(), 256);
    for (int e = 0; e < 256; ++e) {
        const int j = e / 32, l = e % 32;
        const int nibble = (ql[32 * (j / 2) + l] >> (4 * (j % 2))) & 0xF;
        const int q = nibble | (((qh[l] >> j) & 1) << 4);
        const auto js = static_cast<std::size_t>(j);
        EXPECT_EQ(out[static_cast<std::size_t>(e)],
                  -0.25F * static_cast<float>(sc[js] * q) - -2.0F * static_cast<float>(m[js]))
            << "element " << e;
    }
}

} // namespace
