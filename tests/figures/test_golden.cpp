// Golden image: a fixed 6x6 causal map rendered to PNG must match the committed one.
//
// Tolerance: a pixel differs when any channel is off by more than 24 of 255; up to 0.5% of the
// pixels may differ. That absorbs anti-aliasing changes between FreeType/Qt versions along glyph
// edges, while a moved label, a changed colour table or a resized layout fails (those change far
// more pixels, or the image size, which must match exactly). The font is pinned (DejaVu Sans).
//
// To refresh after an intended change: SINKSCOPE_UPDATE_GOLDEN=1 build/tests/figure_tests
// --gtest_filter='Golden.*', look at tests/data/figures/heatmap_causal_6x6.png, commit it.
#include "figures/figure_image.h"
#include "figures/figure_style.h"

#include "test_paths.h"

#include <gtest/gtest.h>

#include <QFontInfo>
#include <QImage>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace sinkscope {
namespace {

constexpr int kChannelTolerance = 24;
constexpr double kMaxDifferingFraction = 0.005;

HeatmapFigure goldenFigure() {
    HeatmapFigure f;
    f.rows = f.cols = 6;
    f.values.assign(36, NAN); // causal: the upper triangle is not stored
    for (int r = 0; r < 6; ++r) {
        float rest = 1.0f;
        for (int c = r; c >= 1; --c) { // the current token gets a share, the sink the remainder
            const float w = c == r ? 0.25f : 0.05f * static_cast<float>(c);
            f.values[static_cast<std::size_t>(r * 6 + c)] = w;
            rest -= w;
        }
        f.values[static_cast<std::size_t>(r * 6)] = rest;
    }
    f.rowLabels = {"<s>", "Once", " upon", " a", " time", "\n"};
    f.colLabels = f.rowLabels;
    f.title = "stories260K · layer 2 · head 5";
    f.dpi = 100;
    return f;
}

bool updating() {
    const char* v = std::getenv("SINKSCOPE_UPDATE_GOLDEN");
    return v != nullptr && std::string(v) == "1";
}

TEST(Golden, FigureFontIsDejaVuSans) {
    ensureGuiApplication();
    const QFontInfo info(figure_style::font(figure_style::kTokenPt));
    EXPECT_EQ(info.family().toStdString(), figure_style::kFontFamily)
        << "install fonts-dejavu-core (scripts/setup.sh): golden images depend on the font";
}

TEST(Golden, CausalHeatmapMatchesTheCommittedPng) {
    const QImage actual = renderHeatmap(goldenFigure()).convertToFormat(QImage::Format_RGB32);
    ASSERT_FALSE(actual.isNull());
    const std::string goldenPath = test::dataPath("figures/heatmap_causal_6x6.png");
    if (updating()) {
        std::filesystem::create_directories(std::filesystem::path(goldenPath).parent_path());
        ASSERT_TRUE(actual.save(QString::fromStdString(goldenPath), "PNG")) << goldenPath;
        GTEST_SKIP() << "wrote " << goldenPath;
    }
    const QImage golden = QImage(QString::fromStdString(goldenPath)).convertToFormat(QImage::Format_RGB32);
    ASSERT_FALSE(golden.isNull()) << "missing " << goldenPath << " (SINKSCOPE_UPDATE_GOLDEN=1 writes it)";
    const std::string actualPath = ::testing::TempDir() + "heatmap_causal_6x6.actual.png";
    ASSERT_EQ(actual.size(), golden.size())
        << "layout changed; this run's image: "
        << (actual.save(QString::fromStdString(actualPath)) ? actualPath : "");

    long differing = 0;
    for (int y = 0; y < actual.height(); ++y) {
        const auto* a = reinterpret_cast<const QRgb*>(actual.constScanLine(y));
        const auto* g = reinterpret_cast<const QRgb*>(golden.constScanLine(y));
        for (int x = 0; x < actual.width(); ++x) {
            const bool off = std::abs(qRed(a[x]) - qRed(g[x])) > kChannelTolerance ||
                             std::abs(qGreen(a[x]) - qGreen(g[x])) > kChannelTolerance ||
                             std::abs(qBlue(a[x]) - qBlue(g[x])) > kChannelTolerance;
            differing += off ? 1 : 0;
        }
    }
    const double fraction = static_cast<double>(differing) / (actual.width() * actual.height());
    EXPECT_LE(fraction, kMaxDifferingFraction)
        << differing << " pixels differ; this run's image: "
        << (actual.save(QString::fromStdString(actualPath)) ? actualPath : "(not saved)");
}

} // namespace
} // namespace sinkscope
