#pragma once
// Figures of the analysis views, built in one place so that a view's "Export…" and its CLI twin
// draw the same picture: a layer × head table (alpha_0 at a training checkpoint) and the
// hidden-state channel ratios r_l[t, d] of one state (tokens × channels). Qt-free.
#include "figures/figures.h"
#include "figures/image_overlay.h"

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

// A LLaVA prompt's picture as a grid of image tokens: the block starts at `first`; `leading` tokens
// that are no patch (CLIP's class token under "full") come before rows x cols patches, row-major.
struct PatchGrid {
    std::int64_t first = 0;
    int rows = 0, cols = 0, leading = 0;
};

// Row `query` of a row-major T x T attention map, read at each patch's token: rows x cols values.
// A query before the picture (it cannot see it) or outside the map gives NaN everywhere.
std::vector<float> patchRow(const float* map, std::int64_t T, std::int64_t query, const PatchGrid& grid);

// The mean of patchRow over several maps (heads of one layer); NaN everywhere without maps.
std::vector<float> patchMean(const std::vector<const float*>& maps, std::int64_t T, std::int64_t query,
                             const PatchGrid& grid);

// The picture (width x height RGB8) tinted by one value per patch, the visual sink tokens (token
// positions; those outside the patches are ignored) framed; "attention weight" on a magma scale.
ImageOverlayFigure patchOverlayFigure(int width, int height, std::vector<std::uint8_t> rgb,
                                      const PatchGrid& grid, std::vector<float> values,
                                      const std::vector<std::int64_t>& sinkTokens, const std::string& title);

} // namespace sinkscope
