#include "side_by_side.h"

#include "engine_worker.h"
#include "metrics/sink_heads.h"
#include "views/heatmap_canvas.h"

#include <QFileInfo>
#include <algorithm>
#include <cmath>

namespace sinkscope::gui {

SideBySide::SideBySide(QObject* parent) : QObject(parent) {
    m_canvas = new HeatmapCanvas;
    m_canvas->setObjectName("sideBySideMap");
    m_canvas->hide();
    connect(m_canvas, &HeatmapCanvas::hovered, this, &SideBySide::hovered);
}

SideBySide::~SideBySide() {
    if (m_worker) {
        m_worker->cancel();
        m_thread.quit();
        m_thread.wait();
    }
}

void SideBySide::ensureWorker() {
    if (m_worker) return;
    // A worker of its own: the window's keeps its model, prompt and maps untouched.
    m_worker = new EngineWorker;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &SideBySide::startRun, m_worker, &EngineWorker::run);
    connect(this, &SideBySide::startLoad, m_worker, &EngineWorker::loadModel);
    connect(m_worker, &EngineWorker::modelLoaded, this, [this] {
        m_loading = false;
        m_error.clear();
        if (!m_prompt.isNull()) runPrompt(m_prompt, m_specs, m_focusLayer);
        Q_EMIT changed();
    });
    connect(m_worker, &EngineWorker::runFinished, this, [this](RunViewPtr view) {
        m_busy = false;
        m_run = std::move(view);
        m_error.clear();
        if (m_pending) runPrompt(m_prompt, m_specs, m_focusLayer);
        Q_EMIT changed();
    });
    const auto failed = [this](const QString& message) {
        m_loading = m_busy = false;
        m_run.reset();
        m_error = message;
        if (m_pending) runPrompt(m_prompt, m_specs, m_focusLayer);
        Q_EMIT changed();
    };
    connect(m_worker, &EngineWorker::failed, this, failed);
    connect(m_worker, &EngineWorker::cancelled, this, [this] {
        m_busy = m_pending = false;
        Q_EMIT changed();
    });
    connect(m_worker, &EngineWorker::memoryRefused, this, failed);
    m_thread.start();
}

void SideBySide::showBaseAndIntervened() {
    m_mode = Mode::BaseIntervened;
    m_canvas->show();
    Q_EMIT changed();
}

void SideBySide::compareWithModel(const QString& path, bool bf16) {
    ensureWorker();
    m_mode = Mode::Model;
    m_modelPath = path.endsWith("config.json") ? QFileInfo(path).absolutePath() : path;
    m_run.reset();
    m_error.clear();
    m_loading = true;
    m_canvas->show();
    Q_EMIT startLoad(m_modelPath, bf16);
    Q_EMIT changed();
}

void SideBySide::stop() {
    m_mode = Mode::Off;
    m_canvas->hide();
    if (m_worker) m_worker->cancel();
    Q_EMIT changed();
}

void SideBySide::cancel() {
    if (m_worker && busy()) {
        m_pending = false;
        m_worker->cancel();
    }
}

void SideBySide::runPrompt(const QString& prompt, const QStringList& specs, int focusLayer) {
    m_prompt = prompt;
    m_specs = specs;
    m_focusLayer = focusLayer;
    if (m_mode != Mode::Model || m_loading) return; // run once the model is loaded
    if (m_busy) {
        m_pending = true;
        return;
    }
    m_busy = true;
    m_pending = false;
    Q_EMIT startRun(prompt, specs, 0, focusLayer);
}

const HeatmapFigure& SideBySide::drawBeside(HeatmapFigure& left, const RunView& main, MapShown shown,
                                            int layer, int head) {
    MapFigure right;
    const RunView* other = m_mode == Mode::BaseIntervened ? &main : m_run.get();
    if (m_mode == Mode::BaseIntervened) {
        right = mapFigure(main, MapShown::Intervened, layer, head, showsText(main, MapShown::Intervened));
    } else if (other) {
        // The other model may have fewer layers or heads: its nearest head, said in the title.
        const int l = std::min(layer, other->layers - 1), h = std::min(head, other->heads - 1);
        QString shows = showsText(*other, shown);
        if (l != layer || h != head)
            shows += QString(" (it has %1 × %2 heads)").arg(other->layers).arg(other->heads);
        // A stored run on the left (from a trace file) is not what the other model was given.
        if (main.promptSerial == 0)
            shows += " · the prompt box's text, not the stored run's";
        else if (m_busy)
            shows += " · updating…";
        right = mapFigure(*other, shown, l, h, shows);
        if (!right.present) {
            right.figure.title += " · fetching this layer's maps…";
            if (!m_busy) runPrompt(m_prompt, m_specs, l);
        }
        const auto& table = shown == MapShown::Base ? other->baseAlpha0 : other->alpha0;
        std::vector<double> alpha0;
        for (const auto& row : table)
            alpha0.insert(alpha0.end(), row.begin(), row.end());
        m_canvas->setHeadOverview(other->layers, other->heads, std::move(alpha0), sinkHeadFlags(table), l, h);
    } else {
        // Nothing to draw yet: an empty map whose title says why.
        right.figure.rows = right.figure.cols = 1;
        right.figure.values = {NAN};
        const QString name = QFileInfo(m_modelPath).fileName();
        right.figure.title =
            (m_error.isEmpty() ? QString("%1 · %2").arg(name, m_loading ? "loading…" : "running…")
                               : QString("%1 · %2").arg(name, m_error))
                .toStdString();
    }
    HeatmapFigure& f = right.figure;
    f.colormap = left.colormap;
    f.scale = left.scale;
    f.dpi = left.dpi;
    f.colorbarLabel = left.colorbarLabel;
    shareColourRange(left, f);
    m_canvas->setFigure(std::move(f));
    return m_canvas->figure();
}

} // namespace sinkscope::gui
