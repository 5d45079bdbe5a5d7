// The views on their own, on a real X display (xvfb-run, xcb): the GPU heatmap canvas draws the
// right colours, keeps thin sink columns visible when zoomed out, uploads only the tiles on screen,
// reads out the hovered cell; and the main views match committed golden screenshots.
#include "figures/colormap.h"
#include "gl/gl_heatmap_view.h"
#include "views/head_grid.h"
#include "views/heatmap_canvas.h"
#include "views/token_strip.h"

#include "image_compare.h"
#include "sample_figures.h"

#include <QDir>
#include <QSignalSpy>
#include <QTest>

#include <cmath>
#include <random>

using namespace sinkscope;

namespace {

// Channels within 24 of 255, at most 0.5% of the pixels off (see image_compare.h).
constexpr int kChannelTolerance = 24;
constexpr double kMaxDifferingFraction = 0.005;

QString goldenPath(const QString& name) {
    return QString(SINKSCOPE_TEST_DATA_DIR) + "/views/" + name;
}

// Compares a screenshot with tests/data/views/NAME (SINKSCOPE_UPDATE_GOLDEN=1 rewrites it).
void checkGolden(const QImage& actual, const QString& name) {
    QVERIFY(!actual.isNull());
    if (test::updatingGolden()) {
        QDir().mkpath(QFileInfo(goldenPath(name)).path());
        QVERIFY(actual.save(goldenPath(name)));
        return;
    }
    const QImage golden(goldenPath(name));
    QVERIFY2(!golden.isNull(), qPrintable("missing golden " + goldenPath(name)));
    const QString actualPath = QDir::temp().filePath(name + ".actual.png");
    actual.save(actualPath);
    const test::ImageDiff d = test::compareImages(actual, golden, kChannelTolerance);
    QVERIFY2(d.sameSize, qPrintable("size changed; this run's image: " + actualPath));
    QVERIFY2(d.fraction <= kMaxDifferingFraction,
             qPrintable(QString("%1 pixels differ; this run's image: %2").arg(d.differing).arg(actualPath)));
}

bool near(QRgb a, Rgb b, int tolerance) {
    return std::abs(qRed(a) - b.r) <= tolerance && std::abs(qGreen(a) - b.g) <= tolerance &&
           std::abs(qBlue(a) - b.b) <= tolerance;
}

// Lets the canvas draw the current state (a QOpenGLWindow paints on its own schedule), then
// returns what is on screen.
QImage frame(GlHeatmapView& v) {
    QSignalSpy swapped(&v, &QOpenGLWindow::frameSwapped);
    v.update();
    if (!swapped.wait(10000)) return {};
    return v.grabFramebuffer();
}

HeatmapFigure bigSinkMap(std::int64_t n) {
    HeatmapFigure f;
    f.rows = f.cols = n;
    f.values.assign(static_cast<std::size_t>(n * n), 0.0f);
    for (std::int64_t r = 0; r < n; ++r)
        f.values[static_cast<std::size_t>(r * n)] = 1.0f; // only the sink column is lit
    return f;
}

} // namespace

class ViewsTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        if (!HeatmapCanvas::openGlAvailable())
            QSKIP("no OpenGL 3.3 on this platform: run under xvfb-run with QT_QPA_PLATFORM=xcb");
    }

    void glCanvasDrawsTheValuesInTheFiguresColours() {
        GlHeatmapView v;
        v.resize(420, 340);
        HeatmapFigure f = test::causalFigure6();
        v.setFigure(f);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        const QImage img = frame(v);
        float top = 0.0f;
        for (float x : f.values)
            if (!std::isnan(x)) top = std::max(top, x);
        for (int r = 0; r < 6; ++r)
            for (int c = 0; c < 6; ++c) {
                const QPoint p = v.widgetPosOfCell(r, c).toPoint();
                const QRgb px = img.pixel(p);
                const float value = f.values[static_cast<std::size_t>(r * 6 + c)];
                // Linear scale from 0 to the largest weight (that is how the figures colour).
                const Rgb want =
                    std::isnan(value) ? Rgb{255, 255, 255} : colormapRgb(Colormap::Viridis, value / top);
                QVERIFY2(near(px, want, 3),
                         qPrintable(QString("cell %1,%2: got #%3").arg(r).arg(c).arg(px, 6, 16)));
            }
    }

    void hoverReadsOutTheCellAndClickSelectsIt() {
        GlHeatmapView v;
        v.resize(420, 340);
        v.setFigure(test::causalFigure6());
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        QSignalSpy hovered(&v, &GlHeatmapView::hovered);
        QSignalSpy clicked(&v, &GlHeatmapView::cellClicked);
        const QPoint p = v.widgetPosOfCell(4, 1).toPoint();
        QTest::mouseMove(&v, p);
        QTRY_VERIFY(!hovered.isEmpty());
        const QString text = hovered.last().at(0).toString();
        QVERIFY2(text.startsWith("query 4 ' time' → key 1 'Once': 0.05"), qPrintable(text));
        QTest::mouseClick(&v, Qt::LeftButton, {}, p);
        QCOMPARE(clicked.size(), 1);
        QCOMPARE(clicked.at(0).at(0).toLongLong(), 4);
        QCOMPARE(clicked.at(0).at(1).toLongLong(), 1);
    }

    void longMapsUploadOnlyTheTilesOnScreen() {
        const std::int64_t n = 4096;
        GlHeatmapView v;
        v.resize(600, 500);
        v.setFigure(bigSinkMap(n));
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        QImage img = frame(v);
        // Fit: ~9 cells per pixel -> level 3 (512 x 512 texels, 4 tiles), nothing at full size.
        auto s = v.lastFrame();
        QCOMPARE(s.level, 3);
        QCOMPARE(s.tilesDrawn, 4);
        QVERIFY(s.tilesCached <= 4);
        // The one-cell-wide sink column is still lit at this zoom (max pooling), the rest is dark.
        const QPoint sink = v.widgetPosOfCell(2000, 0).toPoint();
        QVERIFY(near(img.pixel(sink), colormapRgb(Colormap::Viridis, 1.0), 3));
        QVERIFY(
            near(img.pixel(v.widgetPosOfCell(2000, 1500).toPoint()), colormapRgb(Colormap::Viridis, 0.0), 3));

        // Zoom in around the middle of the map until cells are bigger than pixels: full detail,
        // still only a handful of tiles.
        const QPointF mid = v.widgetPosOfCell(2048, 1024);
        for (int i = 0; i < 14; ++i)
            v.zoomAbout(1.25, mid);
        img = frame(v);
        s = v.lastFrame();
        QCOMPARE(s.level, 0);
        QVERIFY(s.tilesDrawn >= 1 && s.tilesDrawn <= 9);
        QVERIFY(s.tilesCached < 4 * 4 + 9); // far below the 256 tiles of level 0
        QVERIFY(v.pixelsPerCell() > 1.0);
    }

    void glHeatmapMatchesGolden() {
        GlHeatmapView v;
        v.setOverlays(false, true);
        v.resize(460, 360);
        v.setFigure(test::causalFigure6());
        v.setHeadOverview(2, 3, {0.9, 0.1, 0.5, 0.2, 0.7, 0.05}, {true, false, true, false, true, false}, 1,
                          2);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        checkGolden(frame(v), "gl_heatmap_causal_6x6.png");
    }

    void headGridMatchesGolden() {
        HeadGrid g;
        g.resize(360, 220);
        g.setValues({{0.9, 0.1, 0.5, 0.2}, {0.7, 0.05, 0.35, 0.28}, {0.31, 0.6, 0.02, 0.44}}, 0.3);
        g.setCurrent(1, 2);
        g.show();
        QVERIFY(QTest::qWaitForWindowExposed(&g));
        checkGolden(g.grab().toImage(), "head_grid_3x4.png");
    }

    void tokenStripMatchesGolden() {
        TokenStrip s;
        s.resize(420, 80);
        s.setTokens({"<s>", "Once", " upon", " a", " time", "\n"}, {1, 403, 2, 263, 407, 13});
        s.setWeights({0.5f, 0.1f, 0.1f, 0.05f, 0.25f, 0.0f}, {0.8, 0.05, 0.05, 0.04, 0.06, 0.0});
        s.show();
        QVERIFY(QTest::qWaitForWindowExposed(&s));
        checkGolden(s.grab().toImage(), "token_strip.png");
    }
};

QTEST_MAIN(ViewsTest)
#include "test_views.moc"
