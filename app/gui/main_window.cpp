// MainWindow's run cycle: the engine worker's wiring, runs requested and shown (map, head grid,
// output, metrics, token strip), the error banner, and the actions the menus and classroom mode
// call. The panels themselves: main_window_panels.cpp.
#include "main_window.h"

#include "engine_worker.h"
#include "intervene/intervention.h"
#include "intervene/intervention_notes.h"
#include "intervention_panel.h"
#include "map_figure.h"
#include "metrics/sink_heads.h"
#include "metrics/sink_metrics.h"
#include "side_by_side.h"
#include "views/head_grid.h"
#include "views/heatmap_canvas.h"
#include "views/norm_plot.h"
#include "views/token_strip.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QTimer>
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
    // Without interventions nothing was recomputed: saying "from layer L" there would mislead.
    m_runLabel->setText(QString("%1 tokens · %2 ms · %3")
                            .arg(view->T)
                            .arg(view->milliseconds, 0, 'f', 1)
                            .arg(view->interventions.empty()
                                     ? QString("unmodified run")
                                     : QString("recomputed from layer %1").arg(view->firstRecomputedLayer)));
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

QString MainWindow::promptText() const {
    return m_prompt->toPlainText();
}

void MainWindow::applyInterventionPreset(const InterventionPanel::Preset& preset) {
    m_panel->applyPreset(preset);
}

bool MainWindow::fixedRange01() const {
    return m_fixedRange->isChecked();
}

void MainWindow::setFixedRange01(bool on) {
    m_fixedRange->setChecked(on);
}

bool MainWindow::sideBySideShown() const {
    return m_side->mode() != SideBySide::Mode::Off;
}

void MainWindow::stopSideBySide() {
    m_side->stop();
}

} // namespace sinkscope::gui
