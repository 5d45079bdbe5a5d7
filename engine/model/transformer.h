#pragma once
// The decoder forward pass for both families, in ATen ops so it runs on CPU or CUDA and, with
// grad-enabled tensors, trains too. Private to the engine: never include from a public header.
#include "io/model_config.h"
#include "io/weight_store.h"
#include "model/observer.h"

#include <ATen/ATen.h>

#include <vector>

namespace sinkscope::detail {

// Weights in one layout for both families: projections as [out, in] (at::linear), GPT-2's fused
// Conv1D c_attn split into q/k/v. Undefined tensors mean "absent" (e.g. no bias).
struct LayerWeights {
    at::Tensor norm1W, norm1B, norm2W, norm2B;
    at::Tensor wq, wk, wv, wo, bq, bk, bv, bo;
    at::Tensor wGate, wUp, wDown, bUp, bDown; // GPT-2: c_fc = wUp/bUp, c_proj = wDown/bDown
    at::Tensor sinks;                         // learned sink logits [nHeads], SinkLogit only
};

struct TransformerWeights {
    at::Tensor embed;    // [V, D]
    at::Tensor posEmbed; // [P, D], GPT-2 only
    at::Tensor finalW, finalB;
    at::Tensor lmHead; // [V, D]; aliases embed when tied
    std::vector<LayerWeights> layers;

    std::vector<at::Tensor> parameters() const; // every defined, distinct tensor (for training)
};

// Builds float32 weights on `device` from a validated store.
TransformerWeights weightsFromStore(const ModelConfig& c, const WeightStore& store, at::Device device);

// Keys and values of past positions: per layer [B, nKv, capacity, headDim].
struct KvCache {
    std::vector<at::Tensor> k, v;
    std::int64_t length = 0;
    std::int64_t capacity = 0;
};

struct ForwardContext {
    ForwardObserver* observer = nullptr; // only consulted when the batch is 1
    KvCache* cache = nullptr;            // null: no cache, positions start at 0
};

// tokens: int64 [B, T]. Returns the final-normed hidden states [B, T, D].
at::Tensor forwardHidden(const ModelConfig& c, const TransformerWeights& w, const at::Tensor& tokens,
                         ForwardContext& ctx);

// Logits [B, T, V] from final hidden states.
at::Tensor projectLogits(const TransformerWeights& w, const at::Tensor& hidden);

} // namespace sinkscope::detail
