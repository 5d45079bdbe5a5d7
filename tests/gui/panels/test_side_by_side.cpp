// Side by side: the base run beside the intervened one, or the same prompt through a second model,
// on one colour scale; the export writes both maps in one figure; classroom scenario 6 puts the
// default model beside its sigmoid twin and scenario 1 goes back to one map.
#include "classroom.h"
#include "gui_test_registry.h"
#include "intervention_panel.h"
#include "main_window.h"
#include "side_by_side.h"
#include "views/heatmap_canvas.h"

#include <QCheckBox>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using sinkscope::HeatmapFigure;
using sinkscope::gui::MainWindow;
using sinkscope::gui::RunView;
using sinkscope::gui::SideBySide;

namespace {

const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
const QString kPrompt = "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264";
const QString kAssets = QDir::cleanPath(QString(SINKSCOPE_TEST_DATA_DIR) + "/../../assets/models");

// The figure's values where the map is stored (the causal lower triangle), in row-major order.
std::vector<float> lower(const HeatmapFigure& f) {
    std::vector<float> out;
    for (std::int64_t i = 0; i < f.rows; ++i)
        for (std::int64_t j = 0; j <= i && j < f.cols; ++j)
            out.push_back(f.values[static_cast<std::size_t>(i * f.cols + j)]);
    return out;
}

std::vector<float> lower(const float* map, std::int64_t T) {
    std::vector<float> out;
    for (std::int64_t i = 0; i < T; ++i)
        for (std::int64_t j = 0; j <= i; ++j)
            out.push_back(map[i * T + j]);
    return out;
}

} // namespace

class SideBySideTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void baseBesideIntervenedShareOneScale() {
        MainWindow w(kStories, kPrompt);
        w.resize(1400, 900);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        w.interventions()->suppressBox()->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(!w.busy() && !w.lastRun()->interventions.empty(), 60000);
        auto* side = w.sideBySide();
        QVERIFY(side->canvas()->isHidden());
        side->showBaseAndIntervened();
        QVERIFY(!side->canvas()->isHidden());
        QVERIFY(!w.findChild<QCheckBox*>("showDiff")->isEnabled()); // both maps are already shown

        const auto run = w.lastRun();
        const auto [layer, head] = w.currentHead();
        const HeatmapFigure& left = w.heatmap()->figure();
        const HeatmapFigure& right = side->canvas()->figure();
        QVERIFY2(QString::fromStdString(left.title).contains("base run"), left.title.c_str());
        QVERIFY2(QString::fromStdString(right.title).contains("intervened: suppress"), right.title.c_str());
        QVERIFY(lower(left) == lower(run->map(false, layer, head), run->T));
        QVERIFY(lower(right) == lower(run->map(true, layer, head), run->T));
        // One colour scale: the same range on both sides, covering both maps.
        QCOMPARE(left.vmin, right.vmin);
        QCOMPARE(left.vmax, right.vmax);
        float largest = 0;
        for (const auto* f : {&left, &right})
            for (float v : lower(*f))
                largest = std::max(largest, v);
        QVERIFY(std::abs(left.vmax - static_cast<double>(largest)) < 1e-6);

        // The export holds both maps: wider than one map's export.
        QTemporaryDir dir;
        QVERIFY(w.exportHeatmap(dir.filePath("pair.png")));
        side->stop();
        QVERIFY(side->canvas()->isHidden());
        QVERIFY(w.findChild<QCheckBox*>("showDiff")->isEnabled());
        QVERIFY(w.exportHeatmap(dir.filePath("one.png")));
        QVERIFY(QImage(dir.filePath("pair.png")).width() > 2 * QImage(dir.filePath("one.png")).width());
    }

    void anotherModelRunsTheSamePrompt() {
        const QString sigmoid = kAssets + "/sigmoid";
        QVERIFY2(QFileInfo::exists(sigmoid + "/config.json"), qPrintable(sigmoid));
        MainWindow w(kStories, kPrompt);
        w.resize(1400, 900);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        auto* side = w.sideBySide();
        w.compareWithModel(sigmoid);
        QCOMPARE(side->mode(), SideBySide::Mode::Model);
        QTRY_VERIFY_WITH_TIMEOUT(side->run() != nullptr, 60000);
        QCOMPARE(side->run()->ids, w.lastRun()->ids); // the same prompt
        // stories260K has 8 heads, the sigmoid model 6: head 7 is shown as the other model's head 5.
        w.selectHead(1, 7);
        const HeatmapFigure& right = side->canvas()->figure();
        QVERIFY2(QString::fromStdString(right.title).contains("sigmoid · layer 1 · head 5"),
                 right.title.c_str());
        QVERIFY2(QString::fromStdString(right.title).contains("it has 6 × 6 heads"), right.title.c_str());
        QVERIFY(lower(right) == lower(side->run()->map(true, 1, 5), side->run()->T));
        QCOMPARE(w.heatmap()->figure().vmax, right.vmax);

        // A new prompt and an intervention go through both models.
        w.setPrompt("ids: 1, 461, 392, 284, 265");
        QTRY_VERIFY_WITH_TIMEOUT(side->run() && side->run()->T == 5 && w.lastRun()->T == 5, 60000);
        w.interventions()->suppressBox()->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(side->run() && !side->run()->interventions.empty(), 60000);
        QVERIFY(side->error().isEmpty());

        // A model that cannot be opened: its side says why, the window's own run is untouched.
        QTemporaryDir dir;
        w.compareWithModel(dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(!side->error().isEmpty(), 30000);
        QVERIFY2(QString::fromStdString(side->canvas()->figure().title).contains(side->error().left(20)),
                 side->canvas()->figure().title.c_str());
        QVERIFY(w.lastRun() != nullptr);
        QVERIFY(w.errorShown().isEmpty());
    }

    void classroomScenarioSixShowsBothModels() {
        const QString defaultModel = kAssets + "/default";
        MainWindow w(defaultModel, "The cat sat on the mat.");
        w.setPersistLayout(false);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        const bool fixedBefore = w.fixedRange()->isChecked();
        auto* classroom = w.classroom();
        classroom->enter();
        classroom->go(5);
        auto* side = w.sideBySide();
        QCOMPARE(side->mode(), SideBySide::Mode::Model);
        QVERIFY(side->modelPath().endsWith("sigmoid"));
        QCOMPARE(w.modelPath(), defaultModel); // the softmax model stays on the left
        QVERIFY(w.fixedRange()->isChecked());  // 0-1 on both sides
        QTRY_VERIFY_WITH_TIMEOUT(side->run() != nullptr && !w.busy(), 60000);
        // The same prompt on both sides (each model's own tokenizer splits it: the text matches).
        auto text = [](const RunView& r) {
            std::string t;
            for (const auto& piece : r.tokens)
                t += piece;
            return t;
        };
        QTRY_VERIFY_WITH_TIMEOUT(text(*side->run()) == text(*w.lastRun()), 60000);
        QCOMPARE(w.heatmap()->figure().vmin, 0.0);
        QCOMPARE(side->canvas()->figure().vmax, 1.0);
        // The lesson itself: the softmax model's strongest head parks far more on token 0.
        double softmaxBest = 0, sigmoidBest = 0;
        for (const auto& l : w.lastRun()->alpha0)
            for (double a : l)
                softmaxBest = std::max(softmaxBest, a);
        for (const auto& l : side->run()->alpha0)
            for (double a : l)
                sigmoidBest = std::max(sigmoidBest, a);
        QVERIFY2(softmaxBest > 3 * sigmoidBest,
                 qPrintable(QString("%1 vs %2").arg(softmaxBest).arg(sigmoidBest)));
        if (!sinkscope::test::screenshotDir().isEmpty())
            w.grab().save(sinkscope::test::screenshotDir() + "/classroom-side-by-side.png");
        classroom->go(0);
        QCOMPARE(side->mode(), SideBySide::Mode::Off);
        QCOMPARE(w.fixedRange()->isChecked(), fixedBefore);
        classroom->go(5);
        classroom->leave();
        QCOMPARE(side->mode(), SideBySide::Mode::Off);
        QCOMPARE(w.fixedRange()->isChecked(), fixedBefore);
    }
};

SINKSCOPE_GUI_TEST(SideBySideTest)
#include "test_side_by_side.moc"
