// MainWindow's menus and the actions behind them: open (dialog, recent list, drag and drop),
// export of every view (the shared figure renderer for maps and the head grid, the widget itself
// for the norm plot), copy to the clipboard, classroom mode, about.
#include "classroom.h"
#include "core/atomic_file.h"
#include "figures/figure_image.h"
#include "getting_started.h"
#include "intervention_panel.h"
#include "main_window.h"
#include "metrics/sink_heads.h"
#include "model_picker.h"
#include "side_by_side.h"
#include "timeline_dock.h"
#include "views/heatmap_canvas.h"
#include "views/norm_plot.h"

#include <QAction>
#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPdfWriter>
#include <QSettings>
#include <QStatusBar>
#include <QSvgGenerator>
#include <QToolBar>

namespace sinkscope::gui {

namespace {
constexpr int kRecentModels = 8;
const QString kFigureFilter = "Figures (*.png *.svg *.pdf)";

// A dropped or chosen path that the engine can open: a model directory, a config.json in one,
// a .gguf file or a llama2.c .bin checkpoint.
bool looksLikeModel(const QString& path) {
    const QFileInfo info(path);
    if (info.isDir()) return QFileInfo::exists(path + "/config.json");
    return info.fileName() == "config.json" || path.endsWith(".gguf") || path.endsWith(".bin");
}
} // namespace

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu("&File");
    auto* open = file->addAction("&Open model…", this, &MainWindow::openModel);
    open->setShortcut(QKeySequence::Open);
    file->addAction("&Models on this machine…", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this, [this] {
        ModelPicker picker(this);
        if (picker.exec() == QDialog::Accepted) loadModel(picker.chosenPath());
    });
    m_recentMenu = file->addMenu("Open &recent");
    rebuildRecentMenu();
    file->addSeparator();
    auto* exportMap = file->addAction("&Export heatmap…", this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, "Export heatmap", "heatmap.png", kFigureFilter);
        if (!path.isEmpty() && !exportHeatmap(path))
            QMessageBox::warning(this, "Export", statusBar()->currentMessage());
    });
    exportMap->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addAction("Export head &grid…", this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, "Export head grid", "heads.png", kFigureFilter);
        if (!path.isEmpty() && !exportHeadGrid(path))
            QMessageBox::warning(this, "Export", statusBar()->currentMessage());
    });
    file->addAction("Export &norm plot…", this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, "Export norm plot", "norms.png", kFigureFilter);
        if (!path.isEmpty() && !exportNormPlot(path))
            QMessageBox::warning(this, "Export", statusBar()->currentMessage());
    });
    auto* copy = file->addAction("&Copy heatmap image", this, &MainWindow::copyHeatmapImage);
    copy->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    file->addSeparator();
    file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

    QMenu* runMenu = menuBar()->addMenu("&Run");
    auto* run = runMenu->addAction("&Run", this, &MainWindow::requestRun);
    run->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    auto* cancel = runMenu->addAction("&Cancel", this, [this] {
        if (m_classroom->active() && !m_busy)
            m_classroom->leave();
        else
            cancelRun();
    });
    cancel->setShortcut(QKeySequence(Qt::Key_Escape));
    runMenu->addSeparator();
    runMenu->setToolTipsVisible(true);
    // The CLI's --compute bf16: about 2x faster where the CPU has bf16 GEMMs, ~1-4 % logit error.
    m_bf16Action = runMenu->addAction("Multiply in &bf16 (faster, approximate)");
    m_bf16Action->setCheckable(true);
    m_bf16Action->setToolTip("Weight products in bf16 with fp32 accumulation: about 2x faster on CPUs with "
                             "bf16 instructions, logits within a few percent. Attention, interventions and "
                             "captured maps stay float32. Reloads the model.");
    m_bf16Action->setStatusTip(m_bf16Action->toolTip());
    connect(m_bf16Action, &QAction::toggled, this, [this](bool on) {
        if (on == m_computeBf16) return;
        m_computeBf16 = on;
        QSettings().setValue("engine/computeBf16", on);
        if (!m_modelPath.isEmpty()) loadModel(m_modelPath);
    });

    QMenu* view = menuBar()->addMenu("&View");
    m_viewMenu = view; // Panels and Reset layout are added once every dock exists
    m_classroom = new Classroom(this, this);
    auto* classroom = view->addAction("&Classroom mode", m_classroom, &Classroom::toggle);
    classroom->setShortcut(QKeySequence(Qt::Key_F11));
    view->addAction("&Reset heatmap view", this, [this] { m_heatmap->resetView(); });
    // Side by side: two maps on one colour scale (the CLI's `export --beside`).
    QMenu* side = view->addMenu("&Side by side");
    side->setToolTipsVisible(true);
    auto* besideRun =
        side->addAction("&Base | intervened", this, [this] { m_side->showBaseAndIntervened(); });
    besideRun->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    besideRun->setToolTip("The unmodified run's map beside the intervened one, one colour scale");
    auto* besideSigmoid = side->addAction("This model | its &sigmoid twin", this, [this] {
        const QString sigmoid = sigmoidModelPath();
        if (sigmoid.isEmpty())
            showError("No sigmoid-attention model next to this one (assets/models/sigmoid)");
        else
            compareWithModel(sigmoid);
    });
    besideSigmoid->setToolTip("The same prompt through the sigmoid-attention model trained like the default "
                              "one: softmax makes a sink, sigmoid has no reason to");
    side->addAction("This model | &another model…", this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, "Compare with a model (config.json of a model directory, a .gguf or a llama2.c .bin)",
            QString(), "Models (config.json *.gguf *.bin)");
        if (!path.isEmpty()) compareWithModel(path);
    });
    auto* sideOff = side->addAction("&Off", this, [this] { m_side->stop(); });
    sideOff->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B));
    // Scenario keys: presentation clickers send PageDown / PageUp; digits jump.
    auto* next = view->addAction("Next scenario", m_classroom, &Classroom::next);
    next->setShortcut(QKeySequence(Qt::Key_PageDown));
    auto* previous = view->addAction("Previous scenario", m_classroom, &Classroom::previous);
    previous->setShortcut(QKeySequence(Qt::Key_PageUp));
    for (int i = 0; i < m_classroom->count(); ++i) {
        auto* a = new QAction(this);
        a->setShortcut(QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + i)));
        connect(a, &QAction::triggered, m_classroom, [this, i] { m_classroom->go(i); });
        addAction(a);
    }
    connect(m_classroom, &Classroom::captionChanged, this, [this](const QString& html) {
        m_caption->setText(html);
        m_caption->setVisible(!html.isEmpty());
    });

    QMenu* help = menuBar()->addMenu("&Help");
    auto* start = help->addAction("&Getting started", this, [this] { showGettingStarted(this); });
    start->setShortcut(QKeySequence::HelpContents);
    help->addAction("&About SinkScope", this, [this] {
        QMessageBox::about(
            this, "About SinkScope",
            "<b>SinkScope</b> 0.1.0<br>Attention maps and attention sinks of transformer language "
            "models: suppress, recalibrate or stream the sink inside the forward pass and see the "
            "output change.<br><br>Model: " +
                m_modelDescription.toHtmlEscaped() + "<br>Device: " + m_device);
    });

    auto* tools = addToolBar("Main");
    tools->setObjectName("mainToolBar");
    tools->addActions({open, run, cancel, exportMap, classroom});
}

void MainWindow::rememberModel(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value("model/recent").toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kRecentModels)
        recent.removeLast();
    settings.setValue("model/recent", recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList recent = QSettings().value("model/recent").toStringList();
    for (const QString& path : recent) {
        auto* a = m_recentMenu->addAction(path, this, [this, path] { loadModel(path); });
        a->setEnabled(QFileInfo::exists(path));
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    const auto urls = e->mimeData()->urls();
    if (urls.size() != 1 || !urls.front().isLocalFile()) return;
    const QString path = urls.front().toLocalFile().toLower();
    const bool picture = path.endsWith(".png") || path.endsWith(".jpg") || path.endsWith(".jpeg");
    if (picture || looksLikeModel(urls.front().toLocalFile())) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    const auto urls = e->mimeData()->urls();
    if (urls.size() != 1 || !urls.front().isLocalFile()) return;
    const QString path = urls.front().toLocalFile();
    const QString lower = path.toLower();
    if (lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg"))
        openPicture(path); // a picture for the LLaVA model, not a model
    else
        loadModel(path);
    e->acceptProposedAction();
}

bool MainWindow::exportHeadGrid(const QString& path) {
    if (!m_last) return false;
    const auto& v = *m_last;
    GridFigure g;
    g.layers = v.layers;
    g.heads = v.heads;
    const auto sinkHeads = sinkHeadMap(v.alpha0);
    for (int l = 0; l < v.layers; ++l)
        for (int h = 0; h < v.heads; ++h) {
            HeatmapFigure cell;
            cell.rows = cell.cols = v.T;
            // Layers whose maps were not kept (a big model at a long prompt) are left blank.
            const float* a = v.map(true, l, h);
            if (a)
                cell.values.assign(a, a + v.T * v.T);
            else
                cell.values.assign(static_cast<std::size_t>(v.T * v.T), NAN);
            for (std::int64_t i = 0; i < v.T; ++i)
                for (std::int64_t j = i + 1; j < v.T; ++j)
                    cell.values[static_cast<std::size_t>(i * v.T + j)] = NAN; // causal: not stored
            g.cells.push_back(std::move(cell));
            const double a0 = v.alpha0[std::size_t(l)][std::size_t(h)];
            g.cellValue.push_back(a0);
            g.marked.push_back(sinkHeads[std::size_t(l)][std::size_t(h)]);
        }
    // The model's file or directory name, not its absolute path (which said where the user keeps it).
    g.title = v.modelName + (v.interventions.empty() ? "" : " · " + v.interventions.front());
    if (auto st = writeGrid(g, path.toStdString()); !st) {
        statusBar()->showMessage(QString::fromStdString(st.error().message));
        return false;
    }
    statusBar()->showMessage("wrote " + path, 5000);
    return true;
}

bool MainWindow::exportNormPlot(const QString& path) {
    // The plot paints itself with QPainter, so the same paint code draws into any device, at the
    // figure's own size whatever the panel's. It is encoded in memory, then written in full or not
    // at all (an existing file survives a full disk).
    const QSize size = NormPlot::kFigureSize;
    const QString lower = path.toLower();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    bool ok = false;
    if (lower.endsWith(".svg")) {
        QSvgGenerator svg;
        svg.setOutputDevice(&buffer);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle("hidden-state norms");
        QPainter p(&svg);
        m_norms->paintFigure(p, size);
        ok = p.end();
    } else if (lower.endsWith(".pdf")) {
        QPdfWriter pdf(&buffer);
        pdf.setPageSize(QPageSize(QSizeF(size), QPageSize::Point));
        pdf.setPageMargins({});
        pdf.setResolution(72);
        QPainter p(&pdf);
        m_norms->paintFigure(p, size);
        ok = p.end();
    } else if (lower.endsWith(".png")) {
        ok = m_norms->figureImage().save(&buffer, "PNG");
    } else {
        statusBar()->showMessage(path + ": unknown figure type (use .png, .svg or .pdf)");
        return false;
    }
    buffer.close();
    if (!ok) {
        statusBar()->showMessage(path + ": could not draw the plot");
        return false;
    }
    if (auto st = writeFileAtomically(
            path.toStdString(), std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
        !st) {
        statusBar()->showMessage(QString::fromStdString(st.error().message));
        return false;
    }
    statusBar()->showMessage("wrote " + path, 5000);
    return true;
}

void MainWindow::copyHeatmapImage() {
    if (!m_last) return;
    HeatmapFigure f = m_heatmap->figure();
    f.dpi = 150;
    QApplication::clipboard()->setImage(renderHeatmap(f));
    statusBar()->showMessage("heatmap copied to the clipboard", 3000);
}

void MainWindow::showTrainingTimeline(const QString& compareWith) {
    const QString dir = QFileInfo(m_modelPath).isDir() ? m_modelPath : QFileInfo(m_modelPath).absolutePath();
    if (!QFileInfo::exists(dir + "/timeline.json")) {
        statusBar()->showMessage("this model has no training timeline (models trained by sinkscope-cli train "
                                 "carry one: timeline.json)",
                                 8000);
        return;
    }
    Q_EMIT trainingTimelineRequested(dir);
    auto* timeline = findChild<TimelineDock*>("timelineDock");
    if (!timeline || timeline->runDir() != dir) return; // it could not be opened: the panel says why
    if (compareWith.isEmpty()) {
        timeline->clearComparison();
    } else if (auto source = parseTimelineSource(compareWith.toStdString()); !source) {
        showError(QString::fromStdString(source.error().message));
    } else {
        timeline->compareWith(*source); // a source that fails to load says so in the panel
    }
}

QString MainWindow::sigmoidModelPath() const {
    const QString base = QFileInfo(m_modelPath).isDir() ? m_modelPath : QFileInfo(m_modelPath).absolutePath();
    const QString sigmoid = QDir::cleanPath(QDir(base).absoluteFilePath("../sigmoid"));
    return QFileInfo::exists(sigmoid + "/config.json") ? sigmoid : QString();
}

void MainWindow::openSigmoidModel() {
    const QString sigmoid = sigmoidModelPath();
    if (sigmoid.isEmpty()) {
        showError("No sigmoid-attention model next to this one; train it with scripts/train_default.sh "
                  "--recipe assets/recipes/sigmoid.json");
        return;
    }
    loadModel(sigmoid);
}

} // namespace sinkscope::gui
