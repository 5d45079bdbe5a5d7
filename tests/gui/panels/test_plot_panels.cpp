// The analysis plots drawn at the window's resolution: the channel map's hover readout names the
// cell under the mouse, its labels are readable in a 1600 x 1000 window and larger in classroom
// mode, it follows the dock's size, and a map of thousands of channels zooms and scrolls with an
// image no larger than the screen; the catch-tag-release bars and scatter name the hovered token;
// the norm plot has real ticks on both axes, on screen and in its export.
#include "channels_dock.h"
#include "classroom.h"
#include "gui_test_registry.h"
#include "main_window.h"
#include "views/bar_chart.h"
#include "views/channel_map_view.h"
#include "views/norm_plot.h"
#include "views/pc_scatter.h"

#include <QApplication>
#include <QLabel>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWheelEvent>

using sinkscope::gui::ChannelsDock;
using sinkscope::gui::RunView;

namespace {

const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
const QString kPrompt = "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264";

// `tokens` tokens, `dim` channels, two states; channel `massive` is huge on token 0 in the last
// state (a sink dimension, token 0 a sink token there).
std::shared_ptr<const RunView> channelRun(std::int64_t tokens, std::int64_t dim, std::int64_t massive) {
    auto v = std::make_shared<RunView>();
    v->modelName = "tiny";
    for (std::int64_t t = 0; t < tokens; ++t) {
        v->tokens.push_back(t == 0 ? "<s>" : "tok" + std::to_string(t));
        v->ids.push_back(t + 1);
    }
    v->T = tokens;
    sinkscope::HiddenStates h;
    h.tokens = tokens;
    h.dim = dim;
    h.states.assign(3, std::vector<float>(static_cast<std::size_t>(tokens * dim), 1.0f));
    h.states[1][static_cast<std::size_t>(massive)] = 1000.0f;
    h.states[2][static_cast<std::size_t>(massive)] = 1000.0f;
    h.states[2][static_cast<std::size_t>(2 * dim + 3)] = 4.0f; // a small bump: token 2, channel 3
    v->sinkDims = std::make_shared<const sinkscope::SinkDimensions>(sinkscope::sinkDimensions(h));
    v->hiddenStates = std::make_shared<const sinkscope::HiddenStates>(std::move(h));
    return v;
}

double lineHeight(const QWidget* w) {
    return QFontMetricsF(w->font()).height();
}

void checkReadableLabels(const sinkscope::ChannelMapView* view, double minHeight, std::size_t barTicks) {
    QVERIFY(!view->rowLabels().empty());
    QVERIFY(view->columnLabels().size() >= 3);
    for (const auto& l : view->rowLabels())
        QVERIFY2(l.rect.height() >= minHeight, qPrintable(QString("row label %1 px").arg(l.rect.height())));
    for (const auto& l : view->columnLabels())
        QVERIFY2(l.rect.height() >= minHeight,
                 qPrintable(QString("column label %1 px").arg(l.rect.height())));
    QVERIFY(view->colourBarTicks().size() >= barTicks);
}

void wheel(QWidget* w, QPointF pos, int delta, Qt::KeyboardModifiers mods = Qt::NoModifier) {
    QWheelEvent e(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton, mods, Qt::NoScrollPhase,
                  false);
    QApplication::sendEvent(w, &e);
}

} // namespace

class PlotPanelsTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { sinkscope::test::isolateSettings(); }

    void channelHoverNamesTheCellUnderTheMouse() {
        ChannelsDock dock(nullptr);
        dock.resize(800, 460);
        dock.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dock));
        dock.setRun(channelRun(6, 16, 5));
        dock.setState(2);
        auto* view = dock.view();
        QCOMPARE(view->figure().cols, std::int64_t(16));
        QSignalSpy hovered(&dock, &ChannelsDock::hovered);
        QTest::mouseMove(view, view->cellCentre(2, 3).toPoint());
        QTRY_VERIFY(!hovered.isEmpty());
        const QString r = hovered.last().at(0).toString();
        QVERIFY2(r.startsWith("token 'tok2' (#2) · channel d3 · r = "), qPrintable(r));
        const float value = view->figure().values[2 * 16 + 3];
        QVERIFY2(r.endsWith(QString::number(value, 'g', 3)), qPrintable(r));
        QCOMPARE(dock.readout()->text(), r);
        QTest::mouseMove(view, view->cellCentre(0, 5).toPoint());
        QTRY_VERIFY(hovered.last().at(0).toString().startsWith("token '<s>' (#0) · channel d5 · r = "));
        // Off the map: the readout clears (the dock shows its hint again).
        QTest::mouseMove(view, QPoint(2, 2));
        QTRY_VERIFY(hovered.last().at(0).toString().isEmpty());
        QVERIFY(!dock.readout()->text().contains("token '"));
        // The sink dimension is named above its column, the sink token marked on its row.
        QCOMPARE(view->figure().markedCols, std::vector<std::int64_t>{5});
        QCOMPARE(view->markedColumnLabels().size(), std::size_t(1));
        QCOMPARE(view->markedColumnLabels()[0].text, QString("d5"));
        QVERIFY(std::abs(view->markedColumnLabels()[0].rect.center().x() - view->cellCentre(0, 5).x()) < 1.0);
    }

    void theMapFollowsTheDock() {
        ChannelsDock dock(nullptr);
        dock.resize(600, 380);
        dock.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dock));
        dock.setRun(channelRun(6, 16, 5));
        const QRectF small = dock.view()->mapRect();
        QVERIFY(small.width() > 200 && small.height() > 80);
        dock.resize(1200, 760);
        QTRY_VERIFY(dock.view()->mapRect().width() > small.width() + 400);
        QVERIFY(dock.view()->mapRect().height() > small.height() + 250);
        // The drawn map spans the view bar its margins: no fixed-size image scaled into a corner.
        QVERIFY(dock.view()->mapRect().width() > dock.view()->width() * 0.7);
        QVERIFY(dock.view()->mapRect().height() > dock.view()->height() * 0.6);
    }

    void thousandsOfChannelsZoomAndScrollInBoundedMemory() {
        sinkscope::ChannelMapView view;
        view.resize(900, 320);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto run = channelRun(6, 5000, 4321);
        const auto& h = *run->hiddenStates;
        sinkscope::HeatmapFigure f;
        f.rows = 6;
        f.cols = 5000;
        f.values = sinkscope::channelRatios(h, 2);
        f.rowLabels = run->tokens;
        f.markedCols = {4321};
        f.xLabel = "channel d";
        f.yLabel = "token";
        f.colormap = sinkscope::Colormap::Magma;
        f.vmin = 0.0;
        view.setFigure(f);
        const QImage shown = view.grab().toImage();
        const double dpr = view.devicePixelRatioF();
        // Zoomed out, thousands of channels share pixels; the image is the map's size on screen.
        QVERIFY(view.imageBytes() <=
                qsizetype((view.mapRect().width() * dpr + 2) * (view.mapRect().height() * dpr + 2) * 4));
        // ... and the one massive channel still shows: the pixel over it is magma's top colour.
        const QPoint sink = (view.cellCentre(0, 4321) * dpr).toPoint();
        int brightest = 0;
        for (int dx = -1; dx <= 1; ++dx)
            brightest = std::max(brightest, qGray(shown.pixel(sink + QPoint(dx, 0))));
        QVERIFY2(brightest > 200, qPrintable(QString::number(brightest)));
        QVERIFY(qGray(shown.pixel((view.cellCentre(3, 2000) * dpr).toPoint())) < 40); // the rest: dark
        QVERIFY(!view.findChild<QScrollBar*>() || !view.findChildren<QScrollBar*>()[0]->isVisible());

        // The wheel zooms the channels around the cursor: the channel under it stays under it.
        const QPointF at = view.cellCentre(0, 4321);
        for (int i = 0; i < 10; ++i)
            wheel(&view, at, 240);
        QVERIFY2(view.shownColumns() < 500, qPrintable(QString::number(view.shownColumns())));
        std::int64_t row = -1, col = -1;
        QVERIFY(view.cellAt(at, row, col));
        QVERIFY2(std::abs(col - 4321) <= 2, qPrintable(QString::number(col)));
        QCOMPARE(view.shownRows(), 6.0); // the tokens stay as they were
        bool scrollBar = false;
        for (auto* s : view.findChildren<QScrollBar*>())
            scrollBar |= s->orientation() == Qt::Horizontal && s->isVisible();
        QVERIFY(scrollBar);
        // Column ticks name the channels on screen now, not 0..4999.
        for (const auto& l : view.columnLabels())
            QVERIFY(l.index >= std::int64_t(view.firstColumn()) &&
                    l.index <= std::int64_t(view.firstColumn() + view.shownColumns()));
        view.update();
        QTest::qWait(20);
        QVERIFY(view.imageBytes() <=
                qsizetype((view.mapRect().width() * dpr + 2) * (view.mapRect().height() * dpr + 2) * 4));
        // Shift+wheel scrolls sideways; double-click shows everything again.
        const double first = view.firstColumn();
        wheel(&view, at, -240, Qt::ShiftModifier);
        QVERIFY(view.firstColumn() > first);
        QTest::mouseDClick(&view, Qt::LeftButton, {}, at.toPoint());
        QCOMPARE(view.shownColumns(), 5000.0);
    }

    void labelsAreReadableInTheWindowAndLargerInClassroomMode() {
        sinkscope::gui::MainWindow w(kStories, kPrompt);
        w.resize(1600, 1000);
        w.show();
        QSignalSpy ran(&w, &sinkscope::gui::MainWindow::runShown);
        QVERIFY(ran.wait(60000));
        auto* dock = w.findChild<ChannelsDock*>();
        dock->raise();
        QTRY_VERIFY(dock->shownFigure().rows > 0);
        auto* view = dock->view();
        // The panel makes room for the map the first time it opens (two fifths of the window).
        QTRY_VERIFY_WITH_TIMEOUT(view->mapRect().height() >= 150, 3000);
        QVERIFY(view->mapRect().width() >= 500);
        QVERIFY2(lineHeight(view) >= 10, qPrintable(QString::number(lineHeight(view))));
        checkReadableLabels(view, 10.0, 3);
        QCOMPARE(std::int64_t(view->rowLabels().size()), dock->shownFigure().rows); // 13 tokens: all named
        const double normal = view->rowLabels().front().rect.height();
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty())
            dock->grab().save(shots + "/channels_dock_1600.png");

        sinkscope::gui::Classroom* classroom = w.classroom();
        classroom->enter();
        dock->show(); // classroom mode hides the analysis tabs; the teacher brings this one back
        dock->raise();
        QTRY_VERIFY(dock->shownFigure().rows > 0 && !view->rowLabels().empty() &&
                    view->rowLabels().front().rect.height() >= normal * 1.4);
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty()) {
            dock->grab().save(shots + "/channels_dock_classroom.png");
            w.grab().save(shots + "/channels_window_classroom.png");
        }
        checkReadableLabels(view, normal * 1.4, 2); // a short map in large type
        classroom->leave();
    }

    void ctrBarsAndScatterNameTheHoveredToken() {
        sinkscope::BarChart bars;
        bars.resize(520, 260);
        bars.show();
        QVERIFY(QTest::qWaitForWindowExposed(&bars));
        bars.setBars({"<s>", "the", "cat", "sat"}, {0.9, 0.25, 0.5, 0.05}, "tag share per caught token");
        bars.setNames({"token '<s>' (#0)", "token 'the' (#3)", "token 'cat' (#4)", "token 'sat' (#7)"},
                      "tag share");
        QSignalSpy barHover(&bars, &sinkscope::BarChart::hovered);
        QTest::mouseMove(&bars, bars.barRect(3).center().toPoint() - QPoint(0, 20)); // above a short bar
        QTRY_VERIFY(!barHover.isEmpty());
        QCOMPARE(barHover.last().at(0).toString(), QString("token 'sat' (#7) · tag share = 0.050"));
        QTest::mouseMove(&bars, bars.barRect(1).center().toPoint());
        QTRY_COMPARE(barHover.last().at(0).toString(), QString("token 'the' (#3) · tag share = 0.250"));
        QCOMPARE(bars.labels().size(), std::size_t(4));
        for (const auto& l : bars.labels())
            QVERIFY(std::min(l.rect.width(), l.rect.height()) >= 10 || l.rect.height() >= 10);
        QVERIFY(bars.valueTicks().size() >= 3);
        const QRectF before = bars.plotRect();
        bars.resize(900, 420);
        QTRY_VERIFY(bars.plotRect().width() > before.width() + 300 &&
                    bars.plotRect().height() > before.height() + 100);
        // Many narrow bars: labels turn upright and thin out rather than overlap.
        std::vector<QString> many;
        std::vector<double> values;
        for (int i = 0; i < 200; ++i) {
            many.push_back(QString("token%1").arg(i));
            values.push_back(i / 200.0);
        }
        bars.setBars(many, values, "tag share");
        QVERIFY(bars.labelsUpright());
        QVERIFY(bars.labels().size() < 200);
        for (std::size_t i = 1; i < bars.labels().size(); ++i)
            QVERIFY(bars.labels()[i].rect.left() >= bars.labels()[i - 1].rect.right() - 0.5);

        sinkscope::PcScatter scatter;
        scatter.resize(360, 300);
        scatter.show();
        QVERIFY(QTest::qWaitForWindowExposed(&scatter));
        scatter.setData({{0.5, 0.1, "the", "token 'the' (#3)"}, {-0.4, -0.2, "cat", "token 'cat' (#4)"}},
                        QPointF(1, 0), "tag u", "PC1", "PC2");
        QVERIFY(scatter.ticks().size() >= 3);
        QSignalSpy pointHover(&scatter, &sinkscope::PcScatter::hovered);
        QTest::mouseMove(&scatter, scatter.toWidget(-0.4, -0.2).toPoint() + QPoint(2, 1));
        QTRY_VERIFY(!pointHover.isEmpty());
        QVERIFY2(pointHover.last().at(0).toString().startsWith("token 'cat' (#4) · PC1 -0.4, PC2 -0.2"),
                 qPrintable(pointHover.last().at(0).toString()));
        const QRectF square = scatter.plotRect();
        scatter.resize(600, 520);
        QTRY_VERIFY(scatter.plotRect().width() > square.width() + 150);
        QCOMPARE(scatter.plotRect().width(), scatter.plotRect().height());
    }

    void normPlotHasTicksOnScreenAndInItsExport() {
        sinkscope::NormPlot plot;
        plot.resize(420, 220);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        std::vector<std::vector<float>> norms(7, std::vector<float>(5, 20.0f));
        for (std::size_t s = 0; s < norms.size(); ++s) {
            norms[s][0] = 0.7f * std::pow(10.0f, static_cast<float>(s) / 2.0f); // 0.7 .. 700
            for (std::size_t t = 1; t < 5; ++t)
                norms[s][t] = 5.0f + static_cast<float>(s + t);
        }
        plot.setNorms(norms);
        const auto screen = plot.axes(plot.size(), plot.font());
        QVERIFY(screen.xTicks.size() > 2);
        QVERIFY(screen.yTicks.size() > 2);
        const auto figure = plot.axes(sinkscope::NormPlot::kFigureSize, sinkscope::NormPlot::figureFont());
        QVERIFY(figure.xTicks.size() > 2);
        QVERIFY(figure.yTicks.size() > 2);
        QCOMPARE(figure.xTicks.size(), std::size_t(7)); // every state fits at the export's size
        const QImage image = plot.figureImage();
        QVERIFY(image.width() >= 1200);
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty()) {
            image.save(shots + "/norm_plot_export.png");
            plot.grab().save(shots + "/norm_plot.png");
        }

        // Hover: the red line of token 0 at state 6 (700, far above the rest).
        QSignalSpy hovered(&plot, &sinkscope::NormPlot::hovered);
        const QRectF a = screen.area;
        QTest::mouseMove(&plot, QPoint(int(a.right()) - 1, int(a.top()) + 2));
        QTRY_VERIFY(!hovered.isEmpty());
        QVERIFY2(hovered.last().at(0).toString().startsWith("state 6 · token 0 (first) · norm 7"),
                 qPrintable(hovered.last().at(0).toString()));
    }
};

SINKSCOPE_GUI_TEST(PlotPanelsTest)
#include "test_plot_panels.moc"
