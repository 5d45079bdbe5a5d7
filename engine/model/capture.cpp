#include "model/capture.h"

#include <algorithm>

namespace sinkscope {

ColumnImportanceObserver::ColumnImportanceObserver(int layers, int heads, std::int64_t rowLimit)
    : m_layers(layers), m_heads(heads), m_rowLimit(rowLimit),
      m_acc(static_cast<std::size_t>(layers) * static_cast<std::size_t>(heads)) {}

bool ColumnImportanceObserver::wantsAttention(int, int) {
    return m_rowLimit < 0 || m_rowsSeen < m_rowLimit;
}

void ColumnImportanceObserver::onAttention(int layer, int head, const MatrixView& w) {
    MatrixView v = w;
    if (m_rowLimit >= 0) v.rows = std::clamp<std::int64_t>(m_rowLimit - w.firstRow, 0, w.rows);
    if (v.rows > 0) m_acc[static_cast<std::size_t>(layer * m_heads + head)].addRows(v);
    // Counted once the last head of the last layer has seen this call's rows, so that every layer
    // of the same pass is still wanted.
    if (layer == m_layers - 1 && head == m_heads - 1) m_rowsSeen = std::max(m_rowsSeen, w.firstRow + w.rows);
}

std::vector<double> ColumnImportanceObserver::alpha(int layer, int head) const {
    return m_acc[static_cast<std::size_t>(layer * m_heads + head)].alpha();
}

std::vector<std::vector<double>> ColumnImportanceObserver::alpha0() const {
    std::vector<std::vector<double>> out(static_cast<std::size_t>(m_layers));
    for (int l = 0; l < m_layers; ++l)
        for (int h = 0; h < m_heads; ++h)
            out[static_cast<std::size_t>(l)].push_back(
                m_acc[static_cast<std::size_t>(l * m_heads + h)].alphaAt(0));
    return out;
}

AttentionRecorder::AttentionRecorder(int layers, int heads)
    : m_layers(layers), m_heads(heads),
      m_rows(static_cast<std::size_t>(layers) * static_cast<std::size_t>(heads)) {}

bool AttentionRecorder::wantsAttention(int, int) {
    return true;
}

void AttentionRecorder::onAttention(int layer, int head, const MatrixView& w) {
    auto& rows = m_rows[static_cast<std::size_t>(layer * m_heads + head)];
    for (std::int64_t r = 0; r < w.rows; ++r)
        rows.push_back({w.firstRow + r, {w.row(r), w.row(r) + w.cols}});
}

std::vector<float> AttentionRecorder::matrix(int layer, int head, std::int64_t T) const {
    std::vector<float> out(static_cast<std::size_t>(T * T), 0.0f);
    for (const auto& row : m_rows[static_cast<std::size_t>(layer * m_heads + head)]) {
        if (row.pos >= T) continue;
        const auto n = std::min<std::int64_t>(T, static_cast<std::int64_t>(row.values.size()));
        std::copy_n(row.values.begin(), n, out.begin() + row.pos * T);
    }
    return out;
}

void HiddenStateRecorder::onHiddenStates(int state, std::int64_t first, const float* data, std::int64_t count,
                                         std::int64_t dim) {
    auto& s = m_h.states[static_cast<std::size_t>(state)];
    m_h.dim = dim;
    m_h.tokens = std::max(m_h.tokens, first + count);
    s.resize(static_cast<std::size_t>(m_h.tokens * dim));
    std::copy(data, data + count * dim, s.begin() + first * dim);
}

void ObserverFanout::onAttention(int l, int h, const MatrixView& w) {
    if (m_a.wantsAttention(l, h)) m_a.onAttention(l, h, w);
    if (m_b.wantsAttention(l, h)) m_b.onAttention(l, h, w);
}

void ObserverFanout::onScores(int l, int h, const MatrixView& z) {
    if (m_a.wantsScores(l, h)) m_a.onScores(l, h, z);
    if (m_b.wantsScores(l, h)) m_b.onScores(l, h, z);
}

void ObserverFanout::onHiddenNorms(int state, std::int64_t first, const float* n, std::int64_t count) {
    if (m_a.wantsHiddenNorms()) m_a.onHiddenNorms(state, first, n, count);
    if (m_b.wantsHiddenNorms()) m_b.onHiddenNorms(state, first, n, count);
}

void ObserverFanout::onHiddenStates(int state, std::int64_t first, const float* d, std::int64_t count,
                                    std::int64_t dim) {
    if (m_a.wantsHiddenStates()) m_a.onHiddenStates(state, first, d, count, dim);
    if (m_b.wantsHiddenStates()) m_b.onHiddenStates(state, first, d, count, dim);
}

void ObserverFanout::onHeadValues(int l, int h, std::int64_t first, const float* v, std::int64_t count,
                                  std::int64_t headDim) {
    if (m_a.wantsHeadValues(l)) m_a.onHeadValues(l, h, first, v, count, headDim);
    if (m_b.wantsHeadValues(l)) m_b.onHeadValues(l, h, first, v, count, headDim);
}

void ObserverFanout::onOutputProjection(int l, int h, const float* wo, std::int64_t dModel,
                                        std::int64_t headDim) {
    if (m_a.wantsHeadValues(l)) m_a.onOutputProjection(l, h, wo, dModel, headDim);
    if (m_b.wantsHeadValues(l)) m_b.onOutputProjection(l, h, wo, dModel, headDim);
}

void ObserverFanout::onKvNorms(int l, int h, std::int64_t first, const float* k, const float* v,
                               std::int64_t count) {
    if (m_a.wantsKvNorms(l)) m_a.onKvNorms(l, h, first, k, v, count);
    if (m_b.wantsKvNorms(l)) m_b.onKvNorms(l, h, first, k, v, count);
}

} // namespace sinkscope
