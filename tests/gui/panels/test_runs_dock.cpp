// The runs panel over a trace file: two runs written through the engine API are listed, one is
// shown without its model, the two compare to a non-zero difference, deleting asks first; and the
// window traces its current run into the open file with the engine call the CLI uses.
#include "gui_test_registry.h"
#include "intervention_panel.h"
#include "main_window.h"
#include "runs_dock.h"
#include "trace/trace_store.h"
#include "views/heatmap_canvas.h"

#include <QCheckBox>
#include <QDockWidget>
#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>

using sinkscope::gui::RunsDock;
using sinkscope::gui::RunViewPtr;

namespace {

const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
const QString kPrompt = "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264";
constexpr int kLayers = 2, kHeads = 2;
constexpr std::int64_t kT = 4;

// A causal map per head: row i spreads (1 - sink) over keys 1..i and gives `sink` to key 0.
std::vector<sinkscope::AttentionMap> maps(double sink) {
    std::vector<sinkscope::AttentionMap> out;
    for (int l = 0; l < kLayers; ++l)
        for (int h = 0; h < kHeads; ++h) {
            sinkscope::AttentionMap m;
            m.layer = l;
            m.head = h;
            m.rows = m.cols = kT;
            m.values.assign(kT * kT, 0.0f);
            m.values[0] = 1.0f;
            for (std::int64_t i = 1; i < kT; ++i) {
                m.values[static_cast<std::size_t>(i * kT)] = static_cast<float>(sink);
                for (std::int64_t j = 1; j <= i; ++j)
                    m.values[static_cast<std::size_t>(i * kT + j)] =
                        static_cast<float>((1.0 - sink) / static_cast<double>(i));
            }
            out.push_back(std::move(m));
        }
    return out;
}

std::int64_t writeRun(sinkscope::TraceStore& store, double sink, std::vector<std::string> interventions) {
    sinkscope::RunRecord r;
    r.label = interventions.empty() ? "base" : "intervened";
    r.model.path = "/models/tiny";
    r.tokenIds = {1, 20, 30, 40};
    r.tokens = {"<s>", "Once", " upon", " a"};
    r.promptText = "Once upon a";
    r.interventions = std::move(interventions);
    r.topK = {{{5, 0.5, " time"}, {6, 0.2, " day"}}};
    r.generatedIds = {5};
    r.generatedText = " time";
    r.metricsJson = R"({"sink_rate_0.3": 50.0})";
    r.layers = kLayers;
    r.heads = kHeads;
    auto id = store.writeRun(std::move(r), maps(sink), {});
    return id ? *id : -1;
}

double largestDifference(const sinkscope::gui::RunView& v) {
    double d = 0;
    for (std::size_t i = 0; i < v.attention->size(); ++i)
        d = std::max(d, static_cast<double>(std::abs((*v.attention)[i] - (*v.baseAttention)[i])));
    return d;
}

} // namespace

class RunsDockTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { sinkscope::test::isolateSettings(); }

    void listsShowsComparesAndDeletesRuns() {
        QTemporaryDir dir;
        const QString path = dir.filePath("runs.sqlite");
        std::int64_t base = 0, intervened = 0;
        {
            auto store = sinkscope::TraceStore::open(path.toStdString(), true);
            QVERIFY(store);
            base = writeRun(**store, 0.8, {});
            intervened = writeRun(**store, 0.1, {"suppress"});
            QVERIFY(base > 0 && intervened > base);
        }
        RunsDock dock;
        dock.show();
        QSignalSpy listed(&dock, &RunsDock::listChanged);
        QSignalSpy shown(&dock, &RunsDock::showRun);
        QSignalSpy failed(&dock, &RunsDock::failed);
        dock.openTrace(path, false);
        QVERIFY(listed.wait(10000));
        QCOMPARE(dock.table()->rowCount(), 2);
        QCOMPARE(dock.table()->item(1, 6)->text(), QString("suppress"));
        QCOMPARE(dock.table()->item(0, 7)->text(), QString("4"));
        QVERIFY(dock.table()->item(0, 5)->text().contains("Once upon"));

        dock.selectRuns({base});
        dock.showSelected();
        QVERIFY(shown.wait(10000));
        auto view = shown.takeFirst().at(0).value<RunViewPtr>();
        QCOMPARE(view->T, kT);
        QCOMPARE(view->layers, kLayers);
        QVERIFY(std::abs(view->alpha0[1][1] - (1.0 + 3 * 0.8) / 4.0) < 1e-3);
        QCOMPARE(largestDifference(*view), 0.0);
        QVERIFY(!view->source.empty());

        dock.selectRuns({intervened, base});
        dock.compareSelected();
        QVERIFY(shown.wait(10000));
        view = shown.takeFirst().at(0).value<RunViewPtr>();
        QVERIFY(view->comparison);
        QVERIFY(largestDifference(*view) > 0.5); // the sink column: 0.1 - 0.8
        // intervened − base whatever the selection order: the base side is the unmodified run.
        QVERIFY((*view->attention)[4] < (*view->baseAttention)[4]);
        QVERIFY(QString::fromStdString(view->caption).startsWith(QString("run %1").arg(intervened)));

        QString asked;
        dock.setConfirmation([&](const QString& q) {
            asked = q;
            return false;
        });
        dock.selectRuns({intervened});
        dock.deleteSelected();
        QVERIFY(asked.contains(QString::number(intervened)));
        QTest::qWait(200);
        QCOMPARE(dock.table()->rowCount(), 2); // declined: nothing deleted
        dock.setConfirmation([](const QString&) { return true; });
        dock.deleteSelected();
        QVERIFY(listed.wait(10000));
        QCOMPARE(dock.table()->rowCount(), 1);
        QCOMPARE(dock.runs().front().id, base);
        dock.vacuum();
        QVERIFY(listed.wait(10000));
        QCOMPARE(failed.count(), 0);
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty())
            dock.grab().save(shots + "/runs_dock.png");
    }

    void refusesToCompareDifferentPrompts() {
        QTemporaryDir dir;
        const QString path = dir.filePath("runs.sqlite");
        std::int64_t a = 0, b = 0;
        {
            auto store = sinkscope::TraceStore::open(path.toStdString(), true);
            QVERIFY(store);
            a = writeRun(**store, 0.8, {});
            sinkscope::RunRecord r = (*store)->loadRun(a).value();
            r.tokenIds = {1, 21, 31, 41};
            auto id = (*store)->writeRun(r, maps(0.5), {});
            QVERIFY(id);
            b = *id;
        }
        RunsDock dock;
        QSignalSpy listed(&dock, &RunsDock::listChanged);
        QSignalSpy failed(&dock, &RunsDock::failed);
        dock.openTrace(path, false);
        QVERIFY(listed.wait(10000));
        dock.selectRuns({a, b});
        dock.compareSelected();
        QVERIFY(failed.wait(10000));
        QVERIFY(failed.takeFirst().at(0).toString().contains("different tokens"));
    }

    void theWindowSavesItsRunAndShowsItBack() {
        QTemporaryDir dir;
        const QString path = dir.filePath("saved.sqlite");
        sinkscope::gui::MainWindow w(kStories, kPrompt);
        w.show();
        QSignalSpy ran(&w, &sinkscope::gui::MainWindow::runShown);
        QVERIFY(ran.wait(60000));
        RunsDock* dock = w.runsDock();
        QSignalSpy listed(dock, &RunsDock::listChanged);
        QSignalSpy shown(dock, &RunsDock::showRun);
        dock->openTrace(path, true);
        QVERIFY(listed.wait(10000));
        QCOMPARE(dock->table()->rowCount(), 0);
        w.interventions()->suppressBox()->setChecked(true);
        QVERIFY(ran.wait(60000));
        dock->saveCurrentRun();
        QVERIFY(listed.wait(60000));
        QCOMPARE(dock->table()->rowCount(), 2); // base and intervened, one group, as `trace -i` stores
        QCOMPARE(dock->runs()[1].group, dock->runs()[0].id);
        QCOMPARE(dock->runs()[1].interventions, std::vector<std::string>{"suppress"});
        QCOMPARE(dock->runs()[0].tokens, std::int64_t(13));

        dock->selectRuns({dock->runs()[1].id});
        dock->showSelected();
        QVERIFY(ran.wait(10000));
        const auto stored = w.lastRun();
        QVERIFY2(QString::fromStdString(stored->source).contains("base: run"), stored->source.c_str());
        QCOMPARE(stored->T, std::int64_t(13));
        // The stored maps are the live run's (fp16 in the file): suppression, base from the group.
        QVERIFY(std::abs(stored->alpha0[2][3] - 1.0 / 13.0) < 1e-3);
        QVERIFY(largestDifference(*stored) > 0.1);
        // Its generations are shown, and the controls say which interventions it used.
        auto* generated = w.findChild<QLabel*>("generated");
        QVERIFY(generated != nullptr);
        QVERIFY(!stored->generatedBase.empty() && !stored->generatedIntervened.empty());
        QVERIFY2(
            generated->text().contains(QString::fromStdString(stored->generatedIntervened).toHtmlEscaped()),
            qPrintable(generated->text()));
        QCOMPARE(w.interventions()->specs(), QStringList{"suppress"});
        QVERIFY(!w.interventions()->suppressBox()->isChecked());

        dock->selectRuns({dock->runs()[0].id, dock->runs()[1].id});
        dock->compareSelected();
        QVERIFY(ran.wait(10000));
        QVERIFY(w.lastRun()->comparison);
        QVERIFY(w.findChild<QCheckBox*>("showDiff")->isChecked()); // the difference view is on
        const auto& figure = w.heatmap()->figure();
        QCOMPARE(figure.colormap, sinkscope::Colormap::Diverging);
        QVERIFY2(QString::fromStdString(figure.title).contains("run 2 (suppress) − run 1 (no intervention)"),
                 figure.title.c_str());
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty()) {
            dock->raise();
            QTest::qWait(100);
            w.grab().save(shots + "/runs_compare_window.png");
            w.heatmap()->grabImage().save(shots +
                                          "/runs_compare_heatmap.png"); // the GL canvas is not in grab()
        }
    }
};

SINKSCOPE_GUI_TEST(RunsDockTest)
#include "test_runs_dock.moc"
