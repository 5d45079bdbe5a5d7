// The channels view: r_l[t, d] of a chosen state with the sink dimensions marked on their columns
// and the state's sink tokens (phi >= tau) on their rows and on the token strip; export; and in
// the window, the unmodified run's residual stream arrives with every run.
#include "channels_dock.h"
#include "gui_test_registry.h"
#include "main_window.h"
#include "views/heatmap_view.h"
#include "views/token_strip.h"

#include <QDockWidget>
#include <QFile>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>

using sinkscope::gui::ChannelsDock;
using sinkscope::gui::RunView;

namespace {

const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
const QString kPrompt = "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264";

// Four tokens, 16 channels, three states; channel 5 is massive on token 0 in states 1 and 2 (so it
// is a sink dimension: 2 of 3 states), and on token 2 in state 2 as well.
std::shared_ptr<const RunView> massiveChannelRun() {
    auto v = std::make_shared<RunView>();
    v->modelName = "tiny";
    v->tokens = {"<s>", "a", "b", "c"};
    v->ids = {1, 2, 3, 4};
    v->T = 4;
    sinkscope::HiddenStates h;
    h.tokens = 4;
    h.dim = 16;
    h.states.assign(3, std::vector<float>(4 * 16, 1.0f));
    h.states[1][0 * 16 + 5] = 100.0f;
    h.states[2][0 * 16 + 5] = 100.0f;
    h.states[2][2 * 16 + 5] = 100.0f;
    v->sinkDims = std::make_shared<const sinkscope::SinkDimensions>(sinkscope::sinkDimensions(h));
    v->hiddenStates = std::make_shared<const sinkscope::HiddenStates>(std::move(h));
    return v;
}

} // namespace

class ChannelsDockTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { sinkscope::test::isolateSettings(); }

    void marksSinkDimensionsAndSinkTokens() {
        sinkscope::TokenStrip strip;
        ChannelsDock dock(&strip);
        dock.resize(700, 420);
        dock.show();
        const auto run = massiveChannelRun();
        strip.setTokens(run->tokens, run->ids);
        dock.setRun(run);
        QCOMPARE(dock.slider()->maximum(), 2);
        QCOMPARE(dock.state(), 0);
        QCOMPARE(dock.shownFigure().rows, std::int64_t(4));
        QCOMPARE(dock.shownFigure().cols, std::int64_t(16));
        QCOMPARE(dock.shownFigure().markedCols, std::vector<std::int64_t>{5});
        QVERIFY(dock.shownFigure().markedRows.empty()); // state 0: nothing massive yet
        QVERIFY(strip.sinkMarks().empty());

        dock.slider()->setFocus();
        QTest::keyClick(dock.slider(), Qt::Key_Right);
        QTest::keyClick(dock.slider(), Qt::Key_Right);
        QCOMPARE(dock.state(), 2);
        QCOMPARE(dock.shownFigure().markedRows, (std::vector<std::int64_t>{0, 2}));
        QCOMPARE(strip.sinkMarks(), (std::vector<std::int64_t>{0, 2}));
        // Only the two corner triangles are red: the marks' fill does not leak into later chips.
        strip.resize(300, 40);
        const QImage chips = strip.grab().toImage();
        int red = 0;
        for (int y = 0; y < chips.height(); ++y)
            for (int x = 0; x < chips.width(); ++x) {
                const QRgb c = chips.pixel(x, y);
                red += qRed(c) > 180 && qGreen(c) < 120 && qBlue(c) < 90;
            }
        QVERIFY2(red > 10 && red < 200, qPrintable(QString("%1 red pixels").arg(red)));
        // r of token 0, channel 5 in state 2: 100 / rms = 100 / sqrt((10000 + 15) / 16).
        QVERIFY(std::abs(dock.shownFigure().values[5] - 100.0 / std::sqrt(10015.0 / 16.0)) < 1e-4);
        QVERIFY(QString::fromStdString(dock.shownFigure().title).contains("after the last layer"));

        QTemporaryDir out;
        for (const char* name : {"channels.png", "channels.pdf"}) {
            QVERIFY(dock.exportFigure(out.filePath(name)));
            QVERIFY(QFile(out.filePath(name)).size() > 1000);
        }
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty()) {
            dock.grab().save(shots + "/channels_dock.png");
            strip.grab().save(shots + "/channels_strip_marks.png");
        }
    }

    void aStoredRunSaysWhyItHasNoChannels() {
        ChannelsDock dock(nullptr);
        dock.show();
        auto stored = std::make_shared<RunView>();
        stored->source = "trace run 1";
        dock.setRun(stored);
        QCOMPARE(dock.shownFigure().rows, std::int64_t(0));
        QSignalSpy failed(&dock, &ChannelsDock::failed);
        QTemporaryDir out;
        QVERIFY(!dock.exportFigure(out.filePath("x.png")));
        QCOMPARE(failed.count(), 1);
    }

    void theWindowHandsTheUnmodifiedRunsChannels() {
        sinkscope::gui::MainWindow w(kStories, kPrompt);
        w.show();
        QSignalSpy ran(&w, &sinkscope::gui::MainWindow::runShown);
        QVERIFY(ran.wait(60000));
        auto* dock = w.findChild<ChannelsDock*>();
        QVERIFY(dock);
        QCOMPARE(dock->shownFigure().rows, std::int64_t(0)); // tabbed behind the runs: nothing drawn yet
        dock->raise();
        QTest::qWait(50);
        QVERIFY(w.lastRun()->hiddenStates);
        QCOMPARE(w.lastRun()->hiddenStates->states.size(), std::size_t(6)); // states 0..5 of stories260K
        QCOMPARE(dock->slider()->maximum(), 5);
        dock->setState(3);
        QCOMPARE(dock->shownFigure().rows, std::int64_t(13));
        QCOMPARE(dock->shownFigure().cols, std::int64_t(64));
        QVERIFY(QString::fromStdString(dock->shownFigure().title).contains("stories260K.bin"));
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty())
            w.grab().save(shots + "/channels_window.png");
    }
};

SINKSCOPE_GUI_TEST(ChannelsDockTest)
#include "test_channels_dock.moc"
