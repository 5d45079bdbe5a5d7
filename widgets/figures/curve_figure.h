#pragma once
// A line plot for publication: one or more named series of (x, y) points, e.g. the sink rate of
// each (model, intervention) over training checkpoints, with axes, ticks, a legend and a title.
// Qt-free like figures/figures.h, whose formats and guarantees it shares: .png (raster at dpi),
// .svg and .pdf (vector), replaced atomically, bad figures refused before a file is opened.
#include "core/result.h"

#include <cmath>
#include <string>
#include <vector>

namespace sinkscope {

struct CurveSeries {
    std::string name;           // in the legend
    std::vector<double> xs, ys; // drawn in the order given, each point marked
};

struct CurveFigure {
    std::vector<CurveSeries> series;
    std::string title, xLabel, yLabel;
    bool logX = false; // log10 x axis: every x must be > 0
    // The y range. NaN: from the data with a little headroom.
    double yMin = NAN, yMax = NAN;
    int dpi = 150; // PNG resolution (10..2400)
};

// Checks series, values and options; the messages are those writeCurves prefixes with the path:
// no series, a series without points, xs and ys of different lengths, a non-finite value, x <= 0
// on a log axis, yMin >= yMax.
Status validateCurves(const CurveFigure& f);

// Renders to a file; the extension (case-insensitive) picks the format. Errors name the path.
Status writeCurves(const CurveFigure& f, const std::string& path);

} // namespace sinkscope
