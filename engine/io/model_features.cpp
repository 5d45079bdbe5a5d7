// modelFeatures: what sets a model apart, in the words a model card uses, for `models` and the
// GUI's model picker.
#include "io/model_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sinkscope {

namespace {

// "layers 0-4, 6-10" (or "layer 2"): the windowed layers as runs of consecutive layers, or "13 of 26 layers"
// when there are more than four runs (Gemma's alternating pattern).
std::string windowedLayers(const ModelConfig& c) {
    std::vector<std::string> runs;
    int windowed = 0;
    for (int l = 0; l < c.nLayers; ++l) {
        if (c.windowOf(l) == 0) continue;
        ++windowed;
        if (l > 0 && c.windowOf(l - 1) > 0) continue; // inside a run: its end is written below
        int end = l;
        while (end + 1 < c.nLayers && c.windowOf(end + 1) > 0)
            ++end;
        runs.push_back(end == l ? fmt::format("{}", l) : fmt::format("{}-{}", l, end));
    }
    if (runs.size() > 4) return fmt::format("{} of {} layers", windowed, c.nLayers);
    return fmt::format("{} {}", windowed == 1 ? "layer" : "layers", fmt::join(runs, ", "));
}

} // namespace

std::vector<std::string> modelFeatures(const ModelConfig& c) {
    std::vector<std::string> f;
    int windowed = 0;
    for (int l = 0; l < c.nLayers; ++l)
        windowed += c.windowOf(l) > 0;
    if (windowed == c.nLayers && windowed > 0)
        f.push_back(fmt::format("window {}", c.slidingWindow));
    else if (windowed > 0)
        f.push_back(fmt::format("window {} ({})", c.slidingWindow, windowedLayers(c)));
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
