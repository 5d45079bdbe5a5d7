#include "engine_worker.h"

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
#include <cstring>
#include <fmt/format.h>

namespace sinkscope::gui {

namespace {

// Copies every head's rows into one [L, H, T, T] buffer; layers the run did not recompute keep
// what the buffer held (the unmodified run's maps).
class DenseCapture : public ForwardObserver {
public:
    DenseCapture(std::vector<float>& dst, int heads, std::int64_t T) : m_dst(dst), m_heads(heads), m_T(T) {}
    bool wantsAttention(int, int) override { return true; }
    void onAttention(int layer, int head, const MatrixView& w) override {
        float* out =
            m_dst.data() + ((static_cast<std::int64_t>(layer) * m_heads + head) * m_T + w.firstRow) * m_T;
        for (std::int64_t r = 0; r < w.rows && w.firstRow + r < m_T; ++r)
            std::memcpy(out + r * m_T, w.row(r),
                        sizeof(float) * static_cast<std::size_t>(std::min(w.cols, m_T)));
    }

private:
    std::vector<float>& m_dst;
    int m_heads;
    std::int64_t m_T;
};
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
    auto m = Model::load(path.toStdString(),
                         LoadOptions{"cpu", bf16 ? ComputePrecision::Bf16 : ComputePrecision::F32});
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

void EngineWorker::run(const QString& prompt, const QStringList& specs, int maxNewTokens) {
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
    if (!m_prepared || prompt != m_preparedPrompt) {
        auto ids = promptIds(prompt);
        if (!ids) {
            Q_EMIT failed(QString::fromStdString(ids.error().message));
            return;
        }
        const auto T = static_cast<std::int64_t>(ids->size());
        // The window keeps every head's dense map three times (the base run, the shown run and
        // the view's copy) and the residual stream of every state: refuse before allocating.
        const double maps = 3.0 * c.nLayers * c.nHeads * static_cast<double>(T) * static_cast<double>(T) * 4;
        const double states = static_cast<double>(c.nLayers + 1) * static_cast<double>(T) * c.dModel * 4;
        if (auto st = m.checkMemory(T, 0, true, ivs, true,
                                    static_cast<std::int64_t>(std::min(9.0e18, maps + states)),
                                    "the window's copies of every head's attention map");
            !st) {
            Q_EMIT failed(QString::fromStdString(st.error().message));
            return;
        }
        m_baseAttention.assign(static_cast<std::size_t>(c.nLayers * c.nHeads * T * T), 0.0f);
        // The unmodified pass feeds both the maps and the metrics panel.
        DenseCapture base(m_baseAttention, c.nHeads, T);
        PromptMetricsObserver metrics(c.nLayers, c.nHeads);
        ObserverFanout both(base, metrics);
        auto prepared = PreparedPrompt::create(m, *ids, &both);
        if (!prepared) {
            Q_EMIT failed(QString::fromStdString(prepared.error().message));
            return;
        }
        m_prepared = std::move(prepared.value());
        m_preparedPrompt = prompt;
        ++m_promptSerial;
        m_promptMetrics = std::make_shared<RunView>();
        m_promptMetrics->sinkRate = sinkRateOver({metrics.alphaAt(0)}, 0.3);
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
    view->baseAttention = m_baseAttention;
    view->attention = m_baseAttention;
    for (const auto& iv : ivs)
        view->interventions.push_back(iv.spec);

    DenseCapture capture(view->attention, c.nHeads, T);
    auto r = m_prepared->run(ivs, &capture);
    if (!r) {
        Q_EMIT failed(QString::fromStdString(r.error().message));
        return;
    }
    view->firstRecomputedLayer = r->firstRecomputedLayer;
    const auto V = static_cast<std::int64_t>(r->logits.size());
    view->effect = nextTokenEffect(m_prepared->baseLogits().data(), r->logits.data(), V, 10);
    auto text = [&](std::int32_t id) {
        return m.tokenizer() ? m.tokenizer()->tokenText(id) : fmt::format("<{}>", id);
    };
    for (const auto& t : view->effect.baseTop)
        view->baseTopText.push_back(text(t.id));
    for (const auto& t : view->effect.intervenedTop)
        view->topText.push_back(text(t.id));
    view->baseAlpha0 = alpha0Table(view->baseAttention, c.nLayers, c.nHeads, T, view->windows);
    view->alpha0 = alpha0Table(view->attention, c.nLayers, c.nHeads, T, view->windows);

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
            return m.tokenizer() ? m.tokenizer()->decode(g2) : fmt::format("{}", fmt::join(g2, ","));
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
