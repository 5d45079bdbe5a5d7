#pragma once
// What one forward pass over a prompt will allocate, predicted from the model's shape before any
// of it is allocated, so that a prompt too long for this machine is refused with one line ("needs
// about 80.0 GiB ... 21.3 GiB available; up to about 52000 tokens fit") instead of LibTorch
// failing deep inside with a stack trace, or the kernel killing the process. Torch-free.
#include "core/result.h"
#include "io/model_config.h"

#include <cstdint>
#include <string>

namespace sinkscope {

struct PassShape {
    std::int64_t tokens = 0;      // positions fed in one pass (the prompt)
    std::int64_t cacheTokens = 0; // positions a KV cache holds (prompt + generated; 0: no cache)
    bool observer = false;        // an observer may want per-head attention maps
    bool probabilities = false;   // a layer's [heads, T, T] probabilities are formed (interventions)
    bool scores = false;          // and its pre-softmax scores too
    bool allLogits = false;       // logits for every position, not only the last
    bool hiddenStates = false;    // every residual state kept (secondary-sink detection)
    int threads = 1;              // the engine's worker threads (a buffer each)
};

struct PassMemory {
    std::int64_t bytes = 0; // peak bytes beyond the weights (an upper estimate)
    std::string largest;    // what takes most of it, in words
};

PassMemory estimatePassMemory(const ModelConfig& c, const PassShape& shape);

// An error when the pass plus `extraBytes` (what the caller will hold, e.g. a capture, described
// by `extraWhat`) exceeds `availableBytes`; fine when availableBytes < 0 (unknown). The message
// names both sizes, the largest item, and how many tokens would fit (taking the extra to grow with
// the square of the prompt length, as attention maps do).
Status checkPassMemory(const ModelConfig& c, const PassShape& shape, std::int64_t extraBytes,
                       const std::string& extraWhat, std::int64_t availableBytes);

} // namespace sinkscope
