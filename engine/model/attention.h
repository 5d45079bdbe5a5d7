#pragma once
// One attention step: scores, causal mask, the configured weighting (softmax, softmax with a
// sink logit, or sigmoid), capture for the observer, and the weighted sum of values.
#include "io/model_config.h"
#include "model/observer.h"

#include <ATen/ATen.h>

#include <vector>

namespace sinkscope::detail {

struct AttentionInputs {
    at::Tensor q;              // [B, nHeads, T, hd]
    at::Tensor k, v;           // [B, nKvHeads, Tk, hd], Tk = startPos + T
    at::Tensor sinkLogits;     // [nHeads] learned sink logits, or undefined
    std::int64_t startPos = 0; // cache slot of the first query
    int layer = 0;
    struct InterventionState* interventions = nullptr;        // applied when B == 1
    const std::vector<std::int64_t>* slotPositions = nullptr; // token position per key slot after
                                                              // eviction; null: slot = position
};

// Returns the attention output [B, nHeads, T, hd]. The observer is only consulted for B == 1.
at::Tensor attend(const ModelConfig& c, const AttentionInputs& in, ForwardObserver* observer);

} // namespace sinkscope::detail
