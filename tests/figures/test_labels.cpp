// Token labels: printable text from any bytes, and thinning that never lets labels overlap.
#include "figures/figures.h"
#include "figures/heatmap_painter.h"
#include "figures/labels.h"

#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sinkscope {
namespace {

TEST(Labels, EscapesControlCharacters) {
    EXPECT_EQ(displayLabel("a\nb"), "a\\nb");
    EXPECT_EQ(displayLabel("\t"), "\\t");
    EXPECT_EQ(displayLabel(std::string("x\0y", 3)), "x\\x00y");
    EXPECT_EQ(displayLabel("\x1b[0m"), "\\x1B[0m");
    EXPECT_EQ(displayLabel("\u200b"), "\\u{200B}"); // zero-width space would draw nothing
    EXPECT_EQ(displayLabel(" upon"), " upon");
    EXPECT_EQ(displayLabel("▁upon"), "▁upon");
}

TEST(Labels, InvalidUtf8IsSanitised) {
    for (const std::string& raw : {std::string("\xff\xfe"), std::string("ab\xc3"), std::string("\xe2\x82"),
                                   std::string("\xed\xa0\x80"), std::string("ok\x80ok")}) {
        const std::string shown = displayLabel(raw);
        EXPECT_FALSE(findInvalidUtf8(shown).has_value()) << shown;
        EXPECT_NE(shown.find("\xef\xbf\xbd"), std::string::npos) << shown; // U+FFFD
    }
}

TEST(Labels, EmptyAndSpaceTokensStayVisibleAndLongOnesAreElided) {
    EXPECT_EQ(displayLabel(""), "␣");
    EXPECT_EQ(displayLabel("  "), "␣␣");
    const std::string shown = displayLabel(std::string(100, 'x'), 10);
    EXPECT_EQ(shown, std::string(10, 'x') + "…");
}

TEST(Labels, StrideLeavesRoomForEachLabel) {
    EXPECT_EQ(labelStride(20.0, 9.0), 1);
    EXPECT_EQ(labelStride(9.0, 9.0), 1);
    EXPECT_EQ(labelStride(4.0, 9.0), 3);
    EXPECT_EQ(labelStride(0.5, 9.0), 18);
    for (double pitch : {0.1, 0.48, 1.0, 2.4, 3.3, 8.9}) {
        const int k = labelStride(pitch, 9.3);
        EXPECT_GE(k * pitch, 9.3 - 1e-9) << pitch;
        EXPECT_LT((k - 1) * pitch, 9.3) << pitch; // and no sparser than needed
    }
    EXPECT_EQ(thinnedIndices(10, 3), (std::vector<std::int64_t>{0, 3, 6, 9}));
    EXPECT_EQ(thinnedIndices(2, 5), (std::vector<std::int64_t>{0}));
}

HeatmapFigure tokens(std::int64_t n) {
    HeatmapFigure f;
    f.rows = f.cols = n;
    f.values.assign(static_cast<std::size_t>(n * n), 0.5f);
    for (std::int64_t i = 0; i < n; ++i)
        f.rowLabels.push_back("token" + std::to_string(i));
    f.colLabels = f.rowLabels;
    f.title = "thinning";
    return f;
}

void expectDisjoint(const std::vector<HeatmapPainter::AxisLabel>& labels, const char* axis, std::int64_t n) {
    for (std::size_t i = 1; i < labels.size(); ++i)
        EXPECT_FALSE(labels[i].rect.intersects(labels[i - 1].rect))
            << axis << " labels " << labels[i - 1].index << " and " << labels[i].index
            << " overlap at n=" << n;
}

TEST(Labels, LaidOutLabelsNeverOverlapAtAnySize) {
    ensureGuiApplication();
    for (std::int64_t n : {1, 6, 24, 50, 97, 300, 1000, 2500}) {
        const HeatmapFigure f = tokens(n);
        const HeatmapPainter painter(f);
        expectDisjoint(painter.xLabels(), "x", n);
        expectDisjoint(painter.yLabels(), "y", n);
        ASSERT_FALSE(painter.xLabels().empty());
        EXPECT_EQ(painter.xLabels().front().index, 0); // the first token, usually the sink
        EXPECT_EQ(painter.yLabels().front().index, 0);
        if (n <= 24) {
            EXPECT_EQ(painter.xLabels().size(), static_cast<std::size_t>(n)) << "thinned needlessly";
        }
        // Labels stay beside the map and inside the figure.
        const QRectF figure(QPointF(0, 0), painter.size());
        for (const auto& l : painter.xLabels())
            EXPECT_TRUE(figure.contains(l.rect)) << n;
        for (const auto& l : painter.yLabels())
            EXPECT_TRUE(figure.contains(l.rect)) << n;
        EXPECT_TRUE(figure.contains(painter.titleRect())) << n;
        EXPECT_TRUE(figure.contains(painter.colorbarBounds())) << n;
        EXPECT_FALSE(painter.titleRect().intersects(painter.mapRect())) << n;
    }
}

} // namespace
} // namespace sinkscope
