#pragma once
// Reader for llama2.c's legacy checkpoint (.bin): seven little-endian int32 (dim, hidden_dim,
// n_layers, n_heads, n_kv_heads, vocab_size, seq_len) then float32 arrays. The weights are handed
// out under Hugging Face Llama names, with wq/wk permuted from llama2.c's interleaved RoPE pairs
// to the rotate-half layout, so one forward pass serves both formats.
#include "core/result.h"
#include "io/model_config.h"
#include "io/weight_store.h"

#include <cstdint>
#include <string>

namespace sinkscope {

struct Llama2cCheckpoint {
    ModelConfig config;
    WeightStore weights;
};

Result<Llama2cCheckpoint> loadLlama2cCheckpoint(const std::string& path);
// The same for a checkpoint already in memory (the weights are copied out); path names it in errors.
Result<Llama2cCheckpoint> parseLlama2cCheckpoint(const std::uint8_t* data, std::size_t size,
                                                 const std::string& path);

// The config from the header alone, after the same checks (fields in range, file size matching
// them) but without reading the weights: for listing models.
Result<ModelConfig> readLlama2cConfig(const std::string& path);

// The exact file size, in bytes, that a llama2.c checkpoint of this config has (INT64_MAX when
// that does not fit in 64 bits).
std::int64_t llama2cFileSize(const ModelConfig& c);

// Reorders the rows of a [nHeads*headDim, cols] projection from interleaved pairs (2i, 2i+1) to
// rotate-half pairs (i, i + headDim/2) within each head.
std::vector<float> interleavedToHalfRows(const float* w, int nHeads, int headDim, int cols);

} // namespace sinkscope
