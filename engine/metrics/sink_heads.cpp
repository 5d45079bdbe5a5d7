#include "metrics/sink_heads.h"

#include <cstddef>

namespace sinkscope {

std::vector<std::vector<bool>> sinkHeadMap(const std::vector<std::vector<double>>& alpha0, double eps) {
    std::vector<std::vector<bool>> map;
    map.reserve(alpha0.size());
    for (const auto& layer : alpha0) {
        auto& row = map.emplace_back();
        row.reserve(layer.size());
        for (double a : layer)
            row.push_back(a > eps); // strictly above, as in sinkRate
    }
    return map;
}

std::vector<bool> sinkHeadFlags(const std::vector<std::vector<double>>& alpha0, double eps) {
    std::vector<bool> flags;
    for (const auto& row : sinkHeadMap(alpha0, eps))
        flags.insert(flags.end(), row.begin(), row.end());
    return flags;
}

double sinkRateOver(const std::vector<std::vector<std::vector<double>>>& alphaK, double eps) {
    std::size_t above = 0, total = 0;
    for (const auto& prompt : alphaK)
        for (const auto& layer : prompt)
            for (double a : layer) {
                above += a > eps ? 1 : 0;
                ++total;
            }
    return total ? 100.0 * static_cast<double>(above) / static_cast<double>(total) : 0.0;
}

} // namespace sinkscope
