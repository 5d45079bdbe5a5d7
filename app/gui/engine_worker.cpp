#include "engine_worker.h"

#include "core/available_memory.h"
#include "core/human_bytes.h"
#include "metrics/method_defaults.h"
#include "model/model.h"
#include "model/prepared_prompt.h"
#include "session/capture.h"
#include "session/comparison.h"
#include "session/image_prompt.h"
#include "session/prompt_input.h"
#include "session/prompt_metrics.h"
#include "session/prompt_report.h"
#include "session/trace_run.h" // EngineWorker owns a TraceGroup

#include <QElapsedTimer>
#include <QFileInfo>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <functional>

namespace sinkscope::gui {

namespace {

// Copies the rows of every head of the kept layers [keptFirst, keptEnd) that the pass computes into
// one [layers, H, T, T] buffer starting at the first of them: a run under interventions recomputes
// only from its first intervened layer, so only those layers are allocated (the ones before are
// the unmodified run's, already held). Layers arrive in order, one head at a time.
class DenseCapture : public ForwardObserver {
public:
    DenseCapture(int heads, std::int64_t T, int keptFirst, int keptEnd)
        : m_heads(heads), m_T(T), m_keptFirst(keptFirst), m_keptEnd(keptEnd) {}
    bool wantsAttention(int layer, int) override { return layer >= m_keptFirst && layer < m_keptEnd; }
    void onAttention(int layer, int head, const MatrixView& w) override {
        if (!m_maps) {
            m_from = layer;
            m_maps = std::make_shared<std::vector<float>>(
                static_cast<std::size_t>((m_keptEnd - layer) * m_heads * m_T * m_T), 0.0f);
        }
        float* out = m_maps->data() +
                     ((static_cast<std::int64_t>(layer - m_from) * m_heads + head) * m_T + w.firstRow) * m_T;
        for (std::int64_t r = 0; r < w.rows && w.firstRow + r < m_T; ++r)
            std::memcpy(out + r * m_T, w.row(r),
                        sizeof(float) * static_cast<std::size_t>(std::min(w.cols, m_T)));
    }
    // The maps from layer from() on; null when the pass computed none of the kept layers.
    std::shared_ptr<std::vector<float>> maps() const { return m_maps; }
    int from() const { return m_maps ? m_from : m_keptEnd; }

private:
    int m_heads;
    std::int64_t m_T;
    int m_keptFirst, m_keptEnd, m_from = 0;
    std::shared_ptr<std::vector<float>> m_maps;
};

// Reports each layer as the pass reaches it (hidden-state norms arrive once per state), so that a
// long prompt shows how far the pass is rather than only "running…", and stops the pass at the
// next layer once the user cancels (Esc).
class PassProgress : public ForwardObserver {
public:
    PassProgress(std::function<void(int)> onState, const std::atomic<bool>& cancel)
        : m_onState(std::move(onState)), m_cancel(cancel) {}
    bool wantsHiddenNorms() override { return true; }
    void onHiddenNorms(int state, std::int64_t, const float*, std::int64_t) override { m_onState(state); }
    bool cancelled() override { return m_cancel.load(); }

private:
    std::function<void(int)> m_onState;
    const std::atomic<bool>& m_cancel;
};

// Which layers' maps the window keeps for a T-token prompt: all of them when they fit in what this
// machine has available (with a quarter kept free for everything else), else as many as fit,
// centred on the layer the user is looking at. Each kept layer costs two dense [H, T, T] float32
// copies (the unmodified run's, shared, and the intervened run's). count 0: not even one layer fits.
struct KeptLayers {
    int first = 0, count = 0;
    std::int64_t perLayerBytes = 0, allBytes = 0, available = -1;
};
KeptLayers keptLayers(const Model& m, std::int64_t T, const Interventions& ivs, int focus) {
    const auto& c = m.config();
    const double perLayer = 2.0 * c.nHeads * static_cast<double>(T) * static_cast<double>(T) * 4;
    const double states = static_cast<double>(c.nLayers + 1) * static_cast<double>(T) * c.dModel * 4;
    const double pass = static_cast<double>(m.passBytes(T, 0, true, ivs, true));
    KeptLayers k;
    k.perLayerBytes = static_cast<std::int64_t>(std::min(9.0e18, perLayer));
    k.allBytes = static_cast<std::int64_t>(std::min(9.0e18, perLayer * c.nLayers + states + pass));
    k.available = availableMemoryBytes();
    k.count = c.nLayers;
    if (k.available >= 0) {
        const double room = 0.75 * static_cast<double>(k.available) - states - pass;
        k.count = room <= 0 ? 0 : static_cast<int>(std::min<double>(c.nLayers, std::floor(room / perLayer)));
    }
    k.first = std::clamp(focus - k.count / 2, 0, std::max(0, c.nLayers - k.count));
    return k;
}
} // namespace

EngineWorker::EngineWorker() {
    qRegisterMetaType<CtrViewPtr>();
}
EngineWorker::~EngineWorker() = default;

Result<std::vector<std::int32_t>> EngineWorker::promptIds(const QString& prompt) const {
    if (!m_image) return promptBoxIds(*m_model, prompt.toStdString());
    // The picture goes where the prompt marks it: the word image in "ids: ...", <image> in text, or
    // first (after BOS) when the text does not say.
    std::string box = prompt.toStdString();
    const auto first = box.find_first_not_of(" \t\r\n");
    std::vector<std::int32_t> ids;
    if (first != std::string::npos && box.compare(first, 4, "ids:") == 0) {
        auto word = takeImageWord(box.substr(first + 4), "the prompt's ids");
        if (!word) return word.error();
        auto parsed = promptBoxIds(*m_model, "ids:" + word->tokenIds);
        if (!parsed) return parsed.error();
        ids = std::move(parsed.value());
        ids.insert(ids.begin() + static_cast<std::ptrdiff_t>(std::min(word->index, ids.size())),
                   llavaConfig(*m_model)->imageTokenId);
    } else {
        if (box.find("<image>") == std::string::npos) box = "<image>\n" + box;
        auto parsed = promptBoxIds(*m_model, box);
        if (!parsed) return parsed.error();
        ids = std::move(parsed.value());
    }
    auto span = expandImageToken(*m_model, ids, m_image->embeddings.rows, "the prompt");
    if (!span) return span.error();
    return ids;
}

void EngineWorker::setImage(const QString& path) {
    m_prepared.reset(); // the next run prepares its prompt with (or without) the picture
    m_preparedPrompt.clear();
    if (path.isEmpty()) {
        m_image.reset();
        Q_EMIT imageChanged({}, {});
        return;
    }
    if (!m_model) {
        Q_EMIT failed("load a LLaVA model before opening a picture");
        return;
    }
    auto image = loadPromptImage(*m_model, m_modelPath.toStdString(), path.toStdString());
    if (!image) {
        Q_EMIT failed(QString::fromStdString(image.error().message));
        return;
    }
    m_image = std::make_shared<const PromptImage>(std::move(image.value()));
    const auto& p = *m_image;
    Q_EMIT imageChanged(path, QString("%1 · %2 image tokens (%3%4 x %5 patches)")
                                  .arg(QFileInfo(path).fileName())
                                  .arg(p.embeddings.rows)
                                  .arg(p.leadingTokens ? QString("%1 + ").arg(p.leadingTokens) : QString())
                                  .arg(p.gridRows)
                                  .arg(p.gridCols));
}

Result<Interventions> EngineWorker::interventionsOf(const QStringList& specs) const {
    std::vector<std::string> list;
    for (const QString& s : specs)
        list.push_back(s.toStdString());
    return parseInterventionList(list, "");
}

void EngineWorker::loadModel(const QString& path, bool bf16) {
    m_cancel = false;
    LoadOptions options{"cpu", bf16 ? ComputePrecision::Bf16 : ComputePrecision::F32, {}};
    // A big model's weights are checked as they are mapped (seconds per GB from disk): show how
    // far it is, at most once per percent, and let Esc stop it (the loaded model stays).
    int shown = -1;
    options.progress = [&](std::int64_t done, std::int64_t total) {
        const int percent = total > 0 ? static_cast<int>(100 * done / total) : 100;
        if (percent != shown) {
            shown = percent;
            Q_EMIT loadProgress(percent);
        }
        return !m_cancel.load();
    };
    auto m = Model::load(path.toStdString(), options);
    if (!m) {
        Q_EMIT failed(QString::fromStdString(m.error().message));
        return;
    }
    m_model = std::move(m.value());
    m_modelPath = path;
    if (m_image) { // another tower: the picture is prepared again, or dropped for a text model
        m_image.reset();
        Q_EMIT imageChanged({}, {});
    }
    m_prepared.reset();
    m_preparedPrompt.clear();
    QStringList notices;
    for (const auto& n : m_model->notices())
        notices << QString::fromStdString(n);
    Q_EMIT modelLoaded(QString::fromStdString(m_model->describe()),
                       QString::fromStdString(m_model->deviceName()), notices.join("\n"));
}

void EngineWorker::run(const QString& prompt, const QStringList& specs, int maxNewTokens, int focusLayer) {
    m_cancel = false;
    if (!m_model) {
        Q_EMIT failed("no model is loaded");
        return;
    }
    QElapsedTimer timer;
    timer.start();
    const Model& m = *m_model;
    const auto& c = m.config();

    auto parsed = interventionsOf(specs);
    if (!parsed) {
        Q_EMIT failed(QString::fromStdString(parsed.error().message));
        return;
    }
    const Interventions& ivs = *parsed;

    auto view = std::make_shared<RunView>();
    // A new prompt prepares the unmodified run; so does a layer whose maps were not kept (a big
    // model at a long prompt keeps the layers that fit, and fetches others when they are shown).
    const bool layerMissing =
        focusLayer >= 0 && (focusLayer < m_firstLayer || focusLayer >= m_firstLayer + m_layerCount);
    if (!m_prepared || prompt != m_preparedPrompt || layerMissing) {
        auto ids = promptIds(prompt);
        if (!ids) {
            Q_EMIT failed(QString::fromStdString(ids.error().message));
            return;
        }
        const auto T = static_cast<std::int64_t>(ids->size());
        if (auto st = m.checkMemory(T, 0, true, ivs, true); !st) {
            Q_EMIT memoryRefused(QString::fromStdString(st.error().message));
            return;
        }
        const KeptLayers kept = keptLayers(m, T, ivs, std::max(0, focusLayer));
        if (kept.count == 0) {
            Q_EMIT memoryRefused(
                QString("A %1-token prompt needs about %2 to show one layer's attention maps "
                        "beside the pass, but %3 is available. Shorten the prompt or close "
                        "other programs.")
                    .arg(T)
                    .arg(QString::fromStdString(humanBytes(static_cast<std::uint64_t>(kept.perLayerBytes))))
                    .arg(QString::fromStdString(humanBytes(static_cast<std::uint64_t>(kept.available)))));
            return;
        }
        m_firstLayer = kept.first;
        m_layerCount = kept.count;
        m_keptNote.clear();
        if (kept.count < c.nLayers)
            m_keptNote =
                fmt::format("maps of layers {}-{} of {} kept: every layer's maps at {} tokens need about "
                            "{}, {} is available; choose a layer to fetch its maps",
                            kept.first, kept.first + kept.count - 1, c.nLayers, T,
                            humanBytes(static_cast<std::uint64_t>(kept.allBytes)),
                            humanBytes(static_cast<std::uint64_t>(kept.available)));
        // The unmodified pass feeds both the maps and the metrics panel.
        DenseCapture base(c.nHeads, T, m_firstLayer, m_firstLayer + m_layerCount);
        PromptMetricsObserver metrics(c.nLayers, c.nHeads);
        ObserverFanout both(base, metrics);
        PassProgress layers([&](int state) { Q_EMIT passProgress(state, c.nLayers, T); }, m_cancel);
        ObserverFanout all(both, layers);
        auto prepared = PreparedPrompt::create(m, *ids, &all, m_image ? &m_image->embeddings : nullptr);
        if (!prepared) {
            Q_EMIT failed(QString::fromStdString(prepared.error().message));
            return;
        }
        if (m_cancel) { // stopped part-way: the previous prompt's state stays as it was
            Q_EMIT cancelled();
            return;
        }
        m_prepared = std::move(prepared.value());
        m_preparedPrompt = prompt;
        m_baseAttention = base.maps();
        ++m_promptSerial;
        m_promptMetrics = std::make_shared<RunView>();
        auto summary = summarizePrompt(metrics, c.nLayers, c.nHeads, kSinkEpsilon);
        m_baseAlpha0 = summary.alpha0;
        m_promptMetrics->sinkRate = summary.sinkRate;
        m_promptMetrics->hiddenNorms = metrics.hiddenNorms();
        m_promptMetrics->keyNorms = std::move(summary.meanKeyNorms);
        m_promptMetrics->valueNorms = std::move(summary.meanValueNorms);
        m_promptMetrics->sinkDimensions = summary.dims.dims;
        m_promptMetrics->largestR = summary.dims.largestR;
        m_promptMetrics->sinkDims = std::make_shared<const SinkDimensions>(std::move(summary.dims));
        for (const auto& row : summary.secondary.rows)
            m_promptMetrics->secondarySinks.push_back(
                {row.token, row.firstLayer, row.layers, std::string(sinkRoleName(row.role))});
        // Kept for the channels view, moved rather than copied: a copy cost ~25 ms per 20 MB here
        // (13 states x 512 tokens x 768 channels), the stream is already in memory, and nothing else
        // reads it after this point.
        m_promptMetrics->hiddenStates = std::make_shared<const HiddenStates>(metrics.takeHiddenStates());
        m_imageView.reset();
        if (m_image) {
            auto info = std::make_shared<RunView::Image>();
            const ImageSpan span = imageSpanOf(m, *ids);
            info->path = m_image->path;
            info->first = span.first;
            info->last = span.last;
            info->gridRows = m_image->gridRows;
            info->gridCols = m_image->gridCols;
            info->leadingTokens = m_image->leadingTokens;
            info->picture = std::make_shared<const RgbImage>(m_image->picture);
            const auto visual = visualSinks(*m_promptMetrics->hiddenStates, span.first, span.last);
            for (const auto& layer : visual.layers)
                info->visualSinks.push_back(imageSinkTokens(layer, span.first, span.last));
            info->sinkDims = visual.dimensions.dims;
            info->tau = visual.dimensions.tau;
            m_imageView = std::move(info);
        }
    }
    view->sinkRate = m_promptMetrics->sinkRate;
    view->hiddenNorms = m_promptMetrics->hiddenNorms;
    view->keyNorms = m_promptMetrics->keyNorms;
    view->valueNorms = m_promptMetrics->valueNorms;
    view->sinkDimensions = m_promptMetrics->sinkDimensions;
    view->largestR = m_promptMetrics->largestR;
    view->secondarySinks = m_promptMetrics->secondarySinks;
    view->hiddenStates = m_promptMetrics->hiddenStates;
    view->sinkDims = m_promptMetrics->sinkDims;
    const auto& ids = m_prepared->ids();
    const auto T = static_cast<std::int64_t>(ids.size());
    view->ids = ids;
    view->promptSerial = m_promptSerial;
    view->modelName = QFileInfo(m_modelPath).fileName().toStdString();
    for (auto id : ids)
        view->tokens.push_back(tokenText(m, id));
    view->image = m_imageView;
    labelImageTokens(*view);
    view->layers = c.nLayers;
    view->heads = c.nHeads;
    for (int l = 0; l < c.nLayers; ++l)
        view->windows.push_back(c.windowOf(l));
    view->T = T;
    view->firstLayer = m_firstLayer;
    view->layerCount = m_layerCount;
    view->captureNote = m_keptNote;
    for (const auto& iv : ivs)
        view->interventions.push_back(iv.spec);

    // The intervened maps hold the recomputed layers only; without interventions the view shares
    // the base buffer and nothing is captured.
    DenseCapture capture(c.nHeads, T, m_firstLayer, ivs.empty() ? m_firstLayer : m_firstLayer + m_layerCount);
    // alpha_0 of every head comes from the pass itself, whichever layers' maps are kept.
    ColumnImportanceObserver alpha(c.nLayers, c.nHeads);
    ObserverFanout both(capture, alpha);
    PassProgress layers([&](int state) { Q_EMIT passProgress(state, c.nLayers, T); }, m_cancel);
    ObserverFanout all(both, layers);
    auto r = m_prepared->run(ivs, &all);
    if (!r) {
        Q_EMIT failed(QString::fromStdString(r.error().message));
        return;
    }
    if (m_cancel) {
        Q_EMIT cancelled();
        return;
    }
    view->firstRecomputedLayer = r->firstRecomputedLayer;
    view->baseAttention = m_baseAttention;
    view->attention = m_baseAttention;
    view->intervenedFrom = m_firstLayer;
    if (!ivs.empty()) {
        auto maps = capture.maps();
        view->attention = maps ? std::shared_ptr<const std::vector<float>>(std::move(maps))
                               : std::make_shared<const std::vector<float>>();
        view->intervenedFrom = capture.from();
    }
    const auto V = static_cast<std::int64_t>(r->logits.size());
    view->effect = nextTokenEffect(m_prepared->baseLogits().data(), r->logits.data(), V, 10);
    for (const auto& t : view->effect.baseTop)
        view->baseTopText.push_back(tokenText(m, t.id));
    for (const auto& t : view->effect.intervenedTop)
        view->topText.push_back(tokenText(m, t.id));
    view->baseAlpha0 = m_baseAlpha0;
    view->alpha0 = m_baseAlpha0; // layers before the first recomputed one are the unmodified run's
    const auto recomputed = alpha.alpha0();
    for (int l = r->firstRecomputedLayer; l < c.nLayers; ++l)
        view->alpha0[static_cast<std::size_t>(l)] = recomputed[static_cast<std::size_t>(l)];

    if (maxNewTokens > 0) {
        auto progress = [&](CompareSide, int done, int total) {
            Q_EMIT this->progress(done, total);
            return !m_cancel.load();
        };
        auto pair = generatePair(m, ids, ivs, maxNewTokens, progress, nullptr, nullptr,
                                 m_image ? &m_image->embeddings : nullptr);
        if (!pair) {
            Q_EMIT failed(QString::fromStdString(pair.error().message));
            return;
        }
        view->generatedBase = decodeIds(m, pair->base.generated, ", ");
        view->generatedIntervened = decodeIds(m, pair->intervened.generated, ", ");
        if (pair->firstDivergence) {
            view->firstDivergence = static_cast<std::int64_t>(*pair->firstDivergence);
            auto split = splitAtDivergence(m, *pair);
            view->generatedCommon = std::move(split.common);
            view->generatedBaseRest = std::move(split.baseRest);
            view->generatedIntervenedRest = std::move(split.intervenedRest);
        }
    }
    view->contextWarning = m.contextWarning(T + std::max(0, maxNewTokens));
    view->milliseconds = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    Q_EMIT runFinished(view);
}

} // namespace sinkscope::gui
