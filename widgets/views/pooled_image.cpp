#include "views/pooled_image.h"

#include "figures/colormap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace sinkscope {

namespace {

// One image column (or row): the cells it shows, [begin, end).
struct Bins {
    std::vector<std::pair<std::int64_t, std::int64_t>> cells;
    double start = 0.0, end = 0.0; // where the image lands along the axis
};

Bins bins(const MapWindow& w, int pixels, double mapStart, double mapLength) {
    Bins b;
    const auto a = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(w.first)));
    const auto z =
        std::min<std::int64_t>(w.n, static_cast<std::int64_t>(std::ceil(w.first + w.count - 1e-9)));
    if (z - a <= pixels) { // a cell per pixel, enlarged when drawn; partial cells overhang the map
        for (std::int64_t i = a; i < z; ++i)
            b.cells.emplace_back(i, i + 1);
        b.start = mapStart + (static_cast<double>(a) - w.first) / w.count * mapLength;
        b.end = mapStart + (static_cast<double>(z) - w.first) / w.count * mapLength;
        return b;
    }
    for (int x = 0; x < pixels; ++x) {
        const double lo = w.first + w.count * x / pixels, hi = w.first + w.count * (x + 1) / pixels;
        const auto from = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(lo)), 0, w.n - 1);
        const auto to =
            std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(hi - 1e-9)), from + 1, w.n);
        b.cells.emplace_back(from, to);
    }
    b.start = mapStart;
    b.end = mapStart + mapLength;
    return b;
}

} // namespace

PooledImage pooledImage(const float* values, const MapWindow& rows, const MapWindow& cols, QRectF map,
                        QSize pixels, const ColourRange& range, Colormap colormap, QRgb background,
                        bool nonFiniteMissing) {
    PooledImage out;
    if (rows.n <= 0 || cols.n <= 0 || pixels.isEmpty()) return out;
    const Bins bx = bins(cols, pixels.width(), map.left(), map.width());
    const Bins by = bins(rows, pixels.height(), map.top(), map.height());
    out.target = QRectF(bx.start, by.start, bx.end - bx.start, by.end - by.start);
    const int w = static_cast<int>(bx.cells.size()), h = static_cast<int>(by.cells.size());
    out.image = QImage(std::max(1, w), std::max(1, h), QImage::Format_RGB32);
    if (out.image.isNull()) return out;
    out.image.fill(background);
    const auto table = colormapTable(colormap);
    constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
    for (int y = 0; y < h; ++y) {
        auto* line = reinterpret_cast<QRgb*>(out.image.scanLine(y));
        const auto [r0, r1] = by.cells[static_cast<std::size_t>(y)];
        for (int x = 0; x < w; ++x) {
            const auto [c0, c1] = bx.cells[static_cast<std::size_t>(x)];
            float best = kNaN;
            for (std::int64_t r = r0; r < r1; ++r)
                for (std::int64_t c = c0; c < c1; ++c) {
                    const float v = values[r * cols.n + c];
                    if (std::isnan(v) || (nonFiniteMissing && !std::isfinite(v))) continue;
                    if (std::isnan(best) || v > best) best = v;
                }
            const double t = range.position(best);
            if (std::isnan(t)) continue; // background
            const Rgb& rgb = table[static_cast<std::size_t>(std::lround(t * 255.0))];
            line[x] = qRgb(rgb.r, rgb.g, rgb.b);
        }
    }
    return out;
}

} // namespace sinkscope
