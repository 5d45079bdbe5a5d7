// Shape and option checks of the figure descriptions; messages say what was expected.
#include "figures/figure_checks.h"
#include "figures/figures.h"

#include <cmath>
#include <string>

namespace sinkscope {

namespace {

constexpr std::int64_t kMaxSide = 1 << 20; // cells per axis; images index pixels with int

Status checkShape(const HeatmapFigure& f) {
    if (f.rows <= 0 || f.cols <= 0 || f.rows > kMaxSide || f.cols > kMaxSide)
        return Error{"map needs 1.." + std::to_string(kMaxSide) + " rows and columns (got " +
                     std::to_string(f.rows) + "x" + std::to_string(f.cols) + ")"};
    if (f.values.size() != static_cast<std::size_t>(f.rows * f.cols))
        return Error{"map has " + std::to_string(f.rows) + "x" + std::to_string(f.cols) + " cells but " +
                     std::to_string(f.values.size()) + " values"};
    return okStatus();
}

} // namespace

std::string figureNumber(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

Status checkFigureDpi(int dpi) {
    if (dpi < kMinFigureDpi || dpi > kMaxFigureDpi)
        return Error{"dpi must be within " + std::to_string(kMinFigureDpi) + ".." +
                     std::to_string(kMaxFigureDpi) + " (got " + std::to_string(dpi) + ")"};
    return okStatus();
}

Status checkColourRange(MapScale scale, double vmin, double vmax) {
    for (const auto& [name, v] : {std::pair{"vmin", vmin}, std::pair{"vmax", vmax}}) {
        if (std::isinf(v))
            return Error{std::string(name) + " must be a finite number or NaN (from the data)"};
        if (scale == MapScale::Log && !std::isnan(v) && v <= 0.0)
            return Error{std::string(name) + " must be > 0 with the log scale (got " + figureNumber(v) + ")"};
    }
    if (!std::isnan(vmin) && !std::isnan(vmax) && !(vmin < vmax))
        return Error{"vmin must be below vmax (got " + figureNumber(vmin) + " and " + figureNumber(vmax) +
                     ")"};
    return okStatus();
}

Status validateHeatmap(const HeatmapFigure& f) {
    if (auto s = checkShape(f); !s) return s;
    if (!f.rowLabels.empty() && f.rowLabels.size() != static_cast<std::size_t>(f.rows))
        return Error{"map has " + std::to_string(f.rows) + " rows but " + std::to_string(f.rowLabels.size()) +
                     " row labels (give one per row, or none)"};
    if (!f.colLabels.empty() && f.colLabels.size() != static_cast<std::size_t>(f.cols))
        return Error{"map has " + std::to_string(f.cols) + " columns but " +
                     std::to_string(f.colLabels.size()) + " column labels (give one per column, or none)"};
    if (auto s = checkFigureDpi(f.dpi); !s) return s;
    if (auto s = checkColourRange(f.scale, f.vmin, f.vmax); !s) return s;
    for (auto c : f.markedCols)
        if (c < 0 || c >= f.cols)
            return Error{"marked column " + std::to_string(c) + " is outside the map's " +
                         std::to_string(f.cols) + " columns"};
    for (auto r : f.markedRows)
        if (r < 0 || r >= f.rows)
            return Error{"marked row " + std::to_string(r) + " is outside the map's " +
                         std::to_string(f.rows) + " rows"};
    return okStatus();
}

Status validateGrid(const GridFigure& f) {
    if (f.layers <= 0 || f.heads <= 0)
        return Error{"grid needs layers > 0 and heads > 0 (got " + std::to_string(f.layers) + "x" +
                     std::to_string(f.heads) + ")"};
    const auto n = static_cast<std::size_t>(f.layers) * static_cast<std::size_t>(f.heads);
    const std::string shape = std::to_string(f.layers) + "x" + std::to_string(f.heads);
    if (f.cells.size() != n)
        return Error{"grid of " + shape + " heads has " + std::to_string(f.cells.size()) + " cells"};
    if (!f.cellValue.empty() && f.cellValue.size() != n)
        return Error{"grid of " + shape + " heads has " + std::to_string(f.cellValue.size()) +
                     " cell values (give one per head, or none)"};
    if (!f.marked.empty() && f.marked.size() != n)
        return Error{"grid of " + shape + " heads has " + std::to_string(f.marked.size()) +
                     " marks (give one per head, or none)"};
    if (auto s = checkFigureDpi(f.dpi); !s) return s;
    for (std::size_t i = 0; i < n; ++i) {
        if (auto s = checkShape(f.cells[i]); !s)
            return Error{"cell (layer " + std::to_string(i / static_cast<std::size_t>(f.heads)) + ", head " +
                         std::to_string(i % static_cast<std::size_t>(f.heads)) + "): " + s.error().message};
    }
    return okStatus();
}

} // namespace sinkscope
