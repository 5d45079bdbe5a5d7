#include "figures/map_image.h"

#include "figures/colormap.h"

#include <cmath>

namespace sinkscope {

QImage colourImage(const std::vector<float>& transformed, std::int64_t rows, std::int64_t cols,
                   const ColourRange& range, Colormap colormap) {
    QImage img(static_cast<int>(cols), static_cast<int>(rows), QImage::Format_ARGB32_Premultiplied);
    if (img.isNull()) return img;
    const auto table = colormapTable(colormap);
    for (std::int64_t r = 0; r < rows; ++r) {
        auto* line = reinterpret_cast<QRgb*>(img.scanLine(static_cast<int>(r)));
        for (std::int64_t c = 0; c < cols; ++c) {
            const double t = range.position(transformed[static_cast<std::size_t>(r * cols + c)]);
            if (std::isnan(t)) {
                line[c] = qRgba(0, 0, 0, 0);
                continue;
            }
            const Rgb& rgb = table[static_cast<std::size_t>(std::lround(t * 255.0))];
            line[c] = qRgb(rgb.r, rgb.g, rgb.b);
        }
    }
    return img;
}

QImage enlarge(const QImage& image, int fx, int fy) {
    if (fx <= 1 && fy <= 1) return image;
    return image.scaled(image.width() * fx, image.height() * fy, Qt::IgnoreAspectRatio,
                        Qt::FastTransformation);
}

} // namespace sinkscope
