// The catch-tag-release panel in the window: opening it computes every head in the worker at
// theta, the numbers match the CLI's golden file for the same prompt (tests/data/golden,
// `metrics --theta 0.3 --sink 0`), the selected head's caught tokens are highlighted on the strip,
// its tag shares are bars and its outputs a PC scatter with the tag arrow; theta recomputes.
#include "ctr_dock.h"
#include "gui_test_registry.h"
#include "main_window.h"
#include "views/bar_chart.h"
#include "views/head_grid.h"
#include "views/pc_scatter.h"
#include "views/token_strip.h"

#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QSignalSpy>
#include <QTest>
#include <cmath>

using sinkscope::gui::CtrDock;

namespace {
const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
} // namespace

class CtrDockTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { sinkscope::test::isolateSettings(); }

    void matchesTheCliAndShowsTheSelectedHead() {
        const QJsonObject golden = sinkscope::test::beyondGolden();
        QVERIFY(!golden.isEmpty());
        sinkscope::gui::MainWindow w(kStories, sinkscope::test::idsPrompt(golden));
        w.resize(1400, 900);
        w.show();
        QSignalSpy ran(&w, &sinkscope::gui::MainWindow::runShown);
        QVERIFY(ran.wait(60000));
        auto* dock = w.findChild<CtrDock*>();
        QVERIFY(dock);
        QTest::qWait(200);
        QVERIFY(!dock->scores()); // tabbed behind another dock: no pass is spent on it
        dock->raise();            // on screen: asks the worker
        QTRY_VERIFY_WITH_TIMEOUT(dock->scores() != nullptr, 30000);
        const auto ctr = dock->scores();
        QCOMPARE(ctr->options.theta, 0.3);
        const QJsonArray expected = golden["ctr"].toArray();
        QCOMPARE(ctr->layers, expected.size());
        for (int l = 0; l < ctr->layers; ++l)
            for (int h = 0; h < ctr->heads; ++h) {
                const QJsonObject e = expected[l].toArray()[h].toObject();
                const auto& s = ctr->at(l, h);
                QCOMPARE(s.caught, std::int64_t(e["caught"].toInt()));
                if (e["tag_share"].isDouble())
                    QVERIFY(std::abs(*s.tagShare - e["tag_share"].toDouble()) < 1e-4);
                if (e["pc1_var"].isDouble()) QVERIFY(std::abs(*s.pc1Var - e["pc1_var"].toDouble()) < 1e-4);
            }

        // Layer 1, head 3 catches 10 tokens (golden): bars, scatter and strip follow the grid.
        w.findChild<sinkscope::HeadGrid*>()->setCurrent(1, 3);
        Q_EMIT w.findChild<sinkscope::HeadGrid*>()->headActivated(1, 3);
        const auto& s = ctr->at(1, 3);
        QCOMPARE(s.caught, std::int64_t(10));
        QCOMPARE(dock->bars()->values().size(), std::size_t(10));
        QCOMPARE(dock->scatter()->points().size(), std::size_t(10));
        QVERIFY(dock->scatter()->arrow().x() >= 0); // PC1 oriented along the tag
        QVERIFY(dock->summary()->text().contains("caught 10"));
        QCOMPARE(w.findChild<sinkscope::TokenStrip*>()->highlighted(), s.caughtTokens);
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty()) {
            QTest::qWait(50);
            w.grab().save(shots + "/ctr_window.png");
        }

        // A higher theta catches fewer tokens.
        dock->setTheta(0.6);
        QTRY_VERIFY_WITH_TIMEOUT(dock->scores()->options.theta == 0.6, 30000);
        QVERIFY(dock->scores()->at(1, 3).caught < 10);
        QCOMPARE(w.findChild<sinkscope::TokenStrip*>()->highlighted(), dock->scores()->at(1, 3).caughtTokens);
        // Another tab in front: the strip no longer shows this dock's marks.
        w.findChild<QDockWidget*>("runsDock")->raise();
        QTRY_VERIFY(w.findChild<sinkscope::TokenStrip*>()->highlighted().empty());
    }
};

SINKSCOPE_GUI_TEST(CtrDockTest)
#include "test_ctr_dock.moc"
