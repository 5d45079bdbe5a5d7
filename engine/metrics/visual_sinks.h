#pragma once
// Visual sink tokens (VAR, "See What You Are Told"; docs/methods.md, "Sink dimensions"): the image
// tokens of a LLaVA prompt whose hidden state has a massive value in the model's sink dimensions,
// per layer, with token 0 (the BOS sink) beside them. VAR moves attention away from exactly this
// set, and scores image-centric heads by the share of image attention outside it.
#include "metrics/sink_dimensions.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

struct VisualSinks {
    SinkDimensions dimensions;                     // from the whole residual stream (every state)
    std::vector<std::vector<std::int64_t>> layers; // per layer l = 0..L-1: {0} and the image tokens t in
                                                   // [first, last] with phi_l(t) >= tau, ascending
};

// `h` holds L + 1 states (entering each layer, then after the last); `first`..`last` the image
// tokens. tau <= 0 or NaN takes the sink-dimension default. Malformed states give every layer {0}.
VisualSinks visualSinks(const HiddenStates& h, std::int64_t first, std::int64_t last, double tau = NAN);

// The image tokens among `sinks` (token 0 and those outside the image dropped).
std::vector<std::int64_t> imageSinkTokens(const std::vector<std::int64_t>& sinks, std::int64_t first,
                                          std::int64_t last);

} // namespace sinkscope
