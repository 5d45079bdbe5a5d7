#include "io/gguf_names.h"

#include <fmt/format.h>
#include <span>

namespace sinkscope {

namespace {

struct NamePair {
    std::string_view gguf;
    std::string_view hf;
};

// Per-layer names without the "blk.N." / "<prefix>layers.N." prefix and the .weight/.bias suffix,
// from llama.cpp's gguf-py tensor_mapping.py and the architectures' tensor lists in constants.py.
constexpr NamePair kLlama[] = {
    {"attn_norm", "input_layernorm"},    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},      {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"}, {"attn_q_norm", "self_attn.q_norm"},
    {"attn_k_norm", "self_attn.k_norm"}, {"ffn_norm", "post_attention_layernorm"},
    {"ffn_gate", "mlp.gate_proj"},       {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
};
// Gemma 2/3: a norm before and after each sublayer; llama.cpp's ffn_norm is the one before the MLP.
constexpr NamePair kSandwich[] = {
    {"attn_norm", "input_layernorm"},
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"attn_q_norm", "self_attn.q_norm"},
    {"attn_k_norm", "self_attn.k_norm"},
    {"post_attention_norm", "post_attention_layernorm"},
    {"ffn_norm", "pre_feedforward_layernorm"},
    {"post_ffw_norm", "post_feedforward_layernorm"},
    {"ffn_gate", "mlp.gate_proj"},
    {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
};
// OLMo-2: norms after the sublayers only.
constexpr NamePair kOlmo2[] = {
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"attn_q_norm", "self_attn.q_norm"},
    {"attn_k_norm", "self_attn.k_norm"},
    {"post_attention_norm", "post_attention_layernorm"},
    {"post_ffw_norm", "post_feedforward_layernorm"},
    {"ffn_gate", "mlp.gate_proj"},
    {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
};
// Phi-3: fused q|k|v and gate|up, as in the HF checkpoint.
constexpr NamePair kPhi3[] = {
    {"attn_norm", "input_layernorm"},    {"attn_qkv", "self_attn.qkv_proj"},
    {"attn_output", "self_attn.o_proj"}, {"ffn_norm", "post_attention_layernorm"},
    {"ffn_up", "mlp.gate_up_proj"},      {"ffn_down", "mlp.down_proj"},
};
constexpr NamePair kNeox[] = {
    {"attn_norm", "input_layernorm"},   {"attn_qkv", "attention.query_key_value"},
    {"attn_output", "attention.dense"}, {"ffn_norm", "post_attention_layernorm"},
    {"ffn_up", "mlp.dense_h_to_4h"},    {"ffn_down", "mlp.dense_4h_to_h"},
};
constexpr NamePair kGlobals[] = {
    {"token_embd.weight", "model.embed_tokens.weight"},
    {"output_norm.weight", "model.norm.weight"},
    {"output.weight", "lm_head.weight"},
};
constexpr NamePair kNeoxGlobals[] = {
    {"token_embd.weight", "gpt_neox.embed_in.weight"},
    {"output_norm.weight", "gpt_neox.final_layer_norm.weight"},
    {"output_norm.bias", "gpt_neox.final_layer_norm.bias"},
    {"output.weight", "embed_out.weight"},
};

std::span<const NamePair> layerTable(const ModelConfig& c) {
    switch (c.family) {
    case Family::GptNeox:
        return kNeox;
    case Family::Phi3:
        return kPhi3;
    case Family::Olmo2:
        return kOlmo2;
    default:
        return c.layout == BlockLayout::Sandwich ? std::span<const NamePair>(kSandwich)
                                                 : std::span<const NamePair>(kLlama);
    }
}

std::span<const NamePair> globalTable(const ModelConfig& c) {
    return c.family == Family::GptNeox ? std::span<const NamePair>(kNeoxGlobals)
                                       : std::span<const NamePair>(kGlobals);
}

std::string_view layerPrefix(const ModelConfig& c) {
    return c.family == Family::GptNeox ? "gpt_neox.layers." : "model.layers.";
}

// Splits "<prefix><layer>.<rest>" where layer is a canonical decimal number (no sign, no leading
// zeros, so two names can never map to the same layer).
bool splitLayer(std::string_view name, std::string_view prefix, int& layer, std::string_view& rest) {
    if (!name.starts_with(prefix)) return false;
    name.remove_prefix(prefix.size());
    const auto dot = name.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot > 6 || (name[0] == '0' && dot > 1)) return false;
    layer = 0;
    for (std::size_t i = 0; i < dot; ++i) {
        if (name[i] < '0' || name[i] > '9') return false;
        layer = layer * 10 + (name[i] - '0');
    }
    rest = name.substr(dot + 1);
    return true;
}

std::optional<std::string> mapName(const ModelConfig& c, std::string_view name, bool toHf) {
    for (const auto& p : globalTable(c))
        if ((toHf ? p.gguf : p.hf) == name) return std::string(toHf ? p.hf : p.gguf);
    int layer = 0;
    std::string_view rest;
    const std::string_view from = toHf ? std::string_view("blk.") : layerPrefix(c);
    if (!splitLayer(name, from, layer, rest)) return std::nullopt;
    for (const std::string_view suffix : {".weight", ".bias"}) {
        if (!rest.ends_with(suffix)) continue;
        const auto base = rest.substr(0, rest.size() - suffix.size());
        for (const auto& p : layerTable(c))
            if ((toHf ? p.gguf : p.hf) == base)
                return fmt::format("{}{}.{}{}", toHf ? layerPrefix(c) : std::string_view("blk."), layer,
                                   toHf ? p.hf : p.gguf, suffix);
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> ggufNameForHf(const ModelConfig& c, std::string_view hf) {
    return mapName(c, hf, false);
}

std::optional<std::string> hfNameForGguf(const ModelConfig& c, std::string_view gguf) {
    return mapName(c, gguf, true);
}

std::string ggufNamesOfFamily(const ModelConfig& c) {
    std::string layer;
    for (const auto& p : layerTable(c))
        layer += (layer.empty() ? "" : ",") + std::string(p.gguf);
    return fmt::format("token_embd, blk.N.{{{}}}, output_norm, output", layer);
}

} // namespace sinkscope
