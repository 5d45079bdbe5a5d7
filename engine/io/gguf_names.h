#pragma once
// llama.cpp's tensor names ("blk.3.attn_q.weight") against the Hugging Face names the forward pass
// reads ("model.layers.3.self_attn.q_proj.weight"), per family: the same GGUF name means different
// HF tensors in different families (ffn_norm is Llama's post_attention_layernorm but Gemma 2's
// pre_feedforward_layernorm), so every mapping takes the config.
#include "io/model_config.h"

#include <optional>
#include <string>
#include <string_view>

namespace sinkscope {

std::optional<std::string> ggufNameForHf(const ModelConfig& c, std::string_view hf);
// nullopt for a name that is not part of a model of c's family.
std::optional<std::string> hfNameForGguf(const ModelConfig& c, std::string_view gguf);
// "token_embd, blk.N.{attn_norm,attn_q,...}, output_norm, output": the names a family's file holds,
// for the message that refuses any other.
std::string ggufNamesOfFamily(const ModelConfig& c);

} // namespace sinkscope
