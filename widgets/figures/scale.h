#pragma once
// Value scaling of attention maps: the per-cell transform of a MapScale and the colour range
// shared by everything drawn with one colorbar.
#include "figures/figures.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

// Colour range in transformed units (log10 of the data for MapScale::Log); lo < hi.
struct ColourRange {
    double lo = 0.0, hi = 1.0;
    bool log = false;

    // Position in [0, 1] along the colormap; NaN ("not stored") stays NaN, -inf (log of 0) is 0.
    double position(float transformed) const;
};

// Non-finite input -> NaN. Log: log10 (values <= 0 -> -inf, drawn with the lowest colour).
// RowNormalized: each row divided by its largest |value| (a row of zeros stays zeros).
std::vector<float> transformValues(const float* values, std::int64_t rows, std::int64_t cols, MapScale s);

// Collects the extent of one or more transformed maps, then picks the colour range.
class RangeFinder {
public:
    void add(const std::vector<float>& transformed);

    // vmin / vmax in data units (NaN: from the data). Linear and row scales start at 0 for
    // non-negative data so colour stays proportional to weight; Diverging (not log) is symmetric
    // around 0; log from the data spans at most kMaxDecades below the maximum.
    ColourRange finish(MapScale s, Colormap c, double vmin, double vmax) const;

    static constexpr double kMaxDecades = 8.0;

private:
    double m_min = 0.0, m_max = 0.0, m_maxAbs = 0.0;
    bool m_any = false;
};

// Max-pools a rows x cols map to at most outRows x outCols so thin features (sink columns) survive
// downsampling. byMagnitude keeps the value of largest |v| (diverging data), else the largest value.
// NaN cells are ignored; a block of NaN only stays NaN.
std::vector<float> maxPool(const std::vector<float>& v, std::int64_t rows, std::int64_t cols,
                           std::int64_t outRows, std::int64_t outCols, bool byMagnitude);

} // namespace sinkscope
