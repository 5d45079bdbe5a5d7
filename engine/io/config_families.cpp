#include "io/config_families.h"

#include <algorithm>

namespace sinkscope::detail {

bool parseActivation(const std::string& name, Activation& out) {
    if (name == "silu" || name == "swish")
        out = Activation::Silu;
    else if (name == "gelu")
        out = Activation::GeluErf;
    else if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
        out = Activation::GeluTanh;
    else if (name == "relu")
        out = Activation::Relu;
    else
        return false;
    return true;
}

const char* activationName(Activation a) {
    switch (a) {
    case Activation::Silu:
        return "silu";
    case Activation::GeluErf:
        return "gelu";
    case Activation::GeluTanh:
        return "gelu_pytorch_tanh";
    case Activation::Relu:
        return "relu";
    }
    return "?";
}

namespace {

void activation(Reader& r, ModelConfig& c, std::initializer_list<const char*> keys, const char* fallback,
                const char* allowed) {
    const json* v = r.find(keys);
    const std::string name = v && v->is_string() ? v->get<std::string>() : fallback;
    if (v && !v->is_string()) {
        if (r.error.empty())
            r.error = fmt::format("{}: field '{}' must be a string, got {}", r.source, *keys.begin(),
                                  v->type_name());
        return;
    }
    if (!parseActivation(name, c.activation) && r.error.empty())
        r.error =
            fmt::format("{}: {} '{}' is not supported ({})", r.source, *keys.begin(), excerpt(name), allowed);
}

// The fields every RoPE decoder in HF names alike.
void commonDecoder(Reader& r, ModelConfig& c) {
    r.positiveInt({"num_hidden_layers"}, c.nLayers);
    r.positiveInt({"num_attention_heads"}, c.nHeads);
    r.positiveInt({"hidden_size"}, c.dModel);
    r.positiveInt({"intermediate_size"}, c.dFf);
    r.positiveInt({"vocab_size"}, c.vocabSize);
    r.positiveInt({"max_position_embeddings"}, c.maxPositions, false);
    c.nKvHeads = c.nHeads;
    r.positiveInt({"num_key_value_heads"}, c.nKvHeads, false);
    r.positiveNumber({"rms_norm_eps"}, c.normEps);
    r.positiveNumber({"rope_theta"}, c.ropeTheta);
    r.boolean("tie_word_embeddings", c.tieEmbeddings);
}

// layer_types (transformers' newer configs list every layer): "sliding_attention" or "full_attention".
void layerTypes(Reader& r, ModelConfig& c) {
    const json* v = r.find({"layer_types"});
    if (!v || !r.error.empty()) return;
    if (!v->is_array() || v->size() != static_cast<std::size_t>(c.nLayers)) {
        r.error = fmt::format("{}: layer_types must list one entry per layer ({}), got {}", r.source,
                              c.nLayers, jsonExcerpt(*v));
        return;
    }
    c.layerTypes.clear();
    for (const auto& t : *v) {
        if (t == "sliding_attention") {
            c.layerTypes.push_back(1);
        } else if (t == "full_attention") {
            c.layerTypes.push_back(0);
        } else {
            r.error =
                fmt::format("{}: layer_types entry {} is not supported (sliding_attention, full_attention)",
                            r.source, jsonExcerpt(t));
            return;
        }
    }
}

void slidingWindow(Reader& r, ModelConfig& c) {
    r.positiveInt({"sliding_window"}, c.slidingWindow, false);
}

void ropeScaling(Reader& r, ModelConfig& c) {
    if (!r.error.empty()) return;
    auto rope = parseRopeScaling(r.j, r.source, c.maxPositions, c.ropeTheta);
    if (!rope)
        r.error = rope.error().message;
    else
        c.rope = *rope;
}

// transformers v5 writes Gemma 3's rope_parameters per layer type: {"full_attention": {...},
// "sliding_attention": {...}}. The global layers take the full_attention entry (scaling and
// theta); the windowed layers only a theta, as Gemma3TextModel gives them no scaling.
void gemma3RopeParameters(Reader& r, ModelConfig& c) {
    const json* p = r.find({"rope_parameters"});
    if (!p || !p->is_object() || !(p->contains("full_attention") || p->contains("sliding_attention")))
        return ropeScaling(r, c);
    if (!r.error.empty()) return;
    for (const auto& [type, params] : p->items()) {
        json one = json::object();
        one["rope_parameters"] = params;
        if (r.j.contains("original_max_position_embeddings"))
            one["original_max_position_embeddings"] = r.j["original_max_position_embeddings"];
        const std::string where = fmt::format("{} rope_parameters.{}", r.source, excerpt(type));
        if (type == "full_attention") {
            auto rope = parseRopeScaling(one, where, c.maxPositions, c.ropeTheta);
            if (!rope) return void(r.error = rope.error().message);
            c.rope = *rope;
        } else if (type == "sliding_attention") {
            auto rope = parseRopeScaling(one, where, c.maxPositions, c.localRopeTheta);
            if (!rope) return void(r.error = rope.error().message);
            if (rope->type != RopeScalingType::None)
                return void(
                    r.error = fmt::format("{}: RoPE scaling on the sliding layers is not supported", where));
        } else {
            return void(r.error =
                            fmt::format("{}: rope_parameters key '{}' is not a layer type (full_attention, "
                                        "sliding_attention)",
                                        r.source, excerpt(type)));
        }
    }
}

} // namespace

} // namespace sinkscope::detail

namespace sinkscope {

void setGpt2Wiring(ModelConfig& c) {
    c.normKind = NormType::LayerNorm;
    c.tieEmbeddings = true;
    c.qkvBias = c.outputBias = c.mlpBias = true;
    c.gatedMlp = false;
}

} // namespace sinkscope

namespace sinkscope::detail {

void readGpt2Config(Reader& r, ModelConfig& c) {
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
    setGpt2Wiring(c);
    activation(r, c, {"activation_function"}, "gelu_new", "gelu_new, gelu");
    if (c.activation != Activation::GeluTanh && c.activation != Activation::GeluErf && r.error.empty())
        r.error = fmt::format("{}: activation_function '{}' is not supported (gelu_new, gelu)", r.source,
                              activationName(c.activation));
    if (r.j.contains("scale_attn_by_inverse_layer_idx") && r.j["scale_attn_by_inverse_layer_idx"] == true &&
        r.error.empty())
        r.error = fmt::format("{}: scale_attn_by_inverse_layer_idx is not supported", r.source);
}

void readLlamaLikeConfig(Reader& r, ModelConfig& c) {
    const std::string& t = c.modelType;
    const bool qwen = t == "qwen2" || t == "qwen3";
    c.family = t == "phi3" ? Family::Phi3 : t == "olmo2" ? Family::Olmo2 : Family::Llama;
    // The config classes' defaults, for fields a config leaves out (Qwen2Config: 32768 positions,
    // untied embeddings, as configuration_qwen2.py declares them; MistralConfig: 4096 * 32).
    c.maxPositions = qwen ? 32768 : t == "phi3" ? 4096 : t == "mistral" ? 131072 : 2048;
    if (qwen) c.normEps = 1e-6;
    c.tieEmbeddings = false;
    commonDecoder(r, c);
    c.qkvBias = t == "qwen2";
    if (c.family != Family::Phi3) r.boolean("attention_bias", c.qkvBias); // Phi-3 has no such field
    // HF's Llama, Qwen3 and OLMo-2 give o_proj the attention_bias too; Qwen2 biases q/k/v only.
    c.outputBias = c.qkvBias && t != "qwen2" && t != "mistral";
    c.qkNorm = t == "qwen3" ? QkNorm::PerHead : t == "olmo2" ? QkNorm::FullWidth : QkNorm::None;
    if (c.family == Family::Olmo2) c.layout = BlockLayout::PostSublayer;
    activation(r, c, {"hidden_act"}, "silu", "silu");
    if (c.activation != Activation::Silu && r.error.empty())
        r.error = fmt::format("{}: hidden_act '{}' is not supported (silu)", r.source,
                              activationName(c.activation));
    if (c.family == Family::Phi3) {
        r.fraction({"partial_rotary_factor"}, r.rotaryFraction);
    }
    // Mistral and Phi-3 window every layer; Qwen only with use_sliding_window, from max_window_layers.
    // MistralConfig's sliding_window defaults to 4096 when the key is absent; null turns it off.
    if (t == "mistral" && !r.j.contains("sliding_window")) c.slidingWindow = 4096;
    if (t == "mistral" || c.family == Family::Phi3) slidingWindow(r, c);
    if (qwen) {
        bool use = false;
        r.boolean("use_sliding_window", use);
        if (use) {
            c.slidingWindow = 4096; // Qwen2Config / Qwen3Config default
            slidingWindow(r, c);
            c.windowFirstLayer = 28;
            // 0 is valid here (every layer windowed), unlike the positive sizes.
            if (const json* mw = r.find({"max_window_layers"}); mw && mw->is_number_integer() && *mw == 0)
                c.windowFirstLayer = 0;
            else
                r.positiveInt({"max_window_layers"}, c.windowFirstLayer, false);
        }
    }
    if (c.slidingWindow > 0 || qwen) layerTypes(r, c);
    // Qwen layer_types naming sliding layers without use_sliding_window: the config class's window.
    // (Other families' layer types without a window are dropped by finishShape.)
    if (qwen && c.slidingWindow == 0 &&
        std::find(c.layerTypes.begin(), c.layerTypes.end(), 1) != c.layerTypes.end())
        c.slidingWindow = 4096;
    ropeScaling(r, c);
    // Llama, Mistral and Phi-3 tokenizers add BOS; Qwen's and OLMo-2's do not.
    c.addBos = !qwen && c.family != Family::Olmo2;
}

void readGemmaConfig(Reader& r, ModelConfig& c) {
    const std::string& t = c.modelType;
    const bool g2 = t == "gemma2", g3 = t == "gemma3_text";
    c.family = Family::Gemma;
    c.maxPositions = g3 ? 131072 : 8192;
    c.normEps = 1e-6;
    c.ropeTheta = g3 ? 1e6 : 10000.0;
    c.tieEmbeddings = true;
    c.headDim = 256;
    commonDecoder(r, c);
    r.boolean("attention_bias", c.qkvBias);
    c.outputBias = c.qkvBias;
    c.normKind = NormType::RmsPlusOne;
    c.embedScale = true;
    // GemmaConfig's hidden_activation (hidden_act is the legacy key, also tanh GELU in practice).
    activation(r, c, {"hidden_activation", "hidden_act"}, "gelu_pytorch_tanh", "gelu_pytorch_tanh, gelu");
    if (!g2 && !g3) return;
    c.layout = BlockLayout::Sandwich;
    double qpas = 256.0;
    r.positiveNumber({"query_pre_attn_scalar"}, qpas);
    c.attnScale = 1.0 / std::sqrt(qpas);
    c.slidingWindow = 4096;
    slidingWindow(r, c);
    if (g2) {
        c.attnSoftcap = 50.0f;
        c.finalSoftcap = 30.0f;
        c.windowPeriod = 2;
    } else {
        c.qkNorm = QkNorm::PerHead;
        c.windowPeriod = 6;
        r.positiveInt({"sliding_window_pattern", "_sliding_window_pattern"}, c.windowPeriod, false);
        c.localRopeTheta = 10000.0;
        r.positiveNumber({"rope_local_base_freq"}, c.localRopeTheta);
    }
    // null turns a cap off (Gemma 3's default); the key missing keeps the class default.
    for (auto [key, out] : {std::pair{"attn_logit_softcapping", &c.attnSoftcap},
                            std::pair{"final_logit_softcapping", &c.finalSoftcap}})
        if (r.j.contains(key) && r.j[key].is_null())
            *out = 0.0f;
        else
            r.softcap(key, *out);
    layerTypes(r, c);
    gemma3RopeParameters(r, c);
    c.addBos = true;
}

void readGptNeoxConfig(Reader& r, ModelConfig& c) {
    c.family = Family::GptNeox;
    c.maxPositions = 2048;
    c.normEps = 1e-5;
    commonDecoder(r, c);
    c.nKvHeads = c.nHeads;
    r.positiveNumber({"layer_norm_eps"}, c.normEps);
    r.positiveNumber({"rotary_emb_base"}, c.ropeTheta);
    c.normKind = NormType::LayerNorm;
    c.gatedMlp = false;
    c.mlpBias = true;
    c.qkvBias = true;
    r.boolean("attention_bias", c.qkvBias);
    c.outputBias = c.qkvBias;
    bool parallel = true;
    r.boolean("use_parallel_residual", parallel);
    c.layout = parallel ? BlockLayout::Parallel : BlockLayout::PreNorm;
    r.rotaryFraction = 0.25;
    r.fraction({"rotary_pct", "partial_rotary_factor"}, r.rotaryFraction);
    activation(r, c, {"hidden_act"}, "gelu", "gelu, gelu_new, relu, silu");
    ropeScaling(r, c);
}

void readOptConfig(Reader& r, ModelConfig& c) {
    c.family = Family::Opt;
    c.maxPositions = 2048;
    c.tieEmbeddings = true;
    r.positiveInt({"num_hidden_layers"}, c.nLayers);
    r.positiveInt({"num_attention_heads"}, c.nHeads);
    r.positiveInt({"hidden_size"}, c.dModel);
    r.positiveInt({"ffn_dim"}, c.dFf);
    r.positiveInt({"vocab_size"}, c.vocabSize);
    r.positiveInt({"max_position_embeddings"}, c.maxPositions, false);
    r.boolean("tie_word_embeddings", c.tieEmbeddings);
    c.nKvHeads = c.nHeads;
    c.normKind = NormType::LayerNorm;
    c.normEps = 1e-5; // nn.LayerNorm's default; OPT has no epsilon field
    c.positionOffset = 2;
    c.gatedMlp = false;
    bool bias = true;
    r.boolean("enable_bias", bias);
    c.qkvBias = c.outputBias = c.mlpBias = bias;
    bool before = true;
    r.boolean("do_layer_norm_before", before);
    c.layout = before ? BlockLayout::PreNorm : BlockLayout::PostLn;
    bool removeFinal = false;
    r.boolean("_remove_final_layer_norm", removeFinal);
    c.finalNorm = before && !removeFinal; // OPTDecoder builds final_layer_norm only then
    int proj = 0;
    r.positiveInt({"word_embed_proj_dim"}, proj, false);
    c.embedDim = proj > 0 && proj != c.dModel ? proj : 0;
    bool affine = true;
    r.boolean("layer_norm_elementwise_affine", affine);
    if (!affine && r.error.empty())
        r.error = fmt::format("{}: layer_norm_elementwise_affine false is not supported", r.source);
    activation(r, c, {"activation_function"}, "relu", "relu, gelu, gelu_new, silu");
    c.addBos = true; // OPT's tokenizer starts every text with </s>
}

} // namespace sinkscope::detail
