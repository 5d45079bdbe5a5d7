#pragma once
// ModelConfig: the architecture of a checkpoint, read from a Hugging Face config.json or a
// llama2.c header. Only what the forward pass needs; everything is validated on parse.
#include "core/result.h"
#include "io/rope_scaling.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sinkscope {

enum class Family { Gpt2, Llama };
enum class Activation { GeluTanh, GeluErf, Silu };
// How attention weights are formed from scores (see docs/methods: sink logit, sigmoid attention).
enum class AttentionKind { Softmax, SinkLogit, Sigmoid };

struct ModelConfig {
    Family family = Family::Llama;
    std::string modelType; // as written in config.json ("gpt2", "llama", "qwen2", ...)
    int nLayers = 0;
    int nHeads = 0;
    int nKvHeads = 0;
    int dModel = 0;
    int dFf = 0;
    int headDim = 0;
    int vocabSize = 0;
    int maxPositions = 0; // learned positions (GPT-2) or the trained context (RoPE models)
    double normEps = 1e-5;
    double ropeTheta = 10000.0;
    RopeScaling rope; // rope_scaling: how RoPE frequencies are stretched past the trained context
    bool tieEmbeddings = false;
    bool qkvBias = false;    // Qwen2-style q/k/v biases (GPT-2 always has biases)
    bool outputBias = false; // o_proj bias (rare in the Llama family)
    bool qkNorm = false;     // Qwen3: RMSNorm over head_dim of each query and key head, before RoPE
    Activation activation = Activation::Silu;
    AttentionKind attention = AttentionKind::Softmax;
    // SinkLogit: a constant logit b per head, unless learned (then per-head tensor "...self_attn.sinks").
    bool sinkLogitLearned = false;
    float sinkLogit = 0.0f;
    float sigmoidBias = 0.0f; // Sigmoid: A = sigmoid(z + bias)
    std::optional<std::int32_t> bosId;
    std::optional<std::int32_t> eosId;
    bool addBos = false; // whether prompts get BOS by default

    int groupSize() const { return nHeads / nKvHeads; }
};

// Parses config.json text; `source` names the file in error messages.
Result<ModelConfig> parseHfConfig(const std::string& jsonText, const std::string& source);
Result<ModelConfig> loadHfConfig(const std::string& path);

// The config.json text that parseHfConfig reads back to the same ModelConfig.
std::string toHfConfigJson(const ModelConfig& c);

const char* familyName(Family f);
const char* attentionKindName(AttentionKind k);

} // namespace sinkscope
