// The training timeline over a small timeline.json made here: the scrubber shows each
// checkpoint's alpha_0 map and marks it on the loss and Sink^0.3 curves, Left/Right step, the map
// exports, and a checkpoint the trainer adds later appears by itself.
#include "gui_test_registry.h"
#include "main_window.h"
#include "timeline_dock.h"
#include "views/curve_plot.h"
#include "views/head_grid.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using sinkscope::gui::TimelineDock;

namespace {

// The format the trainer writes (engine/train/trainer.cpp): {"probe": {...}, "points": [...]}.
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
};

SINKSCOPE_GUI_TEST(TimelineDockTest)
#include "test_timeline_dock.moc"
