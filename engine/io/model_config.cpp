#include "io/model_config.h"
#include "core/json_parse.h"
#include "core/read_file.h"
#include "io/config_families.h"

#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>

namespace sinkscope {

namespace {

using namespace detail;

Status readAttentionKind(Reader& r, ModelConfig& c) {
    const json* kind = r.find({"sinkscope_attention"});
    if (!kind) return okStatus();
    const std::string k = kind->is_string() ? kind->get<std::string>() : jsonExcerpt(*kind);
    if (k == "softmax") {
        c.attention = AttentionKind::Softmax;
    } else if (k == "sink_logit") {
        c.attention = AttentionKind::SinkLogit;
        const json* b = r.find({"sinkscope_sink_logit"});
        if (b && b->is_string() && b->get<std::string>() == "learned") {
            c.sinkLogitLearned = true;
        } else if (b && b->is_number()) {
            r.finiteFloat({"sinkscope_sink_logit"}, c.sinkLogit);
            if (!r.error.empty()) return Error{r.error};
        } else if (b) {
            return Error{fmt::format("{}: 'sinkscope_sink_logit' must be a number or \"learned\", got {}",
                                     r.source, jsonExcerpt(*b))};
        }
    } else if (k == "sigmoid") {
        c.attention = AttentionKind::Sigmoid;
        r.finiteFloat({"sinkscope_sigmoid_bias"}, c.sigmoidBias);
        if (!r.error.empty()) return Error{r.error};
    } else {
        return Error{fmt::format("{}: 'sinkscope_attention' must be softmax, sink_logit or sigmoid, got {}",
                                 r.source, excerpt(k))};
    }
    return okStatus();
}

bool isLlamaLike(const std::string& t) {
    return t == "llama" || t == "mistral" || t == "qwen2" || t == "qwen3" || t == "smollm" ||
           t == "sinkscope" || t == "phi3" || t == "olmo2";
}

bool isGemma(const std::string& t) {
    return t == "gemma" || t == "gemma2" || t == "gemma3_text";
}

constexpr const char* kSupportedTypes =
    "gpt2, llama, mistral, qwen2, qwen3, gemma, gemma2, gemma3_text, gpt_neox, phi3, olmo2, opt, llava";

// Head size, rotary width and windows: checked once the family reader has filled in what it knows.
Status finishShape(Reader& r, ModelConfig& c) {
    const std::string& source = r.source;
    const bool explicitHeadDim = c.family != Family::Gpt2 && c.family != Family::Opt && r.find({"head_dim"});
    if (!explicitHeadDim && c.family != Family::Gemma && c.dModel % c.nHeads != 0)
        return Error{
            fmt::format("{}: hidden size {} is not divisible by {} heads", source, c.dModel, c.nHeads)};
    // The config classes' defaults when head_dim is absent: Qwen3 128, Gemma 256, else hidden / heads.
    if (c.modelType == "qwen3")
        c.headDim = 128;
    else if (c.family != Family::Gemma || c.headDim == 0)
        c.headDim = c.dModel / c.nHeads;
    // GPT-2's fused attention projection fixes the head size (HF ignores head_dim there), as OPT's.
    if (c.family != Family::Gpt2 && c.family != Family::Opt) r.positiveInt({"head_dim"}, c.headDim, false);
    if (!r.error.empty()) return Error{r.error};
    if (c.nHeads % c.nKvHeads != 0)
        return Error{fmt::format("{}: {} attention heads are not a multiple of {} key/value heads", source,
                                 c.nHeads, c.nKvHeads)};
    if (c.usesRope()) {
        // HF: int(head_dim * partial_rotary_factor) dimensions turn, in rotate-half pairs.
        const bool partialAllowed = c.family == Family::Phi3 || c.family == Family::GptNeox;
        if (c.rope.partialRotary > 0 && c.rope.partialRotary != 1.0 && !partialAllowed)
            return Error{
                fmt::format("{}: partial_rotary_factor {} is not supported for model_type '{}' (RoPE on "
                            "the whole head)",
                            source, c.rope.partialRotary, c.modelType)};
        if (c.rope.partialRotary > 0) r.rotaryFraction = c.rope.partialRotary;
        c.rotaryDim = static_cast<int>(c.headDim * r.rotaryFraction);
        if (c.rotaryDim < 2 || c.rotaryDim % 2 != 0)
            return Error{
                fmt::format("{}: the rotary dimension {} (head_dim {} x {}) must be even and at least 2",
                            source, c.rotaryDim, c.headDim, r.rotaryFraction)};
        if (c.rotaryDim == c.headDim) c.rotaryDim = 0;
    }
    if (c.rope.type == RopeScalingType::Dynamic && c.rotaryDims() <= 2) // its exponent is dim / (dim - 2)
        return Error{fmt::format("{}: rope_scaling type 'dynamic' needs a head dimension above 2, got {}",
                                 source, c.rotaryDims())};
    if (c.rope.type == RopeScalingType::Longrope &&
        c.rope.shortFactor.size() != static_cast<std::size_t>(c.rotaryDims() / 2))
        return Error{
            fmt::format("{}: rope_scaling long_factor and short_factor have {} entries, the {} rotary "
                        "dimensions need {}",
                        source, c.rope.shortFactor.size(), c.rotaryDims(), c.rotaryDims() / 2)};
    if (c.slidingWindow == 0) c.layerTypes.clear();
    return okStatus();
}

Result<ModelConfig> readHfConfig(json& j, const std::string& source);

// A LLaVA config.json's language model: its text_config read as the plain config it is (the
// image half is read by readLlavaConfigFile).
Result<ModelConfig> readLlavaText(json& j, const std::string& source) {
    json text = json::object();
    if (const json* t =
            j.contains("text_config") && !j["text_config"].is_null() ? &j["text_config"] : nullptr) {
        if (!t->is_object())
            return Error{
                fmt::format("{}: field 'text_config' must be an object, got {}", source, jsonExcerpt(*t))};
        text = *t;
    }
    if (auto s = fillLlavaTextDefaults(text, source); !s) return s.error();
    return readHfConfig(text, source + " text_config");
}

// The fields of a parsed config.json. The Reader checks each type before reading, so no json
// exception is expected here; parseHfConfig still turns any into an error.
Result<ModelConfig> readHfConfig(json& j, const std::string& source) {
    if (!j.is_object()) return Error{fmt::format("{}: top level is not a JSON object", source)};
    if (!j.contains("model_type") || !j["model_type"].is_string())
        return Error{fmt::format("{}: missing string field 'model_type'", source)};

    ModelConfig c;
    c.modelType = j["model_type"].get<std::string>();
    Reader r{j, source, {}};
    if (c.modelType == "gpt2")
        readGpt2Config(r, c);
    else if (isLlamaLike(c.modelType))
        readLlamaLikeConfig(r, c);
    else if (isGemma(c.modelType))
        readGemmaConfig(r, c);
    else if (c.modelType == "gpt_neox")
        readGptNeoxConfig(r, c);
    else if (c.modelType == "opt")
        readOptConfig(r, c);
    else if (c.modelType == "llava")
        return readLlavaText(j, source);
    else if (c.modelType == "gemma3")
        return Error{fmt::format("{}: model_type 'gemma3' is Gemma 3's image+text model; SinkScope reads its "
                                 "text-only checkpoints (model_type gemma3_text, e.g. gemma-3-1b)",
                                 source)};
    else
        return Error{fmt::format("{}: model_type '{}' is not supported ({})", source, excerpt(c.modelType),
                                 kSupportedTypes)};
    if (!r.error.empty()) return Error{r.error};
    if (auto s = finishShape(r, c); !s) return s.error();
    c.bosId = r.tokenId("bos_token_id");
    c.eosId = r.tokenId("eos_token_id");
    r.boolean("sinkscope_add_bos", c.addBos);
    if (auto s = readAttentionKind(r, c); !s) return s.error();
    if (!r.error.empty()) return Error{r.error};
    if (c.bosId && *c.bosId >= c.vocabSize)
        return Error{
            fmt::format("{}: bos_token_id {} is outside the vocabulary ({})", source, *c.bosId, c.vocabSize)};
    if (!c.bosId) c.addBos = false;
    return c;
}

} // namespace

Result<ModelConfig> parseHfConfig(const std::string& jsonText, const std::string& source) {
    auto j = parseJson(jsonText, source);
    if (!j) return j.error();
    try {
        return readHfConfig(*j, source);
    } catch (const json::exception& e) {
        return Error{fmt::format("{}: {}", source, jsonErrorText(e))};
    }
}

Result<std::optional<LlavaConfig>> readLlavaConfigFile(const std::string& path) {
    auto text = readWholeFile(path, kConfigFile);
    if (!text) return text.error();
    return parseLlavaConfig(*text, path);
}

Result<std::optional<LlavaConfig>> parseLlavaConfig(const std::string& jsonText, const std::string& path) {
    auto j = parseJson(jsonText, path);
    if (!j) return j.error();
    if (!j->is_object() || !j->contains("model_type") || (*j)["model_type"] != "llava")
        return std::optional<LlavaConfig>();
    auto textConfig = readLlavaText(*j, path);
    if (!textConfig) return textConfig.error();
    detail::Reader r{*j, path, {}};
    LlavaConfig l;
    try {
        detail::readLlavaConfig(r, l);
    } catch (const json::exception& e) {
        return Error{fmt::format("{}: {}", path, jsonErrorText(e))};
    }
    if (!r.error.empty()) return Error{r.error};
    // An image token past the language model's vocabulary is allowed, as Hugging Face allows it
    // (it is replaced by id 0 before the embedding lookup; the image's rows replace that row).
    return std::optional<LlavaConfig>(std::move(l));
}

Result<ModelConfig> loadHfConfig(const std::string& path) {
    auto text = readWholeFile(path, kConfigFile);
    if (!text) return text.error();
    return parseHfConfig(*text, path);
}

int ModelConfig::windowOf(int layer) const {
    if (slidingWindow <= 0) return 0;
    if (!layerTypes.empty())
        return layer >= 0 && static_cast<std::size_t>(layer) < layerTypes.size() && layerTypes[layer]
                   ? slidingWindow
                   : 0;
    if (layer < windowFirstLayer) return 0;
    if (windowPeriod > 0 && (layer + 1) % windowPeriod == 0) return 0;
    return slidingWindow;
}

double ModelConfig::scoreScale() const {
    return attnScale > 0 ? attnScale : 1.0 / std::sqrt(static_cast<double>(headDim));
}

const char* familyName(Family f) {
    switch (f) {
    case Family::Gpt2:
        return "gpt2";
    case Family::Llama:
        return "llama";
    case Family::Gemma:
        return "gemma";
    case Family::GptNeox:
        return "gpt_neox";
    case Family::Phi3:
        return "phi3";
    case Family::Olmo2:
        return "olmo2";
    case Family::Opt:
        return "opt";
    }
    return "?";
}

const char* attentionKindName(AttentionKind k) {
    switch (k) {
    case AttentionKind::Softmax:
        return "softmax";
    case AttentionKind::SinkLogit:
        return "sink_logit";
    case AttentionKind::Sigmoid:
        return "sigmoid";
    }
    return "?";
}

} // namespace sinkscope
