// Colour tables: published endpoints, monotone lightness, a white diverging centre, and parsing.
#include "figures/colormap.h"

#include <gtest/gtest.h>

namespace sinkscope {
namespace {

TEST(Colormap, SequentialEndpointsMatchThePublishedMaps) {
    EXPECT_EQ(colormapRgb(Colormap::Viridis, 0.0), (Rgb{0x44, 0x01, 0x54}));
    EXPECT_EQ(colormapRgb(Colormap::Viridis, 1.0), (Rgb{0xfd, 0xe7, 0x25}));
    EXPECT_EQ(colormapRgb(Colormap::Magma, 0.0), (Rgb{0x00, 0x00, 0x04}));
    EXPECT_EQ(colormapRgb(Colormap::Magma, 1.0), (Rgb{0xfc, 0xfd, 0xbf}));
    EXPECT_EQ(colormapRgb(Colormap::Grey, 0.0), (Rgb{255, 255, 255}));
    EXPECT_EQ(colormapRgb(Colormap::Grey, 1.0), (Rgb{0, 0, 0}));
    // Out-of-range and NaN positions clamp instead of reading past the table.
    EXPECT_EQ(colormapRgb(Colormap::Viridis, -3.0), colormapRgb(Colormap::Viridis, 0.0));
    EXPECT_EQ(colormapRgb(Colormap::Viridis, 7.0), colormapRgb(Colormap::Viridis, 1.0));
    EXPECT_EQ(colormapRgb(Colormap::Magma, NAN), colormapRgb(Colormap::Magma, 0.0));
}

// Lightness must order the values (readable in greyscale print). The published 8-bit viridis
// table has four steps where quantisation drops L* by < 0.1, so single steps get that slack and
// every 8th sample must rise strictly.
void expectMonotoneLightness(Colormap c, double direction) {
    const auto table = colormapTable(c);
    for (std::size_t i = 1; i < table.size(); ++i)
        EXPECT_GE(direction * (lightness(table[i]) - lightness(table[i - 1])), -0.1)
            << colormapName(c) << " at " << i;
    for (std::size_t i = 8; i < table.size(); i += 8)
        EXPECT_GT(direction * (lightness(table[i]) - lightness(table[i - 8])), 0.0)
            << colormapName(c) << " at " << i;
    EXPECT_GT(direction * (lightness(table.back()) - lightness(table.front())), 50.0) << colormapName(c);
}

TEST(Colormap, LightnessIsMonotone) {
    expectMonotoneLightness(Colormap::Viridis, +1.0);
    expectMonotoneLightness(Colormap::Magma, +1.0);
    expectMonotoneLightness(Colormap::Grey, -1.0); // white (low) to black (high)
}

TEST(Colormap, DivergingIsWhiteAtTheCentreAndDarkerTowardsBothEnds) {
    EXPECT_EQ(colormapRgb(Colormap::Diverging, 0.5), (Rgb{255, 255, 255}));
    const Rgb low = colormapRgb(Colormap::Diverging, 0.0), high = colormapRgb(Colormap::Diverging, 1.0);
    EXPECT_GT(low.b, low.r);                           // blue below zero
    EXPECT_GT(high.r, high.b);                         // red above
    EXPECT_NEAR(lightness(low), lightness(high), 8.0); // neither sign dominates
    const auto table = colormapTable(Colormap::Diverging);
    for (std::size_t i = 1; i < 128; ++i)
        EXPECT_GE(lightness(table[i]), lightness(table[i - 1]) - 1e-9) << i;
    for (std::size_t i = 129; i < 256; ++i)
        EXPECT_LE(lightness(table[i]), lightness(table[i - 1]) + 1e-9) << i;
}

TEST(Colormap, ParsesNamesAndRejectsUnknownOnes) {
    EXPECT_EQ(*parseColormap("viridis"), Colormap::Viridis);
    EXPECT_EQ(*parseColormap("Magma"), Colormap::Magma);
    EXPECT_EQ(*parseColormap("grey"), Colormap::Grey);
    EXPECT_EQ(*parseColormap("gray"), Colormap::Grey);
    EXPECT_EQ(*parseColormap("diverging"), Colormap::Diverging);
    const auto bad = parseColormap("jet");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("\"jet\""), std::string::npos);
    EXPECT_NE(bad.error().message.find("viridis"), std::string::npos);
    for (Colormap c : {Colormap::Viridis, Colormap::Magma, Colormap::Grey, Colormap::Diverging})
        EXPECT_EQ(*parseColormap(colormapName(c)), c);
}

} // namespace
} // namespace sinkscope
