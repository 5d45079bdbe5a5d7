#pragma once
// Colorbar ticks: "nice" numbers (1, 2, 5 x 10^k) on linear scales, powers of ten on log scales.
#include "figures/scale.h"

#include <string>
#include <vector>

namespace sinkscope {

struct Tick {
    double value;      // in transformed units (log10 for log ranges), within [lo, hi]
    std::string label; // UTF-8, typographic minus
};

// At most maxTicks ticks (at least 2 when the range allows) inside the range.
std::vector<Tick> colourbarTicks(const ColourRange& range, int maxTicks);

// v with `decimals` digits after the point, a typographic minus (U+2212) and no "-0".
std::string formatNumber(double v, int decimals);

// A short label for a value printed beside a figure (grid cell values): 2 significant decimals.
std::string formatValue(double v);

// 10^k with superscript digits: "10⁻³".
std::string powerOfTen(int k);

} // namespace sinkscope
