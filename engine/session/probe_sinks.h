#pragma once
// The sink probe through the ordinary inference path: alpha_0 per (layer, head) and Sink^eps over
// a fixed set of sequences. Used to record a shipped model's sink figures and to check them.
#include "core/result.h"
#include "metrics/method_defaults.h"
#include "model/model.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

struct SinkProbeResult {
    double sinkRate = 0;                     // percent of (sequence, layer, head) with alpha_0 > eps
    std::vector<std::vector<double>> alpha0; // [layer][head], mean over sequences
    double meanLoss = 0;                     // next-token cross-entropy (nats) over the sequences
};

Result<SinkProbeResult> runSinkProbe(const Model& model,
                                     const std::vector<std::vector<std::int32_t>>& sequences,
                                     double eps = kSinkEpsilon);

// The largest entry of a [layer][head] alpha_0 map (0 for an empty map).
double largestAlpha0(const std::vector<std::vector<double>>& alpha0);

} // namespace sinkscope
