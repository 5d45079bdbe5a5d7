#pragma once
// The ModelConfig of a GGUF model from its general.architecture, <arch>.* and tokenizer.ggml.* keys,
// with llama.cpp's defaults and the values llama.cpp's loader fixes per architecture where the
// file has no key for them (Gemma 2/3's attention scale, Gemma 3's local RoPE base and layer
// pattern). The tensors are not checked here.
#include "core/result.h"
#include "io/gguf_reader.h"
#include "io/model_config.h"

namespace sinkscope {

// "llama, qwen2, qwen3, gemma, gemma2, gemma3, phi3, gptneox, olmo2".
const char* ggufArchitectures();
Result<ModelConfig> readGgufConfig(const GgufFile& f);

} // namespace sinkscope
