#include "engine_worker.h"

#include "core/available_memory.h"
#include "core/human_bytes.h"
#include "core/token_ids.h"
#include "metrics/secondary_sinks.h"
#include "metrics/sink_dimensions.h"
#include "metrics/sink_heads.h"
#include "metrics/sink_metrics.h"
#include "model/capture.h"
#include "model/model.h"
#include "model/prepared_prompt.h"
#include "model/prompt_metrics.h"
#include "model/trace_run.h" // EngineWorker owns a TraceGroup

#include <QElapsedTimer>
#include <QFileInfo>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <functional>

namespace sinkscope::gui {

namespace {

// Copies the rows of every head of layers first..first+count-1 into one [count, H, T, T] buffer;
// layers the run did not recompute keep what the buffer held (the unmodified run's maps).
class DenseCapture : public ForwardObserver {
public:
    DenseCapture(std::vector<float>& dst, int heads, std::int64_t T, int first, int count)
        : m_dst(dst), m_heads(heads), m_T(T), m_first(first), m_count(count) {}
    bool wantsAttention(int layer, int) override { return layer >= m_first && layer < m_first + m_count; }
    void onAttention(int layer, int head, const MatrixView& w) override {
        float* out = m_dst.data() +
                     ((static_cast<std::int64_t>(layer - m_first) * m_heads + head) * m_T + w.firstRow) * m_T;
        for (std::int64_t r = 0; r < w.rows && w.firstRow + r < m_T; ++r)
            std::memcpy(out + r * m_T, w.row(r),
                        sizeof(float) * static_cast<std::size_t>(std::min(w.cols, m_T)));
    }

private:
    std::vector<float>& m_dst;
    int m_heads;
    std::int64_t m_T;
    int m_first, m_count;
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
// Per token, the mean key (or value) norm over the heads that reported one (the KV heads).
std::vector<float> meanOverHeads(const PromptMetricsObserver& m, int layer, int heads, bool keys) {
    std::vector<float> sum;
    int n = 0;
    for (int h = 0; h < heads; ++h) {
        const auto& v = keys ? m.keyNorms(layer, h) : m.valueNorms(layer, h);
        if (v.empty()) continue;
        sum.resize(std::max(sum.size(), v.size()), 0.0f);
        for (std::size_t t = 0; t < v.size(); ++t)
            sum[t] += v[t];
        ++n;
    }
    for (float& x : sum)
        x /= float(std::max(1, n));
    return sum;
}
} // namespace

EngineWorker::EngineWorker() {
    qRegisterMetaType<CtrViewPtr>();
}
EngineWorker::~EngineWorker() = default;

Result<std::vector<std::int32_t>> EngineWorker::promptIds(const QString& prompt) const {
    if (prompt.trimmed().startsWith("ids:"))
        return parseTokenIdList(prompt.trimmed().mid(4).toStdString(), "prompt ids");
    if (!m_model->tokenizer()) return Error{"this model has no tokenizer: write the prompt as ids: 1, 2, 3"};
    auto enc = m_model->tokenizer()->encode(prompt.toStdString(), m_model->config().addBos);
    if (!enc) return Error{enc.error().message};
    return std::move(enc.value());
}

Result<Interventions> EngineWorker::interventionsOf(const QStringList& specs) const {
    Interventions ivs;
    for (const QString& s : specs) {
        auto iv = parseIntervention(s.toStdString());
        if (!iv) return iv.error();
        ivs.push_back(std::move(iv.value()));
    }
    return ivs;
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
        auto maps = std::make_shared<std::vector<float>>(
            static_cast<std::size_t>(m_layerCount * c.nHeads * T * T), 0.0f);
        // The unmodified pass feeds both the maps and the metrics panel.
        DenseCapture base(*maps, c.nHeads, T, m_firstLayer, m_layerCount);
        PromptMetricsObserver metrics(c.nLayers, c.nHeads);
        ObserverFanout both(base, metrics);
        PassProgress layers([&](int state) { Q_EMIT passProgress(state, c.nLayers, T); }, m_cancel);
        ObserverFanout all(both, layers);
        auto prepared = PreparedPrompt::create(m, *ids, &all);
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
        m_baseAttention = std::move(maps);
        ++m_promptSerial;
        m_promptMetrics = std::make_shared<RunView>();
        m_baseAlpha0 = metrics.alphaAt(0);
        m_promptMetrics->sinkRate = sinkRateOver({m_baseAlpha0}, kSinkEpsilon);
        m_promptMetrics->hiddenNorms = metrics.hiddenNorms();
        for (int l = 0; l < c.nLayers; ++l) {
            m_promptMetrics->keyNorms.push_back(meanOverHeads(metrics, l, c.nHeads, true));
            m_promptMetrics->valueNorms.push_back(meanOverHeads(metrics, l, c.nHeads, false));
        }
        const auto dims = sinkDimensions(metrics.hiddenStates());
        m_promptMetrics->sinkDimensions = dims.dims;
        m_promptMetrics->largestR = dims.largestR;
        m_promptMetrics->sinkDims = std::make_shared<const SinkDimensions>(dims);
        for (const auto& row : secondarySinks(metrics.hiddenStates()).rows)
            m_promptMetrics->secondarySinks.push_back(
                {row.token, row.firstLayer, row.layers, std::string(sinkRoleName(row.role))});
        // Kept for the channels view, moved rather than copied: a copy cost ~25 ms per 20 MB here
        // (13 states x 512 tokens x 768 channels), the stream is already in memory, and nothing else
        // reads it after this point.
        m_promptMetrics->hiddenStates = std::make_shared<const HiddenStates>(metrics.takeHiddenStates());
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
        view->tokens.push_back(m.tokenizer() ? m.tokenizer()->tokenText(id) : fmt::format("<{}>", id));
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

    // The intervened maps start as a copy of the unmodified ones (layers before the first
    // intervened one are not recomputed); without interventions the view shares the base buffer.
    std::shared_ptr<std::vector<float>> intervened;
    if (!ivs.empty()) intervened = std::make_shared<std::vector<float>>(*m_baseAttention);
    std::vector<float> unused;
    // alpha_0 of every head comes from the pass itself, whichever layers' maps are kept.
    DenseCapture capture(intervened ? *intervened : unused, c.nHeads, T, m_firstLayer,
                         intervened ? m_layerCount : 0);
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
    view->attention =
        intervened ? std::shared_ptr<const std::vector<float>>(std::move(intervened)) : m_baseAttention;
    const auto V = static_cast<std::int64_t>(r->logits.size());
    view->effect = nextTokenEffect(m_prepared->baseLogits().data(), r->logits.data(), V, 10);
    auto text = [&](std::int32_t id) {
        return m.tokenizer() ? m.tokenizer()->tokenText(id) : fmt::format("<{}>", id);
    };
    for (const auto& t : view->effect.baseTop)
        view->baseTopText.push_back(text(t.id));
    for (const auto& t : view->effect.intervenedTop)
        view->topText.push_back(text(t.id));
    view->baseAlpha0 = m_baseAlpha0;
    view->alpha0 = m_baseAlpha0; // layers before the first recomputed one are the unmodified run's
    const auto recomputed = alpha.alpha0();
    for (int l = r->firstRecomputedLayer; l < c.nLayers; ++l)
        view->alpha0[static_cast<std::size_t>(l)] = recomputed[static_cast<std::size_t>(l)];

    if (maxNewTokens > 0) {
        GenerationOptions g;
        g.maxNewTokens = maxNewTokens;
        auto progress = [&](int done, int total) {
            Q_EMIT this->progress(done, total);
            return !m_cancel.load();
        };
        auto base = m.generate(ids, g, nullptr, progress);
        auto after = ivs.empty() ? base : m.generate(ids, g, nullptr, progress, ivs);
        if (!base || !after) {
            Q_EMIT failed(QString::fromStdString(!base ? base.error().message : after.error().message));
            return;
        }
        auto decode = [&](const std::vector<std::int32_t>& g2) {
            return m.tokenizer() ? m.tokenizer()->decode(g2) : fmt::format("{}", fmt::join(g2, ", "));
        };
        view->generatedBase = decode(base->generated);
        view->generatedIntervened = decode(after->generated);
        if (auto d = firstDivergence(base->generated, after->generated)) {
            view->firstDivergence = static_cast<std::int64_t>(*d);
            const auto split = [&](const std::vector<std::int32_t>& g2, std::size_t from, std::size_t to) {
                return decode(
                    std::vector<std::int32_t>(g2.begin() + std::ptrdiff_t(std::min(from, g2.size())),
                                              g2.begin() + std::ptrdiff_t(std::min(to, g2.size()))));
            };
            view->generatedCommon = split(base->generated, 0, *d);
            view->generatedBaseRest = split(base->generated, *d, base->generated.size());
            view->generatedIntervenedRest = split(after->generated, *d, after->generated.size());
        }
    }
    view->contextWarning = m.contextWarning(T + std::max(0, maxNewTokens));
    view->milliseconds = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    Q_EMIT runFinished(view);
}

} // namespace sinkscope::gui
