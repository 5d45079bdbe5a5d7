#include "run_view.h"

#include "metrics/sink_metrics.h"

namespace sinkscope::gui {

std::vector<std::vector<double>> alpha0Table(const std::vector<float>& a, int layers, int heads,
                                             std::int64_t T, const std::vector<int>& windows) {
    std::vector<std::vector<double>> out(static_cast<std::size_t>(layers));
    for (int l = 0; l < layers; ++l) {
        const std::int64_t window =
            l < static_cast<int>(windows.size()) ? windows[static_cast<std::size_t>(l)] : 0;
        for (int h = 0; h < heads; ++h)
            out[static_cast<std::size_t>(l)].push_back(columnImportanceAt(
                MatrixView{a.data() + (static_cast<std::int64_t>(l) * heads + h) * T * T, T, T, T, 0, window},
                0));
    }
    return out;
}

void labelImageTokens(RunView& view) {
    if (!view.image) return;
    const auto& img = *view.image;
    for (std::int64_t t = img.first; t <= img.last && t < static_cast<std::int64_t>(view.tokens.size());
         ++t) {
        const std::int64_t p = t - img.first - img.leadingTokens;
        const std::int64_t cols = std::max(1, img.gridCols);
        view.tokens[static_cast<std::size_t>(t)] =
            p < 0 ? std::string("img cls")
                  : "img " + std::to_string(p / cols) + "," + std::to_string(p % cols);
    }
}

} // namespace sinkscope::gui
