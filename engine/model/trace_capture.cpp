#include "model/trace_capture.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace sinkscope {

TraceCapture::TraceCapture(int layers, int heads, bool scores)
    : m_layers(layers), m_heads(heads), m_scores(scores) {}

int TraceCapture::stepOf(std::int64_t firstRow) {
    // The first call is the prompt pass (rows from 0); generated tokens come one row each after it.
    if (m_promptRows < 0) return 0;
    return static_cast<int>(firstRow - m_promptRows + 1);
}

void TraceCapture::keep(MapKind kind, int layer, int head, const MatrixView& v) {
    AttentionMap m;
    m.kind = kind;
    m.layer = layer;
    m.head = head;
    m.step = stepOf(v.firstRow);
    m.firstRow = v.firstRow;
    m.rows = v.rows;
    m.cols = v.cols;
    m.values.resize(static_cast<std::size_t>(v.rows * v.cols));
    for (std::int64_t r = 0; r < v.rows; ++r)
        std::copy(v.row(r), v.row(r) + v.cols, m.values.begin() + r * v.cols);
    m_maps.push_back(std::move(m));
    if (kind == MapKind::Attention && layer == m_layers - 1 && head == m_heads - 1 && m_promptRows < 0)
        m_promptRows = v.rows; // the prompt pass is complete
}

void TraceCapture::onAttention(int layer, int head, const MatrixView& w) {
    keep(MapKind::Attention, layer, head, w);
}

void TraceCapture::onScores(int layer, int head, const MatrixView& z) {
    keep(MapKind::Scores, layer, head, z);
}

void TraceCapture::onHiddenNorms(int state, std::int64_t first, const float* n, std::int64_t count) {
    m_norms.push_back({NormKind::Hidden, state, -1, first, std::vector<float>(n, n + count)});
}

void TraceCapture::onKvNorms(int layer, int head, std::int64_t first, const float* k, const float* v,
                             std::int64_t count) {
    m_norms.push_back({NormKind::Key, layer, head, first, std::vector<float>(k, k + count)});
    m_norms.push_back({NormKind::Value, layer, head, first, std::vector<float>(v, v + count)});
}

std::vector<NormSeries> TraceCapture::norms() const {
    std::map<std::tuple<int, int, int>, NormSeries> merged;
    for (const auto& s : m_norms) {
        auto& m = merged[{static_cast<int>(s.kind), s.layer, s.head}];
        m.kind = s.kind;
        m.layer = s.layer;
        m.head = s.head;
        const auto end = static_cast<std::size_t>(s.firstToken) + s.values.size();
        if (m.values.size() < end) m.values.resize(end, 0.0f);
        std::copy(s.values.begin(), s.values.end(), m.values.begin() + s.firstToken);
    }
    std::vector<NormSeries> out;
    for (auto& [key, s] : merged)
        out.push_back(std::move(s));
    return out;
}

} // namespace sinkscope
