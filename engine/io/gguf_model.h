#pragma once
// GGUF models (llama.cpp's files) as a ModelConfig and a WeightStore under Hugging Face names, so one
// forward pass serves every format. The architectures llama, qwen2, qwen3, gemma, gemma2, gemma3,
// phi3, gptneox and olmo2 are read; what llama.cpp's converter changed on the way is undone here:
// llama's q/k rows in interleaved RoPE pairs go back to the rotate-half layout, Gemma's norms lose
// the 1 the converter added, GPT-NeoX's q|k|v blocks go back to HF's per-head interleaving.
#include "core/result.h"
#include "io/gguf_reader.h"
#include "io/model_config.h"
#include "io/weight_store.h"

#include <memory>

namespace sinkscope {

struct GgufModel {
    ModelConfig config;
    WeightStore weights;
};

// The config comes from the metadata (io/gguf_config.h); every tensor is checked against it by name,
// shape and type before any is used. Tensors stay in the file's memory map in their own type
// (quantized ones as TensorRef::ggml blocks), except the rearranged ones (own copies, rows moved
// back) and Gemma's norms (float32, the converter's 1 taken off).
Result<GgufModel> loadGgufModel(std::shared_ptr<const GgufFile> file);

// The config and the tensor checks of loadGgufModel without converting any weight: for listing
// models. An error names what loadGgufModel would refuse.
Result<ModelConfig> readGgufModelConfig(const GgufFile& file);

} // namespace sinkscope
