// Writing figures: formats by extension, vector content, errors that name the path.
#include "figures/figure_image.h"
#include "figures/figures.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <QImage>
#include <QPainter>
#include <QSvgRenderer>

#include <filesystem>
#include <string>

namespace sinkscope {
namespace {

using test::readBytes;
using test::TempDir;

// A causal map: row i attends to columns 0..i, most of it on column 0 (the sink).
HeatmapFigure causal(std::int64_t n) {
    HeatmapFigure f;
    f.rows = f.cols = n;
    f.values.assign(static_cast<std::size_t>(n * n), NAN);
    for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t c = 0; c <= r; ++c)
            f.values[static_cast<std::size_t>(r * n + c)] = c == 0 ? 0.7f : 0.3f / static_cast<float>(r);
    f.values[0] = 1.0f;
    for (std::int64_t i = 0; i < n; ++i)
        f.rowLabels.push_back("tok" + std::to_string(i));
    f.colLabels = f.rowLabels;
    f.title = "stories260K · layer 2 · head 5 · suppress";
    return f;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1))
        ++n;
    return n;
}

TEST(FigureFiles, WritesPngSvgAndPdf) {
    TempDir dir;
    const HeatmapFigure f = causal(6);
    for (const char* name : {"map.png", "map.svg", "map.pdf", "MAP.PNG"}) {
        const auto s = writeHeatmap(f, dir.path(name));
        ASSERT_TRUE(s.ok()) << s.error().message;
        EXPECT_GT(std::filesystem::file_size(dir.path(name)), 1000u) << name;
    }
    const QImage png(QString::fromStdString(dir.path("map.png")));
    ASSERT_FALSE(png.isNull());
    EXPECT_EQ(png.size(), renderHeatmap(f).size());
    EXPECT_NEAR(png.dotsPerMeterX() * 0.0254, 150.0, 0.5); // the dpi is recorded

    const std::string pdf = readBytes(dir.path("map.pdf"));
    EXPECT_EQ(pdf.rfind("%PDF", 0), 0u);
    EXPECT_EQ(pdf.find("/DCTDecode"), std::string::npos) << "no JPEG artefacts in maps";
}

TEST(FigureFiles, SvgKeepsTextAsTextAndSmallMapsAsRectangles) {
    TempDir dir;
    HeatmapFigure f = causal(6);
    f.rowLabels[3] = "Once";
    f.colLabels[4] = "upon\n";
    ASSERT_TRUE(writeHeatmap(f, dir.path("map.svg")).ok());
    const std::string svg = readBytes(dir.path("map.svg"));
    EXPECT_NE(svg.find("<text"), std::string::npos);
    EXPECT_NE(svg.find(">stories260K · layer 2 · head 5 · suppress<"), std::string::npos);
    EXPECT_NE(svg.find(">Once<"), std::string::npos);
    EXPECT_NE(svg.find(">upon\\n<"), std::string::npos); // escaped: a raw newline would be lost
    EXPECT_NE(svg.find(">tok0<"), std::string::npos);
    EXPECT_NE(svg.find(">key token<"), std::string::npos);
    EXPECT_NE(svg.find(">query token<"), std::string::npos);
    EXPECT_NE(svg.find(">attention weight<"), std::string::npos);
    EXPECT_EQ(svg.find("<image"), std::string::npos) << "6x6 cells should be rectangles";
    EXPECT_GE(count(svg, "<rect") + count(svg, "<path"), 21u); // 21 stored cells of the triangle
}

// Mean absolute channel difference (0..255) of two images of one size.
double meanDifference(const QImage& a, const QImage& b) {
    double sum = 0.0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) {
            const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
            sum +=
                std::abs(qRed(p) - qRed(q)) + std::abs(qGreen(p) - qGreen(q)) + std::abs(qBlue(p) - qBlue(q));
        }
    return sum / (3.0 * a.width() * a.height());
}

// The SVG drawn back by Qt's own renderer must look like the PNG: same layout, same colours.
TEST(FigureFiles, SvgRendersBackLikeThePng) {
    TempDir dir;
    for (std::int64_t n : {6, 150}) { // rectangles, then one embedded image
        const HeatmapFigure f = causal(n);
        ASSERT_TRUE(writeHeatmap(f, dir.path("back.svg")).ok());
        const QImage png = renderHeatmap(f);
        QSvgRenderer svg(QString::fromStdString(dir.path("back.svg")));
        ASSERT_TRUE(svg.isValid());
        QImage drawn(png.size(), QImage::Format_RGB32);
        drawn.fill(Qt::white);
        QPainter p(&drawn);
        svg.render(&p);
        p.end();
        // Compared at a quarter of the size: glyph edges differ between the two text renderers,
        // while a wrong scale, a lost map or wrong colours still stand out.
        const auto small = [](const QImage& img) {
            return img.scaled(img.width() / 4, img.height() / 4, Qt::IgnoreAspectRatio,
                              Qt::SmoothTransformation);
        };
        EXPECT_LT(meanDifference(small(drawn), small(png)), 4.0) << "n=" << n;
    }
}

TEST(FigureFiles, LargeMapsEmbedOneImageInVectorFormats) {
    TempDir dir;
    const HeatmapFigure f = causal(200); // 40,000 cells > 128 x 128
    ASSERT_TRUE(writeHeatmap(f, dir.path("big.svg")).ok());
    const std::string svg = readBytes(dir.path("big.svg"));
    EXPECT_EQ(count(svg, "<image"), 1u);
    EXPECT_NE(svg.find("<text"), std::string::npos);
    ASSERT_TRUE(writeHeatmap(f, dir.path("big.pdf")).ok());
    EXPECT_EQ(readBytes(dir.path("big.pdf")).find("/DCTDecode"), std::string::npos);
    const QImage png = renderHeatmap(f);
    ASSERT_FALSE(png.isNull());
    EXPECT_GE(png.width(), 200); // at least one pixel per token
}

TEST(FigureFiles, ThousandsOfTokensKeepOnePixelPerToken) {
    HeatmapFigure f = causal(2000);
    f.dpi = 72;
    const QImage img = renderHeatmap(f);
    ASSERT_FALSE(img.isNull());
    EXPECT_GE(img.width(), 2000);
    EXPECT_GE(img.height(), 2000);
}

TEST(FigureFiles, DpiScalesThePng) {
    HeatmapFigure f = causal(6);
    f.dpi = 100;
    const QImage low = renderHeatmap(f);
    f.dpi = 300;
    const QImage high = renderHeatmap(f);
    ASSERT_FALSE(low.isNull());
    ASSERT_FALSE(high.isNull());
    EXPECT_NEAR(static_cast<double>(high.width()) / low.width(), 3.0, 0.05);
    EXPECT_NEAR(static_cast<double>(high.height()) / low.height(), 3.0, 0.05);
}

TEST(FigureFiles, EveryScaleAndColormapRenders) {
    TempDir dir;
    HeatmapFigure f = causal(12);
    f.values[5 * 12 + 1] = 0.0f; // a zero under the log scale
    for (MapScale s : {MapScale::Linear, MapScale::Log, MapScale::RowNormalized}) {
        for (Colormap c : {Colormap::Viridis, Colormap::Magma, Colormap::Grey, Colormap::Diverging}) {
            f.scale = s;
            f.colormap = c;
            const std::string path = dir.path(std::string(mapScaleName(s)) + "_" + colormapName(c) + ".svg");
            const auto st = writeHeatmap(f, path);
            EXPECT_TRUE(st.ok()) << path << ": " << (st.ok() ? "" : st.error().message);
            EXPECT_FALSE(renderHeatmap(f).isNull()) << path;
        }
    }
    f.scale = MapScale::Log;
    ASSERT_TRUE(writeHeatmap(f, dir.path("log.svg")).ok());
    EXPECT_NE(readBytes(dir.path("log.svg")).find("10⁻"), std::string::npos) << "log ticks as powers of ten";
    f.scale = MapScale::RowNormalized;
    ASSERT_TRUE(writeHeatmap(f, dir.path("row.svg")).ok());
    EXPECT_NE(readBytes(dir.path("row.svg")).find("÷ row max"), std::string::npos);
}

TEST(FigureFiles, InvalidUtf8LabelsDoNotBreakAnyFormat) {
    TempDir dir;
    HeatmapFigure f = causal(4);
    f.rowLabels = {"\xff", "a\xc3", std::string("\0", 1), "\xed\xa0\x80"};
    f.colLabels = {"", " ", "\r\n", "\xf0\x9f\x98"};
    f.title = "bad \xfe title";
    for (const char* name : {"bad.png", "bad.svg", "bad.pdf"}) {
        const auto s = writeHeatmap(f, dir.path(name));
        ASSERT_TRUE(s.ok()) << s.error().message;
    }
    const std::string svg = readBytes(dir.path("bad.svg"));
    EXPECT_NE(svg.find("\xef\xbf\xbd"), std::string::npos); // U+FFFD where the bytes were
    EXPECT_NE(svg.find("\\r\\n"), std::string::npos);
}

TEST(FigureFiles, GridWritesEveryFormat) {
    TempDir dir;
    GridFigure g;
    g.layers = 2;
    g.heads = 3;
    for (int i = 0; i < 6; ++i)
        g.cells.push_back(causal(8 + i * 40));
    g.cellValue = {0.91, 0.12, 0.5, 0.003, 1.0, 0.0};
    g.marked = {true, false, false, false, true, false};
    g.title = "stories260K · α₀ per head";
    for (const char* name : {"grid.png", "grid.svg", "grid.pdf"}) {
        const auto s = writeGrid(g, dir.path(name));
        ASSERT_TRUE(s.ok()) << s.error().message;
        EXPECT_GT(std::filesystem::file_size(dir.path(name)), 1000u) << name;
    }
    const std::string svg = readBytes(dir.path("grid.svg"));
    EXPECT_NE(svg.find(">stories260K · α₀ per head<"), std::string::npos);
    EXPECT_NE(svg.find(">0.91<"), std::string::npos);
    EXPECT_NE(svg.find("sink head"), std::string::npos);
    EXPECT_EQ(count(svg, "<image"), 6u);
    EXPECT_FALSE(renderGrid(g).isNull());
}

TEST(FigureFiles, ErrorsNameThePath) {
    TempDir dir;
    const HeatmapFigure f = causal(4);
    const std::string unwritable = dir.path("no/such/dir/map.png");
    const auto s1 = writeHeatmap(f, unwritable);
    ASSERT_FALSE(s1.ok());
    EXPECT_NE(s1.error().message.find(unwritable), std::string::npos) << s1.error().message;

    const std::string unknown = dir.path("map.bmpx");
    const auto s2 = writeHeatmap(f, unknown);
    ASSERT_FALSE(s2.ok());
    EXPECT_NE(s2.error().message.find(unknown), std::string::npos) << s2.error().message;
    EXPECT_NE(s2.error().message.find(".bmpx"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(unknown));

    const auto s3 = writeHeatmap(f, dir.path("noextension"));
    ASSERT_FALSE(s3.ok());
    EXPECT_NE(s3.error().message.find("noextension"), std::string::npos);

    HeatmapFigure huge = causal(2000);
    huge.dpi = 2400; // ~16,000 pixels of map alone
    const auto s5 = writeHeatmap(huge, dir.path("huge.png"));
    ASSERT_FALSE(s5.ok());
    EXPECT_NE(s5.error().message.find("huge.png"), std::string::npos);
    EXPECT_NE(s5.error().message.find("lower the dpi"), std::string::npos) << s5.error().message;
    EXPECT_TRUE(renderHeatmap(huge).isNull());

    GridFigure g;
    const auto s4 = writeGrid(g, dir.path("grid.svg"));
    ASSERT_FALSE(s4.ok());
    EXPECT_NE(s4.error().message.find("grid.svg"), std::string::npos);
}

TEST(FigureFiles, InvalidFiguresAreRefusedWithoutWritingAFile) {
    TempDir dir;
    HeatmapFigure f = causal(4);
    f.values.pop_back();
    const auto s = writeHeatmap(f, dir.path("short.png"));
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("4x4 cells but 15 values"), std::string::npos) << s.error().message;
    EXPECT_FALSE(std::filesystem::exists(dir.path("short.png")));
    EXPECT_TRUE(renderHeatmap(f).isNull());

    HeatmapFigure labels = causal(4);
    labels.colLabels.pop_back();
    EXPECT_FALSE(validateHeatmap(labels).ok());
    HeatmapFigure dpi = causal(4);
    dpi.dpi = 0;
    EXPECT_NE(validateHeatmap(dpi).error().message.find("dpi"), std::string::npos);
    HeatmapFigure range = causal(4);
    range.vmin = 0.5;
    range.vmax = 0.1;
    EXPECT_FALSE(validateHeatmap(range).ok());
    range.vmin = 0.0;
    range.vmax = NAN;
    range.scale = MapScale::Log;
    EXPECT_NE(validateHeatmap(range).error().message.find("log"), std::string::npos);

    GridFigure g;
    g.layers = 1;
    g.heads = 2;
    g.cells = {causal(3), causal(3)};
    g.cells[1].values.clear();
    const auto gs = validateGrid(g);
    ASSERT_FALSE(gs.ok());
    EXPECT_NE(gs.error().message.find("layer 0, head 1"), std::string::npos) << gs.error().message;
}

} // namespace
} // namespace sinkscope
