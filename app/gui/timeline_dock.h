#pragma once
// TimelineDock: the sink timeline of a training run (the desktop twin of `sinkscope-cli
// timeline`): a scrubber over its checkpoints showing the layer × head alpha_0 map at that step,
// and the losses and Sink^0.3 over steps with the current step marked. Left/Right step through
// checkpoints. The timeline comes from a run directory (timeline.json) or from a trace file
// (`train --trace`, `timeline --run DIR --trace FILE`). A run still training is followed: new
// checkpoints appear as the trainer writes timeline.json or the trace (both are only read here).
#include "figures/figures.h"
#include "trace/timeline_file.h"
#include "trace/timeline_source.h"

#include <QDockWidget>
#include <vector>

class QFileSystemWatcher;
class QLabel;
class QSlider;
class QToolButton;
class QTimer;

namespace sinkscope {
class CurvePlot;
class HeadGrid;
} // namespace sinkscope

namespace sinkscope::gui {

class TimelineDock : public QDockWidget {
    Q_OBJECT
public:
    explicit TimelineDock(QWidget* parent = nullptr);

    // Reads runDir/timeline.json; on failure keeps what was shown and emits failed(message).
    bool openRun(const QString& runDir);
    // Reads timeline `name` of a trace file; an empty name opens the file's only timeline or, when
    // it holds several, asks which. Failures as for openRun.
    bool openTrace(const QString& tracePath, const QString& name = {});
    QString runDir() const { return m_dir; }
    QString traceName() const { return m_traceName; }
    const std::vector<TimelinePoint>& points() const { return m_points; }
    int currentIndex() const;
    void setCurrentIndex(int index);

    // Another run's Sink^0.3 drawn dashed beside this one's, at equal training tokens (a weaker
    // recipe, a sigmoid twin): `timeline --curves FILE --versus SOURCE` draws the same. A run
    // directory or a trace's timeline; failures as for openRun, keeping the earlier comparison.
    bool compareWith(const TimelineSource& source);
    void clearComparison();
    const std::vector<TimelinePoint>& comparison() const { return m_versus; }

    // The alpha_0 map at the current checkpoint, as `timeline --step S --out FILE` draws it.
    HeatmapFigure alpha0Figure() const;
    bool exportAlpha0(const QString& path);

    QSlider* slider() const { return m_slider; }
    // Plays the checkpoints in order (from the first when at the last), one every `intervalMs`, so
    // a class watches the sink emerge; pressing again pauses. Stops at the last checkpoint.
    void togglePlay();
    bool playing() const;
    QToolButton* playButton() const { return m_play; }
    void setPlayInterval(int intervalMs);
    HeadGrid* grid() const { return m_grid; }
    CurvePlot* lossPlot() const { return m_loss; }
    CurvePlot* sinkPlot() const { return m_sink; }

Q_SIGNALS:
    void stepShown(int index);
    void failed(const QString& message);

private:
    void chooseRun();
    void chooseTrace();
    void chooseComparison(bool fromTrace);
    // The points of the open source (run directory or trace timeline).
    Result<std::vector<TimelinePoint>> readPoints() const;
    bool adopt(std::vector<TimelinePoint> points, const QString& where, const QString& label);
    bool fail(const QString& message);
    void reload();
    void refresh();
    void showPoint(int index);

    QString m_dir;       // a run directory, or
    QString m_tracePath; // a trace file and
    QString m_traceName; // the timeline's name in it
    QString m_label;     // the run's name in the figure's title
    std::vector<TimelinePoint> m_points;
    std::vector<TimelinePoint> m_versus; // the comparison's points, or none
    QString m_versusLabel;
    QToolButton* m_compare = nullptr;
    QLabel *m_runLabel = nullptr, *m_stepLabel = nullptr;
    QSlider* m_slider = nullptr;
    QToolButton* m_play = nullptr;
    QTimer* m_player = nullptr;
    void stepPlayer();
    HeadGrid* m_grid = nullptr;
    CurvePlot *m_loss = nullptr, *m_sink = nullptr;
    QFileSystemWatcher* m_watcher = nullptr;
    QTimer* m_tracePoll = nullptr;
    QString m_traceStamp;
};

} // namespace sinkscope::gui
