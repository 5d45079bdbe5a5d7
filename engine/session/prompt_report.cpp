#include "session/prompt_report.h"

#include "metrics/sink_heads.h"

#include <algorithm>
#include <fmt/format.h>

namespace sinkscope {

namespace {

std::vector<float> meanOverHeads(const PromptMetricsObserver& m, int layer, int heads, bool keys) {
    std::vector<float> sum;
    int n = 0;
    for (int h = 0; h < heads; ++h) {
        const auto& v = keys ? m.keyNorms(layer, h) : m.valueNorms(layer, h);
        if (v.empty()) continue; // grouped-query heads report once per KV head
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

PromptSummary summarizePrompt(const PromptMetricsObserver& obs, int layers, int heads, double eps,
                              const SinkDimensionsOptions& dims) {
    PromptSummary s;
    s.alpha0 = obs.alphaAt(0);
    s.sinkRate = sinkRateOver({s.alpha0}, eps);
    s.dims = sinkDimensions(obs.hiddenStates(), dims);
    s.secondary = secondarySinks(obs.hiddenStates());
    s.valueDrain.resize(static_cast<std::size_t>(layers));
    for (int l = 0; l < layers; ++l) {
        s.meanKeyNorms.push_back(meanOverHeads(obs, l, heads, true));
        s.meanValueNorms.push_back(meanOverHeads(obs, l, heads, false));
        for (int h = 0; h < heads; ++h) {
            const auto& v = obs.valueNorms(l, h);
            double rest = 0;
            for (std::size_t t = 1; t < v.size(); ++t)
                rest += v[t];
            rest = v.size() > 1 ? rest / static_cast<double>(v.size() - 1) : 0.0;
            s.valueDrain[static_cast<std::size_t>(l)].push_back(rest > 0 ? v[0] / rest : 0.0);
        }
    }
    return s;
}

Result<PromptReport> measurePrompts(const Model& model, const std::vector<std::vector<std::int32_t>>& prompts,
                                    const Interventions& interventions, const PromptReportOptions& options,
                                    const std::function<void(int, int)>& progress) {
    if (prompts.empty()) return Error{"no prompts to measure"};
    const auto& c = model.config();
    PromptReport r;
    r.meanAlpha0.assign(static_cast<std::size_t>(c.nLayers),
                        std::vector<double>(static_cast<std::size_t>(c.nHeads), 0.0));
    const auto n = static_cast<double>(prompts.size());
    for (std::size_t p = 0; p < prompts.size(); ++p) {
        // Head-level measures (catch-tag-release, span heads) cost a capture of every head's
        // values: the first prompt only.
        auto obs = std::make_unique<PromptMetricsObserver>(c.nLayers, c.nHeads,
                                                           p == 0 ? options.beyond : BeyondOptions{});
        auto out = forwardPrompt(model, prompts[p], options.image, obs.get(), false, interventions);
        if (!out) return Error{fmt::format("prompt {}: {}", p + 1, out.error().message)};
        r.alpha0.push_back(obs->alphaAt(0));
        for (std::size_t l = 0; l < r.meanAlpha0.size(); ++l)
            for (std::size_t h = 0; h < r.meanAlpha0[l].size(); ++h)
                r.meanAlpha0[l][h] += r.alpha0.back()[l][h] / n;
        if (p == 0) r.first = std::move(obs);
        if (progress) progress(static_cast<int>(p + 1), static_cast<int>(prompts.size()));
    }
    r.sinkRate = sinkRateOver(r.alpha0, options.eps);
    r.sinkHeads = sinkHeadMap(r.meanAlpha0, options.eps);
    r.firstSummary = summarizePrompt(*r.first, c.nLayers, c.nHeads, options.eps, options.dims);
    return r;
}

} // namespace sinkscope
