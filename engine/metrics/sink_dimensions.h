#pragma once
// Sink dimensions (VAR's DimProspector, read for text models; docs/methods.md, "Beyond the first token"):
// the few residual channels whose massive values make sinks, and the tokens they mark, found from the
// hidden states alone so that they can be set beside the attention-based alpha_k.
#include "metrics/secondary_sinks.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sinkscope {

struct ChannelPeak {
    std::int64_t dim = 0;
    std::int64_t token = 0; // the first token (lowest index) reaching value
    double value = 0;       // max_t r_l[t, dim]
};

struct SinkDimensionsOptions {
    double tau = NAN;    // NaN: min(20, sqrt(D) / 2), since r <= sqrt(D) and small models cannot reach 20
    int topChannels = 3; // clamped to [0, D]
};

struct SinkDimensions {
    double tau = 0;                                 // the threshold used
    std::vector<std::int64_t> dims;                 // D_sink, ascending
    std::vector<std::vector<ChannelPeak>> perState; // per state l = 0..L: the topChannels channels with the
                                                    // largest max_t r, largest first (ties: lower dim)
    std::vector<std::vector<std::int64_t>> sinkTokens; // per state: tokens t with
                                                       // phi_l(t) = max_{d in D_sink} r_l[t,d] >= tau,
                                                       // ascending (empty when D_sink is empty)
    double largestR = 0;                               // max over states, tokens, channels of r (for reports)
};

// r_l[t,d] = |h_l[t,d]| / sqrt(mean_d h_l[t,d]^2); a token whose state is all zeros has r = 0 everywhere.
// D_sink = the channels with max_t r_l[t,d] >= tau in at least ceil((L+1)/2) of the L+1 states
// (L+1 = h.states.size()). perState and sinkTokens hold one entry per state. Hidden states that are not
// well formed (no states, tokens <= 0, dim <= 0, or a state whose size is not tokens * dim) give only
// tau, with every vector empty. All arithmetic is in double.
SinkDimensions sinkDimensions(const HiddenStates& h, const SinkDimensionsOptions& o = {});

// r_l[t, d] of one state as row-major [tokens, dim] floats (for views and figures), computed by the
// same expression as sinkDimensions, so a value shown at or above tau is one sinkDimensions counted.
// Empty when the states are not well formed or `state` is not one of them.
std::vector<float> channelRatios(const HiddenStates& h, std::size_t state);

} // namespace sinkscope
