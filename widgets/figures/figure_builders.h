#pragma once
// Figures of the analysis views, built in one place so that a view's "Export…" and its CLI twin
// draw the same picture: a layer × head table (alpha_0 at a training checkpoint) and the
// hidden-state channel ratios r_l[t, d] of one state (tokens × channels). Qt-free.
#include "figures/figures.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope {

// values[layer][head] in [0, 1] (e.g. alpha_0), coloured over the fixed range 0..1 so that
// checkpoints compare; rows "L0".., columns "h0".. Ragged tables are padded with "not stored".
HeatmapFigure headTableFigure(const std::vector<std::vector<double>>& values, const std::string& title,
                              const std::string& valueLabel);

// alpha_0 of a training checkpoint: "<run> · step S · Sink^0.3 = x %".
HeatmapFigure timelineAlpha0Figure(const std::vector<std::vector<double>>& alpha0, const std::string& runName,
                                   std::int64_t step, double sinkRatePercent);

// r (row-major [tokens, dim], as channelRatios gives it) of state `state`, rows labelled by token,
// the sink dimensions marked as columns and the sink tokens of this state (phi >= tau) as rows.
// Magma from 0 to the map's maximum: the few massive channels stand out.
HeatmapFigure channelFigure(std::vector<float> r, std::int64_t tokens, std::int64_t dim,
                            const std::vector<std::string>& tokenLabels,
                            const std::vector<std::int64_t>& sinkDims,
                            const std::vector<std::int64_t>& sinkTokens, int state, int states, double tau,
                            const std::string& modelName);

} // namespace sinkscope
