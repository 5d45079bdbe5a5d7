#pragma once
// The per-family halves of parseHfConfig: each reads the fields its Hugging Face configuration_*.py
// defines, with that class's defaults, into a ModelConfig. Errors stay in the Reader.
#include "io/config_reader.h"
#include "io/llava_config.h"
#include "io/model_config.h"

namespace sinkscope::detail {

void readGpt2Config(Reader& r, ModelConfig& c);
// llama, mistral, qwen2, qwen3, smollm, phi3 and olmo2: one set of key names, family details apart.
void readLlamaLikeConfig(Reader& r, ModelConfig& c);
void readGemmaConfig(Reader& r, ModelConfig& c); // gemma, gemma2, gemma3_text
void readGptNeoxConfig(Reader& r, ModelConfig& c);
void readOptConfig(Reader& r, ModelConfig& c);

// LLaVA: the text_config object gets LlamaConfig's / Qwen2Config's sizes for absent keys (llava-1.5
// writes none), so it reads as a plain llama / qwen2 config; other text models are refused.
Status fillLlavaTextDefaults(json& text, const std::string& source);
// LLaVA's own fields and its vision_config, with LlavaConfig's and the vision config classes' defaults.
void readLlavaConfig(Reader& r, LlavaConfig& c);

// hidden_act / activation_function values: silu, gelu (erf), gelu_new and its aliases (tanh), relu.
bool parseActivation(const std::string& name, Activation& out);
const char* activationName(Activation a);

} // namespace sinkscope::detail
