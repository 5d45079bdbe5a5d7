#include "session/trace_capture.h"

#include "core/half.h"
#include "metrics/sink_metrics.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace sinkscope {

TraceCapture::TraceCapture(const ModelConfig& config, bool scores, CaptureSelection selection)
    : m_layers(config.nLayers), m_heads(config.nHeads), m_scores(scores), m_selection(std::move(selection)),
      m_alpha0(static_cast<std::size_t>(config.nLayers),
               std::vector<double>(static_cast<std::size_t>(config.nHeads))) {
    for (int l = 0; l < m_layers; ++l)
        m_windows.push_back(config.windowOf(l));
}

int TraceCapture::stepOf(std::int64_t firstRow) {
    // The first call is the prompt pass (rows from 0); generated tokens come one row each after it.
    if (m_promptRows < 0) return 0;
    return static_cast<int>(firstRow - m_promptRows + 1);
}

namespace {
// Keys of row r that a causal map can hold: those up to the query's position.
std::int64_t causalLength(std::int64_t firstRow, std::int64_t r, std::int64_t cols) {
    return std::min(cols, firstRow + r + 1);
}
} // namespace

void TraceCapture::keep(MapKind kind, int layer, int head, const MatrixView& v) {
    Kept m;
    m.kind = kind;
    m.layer = layer;
    m.head = head;
    m.step = stepOf(v.firstRow);
    m.firstRow = v.firstRow;
    m.rows = v.rows;
    m.cols = v.cols;
    bool causal = kind == MapKind::Attention;
    for (std::int64_t r = 0; r < v.rows && causal; ++r)
        for (std::int64_t c = causalLength(v.firstRow, r, v.cols); c < v.cols && causal; ++c)
            causal = v.at(r, c) == 0.0f;
    if (causal) {
        std::int64_t n = 0;
        for (std::int64_t r = 0; r < v.rows; ++r)
            n += causalLength(v.firstRow, r, v.cols);
        m.half.resize(static_cast<std::size_t>(n));
        std::uint16_t* out = m.half.data();
        for (std::int64_t r = 0; r < v.rows; ++r) {
            const std::int64_t len = causalLength(v.firstRow, r, v.cols);
            f32ToF16(v.row(r), out, static_cast<std::size_t>(len));
            out += len;
        }
    } else {
        m.full.resize(static_cast<std::size_t>(v.rows * v.cols));
        for (std::int64_t r = 0; r < v.rows; ++r)
            std::copy(v.row(r), v.row(r) + v.cols, m.full.begin() + r * v.cols);
    }
    m_maps.push_back(std::move(m));
}

AttentionMap TraceCapture::map(std::size_t i) const {
    const Kept& k = m_maps[i];
    AttentionMap m;
    m.kind = k.kind;
    m.step = k.step;
    m.layer = k.layer;
    m.head = k.head;
    m.firstRow = k.firstRow;
    m.rows = k.rows;
    m.cols = k.cols;
    if (!k.full.empty() || k.half.empty()) {
        m.values = k.full;
        return m;
    }
    m.values.assign(static_cast<std::size_t>(k.rows * k.cols), 0.0f);
    const std::uint16_t* in = k.half.data();
    for (std::int64_t r = 0; r < k.rows; ++r) {
        const std::int64_t len = causalLength(k.firstRow, r, k.cols);
        f16ToF32(in, m.values.data() + r * k.cols, static_cast<std::size_t>(len));
        in += len;
    }
    return m;
}

std::int64_t TraceCapture::bytes() const {
    std::int64_t n = 0;
    for (const auto& k : m_maps)
        n += static_cast<std::int64_t>(k.half.size() * sizeof(std::uint16_t) + k.full.size() * sizeof(float));
    return n;
}

std::int64_t TraceCapture::predictedBytes(int layers, int heads, std::int64_t promptTokens,
                                          std::int64_t newTokens, bool scores) {
    // In double: a hostile length must not wrap around; the caller compares with what is free.
    const double T = static_cast<double>(promptTokens);
    const double fed = static_cast<double>(std::max<std::int64_t>(0, newTokens - 1));
    const double maps = static_cast<double>(layers) * heads;
    const double causal = T * (T + 1) / 2 + fed * T + fed * (fed + 1) / 2; // keys of every row
    const double rowsTimesKeys = T * T + fed * (T + fed);                  // dense rows x keys
    const double last = (T + fed) * (T + fed);
    double bytes = maps * causal * sizeof(std::uint16_t) + last * sizeof(float);
    if (scores) bytes += maps * rowsTimesKeys * sizeof(float);
    return bytes >= 9.0e18 ? INT64_MAX : static_cast<std::int64_t>(bytes);
}

void TraceCapture::onAttention(int layer, int head, const MatrixView& w) {
    if (m_promptRows < 0) {
        MatrixView windowed = w;
        windowed.window = m_windows[static_cast<std::size_t>(layer)];
        m_alpha0[static_cast<std::size_t>(layer)][static_cast<std::size_t>(head)] =
            columnImportanceAt(windowed, 0);
    }
    if (m_selection.contains(layer, head)) keep(MapKind::Attention, layer, head, w);
    if (layer == m_layers - 1 && head == m_heads - 1 && m_promptRows < 0)
        m_promptRows = w.rows; // the prompt pass is complete
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
