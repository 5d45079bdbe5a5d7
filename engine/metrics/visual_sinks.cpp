#include "metrics/visual_sinks.h"

#include <algorithm>

namespace sinkscope {

VisualSinks visualSinks(const HiddenStates& h, std::int64_t first, std::int64_t last, double tau) {
    SinkDimensionsOptions o;
    if (tau > 0) o.tau = tau; // NaN and <= 0 fail the test and keep the default
    VisualSinks out;
    out.dimensions = sinkDimensions(h, o);
    const std::size_t layers = h.states.empty() ? 0 : h.states.size() - 1;
    out.layers.assign(layers, std::vector<std::int64_t>{0});
    for (std::size_t l = 0; l < layers && l < out.dimensions.sinkTokens.size(); ++l)
        for (std::int64_t t : imageSinkTokens(out.dimensions.sinkTokens[l], first, last))
            out.layers[l].push_back(t);
    return out;
}

std::vector<std::int64_t> imageSinkTokens(const std::vector<std::int64_t>& sinks, std::int64_t first,
                                          std::int64_t last) {
    std::vector<std::int64_t> out;
    for (std::int64_t t : sinks)
        if (t >= first && t <= last && t != 0) out.push_back(t);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace sinkscope
