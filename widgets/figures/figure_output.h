#pragma once
// Internal to sinkscope_figures: the one path from a painted figure to a file or an image, shared
// by the heatmap and grid figures (figure_files.cpp) and the curve figure (curve_figure.cpp), so
// that every figure is checked before a file is opened and is written atomically the same way.
#include "core/result.h"

#include <QImage>
#include <QPainter>
#include <QSizeF>

#include <functional>
#include <string>

namespace sinkscope {

enum class FigureFormat { Png, Svg, Pdf };

struct FigureDrawing {
    QSizeF size; // points
    int dpi;
    std::string title;
    std::function<void(QPainter&, bool vector)> paint;
};

// Before anything is painted: the format from the path's extension, the figure's own check
// (`valid`) and a QGuiApplication. Errors name the path; nothing is written.
Result<FigureFormat> checkFigureOutput(const std::string& path, const Status& valid);

// Encodes the drawing in memory, then replaces the file atomically. Errors name the path.
Status writeFigureDrawing(const std::string& path, FigureFormat format, const FigureDrawing& drawing);

// The PNG's pixels; a null image when it would be too large.
QImage renderFigureDrawing(const FigureDrawing& drawing);

} // namespace sinkscope
