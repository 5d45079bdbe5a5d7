// Marked columns and rows (sink dimensions, sink tokens): checked against the map's shape, drawn as
// red triangles outside the map, and without marks the figure is laid out exactly as before.
#include "figures/figure_builders.h"
#include "figures/figure_image.h"
#include "figures/figures.h"
#include "figures/heatmap_painter.h"
#include "figures/readout.h"

#include <gtest/gtest.h>

#include <QColor>
#include <QImage>

namespace sinkscope {
namespace {

HeatmapFigure ramp(std::int64_t rows, std::int64_t cols) {
    HeatmapFigure f;
    f.rows = rows;
    f.cols = cols;
    for (std::int64_t i = 0; i < rows * cols; ++i)
        f.values.push_back(static_cast<float>(i % 7) / 7.0f);
    f.dpi = 72; // one pixel per point: geometry reads straight off the image
    return f;
}

bool reddish(QRgb c) {
    return qRed(c) > 180 && qGreen(c) < 120 && qBlue(c) < 90;
}

TEST(FigureMarks, IndicesMustLieInTheMap) {
    HeatmapFigure f = ramp(3, 4);
    f.markedCols = {4};
    auto s = validateHeatmap(f);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("marked column 4"), std::string::npos) << s.error().message;
    f.markedCols = {3};
    f.markedRows = {-1};
    EXPECT_FALSE(validateHeatmap(f));
    f.markedRows = {2};
    EXPECT_TRUE(validateHeatmap(f));
}

TEST(FigureMarks, TrianglesSitAboveColumnsAndRightOfRows) {
    ensureGuiApplication(); // layout measures text: fonts need the application (ctest runs each test alone)
    HeatmapFigure f = ramp(6, 8);
    const QRectF plain = HeatmapPainter(f).mapRect();
    f.markedCols = {5};
    f.markedRows = {2};
    HeatmapPainter painter(f);
    const QRectF map = painter.mapRect();
    EXPECT_GT(map.top(), plain.top()); // room for the column marks
    const QImage image = renderHeatmap(f);
    ASSERT_FALSE(image.isNull());
    const double cellW = map.width() / 8, cellH = map.height() / 6;
    const int cx = static_cast<int>(map.left() + 5.5 * cellW);
    EXPECT_TRUE(reddish(image.pixel(cx, static_cast<int>(map.top()) - 3)));
    EXPECT_FALSE(
        reddish(image.pixel(static_cast<int>(map.left() + 1.5 * cellW), static_cast<int>(map.top()) - 3)));
    const int cy = static_cast<int>(map.top() + 2.5 * cellH);
    EXPECT_TRUE(reddish(image.pixel(static_cast<int>(map.right()) + 4, cy)));
}

TEST(FigureMarks, ChannelFigureMarksSinkDimensionsAndTokens) {
    std::vector<float> r(3 * 4, 1.0f);
    r[0 * 4 + 2] = 9.0f;
    const HeatmapFigure f = channelFigure(r, 3, 4, {"<s>", "a", "b"}, {2}, {0}, 1, 5, 2.0, "tiny");
    EXPECT_TRUE(validateHeatmap(f));
    EXPECT_EQ(f.markedCols, std::vector<std::int64_t>{2});
    EXPECT_EQ(f.markedRows, std::vector<std::int64_t>{0});
    EXPECT_NE(f.title.find("state 1 (entering layer 1)"), std::string::npos) << f.title;
    EXPECT_NE(channelFigure(r, 3, 4, {}, {}, {}, 4, 5, 2.0, "").title.find("after the last layer"),
              std::string::npos);
    // Hovering names the figure's own axes, not query and key.
    EXPECT_EQ(cellReadout(f, 0, 2), "token 0 '<s>' · channel d 2: 9");
}

} // namespace
} // namespace sinkscope
