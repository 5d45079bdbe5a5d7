#pragma once
// RowExplanation: one query row of one head, step by step as the forward pass computes it — the
// pre-softmax scores z_j = q_i·k_j·scale the pass formed (ForwardObserver::onScores), then the
// weights it made of them (onAttention) — for the unmodified run and, under interventions, for
// the intervened one. Nothing is derived from the weights: the scores are the pass's own, so a
// view can show how the model's weighting (docs/methods.md) turns one into the other.
#include "core/result.h"
#include "io/model_config.h"
#include "model/model.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace sinkscope {

class PreparedPrompt;

struct AttentionRowPass {
    // Keys 0..query. A key the row cannot see (outside a sliding window) scores -infinity.
    std::vector<float> scores;
    std::vector<float> weights; // what the row attends with, after any intervention on this head
    // The extra logit column b the softmax adds to this row (a sink-logit model's own, or a
    // sink-logit intervention's); NaN when there is none. Its share is 1 − sum(weights).
    float extraLogit = std::numeric_limits<float>::quiet_NaN();
};

struct RowExplanation {
    int layer = 0, head = 0;
    std::int64_t query = 0;
    AttentionKind weighting = AttentionKind::Softmax; // the model's own
    float sigmoidBias = 0.0f; // Sigmoid: w_j = sigmoid(z_j + bias), no normalisation across the row
    AttentionRowPass base;
    // Present when interventions were given and could be recomputed for the row; `note` says why not.
    std::optional<AttentionRowPass> intervened;
    std::vector<std::string> onThisHead; // specs of the interventions that select this (layer, head)
    std::string note;
};

// The row `query` of head (layer, head) of the prepared prompt: the base row recomputes the one
// layer, the intervened row the layers from the first one the interventions change (both on the
// kept residual stream). Out-of-range indices are errors naming the value and the range.
Result<RowExplanation> explainRow(const Model& model, const PreparedPrompt& prompt, int layer, int head,
                                  std::int64_t query, const Interventions& interventions = {});

} // namespace sinkscope
