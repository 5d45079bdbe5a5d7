#include "model/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sinkscope {

std::vector<float> softmax(const float* logits, std::int64_t n) {
    std::vector<float> p(static_cast<std::size_t>(n));
    const float m = *std::max_element(logits, logits + n);
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i)
        sum += (p[static_cast<std::size_t>(i)] = std::exp(logits[i] - m));
    for (auto& v : p)
        v = static_cast<float>(v / sum);
    return p;
}

std::int32_t Sampler::next(const float* logits, std::int64_t vocab) {
    if (m_s.temperature <= 0.0f) {
        // argmax, lowest id on ties
        return static_cast<std::int32_t>(std::max_element(logits, logits + vocab) - logits);
    }
    std::vector<float> scaled(logits, logits + vocab);
    for (auto& v : scaled)
        v /= m_s.temperature;
    auto p = softmax(scaled.data(), vocab);
    std::vector<std::int32_t> idx(static_cast<std::size_t>(vocab));
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) {
        return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)];
    });
    std::size_t keep = idx.size();
    if (m_s.topK > 0) keep = std::min(keep, static_cast<std::size_t>(m_s.topK));
    if (m_s.topP < 1.0f) {
        double cum = 0.0;
        for (std::size_t i = 0; i < keep; ++i) {
            cum += p[static_cast<std::size_t>(idx[i])];
            if (cum >= m_s.topP) {
                keep = i + 1;
                break;
            }
        }
    }
    double total = 0.0;
    for (std::size_t i = 0; i < keep; ++i)
        total += p[static_cast<std::size_t>(idx[i])];
    std::uniform_real_distribution<double> u(0.0, total);
    double r = u(m_rng);
    for (std::size_t i = 0; i < keep; ++i) {
        r -= p[static_cast<std::size_t>(idx[i])];
        if (r <= 0.0) return idx[i];
    }
    return idx[keep - 1];
}

} // namespace sinkscope
