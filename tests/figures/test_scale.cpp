// Value scaling, colour ranges, colorbar ticks and max-pooling.
#include "figures/scale.h"
#include "figures/ticks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace sinkscope {
namespace {

TEST(Scale, LogOfZerosTakesTheLowestColourAndIsIgnoredForTheRange) {
    const std::vector<float> v = {0.0f, 1e-3f, 0.1f, 1.0f, NAN, -0.5f};
    const auto t = transformValues(v.data(), 1, 6, MapScale::Log);
    EXPECT_TRUE(std::isinf(t[0]) && t[0] < 0); // log10(0)
    EXPECT_FLOAT_EQ(t[1], -3.0f);
    EXPECT_FLOAT_EQ(t[3], 0.0f);
    EXPECT_TRUE(std::isnan(t[4])); // not stored stays not stored
    EXPECT_TRUE(std::isinf(t[5]) && t[5] < 0);

    RangeFinder finder;
    finder.add(t);
    const ColourRange r = finder.finish(MapScale::Log, Colormap::Viridis, NAN, NAN);
    EXPECT_TRUE(r.log);
    EXPECT_DOUBLE_EQ(r.lo, -3.0);
    EXPECT_DOUBLE_EQ(r.hi, 0.0);
    EXPECT_DOUBLE_EQ(r.position(t[0]), 0.0);
    EXPECT_DOUBLE_EQ(r.position(t[3]), 1.0);
    EXPECT_TRUE(std::isnan(r.position(t[4])));
}

TEST(Scale, LogRangeFromDataSpansAtMostEightDecadesAndSurvivesAllZeros) {
    const std::vector<float> v = {1e-30f, 1.0f};
    RangeFinder finder;
    finder.add(transformValues(v.data(), 1, 2, MapScale::Log));
    const ColourRange r = finder.finish(MapScale::Log, Colormap::Viridis, NAN, NAN);
    EXPECT_DOUBLE_EQ(r.hi - r.lo, RangeFinder::kMaxDecades);

    const std::vector<float> zeros(4, 0.0f);
    RangeFinder none;
    none.add(transformValues(zeros.data(), 2, 2, MapScale::Log));
    const ColourRange z = none.finish(MapScale::Log, Colormap::Viridis, NAN, NAN);
    EXPECT_LT(z.lo, z.hi);
    EXPECT_TRUE(std::isfinite(z.lo) && std::isfinite(z.hi));
}

TEST(Scale, RowNormalisedRowsPeakAtOne) {
    const std::vector<float> v = {0.2f, 0.1f, NAN, 0.0f, 0.0f, 0.0f, 3.0f, 6.0f, 1.5f};
    const auto t = transformValues(v.data(), 3, 3, MapScale::RowNormalized);
    EXPECT_FLOAT_EQ(t[0], 1.0f);
    EXPECT_FLOAT_EQ(t[1], 0.5f);
    EXPECT_TRUE(std::isnan(t[2]));
    for (int c = 0; c < 3; ++c)
        EXPECT_FLOAT_EQ(t[3 + c], 0.0f); // a zero row stays zero, no NaN
    EXPECT_FLOAT_EQ(t[7], 1.0f);
    EXPECT_FLOAT_EQ(t[6], 0.5f);
    for (int r = 0; r < 3; ++r) {
        float m = 0.0f;
        for (int c = 0; c < 3; ++c)
            if (!std::isnan(t[r * 3 + c])) m = std::max(m, t[r * 3 + c]);
        EXPECT_TRUE(m == 1.0f || m == 0.0f) << "row " << r;
    }
}

TEST(Scale, LinearRangeStartsAtZeroAndDivergingIsSymmetric) {
    const std::vector<float> v = {0.2f, 0.6f, -0.1f};
    RangeFinder pos;
    pos.add(transformValues(v.data(), 1, 2, MapScale::Linear));
    const ColourRange p = pos.finish(MapScale::Linear, Colormap::Viridis, NAN, NAN);
    EXPECT_DOUBLE_EQ(p.lo, 0.0);
    EXPECT_NEAR(p.hi, 0.6, 1e-7);

    RangeFinder diff;
    diff.add(transformValues(v.data(), 1, 3, MapScale::Linear));
    const ColourRange d = diff.finish(MapScale::Linear, Colormap::Diverging, NAN, NAN);
    EXPECT_NEAR(d.lo, -0.6, 1e-7);
    EXPECT_NEAR(d.hi, 0.6, 1e-7);
    EXPECT_DOUBLE_EQ(d.position(0.0f), 0.5); // zero is the white centre

    const ColourRange fixed = diff.finish(MapScale::Linear, Colormap::Viridis, 0.1, 0.3);
    EXPECT_DOUBLE_EQ(fixed.lo, 0.1);
    EXPECT_DOUBLE_EQ(fixed.hi, 0.3);
    const ColourRange logFixed = diff.finish(MapScale::Log, Colormap::Viridis, 1e-4, 1.0);
    EXPECT_DOUBLE_EQ(logFixed.lo, -4.0);
    EXPECT_DOUBLE_EQ(logFixed.hi, 0.0);
}

TEST(Scale, ParsesScaleNames) {
    EXPECT_EQ(*parseMapScale("linear"), MapScale::Linear);
    EXPECT_EQ(*parseMapScale("LOG"), MapScale::Log);
    EXPECT_EQ(*parseMapScale("row"), MapScale::RowNormalized);
    const auto bad = parseMapScale("sqrt");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("\"sqrt\""), std::string::npos);
}

TEST(Ticks, LinearTicksAreNiceNumbersInsideTheRange) {
    const auto ticks = colourbarTicks({0.0, 0.83, false}, 6);
    ASSERT_GE(ticks.size(), 3u);
    ASSERT_LE(ticks.size(), 6u);
    EXPECT_EQ(ticks.front().label, "0.0");
    EXPECT_EQ(ticks[1].label, "0.2");
    for (const Tick& t : ticks)
        EXPECT_TRUE(t.value >= 0.0 && t.value <= 0.83) << t.label;

    const auto signedTicks = colourbarTicks({-0.05, 0.05, false}, 5);
    EXPECT_EQ(signedTicks.front().label, "\u22120.050"); // typographic minus
    bool zero = false;
    for (const Tick& t : signedTicks)
        zero = zero || t.label == "0.000";
    EXPECT_TRUE(zero) << "no -0.000 or missing centre";
}

TEST(Ticks, LogTicksArePowersOfTen) {
    const auto ticks = colourbarTicks({-4.0, 0.0, true}, 6);
    ASSERT_EQ(ticks.size(), 5u);
    EXPECT_EQ(ticks[0].label, "10⁻⁴");
    EXPECT_EQ(ticks[3].label, "10⁻¹");
    EXPECT_EQ(ticks[4].label, "10⁰");
    EXPECT_DOUBLE_EQ(ticks[0].value, -4.0);

    const auto thinned = colourbarTicks({-8.0, 0.0, true}, 4);
    EXPECT_LE(thinned.size(), 4u);
    EXPECT_EQ(thinned.back().label, "10⁰");

    // Less than a decade: plain 1-2-5 numbers still label the bar.
    const auto narrow = colourbarTicks({std::log10(0.15), std::log10(0.6), true}, 6);
    ASSERT_GE(narrow.size(), 2u);
    EXPECT_EQ(narrow[0].label, "0.2");
    EXPECT_EQ(narrow[1].label, "0.5");
    EXPECT_EQ(powerOfTen(12), "10¹²");
}

TEST(Pooling, MaxPoolKeepsAOneColumnSink) {
    // 64 x 64 map, column 0 carries 0.9, the rest 0.001: a 4x downsample must keep the column.
    std::vector<float> v(64 * 64, 0.001f);
    for (int r = 0; r < 64; ++r)
        v[static_cast<std::size_t>(r * 64)] = 0.9f;
    const auto p = maxPool(v, 64, 64, 16, 16, false);
    ASSERT_EQ(p.size(), 256u);
    for (int r = 0; r < 16; ++r) {
        EXPECT_FLOAT_EQ(p[static_cast<std::size_t>(r * 16)], 0.9f);
        EXPECT_FLOAT_EQ(p[static_cast<std::size_t>(r * 16 + 1)], 0.001f);
    }
    const std::vector<float> signedV = {0.1f, -0.8f, NAN, NAN};
    const auto m = maxPool(signedV, 2, 2, 1, 1, true);
    EXPECT_FLOAT_EQ(m[0], -0.8f); // by magnitude for diverging data
    const auto rowOfNaN = maxPool(signedV, 2, 2, 2, 1, false);
    EXPECT_TRUE(std::isnan(rowOfNaN[1]));
}

} // namespace
} // namespace sinkscope
