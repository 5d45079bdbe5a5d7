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

} // namespace sinkscope
