#pragma once
// The one-line description of a heatmap cell shown on hover, shared by the canvases.
#include "figures/figures.h"

#include <cstdint>
#include <string>

namespace sinkscope {

// "query 3 'cat' → key 0 '<s>': 0.8123", or the causal-mask wording for cells not stored. Figures
// with other axes name them: "token 0 '<s>' · channel d 7: 31.2".
// row and col must lie inside the figure.
std::string cellReadout(const HeatmapFigure& f, std::int64_t row, std::int64_t col);

} // namespace sinkscope
