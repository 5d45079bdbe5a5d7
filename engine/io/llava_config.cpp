// LLaVA's config.json fields, with the defaults of transformers' LlavaConfig, CLIPVisionConfig and
// SiglipVisionConfig for the keys the published files leave out (llava-1.5's vision_config has no
// hidden_act or layer_norm_eps, its text_config no sizes at all).
#include "io/llava_config.h"
#include "io/config_families.h"

namespace sinkscope {

const char* visionActivationName(VisionActivation a) {
    switch (a) {
    case VisionActivation::QuickGelu:
        return "quick_gelu";
    case VisionActivation::GeluErf:
        return "gelu";
    case VisionActivation::GeluTanh:
        return "gelu_pytorch_tanh";
    case VisionActivation::Silu:
        return "silu";
    }
    return "?";
}

} // namespace sinkscope

namespace sinkscope::detail {

namespace {

constexpr const char* kVisionActivations = "quick_gelu, gelu, gelu_pytorch_tanh, gelu_new, gelu_fast, silu";

void visionActivation(Reader& r, const char* key, VisionActivation& out) {
    const json* v = r.find({key});
    if (!v || !r.error.empty()) return;
    const std::string name = v->is_string() ? v->get<std::string>() : jsonExcerpt(*v);
    if (name == "quick_gelu")
        out = VisionActivation::QuickGelu;
    else if (name == "gelu")
        out = VisionActivation::GeluErf;
    else if (name == "gelu_pytorch_tanh" || name == "gelu_new" || name == "gelu_fast")
        out = VisionActivation::GeluTanh;
    else if (name == "silu")
        out = VisionActivation::Silu;
    else
        r.error = fmt::format("{}: {} '{}' is not supported ({})", r.source, key, excerpt(name),
                              kVisionActivations);
}

void readVisionConfig(Reader& r, VisionConfig& v) {
    v.modelType = r.string("model_type", "clip_vision_model");
    if (v.modelType == "siglip_vision_model") {
        v.tower = VisionTower::Siglip;
        v.patchSize = 16;
        v.activation = VisionActivation::GeluTanh;
        v.normEps = 1e-6;
    } else if (v.modelType != "clip_vision_model") {
        if (r.error.empty())
            r.error =
                fmt::format("{}: model_type '{}' is not supported (clip_vision_model, siglip_vision_model)",
                            r.source, excerpt(v.modelType));
        return;
    }
    r.positiveInt({"hidden_size"}, v.dModel, false);
    r.positiveInt({"intermediate_size"}, v.dFf, false);
    r.positiveInt({"num_hidden_layers"}, v.nLayers, false);
    r.positiveInt({"num_attention_heads"}, v.nHeads, false);
    r.positiveInt({"num_channels"}, v.channels, false);
    r.positiveInt({"image_size"}, v.imageSize, false);
    r.positiveInt({"patch_size"}, v.patchSize, false);
    r.positiveNumber({"layer_norm_eps"}, v.normEps);
    visionActivation(r, "hidden_act", v.activation);
    if (!r.error.empty()) return;
    if (v.dModel % v.nHeads != 0)
        r.error =
            fmt::format("{}: hidden_size {} is not divisible by {} heads", r.source, v.dModel, v.nHeads);
    else if (v.patchSize > v.imageSize)
        r.error =
            fmt::format("{}: patch_size {} is larger than image_size {}", r.source, v.patchSize, v.imageSize);
}

// vision_feature_layer: an int or a non-empty list of ints, Python indices into the tower's
// nLayers + 1 hidden states.
void featureLayers(Reader& r, int states, std::vector<int>& out) {
    const json* v = r.find({"vision_feature_layer"});
    std::vector<const json*> items;
    if (!v) {
        out = {states - 2}; // LlavaConfig's default -2: the penultimate layer's output
        return;
    }
    if (v->is_array())
        for (const auto& e : *v)
            items.push_back(&e);
    else
        items.push_back(v);
    auto refuse = [&] {
        r.error =
            fmt::format("{}: vision_feature_layer must be an integer or a non-empty list of integers in "
                        "-{}..{} (the vision tower's {} hidden states), got {}",
                        r.source, states, states - 1, states, jsonExcerpt(*v));
    };
    if (items.empty() && r.error.empty()) refuse();
    for (const json* e : items) {
        if (!r.error.empty()) return;
        const bool isInt = e->is_number_integer();
        const std::int64_t i = isInt ? e->get<std::int64_t>() : 0;
        if (!isInt || i < -states || i >= states) return refuse();
        out.push_back(static_cast<int>(i < 0 ? i + states : i));
    }
}

} // namespace

void readLlavaConfig(Reader& r, LlavaConfig& c) {
    const json* vision = r.find({"vision_config"});
    if (vision && !vision->is_object()) {
        r.error = fmt::format("{}: field 'vision_config' must be an object, got {}", r.source,
                              jsonExcerpt(*vision));
        return;
    }
    const json empty = json::object();
    const std::string visionSource = r.source + " vision_config";
    Reader vr{vision ? *vision : empty, visionSource, {}};
    readVisionConfig(vr, c.vision);
    if (!vr.error.empty()) {
        r.error = vr.error;
        return;
    }
    featureLayers(r, c.vision.nLayers + 1, c.featureLayers);
    c.selectStrategy = r.string("vision_feature_select_strategy", "default");
    if (r.error.empty() && c.selectStrategy != "default" && c.selectStrategy != "full")
        r.error = fmt::format("{}: vision_feature_select_strategy '{}' is not supported (default, full)",
                              r.source, excerpt(c.selectStrategy));
    // LlavaConfig.attribute_map: image_token_id is another name for image_token_index.
    const char* tokenKey = r.find({"image_token_index"}) ? "image_token_index" : "image_token_id";
    if (auto id = r.tokenId(tokenKey)) c.imageTokenId = *id;
    r.positiveInt({"image_seq_length"}, c.configSeqLength, false);
    visionActivation(r, "projector_hidden_act", c.projectorActivation);
    r.boolean("multimodal_projector_bias", c.projectorBias);
    if (r.error.empty() && c.imageTokens() < 1)
        r.error = fmt::format("{}: the vision tower gives no image tokens (image_size {}, patch_size {})",
                              r.source, c.vision.imageSize, c.vision.patchSize);
}

} // namespace sinkscope::detail

namespace sinkscope::detail {

Status fillLlavaTextDefaults(json& text, const std::string& source) {
    if (!text.contains("model_type") || text["model_type"].is_null()) text["model_type"] = "llama";
    const std::string type = text["model_type"].is_string() ? text["model_type"].get<std::string>() : "";
    // LlamaConfig / Qwen2Config sizes for absent keys (Qwen2Config's num_key_value_heads is 32 when
    // absent, not num_attention_heads).
    json defaults;
    if (type == "llama")
        defaults = {{"vocab_size", 32000},
                    {"hidden_size", 4096},
                    {"intermediate_size", 11008},
                    {"num_hidden_layers", 32},
                    {"num_attention_heads", 32},
                    {"bos_token_id", 1}, // LlamaConfig's; llava-1.5's text_config leaves them out
                    {"eos_token_id", 2}};
    else if (type == "qwen2")
        defaults = {{"vocab_size", 151936},
                    {"hidden_size", 4096},
                    {"intermediate_size", 22016},
                    {"num_hidden_layers", 32},
                    {"num_attention_heads", 32},
                    {"num_key_value_heads", 32},
                    {"max_position_embeddings", 32768}};
    else
        return Error{fmt::format("{}: text_config model_type {} is not supported for llava (llama, qwen2)",
                                 source, jsonExcerpt(text["model_type"]))};
    for (const auto& [key, value] : defaults.items())
        // A null size takes the default; an explicit null token id (no BOS) stays null.
        if (!text.contains(key) || (text[key].is_null() && key.find("token_id") == std::string::npos))
            text[key] = value;
    return okStatus();
}

} // namespace sinkscope::detail
