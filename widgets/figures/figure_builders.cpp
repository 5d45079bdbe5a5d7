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

HeatmapFigure channelFigure(std::vector<float> r, std::int64_t tokens, std::int64_t dim,
                            const std::vector<std::string>& tokenLabels,
                            const std::vector<std::int64_t>& sinkDims,
                            const std::vector<std::int64_t>& sinkTokens, int state, int states, double tau,
                            const std::string& modelName) {
    HeatmapFigure f;
    f.rows = tokens;
    f.cols = dim;
    f.values = std::move(r);
    if (static_cast<std::int64_t>(tokenLabels.size()) == tokens) f.rowLabels = tokenLabels;
    f.markedCols = sinkDims;
    f.markedRows = sinkTokens;
    char t[32];
    std::snprintf(t, sizeof t, "%.3g", tau);
    // State l enters layer l; the last one leaves the last layer (before the final norm).
    const std::string where =
        state + 1 < states ? "entering layer " + std::to_string(state) : "after the last layer";
    f.title = (modelName.empty() ? "" : modelName + " · ") + "state " + std::to_string(state) + " (" + where +
              ") · τ = " + t +
              (sinkDims.empty() ? " · no sink dimension" : " · ▼ sink dimension, ◀ sink token");
    f.colorbarLabel = "r = |h| / rms(h)";
    f.xLabel = "channel d";
    f.yLabel = "token";
    f.colormap = Colormap::Magma;
    f.vmin = 0.0;
    return f;
}

std::vector<float> patchRow(const float* map, std::int64_t T, std::int64_t query, const PatchGrid& g) {
    const auto n = static_cast<std::size_t>(std::max(0, g.rows) * std::max(0, g.cols));
    std::vector<float> out(n, NAN);
    const std::int64_t start = g.first + g.leading;
    if (!map || query < 0 || query >= T || query < start) return out;
    for (std::size_t p = 0; p < n; ++p) {
        const std::int64_t key = start + static_cast<std::int64_t>(p);
        if (key <= query && key < T) out[p] = map[query * T + key];
    }
    return out;
}

std::vector<float> patchMean(const std::vector<const float*>& maps, std::int64_t T, std::int64_t query,
                             const PatchGrid& grid) {
    std::vector<float> out(static_cast<std::size_t>(std::max(0, grid.rows) * std::max(0, grid.cols)),
                           maps.empty() ? NAN : 0.0f);
    for (const float* map : maps) {
        const auto row = patchRow(map, T, query, grid);
        for (std::size_t p = 0; p < out.size(); ++p)
            out[p] += row[p] / static_cast<float>(maps.size());
    }
    return out;
}

ImageOverlayFigure patchOverlayFigure(int width, int height, std::vector<std::uint8_t> rgb,
                                      const PatchGrid& grid, std::vector<float> values,
                                      const std::vector<std::int64_t>& sinkTokens, const std::string& title) {
    ImageOverlayFigure f;
    f.width = width;
    f.height = height;
    f.rgb = std::move(rgb);
    f.gridRows = grid.rows;
    f.gridCols = grid.cols;
    f.values = std::move(values);
    const std::int64_t start = grid.first + grid.leading, patches = std::int64_t{grid.rows} * grid.cols;
    for (std::int64_t t : sinkTokens)
        if (t >= start && t < start + patches) f.markedPatches.push_back(t - start);
    f.title = title;
    return f;
}

} // namespace sinkscope
