#include "io/model_config.h"
#include "core/json_parse.h"
#include "core/read_file.h"

#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>

namespace sinkscope {

namespace {

using nlohmann::json;

struct Reader {
    const json& j;
    const std::string& source;
    std::string error;

    // First key present among the aliases (HF configs name the same thing differently per family).
    const json* find(std::initializer_list<const char*> keys) const {
        for (const char* k : keys)
            if (j.contains(k) && !j[k].is_null()) return &j[k];
        return nullptr;
    }
    bool positiveInt(std::initializer_list<const char*> keys, int& out, bool required = true) {
        const json* v = find(keys);
        if (!v) {
            if (required && error.empty())
                error = fmt::format("{}: missing field '{}'", source, *keys.begin());
            return false;
        }
        if (!v->is_number_integer() || v->get<std::int64_t>() <= 0 || v->get<std::int64_t>() > (1 << 30)) {
            if (error.empty())
                error = fmt::format("{}: field '{}' must be a positive integer, got {}", source,
                                    *keys.begin(), jsonExcerpt(*v));
            return false;
        }
        out = v->get<int>();
        return true;
    }
    // A number that must be positive and finite (epsilons, RoPE's base): zero or a negative value
    // would make every activation NaN instead of failing.
    void positiveNumber(std::initializer_list<const char*> keys, double& out) {
        const json* v = find(keys);
        if (!v) return;
        const bool ok = v->is_number() && std::isfinite(v->get<double>()) && v->get<double>() > 0;
        if (!ok && error.empty())
            error =
                fmt::format("{}: field '{}' must be a positive finite number, got {}", source, *keys.begin(),
                            v->is_number() ? fmt::format("{}", v->get<double>()) : jsonExcerpt(*v));
        if (ok) out = v->get<double>();
    }
    // A number the forward pass uses as a float (a sink logit, a sigmoid bias): within float's range.
    void finiteFloat(std::initializer_list<const char*> keys, float& out) {
        const json* v = find(keys);
        if (!v) return;
        const bool ok = v->is_number() && std::isfinite(v->get<double>()) &&
                        std::abs(v->get<double>()) <= std::numeric_limits<float>::max();
        if (!ok && error.empty())
            error = fmt::format("{}: field '{}' must be a finite float, got {}", source, *keys.begin(),
                                v->is_number() ? fmt::format("{}", v->get<double>()) : jsonExcerpt(*v));
        if (ok) out = static_cast<float>(v->get<double>());
    }
    void boolean(const char* key, bool& out) {
        const json* v = find({key});
        if (!v) return;
        if (!v->is_boolean()) {
            if (error.empty())
                error =
                    fmt::format("{}: field '{}' must be true or false, got {}", source, key, jsonExcerpt(*v));
            return;
        }
        out = v->get<bool>();
    }
    // Token ids may be an int or a list of ints (some configs list several EOS ids).
    std::optional<std::int32_t> tokenId(const char* key) {
        const json* v = find({key});
        if (!v) return std::nullopt;
        if (v->is_array() && !v->empty()) v = &(*v)[0];
        if (!v->is_number_integer() || v->get<std::int64_t>() < 0) {
            if (error.empty())
                error =
                    fmt::format("{}: field '{}' must be a token id, got {}", source, key, jsonExcerpt(*v));
            return std::nullopt;
        }
        return v->get<std::int32_t>();
    }
    // A string field, or fallback when absent; the error names the type found instead.
    std::string string(const char* key, const char* fallback) {
        const json* v = find({key});
        if (!v) return fallback;
        if (!v->is_string()) {
            if (error.empty())
                error = fmt::format("{}: field '{}' must be a string, got {}", source, key, v->type_name());
            return fallback;
        }
        return v->get<std::string>();
    }
};

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

bool isLlamaFamily(const std::string& t) {
    return t == "llama" || t == "mistral" || t == "qwen2" || t == "qwen3" || t == "smollm" ||
           t == "sinkscope";
}

// Qwen3's sliding-window layers (use_sliding_window, or layer_types naming them) are refused by name.
Status refuseSlidingWindows(const json& j, const std::string& source) {
    if (j.contains("use_sliding_window") && j["use_sliding_window"] == true)
        return Error{
            fmt::format("{}: use_sliding_window true is not supported (sliding-window layers)", source)};
    if (const auto it = j.find("layer_types"); it != j.end() && !it->is_null()) {
        if (!it->is_array())
            return Error{fmt::format("{}: layer_types must be a list, got {}", source, jsonExcerpt(*it))};
        for (const auto& t : *it)
            if (t != "full_attention")
                return Error{fmt::format("{}: layer_types entry {} is not supported (full_attention)", source,
                                         jsonExcerpt(t))};
    }
    return okStatus();
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
    if (c.modelType == "gpt2") {
        c.family = Family::Gpt2;
        r.positiveInt({"n_layer", "num_hidden_layers"}, c.nLayers);
        r.positiveInt({"n_head", "num_attention_heads"}, c.nHeads);
        r.positiveInt({"n_embd", "hidden_size"}, c.dModel);
        r.positiveInt({"vocab_size"}, c.vocabSize);
        r.positiveInt({"n_positions", "max_position_embeddings"}, c.maxPositions);
        c.nKvHeads = c.nHeads;
        c.dFf = 4 * c.dModel;
        r.positiveInt({"n_inner"}, c.dFf, false);
        c.normEps = 1e-5;
        r.positiveNumber({"layer_norm_epsilon"}, c.normEps);
        c.tieEmbeddings = true;
        c.qkvBias = true;
        c.outputBias = true;
        const std::string act = r.string("activation_function", "gelu_new");
        if (!r.error.empty()) return Error{r.error};
        if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast")
            c.activation = Activation::GeluTanh;
        else if (act == "gelu")
            c.activation = Activation::GeluErf;
        else
            return Error{fmt::format("{}: activation_function '{}' is not supported (gelu_new, gelu)", source,
                                     excerpt(act))};
        if (j.contains("scale_attn_by_inverse_layer_idx") && j["scale_attn_by_inverse_layer_idx"] == true)
            return Error{fmt::format("{}: scale_attn_by_inverse_layer_idx is not supported", source)};
    } else if (isLlamaFamily(c.modelType)) {
        c.family = Family::Llama;
        const bool qwen3 = c.modelType == "qwen3";
        r.positiveInt({"num_hidden_layers"}, c.nLayers);
        r.positiveInt({"num_attention_heads"}, c.nHeads);
        r.positiveInt({"hidden_size"}, c.dModel);
        r.positiveInt({"intermediate_size"}, c.dFf);
        r.positiveInt({"vocab_size"}, c.vocabSize);
        c.maxPositions = qwen3 ? 32768 : 2048; // Qwen3Config's default
        r.positiveInt({"max_position_embeddings"}, c.maxPositions, false);
        c.nKvHeads = c.nHeads;
        r.positiveInt({"num_key_value_heads"}, c.nKvHeads, false);
        if (qwen3) c.normEps = 1e-6; // Qwen3Config's default
        r.positiveNumber({"rms_norm_eps"}, c.normEps);
        r.positiveNumber({"rope_theta"}, c.ropeTheta);
        c.tieEmbeddings = c.modelType == "qwen2";
        r.boolean("tie_word_embeddings", c.tieEmbeddings);
        c.qkvBias = c.modelType == "qwen2";
        r.boolean("attention_bias", c.qkvBias);
        // HF's Llama and Qwen3 give o_proj the attention_bias too; Qwen2 biases q/k/v only.
        c.outputBias = c.qkvBias && (c.modelType == "llama" || c.modelType == "smollm" || qwen3);
        c.qkNorm = qwen3;
        const std::string act = r.string("hidden_act", "silu");
        if (!r.error.empty()) return Error{r.error};
        if (act != "silu" && act != "swish")
            return Error{fmt::format("{}: hidden_act '{}' is not supported (silu)", source, excerpt(act))};
        c.activation = Activation::Silu;
        if (!r.error.empty()) return Error{r.error};
        auto rope = parseRopeScaling(j, source, c.maxPositions, c.ropeTheta);
        if (!rope) return rope.error();
        c.rope = *rope;
        if (qwen3)
            if (auto s = refuseSlidingWindows(j, source); !s) return s.error();
        // Llama/Mistral tokenizers add BOS; Qwen's do not.
        c.addBos = c.modelType != "qwen2" && !qwen3;
    } else {
        return Error{fmt::format("{}: model_type '{}' is not supported (gpt2, llama, mistral, qwen2, qwen3)",
                                 source, excerpt(c.modelType))};
    }
    if (!r.error.empty()) return Error{r.error};
    const bool explicitHeadDim = c.family == Family::Llama && r.find({"head_dim"});
    if (!explicitHeadDim && c.dModel % c.nHeads != 0)
        return Error{
            fmt::format("{}: hidden size {} is not divisible by {} heads", source, c.dModel, c.nHeads)};
    c.headDim = c.modelType == "qwen3" ? 128 : c.dModel / c.nHeads; // Qwen3Config's default head_dim
    // GPT-2's fused attention projection fixes the head size; head_dim is a Llama-family field.
    if (c.family == Family::Llama) r.positiveInt({"head_dim"}, c.headDim, false);
    if (!r.error.empty()) return Error{r.error};
    if (c.nHeads % c.nKvHeads != 0)
        return Error{fmt::format("{}: {} attention heads are not a multiple of {} key/value heads", source,
                                 c.nHeads, c.nKvHeads)};
    if (c.family == Family::Llama && c.headDim % 2 != 0)
        return Error{fmt::format("{}: head dimension {} must be even for RoPE", source, c.headDim)};
    if (c.rope.type == RopeScalingType::Dynamic && c.headDim <= 2) // its exponent is dim / (dim - 2)
        return Error{fmt::format("{}: rope_scaling type 'dynamic' needs a head dimension above 2, got {}",
                                 source, c.headDim)};
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

Result<ModelConfig> loadHfConfig(const std::string& path) {
    auto text = readWholeFile(path, kConfigFile);
    if (!text) return text.error();
    return parseHfConfig(*text, path);
}

std::string toHfConfigJson(const ModelConfig& c) {
    json j;
    j["model_type"] = c.modelType.empty() ? (c.family == Family::Gpt2 ? "gpt2" : "llama") : c.modelType;
    j["vocab_size"] = c.vocabSize;
    if (c.family == Family::Gpt2) {
        j["n_layer"] = c.nLayers;
        j["n_head"] = c.nHeads;
        j["n_embd"] = c.dModel;
        j["n_inner"] = c.dFf;
        j["n_positions"] = c.maxPositions;
        j["layer_norm_epsilon"] = c.normEps;
        j["activation_function"] = c.activation == Activation::GeluErf ? "gelu" : "gelu_new";
    } else {
        j["num_hidden_layers"] = c.nLayers;
        j["num_attention_heads"] = c.nHeads;
        j["num_key_value_heads"] = c.nKvHeads;
        j["hidden_size"] = c.dModel;
        j["intermediate_size"] = c.dFf;
        j["max_position_embeddings"] = c.maxPositions;
        j["rms_norm_eps"] = c.normEps;
        j["rope_theta"] = c.ropeTheta;
        j["tie_word_embeddings"] = c.tieEmbeddings;
        j["attention_bias"] = c.qkvBias;
        j["hidden_act"] = "silu";
        if (static_cast<std::int64_t>(c.headDim) * c.nHeads != c.dModel || c.modelType == "qwen3")
            j["head_dim"] = c.headDim;
        writeRopeScaling(c.rope, j);
    }
    if (c.bosId) j["bos_token_id"] = *c.bosId;
    if (c.eosId) j["eos_token_id"] = *c.eosId;
    if (c.bosId) j["sinkscope_add_bos"] = c.addBos;
    if (c.attention != AttentionKind::Softmax) {
        j["sinkscope_attention"] = attentionKindName(c.attention);
        if (c.attention == AttentionKind::SinkLogit)
            j["sinkscope_sink_logit"] = c.sinkLogitLearned ? json("learned") : json(c.sinkLogit);
        if (c.attention == AttentionKind::Sigmoid) j["sinkscope_sigmoid_bias"] = c.sigmoidBias;
    }
    return j.dump(2) + "\n";
}

const char* familyName(Family f) {
    return f == Family::Gpt2 ? "gpt2" : "llama";
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
