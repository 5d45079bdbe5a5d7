#pragma once
// Sink heads and the sink rate over many prompts (definitions: docs/methods.md, "Sink head" and
// "Sink rate"). alpha values come from columnImportance / ColumnImportanceAccumulator.
#include <vector>

namespace sinkscope {

// alpha0[layer][head] > eps.
std::vector<std::vector<bool>> sinkHeadMap(const std::vector<std::vector<double>>& alpha0, double eps = 0.3);

// Sink_k^eps (percent) over many prompts: alphaK[prompt][layer][head]. Every (prompt, layer, head)
// counts once, so ragged inputs are weighted by their entries; no entries gives 0.
double sinkRateOver(const std::vector<std::vector<std::vector<double>>>& alphaK, double eps = 0.3);

} // namespace sinkscope
