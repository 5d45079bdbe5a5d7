// The curve figure's checks and its way to a file, through the same output path as the heatmaps.
#include "figures/curve_figure.h"

#include "figures/curve_painter.h"
#include "figures/figure_output.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

constexpr int kMinDpi = 10, kMaxDpi = 2400; // as the heatmap figures

Status validateSeries(const CurveSeries& s, bool logX) {
    if (s.xs.size() != s.ys.size())
        return Error{
            fmt::format("series \"{}\" has {} x values but {} y values", s.name, s.xs.size(), s.ys.size())};
    if (s.xs.empty()) return Error{fmt::format("series \"{}\" has no points", s.name)};
    for (std::size_t i = 0; i < s.xs.size(); ++i) {
        if (!std::isfinite(s.xs[i]) || !std::isfinite(s.ys[i]))
            return Error{fmt::format("series \"{}\": point {} is not finite (x = {}, y = {})", s.name, i,
                                     s.xs[i], s.ys[i])};
        if (logX && s.xs[i] <= 0.0)
            return Error{
                fmt::format("series \"{}\": x = {} at point {} cannot go on a log axis", s.name, s.xs[i], i)};
    }
    return okStatus();
}

} // namespace

Status validateCurves(const CurveFigure& f) {
    if (f.series.empty()) return Error{"a curve figure needs at least one series"};
    for (const CurveSeries& s : f.series)
        if (auto st = validateSeries(s, f.logX); !st) return st;
    if (f.dpi < kMinDpi || f.dpi > kMaxDpi)
        return Error{fmt::format("dpi must be within {}..{} (got {})", kMinDpi, kMaxDpi, f.dpi)};
    const bool fixedRange = !std::isnan(f.yMin) && !std::isnan(f.yMax);
    if ((!std::isnan(f.yMin) && !std::isfinite(f.yMin)) || (!std::isnan(f.yMax) && !std::isfinite(f.yMax)) ||
        (fixedRange && f.yMin >= f.yMax))
        return Error{
            fmt::format("the y range {}..{} is not a finite range with yMin < yMax", f.yMin, f.yMax)};
    return okStatus();
}

Status writeCurves(const CurveFigure& f, const std::string& path) {
    const auto format = checkFigureOutput(path, validateCurves(f));
    if (!format) return format.error();
    const CurvePainter painter(f);
    const FigureDrawing drawing{painter.size(), f.dpi, f.title,
                                [&painter](QPainter& p, bool) { painter.paint(p); }};
    return writeFigureDrawing(path, *format, drawing);
}

} // namespace sinkscope
