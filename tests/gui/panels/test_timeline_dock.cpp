// The training timeline over a small timeline.json made here: the scrubber shows each
// checkpoint's alpha_0 map and marks it on the loss and Sink^0.3 curves, Left/Right step, the map
// exports, and a checkpoint the trainer adds later appears by itself; the same from a trace file.
#include "gui_test_registry.h"
#include "main_window.h"
#include "timeline_dock.h"
#include "trace/trace_store.h"
#include "views/curve_plot.h"
#include "views/head_grid.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <cmath>

using sinkscope::gui::TimelineDock;

namespace {

// The format the trainer writes (engine/trace/timeline_file.cpp): {"probe": {...}, "points": [...]}.
QByteArray timelineJson(int checkpoints) {
    QByteArray points;
    for (int i = 0; i < checkpoints; ++i) {
        const double sink = 0.2 * i; // the sink head (L1, h0) grows with training
        points += QString(R"(%1{"step": %2, "tokens": %3, "train_loss": %4, "val_loss": %5, "probe_loss": %6,
            "sink_rate": %7, "alpha0": [[0.10, 0.12, 0.11], [%8, 0.10, 0.09]]})")
                      .arg(i ? "," : "")
                      .arg(i * 100)
                      .arg(i * 51200)
                      .arg(i ? 6.0 - i : 0.0)
                      .arg(6.5 - i)
                      .arg(6.6 - i)
                      .arg(100.0 * i / 6.0)
                      .arg(0.1 + sink)
                      .toUtf8();
    }
    return R"({"probe": {"count": 4, "length": 16, "bos": true, "eps": 0.3, "split": "validation"}, "points": [)" +
           points + "]}";
}

// Writes then renames, as the trainer does.
void writeTimeline(const QString& dir, int checkpoints) {
    QFile f(dir + "/timeline.json.tmp");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(timelineJson(checkpoints));
    f.close();
    QFile::remove(dir + "/timeline.json");
    QVERIFY(QFile::rename(dir + "/timeline.json.tmp", dir + "/timeline.json"));
}

// Checkpoint i of a timeline stored in a trace: the sink head (L1, h0) at 0.1 + 0.2 i.
sinkscope::TimelinePoint tracePoint(int i) {
    sinkscope::TimelinePoint p;
    p.step = 100 * i;
    p.tokens = 51200 * i;
    p.trainLoss = i ? 6.0 - i : 0.0;
    p.valLoss = 6.5 - i;
    p.probeLoss = 6.6 - i;
    p.sinkRate = 100.0 * i / 6.0;
    p.alpha0 = {{0.10, 0.12, 0.11}, {0.1 + 0.2 * i, 0.10, 0.09}};
    return p;
}

} // namespace

class TimelineDockTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { sinkscope::test::isolateSettings(); }

    void scrubsCheckpointsAndExports() {
        QTemporaryDir dir;
        writeTimeline(dir.path(), 4);
        TimelineDock dock;
        dock.resize(900, 360);
        dock.show();
        QVERIFY(dock.openRun(dir.path()));
        QCOMPARE(dock.points().size(), std::size_t(4));
        QCOMPARE(dock.currentIndex(), 3); // opens on the latest checkpoint
        QVERIFY(std::abs(dock.grid()->values()[1][0] - 0.7) < 1e-9);
        QCOMPARE(dock.lossPlot()->current(), 3);
        QCOMPARE(dock.sinkPlot()->current(), 3);
        QVERIFY(std::isnan(dock.lossPlot()->series()[0].y[0])); // no training loss before step 1

        dock.slider()->setFocus();
        QTest::keyClick(dock.slider(), Qt::Key_Left);
        QCOMPARE(dock.currentIndex(), 2);
        QVERIFY(std::abs(dock.grid()->values()[1][0] - 0.5) < 1e-9);
        QCOMPARE(dock.sinkPlot()->current(), 2);
        QTest::keyClick(dock.slider(), Qt::Key_Right);
        QTest::keyClick(dock.slider(), Qt::Key_Right); // clamps at the last checkpoint
        QCOMPARE(dock.currentIndex(), 3);
        dock.setCurrentIndex(1);
        QCOMPARE(dock.lossPlot()->current(), 1);

        QTemporaryDir out;
        for (const char* name : {"alpha0.png", "alpha0.svg"}) {
            QVERIFY(dock.exportAlpha0(out.filePath(name)));
            QVERIFY(QFile(out.filePath(name)).size() > 1000);
        }
        QVERIFY(QString::fromStdString(dock.alpha0Figure().title).contains("step 100"));
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty()) {
            dock.setCurrentIndex(3);
            dock.grab().save(shots + "/timeline_dock.png");
        }
    }

    // Another run's Sink^0.3 beside this one's, dashed, at equal training tokens: a run with twice
    // the tokens per step lands at twice the step; a trace's timeline too; a bad source keeps the
    // earlier comparison; "No comparison" removes it.
    void comparesWithAnotherRunAtEqualTokens() {
        QTemporaryDir dir, other;
        writeTimeline(dir.path(), 4); // 512 tokens per step
        QFile f(other.path() + "/timeline.json");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"probe": {"count": 4}, "points": [
            {"step": 0, "tokens": 0, "train_loss": 0, "val_loss": 6, "probe_loss": 6, "sink_rate": 0, "alpha0": [[0.1]]},
            {"step": 50, "tokens": 102400, "train_loss": 5, "val_loss": 5, "probe_loss": 5, "sink_rate": 40, "alpha0": [[0.5]]}]})");
        f.close();
        TimelineDock dock;
        dock.resize(900, 360);
        QVERIFY(dock.openRun(dir.path()));
        QCOMPARE(dock.sinkPlot()->series().size(), std::size_t(1));
        auto source = sinkscope::parseTimelineSource(other.path().toStdString());
        QVERIFY(source.ok());
        QVERIFY(dock.compareWith(*source));
        QCOMPARE(dock.sinkPlot()->series().size(), std::size_t(2));
        const auto& versus = dock.sinkPlot()->series()[1];
        QVERIFY(versus.name.startsWith(QFileInfo(other.path()).fileName()));
        QCOMPARE(versus.x, (std::vector<double>{0.0, 200.0})); // 102400 tokens = this run's step 200
        QCOMPARE(versus.y, (std::vector<double>{0.0, 40.0}));
        QCOMPARE(dock.sinkPlot()->current(), 3); // the scrubber still walks this run

        QSignalSpy failed(&dock, &TimelineDock::failed);
        QVERIFY(!dock.compareWith({other.path().toStdString() + "/none", {}, {}, "none"}));
        QCOMPARE(failed.count(), 1);
        QCOMPARE(dock.sinkPlot()->series().size(), std::size_t(2)); // the earlier comparison stays

        QTemporaryDir traceDir;
        const std::string trace = traceDir.filePath("t.sqlite").toStdString();
        {
            auto store = sinkscope::TraceStore::open(trace);
            QVERIFY(store.ok());
            QVERIFY((*store)->writeTimeline("older", {tracePoint(0), tracePoint(1), tracePoint(2)}).ok());
        }
        auto stored = sinkscope::parseTimelineSource(trace + ":older");
        QVERIFY(stored.ok());
        QVERIFY(dock.compareWith(*stored));
        QCOMPARE(dock.comparison().size(), std::size_t(3));
        QCOMPARE(dock.sinkPlot()->series()[1].x, (std::vector<double>{0.0, 100.0, 200.0}));

        dock.clearComparison();
        QCOMPARE(dock.sinkPlot()->series().size(), std::size_t(1));
        QVERIFY(dock.comparison().empty());
    }

    // A run trained with a held-out text records how much it leans on its sink; the step line says
    // so where a checkpoint has it, as `timeline` prints it, and says nothing where it does not.
    void showsTheLessonFiguresOfACheckpoint() {
        QTemporaryDir dir;
        QFile f(dir.path() + "/timeline.json");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"probe": {"count": 4}, "points": [
            {"step": 0, "tokens": 0, "train_loss": 0, "val_loss": 6, "probe_loss": 6, "sink_rate": 0, "alpha0": [[0.1]]},
            {"step": 50, "tokens": 102400, "train_loss": 5, "val_loss": 5, "probe_loss": 5, "sink_rate": 40,
             "alpha0": [[0.5]], "stream_ppl_window": 150.0, "stream_ppl_sinks": 120.0, "suppression_kl": 0.5}]})");
        f.close();
        TimelineDock dock;
        QVERIFY(dock.openRun(dir.path()));
        auto* step = dock.findChild<QLabel*>("timelineStep");
        QVERIFY(step);
        QVERIFY2(step->text().contains("StreamingLLM ratio 1.250 · suppression KL 0.500 nats"),
                 qPrintable(step->text()));
        dock.setCurrentIndex(0);
        QVERIFY2(!step->text().contains("StreamingLLM"), qPrintable(step->text()));
    }

    // Play steps through the checkpoints from the first (when at the last) and stops at the last;
    // pressed while playing, it pauses.
    void playsTheCheckpointsInOrder() {
        QTemporaryDir dir;
        writeTimeline(dir.path(), 4);
        TimelineDock dock;
        dock.show();
        QVERIFY(!dock.playButton()->isEnabled());
        QVERIFY(dock.openRun(dir.path()));
        QVERIFY(dock.playButton()->isEnabled() && !dock.playButton()->toolTip().isEmpty());
        dock.setPlayInterval(20);
        QSignalSpy steps(&dock, &TimelineDock::stepShown);
        dock.playButton()->click();
        QVERIFY(dock.playing());
        QVERIFY(dock.playButton()->text().contains("Pause"));
        QTRY_VERIFY_WITH_TIMEOUT(!dock.playing(), 5000);
        QCOMPARE(dock.currentIndex(), 3);
        QList<int> shown;
        for (const auto& s : steps)
            shown << s.at(0).toInt();
        QCOMPARE(shown, (QList<int>{0, 1, 2, 3}));
        QVERIFY(dock.playButton()->text().contains("Play"));
        dock.playButton()->click(); // from the start again, then paused at once
        dock.playButton()->click();
        QVERIFY(!dock.playing());
        QVERIFY(dock.currentIndex() < 3);
    }

    void followsNewCheckpoints() {
        QTemporaryDir dir;
        writeTimeline(dir.path(), 2);
        TimelineDock dock;
        QVERIFY(dock.openRun(dir.path()));
        QCOMPARE(dock.currentIndex(), 1);
        writeTimeline(dir.path(), 3); // the trainer saves another checkpoint
        QTRY_COMPARE_WITH_TIMEOUT(dock.points().size(), std::size_t(3), 5000);
        QCOMPARE(dock.currentIndex(), 2); // it was at the end, so it follows
    }

    void theWindowsTimelineRequestOpensIt() {
        QTemporaryDir dir;
        writeTimeline(dir.path(), 3);
        sinkscope::gui::MainWindow w(QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin",
                                     "ids: 1, 2, 3");
        w.show();
        auto* dock = w.findChild<TimelineDock*>();
        QVERIFY(dock);
        Q_EMIT w.trainingTimelineRequested(dir.path()); // as View › classroom scenario 5 asks
        QCOMPARE(dock->points().size(), std::size_t(3));
        QTRY_VERIFY(!dock->visibleRegion().isEmpty()); // brought to the front
    }

    // Classroom scenario 5's request: the model's own timeline with its sigmoid twin's beside it;
    // asked again without one, the panel shows the model's alone.
    void theModelsTimelineComesWithItsTwinsWhenAsked() {
        const QString assets = QDir::cleanPath(QString(SINKSCOPE_TEST_DATA_DIR) + "/../../assets/models");
        sinkscope::gui::MainWindow w(assets + "/default", "Once upon a time");
        w.show();
        auto* dock = w.findChild<TimelineDock*>();
        QVERIFY(dock);
        w.showTrainingTimeline(assets + "/sigmoid");
        QVERIFY(!dock->points().empty());
        QVERIFY(!dock->comparison().empty());
        QCOMPARE(dock->sinkPlot()->series().size(), std::size_t(2));
        w.showTrainingTimeline({});
        QVERIFY(dock->comparison().empty());
        QCOMPARE(dock->sinkPlot()->series().size(), std::size_t(1));
    }

    void saysWhatIsWrongWithADirectory() {
        QTemporaryDir dir;
        TimelineDock dock;
        QSignalSpy failed(&dock, &TimelineDock::failed);
        QVERIFY(!dock.openRun(dir.path()));
        QCOMPARE(failed.count(), 1);
        QVERIFY(failed.takeFirst().at(0).toString().contains("timeline.json"));
        QFile f(dir.filePath("timeline.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"points\": [{\"step\": 1}]}");
        f.close();
        QVERIFY(!dock.openRun(dir.path()));
        QVERIFY(failed.takeFirst().at(0).toString().contains("timeline.json"));
    }

    void opensATimelineFromATraceAndFollowsIt() {
        QTemporaryDir dir;
        const QString path = dir.filePath("train.sqlite");
        auto store = sinkscope::TraceStore::open(path.toStdString());
        QVERIFY(store.ok());
        QVERIFY((*store)->writeTimeline("softmax", {tracePoint(0), tracePoint(1), tracePoint(2)}).ok());
        TimelineDock dock;
        QSignalSpy failed(&dock, &TimelineDock::failed);
        QVERIFY(dock.openTrace(path)); // its only timeline, without asking
        QCOMPARE(dock.traceName(), QString("softmax"));
        QCOMPARE(dock.points().size(), std::size_t(3));
        QCOMPARE(dock.currentIndex(), 2);
        QVERIFY(std::abs(dock.grid()->values()[1][0] - 0.5) < 1e-12);
        QVERIFY(QString::fromStdString(dock.alpha0Figure().title).contains("softmax"));

        // The trainer (another connection) stores the next checkpoint: the panel follows.
        QVERIFY((*store)->writeTimeline("softmax", {tracePoint(3)}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(dock.points().size(), std::size_t(4), 5000);
        QCOMPARE(dock.currentIndex(), 3);
        QVERIFY(std::abs(dock.grid()->values()[1][0] - 0.7) < 1e-12);
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty()) {
            dock.resize(900, 360);
            dock.show();
            QTest::qWait(100);
            dock.grab().save(shots + "/timeline_dock_trace.png");
        }

        QVERIFY((*store)->writeTimeline("sigmoid", {tracePoint(0)}).ok());
        QVERIFY(dock.openTrace(path, "sigmoid"));
        QCOMPARE(dock.points().size(), std::size_t(1));
        QVERIFY(!dock.openTrace(path, "nope"));
        QVERIFY(failed.takeFirst().at(0).toString().contains(
            "holds no timeline 'nope' (it holds 'sigmoid', 'softmax')"));
        QCOMPARE(dock.traceName(), QString("sigmoid")); // what was shown stays

        QFile text(dir.filePath("notes.txt"));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("not a database\n");
        text.close();
        QVERIFY(!dock.openTrace(text.fileName()));
        QVERIFY(failed.takeFirst().at(0).toString().contains("not a SinkScope trace file"));
        const QString empty = dir.filePath("empty.sqlite");
        QVERIFY(sinkscope::TraceStore::open(empty.toStdString()).ok());
        QVERIFY(!dock.openTrace(empty));
        QVERIFY(failed.takeFirst().at(0).toString().contains("holds no training timelines"));
    }
};

SINKSCOPE_GUI_TEST(TimelineDockTest)
#include "test_timeline_dock.moc"
