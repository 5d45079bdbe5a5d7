#pragma once
// Attention over a picture: the image a vision-language model sees, each of its patches tinted by a
// value (e.g. one query token's attention to that image token) and chosen patches framed (e.g.
// visual sink tokens), with a colorbar and a legend. Qt-free like figures/figures.h, whose formats
// and guarantees it shares: .png (raster at dpi), .svg and .pdf (vector; the picture embedded once as
// an image, frames and text as vectors), replaced atomically, bad figures refused before a file is
// opened. The QImage rendering is renderImageOverlay in figures/figure_image.h.
//
// Geometry: the picture's longer side is printed at about kImageOverlaySide points whatever its
// pixel size. A picture with fewer pixels than that at the figure's dpi is enlarged by the whole
// factor nearest to it with nearest-neighbour scaling (a 2x2 test picture stays four crisp
// squares; a 336-pixel one at 150 dpi doubles to 672 pixels, 323 pt); a larger one is reduced
// smoothly to exactly that size.
#include "core/result.h"
#include "figures/figures.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope {

inline constexpr double kImageOverlaySide = 300.0; // points

struct ImageOverlayFigure {
    // The picture as the model sees it (already resized and cropped): height rows of width pixels,
    // 3 bytes (R, G, B) each.
    int width = 0, height = 0;
    std::vector<std::uint8_t> rgb;
    // The patch grid laid evenly over the picture: patch r*gridCols + c covers columns
    // [c*width/gridCols, (c+1)*width/gridCols) and the matching rows.
    int gridRows = 0, gridCols = 0;
    // One value per patch, row-major. Non-finite = no value: the patch shows the bare picture.
    std::vector<float> values;
    // Patch indices (r*gridCols + c) to frame, e.g. visual sink tokens; named in the legend.
    std::vector<std::int64_t> markedPatches;
    std::string markedLabel = "visual sink token";
    std::string title;
    std::string colorbarLabel = "attention weight";
    Colormap colormap = Colormap::Magma;
    // How much the tint covers the picture: 0 = picture only, 1 = colours only.
    double opacity = 0.6;
    // Colour range in data units; NaN: from the values (see HeatmapFigure::vmin).
    double vmin = NAN, vmax = NAN;
    // Linear or Log as in HeatmapFigure; RowNormalized divides every value by the grid's largest
    // |value| (the colorbar label gets " (÷ max)").
    MapScale scale = MapScale::Linear;
    int dpi = 150; // PNG resolution; also the resolution of images embedded in SVG/PDF (10..2400)
};

// Checks sizes and options; one line naming the field. The messages are those writeImageOverlay
// prefixes with the path.
Status validateImageOverlay(const ImageOverlayFigure& f);

// Renders to a file; the extension (case-insensitive) picks the format. Errors name the path.
Status writeImageOverlay(const ImageOverlayFigure& f, const std::string& path);

} // namespace sinkscope
