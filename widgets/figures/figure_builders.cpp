#include "figures/figure_builders.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sinkscope {

HeatmapFigure headTableFigure(const std::vector<std::vector<double>>& values, const std::string& title,
                              const std::string& valueLabel) {
    HeatmapFigure f;
    f.rows = static_cast<std::int64_t>(values.size());
    for (const auto& row : values)
        f.cols = std::max(f.cols, static_cast<std::int64_t>(row.size()));
    f.values.assign(static_cast<std::size_t>(f.rows * f.cols), NAN);
    for (std::int64_t l = 0; l < f.rows; ++l) {
        const auto& row = values[static_cast<std::size_t>(l)];
        for (std::size_t h = 0; h < row.size(); ++h)
            f.values[static_cast<std::size_t>(l * f.cols) + h] = static_cast<float>(row[h]);
        f.rowLabels.push_back("L" + std::to_string(l));
    }
    for (std::int64_t h = 0; h < f.cols; ++h)
        f.colLabels.push_back("h" + std::to_string(h));
    f.title = title;
    f.colorbarLabel = valueLabel;
    f.xLabel = "head";
    f.yLabel = "layer";
    f.vmin = 0.0;
    f.vmax = 1.0;
    return f;
}

HeatmapFigure timelineAlpha0Figure(const std::vector<std::vector<double>>& alpha0, const std::string& runName,
                                   std::int64_t step, double sinkRatePercent) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f", sinkRatePercent);
    return headTableFigure(alpha0,
                           runName + " · step " + std::to_string(step) + " · Sink^0.3 = " + rate + " %",
                           "α₀ (attention on token 0)");
}

} // namespace sinkscope
