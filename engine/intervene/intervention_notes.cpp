#include "intervene/intervention_notes.h"

#include <fmt/format.h>

namespace sinkscope {

std::vector<std::string> interventionNotes(const std::vector<Intervention>& interventions,
                                           std::int64_t promptTokens, std::int64_t newTokens) {
    std::vector<std::string> notes;
    if (promptTokens == 1)
        notes.push_back("a one-token prompt: every head can only attend to that token, so every head "
                        "counts as a sink (alpha_0 = 1); use a longer prompt");
    // The last generated token is never fed back: the cache sees the prompt and all but one.
    const std::int64_t seen = promptTokens + (newTokens > 0 ? newTokens - 1 : 0);
    for (const auto& iv : interventions) {
        if (iv.kind == InterventionKind::Stream) {
            const std::int64_t size = static_cast<std::int64_t>(iv.streamSinks) + iv.streamWindow;
            if (seen <= size)
                notes.push_back(fmt::format(
                    "StreamingLLM changes nothing here: its cache holds {} sink + {} recent = {} tokens and "
                    "this run puts only {} in it (prompt {}{}); a window below {} evicts tokens",
                    iv.streamSinks, iv.streamWindow, size, seen, promptTokens,
                    newTokens > 1 ? fmt::format(" + {} generated", newTokens - 1) : std::string(),
                    std::max<std::int64_t>(1, seen - iv.streamSinks)));
            else if (iv.streamSinks == 0)
                notes.push_back("window only (no sink tokens kept): once the first token is evicted its "
                                "attention has nowhere to go, the failure StreamingLLM's sinks repair");
        } else if (iv.kind == InterventionKind::FixedFraction && iv.sinks.kind == SinkSetKind::Auto &&
                   iv.sinks.skipFirstDetected) {
            notes.push_back(fmt::format("ACT keeps the first sink (usually token 0) as it is and scales only "
                                        "later sinks (columns with "
                                        "alpha > {:g}) to beta = {:g} of their attention; the freed "
                                        "attention goes to the other tokens "
                                        "in proportion, the first sink included, so token 0 can gain mass",
                                        iv.sinks.threshold, iv.beta));
        }
    }
    return notes;
}

} // namespace sinkscope
