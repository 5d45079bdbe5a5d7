#pragma once
// The figures of figures/figures.h and figures/image_overlay.h as images (GUI preview, clipboard,
// tests): the same pixels the PNG export writes, at the figure's dpi (recorded in the image's
// dots-per-meter).
#include "figures/figures.h"
#include "figures/image_overlay.h"

#include <QImage>

namespace sinkscope {

// A null QImage when the figure is invalid (validateHeatmap / validateGrid say why) or too large.
QImage renderHeatmap(const HeatmapFigure& f);
QImage renderGrid(const GridFigure& f);
QImage renderHeatmapPair(HeatmapFigure left, HeatmapFigure right); // shares the range
QImage renderImageOverlay(const ImageOverlayFigure& f);            // null when validateImageOverlay fails

} // namespace sinkscope
