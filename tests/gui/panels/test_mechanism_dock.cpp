// The "Mechanism (one query row)" panel in the window: tabbed away it asks nothing of the engine;
// on screen it shows the selected query row of the shown head — the engine's scores, whose softmax
// is the shown weights, the row summing to 1 and its token-0 weight equal to the map's A[i, 0] —
// cuts a long row down to the heaviest keys, and under suppression shows the intervened row (0 on
// the first token, still summing to 1) beside the unmodified one.
#include "gui_test_registry.h"
#include "intervention_panel.h"
#include "main_window.h"
#include "mechanism_dock.h"
#include "views/row_mechanism_view.h"
#include "views/token_strip.h"

#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <cmath>

using sinkscope::RowMechanism;
using sinkscope::gui::MainWindow;
using sinkscope::gui::MechanismDock;

namespace {

const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
const QString kPrompt = "ids: 1, 461, 392, 284, 265, 300, 41, 77, 120, 9, 350, 66";

// The weights drawn (the keys and the column summing the keys left out) add up to the row sum.
double shownSum(const RowMechanism& m, bool after) {
    double s = 0;
    for (const auto& c : m.columns)
        if (c.kind != RowMechanism::Kind::ExtraLogit) s += after ? c.weightAfter : c.weight;
    return s;
}

} // namespace

class MechanismDockTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { sinkscope::test::isolateSettings(); }

    void showsTheSelectedRowFromScoresToWeights() {
        MainWindow w(kStories, kPrompt);
        w.resize(1400, 900);
        w.show();
        QSignalSpy ran(&w, &MainWindow::runShown);
        QVERIFY(ran.wait(60000));
        auto* dock = w.findChild<MechanismDock*>();
        QVERIFY(dock);
        QVERIFY(!dock->findChild<QSpinBox*>("mechanismKeys")->toolTip().isEmpty());
        w.selectHead(1, 3);
        QTest::qWait(200);
        QVERIFY(!dock->explained()); // tabbed behind another dock: no pass is spent on it
        dock->raise();
        QTRY_VERIFY_WITH_TIMEOUT(dock->explained() != nullptr, 30000);
        const auto run = w.lastRun();
        QCOMPARE(dock->explained()->query, run->T - 1); // no token selected: the last row

        // Selecting a token shows its row.
        w.findChild<sinkscope::TokenStrip*>()->select(5);
        QTRY_VERIFY_WITH_TIMEOUT(dock->explained()->query == 5, 30000);
        const RowMechanism& m = dock->view()->row();
        QCOMPARE(m.query, std::int64_t(5));
        QCOMPARE(m.columns.size(), std::size_t(6)); // keys 0..5, all of them
        QVERIFY(!m.hasAfter);
        const float* map = run->map(false, 1, 3);
        QVERIFY(map);
        QCOMPARE(m.columns[0].weight, map[5 * run->T + 0]);
        QCOMPARE(dock->massOnFirst(false), double(map[5 * run->T + 0]));
        QVERIFY(std::abs(dock->rowSum(false) - 1.0) < 1e-5);
        QVERIFY(std::abs(shownSum(m, false) - 1.0) < 1e-5);
        // The scores are the engine's own: their softmax is the map's row.
        double mx = -1e30, total = 0;
        for (const auto& c : m.columns)
            mx = std::max<double>(mx, c.score);
        for (const auto& c : m.columns)
            total += std::exp(c.score - mx);
        for (const auto& c : m.columns)
            QVERIFY2(std::abs(std::exp(c.score - mx) / total - c.weight) < 1e-5,
                     qPrintable(QString::number(c.key)));
        const QString summary = dock->summary()->text();
        QVERIFY2(summary.contains("layer 1 · head 3 · query 5"), qPrintable(summary));
        QVERIFY2(summary.contains(QString("α = %1").arg(map[5 * run->T], 0, 'f', 2)), qPrintable(summary));
        QVERIFY2(summary.contains("row sum 1.000"), qPrintable(summary));
        QVERIFY(dock->caption()->text().contains("sum to 1"));
        QVERIFY(dock->caption()->text().contains(QString("%1 %").arg(map[5 * run->T] * 100, 0, 'f', 0)));
        QVERIFY(!dock->view()->readout(0).isEmpty());

        // A long row keeps the first token, the query and the heaviest keys; the rest is summed.
        dock->setKeysShown(4);
        const auto& cut = dock->view()->row().columns;
        QCOMPARE(cut.size(), std::size_t(5));
        QCOMPARE(cut.front().key, std::int64_t(0));
        QCOMPARE(cut[3].key, std::int64_t(5));
        QVERIFY(cut.back().kind == RowMechanism::Kind::Rest);
        QCOMPARE(cut.back().key, std::int64_t(2)); // keys summed
        QVERIFY(std::abs(shownSum(dock->view()->row(), false) - 1.0) < 1e-5);
        // A narrow panel draws fewer columns than the spin box allows, never squeezed ones.
        QVERIFY(dock->view()->columnsThatFit() >= 6);
        dock->setKeysShown(16);

        // Suppression: the intervened row beside the unmodified one.
        w.interventions()->setCustomSpec("suppress");
        QTRY_VERIFY_WITH_TIMEOUT(
            dock->explained()->specs == QStringList{"suppress"} && dock->view()->row().hasAfter, 60000);
        const RowMechanism& s = dock->view()->row();
        const auto after = w.lastRun();
        QCOMPARE(s.columns[0].weightAfter, 0.0f);
        QCOMPARE(after->map(true, 1, 3)[5 * after->T], 0.0f);
        QVERIFY(s.columns[0].weight > 0.0f); // the unmodified row still shows its sink weight
        QVERIFY(std::abs(dock->rowSum(true) - 1.0) < 1e-5);
        QCOMPARE(dock->massOnFirst(true), 0.0);
        QVERIFY2(dock->summary()->text().contains("→ <b>0.00</b> intervened"),
                 qPrintable(dock->summary()->text()));
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty()) {
            QTest::qWait(50);
            w.grab().save(shots + "/mechanism_window.png");
        }
    }
};

SINKSCOPE_GUI_TEST(MechanismDockTest)
#include "test_mechanism_dock.moc"
