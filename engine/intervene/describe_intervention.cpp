#include "intervene/intervention.h"

#include <cmath>
#include <fmt/format.h>

namespace sinkscope {

namespace {

// "0,3" or "2-5,9": runs of three or more read better as ranges.
template <typename T> std::string compact(const std::vector<T>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size();) {
        std::size_t j = i;
        while (j + 1 < v.size() && v[j + 1] == v[j] + 1)
            ++j;
        if (!out.empty()) out += ',';
        if (j >= i + 2) {
            out += fmt::format("{}-{}", v[i], v[j]);
            i = j + 1;
        } else {
            out += fmt::format("{}", v[i]);
            ++i;
        }
    }
    return out;
}

std::string indexText(const IndexSet& set, std::string_view noun) {
    if (set.all()) return fmt::format("all {}s", noun);
    if (set.values.size() == 1) return fmt::format("{} {}", noun, set.values.front());
    return fmt::format("{}s {}", noun, compact(set.values));
}

std::string sinkText(const SinkSet& s) {
    switch (s.kind) {
    case SinkSetKind::First:
        return "sinks {0}";
    case SinkSetKind::Explicit:
        return fmt::format("sinks {{{}}}", compact(s.positions));
    case SinkSetKind::Auto:
        return fmt::format("auto sinks (alpha > {}{})", s.threshold,
                           s.skipFirstDetected ? ", first detected skipped" : "");
    case SinkSetKind::Secondary:
        return "primary and secondary sinks (cosine to BOS)";
    case SinkSetKind::Visual:
        return s.tau > 0 ? fmt::format("token 0 and the visual sink tokens (phi >= {})", s.tau)
                         : std::string("token 0 and the visual sink tokens");
    }
    return {};
}

std::string spanText(const TokenSpan& t) {
    if (t.empty()) return "no tokens";
    if (t.first == t.last) return fmt::format("token {}", t.first);
    return fmt::format("tokens {}-{}", t.first, t.last);
}

std::string sinkLogitText(double b) {
    if (std::isinf(b) && b < 0) return "sink logit b -inf (plain softmax)";
    if (b == 0.0) return "sink logit b 0 (softmax1)";
    return fmt::format("sink logit b {}", b);
}

} // namespace

std::string describeIntervention(const Intervention& iv) {
    const std::string where =
        indexText(iv.layers, "layer") + ", " +
        (iv.spanHeads ? std::string(iv.imageTarget ? "the image-centric heads"
                                                   : "the span-centric heads of the target span")
                      : indexText(iv.heads, "head"));
    switch (iv.kind) {
    case InterventionKind::ScaleRenormalize:
        if (iv.gamma == 0.0) return fmt::format("suppress {}, {}", sinkText(iv.sinks), where);
        return fmt::format("ZeroTuning gamma {} on {}, {}", iv.gamma, sinkText(iv.sinks), where);
    case InterventionKind::FixedFraction:
        return fmt::format("ACT beta {} on {}, {}", iv.beta, sinkText(iv.sinks), where);
    case InterventionKind::Redistribute:
        return fmt::format("VAR: p {} of the mass of {} moved to {}, {}", iv.fraction, sinkText(iv.sinks),
                           iv.imageTarget ? std::string("the other image tokens") : spanText(iv.target),
                           where);
    case InterventionKind::SinkLogit:
        return fmt::format("{}, {}", sinkLogitText(iv.sinkLogit), where);
    case InterventionKind::Stream:
        return fmt::format("StreamingLLM cache: {} sinks + {} recent{}, {}", iv.streamSinks, iv.streamWindow,
                           iv.streamSinks == 0 ? " (window only)" : "",
                           iv.positionShift ? "positions shifted within the cache"
                                            : "original positions kept");
    }
    return iv.spec;
}

} // namespace sinkscope
