// The alpha_0 grid of the window from dense maps: on a windowed layer, key 0's weight is averaged
// over the rows that see it, as engine/metrics does, for live runs (the windows come from the
// model), for stored runs (from the trace's settings) and in the table function behind both.
#include "gui_test_registry.h"
#include "main_window.h"
#include "metrics/sink_metrics.h"
#include "run_view.h"
#include "stored_run.h"
#include "trace/trace_store.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using sinkscope::gui::alpha0Table;
using sinkscope::gui::MainWindow;

namespace {

constexpr std::int64_t kT = 5;

// Layer 0 has a window of 2: row i puts 0.75 on key i-1 and 0.25 on itself (row 0: all on key 0),
// so key 0 is seen by rows 0 and 1 only and its mean weight there is (1 + 0.75) / 2. Layer 1 is
// full attention, uniform over keys 0..i.
std::vector<float> denseMaps() {
    std::vector<float> a(static_cast<std::size_t>(2 * kT * kT), 0.0f);
    auto at = [&](int layer, std::int64_t i, std::int64_t j) -> float& {
        return a[static_cast<std::size_t>((layer * kT + i) * kT + j)];
    };
    at(0, 0, 0) = 1.0f;
    for (std::int64_t i = 1; i < kT; ++i) {
        at(0, i, i - 1) = 0.75f;
        at(0, i, i) = 0.25f;
    }
    for (std::int64_t i = 0; i < kT; ++i)
        for (std::int64_t j = 0; j <= i; ++j)
            at(1, i, j) = 1.0f / static_cast<float>(i + 1);
    return a;
}

double uniformAlpha0() {
    double sum = 0;
    for (std::int64_t i = 0; i < kT; ++i)
        sum += 1.0 / static_cast<double>(i + 1);
    return sum / static_cast<double>(kT);
}

std::vector<sinkscope::AttentionMap> traceMaps(const std::vector<float>& dense) {
    std::vector<sinkscope::AttentionMap> out;
    for (int l = 0; l < 2; ++l) {
        sinkscope::AttentionMap m;
        m.layer = l;
        m.head = 0;
        m.rows = m.cols = kT;
        m.values.assign(dense.begin() + l * kT * kT, dense.begin() + (l + 1) * kT * kT);
        out.push_back(std::move(m));
    }
    return out;
}

std::int64_t writeRun(sinkscope::TraceStore& store, const std::string& settings) {
    sinkscope::RunRecord r;
    r.label = "base";
    r.model.path = "/models/windowed";
    r.tokenIds = {1, 2, 3, 4, 5};
    r.settingsJson = settings;
    r.metricsJson = "{}";
    r.layers = 2;
    r.heads = 1;
    auto id = store.writeRun(std::move(r), traceMaps(denseMaps()), {});
    return id ? *id : -1;
}

} // namespace

class RunViewTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void alpha0AveragesOverTheRowsThatSeeTheKey() {
        const auto table = alpha0Table(denseMaps(), 2, 1, kT, {2, 0});
        QVERIFY(std::abs(table[0][0] - 0.875) < 1e-6);
        QVERIFY(std::abs(table[1][0] - uniformAlpha0()) < 1e-6);
        // Without the windows the hidden rows count as zeros: (1 + 0.75) / 5.
        QVERIFY(std::abs(alpha0Table(denseMaps(), 2, 1, kT)[0][0] - 0.35) < 1e-6);
    }

    void storedRunsTakeTheWindowsFromTheTraceSettings() {
        QTemporaryDir dir;
        auto store = sinkscope::TraceStore::open(dir.filePath("runs.sqlite").toStdString(), true);
        QVERIFY(store);
        const auto windowed = writeRun(**store, R"({"device":"cpu","windows":[2,0]})");
        const auto older = writeRun(**store, R"({"device":"cpu"})");
        const auto wrongCount = writeRun(**store, R"({"windows":[2]})");
        const auto wrongType = writeRun(**store, R"({"windows":["2",0]})");
        QVERIFY(windowed > 0 && older > 0 && wrongCount > 0 && wrongType > 0);

        auto view = sinkscope::gui::loadStoredRun(**store, windowed);
        QVERIFY2(view, view ? "" : view.error().message.c_str());
        QCOMPARE((*view)->windows, (std::vector<int>{2, 0}));
        QVERIFY(std::abs((*view)->alpha0[0][0] - 0.875) < 1e-6);
        QVERIFY(std::abs((*view)->baseAlpha0[0][0] - 0.875) < 1e-6);
        QVERIFY(std::abs((*view)->alpha0[1][0] - uniformAlpha0()) < 1e-3); // stored as half floats
        // The token strip's column importance reads the same windowed view.
        QVERIFY(std::abs(sinkscope::columnImportance((*view)->mapView(true, 0, 0))[0] - 0.875) < 1e-6);
        // Runs that do not name windows (older traces, malformed settings) read as full attention.
        for (const auto id : {older, wrongCount, wrongType}) {
            auto v = sinkscope::gui::loadStoredRun(**store, id);
            QVERIFY(v);
            QVERIFY((*v)->windows.empty());
            QVERIFY(std::abs((*v)->alpha0[0][0] - 0.35) < 1e-6);
        }
    }

    // A live run of a model whose last layer is windowed (window 6 over 12 tokens): the view carries
    // the model's windows and its grid is the engine's column importance over the rows that see key 0.
    void liveRunsOfAWindowedModelUseItsWindows() {
        MainWindow w(QString(SINKSCOPE_TEST_DATA_DIR) + "/models/tiny_qwen3_window",
                     "ids: 63, 5, 9, 14, 3, 22, 41, 7, 18, 30, 11, 2");
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        const auto& v = *w.lastRun();
        QCOMPARE(v.T, std::int64_t(12));
        QCOMPARE(v.windows, (std::vector<int>{0, 0, 6}));
        bool differs = false;
        for (int l = 0; l < v.layers; ++l)
            for (int h = 0; h < v.heads; ++h) {
                const double want = sinkscope::columnImportanceAt(v.mapView(false, l, h), 0);
                QVERIFY(std::abs(v.baseAlpha0[std::size_t(l)][std::size_t(h)] - want) < 1e-9);
                const double unwindowed = sinkscope::columnImportanceAt(
                    sinkscope::MatrixView{v.map(false, l, h), v.T, v.T, v.T, 0}, 0);
                differs = differs || std::abs(want - unwindowed) > 1e-3;
            }
        QVERIFY2(differs, "the window changes no head's alpha_0: the check has no teeth");
    }
};

SINKSCOPE_GUI_TEST(RunViewTest)
#include "test_run_view.moc"
