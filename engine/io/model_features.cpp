// modelFeatures: what sets a model apart, in the words a model card uses, for `models` and the
// GUI's model picker.
#include "io/model_config.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

// "layers 0-4, 6-10" style list of the windowed layers (runs of consecutive layers).
std::string layerRuns(const ModelConfig& c) {
    std::string out;
    int count = 0;
    for (int l = 0; l < c.nLayers;) {
        if (c.windowOf(l) == 0) {
            ++l;
            continue;
        }
        int end = l;
        while (end + 1 < c.nLayers && c.windowOf(end + 1) > 0)
            ++end;
        if (++count > 4)
            return fmt::format(
                "{} of {} layers",
                [&] {
                    int n = 0;
                    for (int i = 0; i < c.nLayers; ++i)
                        n += c.windowOf(i) > 0;
                    return n;
                }(),
                c.nLayers);
        out += (out.empty() ? "" : ", ") + (end == l ? fmt::format("{}", l) : fmt::format("{}-{}", l, end));
        l = end + 1;
    }
    return out;
}

} // namespace

std::vector<std::string> modelFeatures(const ModelConfig& c) {
    std::vector<std::string> f;
    bool windowed = false;
    for (int l = 0; l < c.nLayers && !windowed; ++l)
        windowed = c.windowOf(l) > 0;
    if (windowed) {
        bool all = true;
        for (int l = 0; l < c.nLayers && all; ++l)
            all = c.windowOf(l) > 0;
        const std::string runs = layerRuns(c);
        const bool counted = runs.find(" of ") != std::string::npos;
        f.push_back(all       ? fmt::format("window {}", c.slidingWindow)
                    : counted ? fmt::format("window {} ({})", c.slidingWindow, runs)
                              : fmt::format("window {} (layers {})", c.slidingWindow, runs));
    }
    if (c.attnSoftcap > 0 || c.finalSoftcap > 0)
        f.push_back(fmt::format("soft-cap {:g}/{:g}", c.attnSoftcap, c.finalSoftcap));
    if (c.rope.type != RopeScalingType::None)
        f.push_back(fmt::format("rope {} x{:g}", ropeScalingName(c.rope.type), c.rope.factor));
    if (c.rotaryDim > 0 && c.rotaryDim < c.headDim)
        f.push_back(fmt::format("rotary {}/{}", c.rotaryDim, c.headDim));
    if (c.qkNorm != QkNorm::None) f.push_back("q/k norm");
    if (c.nKvHeads != c.nHeads)
        f.push_back(c.nKvHeads == 1 ? "MQA" : fmt::format("GQA {}:{}", c.nHeads, c.nKvHeads));
    if (c.layout == BlockLayout::Parallel) f.push_back("parallel residual");
    if (c.layout == BlockLayout::PostLn) f.push_back("post-LN");
    if (c.attention == AttentionKind::SinkLogit)
        f.push_back(c.sinkLogitLearned ? "learned sink" : "sink logit");
    if (c.attention == AttentionKind::Sigmoid) f.push_back("sigmoid attention");
    return f;
}

} // namespace sinkscope
