#include "session/visual_share.h"

#include <algorithm>

namespace sinkscope {

VisualShareObserver::VisualShareObserver(int layers, int heads, std::int64_t first, std::int64_t last,
                                         std::int64_t promptEnd)
    : m_layers(layers), m_heads(heads), m_first(first), m_last(last), m_end(promptEnd),
      m_sum(static_cast<std::size_t>(layers * heads), 0.0),
      m_rows(static_cast<std::size_t>(layers * heads), 0) {}

void VisualShareObserver::onAttention(int layer, int head, const MatrixView& w) {
    const auto slot = static_cast<std::size_t>(layer * m_heads + head);
    const std::int64_t lastKey = std::min(m_last, w.cols - 1);
    for (std::int64_t r = 0; r < w.rows; ++r) {
        const std::int64_t query = w.firstRow + r;
        if (query <= m_last || query >= m_end) continue;
        double mass = 0;
        for (std::int64_t k = m_first; k <= lastKey; ++k)
            mass += w.at(r, k);
        m_sum[slot] += mass;
        ++m_rows[slot];
    }
}

std::vector<std::vector<double>> VisualShareObserver::share() const {
    std::vector<std::vector<double>> out(static_cast<std::size_t>(m_layers));
    for (int l = 0; l < m_layers; ++l)
        for (int h = 0; h < m_heads; ++h) {
            const auto slot = static_cast<std::size_t>(l * m_heads + h);
            out[static_cast<std::size_t>(l)].push_back(
                m_rows[slot] ? m_sum[slot] / static_cast<double>(m_rows[slot]) : 0.0);
        }
    return out;
}

} // namespace sinkscope
