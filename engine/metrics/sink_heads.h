#pragma once
// Sink heads and the sink rate over many prompts (definitions: docs/methods.md, "Sink head" and
// "Sink rate"). alpha values come from columnImportance / ColumnImportanceAccumulator.
#include "metrics/method_defaults.h"

#include <vector>

namespace sinkscope {

// alpha0[layer][head] > eps.
std::vector<std::vector<bool>> sinkHeadMap(const std::vector<std::vector<double>>& alpha0,
                                           double eps = kSinkEpsilon);

// sinkHeadMap read row by row (layer-major), one flag per entry: the layout of the head overview
// and of grid figures, whose cells run over the heads of layer 0, then layer 1, ...
std::vector<bool> sinkHeadFlags(const std::vector<std::vector<double>>& alpha0, double eps = kSinkEpsilon);

// Sink_k^eps (percent) over many prompts: alphaK[prompt][layer][head]. Every (prompt, layer, head)
// counts once, so ragged inputs are weighted by their entries; no entries gives 0.
double sinkRateOver(const std::vector<std::vector<std::vector<double>>>& alphaK, double eps = kSinkEpsilon);

} // namespace sinkscope
