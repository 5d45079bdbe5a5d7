// The Sweep panel over a sweep trace written here with known metrics: 2 models x 2 checkpoints x
// {none, suppress} x 2 prompts. The table, the heatmap grid and the checkpoint curves show what
// readSweepReport computes; a grid cell selects its row and "Show runs" names that row's runs;
// grouping by fewer keys re-reads; CSV and figures export as the CLI writes them; a file that is
// not a trace is refused in one line and what was shown stays; the window's drill-down opens the
// runs in the Runs panel.
#include "figures/sweep_figures.h"
#include "gui_test_registry.h"
#include "main_window.h"
#include "runs_dock.h"
#include "sweep_dock.h"
#include "sweep_grid.h"
#include "trace/run_metrics.h"
#include "trace/trace_store.h"
#include "views/curve_plot.h"

#include <QFile>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using sinkscope::gui::SweepDock;
using sinkscope::gui::SweepGrid;

namespace {

// alpha_0 of every head = a; the stored sink rate follows from it (all heads above 0.3 or none).
std::string metricsOf(double a) {
    sinkscope::RunMetrics m;
    m.alpha0 = {{a, a}, {a, a}};
    m.sinkRate = a > 0.3 ? 100.0 : 0.0;
    return sinkscope::encodeRunMetrics(m);
}

// models alpha, beta at step100 and step2000; suppress lowers alpha_0 below the threshold.
QString writeSweep(const QTemporaryDir& dir) {
    const QString path = dir.filePath("sweep.sqlite");
    auto store = sinkscope::TraceStore::open(path.toStdString());
    if (!store) return {};
    for (const char* model : {"alpha", "beta"})
        for (const char* step : {"step100", "step2000"})
            for (bool suppressed : {false, true})
                for (int prompt = 0; prompt < 2; ++prompt) {
                    sinkscope::RunRecord r;
                    r.model.path = std::string("/models/") + model + "/" + step;
                    if (suppressed) r.interventions = {"suppress"};
                    const double a =
                        suppressed ? 0.1 : (std::string(step) == "step100" ? 0.2 : 0.6) + 0.05 * prompt;
                    r.metricsJson = metricsOf(a);
                    r.layers = 2;
                    r.heads = 2;
                    r.promptText = "prompt " + std::to_string(prompt);
                    if (!(*store)->writeRun(r, {}, {})) return {};
                }
    return path;
}

bool waitShown(SweepDock& dock, QSignalSpy& shown, int count) {
    return QTest::qWaitFor([&] { return shown.count() >= count && !dock.busy(); }, 10000);
}

} // namespace

class SweepDockTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { sinkscope::test::isolateSettings(); }

    void showsTheReportAsTableGridAndCurves() {
        QTemporaryDir dir;
        const QString path = writeSweep(dir);
        QVERIFY(!path.isEmpty());
        SweepDock dock;
        dock.resize(1200, 420);
        dock.show();
        QSignalSpy shown(&dock, &SweepDock::reportShown);
        dock.openSweep(path);
        QVERIFY(waitShown(dock, shown, 1));

        auto expected = sinkscope::readSweepReport(path.toStdString());
        QVERIFY(expected.ok());
        QCOMPARE(dock.table()->rowCount(), 8);
        QCOMPARE(static_cast<int>(expected->rows.size()), 8);
        for (int r = 0; r < 8; ++r) {
            const auto& row = expected->rows[static_cast<std::size_t>(r)];
            QCOMPARE(dock.table()->item(r, 3)->text(), QString::number(row.sinkRate, 'f', 1));
            QCOMPARE(dock.table()->item(r, 6)->text(), QString::number(row.prompts));
        }
        // Grid: (model, checkpoint) x intervention, the same rates.
        QCOMPARE(dock.grid()->rows(), 4);
        QCOMPARE(dock.grid()->cols(), 2);
        // Curves: both models have two checkpoints, so the tab is on with one line per pair.
        QVERIFY(dock.views()->isTabEnabled(2));
        QCOMPARE(static_cast<int>(dock.curves()->series().size()), 4);
        const auto& first = dock.curves()->series().front(); // alpha · none: 0 % then 100 %
        QCOMPARE(static_cast<int>(first.y.size()), 2);
        QCOMPARE(first.y[0], 0.0);
        QCOMPARE(first.y[1], 100.0);

        if (!sinkscope::test::screenshotDir().isEmpty()) {
            dock.grab().save(sinkscope::test::screenshotDir() + "/sweep_panel_table.png");
            for (int tab : {1, 2}) {
                dock.views()->setCurrentIndex(tab);
                QTest::qWait(20);
                dock.grab().save(sinkscope::test::screenshotDir() +
                                 QString("/sweep_panel_tab%1.png").arg(tab));
            }
        }
    }

    void aGridCellSelectsItsRowAndShowRunsNamesItsRuns() {
        QTemporaryDir dir;
        const QString path = writeSweep(dir);
        SweepDock dock;
        dock.resize(1200, 420);
        dock.show();
        QSignalSpy shown(&dock, &SweepDock::reportShown);
        dock.openSweep(path);
        QVERIFY(waitShown(dock, shown, 1));
        QVERIFY(QTest::qWaitForWindowExposed(&dock));
        // Row 1 of the grid (alpha · step2000), column 1 (suppress), on the heatmap tab.
        dock.views()->setCurrentIndex(1);
        QTest::qWait(20);
        QTest::mouseClick(dock.grid(), Qt::LeftButton, {}, dock.grid()->cellRect(1, 1).center());
        const auto runs = dock.selectedRuns();
        QCOMPARE(static_cast<int>(runs.size()), 2);
        const auto& row = dock.report().rows[static_cast<std::size_t>(dock.table()->currentRow())];
        QCOMPARE(row.checkpoint, std::string("step2000"));
        QCOMPARE(row.intervention, std::string("suppress"));
        QCOMPARE(runs, row.runIds);

        QSignalSpy asked(&dock, &SweepDock::showRuns);
        dock.showSelectedRuns();
        QCOMPARE(asked.count(), 1);
        QCOMPARE(asked.at(0).at(0).toString(), path);
        const auto ids = asked.at(0).at(1).value<QList<qint64>>();
        QCOMPARE(ids.size(), 2);
        QCOMPARE(ids.front(), runs.front());
    }

    void groupingByFewerKeysRereads() {
        QTemporaryDir dir;
        const QString path = writeSweep(dir);
        SweepDock dock;
        QSignalSpy shown(&dock, &SweepDock::reportShown);
        dock.openSweep(path);
        QVERIFY(waitShown(dock, shown, 1));
        dock.setGroupedBy({sinkscope::GroupKey::Model, sinkscope::GroupKey::Intervention});
        QVERIFY(waitShown(dock, shown, 2));
        QCOMPARE(dock.table()->rowCount(), 4);
        QVERIFY(dock.table()->isColumnHidden(1)); // checkpoint
        QVERIFY(!dock.views()->isTabEnabled(2));  // no checkpoints: no curves
        QCOMPARE(dock.report().rows.front().prompts, std::int64_t{4});
    }

    void exportsWhatTheCliWrites() {
        QTemporaryDir dir;
        const QString path = writeSweep(dir);
        SweepDock dock;
        QSignalSpy shown(&dock, &SweepDock::reportShown);
        dock.openSweep(path);
        QVERIFY(waitShown(dock, shown, 1));
        QVERIFY(dock.exportCsv(dir.filePath("t.csv")));
        QFile csv(dir.filePath("t.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().toStdString(), sinkscope::sweepReportCsv(dock.report()));
        QVERIFY(dock.exportFigures(dir.filePath("f.svg")));
        QVERIFY(QFile::exists(dir.filePath("f.svg")));
        QVERIFY(QFile::exists(dir.filePath("f-table.svg"))); // curves + the table beside them
        // A folder that does not exist: refused in one line, nothing written.
        QSignalSpy failed(&dock, &SweepDock::failed);
        QVERIFY(!dock.exportCsv(dir.filePath("no/such/dir/t.csv")));
        QCOMPARE(failed.count(), 1);
    }

    void aFileThatIsNotATraceIsRefusedAndTheReportStays() {
        QTemporaryDir dir;
        const QString path = writeSweep(dir);
        SweepDock dock;
        QSignalSpy shown(&dock, &SweepDock::reportShown), failed(&dock, &SweepDock::failed);
        dock.openSweep(path);
        QVERIFY(waitShown(dock, shown, 1));
        QFile junk(dir.filePath("junk.sqlite"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("this is not a trace file at all, just text");
        junk.close();
        dock.openSweep(dir.filePath("junk.sqlite"));
        QVERIFY(QTest::qWaitFor([&] { return failed.count() == 1; }, 10000));
        const QString message = failed.at(0).at(0).toString();
        QVERIFY2(message.contains("junk.sqlite"), qPrintable(message));
        QVERIFY2(!message.contains('\n'), qPrintable(message));
        QCOMPARE(dock.sweepPath(), path);
        QCOMPARE(dock.table()->rowCount(), 8);
    }

    void theWindowOpensTheRunsBehindARowInTheRunsPanel() {
        QTemporaryDir dir;
        const QString path = writeSweep(dir);
        sinkscope::gui::MainWindow w(QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin",
                                     "Once upon a time");
        w.resize(1600, 1000);
        w.show();
        auto* dock = w.findChild<SweepDock*>();
        QVERIFY(dock);
        QSignalSpy shown(dock, &SweepDock::reportShown);
        dock->openSweep(path);
        QVERIFY(waitShown(*dock, shown, 1));
        dock->selectRow(3);
        const auto wanted = dock->selectedRuns();
        QCOMPARE(static_cast<int>(wanted.size()), 2);
        QSignalSpy listed(w.runsDock(), &sinkscope::gui::RunsDock::listChanged);
        dock->showSelectedRuns();
        QVERIFY(
            QTest::qWaitFor([&] { return w.runsDock()->tracePath() == path && listed.count() >= 1; }, 10000));
        QTest::qWait(50);
        QCOMPARE(w.runsDock()->selectedRuns(), wanted);
    }
};

SINKSCOPE_GUI_TEST(SweepDockTest)
#include "test_sweep_dock.moc"
