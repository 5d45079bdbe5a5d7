// What a toggle allocates: an intervention that starts at layer l gives the shown run maps of layers
// l.. only; the layers before it are read from the unmodified run's shared buffer (the very same
// memory), and every map still equals a pass computed from scratch under the intervention.
#include "engine_worker.h"
#include "gui_test_registry.h"
#include "model/model.h"
#include "session/capture.h"
#include "session/prompt_input.h"

#include <QSignalSpy>
#include <QTest>
#include <cmath>

using sinkscope::gui::EngineWorker;
using sinkscope::gui::RunViewPtr;

namespace {
const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
const QString kPrompt = "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264";
} // namespace

class ToggleMemoryTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aToggleHoldsOnlyTheLayersItRecomputes() {
        EngineWorker worker; // driven on this thread: its slots are called directly
        worker.loadModel(kStories, false);
        QSignalSpy finished(&worker, &EngineWorker::runFinished);
        worker.run(kPrompt, {}, 0, 0);
        QCOMPARE(finished.size(), 1);
        const auto base = finished.back().at(0).value<RunViewPtr>();
        const int L = base->layers, H = base->heads;
        const auto T = base->T;
        const auto perLayer = static_cast<std::size_t>(H * T * T);
        QCOMPARE(base->baseAttention->size(), static_cast<std::size_t>(L) * perLayer);
        QVERIFY(base->attention == base->baseAttention); // no interventions: nothing more held

        worker.run(kPrompt, {"suppress:layers=3-4"}, 0, 0);
        QCOMPARE(finished.size(), 2);
        const auto part = finished.back().at(0).value<RunViewPtr>();
        QCOMPARE(part->intervenedFrom, 3);
        QCOMPARE(part->attention->size(), static_cast<std::size_t>(L - 3) * perLayer);
        QVERIFY(part->baseAttention == base->baseAttention);
        for (int h = 0; h < H; ++h) {
            QVERIFY(part->map(true, 2, h) == part->map(false, 2, h)); // the same memory, not a copy
            QVERIFY(part->map(true, 3, h) != part->map(false, 3, h));
        }

        // Every map of the shown run equals a pass from scratch under the intervention.
        auto model = sinkscope::Model::load(kStories.toStdString());
        QVERIFY(model.ok());
        auto ids = sinkscope::promptBoxIds(**model, kPrompt.toStdString());
        auto ivs = sinkscope::parseInterventionList({"suppress:layers=3-4"}, "");
        QVERIFY(ids.ok() && ivs.ok());
        sinkscope::AttentionRecorder fresh(L, H);
        QVERIFY((*model)->forward(*ids, &fresh, false, *ivs).ok());
        double worst = 0;
        for (int l = 0; l < L; ++l)
            for (int h = 0; h < H; ++h) {
                const auto want = fresh.matrix(l, h, T);
                const float* got = part->map(true, l, h);
                for (std::int64_t i = 0; i < T * T; ++i)
                    worst = std::max(
                        worst, static_cast<double>(std::abs(got[i] - want[static_cast<std::size_t>(i)])));
            }
        QVERIFY2(worst < 1e-5, qPrintable(QString("largest difference %1").arg(worst)));
        QVERIFY(part->map(true, 4, 0)[T] < 1e-6); // row 1 of a suppressed head: nothing on token 0

        // An intervention from layer 0 recomputes (and holds) every layer.
        worker.run(kPrompt, {"suppress"}, 0, 0);
        const auto all = finished.back().at(0).value<RunViewPtr>();
        QCOMPARE(all->intervenedFrom, 0);
        QCOMPARE(all->attention->size(), static_cast<std::size_t>(L) * perLayer);
    }
};

SINKSCOPE_GUI_TEST(ToggleMemoryTest)
#include "test_toggle_memory.moc"
