// The GGUF dequantizers against blocks built by hand: a few values worked out on paper per type,
// then every element against a per-element reading of the block layout (ggml-common.h).
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

TEST(GgufDequant, Q8_0IsScaleTimesSignedByte) {
    std::array<std::uint8_t, kQ8_0Bytes> block{};
    putHalf(block.data(), 0.5F);
    const std::array<std::int8_t, 6> q = {-128, -1, 0, 1, 2, 127};
    for (std::size_t i = 0; i < 32; ++i)
        block[2 + i] = static_cast<std::uint8_t>(i < q.size() ? q[i] : 3);
    std::vector<float> out(32);
    dequantizeQ8_0(block.data(), out.data(), 32);
    EXPECT_EQ(out[0], -64.0F);
    EXPECT_EQ(out[1], -0.5F);
    EXPECT_EQ(out[2], 0.0F);
    EXPECT_EQ(out[3], 0.5F);
    EXPECT_EQ(out[4], 1.0F);
    EXPECT_EQ(out[5], 63.5F);
    EXPECT_EQ(out[31], 1.5F);
}

TEST(GgufDequant, Q4_0SplitsEachByteBetweenTheTwoHalves) {
    std::array<std::uint8_t, 2 * kQ4_0Bytes> blocks{};
    putHalf(blocks.data(), 2.0F);
    std::memset(blocks.data() + 2, 0x88, 16);    // nibble 8 is zero
    blocks[2 + 0] = 0x0F;                        // element 0: 15 - 8 = 7; element 16: 0 - 8 = -8
    blocks[2 + 1] = 0x80;                        // element 1: -8; element 17: 0
    blocks[2 + 15] = 0x9A;                       // element 15: 10 - 8 = 2; element 31: 9 - 8 = 1
    putHalf(blocks.data() + kQ4_0Bytes, -0.25F); // a negative scale, as the quantizer writes
    std::memset(blocks.data() + kQ4_0Bytes + 2, 0x00, 16);
    std::vector<float> out(64);
    dequantizeQ4_0(blocks.data(), out.data(), 64);
    EXPECT_EQ(out[0], 14.0F);
    EXPECT_EQ(out[16], -16.0F);
    EXPECT_EQ(out[1], -16.0F);
    EXPECT_EQ(out[17], 0.0F);
    EXPECT_EQ(out[15], 4.0F);
    EXPECT_EQ(out[31], 2.0F);
    EXPECT_EQ(out[2], 0.0F);
    for (int i = 32; i < 64; ++i)
        EXPECT_EQ(out[i], 2.0F) << i; // (0 - 8) * -0.25
}

TEST(GgufDequant, Q4_1AddsTheMinToScaledNibbles) {
    std::array<std::uint8_t, 2 * kQ4_1Bytes> blocks{};
    putHalf(blocks.data(), 0.5F);
    putHalf(blocks.data() + 2, -2.0F);
    blocks[4 + 0] = 0xF3; // element 0: 0.5 * 3 - 2; element 16: 0.5 * 15 - 2
    blocks[4 + 15] = 0x10;
    std::uint8_t* second = blocks.data() + kQ4_1Bytes;
    putHalf(second, -1.0F); // a negative scale and a positive min
    putHalf(second + 2, 4.0F);
    std::memset(second + 4, 0x21, 16);
    std::vector<float> out(64);
    dequantizeQ4_1(blocks.data(), out.data(), 64);
    EXPECT_EQ(out[0], -0.5F);
    EXPECT_EQ(out[16], 5.5F);
    EXPECT_EQ(out[1], -2.0F); // nibble 0 leaves the min
    EXPECT_EQ(out[15], -2.0F);
    EXPECT_EQ(out[31], -1.5F);
    for (int i = 32; i < 48; ++i)
        EXPECT_EQ(out[i], 3.0F) << i; // -1 * 1 + 4
    for (int i = 48; i < 64; ++i)
        EXPECT_EQ(out[i], 2.0F) << i; // -1 * 2 + 4
}

// Q5_0 / Q5_1: bit i of the little-endian word qh is the fifth bit of element i.
void putQh(std::uint8_t* p, std::uint32_t qh) {
    std::memcpy(p, &qh, 4);
}

TEST(GgufDequant, Q5_0TakesTheFifthBitFromTheHighWord) {
    std::array<std::uint8_t, kQ5_0Bytes> b{};
    putHalf(b.data(), 0.25F);
    putQh(b.data() + 2, (1u << 0) | (1u << 16) | (1u << 31));
    b[6 + 0] = 0x0F;
    b[6 + 15] = 0xF0;
    std::vector<float> out(32);
    dequantizeQ5_0(b.data(), out.data(), 32);
    EXPECT_EQ(out[0], 3.75F);  // (15 | 16) - 16 = 15
    EXPECT_EQ(out[16], 0.0F);  // (0 | 16) - 16
    EXPECT_EQ(out[1], -4.0F);  // 0 - 16
    EXPECT_EQ(out[15], -4.0F); // low nibble 0, bit 15 clear
    EXPECT_EQ(out[31], 3.75F); // high nibble 15, bit 31 set

    for (int i = 0; i < 16; ++i)
        b[6 + i] = static_cast<std::uint8_t>(i * 53 + 7);
    const std::uint32_t qh = 0x9E3779B9u;
    putQh(b.data() + 2, qh);
    putHalf(b.data(), -0.125F);
    dequantizeQ5_0(b.data(), out.data(), 32);
    for (int e = 0; e < 32; ++e) {
        const int nibble = e < 16 ? b[6 + e] & 0xF : b[6 + e - 16] >> 4;
        const int q = nibble + 16 * static_cast<int>((qh >> e) & 1u);
        EXPECT_EQ(out[static_cast<std::size_t>(e)], -0.125F * static_cast<float>(q - 16)) << "element " << e;
    }
}

TEST(GgufDequant, Q5_1AddsTheMinToFiveBitQuants) {
    std::array<std::uint8_t, kQ5_1Bytes> b{};
    putHalf(b.data(), 2.0F);
    putHalf(b.data() + 2, -40.0F);
    putQh(b.data() + 4, 1u << 5);
    b[8 + 5] = 0x3A;
    std::vector<float> out(32);
    dequantizeQ5_1(b.data(), out.data(), 32);
    EXPECT_EQ(out[5], 12.0F);   // 2 * (10 | 16) - 40
    EXPECT_EQ(out[21], -34.0F); // 2 * 3 - 40: bit 21 clear
    EXPECT_EQ(out[0], -40.0F);

    for (int i = 0; i < 16; ++i)
        b[8 + i] = static_cast<std::uint8_t>(i * 29 + 3);
    const std::uint32_t qh = 0x7F4A7C15u;
    putQh(b.data() + 4, qh);
    dequantizeQ5_1(b.data(), out.data(), 32);
    for (int e = 0; e < 32; ++e) {
        const int nibble = e < 16 ? b[8 + e] & 0xF : b[8 + e - 16] >> 4;
        const int q = nibble + 16 * static_cast<int>((qh >> e) & 1u);
        EXPECT_EQ(out[static_cast<std::size_t>(e)], 2.0F * static_cast<float>(q) - 40.0F) << "element " << e;
    }
}

// A Q4_K super-block with 6-bit scales sc and mins m packed as ggml does.
struct Q4K {
    std::array<int, 8> sc = {1, 2, 3, 4, 17, 33, 50, 63};
    std::array<int, 8> m = {0, 1, 2, 3, 20, 40, 5, 63};
    std::array<std::uint8_t, kQ4_KBytes> bytes{};

    Q4K(float d, float dmin) {
        putHalf(bytes.data(), d);
        putHalf(bytes.data() + 2, dmin);
        std::uint8_t* s = bytes.data() + 4;
        for (int j = 0; j < 4; ++j) {
            s[j] = static_cast<std::uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
            s[j + 4] = static_cast<std::uint8_t>(m[j] | ((m[j + 4] >> 4) << 6));
            s[j + 8] = static_cast<std::uint8_t>((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
        }
    }
    std::uint8_t* qs() { return bytes.data() + 16; }
};

TEST(GgufDequant, Q4_KUnpacksSixBitScalesAndMins) {
    Q4K b(1.0F, 0.5F);
    b.qs()[0] = 0x5A;
    b.qs()[32] = 0xF3;
    b.qs()[127] = 0x71;
    std::vector<float> out(256);
    dequantizeQ4_K(b.bytes.data(), out.data(), 256);
    // x = d * sc_j * nibble - dmin * m_j; sub-block j = element / 32.
    EXPECT_EQ(out[0], 10.0F);    // sub-block 0, low nibble of qs[0]: 1 * 10 - 0
    EXPECT_EQ(out[1], 0.0F);     // qs[1] = 0
    EXPECT_EQ(out[32], 9.5F);    // sub-block 1, high nibble of qs[0]: 2 * 5 - 0.5 * 1
    EXPECT_EQ(out[33], -0.5F);   // 2 * 0 - 0.5
    EXPECT_EQ(out[64], 8.0F);    // sub-block 2, low nibble of qs[32]: 3 * 3 - 0.5 * 2
    EXPECT_EQ(out[96], 58.5F);   // sub-block 3, high nibble of qs[32]: 4 * 15 - 0.5 * 3
    EXPECT_EQ(out[128], -10.0F); // sub-block 4 (scale 17 from split bits), min 20
    EXPECT_EQ(out[160], -20.0F); // sub-block 5, min 40
    EXPECT_EQ(out[223], 47.5F);  // sub-block 6, low nibble of qs[127]: 50 * 1 - 0.5 * 5
    EXPECT_EQ(out[255], 409.5F); // sub-block 7, high nibble of qs[127]: 63 * 7 - 0.5 * 63

    for (int i = 0; i < 128; ++i)
        b.qs()[i] = static_cast<std::uint8_t>(i * 37 + 11);
    dequantizeQ4_K(b.bytes.data(), out.data(), 256);
    for (int e = 0; e < 256; ++e) {
        const int group = e / 64, within = e % 64, j = 2 * group + within / 32;
        const std::uint8_t byte = b.qs()[32 * group + within % 32];
        const int nibble = within < 32 ? byte & 0xF : byte >> 4;
        EXPECT_EQ(out[static_cast<std::size_t>(e)],
                  1.0F * static_cast<float>(b.sc[j] * nibble) - 0.5F * b.m[j])
            << "element " << e;
    }
}

TEST(GgufDequant, Q6_KCombinesLowNibblesHighBitsAndSignedScales) {
    std::array<std::uint8_t, kQ6_KBytes> b{};
    std::uint8_t* ql = b.data();
    std::uint8_t* qh = b.data() + 128;
    auto* sc = b.data() + 192;
    for (int i = 0; i < 16; ++i)
        sc[i] = static_cast<std::uint8_t>(i + 1);
    sc[0] = static_cast<std::uint8_t>(-3);
    putHalf(b.data() + 208, 0.5F);
    ql[0] = 0x21;
    qh[0] = 0xE4; // 2-bit highs 0, 1, 2, 3 for the four quarters
    std::vector<float> out(256);
    dequantizeQ6_K(b.data(), out.data(), 256);
    // x = d * scale * (low4 | high2 << 4) - 32 * d * scale; scale index = l / 16 + 2 * quarter.
    EXPECT_EQ(out[0], 46.5F);     // low nibble 1, high 0: q = -31; scale -3
    EXPECT_EQ(out[32], -24.0F);   // ql[32] low 0, high 1: q = -16; scale 3
    EXPECT_EQ(out[64], 5.0F);     // ql[0] high nibble 2, high 2: q = 34 - 32 = 2; scale 5
    EXPECT_EQ(out[96], 56.0F);    // ql[32] high 0, high 3: q = 16; scale 7
    EXPECT_EQ(out[16], -32.0F);   // all zero: q = -32; scale 2
    EXPECT_EQ(out[128], -144.0F); // second half: scale 9

    for (int i = 0; i < 128; ++i)
        ql[i] = static_cast<std::uint8_t>(i * 37 + 5);
    for (int i = 0; i < 64; ++i)
        qh[i] = static_cast<std::uint8_t>(i * 91 + 7);
    for (int i = 0; i < 16; ++i)
        sc[i] = static_cast<std::uint8_t>(i * 29 - 100);
    dequantizeQ6_K(b.data(), out.data(), 256);
    for (int e = 0; e < 256; ++e) {
        const int half = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
        const std::uint8_t low = ql[64 * half + l + 32 * (quarter & 1)];
        const int nibble = quarter < 2 ? low & 0xF : low >> 4;
        const int high = (qh[32 * half + l] >> (2 * quarter)) & 3;
        const int scale = static_cast<std::int8_t>(sc[8 * half + l / 16 + 2 * quarter]);
        EXPECT_EQ(out[static_cast<std::size_t>(e)],
                  0.5F * static_cast<float>(scale) * static_cast<float>((nibble | (high << 4)) - 32))
            << "element " << e;
    }
}

TEST(GgufDequant, TensorsOfPlainTypesConvertAndOthersAreRefusedByName) {
    const std::array<std::uint16_t, 3> halves = {f32ToF16(1.5F), f32ToF16(-2.0F), f32ToF16(0.0F)};
    GgufTensorInfo t;
    t.name = "blk.0.attn_q.weight";
    t.type = static_cast<std::uint32_t>(GgmlType::F16);
    t.dims = {3};
    t.elements = 3;
    t.data = reinterpret_cast<const std::uint8_t*>(halves.data());
    auto f16 = dequantizeTensor(t, "m.gguf");
    ASSERT_TRUE(f16.ok()) << f16.error().message;
    EXPECT_EQ(*f16, (std::vector<float>{1.5F, -2.0F, 0.0F}));

    const std::array<std::uint16_t, 2> bf = {f32ToBf16(3.0F), f32ToBf16(-0.125F)};
    t.type = static_cast<std::uint32_t>(GgmlType::BF16);
    t.elements = 2;
    t.data = reinterpret_cast<const std::uint8_t*>(bf.data());
    EXPECT_EQ(dequantizeTensor(t, "m.gguf").value(), (std::vector<float>{3.0F, -0.125F}));

    // Types that real files hold but SinkScope does not decode are refused by their names.
    for (auto type : {GgmlType::IQ2_XXS, GgmlType::IQ4_XS, GgmlType::IQ1_M, GgmlType::TQ1_0, GgmlType::TQ2_0,
                      GgmlType::Q8_1, GgmlType::Q8_K, GgmlType::MXFP4, GgmlType::I32, GgmlType::F64}) {
        t.type = static_cast<std::uint32_t>(type);
        auto r = dequantizeTensor(t, "m.gguf");
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().message,
                  "m.gguf: tensor 'blk.0.attn_q.weight' has type " + ggmlTypeName(t.type) +
                      ", which SinkScope cannot read (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, "
                      "Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)");
    }
    EXPECT_EQ(ggmlTypeName(static_cast<std::uint32_t>(GgmlType::IQ2_XXS)), "IQ2_XXS");
    EXPECT_EQ(ggmlTypeName(static_cast<std::uint32_t>(GgmlType::TQ2_0)), "TQ2_0");
    EXPECT_EQ(ggmlTypeName(39), "MXFP4");
    EXPECT_EQ(ggmlTypeName(31), "type 31");
    EXPECT_EQ(ggmlTypeName(43), "type 43");
}

// The block sizes the reader checks tensors against are the ones the decoders step by.
TEST(GgufDequant, BlockSizesMatchTheDecoders) {
    struct Expect {
        GgmlType type;
        std::size_t elements, bytes;
    };
    for (const Expect& e :
         {Expect{GgmlType::Q8_0, 32, kQ8_0Bytes}, Expect{GgmlType::Q4_0, 32, kQ4_0Bytes},
          Expect{GgmlType::Q4_1, 32, kQ4_1Bytes}, Expect{GgmlType::Q5_0, 32, kQ5_0Bytes},
          Expect{GgmlType::Q5_1, 32, kQ5_1Bytes}, Expect{GgmlType::Q2_K, 256, kQ2_KBytes},
          Expect{GgmlType::Q3_K, 256, kQ3_KBytes}, Expect{GgmlType::Q4_K, 256, kQ4_KBytes},
          Expect{GgmlType::Q5_K, 256, kQ5_KBytes}, Expect{GgmlType::Q6_K, 256, kQ6_KBytes}}) {
        const auto* traits = ggmlTypeTraits(static_cast<std::uint32_t>(e.type));
        ASSERT_NE(traits, nullptr);
        EXPECT_EQ(traits->blockElements, e.elements) << traits->name;
        EXPECT_EQ(traits->blockBytes, e.bytes) << traits->name;
        EXPECT_TRUE(ggufCanDequantize(static_cast<std::uint32_t>(e.type))) << traits->name;
    }
    // ggml-common.h's static_asserts, restated: bytes per block of each layout.
    EXPECT_EQ(kQ4_1Bytes, 20u);
    EXPECT_EQ(kQ5_0Bytes, 22u);
    EXPECT_EQ(kQ5_1Bytes, 24u);
    EXPECT_EQ(kQ2_KBytes, 84u);
    EXPECT_EQ(kQ3_KBytes, 110u);
    EXPECT_EQ(kQ5_KBytes, 176u);
}

} // namespace
