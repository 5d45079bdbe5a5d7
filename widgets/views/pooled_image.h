#pragma once
// The part of a map on screen as an image no larger than the screen area it fills: one image pixel
// per cell where the window holds fewer cells than there are device pixels (to be drawn enlarged,
// crisp), otherwise one per device pixel holding the largest value of the cells under it, so a
// single massive channel among thousands stays visible. Qt-only; used by ChannelMapView.
#include "figures/scale.h"

#include <QImage>
#include <QRectF>

#include <cstdint>

namespace sinkscope {

// The cells on screen along one axis: [first, first + count) of n, fractional at the edges.
struct MapWindow {
    double first = 0.0, count = 1.0;
    std::int64_t n = 0;
};

struct PooledImage {
    QImage image;  // Format_RGB32; "not stored" cells in `background`
    QRectF target; // where to draw it (nearest-neighbour) in the caller's coordinates, clipped to the map
};

// values: rows × cols row-major (rows.n × cols.n), already transformed by the map's scale; NaN is
// "not stored", and so is any non-finite value when nonFiniteMissing (linear maps; a log scale's
// −inf means "lowest colour"). map: where the window lands; pixels: its size in device pixels.
PooledImage pooledImage(const float* values, const MapWindow& rows, const MapWindow& cols, QRectF map,
                        QSize pixels, const ColourRange& range, Colormap colormap, QRgb background,
                        bool nonFiniteMissing);

} // namespace sinkscope
