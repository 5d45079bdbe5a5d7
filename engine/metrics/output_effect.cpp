#include "metrics/output_effect.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sinkscope {
namespace {

// log p_i = (x_i - max) - log(sum_j exp(x_j - max)). Subtracting the max keeps 1e4-sized logits from
// overflowing, and keeping the two terms apart (instead of folding them into one log-sum-exp) avoids
// cancelling 1e4 against 1e4 + log(2), which would cost ~1e-12 of precision.
struct LogNormalizer {
    double max = 0.0;
    double logSum = 0.0;
    double logProb(float x) const { return (static_cast<double>(x) - max) - logSum; }
};

LogNormalizer normalizer(const float* x, std::int64_t n) {
    LogNormalizer z;
    z.max = -std::numeric_limits<double>::infinity();
    for (std::int64_t i = 0; i < n; ++i)
        z.max = std::max(z.max, static_cast<double>(x[i]));
    // An all -inf row has no distribution: its log-probs come out NaN rather than a made-up number.
    if (!std::isfinite(z.max)) return z;
    double s = 0.0;
    for (std::int64_t i = 0; i < n; ++i)
        s += std::exp(static_cast<double>(x[i]) - z.max);
    z.logSum = std::log(s);
    return z;
}

// True when token a ranks before token b: higher logit first, then lower id (a deterministic order
// that the UI and the tests can rely on when logits tie exactly).
bool ranksBefore(const float* logits, std::int64_t a, std::int64_t b) {
    if (logits[a] != logits[b]) return logits[a] > logits[b];
    return a < b;
}

std::vector<RankedToken> topKWith(const float* logits, std::int64_t n, int k, const LogNormalizer& z) {
    const std::int64_t kk = std::clamp<std::int64_t>(k, 0, std::max<std::int64_t>(n, 0));
    std::vector<std::int64_t> idx(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
    std::iota(idx.begin(), idx.end(), std::int64_t{0});
    std::partial_sort(idx.begin(), idx.begin() + kk, idx.end(),
                      [logits](std::int64_t a, std::int64_t b) { return ranksBefore(logits, a, b); });
    std::vector<RankedToken> out;
    out.reserve(static_cast<std::size_t>(kk));
    for (std::int64_t r = 0; r < kk; ++r) {
        const std::int64_t i = idx[static_cast<std::size_t>(r)];
        out.push_back({static_cast<std::int32_t>(i), std::exp(z.logProb(logits[i]))});
    }
    return out;
}

} // namespace

std::vector<double> logSoftmax(const float* logits, std::int64_t n) {
    std::vector<double> out(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
    const LogNormalizer z = normalizer(logits, n);
    for (std::int64_t i = 0; i < n; ++i)
        out[static_cast<std::size_t>(i)] = z.logProb(logits[i]);
    return out;
}

double klDivergence(const float* baseLogits, const float* otherLogits, std::int64_t n) {
    const LogNormalizer zBase = normalizer(baseLogits, n);
    const LogNormalizer zOther = normalizer(otherLogits, n);
    double kl = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double lp = zBase.logProb(baseLogits[i]);
        const double p = std::exp(lp);
        // 0 * log(0 / q) = 0: tokens the base run cannot emit (masked, or underflowed) add nothing.
        if (p == 0.0) continue;
        kl += p * (lp - zOther.logProb(otherLogits[i]));
    }
    // KL >= 0 in exact arithmetic; rounding on nearly equal rows can leave a -1e-17 that would print as
    // a confusing negative effect.
    return std::max(kl, 0.0);
}

std::vector<RankedToken> topK(const float* logits, std::int64_t n, int k) {
    return topKWith(logits, n, k, normalizer(logits, n));
}

std::int64_t rankOf(const float* logits, std::int64_t n, std::int32_t id) {
    if (id < 0 || id >= n) return -1;
    std::int64_t rank = 0;
    for (std::int64_t i = 0; i < n; ++i)
        rank += ranksBefore(logits, i, id) ? 1 : 0; // false for i == id itself
    return rank;
}

NextTokenEffect nextTokenEffect(const float* baseLogits, const float* intervenedLogits, std::int64_t n,
                                int k) {
    NextTokenEffect e;
    if (n <= 0) return e;
    const LogNormalizer zBase = normalizer(baseLogits, n);
    const LogNormalizer zAfter = normalizer(intervenedLogits, n);
    e.kl = klDivergence(baseLogits, intervenedLogits, n);
    e.baseTop = topKWith(baseLogits, n, k, zBase);
    e.intervenedTop = topKWith(intervenedLogits, n, k, zAfter);
    // The top-1 ids come from their own k = 1 search so that they exist even when the caller asks for k = 0.
    e.baseTop1 = topKWith(baseLogits, n, 1, zBase).front().id;
    e.intervenedTop1 = topKWith(intervenedLogits, n, 1, zAfter).front().id;
    e.baseTop1RankAfter = rankOf(intervenedLogits, n, e.baseTop1);
    e.baseTop1ProbAfter = std::exp(zAfter.logProb(intervenedLogits[e.baseTop1]));
    e.top1Changed = e.baseTop1 != e.intervenedTop1;
    return e;
}

std::optional<std::size_t> firstDivergence(const std::vector<std::int32_t>& a,
                                           const std::vector<std::int32_t>& b) {
    const std::size_t common = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < common; ++i)
        if (a[i] != b[i]) return i;
    if (a.size() != b.size()) return common;
    return std::nullopt;
}

double tokenNll(const float* logits, std::int64_t n, std::int32_t target) {
    if (target < 0 || target >= n) return std::numeric_limits<double>::quiet_NaN();
    return -normalizer(logits, n).logProb(logits[target]);
}

void PerplexityAccumulator::add(double nll) {
    m_sum += nll;
    ++m_count;
}

std::int64_t PerplexityAccumulator::count() const {
    return m_count;
}

double PerplexityAccumulator::meanNll() const {
    return m_count ? m_sum / static_cast<double>(m_count) : 0.0;
}

double PerplexityAccumulator::perplexity() const {
    return std::exp(meanNll());
}

} // namespace sinkscope
