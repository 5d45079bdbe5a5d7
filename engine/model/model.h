#pragma once
// Model: a loaded checkpoint with its tokenizer, ready to run forward passes and generation with
// capture. The public face of the engine's inference; LibTorch stays behind the pimpl.
// Threading: one Model may be used from one thread at a time.
#include "core/result.h"
#include "intervene/intervention.h"
#include "io/model_config.h"
#include "metrics/output_effect.h"
#include "model/observer.h"
#include "tokenizer/tokenizer.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sinkscope {

// The precision of the weight products. Attention scores, softmax, interventions, captured maps
// and the residual stream are float32 either way.
enum class ComputePrecision {
    F32,  // float32 products; BF16/F16 weights stay in their dtype and are widened block by block
    Bf16, // bf16 products with fp32 accumulation; F32/F16 weights are stored as bf16 at load
};

// Called as the weights are prepared, with the bytes of tensors done so far and in all; returning
// false cancels the load (Model::load then fails with "loading ... was cancelled", and nothing of
// it is kept). Checking a big memory-mapped file for NaN reads it from disk once: seconds per GB.
using LoadProgress = std::function<bool(std::int64_t done, std::int64_t total)>;

struct LoadOptions {
    std::string device = "cpu"; // "cpu" or "cuda"; cuda falls back to cpu with a notice
    ComputePrecision compute = ComputePrecision::F32;
    LoadProgress progress;
};

// "f32" / "bf16", and back (nullopt for anything else).
const char* computePrecisionName(ComputePrecision p);
std::optional<ComputePrecision> parseComputePrecision(const std::string& name);

struct ForwardOutput {
    std::vector<float> logits; // row-major [rows, vocab]
    std::int64_t rows = 0;     // all positions, or 1 (the last) when only the next token matters
    std::int64_t vocab = 0;
};

struct GenerationOptions {
    int maxNewTokens = 0;
    float temperature = 0.0f; // 0: greedy
    int topK = 0;             // 0: off
    float topP = 1.0f;        // 1: off
    std::uint64_t seed = 0;
    bool stopAtEos = true;
    int recordTopK = 0; // > 0: keep the top-k of every step's distribution (GenerationOutput::stepTopK)
};

struct GenerationOutput {
    std::vector<float> nextTokenLogits; // after the prompt, [vocab]
    std::vector<std::int32_t> generated;
    std::vector<std::vector<RankedToken>> stepTopK; // step 0: after the prompt; one per sampled token
    bool stoppedAtEos = false;
    bool cancelled = false;
};

struct PerplexityOutput {
    double meanNll = 0;    // nats per predicted token
    double perplexity = 0; // exp(meanNll)
    std::int64_t predicted = 0;
    bool cancelled = false;
};

// Called after each generated token with (done, total); return false to cancel.
using ProgressCallback = std::function<bool(int, int)>;

// Interventions apply in list order inside every pass of one call; none outlives the call.
using Interventions = std::vector<Intervention>;

class Model {
public:
    static Result<std::unique_ptr<Model>> load(const std::string& path, const LoadOptions& options = {});
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const ModelConfig& config() const;
    // May be null: a llama2.c checkpoint without tokenizer.bin is driven by token ids.
    const Tokenizer* tokenizer() const;
    std::string describe() const;
    std::int64_t parameterCount() const; // distinct weight values (tied embeddings counted once)
    std::string deviceName() const;
    ComputePrecision computePrecision() const;
    // Things the user should know about this load (device fallback, ignored tensors, ...).
    const std::vector<std::string>& notices() const;

    // Checks ids against the vocabulary and the context length.
    Status checkTokenIds(const std::vector<std::int32_t>& ids) const;
    Status checkTokenIds(const std::vector<std::int32_t>& ids, const Interventions& interventions) const;

    // Checks that a pass over `tokens` tokens (generation: plus `newTokens` cached ones) fits in
    // the memory this process can still allocate (core/available_memory.h), together with
    // `extraBytes` the caller will hold for it (e.g. a capture, described by `extraWhat`). Only
    // on the CPU; forward and generate check this themselves with no extra.
    Status checkMemory(std::int64_t tokens, std::int64_t newTokens, bool observer,
                       const Interventions& interventions, bool allLogits, std::int64_t extraBytes = 0,
                       const std::string& extraWhat = {}) const;
    // The bytes checkMemory predicts for such a pass (beyond the weights and any extra).
    std::int64_t passBytes(std::int64_t tokens, std::int64_t newTokens, bool observer,
                           const Interventions& interventions, bool allLogits) const;
    // A line for the user when `tokens` exceeds the context the model was trained on (RoPE models
    // run past it, out of distribution); empty when it does not. GPT-2's learned positions are a
    // hard limit instead (checkTokenIds).
    std::string contextWarning(std::int64_t tokens) const;

    // Checks layer/head indices and what a streaming cache needs of this model for `tokens` tokens.
    Status checkInterventions(const Interventions& interventions, std::int64_t tokens) const;

    // One forward pass over ids from position 0 (with a Stream intervention: fed through the
    // streaming cache, one token at a time once it is full).
    Result<ForwardOutput> forward(const std::vector<std::int32_t>& ids, ForwardObserver* observer,
                                  bool allLogits = false, const Interventions& interventions = {}) const;

    // Prefill + generation with a KV cache; the observer sees the prompt rows, then one row per step.
    Result<GenerationOutput> generate(const std::vector<std::int32_t>& prompt,
                                      const GenerationOptions& options, ForwardObserver* observer,
                                      const ProgressCallback& progress = {},
                                      const Interventions& interventions = {}) const;

    // Perplexity of ids[1..] given their prefixes, under the interventions. Progress reports
    // (tokens done, total) now and then; returning false cancels.
    Result<PerplexityOutput> perplexity(const std::vector<std::int32_t>& ids,
                                        const Interventions& interventions = {},
                                        const ProgressCallback& progress = {}) const;

    struct Impl; // engine-internal (model_impl.h)
    const Impl& impl() const { return *m_impl; }

private:
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace sinkscope
