// The map codec: fp16 attention within the documented tolerance, exact float32 scores (-inf and
// NaN included), the causal upper triangle left out, and every damaged blob refused in words.
#include "test_trace_util.h"
#include "trace/map_codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

const float kInf = std::numeric_limits<float>::infinity();

AttentionMap roundTrip(const AttentionMap& m, const MapCodecOptions& options = {}) {
    const auto blob = encodeMap(m, options);
    EXPECT_FALSE(blob.empty()) << checkMap(m);
    auto back = decodeMap(blob.data(), blob.size());
    EXPECT_TRUE(back.ok()) << back.error().message;
    return back.ok() ? *back : AttentionMap{};
}

std::uint64_t headerU64(const std::vector<std::uint8_t>& blob, std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v |= static_cast<std::uint64_t>(blob[at + static_cast<std::size_t>(i)]) << (8 * i);
    return v;
}

std::string decodeError(const std::vector<std::uint8_t>& blob) {
    auto r = decodeMap(blob.data(), blob.size());
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.error().message;
}

} // namespace

TEST(TraceCodec, CausalValueCount) {
    EXPECT_EQ(causalValueCount(0, 4, 4), 10);
    EXPECT_EQ(causalValueCount(4, 1, 5), 5);
    EXPECT_EQ(causalValueCount(0, 3, 2), 5); // rows 1 and 2 are capped at 2 columns
    EXPECT_EQ(causalValueCount(100, 4, 20), 80);
    EXPECT_EQ(causalValueCount(0, 0, 7), 0);
    EXPECT_EQ(causalValueCount(0, 1024, 1024), 1024 * 1025 / 2);
}

TEST(TraceCodec, AttentionRoundTripsWithinF16Tolerance) {
    const auto m = syntheticMap(0, 3, 5, 0, 96, 96, 11);
    const auto back = roundTrip(m);
    EXPECT_EQ(back.step, 0);
    EXPECT_EQ(back.layer, 3);
    EXPECT_EQ(back.head, 5);
    EXPECT_EQ(back.kind, MapKind::Attention);
    EXPECT_EQ(back.rows, 96);
    EXPECT_EQ(back.cols, 96);
    ASSERT_EQ(back.values.size(), m.values.size());
    EXPECT_TRUE(sameBits(back.values, storedValues(m)));
    for (std::size_t i = 0; i < m.values.size(); ++i) {
        const float x = m.values[i], y = back.values[i];
        if (std::abs(x) >= std::ldexp(1.0f, -14))
            EXPECT_LE(std::abs(x - y), std::ldexp(std::abs(x), -11)) << i;
        else
            EXPECT_LE(std::abs(x - y), std::ldexp(1.0f, -25)) << i;
    }
}

TEST(TraceCodec, F16ToleranceOverTheWholeRange) {
    AttentionMap m;
    m.rows = 1;
    m.firstRow = 4999;
    m.cols = 5000;
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> exponent(-30.0f, 15.9f);
    for (int i = 0; i < 5000; ++i)
        m.values.push_back((i % 2 ? -1.0f : 1.0f) * std::exp2(exponent(rng)));
    const auto back = roundTrip(m);
    for (std::size_t i = 0; i < m.values.size(); ++i) {
        const float x = m.values[i], y = back.values[i];
        const float bound =
            std::abs(x) >= std::ldexp(1.0f, -14) ? std::ldexp(std::abs(x), -11) : std::ldexp(1.0f, -25);
        EXPECT_LE(std::abs(x - y), bound) << "x = " << x;
    }
}

TEST(TraceCodec, Fp16RoundingMatchesCore) {
    // The codec inlines its own f32 -> f16 conversion; it must be core's f32ToF16 bit for bit.
    std::vector<std::uint32_t> bits = {0x00000000u, 0x80000000u, 0x33000000u, 0x32ffffffu, 0x33000001u,
                                       0x387fffffu, 0x38800000u, 0x38800001u, 0x477fefffu, 0x477ff000u,
                                       0x7f7fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00001u,
                                       0x7f800001u, 0x3f800000u, 0x33800000u, 0x337fffffu};
    std::mt19937 rng(5);
    while (bits.size() < (1u << 18))
        bits.push_back(static_cast<std::uint32_t>(rng()));
    for (std::uint32_t e = 0x32000000u; e < 0x48000000u; e += 0x1000u) // every rounding boundary region
        bits.push_back(e | 0x800u);
    AttentionMap m;
    m.rows = 1;
    m.cols = static_cast<std::int64_t>(bits.size());
    m.firstRow = m.cols - 1;
    for (auto b : bits)
        m.values.push_back(std::bit_cast<float>(b));
    const auto back = roundTrip(m);
    ASSERT_EQ(back.values.size(), bits.size());
    for (std::size_t i = 0; i < bits.size(); ++i)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(back.values[i]),
                  std::bit_cast<std::uint32_t>(roundF16(m.values[i])))
            << std::hex << "input bits 0x" << bits[i];
}

TEST(TraceCodec, AttentionSpecialValues) {
    AttentionMap m;
    m.rows = 1;
    m.firstRow = 6;
    m.cols = 7;
    m.values = {65520.0f, -1e6f, kInf, -kInf, std::nanf(""), 65519.0f, 1e-9f};
    const auto back = roundTrip(m);
    EXPECT_EQ(back.values[0], kInf); // rounds past fp16's largest value
    EXPECT_EQ(back.values[1], -kInf);
    EXPECT_EQ(back.values[2], kInf);
    EXPECT_EQ(back.values[3], -kInf);
    EXPECT_TRUE(std::isnan(back.values[4]));
    EXPECT_EQ(back.values[5], 65504.0f); // rounds down to it
    EXPECT_EQ(back.values[6], 0.0f);     // below 2^-25
}

TEST(TraceCodec, ScoresAreExactWithInfAndNan) {
    auto m = syntheticMap(2, 1, 0, 0, 40, 40, 5, MapKind::Scores);
    m.values[5 * 40 + 2] = -kInf;          // a masked key inside the triangle
    m.values[6 * 40 + 0] = std::nanf("7"); // with a payload
    m.values[7 * 40 + 1] = kInf;
    m.values[8 * 40 + 3] = 1e30f;       // far beyond fp16
    m.values[9 * 40 + 4] = 123.456789f; // needs float32's precision
    const auto back = roundTrip(m);
    EXPECT_EQ(back.kind, MapKind::Scores);
    EXPECT_TRUE(sameBits(back.values, m.values));
    EXPECT_EQ(back.values[0 * 40 + 39], -kInf); // upper triangle reads back as -inf
}

TEST(TraceCodec, UpperTriangleIsNotStored) {
    const auto m = syntheticMap(0, 0, 0, 0, 64, 64, 1);
    const auto raw = encodeMap(m, {.zstdLevel = 0});
    EXPECT_EQ(raw[8], 1);                              // causal layout
    EXPECT_EQ(headerU64(raw, 48), 64u * 65u / 2);      // stored values
    EXPECT_EQ(raw.size(), 64u + 2u * (64u * 65u / 2)); // 2 bytes each, nothing more
    auto back = decodeMap(raw.data(), raw.size());
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_TRUE(sameBits(back->values, storedValues(m)));
}

TEST(TraceCodec, UnmaskedUpperTriangleIsKept) {
    auto m = syntheticMap(0, 0, 0, 0, 8, 8, 2);
    m.values[0 * 8 + 5] = 0.25f; // not causal: store the full rectangle
    const auto blob = encodeMap(m);
    EXPECT_EQ(blob[8], 0);
    auto back = decodeMap(blob.data(), blob.size());
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(sameBits(back->values, storedValues(m)));

    auto s = syntheticMap(0, 0, 0, 0, 8, 8, 2, MapKind::Scores);
    s.values[1 * 8 + 7] = 0.0f; // scores: anything but -inf above the diagonal counts
    EXPECT_EQ(encodeMap(s)[8], 0);
    EXPECT_TRUE(sameBits(roundTrip(s).values, s.values));
}

TEST(TraceCodec, GenerationStepAndCacheShapes) {
    const auto step = syntheticMap(4, 1, 1, 37, 1, 38, 9); // one generated token's row
    EXPECT_TRUE(sameBits(roundTrip(step).values, storedValues(step)));
    EXPECT_EQ(roundTrip(step).firstRow, 37);
    // A streaming cache: fewer keys than positions, every entry stored.
    const auto cache = syntheticMap(0, 0, 0, 100, 4, 20, 4);
    EXPECT_EQ(encodeMap(cache)[8], 1);
    EXPECT_TRUE(sameBits(roundTrip(cache).values, storedValues(cache)));
    // Keys past the last query cannot be causal: stored whole.
    AttentionMap wide;
    wide.rows = 2;
    wide.cols = 5;
    wide.values.assign(10, 0.0f);
    wide.values[0] = 1.0f;
    EXPECT_EQ(encodeMap(wide)[8], 0);
    EXPECT_TRUE(sameBits(roundTrip(wide).values, wide.values));
}

TEST(TraceCodec, EmptyMap) {
    AttentionMap m;
    m.step = 1;
    const auto back = roundTrip(m);
    EXPECT_EQ(back.rows, 0);
    EXPECT_TRUE(back.values.empty());
}

TEST(TraceCodec, EveryOptionDecodesTheSame) {
    const auto m = syntheticMap(0, 0, 0, 0, 50, 50, 8);
    const auto expected = storedValues(m);
    for (int level : {0, 1, 3, 9})
        for (bool planes : {false, true}) {
            const auto back = roundTrip(m, {.zstdLevel = level, .bytePlanes = planes});
            EXPECT_TRUE(sameBits(back.values, expected)) << "level " << level << " planes " << planes;
            const auto exact = roundTrip(m, {.zstdLevel = level, .bytePlanes = planes, .forceFloat32 = true});
            EXPECT_TRUE(sameBits(exact.values, m.values)) << "float32, level " << level;
        }
}

TEST(TraceCodec, AtMostTwoBytesPerStoredWeight) {
    const auto m = syntheticMap(0, 0, 0, 0, 256, 256, 21);
    const auto blob = encodeMap(m);
    const double perWeight =
        static_cast<double>(blob.size()) / static_cast<double>(causalValueCount(0, 256, 256));
    EXPECT_LE(perWeight, 2.0);
}

TEST(TraceCodec, InvalidMapsAreNotEncoded) {
    AttentionMap m;
    m.rows = 2;
    m.cols = 3;
    m.values.assign(5, 0.0f);
    EXPECT_TRUE(encodeMap(m).empty());
    EXPECT_NE(checkMap(m).find("holds 5 values but rows x cols = 2 x 3 needs 6"), std::string::npos);
    m.values.assign(6, 0.0f);
    m.head = -1;
    EXPECT_NE(checkMap(m).find("negative index"), std::string::npos);
    m.head = 0;
    m.rows = -2;
    EXPECT_NE(checkMap(m).find("negative shape"), std::string::npos);
    m.rows = std::int64_t{1} << 25;
    EXPECT_NE(checkMap(m).find("beyond the supported size"), std::string::npos);
}

TEST(TraceCodec, DamagedBlobsAreRefused) {
    const auto good = encodeMap(syntheticMap(1, 2, 3, 0, 32, 32, 4));
    ASSERT_TRUE(decodeMap(good.data(), good.size()).ok());

    EXPECT_NE(decodeError({good.begin(), good.begin() + 40}).find("truncated (40 bytes"), std::string::npos);
    EXPECT_NE(decodeError({good.begin(), good.end() - 1}).find("truncated"), std::string::npos);
    EXPECT_NE(decodeMap(nullptr, 0).error().message.find("truncated"), std::string::npos);

    auto bad = good;
    bad[0] = 'X';
    EXPECT_NE(decodeError(bad).find("bad magic"), std::string::npos);
    bad = good;
    bad[4] = 9;
    EXPECT_NE(decodeError(bad).find("format version 9 is newer"), std::string::npos);
    bad = good;
    bad[6] = 7;
    EXPECT_NE(decodeError(bad).find("corrupt header"), std::string::npos);
    bad = good;
    bad[48] ^= 1; // stored count disagrees with the shape
    EXPECT_NE(decodeError(bad).find("stored values"), std::string::npos);
    bad = good;
    bad[32 + 7] = 0x7f; // rows beyond any real map
    EXPECT_NE(decodeError(bad).find("corrupt header"), std::string::npos);
    bad = good;
    bad[good.size() / 2 + 40] ^= 0x10; // inside the zstd payload: caught by the frame checksum
    EXPECT_NE(decodeError(bad).find("corrupt payload"), std::string::npos);
    for (const auto& msg : {decodeError(bad), decodeError({good.begin(), good.begin() + 10})})
        EXPECT_EQ(msg.rfind("map blob: ", 0), 0u) << msg;
}

TEST(TraceCodec, RandomDamageNeverCrashes) {
    // Under the sanitizers this checks that no damaged blob reads out of bounds.
    const auto good = encodeMap(syntheticMap(0, 0, 0, 0, 24, 24, 6));
    std::mt19937 rng(17);
    int refused = 0;
    for (int trial = 0; trial < 2000; ++trial) {
        auto bad = good;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f)
            bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        if (rng() % 4 == 0) bad.resize(rng() % bad.size());
        auto r = decodeMap(bad.data(), bad.size());
        if (!r) {
            ++refused;
        } else {
            EXPECT_EQ(r->values.size(), static_cast<std::size_t>(r->rows * r->cols));
        }
    }
    EXPECT_GT(refused, 1500);
}
