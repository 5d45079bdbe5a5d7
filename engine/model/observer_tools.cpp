#include "model/observer_tools.h"

#include <algorithm>
#include <cstring>

namespace sinkscope {

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
