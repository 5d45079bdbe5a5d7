// The curve figure (figures/curve_figure.h): PNG, SVG and PDF of the laid-out size, lines where
// the points are, log ticks at powers of ten, and bad input refused with a message naming the path
// and the fault, before any file is written.
#include "figures/curve_figure.h"
#include "figures/curve_painter.h"
#include "figures/figures.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <QImage>
#include <QSvgRenderer>

#include <cmath>
#include <filesystem>
#include <limits>

namespace sinkscope {
namespace {

using test::readBytes;
using test::TempDir;

CurveFigure sinkCurves() {
    CurveFigure f;
    f.series = {{"default · none", {0, 1000, 2000, 4000}, {0, 12.5, 40, 75}},
                {"default · suppress:layers=1-4", {0, 1000, 2000, 4000}, {0, 3, 5, 8}}};
    f.title = "Sink rate over training";
    f.xLabel = "checkpoint step";
    f.yLabel = "Sink_1^0.3 (%)";
    f.yMin = 0;
    f.yMax = 100;
    return f;
}

// Pixels of img within `tol` of colour c in every channel.
int pixelsNear(const QImage& img, QColor c, int tol) {
    int n = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QColor p = img.pixelColor(x, y);
            n += std::abs(p.red() - c.red()) <= tol && std::abs(p.green() - c.green()) <= tol &&
                 std::abs(p.blue() - c.blue()) <= tol;
        }
    return n;
}

TEST(CurveFigure, WritesPngSvgAndPdfOfTheLaidOutSize) {
    TempDir dir;
    const CurveFigure f = sinkCurves();
    for (const char* name : {"c.png", "c.svg", "c.pdf"}) {
        const auto s = writeCurves(f, dir.path(name));
        ASSERT_TRUE(s.ok()) << s.error().message;
    }
    const CurvePainter painter(f);
    const QImage png(QString::fromStdString(dir.path("c.png")));
    ASSERT_FALSE(png.isNull());
    EXPECT_EQ(png.width(), static_cast<int>(std::ceil(painter.size().width() * 150 / 72.0)));
    EXPECT_EQ(png.height(), static_cast<int>(std::ceil(painter.size().height() * 150 / 72.0)));
    EXPECT_GT(painter.size().width(), CurvePainter::kPlotWidth);

    QSvgRenderer svg(QString::fromStdString(dir.path("c.svg")));
    ASSERT_TRUE(svg.isValid());
    EXPECT_NEAR(svg.viewBoxF().width(), std::ceil(painter.size().width()), 1.0); // user units are points
    EXPECT_NEAR(svg.viewBoxF().height(), std::ceil(painter.size().height()), 1.0);
    const std::string text = readBytes(dir.path("c.svg"));
    for (const char* label : {">Sink rate over training<", ">checkpoint step<", ">default · none<",
                              ">default · suppress:layers=1-4<", ">Sink_1^0.3 (%)<"})
        EXPECT_NE(text.find(label), std::string::npos) << label;
    EXPECT_EQ(readBytes(dir.path("c.pdf")).rfind("%PDF", 0), 0u);
}

TEST(CurveFigure, DrawsEachSeriesWhereItsPointsAre) {
    TempDir dir;
    CurveFigure f = sinkCurves();
    f.dpi = 72; // one pixel per point: painter geometry is pixel geometry
    ASSERT_TRUE(writeCurves(f, dir.path("c.png")).ok());
    const QImage png(QString::fromStdString(dir.path("c.png")));
    const CurvePainter painter(f);
    const QRectF plot = painter.plotRect();
    // The first series (Tableau blue) at x = 4000, y = 75: right end of the data, three quarters up.
    const double x = plot.left() + plot.width() * (4000.0 + 0.04 * 4000) / (1.08 * 4000);
    const double y = plot.bottom() - plot.height() * (75.0 + 4.0) / 108.0;
    const QColor at = png.pixelColor(static_cast<int>(x), static_cast<int>(y));
    EXPECT_NEAR(at.red(), 31, 40) << x << "," << y;
    EXPECT_NEAR(at.blue(), 180, 40) << x << "," << y;
    EXPECT_GT(pixelsNear(png, QColor(31, 119, 180), 30), 100); // the blue line and its legend
    EXPECT_GT(pixelsNear(png, QColor(255, 127, 14), 30), 100); // the orange one
    // Linear ticks at round steps, 0 and 100 on y.
    ASSERT_FALSE(painter.yTicks().empty());
    EXPECT_EQ(painter.yTicks().front().label, "0");
    EXPECT_EQ(painter.yTicks().back().label, "100");
}

TEST(CurveFigure, LogAxisTicksArePowersOfTen) {
    CurveFigure f = sinkCurves();
    f.logX = true;
    f.series = {{"pythia", {1, 10, 100, 1000, 10000}, {1, 2, 3, 4, 5}}};
    ASSERT_TRUE(validateCurves(f).ok());
    ensureGuiApplication(); // the painter measures text
    const CurvePainter painter(f);
    std::vector<std::string> labels;
    for (const Tick& t : painter.xTicks())
        labels.push_back(t.label);
    EXPECT_EQ(labels, (std::vector<std::string>{"10⁰", "10¹", "10²", "10³", "10⁴"}));
}

TEST(CurveFigure, OneFixedEndBeyondAllPointsStillMakesARange) {
    CurveFigure f = sinkCurves();
    f.yMax = NAN;
    f.series = {{"below", {1, 2}, {-5, -3}}}; // yMin = 0 is above every point
    ASSERT_TRUE(validateCurves(f).ok());
    ensureGuiApplication(); // the painter measures text
    const CurvePainter painter(f);
    ASSERT_GE(painter.yTicks().size(), 2u);
    EXPECT_EQ(painter.yTicks().front().label, "0.0"); // from the fixed end, one unit up
    EXPECT_EQ(painter.yTicks().back().label, "1.0");
    TempDir dir;
    EXPECT_TRUE(writeCurves(f, dir.path("c.png")).ok());
}

TEST(CurveFigure, RefusesBadInputNamingThePathAndWritesNothing) {
    TempDir dir;
    const std::string path = dir.path("bad.png");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    struct Case {
        CurveFigure f;
        std::string message;
    };
    std::vector<Case> cases;
    CurveFigure f = sinkCurves();
    f.series.clear();
    cases.push_back({f, "a curve figure needs at least one series"});
    f = sinkCurves();
    f.series[1].ys.pop_back();
    cases.push_back({f, "series \"default · suppress:layers=1-4\" has 4 x values but 3 y values"});
    f = sinkCurves();
    f.series[0].xs.clear();
    f.series[0].ys.clear();
    cases.push_back({f, "series \"default · none\" has no points"});
    f = sinkCurves();
    f.series[0].ys[2] = nan;
    cases.push_back({f, "series \"default · none\": point 2 is not finite (x = 2000, y = nan)"});
    f = sinkCurves();
    f.series[0].xs[1] = inf;
    cases.push_back({f, "series \"default · none\": point 1 is not finite (x = inf, y = 12.5)"});
    f = sinkCurves();
    f.logX = true;
    cases.push_back({f, "series \"default · none\": x = 0 at point 0 cannot go on a log axis"});
    f = sinkCurves();
    f.yMin = 100;
    cases.push_back({f, "the y range 100..100 is not a finite range with yMin < yMax"});
    f = sinkCurves();
    f.dpi = 5;
    cases.push_back({f, "dpi must be within 10..2400 (got 5)"});
    for (const Case& c : cases) {
        EXPECT_EQ(validateCurves(c.f).error().message, c.message);
        const auto s = writeCurves(c.f, path);
        ASSERT_FALSE(s.ok());
        EXPECT_EQ(s.error().message, path + ": " + c.message);
        EXPECT_FALSE(std::filesystem::exists(path));
    }
    const auto ext = writeCurves(sinkCurves(), dir.path("c.jpg"));
    ASSERT_FALSE(ext.ok());
    EXPECT_NE(ext.error().message.find("c.jpg"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir.path("c.jpg")));
}

} // namespace
} // namespace sinkscope
