// The window's analysis docks and their wiring, kept apart from the main layout (main_window.cpp):
// each dock is its own class; this file only places them and connects them to the window, the
// views they mark and the engine worker.
#include "channels_dock.h"
#include "ctr_dock.h"
#include "engine_worker.h"
#include "image_dock.h"
#include "intervention_panel.h"
#include "main_window.h"
#include "mechanism_dock.h"
#include "picture_demo.h"
#include "runs_dock.h"
#include "span_dock.h"
#include "sweep_dock.h"
#include "timeline_dock.h"
#include "views/head_grid.h"
#include "views/heatmap_canvas.h"
#include "views/token_strip.h"

#include <QAction>
#include <QCheckBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTimer>
#include <algorithm>
#include <utility>

namespace sinkscope::gui {

void MainWindow::buildAnalysisDocks() {
    m_runs = new RunsDock(this);
    addDockWidget(Qt::BottomDockWidgetArea, m_runs);
    connect(m_runs, &RunsDock::showRun, this, &MainWindow::showStoredRun);
    connect(m_runs, &RunsDock::failed, this,
            [this](const QString& m) { statusBar()->showMessage(m, 10000); });
    connect(this, &MainWindow::startSaveTrace, m_worker, &EngineWorker::saveToTrace);
    connect(m_runs, &RunsDock::saveRequested, this, [this](const QString& path) {
        m_saving = true;
        m_runLabel->setText("saving to trace…");
        Q_EMIT startSaveTrace(path, m_prompt->toPlainText(), m_panel->specs(), m_maxNew->value());
    });
    connect(m_worker, &EngineWorker::traceSaved, m_runs, &RunsDock::runsSaved);
    connect(m_worker, &EngineWorker::traceSaved, this, [this] {
        m_saving = false;
        m_runLabel->setText("saved to trace");
    });
    // Runs computed but not stored stay with the worker: the dock offers to store them again.
    connect(m_worker, &EngineWorker::traceSaveFailed, m_runs, &RunsDock::saveFailed);
    connect(m_worker, &EngineWorker::traceSaveFailed, this, [this](const QString&, const QString& message) {
        m_saving = false;
        m_runLabel->setText("not saved");
        statusBar()->showMessage(message);
    });
    connect(m_runs, &RunsDock::retrySaveRequested, this, [this] {
        m_saving = true;
        m_runLabel->setText("saving to trace…");
        QMetaObject::invokeMethod(m_worker, &EngineWorker::retrySaveToTrace, Qt::QueuedConnection);
    });
    connect(m_worker, &EngineWorker::notice, this, [this](const QString& m) { statusBar()->showMessage(m); });
    auto* timeline = new TimelineDock(this);
    addDockWidget(Qt::BottomDockWidgetArea, timeline);
    tabifyDockWidget(m_runs, timeline);
    connect(timeline, &TimelineDock::failed, this,
            [this](const QString& m) { statusBar()->showMessage(m, 10000); });

    auto* channels = new ChannelsDock(m_strip, this);
    addDockWidget(Qt::BottomDockWidgetArea, channels);
    tabifyDockWidget(m_runs, channels);
    connect(this, &MainWindow::runShown, channels, [this, channels] { channels->setRun(m_last); });
    connect(channels, &ChannelsDock::hovered, this,
            [this](const QString& r) { statusBar()->showMessage(r); });

    auto* ctr = new CtrDock(m_strip, this);
    addDockWidget(Qt::BottomDockWidgetArea, ctr);
    tabifyDockWidget(m_runs, ctr);
    connect(this, &MainWindow::runShown, ctr, [this, ctr] { ctr->setRun(m_last); });
    connect(ctr, &CtrDock::requested, m_worker, &EngineWorker::catchTagRelease);
    connect(m_worker, &EngineWorker::ctrReady, ctr, &CtrDock::showScores);
    connect(m_grid, &HeadGrid::headActivated, ctr, &CtrDock::setHead);
    connect(m_heatmap, &HeatmapCanvas::headClicked, ctr, &CtrDock::setHead);

    auto* span = new SpanDock(m_strip, m_grid, m_panel, this);
    addDockWidget(Qt::BottomDockWidgetArea, span);
    tabifyDockWidget(m_runs, span);
    connect(this, &MainWindow::runShown, span, [this, span] { span->setRun(m_last); });

    // One query row from scores to weights (it sizes itself when it shows a row: growToFit).
    auto* mechanism = new MechanismDock(m_strip, this);
    addDockWidget(Qt::BottomDockWidgetArea, mechanism);
    tabifyDockWidget(m_runs, mechanism);
    connect(this, &MainWindow::runShown, mechanism, [this, mechanism] { mechanism->setRun(m_last); });
    connect(this, &MainWindow::headShown, mechanism, &MechanismDock::setHead);
    connect(mechanism, &MechanismDock::requested, m_worker, &EngineWorker::explainRow);
    connect(m_worker, &EngineWorker::rowExplained, mechanism, &MechanismDock::showRow);
    connect(mechanism, &MechanismDock::hovered, this, [this](const QString& r) {
        if (!r.isEmpty()) statusBar()->showMessage(r);
    });
    buildSweepDock();
    buildImageDock();
    m_runs->raise();
    // The side docks run full height and the analysis tabs sit under the heatmap only, opening
    // at about a third of the height (unless a saved layout is restored).
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    QTimer::singleShot(0, this, [this] {
        if (QSettings().value("window/state").toByteArray().isEmpty())
            resizeDocks({m_runs}, {std::max(170, height() / 5)}, Qt::Vertical);
    });

    // The menus' own trigger for the timeline (classroom scenario 5 among them).
    connect(this, &MainWindow::trainingTimelineRequested, timeline, [this, timeline](const QString& dir) {
        if (!timeline->openRun(dir)) return;
        timeline->show();
        timeline->raise();
        // Its grid and curves need room: two fifths of the window's height (the panel scrolls
        // rather than setting a minimum size).
        QTimer::singleShot(0, this,
                           [this, timeline] { resizeDocks({timeline}, {height() * 2 / 5}, Qt::Vertical); });
    });

    // File: save the current run next to the exports (View > Panels lists every dock).
    auto* save = new QAction("&Save run to trace…", this);
    save->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    connect(save, &QAction::triggered, m_runs, &RunsDock::saveCurrentRun);
    addToFileMenu(save);
}

void MainWindow::addToFileMenu(QAction* action) {
    for (QAction* menu : menuBar()->actions())
        if (menu->menu() && menu->text() == "&File") {
            QAction* quit = nullptr;
            for (QAction* a : menu->menu()->actions())
                if (a->text() == "&Quit") quit = a;
            menu->menu()->insertAction(quit, action);
            return;
        }
    addAction(action); // no File menu: still a window shortcut
}

void MainWindow::buildSweepDock() {
    m_sweep = new SweepDock(this);
    addDockWidget(Qt::BottomDockWidgetArea, m_sweep);
    tabifyDockWidget(m_runs, m_sweep);
    connect(m_sweep, &SweepDock::failed, this,
            [this](const QString& m) { statusBar()->showMessage(m, 10000); });
    // Drill-down: the runs behind a row open in the Runs panel, the first of them in the window.
    connect(m_sweep, &SweepDock::showRuns, this, [this](const QString& path, const QList<qint64>& ids) {
        const std::vector<std::int64_t> wanted(ids.begin(), ids.end());
        auto pick = [this, wanted] {
            m_runs->selectRuns(wanted);
            m_runs->show();
            m_runs->raise();
            m_runs->showSelected();
        };
        if (m_runs->tracePath() == path) return pick();
        auto listed = std::make_shared<QMetaObject::Connection>();
        auto refused = std::make_shared<QMetaObject::Connection>();
        *listed = connect(m_runs, &RunsDock::listChanged, this, [listed, refused, pick] {
            QObject::disconnect(*listed);
            QObject::disconnect(*refused);
            pick();
        });
        *refused = connect(m_runs, &RunsDock::failed, this, [listed, refused] {
            QObject::disconnect(*listed);
            QObject::disconnect(*refused);
        });
        m_runs->openTrace(path, false);
    });
    connect(m_sweep, &SweepDock::reportShown, this, [this] {
        // The table and the grid need room: two fifths of the height, as the timeline gets.
        if (!m_sweep->isFloating() && !m_sweepSized) {
            m_sweepSized = true;
            resizeDocks({m_sweep}, {height() * 2 / 5}, Qt::Vertical);
        }
    });
    auto* open = new QAction("Open s&weep…", this);
    open->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O));
    open->setToolTip("A sweep trace's results table (sinkscope-cli sweep-report TRACE)");
    connect(open, &QAction::triggered, this, [this] {
        m_sweep->show();
        m_sweep->raise();
        m_sweep->chooseSweep();
    });
    addToFileMenu(open);
}

void MainWindow::buildImageDock() {
    m_image = new ImageDock(m_panel, this);
    addDockWidget(Qt::BottomDockWidgetArea, m_image);
    tabifyDockWidget(m_runs, m_image);
    connect(this, &MainWindow::runShown, m_image, [this] { m_image->setRun(m_last); });
    connect(this, &MainWindow::headShown, m_image, &ImageDock::setHead);
    connect(m_strip, &TokenStrip::tokenSelected, m_image, &ImageDock::selectToken);
    connect(m_image, &ImageDock::hovered, this, [this](const QString& r) {
        if (!r.isEmpty()) statusBar()->showMessage(r);
    });
    connect(m_image, &ImageDock::failed, this,
            [this](const QString& m) { statusBar()->showMessage(m, 10000); });
    auto choose = [this] {
        const QString path = QFileDialog::getOpenFileName(this, "Open a picture for the LLaVA model",
                                                          QString(), "Pictures (*.png *.jpg *.jpeg)");
        if (!path.isEmpty()) openPicture(path);
    };
    connect(m_image, &ImageDock::openRequested, this, choose);
    connect(m_image, &ImageDock::clearRequested, this, [this] { openPicture({}); });
    connect(m_worker, &EngineWorker::imageChanged, this,
            [this](const QString& path, const QString& description) {
                m_image->setImageDescription(path, description);
                statusBar()->showMessage(path.isEmpty() ? QString("no picture") : description, 8000);
                if (!path.isEmpty()) {
                    m_image->show();
                    m_image->raise();
                    // The picture needs room: two fifths of the height, as the Sweep panel gets
                    // (once, or again when the picture demo is opened: then it is the point).
                    if (!m_image->isFloating() && (!m_imageSized || m_pictureDemoOpening)) {
                        m_imageSized = true;
                        const int share = m_pictureDemoOpening ? height() / 2 : height() * 2 / 5;
                        // Once the dock just shown is in the layout (a hidden one is not resized).
                        QTimer::singleShot(0, this,
                                           [this, share] { resizeDocks({m_image}, {share}, Qt::Vertical); });
                    }
                    m_pictureDemoOpening = false;
                }
                requestRun(); // the prompt again, with (or without) the picture
            });
    auto* open = new QAction("Open &picture…", this);
    open->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    open->setToolTip("A PNG or JPEG for a LLaVA model, put where the prompt has <image> (run --image FILE)");
    connect(open, &QAction::triggered, this, choose);
    addToFileMenu(open);
    auto* demo = new QAction("Open the picture &demo", this);
    demo->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I));
    demo->setToolTip("The bundled picture model with one of its held-out scenes and a question about it");
    connect(demo, &QAction::triggered, this, &MainWindow::openPictureDemo);
    addToFileMenu(demo);
}

void MainWindow::setTokenStripShown(bool shown) {
    if (auto* strip = findChild<QWidget*>("tokenStripArea")) strip->setVisible(shown);
}

void MainWindow::setMapControlsShown(bool shown) {
    m_mapTools->setVisible(shown);
}

QString MainWindow::pictureDemoPath() const {
    const auto demo = findPictureDemo();
    return demo ? demo->model : QString();
}

void MainWindow::openPictureDemo() {
    const auto demo = findPictureDemo();
    if (!demo) {
        showError("No picture demo model (assets/models/picture-demo with its pictures/); train it with "
                  "scripts/train_picture_demo.sh");
        return;
    }
    // In the worker's order: the model, then its picture, then the prompt's run.
    m_pictureDemoOpening = true;
    loadModel(demo->model);
    openPicture(demo->picture);
    setPrompt(demo->prompt);
    statusBar()->showMessage(QString("picture demo: it should answer \"%1\"").arg(demo->answer), 10000);
}

void MainWindow::openPicture(const QString& path) {
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, path] { w->setImage(path); }, Qt::QueuedConnection);
}

void MainWindow::openSweep(const QString& tracePath) {
    m_sweep->show();
    m_sweep->raise();
    m_sweep->openSweep(tracePath);
}

// A stored run replaces the view until the next live run; a live run in flight stays in flight.
void MainWindow::showStoredRun(RunViewPtr view) {
    const bool busy = m_busy, pending = std::exchange(m_pending, false);
    const bool comparison = view->comparison;
    const QString source = QString::fromStdString(view->source);
    if (!comparison) { // the controls say what the shown run used
        QStringList specs;
        for (const auto& spec : view->interventions)
            specs << QString::fromStdString(spec);
        m_panel->showStored(specs);
    }
    showRun(std::move(view));
    m_busy = busy;
    m_pending = pending;
    m_runLabel->setText(source);
    m_showDiff->setChecked(comparison);
}

} // namespace sinkscope::gui
