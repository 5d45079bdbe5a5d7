#pragma once
// Internal to sinkscope_figures: option checks that several figure kinds share (the heatmap and
// grid figures, the image overlay), so that the same mistake reads the same in every figure.
#include "core/result.h"
#include "figures/figures.h"

#include <string>

namespace sinkscope {

// dpi within kMinFigureDpi..kMaxFigureDpi.
inline constexpr int kMinFigureDpi = 10, kMaxFigureDpi = 2400;
Status checkFigureDpi(int dpi);

// vmin / vmax: finite or NaN (from the data), > 0 on a log scale, vmin < vmax when both are given.
Status checkColourRange(MapScale scale, double vmin, double vmax);

// A double without trailing zeros, for messages ("0.5", not "0.500000").
std::string figureNumber(double v);

} // namespace sinkscope
