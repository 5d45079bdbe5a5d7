#pragma once
// Attention maps as images: one pixel per cell, and whole-factor enlargements so cells stay crisp
// when a viewer smooths embedded images (SVG, PDF).
#include "figures/scale.h"

#include <QImage>

#include <cstdint>
#include <vector>

namespace sinkscope {

// Transformed values -> colours; NaN cells are transparent so the background shows through.
QImage colourImage(const std::vector<float>& transformed, std::int64_t rows, std::int64_t cols,
                   const ColourRange& range, Colormap colormap);

// Nearest-neighbour enlargement by whole factors (>= 1).
QImage enlarge(const QImage& image, int fx, int fy);

} // namespace sinkscope
