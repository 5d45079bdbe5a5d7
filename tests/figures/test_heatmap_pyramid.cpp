// The GL canvas's level-of-detail pyramid: quantisation against the figure's colour range,
// NaN-aware max pooling that keeps thin features, tile padding and the choice of level.
#include "gl/heatmap_pyramid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace sinkscope {
namespace {

HeatmapFigure figure(std::int64_t rows, std::int64_t cols, float fill) {
    HeatmapFigure f;
    f.rows = rows;
    f.cols = cols;
    f.values.assign(static_cast<std::size_t>(rows * cols), fill);
    return f;
}

TEST(HeatmapPyramid, QuantisesAgainstTheFiguresColourRange) {
    HeatmapFigure f = figure(2, 2, 0.0f);
    f.values = {0.0f, 0.5f, NAN, 1.0f};
    const HeatmapPyramid p(f);
    ASSERT_EQ(p.levels(), 1); // fits one tile
    EXPECT_EQ(p.at(0, 0, 0), 0);
    EXPECT_NEAR(HeatmapPyramid::toPosition(p.at(0, 0, 1)), 0.5, 1e-4);
    EXPECT_EQ(p.at(0, 1, 0), HeatmapPyramid::kEmpty);
    EXPECT_EQ(p.at(0, 1, 1), HeatmapPyramid::kTop);
}

TEST(HeatmapPyramid, ExplicitRangeClampsLikeTheExportedFigure) {
    HeatmapFigure f = figure(1, 3, 0.0f);
    f.values = {0.1f, 0.2f, 0.9f};
    f.vmin = 0.0;
    f.vmax = 0.4;
    const HeatmapPyramid p(f);
    EXPECT_NEAR(HeatmapPyramid::toPosition(p.at(0, 0, 0)), 0.25, 1e-4);
    EXPECT_EQ(p.at(0, 0, 2), HeatmapPyramid::kTop);
}

TEST(HeatmapPyramid, ThinSinkColumnSurvivesEveryLevel) {
    // A 1000 x 1000 causal map that is almost zero except column 0 (the sink): every coarser level
    // must still show column 0 at full strength, and the upper triangle stays empty at level 0.
    const std::int64_t n = 1000;
    HeatmapFigure f = figure(n, n, 0.001f);
    for (std::int64_t r = 0; r < n; ++r) {
        f.values[static_cast<std::size_t>(r * n)] = 0.9f;
        for (std::int64_t c = r + 1; c < n; ++c)
            f.values[static_cast<std::size_t>(r * n + c)] = NAN;
    }
    const HeatmapPyramid p(f);
    ASSERT_EQ(p.levels(), 3); // 1000 -> 500 -> 250 (one tile)
    EXPECT_EQ(p.rows(2), 250);
    EXPECT_EQ(p.at(0, 0, 1), HeatmapPyramid::kEmpty);
    for (int level = 0; level < p.levels(); ++level)
        for (std::int64_t r = 0; r < p.rows(level); ++r)
            ASSERT_EQ(p.at(level, r, 0), HeatmapPyramid::kTop) << "level " << level << " row " << r;
    // A block with one stored cell keeps it; a block of nothing stays empty.
    EXPECT_NE(p.at(1, 0, 0), HeatmapPyramid::kEmpty);
    EXPECT_EQ(p.at(1, 0, 1), HeatmapPyramid::kEmpty);
}

TEST(HeatmapPyramid, DivergingMapsPoolByDistanceFromZero) {
    HeatmapFigure f = figure(300, 300, 0.0f);
    f.colormap = Colormap::Diverging;
    f.values[0] = -0.8f; // strong negative next to a weak positive: the negative must win
    f.values[1] = 0.1f;
    f.values[2] = 1.0f; // sets the symmetric range to [-1, 1]
    const HeatmapPyramid p(f);
    ASSERT_EQ(p.levels(), 2);
    EXPECT_NEAR(HeatmapPyramid::toPosition(p.at(1, 0, 0)), 0.1, 1e-3); // -0.8 on [-1, 1]
}

TEST(HeatmapPyramid, TilesArePaddedWithEmptyTexels) {
    HeatmapFigure f = figure(300, 260, 0.5f);
    const HeatmapPyramid p(f);
    EXPECT_EQ(p.tilesX(0), 2);
    EXPECT_EQ(p.tilesY(0), 2);
    std::vector<std::uint16_t> tile(HeatmapPyramid::kTile * HeatmapPyramid::kTile);
    p.copyTile(0, 1, 1, tile.data()); // rows 256..299, cols 256..259
    EXPECT_EQ(tile[0], p.at(0, 256, 256));
    EXPECT_EQ(tile[3], p.at(0, 256, 259));
    EXPECT_EQ(tile[4], HeatmapPyramid::kEmpty);
    EXPECT_EQ(tile[43 * HeatmapPyramid::kTile], p.at(0, 299, 256));
    EXPECT_EQ(tile[44 * HeatmapPyramid::kTile], HeatmapPyramid::kEmpty);
}

TEST(HeatmapPyramid, LevelMatchesTheZoom) {
    const HeatmapPyramid p(figure(4096, 4096, 0.5f));
    ASSERT_EQ(p.levels(), 5);       // 4096 .. 256
    EXPECT_EQ(p.levelFor(0.25), 0); // zoomed in: full detail
    EXPECT_EQ(p.levelFor(1.0), 0);
    EXPECT_EQ(p.levelFor(1.9), 0);
    EXPECT_EQ(p.levelFor(2.0), 1);
    EXPECT_EQ(p.levelFor(13.0), 3);
    EXPECT_EQ(p.levelFor(1e6), 4); // never past the coarsest level
}

TEST(HeatmapPyramid, EmptyFigureHasNoLevels) {
    EXPECT_TRUE(HeatmapPyramid(HeatmapFigure{}).empty());
}

} // namespace
} // namespace sinkscope
