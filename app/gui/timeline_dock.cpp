#include "timeline_dock.h"

#include "figures/figure_builders.h"
#include "metrics/method_defaults.h"
#include "trace/trace_store.h"
#include "views/curve_plot.h"
#include "views/head_grid.h"

#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QShortcut>
#include <QSlider>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

namespace sinkscope::gui {

namespace {

// Changes whenever a writer commits to the trace (sizes and times of the file and its WAL).
QString traceStamp(const QString& path) {
    QString stamp;
    for (const QString& f : {path, path + "-wal"}) {
        const QFileInfo info(f);
        stamp += QString("%1:%2;")
                     .arg(info.exists() ? info.size() : -1)
                     .arg(info.lastModified().toMSecsSinceEpoch());
    }
    return stamp;
}

// The timeline to read from a trace file: its only one, or the one the user picks from its list;
// an empty name when the user cancels; an error when the file holds none.
Result<QString> pickTimeline(QWidget* parent, const QString& tracePath, const TraceStore& store) {
    auto list = store.listTimelines();
    if (!list) return list.error();
    if (list->empty()) return Error{tracePath.toStdString() + ": holds no training timelines"};
    QStringList names;
    for (const auto& t : *list)
        names << QString::fromStdString(t.name);
    if (names.size() == 1) return names.front();
    bool ok = false;
    const QString name = QInputDialog::getItem(
        parent, "Training timeline", "Timelines in " + QFileInfo(tracePath).fileName(), names, 0, false, &ok);
    return ok ? name : QString();
}

// How much the checkpoint leans on its sink, when the run measured it (train --heldout), as the
// CLI's timeline table prints it: the StreamingLLM ratio and the suppression KL.
QString lessonText(const TimelinePoint& p) {
    QString text;
    if (p.streamPplWindow && p.streamPplSinks && *p.streamPplSinks > 0)
        text += QString(" · StreamingLLM ratio %1").arg(*p.streamPplWindow / *p.streamPplSinks, 0, 'f', 3);
    if (p.suppressionKl) text += QString(" · suppression KL %1 nats").arg(*p.suppressionKl, 0, 'f', 3);
    return text;
}

} // namespace

TimelineDock::TimelineDock(QWidget* parent) : QDockWidget("Training timeline", parent) {
    setObjectName("timelineDock");
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    auto* top = new QHBoxLayout;
    auto* open = new QPushButton("Open run…");
    open->setToolTip("A training run directory (timeline.json), as `sinkscope-cli timeline --run DIR` reads");
    connect(open, &QPushButton::clicked, this, &TimelineDock::chooseRun);
    auto* openTraceButton = new QPushButton("From trace…");
    openTraceButton->setToolTip("A training timeline stored in a trace file (train --trace FILE), as "
                                "`timeline --trace FILE --name N` reads");
    connect(openTraceButton, &QPushButton::clicked, this, &TimelineDock::chooseTrace);
    m_runLabel = new QLabel("no training run");
    auto* exportButton = new QPushButton("Export map…");
    exportButton->setToolTip("The α₀ map at this step as PNG/SVG/PDF (timeline --step S --out FILE)");
    connect(exportButton, &QPushButton::clicked, this, [this] {
        if (m_points.empty()) return;
        const QString path = QFileDialog::getSaveFileName(
            this, "Export the α₀ map",
            QString("alpha0_step%1.png").arg(m_points[static_cast<std::size_t>(currentIndex())].step),
            "Figures (*.png *.svg *.pdf)");
        if (!path.isEmpty()) exportAlpha0(path);
    });
    m_compare = new QToolButton;
    m_compare->setObjectName("timelineCompare");
    m_compare->setText("Compare with");
    m_compare->setPopupMode(QToolButton::InstantPopup);
    m_compare->setToolTip("Another run's Sink^0.3 beside this one's at equal training tokens "
                          "(timeline --curves FILE --versus SOURCE)");
    auto* menu = new QMenu(m_compare);
    menu->addAction("A run directory…", this, [this] { chooseComparison(false); });
    menu->addAction("A timeline in a trace…", this, [this] { chooseComparison(true); });
    menu->addAction("No comparison", this, &TimelineDock::clearComparison);
    m_compare->setMenu(menu);
    top->addWidget(open);
    top->addWidget(openTraceButton);
    top->addWidget(m_runLabel, 1);
    top->addWidget(m_compare);
    top->addWidget(exportButton);
    v->addLayout(top);

    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setRange(0, 0);
    m_slider->setPageStep(1);
    m_slider->setTickPosition(QSlider::TicksBelow);
    m_slider->setToolTip("Checkpoints (Left/Right step)");
    connect(m_slider, &QSlider::valueChanged, this, &TimelineDock::showPoint);
    m_stepLabel = new QLabel;
    m_stepLabel->setObjectName("timelineStep");
    m_stepLabel->setWordWrap(true); // with the lesson figures it is longer than a narrow panel
    m_play = new QToolButton;
    m_play->setObjectName("timelinePlay");
    m_play->setText("▶ Play");
    m_play->setToolTip("Play the checkpoints in order: the sink emerging as training goes on (P)");
    m_play->setShortcut(QKeySequence(Qt::Key_P));
    m_play->setEnabled(false);
    connect(m_play, &QToolButton::clicked, this, &TimelineDock::togglePlay);
    m_player = new QTimer(this);
    m_player->setInterval(600);
    connect(m_player, &QTimer::timeout, this, &TimelineDock::stepPlayer);
    auto* scrub = new QHBoxLayout;
    scrub->addWidget(m_play);
    scrub->addWidget(m_slider, 1);
    v->addLayout(scrub);
    v->addWidget(m_stepLabel);

    m_grid = new HeadGrid;
    m_grid->setFocusPolicy(Qt::NoFocus); // arrows belong to the scrubber here
    m_grid->setCurrent(-1, -1);
    m_grid->setToolTip("α₀ per (layer, head) at this checkpoint, mean over the probe sequences");
    m_loss = new CurvePlot;
    m_sink = new CurvePlot;
    for (auto* plot : {m_loss, m_sink})
        connect(plot, &CurvePlot::picked, m_slider, &QSlider::setValue);
    auto* maps = new QGridLayout;
    maps->addWidget(m_grid, 0, 0, 2, 1);
    maps->addWidget(m_loss, 0, 1);
    maps->addWidget(m_sink, 1, 1);
    maps->setColumnStretch(0, 1);
    maps->setColumnStretch(1, 1);
    v->addLayout(maps, 1);
    setWidget(body);

    for (auto [key, delta] : {std::pair{Qt::Key_Left, -1}, std::pair{Qt::Key_Right, 1}}) {
        auto* s = new QShortcut(QKeySequence(key), this);
        s->setContext(Qt::WidgetWithChildrenShortcut);
        connect(s, &QShortcut::activated, this,
                [this, delta = delta] { setCurrentIndex(currentIndex() + delta); });
    }
    m_watcher = new QFileSystemWatcher(this);
    // The trainer replaces timeline.json by a rename, which a watch on the file itself loses.
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, &TimelineDock::reload);
    // A trace changes in its -wal file, which SQLite creates and removes as connections come and
    // go (ours included): its size and time are polled instead of watched.
    m_tracePoll = new QTimer(this);
    m_tracePoll->setInterval(1000);
    connect(m_tracePoll, &QTimer::timeout, this, [this] {
        if (const auto now = traceStamp(m_tracePath); now != m_traceStamp) reload();
    });
}

void TimelineDock::chooseRun() {
    const QString dir = QFileDialog::getExistingDirectory(this, "Open a training run directory", m_dir);
    if (!dir.isEmpty() && !openRun(dir)) QMessageBox::warning(this, "Training timeline", m_stepLabel->text());
}

void TimelineDock::chooseTrace() {
    const QString path =
        QFileDialog::getOpenFileName(this, "Open a training timeline from a trace file", m_tracePath,
                                     "Trace files (*.sqlite *.db);;All files (*)");
    if (!path.isEmpty() && !openTrace(path))
        QMessageBox::warning(this, "Training timeline", m_stepLabel->text());
}

void TimelineDock::chooseComparison(bool fromTrace) {
    TimelineSource source;
    if (fromTrace) {
        const QString path = QFileDialog::getOpenFileName(this, "Compare with a timeline in a trace file", {},
                                                          "Trace files (*.sqlite *.db);;All files (*)");
        if (path.isEmpty()) return;
        auto store = TraceStore::openReadOnly(path.toStdString());
        auto name = store ? pickTimeline(this, path, **store) : Result<QString>(store.error());
        if (!name) {
            QMessageBox::warning(this, "Training timeline", QString::fromStdString(name.error().message));
            return;
        }
        if (name->isEmpty()) return; // cancelled
        source = {{}, path.toStdString(), name->toStdString(), name->toStdString()};
    } else {
        const QString dir = QFileDialog::getExistingDirectory(this, "Compare with a training run directory");
        if (dir.isEmpty()) return;
        auto parsed = parseTimelineSource(dir.toStdString());
        if (!parsed) {
            QMessageBox::warning(this, "Training timeline", QString::fromStdString(parsed.error().message));
            return;
        }
        source = *parsed;
    }
    if (!compareWith(source)) QMessageBox::warning(this, "Training timeline", m_stepLabel->text());
}

bool TimelineDock::compareWith(const TimelineSource& source) {
    auto points = loadTimelineSource(source);
    if (!points) return fail(QString::fromStdString(points.error().message));
    m_versus = std::move(*points);
    m_versusLabel = QString::fromStdString(source.label);
    m_compare->setText("Compare: " + m_versusLabel);
    refresh();
    return true;
}

void TimelineDock::clearComparison() {
    m_versus.clear();
    m_versusLabel.clear();
    m_compare->setText("Compare with");
    refresh();
}

bool TimelineDock::fail(const QString& message) {
    m_stepLabel->setText(message);
    Q_EMIT failed(message);
    return false;
}

Result<std::vector<TimelinePoint>> TimelineDock::readPoints() const {
    if (!m_dir.isEmpty()) return readTimeline(m_dir.toStdString());
    auto store = TraceStore::openReadOnly(m_tracePath.toStdString());
    if (!store) return store.error();
    return (*store)->loadTimeline(m_traceName.toStdString());
}

bool TimelineDock::openRun(const QString& runDir) {
    auto points = readTimeline(runDir.toStdString());
    if (points && points->empty()) return fail(runDir + "/timeline.json: holds no checkpoints yet");
    if (!points) return fail(QString::fromStdString(points.error().message));
    if (!m_dir.isEmpty()) m_watcher->removePath(m_dir);
    m_tracePoll->stop();
    m_dir = runDir;
    m_tracePath.clear();
    m_traceName.clear();
    m_watcher->addPath(runDir);
    return adopt(std::move(*points), runDir, QFileInfo(runDir).fileName());
}

bool TimelineDock::openTrace(const QString& tracePath, const QString& name) {
    auto store = TraceStore::openReadOnly(tracePath.toStdString());
    if (!store) return fail(QString::fromStdString(store.error().message));
    QString chosen = name;
    if (chosen.isEmpty()) {
        auto picked = pickTimeline(this, tracePath, **store);
        if (!picked) return fail(QString::fromStdString(picked.error().message));
        if (picked->isEmpty()) return false; // the user cancelled the choice
        chosen = *picked;
    }
    auto points = (*store)->loadTimeline(chosen.toStdString());
    if (!points) return fail(QString::fromStdString(points.error().message));
    store->reset();
    if (!m_dir.isEmpty()) m_watcher->removePath(m_dir);
    m_dir.clear();
    m_tracePath = tracePath;
    m_traceName = chosen;
    m_tracePoll->start();
    return adopt(std::move(*points), tracePath + " · " + chosen, chosen);
}

bool TimelineDock::adopt(std::vector<TimelinePoint> points, const QString& where, const QString& label) {
    m_label = label;
    m_runLabel->setText(label);
    m_runLabel->setToolTip(where);
    m_points = std::move(points);
    refresh();
    setCurrentIndex(static_cast<int>(m_points.size()) - 1);
    return true;
}

// Re-reads the timeline (also on a new checkpoint).
void TimelineDock::reload() {
    if (m_dir.isEmpty() && m_tracePath.isEmpty()) return;
    if (auto points = readPoints(); points && !points->empty()) m_points = std::move(points.value());
    // else: a half-written file between the trainer's write and rename, or a trace busy for
    // longer than its timeout; keep the last good read.
    refresh();
}

// Draws m_points; at the last checkpoint, follows to the newest.
void TimelineDock::refresh() {
    if (!m_tracePath.isEmpty()) m_traceStamp = traceStamp(m_tracePath); // after our own connection closed
    const bool atEnd = currentIndex() == m_slider->maximum();
    m_play->setEnabled(m_points.size() > 1);
    std::vector<double> steps, train, val, probe, sink;
    for (const auto& p : m_points) {
        steps.push_back(static_cast<double>(p.step));
        // Before the first step the smoothed training loss does not exist yet (recorded as 0).
        train.push_back(p.step == 0 && p.trainLoss == 0 ? NAN : p.trainLoss);
        val.push_back(p.valLoss);
        probe.push_back(p.probeLoss);
        sink.push_back(p.sinkRate);
    }
    m_loss->setData(steps,
                    {{"train", QColor(31, 119, 180), train},
                     {"validation", QColor(255, 127, 14), val},
                     {"probe", QColor(44, 160, 44), probe}},
                    "loss (nats/token)");
    std::vector<CurvePlot::Series> sinks{{"Sink^0.3", QColor(214, 39, 40), sink}};
    // The comparison on this run's step axis at equal tokens: this run's tokens per step.
    const TimelinePoint* last = m_points.empty() ? nullptr : &m_points.back();
    if (!m_versus.empty() && last && last->step > 0 && last->tokens > 0) {
        const double tokensPerStep = static_cast<double>(last->tokens) / static_cast<double>(last->step);
        CurvePlot::Series other{m_versusLabel + " (equal tokens)", QColor(120, 120, 120), {}, {}};
        for (const auto& p : m_versus) {
            other.x.push_back(static_cast<double>(p.tokens) / tokensPerStep);
            other.y.push_back(p.sinkRate);
        }
        sinks.push_back(std::move(other));
    }
    m_sink->setData(steps, std::move(sinks), "% of (probe, layer, head)");
    const int keep = currentIndex();
    {
        const QSignalBlocker quiet(m_slider);
        m_slider->setRange(0, static_cast<int>(m_points.size()) - 1);
    }
    showPoint(atEnd ? m_slider->maximum() : std::min(keep, m_slider->maximum()));
}

int TimelineDock::currentIndex() const {
    return m_slider->value();
}

void TimelineDock::togglePlay() {
    if (m_player->isActive()) {
        m_player->stop();
    } else if (m_points.size() > 1) {
        if (currentIndex() >= m_slider->maximum()) setCurrentIndex(0); // replay from the start
        m_player->start();
    }
    m_play->setText(m_player->isActive() ? "❚❚ Pause" : "▶ Play");
}

bool TimelineDock::playing() const {
    return m_player->isActive();
}

void TimelineDock::setPlayInterval(int intervalMs) {
    m_player->setInterval(intervalMs);
}

void TimelineDock::stepPlayer() {
    if (currentIndex() >= m_slider->maximum()) {
        togglePlay(); // at the last checkpoint: stop
        return;
    }
    setCurrentIndex(currentIndex() + 1);
}

void TimelineDock::setCurrentIndex(int index) {
    if (m_points.empty()) return;
    index = std::clamp(index, 0, static_cast<int>(m_points.size()) - 1);
    if (index == m_slider->value())
        showPoint(index);
    else
        m_slider->setValue(index); // showPoint via valueChanged
}

void TimelineDock::showPoint(int index) {
    if (index < 0 || index >= static_cast<int>(m_points.size())) return;
    if (m_slider->value() != index) {
        const QSignalBlocker quiet(m_slider);
        m_slider->setValue(index);
    }
    const TimelinePoint& p = m_points[static_cast<std::size_t>(index)];
    m_grid->setValues(p.alpha0, kSinkEpsilon);
    m_loss->setCurrent(index);
    m_sink->setCurrent(index);
    m_stepLabel->setText(QString("checkpoint %1 of %2 · step %3 · %4 M tokens · validation loss %5 · "
                                 "Sink<sup>0.3</sup> %6 %")
                             .arg(index + 1)
                             .arg(m_points.size())
                             .arg(p.step)
                             .arg(static_cast<double>(p.tokens) / 1e6, 0, 'f', 2)
                             .arg(p.valLoss, 0, 'f', 3)
                             .arg(p.sinkRate, 0, 'f', 1) +
                         lessonText(p));
    Q_EMIT stepShown(index);
}

HeatmapFigure TimelineDock::alpha0Figure() const {
    const TimelinePoint& p = m_points.at(static_cast<std::size_t>(currentIndex()));
    return timelineAlpha0Figure(p.alpha0, m_label.toStdString(), p.step, p.sinkRate);
}

bool TimelineDock::exportAlpha0(const QString& path) {
    if (m_points.empty()) return false;
    if (auto st = writeHeatmap(alpha0Figure(), path.toStdString()); !st) {
        const QString message = QString::fromStdString(st.error().message);
        m_stepLabel->setText(message);
        Q_EMIT failed(message);
        return false;
    }
    m_stepLabel->setText("wrote " + path);
    return true;
}

} // namespace sinkscope::gui
