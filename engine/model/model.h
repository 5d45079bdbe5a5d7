#pragma once
// Model: a loaded checkpoint with its tokenizer, ready to run forward passes and generation with
// capture. The public face of the engine's inference; LibTorch stays behind the pimpl.
// Threading: one Model may be used from one thread at a time.
#include "core/result.h"
#include "io/model_config.h"
#include "model/observer.h"
#include "tokenizer/tokenizer.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sinkscope {

struct LoadOptions {
    std::string device = "cpu"; // "cpu" or "cuda"; cuda falls back to cpu with a notice
};

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
};

struct GenerationOutput {
    std::vector<float> nextTokenLogits; // after the prompt, [vocab]
    std::vector<std::int32_t> generated;
    bool stoppedAtEos = false;
    bool cancelled = false;
};

// Called after each generated token with (done, total); return false to cancel.
using ProgressCallback = std::function<bool(int, int)>;

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
    std::string deviceName() const;
    // Things the user should know about this load (device fallback, ignored tensors, ...).
    const std::vector<std::string>& notices() const;

    // Checks ids against the vocabulary and the context length.
    Status checkTokenIds(const std::vector<std::int32_t>& ids) const;

    // One forward pass over ids from position 0.
    Result<ForwardOutput> forward(const std::vector<std::int32_t>& ids, ForwardObserver* observer,
                                  bool allLogits = false) const;

    // Prefill + generation with a KV cache; the observer sees the prompt rows, then one row per step.
    Result<GenerationOutput> generate(const std::vector<std::int32_t>& prompt,
                                      const GenerationOptions& options, ForwardObserver* observer,
                                      const ProgressCallback& progress = {}) const;

private:
    struct Impl;
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace sinkscope
