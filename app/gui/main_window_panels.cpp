// The window's main panels, built once by buildUi: the prompt and intervention dock on the left,
// the map area in the centre (error banner, scenario caption, token strip, the maps and their
// colour controls), the head grid and output dock on the right, the metrics dock tabbed with the
// prompt, the status bar, and the wiring between these panels. Analysis docks:
// main_window_docks.cpp; menus: main_window_menus.cpp; layout: main_window_layout.cpp.
#include "intervention_panel.h"
#include "main_window.h"
#include "model/blas_check.h"
#include "side_by_side.h"
#include "views/head_grid.h"
#include "views/heatmap_canvas.h"
#include "views/norm_plot.h"
#include "views/probability_bars.h"
#include "views/token_strip.h"
#include "views/token_strip_area.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace sinkscope::gui {

void MainWindow::buildUi() {
    setWindowTitle("SinkScope");
    QDockWidget* promptDock = buildPromptDock();
    setCentralWidget(buildCentre());
    buildOutputDock();
    buildMetricsDock(promptDock);
    buildMenus();
    buildStatusBar();
    connectPanels();
    resize(1280, 800);
}

QDockWidget* MainWindow::buildPromptDock() {
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
    return leftDock;
}

QWidget* MainWindow::buildCentre() {
    m_heatmap = new HeatmapCanvas;
    m_strip = new TokenStrip;
    m_caption = new QLabel;
    m_caption->setObjectName("classroomCaption"); // classroom mode fits its type to it
    m_caption->setWordWrap(true);
    m_caption->setTextFormat(Qt::RichText);
    m_caption->setMargin(8);
    // The scenario text must show whole: the map gives up height, not the caption.
    m_caption->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Minimum);
    m_caption->hide();
    auto* centre = new QWidget;
    auto* cv = new QVBoxLayout(centre);
    cv->addWidget(buildErrorBanner());
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
    cv->addLayout(buildMapControls());
    return centre;
}

// Errors in a banner above the map (not the status bar, where they outlived later successes):
// it stays until dismissed or until the next run or load succeeds.
QFrame* MainWindow::buildErrorBanner() {
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
    return m_errorBanner;
}

// The row below the maps: the difference toggle, the token strip's source and the map's colours
// (the same colormaps and scales as `sinkscope-cli export`).
QHBoxLayout* MainWindow::buildMapControls() {
    m_showDiff = new QCheckBox("Show intervened − base (&diff)");
    m_showDiff->setObjectName("showDiff");
    m_showDiff->setToolTip(
        "Show the intervened map minus the unmodified one (blue: less attention, red: more)");
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
    m_stripSource = new QComboBox;
    m_stripSource->setObjectName("stripSource");
    m_stripSource->addItems({"this head", "layer mean"});
    m_stripSource->setToolTip(
        "What the token strip shades: the attention the hovered or selected token gives "
        "to each token in the head shown, or averaged over its layer's heads");
    connect(m_fixedRange, &QCheckBox::toggled, this, &MainWindow::showHead);
    connect(m_stripSource, &QComboBox::currentIndexChanged, this, &MainWindow::showTokenWeights);
    connect(m_colormap, &QComboBox::currentIndexChanged, this, &MainWindow::showHead);
    connect(m_scale, &QComboBox::currentIndexChanged, this, &MainWindow::showHead);
    m_mapTools = new QWidget;
    auto* tools = new QHBoxLayout(m_mapTools);
    tools->setContentsMargins(0, 0, 0, 0);
    tools->addSpacing(12);
    tools->addWidget(new QLabel("strip"));
    tools->addWidget(m_stripSource);
    tools->addStretch();
    tools->addWidget(new QLabel("colours"));
    tools->addWidget(m_colormap);
    tools->addWidget(new QLabel("scale"));
    tools->addWidget(m_scale);
    tools->addWidget(m_fixedRange);
    auto* below = new QHBoxLayout;
    below->addWidget(m_showDiff);
    below->addWidget(m_mapTools, 1);
    return below;
}

void MainWindow::buildOutputDock() {
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
}

// Metrics of the unmodified run, tabbed behind the prompt dock (which stays in front).
void MainWindow::buildMetricsDock(QDockWidget* promptDock) {
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
    tabifyDockWidget(promptDock, metricsDock);
    promptDock->raise();
}

void MainWindow::buildStatusBar() {
    m_modelLabel = new QLabel("loading model…");
    m_runLabel = new QLabel;
    const BlasInfo blas = detectBlas();
    auto* blasLabel = new QLabel(blas.isOpenBlas ? "OpenBLAS" : "reference BLAS (slow)");
    blasLabel->setToolTip(
        QString::fromStdString(blas.library.empty() ? "no BLAS library found" : blas.library));
    statusBar()->addPermanentWidget(m_modelLabel);
    statusBar()->addPermanentWidget(blasLabel);
    statusBar()->addPermanentWidget(m_runLabel);
}

// Between the panels: edits re-run (debounced), the grid and the map pick the head shown, the
// strip follows the token hovered or selected, and readouts go to the status bar.
void MainWindow::connectPanels() {
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
}

} // namespace sinkscope::gui
