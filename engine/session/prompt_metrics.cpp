#include "session/prompt_metrics.h"

#include <algorithm>
#include <utility>

namespace sinkscope {

PromptMetricsObserver::PromptMetricsObserver(int layers, int heads, BeyondOptions beyond)
    : m_layers(layers), m_heads(heads), m_alpha(static_cast<std::size_t>(layers * heads)),
      m_entropySum(static_cast<std::size_t>(layers * heads), 0.0),
      m_entropyRows(static_cast<std::size_t>(layers * heads), 0), m_states(layers + 1),
      m_keyNorms(static_cast<std::size_t>(layers * heads)),
      m_valueNorms(static_cast<std::size_t>(layers * heads)) {
    m_beyond = std::move(beyond);
    m_values.resize(static_cast<std::size_t>(layers * heads));
    m_wo.resize(static_cast<std::size_t>(layers * heads));
    if (m_beyond.catchTagRelease)
        m_ctr.assign(static_cast<std::size_t>(layers),
                     std::vector<CtrScore>(static_cast<std::size_t>(heads)));
    if (m_beyond.span)
        m_span.assign(static_cast<std::size_t>(layers),
                      std::vector<SpanHeadScore>(static_cast<std::size_t>(heads)));
}

void PromptMetricsObserver::onHeadValues(int layer, int head, std::int64_t first, const float* values,
                                         std::int64_t count, std::int64_t headDim) {
    if (first != 0) return; // the metrics read the prompt pass only
    m_headDim = headDim;
    m_values[index(layer, head)].assign(values, values + count * headDim);
}

void PromptMetricsObserver::onOutputProjection(int layer, int head, const float* wo, std::int64_t dModel,
                                               std::int64_t headDim) {
    m_dModel = dModel;
    m_wo[index(layer, head)].assign(wo, wo + dModel * headDim);
}

void PromptMetricsObserver::onAttention(int layer, int head, const MatrixView& w) {
    m_alpha[index(layer, head)].addRows(w);
    m_entropySum[index(layer, head)] += meanRowEntropy(w) * static_cast<double>(w.rows);
    m_entropyRows[index(layer, head)] += w.rows;
    // Head-level measures read the whole square prompt map, which exists only during this call.
    if (w.firstRow != 0 || w.rows != w.cols) return;
    const auto l = static_cast<std::size_t>(layer), h = static_cast<std::size_t>(head);
    if (m_beyond.catchTagRelease && !m_values[index(layer, head)].empty() &&
        !m_wo[index(layer, head)].empty()) {
        m_ctr[l][h] = sinkscope::catchTagRelease(w, m_values[index(layer, head)].data(), m_headDim,
                                                 m_wo[index(layer, head)].data(), m_dModel, m_beyond.ctr);
        m_values[index(layer, head)].clear();
    }
    if (m_beyond.span)
        m_span[l][h] =
            spanHeadScore(w, m_beyond.span->first, m_beyond.span->second,
                          l < m_beyond.spanSinks.size() ? m_beyond.spanSinks[l]
                                                        : std::vector<std::int64_t>{m_beyond.ctr.sink},
                          m_beyond.spanOptions);
}

void PromptMetricsObserver::onKvNorms(int layer, int head, std::int64_t first, const float* k, const float* v,
                                      std::int64_t count) {
    auto put = [&](std::vector<float>& dst, const float* src) {
        dst.resize(static_cast<std::size_t>(
            std::max<std::int64_t>(static_cast<std::int64_t>(dst.size()), first + count)));
        std::copy(src, src + count, dst.begin() + first);
    };
    put(m_keyNorms[index(layer, head)], k);
    put(m_valueNorms[index(layer, head)], v);
}

std::vector<double> PromptMetricsObserver::alpha(int layer, int head) const {
    return m_alpha[index(layer, head)].alpha();
}

std::vector<std::vector<double>> PromptMetricsObserver::alphaAt(std::int64_t k) const {
    std::vector<std::vector<double>> out(static_cast<std::size_t>(m_layers));
    for (int l = 0; l < m_layers; ++l)
        for (int h = 0; h < m_heads; ++h)
            out[static_cast<std::size_t>(l)].push_back(m_alpha[index(l, h)].alphaAt(k));
    return out;
}

std::vector<std::vector<double>> PromptMetricsObserver::entropy() const {
    std::vector<std::vector<double>> out(static_cast<std::size_t>(m_layers));
    for (int l = 0; l < m_layers; ++l)
        for (int h = 0; h < m_heads; ++h) {
            const auto n = m_entropyRows[index(l, h)];
            out[static_cast<std::size_t>(l)].push_back(n ? m_entropySum[index(l, h)] / static_cast<double>(n)
                                                         : 0.0);
        }
    return out;
}

std::vector<std::vector<float>> PromptMetricsObserver::hiddenNorms() const {
    std::vector<std::vector<float>> out;
    const HiddenStates& h = m_states.states();
    for (const auto& s : h.states)
        out.push_back(rowNorms(s.data(), h.tokens, h.dim));
    return out;
}

} // namespace sinkscope
