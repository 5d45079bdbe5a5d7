// Esc during the pass over a prompt: the worker stops at the next layer, says "cancelled" and
// hands no result; the prompt it had prepared before is still there for the next run.
#include "engine_worker.h"
#include "gui_test_registry.h"

#include <QSignalSpy>
#include <QTest>

using sinkscope::gui::EngineWorker;

namespace {
const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
const QString kPrompt = "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264";
const QString kOther = "ids: 1, 461, 392, 284, 265";
} // namespace

class WorkerCancelTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void escStopsThePassAndKeepsThePreparedPrompt() {
        EngineWorker worker; // driven on this thread: its slots are called directly
        QSignalSpy loaded(&worker, &EngineWorker::modelLoaded);
        worker.loadModel(kStories, false);
        QCOMPARE(loaded.size(), 1);
        QSignalSpy finished(&worker, &EngineWorker::runFinished);
        QSignalSpy cancelled(&worker, &EngineWorker::cancelled);
        worker.run(kPrompt, {}, 0, 0);
        QCOMPARE(finished.size(), 1);

        // The user presses Esc once the pass over a new prompt reached state 1.
        int lastState = -1;
        const auto c = connect(&worker, &EngineWorker::passProgress, this, [&](int state, int, qint64) {
            lastState = state;
            if (state == 1) worker.cancel();
        });
        worker.run(kOther, {}, 0, 0);
        disconnect(c);
        QCOMPARE(cancelled.size(), 1);
        QCOMPARE(finished.size(), 1); // no result for the cancelled run
        QVERIFY2(lastState >= 1 && lastState < 5, qPrintable(QString("last state %1").arg(lastState)));

        // The earlier prompt is still prepared: an intervention on it recomputes as usual.
        worker.run(kPrompt, {"suppress"}, 0, 0);
        QCOMPARE(finished.size(), 2);
        const auto view = finished.back().at(0).value<sinkscope::gui::RunViewPtr>();
        QCOMPARE(view->T, std::int64_t(13));
        QCOMPARE(view->interventions.size(), std::size_t(1));
    }
};

SINKSCOPE_GUI_TEST(WorkerCancelTest)
#include "test_worker_cancel.moc"
