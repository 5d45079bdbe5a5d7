#include "metrics/secondary_sinks.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace sinkscope {
namespace {

double norm(const float* v, std::int64_t dim) {
    double s = 0.0;
    for (std::int64_t d = 0; d < dim; ++d)
        s += static_cast<double>(v[d]) * static_cast<double>(v[d]);
    return std::sqrt(s);
}

// |cos(a, b)|, or 0 when either vector has zero norm: a zero vector has no direction, so it can never
// be reported as aligned with the sink (and 0/0 never reaches the comparison as NaN).
double absCosine(const float* a, double normA, const float* b, double normB, std::int64_t dim) {
    if (!(normA > 0.0) || !(normB > 0.0)) return 0.0;
    double dot = 0.0;
    for (std::int64_t d = 0; d < dim; ++d)
        dot += static_cast<double>(a[d]) * static_cast<double>(b[d]);
    return std::abs(dot / (normA * normB));
}

bool wellFormed(const HiddenStates& h) {
    if (h.tokens <= 0 || h.dim < 0 || h.states.empty()) return false;
    const auto expected = static_cast<std::size_t>(h.tokens * h.dim);
    return std::all_of(h.states.begin(), h.states.end(),
                       [expected](const std::vector<float>& s) { return s.size() == expected; });
}

// The states in which the BOS token is a massive-norm sink: after the largest rise of its norm and
// before the largest fall that follows (Wong et al.'s "sink clipper"). Ties go to the earliest
// transition, as argmax/argmin do in the reference.
void checkedRange(const HiddenStates& h, int& first, int& last) {
    const int states = static_cast<int>(h.states.size());
    first = 0;
    last = states - 1;
    if (states < 2) return;
    std::vector<double> diff(static_cast<std::size_t>(states - 1));
    for (int l = 0; l + 1 < states; ++l)
        diff[static_cast<std::size_t>(l)] = norm(h.states[static_cast<std::size_t>(l + 1)].data(), h.dim) -
                                            norm(h.states[static_cast<std::size_t>(l)].data(), h.dim);
    const auto jump = std::max_element(diff.begin(), diff.end()) - diff.begin();
    first = static_cast<int>(jump) + 1;
    // Only a real fall (diff < 0) ends the range; the reference would otherwise cut at the smallest rise.
    int drop = -1;
    for (int l = first; l + 1 < states; ++l)
        if (diff[static_cast<std::size_t>(l)] < 0.0 &&
            (drop < 0 || diff[static_cast<std::size_t>(l)] < diff[static_cast<std::size_t>(drop)]))
            drop = l;
    if (drop >= 0)
        last = drop; // diff[drop] leads from state drop to drop + 1, the first state after the fall
}

SinkRole roleFor(int layers, int numLayers, const SecondarySinkOptions& o) {
    // The paper's margin of 15 assumes 28-48-layer models; with L <= margin + minLayers the primary
    // threshold L - margin falls to minLayers or below (even <= 0 for our small models), which would
    // label one-layer flickers primary. Clamping it to minLayers + 1 keeps the transient band intact:
    // on short models a sink that outlives that band counts as BOS-like, and none is secondary.
    const int primaryAt = std::max(numLayers - o.primaryMargin, o.minLayers + 1);
    if (layers >= primaryAt) return SinkRole::Primary;
    if (layers > o.minLayers) return SinkRole::Secondary;
    return SinkRole::Transient;
}

} // namespace

SecondarySinkTable secondarySinks(const HiddenStates& h, const SecondarySinkOptions& o) {
    SecondarySinkTable table;
    if (!wellFormed(h)) {
        table.lastCheckedState = -1;
        return table;
    }
    checkedRange(h, table.firstCheckedState, table.lastCheckedState);

    const auto tokens = static_cast<std::size_t>(h.tokens);
    std::vector<int> firstLayer(tokens, -1), layers(tokens, 0);
    for (int l = table.firstCheckedState; l <= table.lastCheckedState; ++l) {
        const float* s = h.states[static_cast<std::size_t>(l)].data();
        const double bosNorm = norm(s, h.dim);
        for (std::int64_t t = 1; t < h.tokens; ++t) {
            const float* v = s + t * h.dim;
            if (absCosine(v, norm(v, h.dim), s, bosNorm, h.dim) > o.cosine) {
                const auto ti = static_cast<std::size_t>(t);
                if (firstLayer[ti] < 0) firstLayer[ti] = l;
                ++layers[ti];
            }
        }
    }

    const int numLayers = static_cast<int>(h.states.size()) - 1;
    for (std::size_t t = 1; t < tokens; ++t)
        if (layers[t] > 0)
            table.rows.push_back(
                {static_cast<std::int64_t>(t), firstLayer[t], layers[t], roleFor(layers[t], numLayers, o)});
    return table;
}

std::string_view sinkRoleName(SinkRole r) {
    switch (r) {
    case SinkRole::Primary:
        return "primary";
    case SinkRole::Secondary:
        return "secondary";
    case SinkRole::Transient:
        return "transient";
    }
    return "transient";
}

std::vector<std::int64_t> sinkTokenSet(const SecondarySinkTable& table) {
    std::vector<std::int64_t> out{0};
    for (const auto& row : table.rows)
        if (row.role != SinkRole::Transient && row.token != 0) out.push_back(row.token);
    return out;
}

} // namespace sinkscope
