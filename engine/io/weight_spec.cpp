#include "io/weight_spec.h"

#include "core/excerpt.h"
#include "core/saturating.h"

#include <fmt/format.h>
#include <set>

namespace sinkscope {

namespace {

// The tensors before the layers (embeddings), of layer l, and after the layers (final norm, head).
// Kept apart so that a config's tensors can be walked layer by layer: a config may claim a billion
// layers, and the list is never built whole before the weights have shown they hold that many.
void headTensors(const ModelConfig& c, std::vector<TensorSpec>& out) {
    const std::int64_t D = c.dModel, V = c.vocabSize;
    switch (c.family) {
    case Family::Gpt2:
        out.push_back({"wte.weight", {V, D}});
        out.push_back({"wpe.weight", {c.maxPositions, D}});
        break;
    case Family::GptNeox:
        out.push_back({"gpt_neox.embed_in.weight", {V, D}});
        break;
    case Family::Opt: { // read with "model." stripped: OPT checkpoints exist with and without it
        const std::int64_t E = c.tokenEmbedDim();
        out.push_back({"decoder.embed_tokens.weight", {V, E}});
        out.push_back({"decoder.embed_positions.weight", {c.maxPositions + c.positionOffset, D}});
        if (c.embedDim > 0) {
            out.push_back({"decoder.project_in.weight", {D, E}});
            out.push_back({"decoder.project_out.weight", {E, D}});
        }
        break;
    }
    default:
        out.push_back({"model.embed_tokens.weight", {V, D}});
    }
}

void gpt2Layer(const ModelConfig& c, int l, std::vector<TensorSpec>& out) {
    const std::int64_t D = c.dModel, F = c.dFf;
    const auto p = fmt::format("h.{}.", l);
    out.push_back({p + "ln_1.weight", {D}});
    out.push_back({p + "ln_1.bias", {D}});
    out.push_back({p + "attn.c_attn.weight", {D, 3 * D}}); // Conv1D: [in, out]
    out.push_back({p + "attn.c_attn.bias", {3 * D}});
    out.push_back({p + "attn.c_proj.weight", {D, D}});
    out.push_back({p + "attn.c_proj.bias", {D}});
    out.push_back({p + "ln_2.weight", {D}});
    out.push_back({p + "ln_2.bias", {D}});
    out.push_back({p + "mlp.c_fc.weight", {D, F}});
    out.push_back({p + "mlp.c_fc.bias", {F}});
    out.push_back({p + "mlp.c_proj.weight", {F, D}});
    out.push_back({p + "mlp.c_proj.bias", {D}});
}

// A LayerNorm (weight and bias) or an RMSNorm (weight) of width n.
void normTensors(const ModelConfig& c, const std::string& name, std::int64_t n,
                 std::vector<TensorSpec>& out) {
    out.push_back({name + ".weight", {n}});
    if (c.normKind == NormType::LayerNorm) out.push_back({name + ".bias", {n}});
}

void linear(const std::string& name, std::int64_t outDim, std::int64_t inDim, bool bias,
            std::vector<TensorSpec>& out) {
    out.push_back({name + ".weight", {outDim, inDim}});
    if (bias) out.push_back({name + ".bias", {outDim}});
}

void neoxLayer(const ModelConfig& c, int l, std::vector<TensorSpec>& out) {
    const std::int64_t D = c.dModel, F = c.dFf;
    const auto p = fmt::format("gpt_neox.layers.{}.", l);
    normTensors(c, p + "input_layernorm", D, out);
    normTensors(c, p + "post_attention_layernorm", D, out);
    // Fused rows per head: [q_h | k_h | v_h] for h = 0..H-1 (split after view(H, 3 * head_dim)).
    linear(p + "attention.query_key_value", 3 * D, D, c.qkvBias, out);
    linear(p + "attention.dense", D, D, c.outputBias, out);
    linear(p + "mlp.dense_h_to_4h", F, D, true, out);
    linear(p + "mlp.dense_4h_to_h", D, F, true, out);
}

void optLayer(const ModelConfig& c, int l, std::vector<TensorSpec>& out) {
    const std::int64_t D = c.dModel, F = c.dFf;
    const auto p = fmt::format("decoder.layers.{}.", l);
    for (const char* n : {"q_proj", "k_proj", "v_proj", "out_proj"})
        linear(p + "self_attn." + n, D, D, c.qkvBias, out);
    normTensors(c, p + "self_attn_layer_norm", D, out);
    linear(p + "fc1", F, D, c.mlpBias, out);
    linear(p + "fc2", D, F, c.mlpBias, out);
    normTensors(c, p + "final_layer_norm", D, out);
}

// Llama, Mistral, Qwen2/3, Gemma 1-3, Phi-3 and OLMo-2 share the model.layers.N. names and differ in
// fused projections, norms and q/k norms.
void decoderLayer(const ModelConfig& c, int l, std::vector<TensorSpec>& out) {
    const std::int64_t D = c.dModel, F = c.dFf;
    const std::int64_t Q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t KV = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
    const auto p = fmt::format("model.layers.{}.", l);
    if (c.layout != BlockLayout::PostSublayer) out.push_back({p + "input_layernorm.weight", {D}});
    if (c.family == Family::Phi3) {
        out.push_back({p + "self_attn.qkv_proj.weight", {Q + 2 * KV, D}});
    } else {
        linear(p + "self_attn.q_proj", Q, D, c.qkvBias, out);
        linear(p + "self_attn.k_proj", KV, D, c.qkvBias, out);
        linear(p + "self_attn.v_proj", KV, D, c.qkvBias, out);
    }
    linear(p + "self_attn.o_proj", D, Q, c.outputBias, out);
    if (c.qkNorm == QkNorm::PerHead) {
        out.push_back({p + "self_attn.q_norm.weight", {c.headDim}});
        out.push_back({p + "self_attn.k_norm.weight", {c.headDim}});
    } else if (c.qkNorm == QkNorm::FullWidth) {
        out.push_back({p + "self_attn.q_norm.weight", {Q}});
        out.push_back({p + "self_attn.k_norm.weight", {KV}});
    }
    if (c.attention == AttentionKind::SinkLogit && c.sinkLogitLearned)
        out.push_back({p + "self_attn.sinks", {c.nHeads}});
    out.push_back({p + "post_attention_layernorm.weight", {D}});
    if (c.layout == BlockLayout::Sandwich) out.push_back({p + "pre_feedforward_layernorm.weight", {D}});
    if (c.layout == BlockLayout::Sandwich || c.layout == BlockLayout::PostSublayer)
        out.push_back({p + "post_feedforward_layernorm.weight", {D}});
    if (c.family == Family::Phi3) {
        out.push_back({p + "mlp.gate_up_proj.weight", {2 * F, D}});
    } else {
        out.push_back({p + "mlp.gate_proj.weight", {F, D}});
        out.push_back({p + "mlp.up_proj.weight", {F, D}});
    }
    out.push_back({p + "mlp.down_proj.weight", {D, F}});
}

void layerTensors(const ModelConfig& c, int l, std::vector<TensorSpec>& out) {
    switch (c.family) {
    case Family::Gpt2:
        return gpt2Layer(c, l, out);
    case Family::GptNeox:
        return neoxLayer(c, l, out);
    case Family::Opt:
        return optLayer(c, l, out);
    default:
        return decoderLayer(c, l, out);
    }
}

void tailTensors(const ModelConfig& c, std::vector<TensorSpec>& out) {
    const std::int64_t D = c.dModel, V = c.vocabSize;
    switch (c.family) {
    case Family::Gpt2:
        normTensors(c, "ln_f", D, out);
        return;
    case Family::GptNeox:
        normTensors(c, "gpt_neox.final_layer_norm", D, out);
        if (!c.tieEmbeddings) out.push_back({"embed_out.weight", {V, D}});
        return;
    case Family::Opt:
        if (c.finalNorm) normTensors(c, "decoder.final_layer_norm", D, out);
        if (!c.tieEmbeddings) out.push_back({"lm_head.weight", {V, c.tokenEmbedDim()}});
        return;
    default:
        out.push_back({"model.norm.weight", {D}});
        if (!c.tieEmbeddings) out.push_back({"lm_head.weight", {V, D}});
    }
}

std::int64_t elementCount(const std::vector<TensorSpec>& specs) {
    std::int64_t n = 0;
    for (const auto& spec : specs) {
        std::int64_t elements = 1;
        for (const auto d : spec.shape)
            elements = saturatingMul(elements, d);
        n = saturatingAdd(n, elements);
    }
    return n;
}

// Buffers some exporters save next to the weights; they carry nothing we need.
bool isIgnorable(const std::string& name, const ModelConfig& c) {
    auto endsWith = [&](const char* s) {
        const std::string suf(s);
        return name.size() >= suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0;
    };
    if (endsWith(".attn.bias") || endsWith(".attn.masked_bias") || endsWith("rotary_emb.inv_freq") ||
        endsWith(".attention.bias") || endsWith(".attention.masked_bias")) // GPT-NeoX's causal mask buffers
        return true;
    return c.tieEmbeddings && name == "lm_head.weight"; // a tied copy; the embedding is used
}

} // namespace

std::vector<TensorSpec> expectedTensors(const ModelConfig& config) {
    std::vector<TensorSpec> out;
    headTensors(config, out);
    for (int l = 0; l < config.nLayers; ++l)
        layerTensors(config, l, out);
    tailTensors(config, out);
    return out;
}

std::int64_t expectedTensorCount(const ModelConfig& config) {
    std::vector<TensorSpec> outside, layer;
    headTensors(config, outside);
    tailTensors(config, outside);
    layerTensors(config, 0, layer);
    return static_cast<std::int64_t>(outside.size()) +
           static_cast<std::int64_t>(config.nLayers) * static_cast<std::int64_t>(layer.size());
}

std::int64_t parameterCount(const ModelConfig& config) {
    std::vector<TensorSpec> outside, layer;
    headTensors(config, outside);
    tailTensors(config, outside);
    layerTensors(config, 0, layer);
    return saturatingAdd(elementCount(outside), saturatingMul(config.nLayers, elementCount(layer)));
}

Status validateWeights(const ModelConfig& config, const WeightStore& weights, const std::string& source) {
    // The config's tensors are checked layer by layer, so a config claiming far more layers than
    // the weights hold stops at the first missing one instead of listing them all first.
    const std::int64_t needed = expectedTensorCount(config);
    std::set<std::string> known;
    std::vector<TensorSpec> specs;
    auto check = [&]() -> Status {
        for (const auto& s : specs) {
            const TensorRef* t = weights.find(s.name);
            if (!t && needed > static_cast<std::int64_t>(weights.size()))
                return Error{
                    fmt::format("{}: tensor '{}' is missing: the weights hold {} tensors, the config's "
                                "{} layers ({} model type) need {}",
                                source, s.name, weights.size(), config.nLayers, config.modelType, needed)};
            if (!t)
                return Error{fmt::format("{}: tensor '{}' is missing (config: {} layers, {} model type)",
                                         source, s.name, config.nLayers, config.modelType)};
            if (t->ggml < 0 && (!isFloat(t->dtype) || t->dtype == DType::F64))
                return Error{fmt::format("{}: tensor '{}' has dtype {}, expected F32, F16 or BF16", t->file,
                                         s.name, dtypeName(t->dtype))};
            if (t->shape != s.shape)
                return Error{fmt::format("{}: tensor '{}' has shape {}, config says {}", t->file, s.name,
                                         shapeToString(t->shape), shapeToString(s.shape))};
            known.insert(s.name);
        }
        specs.clear();
        return okStatus();
    };
    headTensors(config, specs);
    if (auto st = check(); !st) return st;
    for (int l = 0; l < config.nLayers; ++l) {
        layerTensors(config, l, specs);
        if (auto st = check(); !st) return st;
    }
    tailTensors(config, specs);
    if (auto st = check(); !st) return st;
    for (const auto& name : weights.names()) {
        if (known.count(name) || isIgnorable(name, config)) continue;
        return Error{fmt::format("{}: unexpected tensor '{}' for a {} model with {} layers (wrong config?)",
                                 source, excerpt(name), config.modelType, config.nLayers)};
    }
    return okStatus();
}

} // namespace sinkscope
