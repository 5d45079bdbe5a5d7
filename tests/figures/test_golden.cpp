// Golden image: a fixed 6x6 causal map rendered to PNG must match the committed one.
//
// Tolerance (see image_compare.h): channels within 24 of 255; up to 0.5% of the pixels may differ.
// The font is pinned (DejaVu Sans).
//
// To refresh after an intended change: SINKSCOPE_UPDATE_GOLDEN=1 build/tests/figure_tests
// --gtest_filter='Golden.*', look at tests/data/figures/heatmap_causal_6x6.png, commit it.
#include "figures/figure_image.h"
#include "figures/figure_style.h"

#include "image_compare.h"
#include "sample_figures.h"
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
    return test::causalFigure6();
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
    if (test::updatingGolden()) {
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

    const test::ImageDiff diff = test::compareImages(actual, golden, kChannelTolerance);
    EXPECT_LE(diff.fraction, kMaxDifferingFraction)
        << diff.differing << " pixels differ; this run's image: "
        << (actual.save(QString::fromStdString(actualPath)) ? actualPath : "(not saved)");
}

} // namespace
} // namespace sinkscope
