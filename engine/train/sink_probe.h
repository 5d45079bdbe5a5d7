#pragma once
// Evaluation during training: validation loss and the sink probe (alpha_0 per layer and head,
// Sink^eps over probe sequences), on the in-memory weights.
#include "model/transformer.h"
#include "train/token_data.h"
#include "train/trainer.h"

namespace sinkscope::detail {

// Mean next-token cross-entropy (nats) over a batch.
double batchLoss(const ModelConfig& c, const TransformerWeights& w, const Batch& b);

// Runs each probe row on its own (B = 1, so the observer sees it) and fills the sink fields
// and probeLoss of `point`.
void probeSinks(const ModelConfig& c, const TransformerWeights& w, const Batch& probes, double eps,
                TimelinePoint& point);

} // namespace sinkscope::detail
