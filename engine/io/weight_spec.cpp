#include "io/weight_spec.h"

#include <fmt/format.h>
#include <set>

namespace sinkscope {

namespace {

void gpt2Tensors(const ModelConfig& c, std::vector<TensorSpec>& out) {
    const std::int64_t D = c.dModel, F = c.dFf, V = c.vocabSize;
    out.push_back({"wte.weight", {V, D}});
    out.push_back({"wpe.weight", {c.maxPositions, D}});
    for (int l = 0; l < c.nLayers; ++l) {
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
    out.push_back({"ln_f.weight", {D}});
    out.push_back({"ln_f.bias", {D}});
}

void llamaTensors(const ModelConfig& c, std::vector<TensorSpec>& out) {
    const std::int64_t D = c.dModel, F = c.dFf, V = c.vocabSize;
    const std::int64_t Q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t KV = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
    out.push_back({"model.embed_tokens.weight", {V, D}});
    for (int l = 0; l < c.nLayers; ++l) {
        const auto p = fmt::format("model.layers.{}.", l);
        out.push_back({p + "input_layernorm.weight", {D}});
        out.push_back({p + "self_attn.q_proj.weight", {Q, D}});
        out.push_back({p + "self_attn.k_proj.weight", {KV, D}});
        out.push_back({p + "self_attn.v_proj.weight", {KV, D}});
        out.push_back({p + "self_attn.o_proj.weight", {D, Q}});
        if (c.qkvBias) {
            out.push_back({p + "self_attn.q_proj.bias", {Q}});
            out.push_back({p + "self_attn.k_proj.bias", {KV}});
            out.push_back({p + "self_attn.v_proj.bias", {KV}});
        }
        if (c.outputBias) out.push_back({p + "self_attn.o_proj.bias", {D}});
        if (c.qkNorm) {
            out.push_back({p + "self_attn.q_norm.weight", {c.headDim}});
            out.push_back({p + "self_attn.k_norm.weight", {c.headDim}});
        }
        if (c.attention == AttentionKind::SinkLogit && c.sinkLogitLearned)
            out.push_back({p + "self_attn.sinks", {c.nHeads}});
        out.push_back({p + "post_attention_layernorm.weight", {D}});
        out.push_back({p + "mlp.gate_proj.weight", {F, D}});
        out.push_back({p + "mlp.up_proj.weight", {F, D}});
        out.push_back({p + "mlp.down_proj.weight", {D, F}});
    }
    out.push_back({"model.norm.weight", {D}});
    if (!c.tieEmbeddings) out.push_back({"lm_head.weight", {V, D}});
}

// Buffers some exporters save next to the weights; they carry nothing we need.
bool isIgnorable(const std::string& name, const ModelConfig& c) {
    auto endsWith = [&](const char* s) {
        const std::string suf(s);
        return name.size() >= suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0;
    };
    if (endsWith(".attn.bias") || endsWith(".attn.masked_bias") || endsWith("rotary_emb.inv_freq"))
        return true;
    return c.tieEmbeddings && name == "lm_head.weight"; // a tied copy; the embedding is used
}

} // namespace

std::vector<TensorSpec> expectedTensors(const ModelConfig& config) {
    std::vector<TensorSpec> out;
    if (config.family == Family::Gpt2)
        gpt2Tensors(config, out);
    else
        llamaTensors(config, out);
    return out;
}

std::int64_t parameterCount(const ModelConfig& config) {
    std::int64_t n = 0;
    for (const auto& spec : expectedTensors(config)) {
        std::int64_t elements = 1;
        for (const auto d : spec.shape)
            elements *= d;
        n += elements;
    }
    return n;
}

Status validateWeights(const ModelConfig& config, const WeightStore& weights, const std::string& source) {
    const auto specs = expectedTensors(config);
    std::set<std::string> known;
    for (const auto& s : specs) {
        known.insert(s.name);
        const TensorRef* t = weights.find(s.name);
        if (!t)
            return Error{fmt::format("{}: tensor '{}' is missing (config: {} layers, {} model type)", source,
                                     s.name, config.nLayers, config.modelType)};
        if (!isFloat(t->dtype) || t->dtype == DType::F64)
            return Error{fmt::format("{}: tensor '{}' has dtype {}, expected F32, F16 or BF16", t->file,
                                     s.name, dtypeName(t->dtype))};
        if (t->shape != s.shape)
            return Error{fmt::format("{}: tensor '{}' has shape {}, config says {}", t->file, s.name,
                                     shapeToString(t->shape), shapeToString(s.shape))};
    }
    for (const auto& name : weights.names()) {
        if (known.count(name) || isIgnorable(name, config)) continue;
        return Error{fmt::format("{}: unexpected tensor '{}' for a {} model with {} layers (wrong config?)",
                                 source, name, config.modelType, config.nLayers)};
    }
    return okStatus();
}

} // namespace sinkscope
