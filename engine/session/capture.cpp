#include "session/capture.h"

#include "core/half.h"

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

namespace {
std::int64_t triangle(std::int64_t n) {
    return n * (n + 1) / 2;
}
} // namespace

HalfAttentionCapture::HalfAttentionCapture(int layers, int heads, std::int64_t tokens,
                                           std::vector<bool> wanted)
    : m_layers(layers), m_heads(heads), m_tokens(tokens),
      m_maps(static_cast<std::size_t>(layers) * static_cast<std::size_t>(heads)), m_rows(m_maps.size(), 0) {
    for (std::size_t i = 0; i < m_maps.size(); ++i)
        if (wanted.empty() || (i < wanted.size() && wanted[i]))
            // Not zeroed: pages are only touched as rows arrive, and rows() tells what was written.
            m_maps[i] =
                std::make_unique_for_overwrite<std::uint16_t[]>(static_cast<std::size_t>(triangle(tokens)));
}

std::size_t HalfAttentionCapture::index(int layer, int head) const {
    return static_cast<std::size_t>(layer) * static_cast<std::size_t>(m_heads) +
           static_cast<std::size_t>(head);
}

bool HalfAttentionCapture::wantsAttention(int layer, int head) {
    return layer < m_layers && head < m_heads && m_maps[index(layer, head)] != nullptr;
}

void HalfAttentionCapture::onAttention(int layer, int head, const MatrixView& w) {
    const std::size_t i = index(layer, head);
    std::uint16_t* map = m_maps[i].get();
    const std::int64_t last = std::min(w.firstRow + w.rows, m_tokens);
    for (std::int64_t q = w.firstRow; q < last; ++q) {
        const std::int64_t n = std::min(q + 1, w.cols);
        f32ToF16(w.row(q - w.firstRow), map + triangle(q), static_cast<std::size_t>(n));
        std::fill(map + triangle(q) + n, map + triangle(q + 1), std::uint16_t{0});
    }
    m_rows[i] = std::max(m_rows[i], last);
}

std::int64_t HalfAttentionCapture::bytes() const {
    std::int64_t maps = 0;
    for (const auto& m : m_maps)
        maps += m != nullptr;
    return predictedBytes(maps, m_tokens);
}

std::int64_t HalfAttentionCapture::predictedBytes(std::int64_t maps, std::int64_t tokens) {
    return maps * triangle(tokens) * static_cast<std::int64_t>(sizeof(std::uint16_t));
}

std::int64_t HalfAttentionCapture::rows(int layer, int head) const {
    return m_rows[index(layer, head)];
}

void HalfAttentionCapture::row(int layer, int head, std::int64_t query, float* out) const {
    f16ToF32(m_maps[index(layer, head)].get() + triangle(query), out, static_cast<std::size_t>(query + 1));
}

std::vector<float> HalfAttentionCapture::matrix(int layer, int head) const {
    std::vector<float> out(static_cast<std::size_t>(m_tokens * m_tokens), 0.0f);
    for (std::int64_t q = 0; q < rows(layer, head); ++q)
        row(layer, head, q, out.data() + q * m_tokens);
    return out;
}

} // namespace sinkscope
