// Two maps side by side on one colour scale: the range covers both maps, equal values get equal
// colours on both sides, and the pair is written in every format.
#include "figures/figure_image.h"
#include "figures/figures.h"
#include "figures/heatmap_painter.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <QImage>
#include <QPainter>

#include <cmath>
#include <filesystem>
#include <string>

namespace sinkscope {
namespace {

using test::TempDir;

// A full n x n map of one value, with `peak` at the last cell.
HeatmapFigure flat(std::int64_t n, float value, float peak, const std::string& title) {
    HeatmapFigure f;
    f.rows = f.cols = n;
    f.values.assign(static_cast<std::size_t>(n * n), value);
    f.values.back() = peak;
    f.title = title;
    f.dpi = 72;
    return f;
}

// The colour at the centre of cell (0, 0) of a figure drawn alone, offset by dx pixels.
QRgb cellColour(const QImage& img, const HeatmapFigure& f, int dx) {
    const HeatmapPainter painter(f);
    const QRectF map = painter.mapRect(); // points; 72 dpi: one point per pixel
    const double cell = map.width() / static_cast<double>(f.cols);
    return img.pixel(dx + static_cast<int>(map.left() + cell / 2), static_cast<int>(map.top() + cell / 2));
}

TEST(HeatmapPair, TheRangeCoversBothMaps) {
    HeatmapFigure a = flat(4, 0.2f, 0.5f, "a"), b = flat(4, 0.1f, 0.9f, "b");
    shareColourRange(a, b);
    EXPECT_DOUBLE_EQ(a.vmin, 0.0);
    EXPECT_NEAR(a.vmax, 0.9, 1e-6);
    EXPECT_EQ(a.vmin, b.vmin);
    EXPECT_EQ(a.vmax, b.vmax);

    // A range fixed on either side is kept for both.
    HeatmapFigure c = flat(4, 0.2f, 0.5f, "c"), d = flat(4, 0.1f, 0.9f, "d");
    c.vmin = 0.0;
    c.vmax = 1.0;
    shareColourRange(c, d);
    EXPECT_EQ(d.vmin, 0.0);
    EXPECT_EQ(d.vmax, 1.0);

    // Log: the range is in data units, spanning both maps' largest value.
    HeatmapFigure e = flat(4, 1e-3f, 0.5f, "e"), g = flat(4, 1e-2f, 0.8f, "g");
    e.scale = MapScale::Log;
    g.scale = MapScale::Linear; // the left figure's scale wins: one scale for both
    shareColourRange(e, g);
    EXPECT_EQ(g.scale, MapScale::Log);
    EXPECT_NEAR(e.vmax, 0.8, 1e-6);
    EXPECT_NEAR(e.vmin, 1e-3, 1e-9);
}

TEST(HeatmapPair, EqualValuesHaveEqualColoursOnBothSides) {
    // Drawn alone, each map's 0.5 would take a different colour (the top of its own range on the
    // left, the middle of it on the right); side by side they must match.
    const HeatmapFigure left = flat(3, 0.5f, 0.5f, "left"), right = flat(3, 0.5f, 1.0f, "right");
    const QImage pair = renderHeatmapPair(left, right);
    ASSERT_FALSE(pair.isNull());
    HeatmapFigure l = left, r = right;
    shareColourRange(l, r);
    const QImage aloneLeft = renderHeatmap(l), aloneRight = renderHeatmap(r);
    ASSERT_FALSE(aloneLeft.isNull());
    ASSERT_FALSE(aloneRight.isNull());
    EXPECT_GT(pair.width(), aloneLeft.width() + aloneRight.width()) << "a gap between the maps";
    EXPECT_EQ(pair.height(), std::max(aloneLeft.height(), aloneRight.height()));
    const QRgb onLeft = cellColour(pair, l, 0);
    const QRgb onRight = cellColour(pair, r, pair.width() - aloneRight.width());
    EXPECT_EQ(onLeft, onRight) << "0.5 is one colour on both sides";
    EXPECT_EQ(onLeft, cellColour(aloneLeft, l, 0)) << "the left map is drawn as it is alone";
    EXPECT_NE(cellColour(renderHeatmap(left), left, 0), onLeft)
        << "alone, with its own range, the left map's 0.5 is the top colour";
}

TEST(HeatmapPair, WritesEveryFormatAndNamesThePathOnError) {
    TempDir dir;
    const HeatmapFigure left = flat(5, 0.2f, 0.9f, "default · layer 0 · head 0"),
                        right = flat(5, 0.01f, 0.3f, "sigmoid · layer 0 · head 0");
    for (const char* ext : {".png", ".svg", ".pdf"}) {
        const std::string path = dir.path(std::string("pair") + ext);
        const Status st = writeHeatmapPair(left, right, path);
        ASSERT_TRUE(st.ok()) << st.error().message;
        EXPECT_GT(std::filesystem::file_size(path), 500u) << ext;
    }
    HeatmapFigure bad = right;
    bad.values.pop_back();
    const std::string path = dir.path("bad.png");
    const Status st = writeHeatmapPair(left, bad, path);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find(path), std::string::npos) << st.error().message;
    EXPECT_FALSE(std::filesystem::exists(path));
}

} // namespace
} // namespace sinkscope
