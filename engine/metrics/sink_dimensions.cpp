#include "metrics/sink_dimensions.h"

#include <algorithm>
#include <cstddef>
#include <numeric>

namespace sinkscope {
namespace {

bool wellFormed(const HiddenStates& h) {
    if (h.tokens <= 0 || h.dim <= 0 || h.states.empty()) return false;
    const auto expected = static_cast<std::size_t>(h.tokens * h.dim);
    return std::all_of(h.states.begin(), h.states.end(),
                       [expected](const std::vector<float>& s) { return s.size() == expected; });
}

// Root mean square of one token's state: the scale that r is measured against.
double rms(const float* v, std::int64_t dim) {
    double s = 0.0;
    for (std::int64_t d = 0; d < dim; ++d)
        s += static_cast<double>(v[d]) * static_cast<double>(v[d]);
    return std::sqrt(s / static_cast<double>(dim));
}

// r for one entry. Both passes (channel peaks and phi) go through this one expression so that a value
// that meets tau in one meets it in the other. A zero vector has no scale: r = 0 rather than 0/0.
double ratio(float x, double scale) {
    return scale > 0.0 ? std::abs(static_cast<double>(x)) / scale : 0.0;
}

} // namespace

SinkDimensions sinkDimensions(const HiddenStates& h, const SinkDimensionsOptions& o) {
    SinkDimensions out;
    out.tau = std::isnan(o.tau)
                  ? std::min(20.0, std::sqrt(static_cast<double>(std::max<std::int64_t>(h.dim, 0))) / 2.0)
                  : o.tau;
    if (!wellFormed(h)) return out;

    const auto states = h.states.size();
    const auto dim = static_cast<std::size_t>(h.dim);
    const auto tokens = static_cast<std::size_t>(h.tokens);
    const auto top = static_cast<std::size_t>(std::clamp<std::int64_t>(o.topChannels, 0, h.dim));
    std::vector<double> scale(states * tokens);
    std::vector<int> statesAbove(dim, 0);
    out.perState.resize(states);
    out.sinkTokens.resize(states);

    std::vector<double> peak(dim);
    std::vector<std::int64_t> peakToken(dim);
    std::vector<std::size_t> order(dim);
    for (std::size_t l = 0; l < states; ++l) {
        const float* s = h.states[l].data();
        // Peaks start at r = 0 from token 0 and move only on a strictly larger r: ties keep the first
        // token, and a NaN r (non-finite input) never becomes a peak.
        std::fill(peak.begin(), peak.end(), 0.0);
        std::fill(peakToken.begin(), peakToken.end(), 0);
        for (std::size_t t = 0; t < tokens; ++t) {
            const float* v = s + t * dim;
            const double sc = scale[l * tokens + t] = rms(v, h.dim);
            for (std::size_t d = 0; d < dim; ++d) {
                const double r = ratio(v[d], sc);
                if (r > peak[d]) {
                    peak[d] = r;
                    peakToken[d] = static_cast<std::int64_t>(t);
                }
            }
        }
        for (std::size_t d = 0; d < dim; ++d) {
            if (peak[d] >= out.tau) ++statesAbove[d];
            out.largestR = std::max(out.largestR, peak[d]);
        }
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::partial_sort(
            order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
            [&](std::size_t a, std::size_t b) { return peak[a] > peak[b] || (peak[a] == peak[b] && a < b); });
        for (std::size_t k = 0; k < top; ++k)
            out.perState[l].push_back(
                {static_cast<std::int64_t>(order[k]), peakToken[order[k]], peak[order[k]]});
    }

    // ceil((L+1)/2) of the L+1 states: a channel massive in exactly half of an even number of states counts.
    const int needed = static_cast<int>((states + 1) / 2);
    for (std::size_t d = 0; d < dim; ++d)
        if (statesAbove[d] >= needed) out.dims.push_back(static_cast<std::int64_t>(d));
    if (out.dims.empty()) return out;

    for (std::size_t l = 0; l < states; ++l) {
        const float* s = h.states[l].data();
        for (std::size_t t = 0; t < tokens; ++t) {
            const float* v = s + t * dim;
            const double sc = scale[l * tokens + t];
            const bool sink = std::any_of(out.dims.begin(), out.dims.end(), [&](std::int64_t d) {
                return ratio(v[static_cast<std::size_t>(d)], sc) >= out.tau;
            });
            if (sink) out.sinkTokens[l].push_back(static_cast<std::int64_t>(t));
        }
    }
    return out;
}

std::vector<float> channelRatios(const HiddenStates& h, std::size_t state) {
    if (!wellFormed(h) || state >= h.states.size()) return {};
    const auto dim = static_cast<std::size_t>(h.dim);
    const std::vector<float>& s = h.states[state];
    std::vector<float> r(s.size());
    for (std::size_t t = 0; t < static_cast<std::size_t>(h.tokens); ++t) {
        const float* v = s.data() + t * dim;
        const double sc = rms(v, h.dim);
        for (std::size_t d = 0; d < dim; ++d)
            r[t * dim + d] = static_cast<float>(ratio(v[d], sc));
    }
    return r;
}

} // namespace sinkscope
