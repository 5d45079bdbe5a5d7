#pragma once
// Writes a Hugging Face model directory (config.json + model.safetensors) with random weights of
// any shape the config describes: the GPT-2-small-shaped benchmark model, loader tests' fixtures
// and the tiny demo model are made this way instead of being committed.
#include "core/result.h"
#include "io/dtype.h"
#include "io/model_config.h"

#include <cstdint>
#include <string>

namespace sinkscope {

// Weights ~ N(0, stddev^2); norm weights are 1 and norm biases 0.
Status writeRandomCheckpoint(const std::string& dir, const ModelConfig& config, std::uint64_t seed,
                             float stddev = 0.02f, DType dtype = DType::F32);

// GPT-2 small's shape (12 layers, 12 heads, d 768, vocab 50257, 1024 positions).
ModelConfig gpt2SmallConfig();

} // namespace sinkscope
