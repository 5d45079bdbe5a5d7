#include "main_window.h"

#include "classroom.h"
#include "engine_worker.h"
#include "intervene/intervention.h"
#include "intervene/intervention_notes.h"
#include "intervention_panel.h"
#include "map_figure.h"
#include "metrics/sink_heads.h"
#include "metrics/sink_metrics.h"
#include "model/blas_check.h"
#include "side_by_side.h"
#include "views/head_grid.h"
#include "views/heatmap_canvas.h"
#include "views/norm_plot.h"
#include "views/probability_bars.h"
#include "views/token_strip.h"
#include "views/token_strip_area.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTableWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

namespace sinkscope::gui {

MainWindow::MainWindow(const QString& modelPath, const QString& prompt, QWidget* parent)
    : QMainWindow(parent) {
    qRegisterMetaType<RunViewPtr>();
    buildUi();
    m_prompt->setPlainText(prompt);
    setAcceptDrops(true);

    m_worker = new EngineWorker;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &MainWindow::startRun, m_worker, &EngineWorker::run);
    connect(this, &MainWindow::startLoad, m_worker, &EngineWorker::loadModel);
    connect(m_worker, &EngineWorker::runFinished, this, &MainWindow::showRun);
    connect(m_worker, &EngineWorker::progress, this, [this](int done, int total) {
        m_runLabel->setText(QString("generating %1/%2 (Esc cancels)").arg(done).arg(total));
    });
    connect(m_worker, &EngineWorker::passProgress, this, [this](int state, int layers, qint64 tokens) {
        // Only where it helps: a short prompt's pass is over before a label could be read.
        if (m_busy && tokens >= 256)
            m_runLabel->setText(QString("layer %1/%2 of a %3-token prompt… (Esc cancels)")
                                    .arg(std::min(state, layers))
                                    .arg(layers)
                                    .arg(tokens));
    });
    connect(m_worker, &EngineWorker::cancelled, this, [this] {
        m_busy = false;
        m_pending = false;
        m_fetchingLayer = -1;
        m_runLabel->setText("cancelled");
        statusBar()->showMessage(
            m_last ? "run cancelled: the map shows the previous result" : "run cancelled", 8000);
    });
    connect(m_worker, &EngineWorker::loadProgress, this, [this](int percent) {
        if (m_loading) m_modelLabel->setText(QString("loading model… %1 % (Esc cancels)").arg(percent));
    });
    connect(m_worker, &EngineWorker::failed, this, [this](const QString& message) {
        if (m_loading) { // the model that was loaded before (if any) is still there
            m_loading = false;
            m_modelPath = m_loadedPath;
            m_modelLabel->setText(m_loadedLabel.isEmpty() ? QString("no model") : m_loadedLabel);
        }
        m_busy = false;
        m_saving = false;
        m_runLabel->setText("error");
        showError(message);
        Q_EMIT runFailed(message);
    });
    connect(m_worker, &EngineWorker::memoryRefused, this, [this](const QString& message) {
        m_busy = false;
        m_pending = false;
        m_runLabel->setText("not run: too little memory");
        showError(message);
        // Asked, not silently dropped: the dialog is window-modal and does not block the event loop.
        auto* box = new QMessageBox(QMessageBox::Warning, "Not enough memory for this run", message,
                                    QMessageBox::Ok, this);
        box->setObjectName("memoryRefusedDialog");
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        Q_EMIT runFailed(message);
    });
    connect(m_worker, &EngineWorker::modelLoaded, this,
            [this](const QString& description, const QString& device, const QString& notices) {
                m_loading = false;
                clearError();
                m_loadedPath = m_modelPath;
                m_modelDescription = description;
                m_device = device;
                m_modelLabel->setText(QString("%1 · %2%3")
                                          .arg(description.section(':', 0, 0), device,
                                               m_computeBf16 ? " · bf16 products" : ""));
                m_modelLabel->setToolTip(description);
                m_loadedLabel = m_modelLabel->text();
                rememberModel(m_modelPath);
                if (!notices.isEmpty()) statusBar()->showMessage(notices, 10000);
                requestRun();
            });
    buildAnalysisDocks();
    m_thread.start();
    m_modelPath = modelPath;
    m_computeBf16 = QSettings().value("engine/computeBf16", false).toBool();
    m_bf16Action->setChecked(m_computeBf16);
    m_loading = true;
    Q_EMIT startLoad(modelPath, m_computeBf16);
    buildLayoutMenu();
    restoreLayout();
    QSettings settings;
    m_maxNew->setValue(settings.value("run/maxNewTokens", m_maxNew->value()).toInt());
    m_colormap->setCurrentText(settings.value("view/colormap", "viridis").toString());
    m_scale->setCurrentText(settings.value("view/scale", "linear").toString());
    m_fixedRange->setChecked(settings.value("view/fixedRange", false).toBool());
    m_stripSource->setCurrentIndex(settings.value("view/stripLayerMean", false).toBool() ? 1 : 0);
}

MainWindow::~MainWindow() {
    // Layout and the last settings come back on the next start (QSettings).
    saveLayout();
    QSettings settings;
    settings.setValue("run/maxNewTokens", m_maxNew->value());
    settings.setValue("view/colormap", m_colormap->currentText());
    settings.setValue("view/scale", m_scale->currentText());
    settings.setValue("view/fixedRange", m_fixedRange->isChecked());
    settings.setValue("view/stripLayerMean", m_stripSource->currentIndex() == 1);
    settings.setValue("model/last", m_modelPath);
    m_worker->cancel();
    m_thread.quit();
    m_thread.wait();
}

void MainWindow::buildUi() {
    setWindowTitle("SinkScope");
    m_prompt = new QPlainTextEdit;
    m_prompt->setPlaceholderText(
        "Prompt (or ids: 1, 2, 3 for models without a tokenizer). Ctrl+Return runs.");
    m_maxNew = new QSpinBox;
    m_maxNew->setRange(0, 4096);
    m_maxNew->setValue(16);
    m_maxNew->setPrefix("generate ");
    m_maxNew->setSuffix(" tokens");
    m_maxNew->setToolTip(
        "Tokens to generate greedily with and without the interventions (0: the next token only)");
    m_panel = new InterventionPanel;

    auto* left = new QWidget;
    auto* lv = new QVBoxLayout(left);
    lv->addWidget(new QLabel("Prompt"));
    lv->addWidget(m_prompt, 1);
    lv->addWidget(m_maxNew);
    lv->addWidget(new QLabel("Interventions (re-run live)"));
    lv->addWidget(m_panel);
    lv->addStretch();
    auto* leftDock = new QDockWidget("Prompt and interventions");
    leftDock->setObjectName("promptDock");
    leftDock->setWidget(left);
    addDockWidget(Qt::LeftDockWidgetArea, leftDock);

    m_heatmap = new HeatmapCanvas;
    m_strip = new TokenStrip;
    m_showDiff = new QCheckBox("Show intervened − base (&diff)");
    m_showDiff->setObjectName("showDiff");
    m_showDiff->setToolTip(
        "Show the intervened map minus the unmodified one (blue: less attention, red: more)");
    m_caption = new QLabel;
    m_caption->setWordWrap(true);
    m_caption->setTextFormat(Qt::RichText);
    m_caption->setMargin(8);
    // The scenario text must show whole: the map gives up height, not the caption.
    m_caption->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Minimum);
    m_caption->hide();
    auto* centre = new QWidget;
    auto* cv = new QVBoxLayout(centre);
    // Errors in a banner above the map (not the status bar, where they outlived later successes):
    // it stays until dismissed or until the next run or load succeeds.
    m_errorBanner = new QFrame;
    m_errorBanner->setObjectName("errorBanner");
    m_errorBanner->setStyleSheet("#errorBanner { background: #fde2e1; border: 1px solid #d9534f; }"
                                 "#errorBanner QLabel { color: #7a1d1a; }");
    auto* eb = new QHBoxLayout(m_errorBanner);
    eb->setContentsMargins(8, 4, 4, 4);
    m_errorText = new QLabel;
    m_errorText->setWordWrap(true);
    m_errorText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* dismiss = new QToolButton;
    dismiss->setText("×");
    dismiss->setToolTip("Dismiss this message");
    dismiss->setAutoRaise(true);
    connect(dismiss, &QToolButton::clicked, this, &MainWindow::clearError);
    eb->addWidget(m_errorText, 1);
    eb->addWidget(dismiss, 0, Qt::AlignTop);
    m_errorBanner->hide();
    cv->addWidget(m_errorBanner);
    cv->addWidget(m_caption);
    cv->addWidget(new TokenStripArea(m_strip));
    // The main map and, side by side, a second one on the same colour scale (View > Side by side).
    m_side = new SideBySide(this);
    auto* maps = new QHBoxLayout;
    maps->addWidget(m_heatmap, 1);
    maps->addWidget(m_side->canvas(), 1);
    cv->addLayout(maps, 1);
    connect(m_side, &SideBySide::changed, this, [this] {
        m_showDiff->setEnabled(m_side->mode() != SideBySide::Mode::BaseIntervened);
        showHead();
    });
    connect(m_side, &SideBySide::hovered, this, [this](const QString& readout) {
        if (!readout.isEmpty()) statusBar()->showMessage(readout);
    });
    // Colours of the map: the same colormaps and scales as `sinkscope-cli export`.
    m_colormap = new QComboBox;
    m_colormap->setObjectName("colormap");
    m_colormap->addItems({"viridis", "magma", "grey"});
    m_colormap->setToolTip("colormap (a difference map is always blue-white-red)");
    m_scale = new QComboBox;
    m_scale->setObjectName("scale");
    m_scale->addItems({"linear", "log", "row"});
    m_scale->setToolTip("linear, log10, or each row divided by its maximum");
    m_fixedRange = new QCheckBox("0–1");
    m_fixedRange->setObjectName("fixedRange");
    m_fixedRange->setToolTip("A fixed colour range 0–1 instead of each map's own, so that maps of different "
                             "heads, runs or models compare by colour (export --range 0,1)");
    connect(m_fixedRange, &QCheckBox::toggled, this, &MainWindow::showHead);
    m_stripSource = new QComboBox;
    m_stripSource->setObjectName("stripSource");
    m_stripSource->addItems({"this head", "layer mean"});
    m_stripSource->setToolTip(
        "What the token strip shades: the attention the hovered or selected token gives "
        "to each token in the head shown, or averaged over its layer's heads");
    connect(m_stripSource, &QComboBox::currentIndexChanged, this, &MainWindow::showTokenWeights);
    auto* below = new QHBoxLayout;
    below->addWidget(m_showDiff);
    below->addSpacing(12);
    below->addWidget(new QLabel("strip"));
    below->addWidget(m_stripSource);
    below->addStretch();
    below->addWidget(new QLabel("colours"));
    below->addWidget(m_colormap);
    below->addWidget(new QLabel("scale"));
    below->addWidget(m_scale);
    below->addWidget(m_fixedRange);
    cv->addLayout(below);
    setCentralWidget(centre);
    connect(m_colormap, &QComboBox::currentIndexChanged, this, &MainWindow::showHead);
    connect(m_scale, &QComboBox::currentIndexChanged, this, &MainWindow::showHead);

    m_grid = new HeadGrid;
    m_top = new QTableWidget(10, 2);
    m_top->setHorizontalHeaderLabels({"base", "intervened"});
    m_top->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_top->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_top->setItemDelegate(new ProbabilityBars(m_top)); // probabilities as bars
    m_kl = new QLabel;
    m_kl->setWordWrap(true); // its text grows with the KL and the rank: it must not widen the window
    m_generated = new QLabel;
    m_generated->setWordWrap(true);
    m_generated->setTextFormat(Qt::RichText);
    m_generated->setObjectName("generated");
    auto* right = new QWidget;
    auto* rv = new QVBoxLayout(right);
    m_gridCaption = new QLabel("α₀ per layer × head (red frame: sink head)");
    m_gridCaption->setObjectName("gridCaption");
    m_gridCaption->setWordWrap(true);
    rv->addWidget(m_gridCaption);
    rv->addWidget(m_grid, 1);
    rv->addWidget(m_kl);
    rv->addWidget(m_top, 1);
    rv->addWidget(m_generated);
    m_notes = new QLabel;
    m_notes->setObjectName("runNotes");
    m_notes->setWordWrap(true);
    m_notes->setStyleSheet("color: #555; font-style: italic;");
    m_notes->hide();
    rv->addWidget(m_notes);
    auto* rightDock = new QDockWidget("Heads and output");
    rightDock->setObjectName("outputDock");
    rightDock->setWidget(right);
    addDockWidget(Qt::RightDockWidgetArea, rightDock);

    m_metrics = new QLabel;
    m_metrics->setWordWrap(true);
    m_norms = new NormPlot;
    m_keyNorms = new NormPlot;
    m_keyNorms->setCaptions("key norms", "layer (mean over KV heads)");
    m_valueNorms = new NormPlot;
    m_valueNorms->setCaptions("value norms", "layer (mean over KV heads)");
    m_sinkTable = new QTableWidget(0, 4);
    m_sinkTable->setHorizontalHeaderLabels({"token", "first layer", "layers", "role"});
    m_sinkTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_sinkTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto* metrics = new QWidget;
    auto* mv = new QVBoxLayout(metrics);
    mv->addWidget(m_metrics);
    mv->addWidget(new QLabel("Hidden-state norm per state (massive activations)"));
    mv->addWidget(m_norms, 1);
    mv->addWidget(new QLabel("Key and value norm per layer (the sink's differ)"));
    auto* kv = new QHBoxLayout;
    kv->addWidget(m_keyNorms);
    kv->addWidget(m_valueNorms);
    mv->addLayout(kv, 1);
    mv->addWidget(new QLabel("Secondary sinks (|cos(h, h_BOS)| > 0.9)"));
    mv->addWidget(m_sinkTable, 1);
    auto* metricsDock = new QDockWidget("Metrics of the unmodified run");
    metricsDock->setObjectName("metricsDock");
    metricsDock->setWidget(metrics);
    addDockWidget(Qt::LeftDockWidgetArea, metricsDock);
    tabifyDockWidget(leftDock, metricsDock);
    leftDock->raise();

    buildMenus();

    m_modelLabel = new QLabel("loading model…");
    m_runLabel = new QLabel;
    const BlasInfo blas = detectBlas();
    auto* blasLabel = new QLabel(blas.isOpenBlas ? "OpenBLAS" : "reference BLAS (slow)");
    blasLabel->setToolTip(
        QString::fromStdString(blas.library.empty() ? "no BLAS library found" : blas.library));
    statusBar()->addPermanentWidget(m_modelLabel);
    statusBar()->addPermanentWidget(blasLabel);
    statusBar()->addPermanentWidget(m_runLabel);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(60);
    connect(m_debounce, &QTimer::timeout, this, &MainWindow::requestRun);
    connect(m_panel, &InterventionPanel::changed, m_debounce, qOverload<>(&QTimer::start));
    connect(m_grid, &HeadGrid::headActivated, this, [this](int l, int h) {
        m_layer = l;
        m_head = h;
        showHead();
    });
    connect(m_grid, &HeadGrid::selectionChanged, this,
            [this] { m_panel->setSelectedHeads(m_grid->selection()); });
    connect(m_showDiff, &QCheckBox::toggled, this, &MainWindow::showHead);
    connect(m_strip, &TokenStrip::tokenSelected, this, &MainWindow::showTokenWeights);
    connect(m_strip, &TokenStrip::tokenHovered, this, &MainWindow::showTokenWeights);
    connect(m_heatmap, &HeatmapCanvas::hovered, this, [this](const QString& readout) {
        if (!readout.isEmpty()) statusBar()->showMessage(readout);
    });
    // Clicking a cell selects its query token on the strip; the canvas minimap opens a head.
    connect(m_heatmap, &HeatmapCanvas::cellClicked, this,
            [this](qint64 row, qint64) { m_strip->select(static_cast<int>(row)); });
    connect(m_heatmap, &HeatmapCanvas::headClicked, this, [this](int l, int h) {
        m_grid->setCurrent(l, h);
        m_layer = l;
        m_head = h;
        showHead();
    });
    resize(1280, 800);
}

void MainWindow::requestRun() {
    if (m_busy) {
        m_pending = true; // coalesce: the latest settings run once the current run is back
        return;
    }
    m_busy = true;
    m_pending = false;
    m_runLabel->setText("running…");
    Q_EMIT startRun(m_prompt->toPlainText(), m_panel->specs(), m_maxNew->value(), m_layer);
    if (m_side->mode() == SideBySide::Mode::Model)
        m_side->runPrompt(m_prompt->toPlainText(), m_panel->specs(), m_layer);
}

void MainWindow::cancelRun() {
    if (m_busy || m_saving || m_loading) m_worker->cancel();
    m_side->cancel();
}

void MainWindow::showRun(RunViewPtr view) {
    m_busy = false;
    m_last = view;
    clearError();
    m_runLabel->setText(QString("%1 tokens · %2 ms · recomputed from layer %3")
                            .arg(view->T)
                            .arg(view->milliseconds, 0, 'f', 1)
                            .arg(view->firstRecomputedLayer));
    if (!view->contextWarning.empty())
        statusBar()->showMessage(QString::fromStdString(view->contextWarning), 15000);
    if (!view->captureNote.empty())
        statusBar()->showMessage(QString::fromStdString(view->captureNote), 30000);
    // Colours: the shown run's alpha_0; frames: the unmodified run's sink heads, so that an
    // intervention that removes a sink shows as a framed dark cell rather than a lost frame.
    m_grid->setValues(view->alpha0, kSinkEpsilon);
    m_grid->setFrameValues(view->baseAlpha0);
    const QString model = QString::fromStdString(view->modelName);
    if (view->interventions.empty() || view->comparison)
        m_gridCaption->setText(
            QString("%1 · α₀ per layer × head · red frame: sink head (α₀ > 0.3)").arg(model));
    else
        m_gridCaption->setText(
            QString("%1 · α₀ of the <b>intervened</b> run (%2) · red frame: sink head of the "
                    "unmodified run")
                .arg(model, QString::fromStdString(view->interventions.front()).toHtmlEscaped()));
    m_panel->setModelShape(view->layers, view->heads);
    m_layer = std::min(m_layer, view->layers - 1);
    m_head = std::min(m_head, view->heads - 1);
    if (m_selectSinkHead) {
        m_selectSinkHead = false;
        double best = -1;
        for (int l = 0; l < view->layers; ++l)
            for (int h = 0; h < view->heads; ++h)
                if (view->alpha0[std::size_t(l)][std::size_t(h)] > best) {
                    best = view->alpha0[std::size_t(l)][std::size_t(h)];
                    m_layer = l;
                    m_head = h;
                }
    }
    m_grid->setCurrent(m_layer, m_head);
    m_kl->setText(QString("next token: KL(base ‖ intervened) = %1 nats; base top-1 now rank %2")
                      .arg(view->effect.kl, 0, 'g', 4)
                      .arg(view->effect.baseTop1RankAfter + 1));
    for (int r = 0; r < 10; ++r) {
        // The token; the delegate (ProbabilityBars) prints the probability beside it.
        auto cell = [&](const std::vector<RankedToken>& top, const std::vector<std::string>& text) {
            if (r >= static_cast<int>(top.size())) return QString();
            return QString::fromStdString(text[static_cast<std::size_t>(r)]);
        };
        auto item = [&](const std::vector<RankedToken>& top, const std::vector<std::string>& text) {
            auto* it = new QTableWidgetItem(cell(top, text));
            if (r < static_cast<int>(top.size())) {
                it->setData(Qt::UserRole, top[static_cast<std::size_t>(r)].prob);
                it->setToolTip(QString("'%1'  p = %2")
                                   .arg(it->text())
                                   .arg(top[static_cast<std::size_t>(r)].prob, 0, 'g', 6));
            }
            return it;
        };
        m_top->setItem(r, 0, item(view->effect.baseTop, view->baseTopText));
        m_top->setItem(r, 1, item(view->effect.intervenedTop, view->topText));
    }
    if (!view->generatedBase.empty() || !view->generatedIntervened.empty()) {
        // Side by side in one block; from the first divergence on, both continuations are marked.
        const auto esc = [](const std::string& t) { return QString::fromStdString(t).toHtmlEscaped(); };
        const QString mark = "<span style='background:#ffd54a;color:black'>%1</span>";
        // Stored runs have no tokenizer to split the texts at the divergence: shown whole.
        const bool split = !view->generatedCommon.empty() || !view->generatedBaseRest.empty() ||
                           !view->generatedIntervenedRest.empty();
        const bool same = view->firstDivergence < 0 || !split;
        const QString base = same ? esc(view->generatedBase)
                                  : esc(view->generatedCommon) + mark.arg(esc(view->generatedBaseRest));
        const QString after = same
                                  ? esc(view->generatedIntervened)
                                  : esc(view->generatedCommon) + mark.arg(esc(view->generatedIntervenedRest));
        m_generated->setText(
            QString("<b>base:</b> %1<br><b>intervened:</b> %2<br>%3")
                .arg(base, after,
                     view->firstDivergence < 0 ? QString("identical")
                     : split                   ? QString("first divergence at generated token %1 (marked)")
                                   .arg(view->firstDivergence)
                             : QString("first divergence at generated token %1").arg(view->firstDivergence)));
    }
    // Why the result may look surprising: the same lines `sinkscope-cli compare` prints.
    std::vector<Intervention> ivs;
    for (const auto& spec : view->interventions)
        if (auto iv = parseIntervention(spec)) ivs.push_back(std::move(iv.value()));
    QStringList notes;
    for (const auto& n : interventionNotes(ivs, view->T, view->generatedBase.empty() ? 0 : m_maxNew->value()))
        notes << QString::fromStdString(n).toHtmlEscaped();
    m_notes->setText(notes.join("<br>"));
    m_notes->setVisible(!notes.isEmpty());
    if (view->promptSerial != 0) m_panel->setPromptLength(view->T);
    m_strip->setTokens(view->tokens, view->ids);
    showMetrics();
    showHead();
    // A result's texts can make the output column ask for more height than the screen has (a
    // 768-pixel laptop got a 865-pixel window at the first run): back onto the screen.
    if (!isFullScreen() && !isMaximized() && isVisible()) fitToScreen();
    Q_EMIT runShown();
    if (m_pending) requestRun();
}

void MainWindow::showHead() {
    if (!m_last) return;
    const auto& v = *m_last;
    const auto sideMode = m_side->mode();
    // Side by side with the intervened run: the base run on the left, the intervened on the right.
    const bool diff = m_showDiff->isChecked() && sideMode != SideBySide::Mode::BaseIntervened;
    const MapShown shown = sideMode == SideBySide::Mode::BaseIntervened ? MapShown::Base
                           : diff                                       ? MapShown::Difference
                                                                        : MapShown::Intervened;
    // A layer whose maps were not kept: a live run fetches them (the worker recomputes the
    // unmodified pass keeping the layers around it); a stored run does not have them.
    const bool live = v.promptSerial != 0;
    const QString missing =
        live ? " · fetching this layer's maps…" : " · this layer's maps are not in the trace";
    MapFigure mf = mapFigure(v, shown, m_layer, m_head, showsText(v, shown));
    HeatmapFigure& f = mf.figure;
    if (!mf.present) f.title += missing.toStdString();
    const bool a = mf.present;
    if (!a && live && m_fetchingLayer != m_layer) {
        m_fetchingLayer = m_layer;
        requestRun();
    } else if (a) {
        m_fetchingLayer = -1;
    }
    const auto colormap = parseColormap(m_colormap->currentText().toStdString());
    const auto scale = parseMapScale(m_scale->currentText().toStdString());
    f.colormap = diff ? Colormap::Diverging : colormap ? *colormap : Colormap::Viridis;
    f.scale = scale ? *scale : MapScale::Linear;
    if (m_fixedRange->isChecked() && !diff) {
        f.vmin = f.scale == MapScale::Log ? 1e-4 : 0.0; // log: four decades below 1
        f.vmax = 1.0;
    }
    f.dpi = 96;
    // Beside it, the other map on one colour scale (f's range is set to cover both).
    if (sideMode != SideBySide::Mode::Off) m_side->drawBeside(f, v, shown, m_layer, m_head);
    m_heatmap->setFigure(std::move(f));
    std::vector<double> alpha0;
    for (const auto& layer : v.alpha0)
        alpha0.insert(alpha0.end(), layer.begin(), layer.end());
    m_heatmap->setHeadOverview(v.layers, v.heads, std::move(alpha0), sinkHeadFlags(v.alpha0), m_layer,
                               m_head);
    showTokenWeights();
    Q_EMIT headShown(m_layer, m_head);
}

void MainWindow::showMetrics() {
    const auto& v = *m_last;
    QStringList dims;
    for (auto d : v.sinkDimensions)
        dims << QString::number(d);
    m_metrics->setText(
        QString("Sink<sub>1</sub><sup>0.3</sup> = %1 % of %2 heads · sink dimensions: %3 (largest r %4)")
            .arg(v.sinkRate, 0, 'f', 1)
            .arg(v.layers * v.heads)
            .arg(dims.isEmpty() ? QString("none") : dims.join(", "))
            .arg(v.largestR, 0, 'f', 2));
    m_norms->setNorms(v.hiddenNorms);
    m_keyNorms->setNorms(v.keyNorms);
    m_valueNorms->setNorms(v.valueNorms);
    m_sinkTable->setRowCount(static_cast<int>(v.secondarySinks.size()));
    for (int r = 0; r < static_cast<int>(v.secondarySinks.size()); ++r) {
        const auto& row = v.secondarySinks[static_cast<std::size_t>(r)];
        const QString token = row.token < static_cast<std::int64_t>(v.tokens.size())
                                  ? QString::fromStdString(v.tokens[static_cast<std::size_t>(row.token)])
                                  : QString();
        m_sinkTable->setItem(r, 0, new QTableWidgetItem(QString("%1 '%2'").arg(row.token).arg(token)));
        m_sinkTable->setItem(r, 1, new QTableWidgetItem(QString::number(row.firstLayer)));
        m_sinkTable->setItem(r, 2, new QTableWidgetItem(QString::number(row.layers)));
        m_sinkTable->setItem(r, 3, new QTableWidgetItem(QString::fromStdString(row.role)));
    }
}

void MainWindow::showError(const QString& message) {
    m_errorText->setText(message);
    m_errorBanner->show();
}

void MainWindow::clearError() {
    m_errorBanner->hide();
    m_errorText->clear();
}

QString MainWindow::errorShown() const {
    return m_errorBanner->isHidden() ? QString() : m_errorText->text();
}

void MainWindow::showTokenWeights() {
    if (!m_last) return;
    const auto& v = *m_last;
    const float* a = v.map(true, m_layer, m_head);
    if (!a) { // the layer's maps are being fetched (or not stored)
        m_strip->setWeights({}, {});
        return;
    }
    // The hovered token previews its row; else the selected query; else the last token.
    const int q = m_strip->hovered() >= 0 && m_strip->hovered() < v.T ? m_strip->hovered()
                  : m_strip->selected() >= 0                          ? m_strip->selected()
                                                                      : static_cast<int>(v.T - 1);
    if (m_stripSource->currentIndex() == 0) {
        std::vector<float> given(a + q * v.T, a + (q + 1) * v.T);
        m_strip->setWeights(given, columnImportance(v.mapView(true, m_layer, m_head)));
        return;
    }
    // The layer's mean over heads: where the layer as a whole reads from, row and alpha alike.
    std::vector<float> given(static_cast<std::size_t>(v.T), 0.0f);
    for (int h = 0; h < v.heads; ++h) {
        const float* m = v.map(true, m_layer, h);
        for (std::int64_t j = 0; j < v.T; ++j)
            given[static_cast<std::size_t>(j)] += m[q * v.T + j] / static_cast<float>(v.heads);
    }
    if (m_layerReceivedRun.lock() != m_last || m_layerReceivedLayer != m_layer) {
        m_layerReceived.assign(static_cast<std::size_t>(v.T), 0.0);
        for (int h = 0; h < v.heads; ++h) {
            const auto alpha = columnImportance(v.mapView(true, m_layer, h));
            for (std::size_t j = 0; j < alpha.size() && j < m_layerReceived.size(); ++j)
                m_layerReceived[j] += alpha[j] / v.heads;
        }
        m_layerReceivedRun = m_last;
        m_layerReceivedLayer = m_layer;
    }
    m_strip->setWeights(given, m_layerReceived);
}

bool MainWindow::busy() const {
    return m_busy || m_side->busy();
}

bool MainWindow::exportHeatmap(const QString& path) {
    if (!m_last) return false;
    HeatmapFigure f = m_heatmap->figure();
    f.dpi = 200;
    // Side by side: both maps in one figure, as `sinkscope-cli export --beside` draws them.
    const auto st = m_side->mode() != SideBySide::Mode::Off
                        ? writeHeatmapPair(f, m_side->canvas()->figure(), path.toStdString())
                        : writeHeatmap(f, path.toStdString());
    if (!st) {
        statusBar()->showMessage(QString::fromStdString(st.error().message));
        return false;
    }
    statusBar()->showMessage("wrote " + path, 5000);
    return true;
}

void MainWindow::openModel() {
    const QString path = QFileDialog::getOpenFileName(
        this, "Open a model (config.json of a model directory, a .gguf or a llama2.c .bin)", QString(),
        "Models (config.json *.gguf *.bin)");
    if (!path.isEmpty()) loadModel(path);
}

void MainWindow::loadModel(const QString& path) {
    m_modelPath = path.endsWith("config.json") ? QFileInfo(path).absolutePath() : path;
    m_modelLabel->setText("loading model…");
    m_loading = true;
    Q_EMIT startLoad(m_modelPath, m_computeBf16);
}

void MainWindow::setPrompt(const QString& text) {
    if (m_prompt->toPlainText() == text) return;
    m_prompt->setPlainText(text);
    m_debounce->start();
}

void MainWindow::compareWithModel(const QString& path) {
    m_side->compareWithModel(path, m_computeBf16);
    m_side->runPrompt(m_prompt->toPlainText(), m_panel->specs(), m_layer);
}

void MainWindow::setShowDiff(bool on) {
    m_showDiff->setChecked(on);
}

void MainWindow::selectHead(int layer, int head) {
    m_layer = layer;
    m_head = head;
    m_grid->setCurrent(layer, head);
    showHead();
}

void MainWindow::selectStrongestSinkHead() {
    m_selectSinkHead = true; // applied when the next run is shown
    m_debounce->start();     // coalesces with a prompt change made at the same time
}

} // namespace sinkscope::gui
