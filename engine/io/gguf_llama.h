#pragma once
// Llama-architecture GGUF files (general.architecture "llama": Llama 1-3, Mistral, SmolLM and other
// llama.cpp conversions) as a ModelConfig and a WeightStore under Hugging Face names, so one forward
// pass serves every format. llama.cpp's converter stores attn_q/attn_k rows in interleaved RoPE
// pairs; they are reordered back to the rotate-half layout here, as for llama2.c checkpoints.
#include "core/result.h"
#include "io/gguf_reader.h"
#include "io/model_config.h"
#include "io/weight_store.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sinkscope {

struct GgufModel {
    ModelConfig config;
    WeightStore weights;
};

// The config comes from the llama.* and tokenizer.ggml.* metadata; every tensor is checked against
// it by name, shape and type before any is converted. Quantized tensors (and q/k, which are
// reordered) become owned float32; other F32/F16/BF16 tensors are used in place, the store keeping
// the file mapped.
Result<GgufModel> loadGgufLlama(std::shared_ptr<const GgufFile> file);

// The config and the tensor checks of loadGgufLlama without converting any tensor: for listing
// models. An error names what loadGgufLlama would refuse.
Result<ModelConfig> readGgufLlamaConfig(const GgufFile& file);

// "blk.3.attn_q.weight" -> "model.layers.3.self_attn.q_proj.weight"; nullopt for names that are not
// part of a llama model.
std::optional<std::string> hfNameForGgufTensor(std::string_view ggufName);

} // namespace sinkscope
