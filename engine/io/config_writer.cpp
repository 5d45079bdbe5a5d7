// toHfConfigJson: a ModelConfig as the config.json its family's reader reads back to the same
// architecture (exported and trained models, trace fingerprints).
#include "io/config_families.h"
#include "io/model_config.h"

#include <nlohmann/json.hpp>

namespace sinkscope {

namespace {

using nlohmann::json;

void writeWindows(const ModelConfig& c, json& j) {
    if (c.slidingWindow <= 0) return;
    j["sliding_window"] = c.slidingWindow;
    json types = json::array();
    for (int l = 0; l < c.nLayers; ++l)
        types.push_back(c.windowOf(l) > 0 ? "sliding_attention" : "full_attention");
    j["layer_types"] = types; // explicit: it says the same whatever the family's pattern
    if (c.modelType == "qwen2" || c.modelType == "qwen3") {
        j["use_sliding_window"] = true;
        j["max_window_layers"] = c.windowFirstLayer;
    }
}

void writeDecoder(const ModelConfig& c, json& j) {
    j["num_hidden_layers"] = c.nLayers;
    j["num_attention_heads"] = c.nHeads;
    j["num_key_value_heads"] = c.nKvHeads;
    j["hidden_size"] = c.dModel;
    j["intermediate_size"] = c.dFf;
    j["max_position_embeddings"] = c.maxPositions;
    j["rope_theta"] = c.ropeTheta;
    j["tie_word_embeddings"] = c.tieEmbeddings;
    if (c.family != Family::Phi3 && c.family != Family::GptNeox) j["attention_bias"] = c.qkvBias;
    j["hidden_act"] = detail::activationName(c.activation);
    if (c.family != Family::GptNeox) j["rms_norm_eps"] = c.normEps;
    j["head_dim"] = c.headDim;
    if (c.rotaryDim > 0) {
        // An exact fraction of head_dim (both are small integers), so int(head_dim * f) gives it back.
        const double f = static_cast<double>(c.rotaryDim) / c.headDim;
        j[c.family == Family::GptNeox ? "rotary_pct" : "partial_rotary_factor"] = f;
    }
    writeRopeScaling(c.rope, j);
    writeWindows(c, j);
}

void writeGemma(const ModelConfig& c, json& j) {
    j["hidden_activation"] = detail::activationName(c.activation);
    if (c.modelType == "gemma") return;
    j["query_pre_attn_scalar"] = 1.0 / (c.scoreScale() * c.scoreScale());
    j["attn_logit_softcapping"] = c.attnSoftcap > 0 ? json(c.attnSoftcap) : json(nullptr);
    j["final_logit_softcapping"] = c.finalSoftcap > 0 ? json(c.finalSoftcap) : json(nullptr);
    if (c.slidingWindow <= 0) { // no window at all: a window no sequence reaches is the same
        j["sliding_window"] = 1 << 30;
        j["layer_types"] = json::array();
        for (int l = 0; l < c.nLayers; ++l)
            j["layer_types"].push_back("full_attention");
    }
    if (c.modelType == "gemma3_text") j["rope_local_base_freq"] = c.localRopeTheta;
}

void writeGpt2(const ModelConfig& c, json& j) {
    j["n_layer"] = c.nLayers;
    j["n_head"] = c.nHeads;
    j["n_embd"] = c.dModel;
    j["n_inner"] = c.dFf;
    j["n_positions"] = c.maxPositions;
    j["layer_norm_epsilon"] = c.normEps;
    j["activation_function"] = c.activation == Activation::GeluErf ? "gelu" : "gelu_new";
}

void writeOpt(const ModelConfig& c, json& j) {
    j["num_hidden_layers"] = c.nLayers;
    j["num_attention_heads"] = c.nHeads;
    j["hidden_size"] = c.dModel;
    j["ffn_dim"] = c.dFf;
    j["max_position_embeddings"] = c.maxPositions;
    j["tie_word_embeddings"] = c.tieEmbeddings;
    j["enable_bias"] = c.qkvBias;
    j["do_layer_norm_before"] = c.layout != BlockLayout::PostLn;
    j["_remove_final_layer_norm"] = c.layout != BlockLayout::PostLn && !c.finalNorm;
    j["word_embed_proj_dim"] = c.tokenEmbedDim();
    j["activation_function"] = detail::activationName(c.activation);
}

} // namespace

std::string toHfConfigJson(const ModelConfig& c) {
    json j;
    j["model_type"] = c.modelType.empty() ? familyName(c.family) : c.modelType;
    j["vocab_size"] = c.vocabSize;
    switch (c.family) {
    case Family::Gpt2:
        writeGpt2(c, j);
        break;
    case Family::Opt:
        writeOpt(c, j);
        break;
    case Family::GptNeox:
        writeDecoder(c, j);
        j["layer_norm_eps"] = c.normEps;
        j["rotary_emb_base"] = c.ropeTheta;
        j["use_parallel_residual"] = c.layout == BlockLayout::Parallel;
        j["attention_bias"] = c.qkvBias;
        break;
    case Family::Gemma:
        writeDecoder(c, j);
        writeGemma(c, j);
        break;
    default:
        writeDecoder(c, j);
        break;
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

} // namespace sinkscope
