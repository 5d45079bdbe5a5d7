#include "session/trace_run.h"

#include "core/available_memory.h"
#include "metrics/sink_heads.h"
#include "metrics/sink_metrics.h"
#include "session/trace_capture.h"
#include "trace/run_metrics.h"
#include "trace/stored_picture.h"

#include <algorithm>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

namespace sinkscope {

namespace {

std::string tokenText(const Model& m, std::int32_t id) {
    return m.tokenizer() ? m.tokenizer()->tokenText(id) : fmt::format("<{}>", id);
}

struct Side {
    GenerationOutput gen;
    std::unique_ptr<TraceCapture> capture;
};

Result<Side> runSide(const Model& m, const std::vector<std::int32_t>& ids, const TraceRunOptions& o,
                     const Interventions& ivs, const std::string& side, const TraceProgress& progress) {
    Side s;
    s.capture = std::make_unique<TraceCapture>(m.config(), o.scores, o.capture);
    GenerationOptions g = o.generation;
    g.recordTopK = std::max(g.recordTopK, 10);
    ProgressCallback cb;
    if (progress) cb = [&](int done, int total) { return progress(side, done, total); };
    auto gen = generatePrompt(m, ids, o.image ? &o.image->embeddings : nullptr, g, s.capture.get(), cb, ivs);
    if (!gen) return gen.error();
    if (gen->cancelled) return Error{fmt::format("trace: the {} run was cancelled", side)};
    s.gen = std::move(gen.value());
    return s;
}

// The picture's record and thumbnail (trace/stored_picture.h), the same for every side of a group:
// its visual sinks come from the unmodified run. Null without a picture or when it cannot be made.
std::optional<nlohmann::json> pictureRecord(const Model& m, const std::vector<std::int32_t>& ids,
                                            const TraceRunOptions& o) {
    if (!o.image) return std::nullopt;
    const ImageSpan span = imageSpanOf(m, ids);
    StoredPicture meta{o.image->path,          span.first, span.last, o.image->gridRows, o.image->gridCols,
                       o.image->leadingTokens, {},         {}};
    if (auto visual = measureVisualSinks(m, ids, o.image->embeddings); visual)
        for (const auto& layer : visual->layers)
            meta.visualSinks.push_back(imageSinkTokens(layer, span.first, span.last));
    auto picture = pictureSettings(meta, o.image->picture);
    if (!picture) return std::nullopt;
    return std::move(picture.value());
}

RunRecord record(const Model& m, const std::vector<std::int32_t>& ids, const TraceRunOptions& o,
                 const Interventions& ivs, const Side& side, const std::string& label,
                 const std::vector<float>* baseLogits, const nlohmann::json* picture) {
    const auto& c = m.config();
    const auto& g = o.generation;
    RunRecord r;
    r.label = label;
    r.model = {o.modelPath, c.modelType, modelConfigHash(c), m.parameterCount()};
    r.tokenIds = ids;
    for (auto id : ids)
        r.tokens.push_back(tokenText(m, id));
    r.promptText = m.tokenizer() ? m.tokenizer()->decode(ids) : "";
    for (const auto& iv : ivs)
        r.interventions.push_back(iv.spec);
    nlohmann::json settings{{"max_new_tokens", g.maxNewTokens},
                            {"temperature", g.temperature},
                            {"top_k", g.topK},
                            {"top_p", g.topP},
                            {"seed", g.seed},
                            {"device", m.deviceName()},
                            {"bos", o.bos}};
    // Readers of the stored maps (the desktop's stored runs) average a key's weight over the rows
    // that see it: on a windowed model they need each layer's window, which the maps do not say.
    std::vector<int> windows;
    for (int l = 0; l < c.nLayers; ++l)
        windows.push_back(c.windowOf(l));
    if (std::any_of(windows.begin(), windows.end(), [](int w) { return w > 0; }))
        settings["windows"] = windows;
    if (!o.capture.everything(c.nLayers, c.nHeads)) {
        nlohmann::json kept{{"first_layer", o.capture.firstLayer},
                            {"last_layer", o.capture.lastLayer < 0 ? c.nLayers - 1 : o.capture.lastLayer}};
        if (!o.capture.heads.empty()) kept["heads"] = o.capture.heads;
        settings["captured"] = kept;
    }
    if (picture) settings["image"] = *picture;
    r.settingsJson = settings.dump();
    for (const auto& step : side.gen.stepTopK) {
        std::vector<RankedEntry> entries;
        for (const auto& t : step)
            entries.push_back({t.id, t.prob, tokenText(m, t.id)});
        r.topK.push_back(std::move(entries));
    }
    r.generatedIds = side.gen.generated;
    r.generatedText = m.tokenizer() ? m.tokenizer()->decode(side.gen.generated) : "";
    RunMetrics metrics;
    metrics.alpha0 = side.capture->promptAlpha0();
    metrics.sinkRate = sinkRateOver({metrics.alpha0}, metrics.eps);
    if (baseLogits)
        metrics.klFromBase = klDivergence(baseLogits->data(), side.gen.nextTokenLogits.data(),
                                          static_cast<std::int64_t>(baseLogits->size()));
    r.metricsJson = encodeRunMetrics(metrics);
    r.layers = c.nLayers;
    r.heads = c.nHeads;
    return r;
}

} // namespace

namespace {

std::int64_t capturedBytes(const ModelConfig& c, std::int64_t T, const Interventions& interventions,
                           const TraceRunOptions& o, const CaptureSelection& sel) {
    // A group keeps the maps of both sides until it is stored in one transaction.
    const std::int64_t sides = !interventions.empty() && !o.onlyIntervened ? 2 : 1;
    const std::int64_t one = TraceCapture::predictedBytes(sel.layerCount(c.nLayers), sel.headCount(c.nHeads),
                                                          T, o.generation.maxNewTokens, o.scores);
    return one > INT64_MAX / sides ? INT64_MAX : sides * one;
}

} // namespace

TraceMemoryPlan planTraceMemory(const Model& m, std::int64_t tokens, const Interventions& interventions,
                                const TraceRunOptions& o) {
    TraceMemoryPlan p;
    p.passBytes = m.passBytes(tokens, o.generation.maxNewTokens, true, interventions, false);
    p.mapBytes = capturedBytes(m.config(), tokens, interventions, o, o.capture);
    p.availableBytes = availableMemoryBytes();
    return p;
}

Status checkTraceMemory(const Model& m, const std::vector<std::int32_t>& ids,
                        const Interventions& interventions, const TraceRunOptions& o) {
    const auto& c = m.config();
    const std::int64_t T = static_cast<std::int64_t>(ids.size());
    auto check = [&](const CaptureSelection& sel) {
        return m.checkMemory(T, o.generation.maxNewTokens, true, interventions, false,
                             capturedBytes(c, T, interventions, o, sel),
                             fmt::format("the {} attention maps a trace keeps",
                                         sel.layerCount(c.nLayers) * sel.headCount(c.nHeads)));
    };
    auto st = check(o.capture);
    if (st) return okStatus();
    // The maps grow with the layers kept: name the most layers (from the first asked for) that
    // fit, so that the user can run the trace in parts rather than not at all.
    int fit = 0;
    for (int k = o.capture.layerCount(c.nLayers) - 1; k >= 1 && fit == 0; --k)
        if (check(o.capture.firstLayers(k, c.nLayers))) fit = k;
    if (fit == 0) return Error{"trace: " + st.error().message};
    const CaptureSelection part = o.capture.firstLayers(fit, c.nLayers);
    const int last = part.lastLayer;
    return Error{fmt::format("trace: capturing {} x {} heads ({}) at {} tokens does not fit: {}; capture "
                             "layers {}-{} (--capture-layers {}-{}) or fewer heads (--capture-heads)",
                             o.capture.layerCount(c.nLayers), o.capture.headCount(c.nHeads),
                             o.capture.describe(c.nLayers, c.nHeads), T, st.error().message, part.firstLayer,
                             last, part.firstLayer, last)};
}

std::string modelConfigHash(const ModelConfig& c) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : toHfConfigJson(c)) {
        h ^= ch;
        h *= 1099511628211ull;
    }
    return fmt::format("{:016x}", h);
}

Result<TraceGroup> computeTraceGroup(const Model& m, const std::vector<std::int32_t>& ids,
                                     const Interventions& interventions, const TraceRunOptions& o,
                                     const TraceProgress& progress) {
    if (auto st = checkTraceMemory(m, ids, interventions, o); !st) return st.error();
    TraceGroup group;
    std::vector<float> baseLogits;
    const auto picture = pictureRecord(m, ids, o);
    const bool withBase = interventions.empty() || !o.onlyIntervened;
    auto computeOne = [&](const Interventions& ivs, const std::string& side,
                          const std::vector<float>* base) -> Status {
        auto s = runSide(m, ids, o, ivs, side, progress);
        if (!s) return s.error();
        RunRecord r = record(m, ids, o, ivs, *s, o.label.empty() ? side : o.label + " · " + side, base,
                             picture ? &*picture : nullptr);
        if (ivs.empty()) baseLogits = std::move(s->gen.nextTokenLogits);
        group.sides.push_back({side, std::move(r), std::move(s->capture)});
        return okStatus();
    };
    if (withBase)
        if (auto st = computeOne({}, interventions.empty() ? "run" : "base", nullptr); !st) return st.error();
    if (!withBase && o.klWithoutBase) {
        TraceRunOptions promptOnly = o; // its logits only: no tokens generated, no map kept
        promptOnly.generation.maxNewTokens = 0;
        promptOnly.capture.firstLayer = m.config().nLayers;
        promptOnly.capture.lastLayer = m.config().nLayers - 1;
        promptOnly.scores = false;
        auto s = runSide(m, ids, promptOnly, {}, "base", progress);
        if (!s) return s.error();
        baseLogits = std::move(s->gen.nextTokenLogits);
    }
    if (!interventions.empty())
        if (auto st =
                computeOne(interventions, "intervened", withBase || o.klWithoutBase ? &baseLogits : nullptr);
            !st)
            return st.error();
    return group;
}

Result<std::vector<TracedRun>> storeTraceGroup(const TraceGroup& group, TraceStore& store) {
    std::unique_ptr<TraceStore::Writer> writer;
    std::vector<TracedRun> written;
    for (const auto& side : group.sides) {
        RunRecord r = side.record;
        // The group is named after its first run, whose id is known once it is inserted.
        r.group = written.empty() ? 0 : written.front().id;
        if (!writer) {
            auto w = store.beginRun(std::move(r));
            if (!w) return w.error();
            writer = std::move(*w);
        } else if (auto st = writer->nextRun(std::move(r)); !st) {
            return st.error();
        }
        // One map at a time in float32: the capture holds them as the store encodes them (fp16).
        for (std::size_t i = 0; i < side.capture->mapCount(); ++i)
            if (auto st = writer->add(side.capture->map(i)); !st) return st.error();
        for (const auto& n : side.capture->norms())
            if (auto st = writer->add(n); !st) return st.error();
        written.push_back({writer->id(), side.side});
    }
    if (!writer) return written;
    if (auto id = writer->commit(); !id) return id.error();
    return written;
}

Result<std::vector<TracedRun>> traceRuns(const Model& m, const std::vector<std::int32_t>& ids,
                                         const Interventions& interventions, const TraceRunOptions& o,
                                         TraceStore& store, const TraceProgress& progress) {
    auto group = computeTraceGroup(m, ids, interventions, o, progress);
    if (!group) return group.error();
    return storeTraceGroup(*group, store);
}

} // namespace sinkscope
