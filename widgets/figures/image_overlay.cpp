// The image overlay's checks and its way to a file or an image, through the figures' output path.
#include "figures/image_overlay.h"

#include "figures/figure_checks.h"
#include "figures/figure_image.h"
#include "figures/figure_output.h"
#include "figures/image_overlay_painter.h"

#include <QGuiApplication>

#include <fmt/format.h>

namespace sinkscope {

namespace {

constexpr int kMaxPictureSide = 16384; // a model's input is a few hundred pixels; this is a mistake

FigureDrawing describe(const ImageOverlayFigure& f, const ImageOverlayPainter& painter) {
    return {painter.size(), f.dpi, f.title,
            [&painter](QPainter& p, bool vector) { painter.paint(p, vector); }};
}

} // namespace

Status validateImageOverlay(const ImageOverlayFigure& f) {
    if (f.width <= 0 || f.height <= 0 || f.width > kMaxPictureSide || f.height > kMaxPictureSide)
        return Error{fmt::format("picture needs a width and height of 1..{} pixels (got {}x{})",
                                 kMaxPictureSide, f.width, f.height)};
    const auto bytes = static_cast<std::size_t>(f.width) * static_cast<std::size_t>(f.height) * 3;
    if (f.rgb.size() != bytes)
        return Error{fmt::format("picture of {}x{} pixels needs {} RGB bytes (width x height x 3) but has {}",
                                 f.width, f.height, bytes, f.rgb.size())};
    if (f.gridRows <= 0 || f.gridCols <= 0)
        return Error{fmt::format("patch grid needs gridRows > 0 and gridCols > 0 (got {}x{})", f.gridRows,
                                 f.gridCols)};
    if (f.gridRows > f.height || f.gridCols > f.width)
        return Error{fmt::format("patch grid of {}x{} is larger than the picture of {}x{} pixels (rows x "
                                 "columns; at most one patch per pixel)",
                                 f.gridRows, f.gridCols, f.height, f.width)};
    const auto patches = static_cast<std::size_t>(f.gridRows) * static_cast<std::size_t>(f.gridCols);
    if (f.values.size() != patches)
        return Error{fmt::format("patch grid of {}x{} has {} patches but {} values (give one per patch)",
                                 f.gridRows, f.gridCols, patches, f.values.size())};
    for (std::int64_t i : f.markedPatches)
        if (i < 0 || i >= static_cast<std::int64_t>(patches))
            return Error{fmt::format("marked patch {} is outside the {}x{} grid (patches 0..{})", i,
                                     f.gridRows, f.gridCols, patches - 1)};
    if (!(f.opacity >= 0.0 && f.opacity <= 1.0))
        return Error{fmt::format("opacity must be within 0..1 (got {})", f.opacity)};
    if (auto s = checkFigureDpi(f.dpi); !s) return s;
    return checkColourRange(f.scale, f.vmin, f.vmax);
}

Status writeImageOverlay(const ImageOverlayFigure& f, const std::string& path) {
    const auto format = checkFigureOutput(path, validateImageOverlay(f));
    if (!format) return format.error();
    const ImageOverlayPainter painter(f);
    return writeFigureDrawing(path, *format, describe(f, painter));
}

QImage renderImageOverlay(const ImageOverlayFigure& f) {
    if (!validateImageOverlay(f)) return {};
    ensureGuiApplication();
    if (qobject_cast<QGuiApplication*>(QCoreApplication::instance()) == nullptr) return {};
    const ImageOverlayPainter painter(f);
    return renderFigureDrawing(describe(f, painter));
}

} // namespace sinkscope
