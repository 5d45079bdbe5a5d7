#pragma once
// The decoder forward pass for both families, in ATen ops so it runs on CPU or CUDA and, with
// grad-enabled tensors, trains too. Private to the engine: never include from a public header.
#include "io/model_config.h"
#include "io/weight_store.h"
#include "model/observer.h"
#include "model/parallel_linear.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <set>
#include <vector>

namespace sinkscope::detail {

// Weights in one layout for both families: projections as [out, in] (at::linear), GPT-2's fused
// Conv1D c_attn split into q/k/v. Undefined tensors mean "absent" (e.g. no bias).
struct LayerWeights {
    at::Tensor norm1W, norm1B, norm2W, norm2B;
    at::Tensor wq, wk, wv, wo, bq, bk, bv, bo;
    at::Tensor wGate, wUp, wDown, bUp, bDown; // GPT-2: c_fc = wUp/bUp, c_proj = wDown/bDown
    at::Tensor sinks;                         // learned sink logits [nHeads], SinkLogit only
    at::Tensor qNorm, kNorm;                  // q/k RMSNorm weights: [headDim] per head, or full width
    // Norms on a sublayer's output (Gemma 2/3 post-norms, OLMo-2); undefined when absent. Gemma's
    // (1 + w) is folded into every RMSNorm weight at load, so all RMSNorms compute x / rms(x) * w.
    at::Tensor postAttnW, postMlpW;
    // Set by fuseProjections (inference): q|k|v and gate|up stacked row-wise, the separate weights
    // above then being views of them. Undefined: project with the separate weights.
    at::Tensor wqkv, bqkv, wGateUp;
};

struct TransformerWeights {
    at::Tensor embed;                 // [V, D]
    at::Tensor posEmbed;              // [P, D], learned positions (GPT-2, OPT) only
    at::Tensor projectIn, projectOut; // OPT-350m: [D, E] after the embedding, [E, D] before the head
    at::Tensor finalW, finalB;
    at::Tensor lmHead; // [V, D]; aliases embed when tied
    std::vector<LayerWeights> layers;
    // The precision of the weight products (model/parallel_linear.h): kFloat, or kBFloat16.
    at::ScalarType compute = at::kFloat;
    // The data of matrices used in place (memory maps, converted buffers): fuseProjections leaves
    // them apart, as stacking would copy them.
    std::set<const void*> inPlace;
    // GGUF matrices kept block-quantized (uint8 [rows, row bytes]), by data pointer.
    QuantizedMatrices quantized;

    std::vector<at::Tensor> parameters() const; // every defined, distinct tensor (for training)
};

// How weightsFromStore keeps the large matrices (projections, embeddings, head).
enum class WeightKeeping {
    Float32, // owned float32 copies (the trainer updates them in place)
    Stored,  // in the dtype they are stored in, used in place on the CPU (BF16/F16 memory maps and
             // converted buffers are not copied; F32 memory maps are, so the maps can be closed)
    Bf16,    // as Stored, F32/F16 matrices converted to bf16: for bf16 compute
};

// Builds weights on `device` from a validated store: norms, biases and learned positions always
// float32, the large matrices as `keeping` says. Refuses a weight holding NaN or an infinity,
// naming the tensor and the element (io/float_weights.h). Tensors used in place keep what owns
// their bytes alive (WeightStore::owner), so the store itself may go. progress(done, total) gets
// the bytes of tensors prepared so far; returning false stops with "loading the model was cancelled".
Result<TransformerWeights>
weightsFromStore(const ModelConfig& c, const WeightStore& store, at::Device device,
                 WeightKeeping keeping = WeightKeeping::Float32,
                 const std::function<bool(std::int64_t, std::int64_t)>& progress = {});

// The memory weightsFromStore will allocate for `store` (copies: every small tensor, the matrices
// not used in place), predicted from the tensor headers before anything is converted. Matrices are
// told apart by shape (2-D), so learned positions count as used in place when they are BF16.
std::int64_t predictedWeightBytes(const WeightStore& store, WeightKeeping keeping);

// Stacks each layer's q, k, v weights (and biases) and gate, up weights into one tensor each and
// makes the separate tensors views of it: every pass then projects with one GEMM per group, with
// no per-pass concatenation and no extra memory. For inference weights: the views are not
// separate leaf parameters, so the trainer keeps its weights unfused. Weights used in place (not
// float32 copies) stay apart: stacking them would copy them.
void fuseProjections(TransformerWeights& w);

// Keys and values of past positions: per layer [B, nKv, capacity, headDim]. Slots are filled
// in order; a streaming policy may evict middle slots, so `positions` keeps the original token
// position of each filled slot.
struct KvCache {
    std::vector<at::Tensor> k, v;
    std::int64_t length = 0;
    std::int64_t capacity = 0;
    std::vector<std::int64_t> positions; // empty: slot i holds position i. The streaming feeder
                                         // appends the new tokens' positions before each pass.
    bool unrotatedKeys = false;          // RoPE applied at attention time with slot positions (pos shift)

    bool evicted() const {
        return !positions.empty() && positions.back() + 1 != static_cast<std::int64_t>(positions.size());
    }
    // Keeps the first `keepFirst` and the last `keepLast` slots, dropping those between.
    void evictMiddle(std::int64_t keepFirst, std::int64_t keepLast);
};

struct InterventionState;

// LLaVA: prompt positions whose token embedding is replaced (LlavaModel.forward's masked_scatter of
// the image features). A pass replaces the rows that fall on `positions`; later passes (generated
// tokens) are embedded as text.
struct EmbeddingOverride {
    at::Tensor rows;                     // [n, D] float32 on the model's device, or [B, n, D]: per sequence
    std::vector<std::int64_t> positions; // n ascending token positions
};

struct ForwardContext {
    ForwardObserver* observer = nullptr;          // only consulted when the batch is 1
    KvCache* cache = nullptr;                     // null: no cache, positions start at 0
    InterventionState* interventions = nullptr;   // only applied when the batch is 1
    std::int64_t positionStart = -1;              // first new token's position; -1: the cache length
    std::vector<at::Tensor>* residuals = nullptr; // receives the stream entering each layer, then the last
    // Dynamic NTK RoPE: the sequence length its frequencies are computed for. 0: this pass's last
    // position + 1; a caller feeding one long pass in cached chunks gives the whole length.
    std::int64_t ropeLength = 0;
    // >= 0: stop after this layer, for an observer that wants only the layers up to it; the pass
    // then returns that layer's output stream as it is (no final norm) and reports no last state.
    int lastLayer = -1;
    const EmbeddingOverride* embeds = nullptr; // null: every position embeds its token
};

// tokens: int64 [B, T]. Returns the final-normed hidden states [B, T, D].
at::Tensor forwardHidden(const ModelConfig& c, const TransformerWeights& w, const at::Tensor& tokens,
                         ForwardContext& ctx);

// Continues a pass from `x`, the stream entering layer `firstLayer` (from `residuals` of an earlier
// pass over the same tokens, without a cache).
at::Tensor forwardFromLayer(const ModelConfig& c, const TransformerWeights& w, const at::Tensor& x,
                            int firstLayer, ForwardContext& ctx);

// Logits [B, T, V] from final hidden states (soft-capped where the config says so).
at::Tensor projectLogits(const ModelConfig& c, const TransformerWeights& w, const at::Tensor& hidden);

} // namespace sinkscope::detail
