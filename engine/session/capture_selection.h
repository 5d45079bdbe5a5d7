#pragma once
// Which attention maps a capture keeps: a contiguous range of layers and a set of heads. A big
// model's every map at a long prompt does not fit in memory (32 layers x 32 heads at 4096 tokens
// is 17 GiB even in fp16), so a trace or a view keeps the maps the user asks for, while metrics
// that need one number per head (alpha_0) are still computed for every head. Torch-free.
#include "core/result.h"

#include <string>
#include <vector>

namespace sinkscope {

struct CaptureSelection {
    int firstLayer = 0;
    int lastLayer = -1;     // inclusive; -1: up to the model's last layer
    std::vector<int> heads; // ascending; empty: every head

    bool contains(int layer, int head) const;
    // How many layers / heads / maps are kept of a model with this many layers and heads.
    int layerCount(int layers) const;
    int headCount(int heads) const;
    bool everything(int layers, int heads) const;
    // "layers 0-7, heads 0,3" or "every layer and head"; `layers` resolves lastLayer = -1.
    std::string describe(int layers, int heads) const;
    // The same selection restricted to the first `count` of its layers.
    CaptureSelection firstLayers(int count, int layers) const;
};

// Parses "--capture-layers" ("all", "5", "0-7") and "--capture-heads" ("all", "3", "0,2,5-7")
// against a model with `layers` layers and `heads` heads; errors name the value and the range.
Result<CaptureSelection> parseCaptureSelection(const std::string& layers, const std::string& heads,
                                               int nLayers, int nHeads);

} // namespace sinkscope
