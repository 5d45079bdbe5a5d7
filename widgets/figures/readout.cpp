#include "figures/readout.h"

#include "figures/labels.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {
std::string label(const std::vector<std::string>& labels, std::int64_t i) {
    return i < static_cast<std::int64_t>(labels.size()) ? displayLabel(labels[static_cast<std::size_t>(i)])
                                                        : std::string();
}
} // namespace

std::string cellReadout(const HeatmapFigure& f, std::int64_t row, std::int64_t col) {
    const float v = f.values[static_cast<std::size_t>(row * f.cols + col)];
    const std::string q = label(f.rowLabels, row), k = label(f.colLabels, col);
    if (!std::isfinite(v))
        return fmt::format("query {} '{}' cannot see key {} '{}' (causal)", row, q, col, k);
    return fmt::format("query {} '{}' → key {} '{}': {:.4g}", row, q, col, k, v);
}

} // namespace sinkscope
