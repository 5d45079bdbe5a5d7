#pragma once
// ModelConfig: the architecture of a checkpoint, read from a Hugging Face config.json or a
// llama2.c header. Only what the forward pass needs; everything is validated on parse.
#include "core/result.h"
#include "io/rope_scaling.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sinkscope {

// How the weights are named and how a block is wired. Llama covers llama, mistral, qwen2, qwen3
// and smollm; the others each follow their own Hugging Face modeling_*.py.
enum class Family { Gpt2, Llama, Gemma, GptNeox, Phi3, Olmo2, Opt };
enum class Activation { GeluTanh, GeluErf, Silu, Relu };
enum class NormType {
    LayerNorm,  // with bias (GPT-2, GPT-NeoX, OPT)
    Rms,        // x / rms(x) * w
    RmsPlusOne, // Gemma: x / rms(x) * (1 + w)
};
// Where the norms sit around the two sublayers of a block.
enum class BlockLayout {
    PreNorm,      // x += attn(n1(x)); x += mlp(n2(x))
    Parallel,     // GPT-NeoX use_parallel_residual: x += attn(n1(x)) + mlp(n2(x))
    Sandwich,     // Gemma 2/3: x += n1b(attn(n1(x))); x += n2b(mlp(n2(x)))
    PostSublayer, // OLMo-2: x += n1(attn(x)); x += n2(mlp(x))
    PostLn,       // OPT-350m: x = n1(x + attn(x)); x = n2(x + mlp(x))
};
enum class QkNorm {
    None,
    PerHead,   // Qwen3, Gemma 3: over head_dim of each head, before RoPE
    FullWidth, // OLMo-2: over all query (key) heads together, before RoPE
};
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
    QkNorm qkNorm = QkNorm::None;
    NormType normKind = NormType::Rms;
    BlockLayout layout = BlockLayout::PreNorm;
    Activation activation = Activation::Silu;
    bool gatedMlp = true; // act(gate) * up (Llama, Gemma, Phi-3, OLMo-2) or act(up) (GPT-2, NeoX, OPT)
    bool mlpBias = false; // biases on the MLP projections (GPT-2, NeoX, OPT)
    // The part of each head RoPE rotates (GPT-NeoX rotary_pct, Phi-3 partial_rotary_factor); the
    // rest passes through. 0 for models without RoPE.
    int rotaryDim = 0;
    // Scores are q.k * attnScale: 1/sqrt(head_dim), or Gemma's query_pre_attn_scalar^-1/2.
    double attnScale = 0.0;
    float attnSoftcap = 0.0f;  // Gemma 2: scores become cap * tanh(score / cap); 0: off
    float finalSoftcap = 0.0f; // Gemma 2: the same on the logits
    bool embedScale = false;   // Gemma: embeddings times sqrt(hidden size)
    int positionOffset = 0;    // learned positions: row of position 0 (OPT: 2)
    int embedDim = 0;          // OPT word_embed_proj_dim when it differs from the hidden size; 0: same
    bool finalNorm = true;     // OPT-350m has none
    // Sliding windows: a windowed layer's query i sees keys i-W+1 .. i. Which layers are windowed:
    // layerTypes when the config lists them (1 = sliding), else every layer from windowFirstLayer
    // (Qwen's max_window_layers), skipping every windowPeriod-th (Gemma's global layers) if set.
    int slidingWindow = 0; // 0: no windows
    int windowFirstLayer = 0;
    int windowPeriod = 0;
    std::vector<std::uint8_t> layerTypes;
    // Gemma 3: the windowed layers' RoPE base, without rope_scaling (which applies to global layers).
    double localRopeTheta = 0.0;
    AttentionKind attention = AttentionKind::Softmax;
    // SinkLogit: a constant logit b per head, unless learned (then per-head tensor "...self_attn.sinks").
    bool sinkLogitLearned = false;
    float sinkLogit = 0.0f;
    float sigmoidBias = 0.0f; // Sigmoid: A = sigmoid(z + bias)
    std::optional<std::int32_t> bosId;
    std::optional<std::int32_t> eosId;
    bool addBos = false; // whether prompts get BOS by default

    int groupSize() const { return nHeads / nKvHeads; }
    bool usesRope() const { return family != Family::Gpt2 && family != Family::Opt; }
    bool learnedPositions() const { return !usesRope(); }
    // The window of layer l, 0 for a full-attention layer.
    int windowOf(int layer) const;
    double scoreScale() const; // attnScale, or 1/sqrt(headDim) when unset
    int rotaryDims() const { return rotaryDim > 0 ? rotaryDim : headDim; }
    int tokenEmbedDim() const { return embedDim > 0 ? embedDim : dModel; }
};

// Parses config.json text; `source` names the file in error messages.
Result<ModelConfig> parseHfConfig(const std::string& jsonText, const std::string& source);
Result<ModelConfig> loadHfConfig(const std::string& path);

// The config.json text that parseHfConfig reads back to the same ModelConfig.
std::string toHfConfigJson(const ModelConfig& c);

// GPT-2's LayerNorms, ungated MLP and biases, for configs built in code rather than parsed.
void setGpt2Wiring(ModelConfig& c);

const char* familyName(Family f);
// The features that set a model apart, for listings: "window 4096 (layers 0-27)", "soft-cap 50/30",
// "rope llama3 x32", ... Empty for a plain model.
std::vector<std::string> modelFeatures(const ModelConfig& c);
const char* attentionKindName(AttentionKind k);

} // namespace sinkscope
