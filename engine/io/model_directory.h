#pragma once
// Opens a model from a path a user gives: a Hugging Face directory (config.json + safetensors,
// single or sharded), a .safetensors file inside one, a GGUF file (llama architecture) or a
// directory holding exactly one, or a llama2.c checkpoint (.bin). Validates config and weights
// together; refuses pickles and formats we cannot read with a reason.
#include "core/result.h"
#include "io/llava_config.h"
#include "io/model_config.h"
#include "io/weight_store.h"

#include <string>

namespace sinkscope {

enum class ModelFormat { HfSafetensors, Llama2c, Gguf };

struct ModelFiles {
    ModelFormat format = ModelFormat::HfSafetensors;
    std::string directory;   // where the tokenizer is looked for (a GGUF file embeds its own)
    std::string weightsPath; // the file the weights came from (or the shard index)
    ModelConfig config;      // a LLaVA checkpoint's language model (its text_config)
    WeightStore weights;
    // LLaVA (image + text) checkpoints: the image half's config and its tensors (vision tower and
    // projector), kept apart so the language model loads exactly as the plain causal LM.
    std::optional<LlavaConfig> llava;
    WeightStore imageWeights;
};

Result<ModelFiles> openModelFiles(const std::string& path);

const char* modelFormatName(ModelFormat f);

} // namespace sinkscope
