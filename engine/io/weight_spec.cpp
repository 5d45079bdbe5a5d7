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
    if (c.family == Family::Gpt2) {
        out.push_back({"wte.weight", {V, D}});
        out.push_back({"wpe.weight", {c.maxPositions, D}});
    } else {
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

void llamaLayer(const ModelConfig& c, int l, std::vector<TensorSpec>& out) {
    const std::int64_t D = c.dModel, F = c.dFf;
    const std::int64_t Q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t KV = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
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

void layerTensors(const ModelConfig& c, int l, std::vector<TensorSpec>& out) {
    if (c.family == Family::Gpt2)
        gpt2Layer(c, l, out);
    else
        llamaLayer(c, l, out);
}

void tailTensors(const ModelConfig& c, std::vector<TensorSpec>& out) {
    const std::int64_t D = c.dModel, V = c.vocabSize;
    if (c.family == Family::Gpt2) {
        out.push_back({"ln_f.weight", {D}});
        out.push_back({"ln_f.bias", {D}});
    } else {
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
    if (endsWith(".attn.bias") || endsWith(".attn.masked_bias") || endsWith("rotary_emb.inv_freq"))
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
            if (!isFloat(t->dtype) || t->dtype == DType::F64)
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
