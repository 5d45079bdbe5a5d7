#include "io/llava_weights.h"

#include "core/excerpt.h"
#include "core/saturating.h"

#include <fmt/format.h>
#include <set>

namespace sinkscope {

namespace {

struct Layout {
    const char* lm;
    const char* head;
    const char* vision;
    const char* projector;
};
// LlavaForConditionalGeneration._checkpoint_conversion_mapping maps the first onto the second.
constexpr Layout kLlavaHf{"language_model.model.", "language_model.lm_head.", "vision_tower.",
                          "multi_modal_projector."};
constexpr Layout kV452{"model.language_model.", "lm_head.", "model.vision_tower.",
                       "model.multi_modal_projector."};

bool startsWith(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

} // namespace

Status mapLlavaLayout(WeightStore& weights, const std::string& source) {
    bool oldLayout = false, newLayout = false;
    for (const auto& name : weights.names()) {
        oldLayout |= startsWith(name, kLlavaHf.lm);
        newLayout |= startsWith(name, kV452.lm);
    }
    if (oldLayout == newLayout)
        return Error{fmt::format("{}: a LLaVA checkpoint needs its language model under either "
                                 "'language_model.model.' or 'model.language_model.', found {}",
                                 source, oldLayout ? "both" : "neither")};
    const Layout& l = oldLayout ? kLlavaHf : kV452;
    // Every tensor must belong to one part: a name outside them is refused here, naming it, rather
    // than surfacing as a missing language-model tensor later.
    for (const auto& name : weights.names())
        if (!startsWith(name, l.lm) && !startsWith(name, l.head) && !startsWith(name, l.vision) &&
            !startsWith(name, l.projector))
            return Error{
                fmt::format("{}: tensor '{}' belongs to no part of a LLaVA checkpoint ({}, {}, {}, {})",
                            source, excerpt(name), l.lm, l.head, l.vision, l.projector)};
    weights.renamePrefix(l.lm, "model.");
    weights.renamePrefix(l.head, "lm_head.");
    weights.renamePrefix(l.vision, "vision_tower.");
    weights.renamePrefix(l.projector, "multi_modal_projector.");
    return okStatus();
}

void llavaTensors(const LlavaConfig& c, std::int64_t textWidth, std::vector<TensorSpec>& out) {
    const VisionConfig& v = c.vision;
    const std::int64_t D = v.dModel, F = v.dFf, p = v.patchSize;
    const std::string e = "vision_tower.vision_model.embeddings.";
    const bool clip = v.tower == VisionTower::Clip;
    if (clip) out.push_back({e + "class_embedding", {D}});
    out.push_back({e + "patch_embedding.weight", {D, v.channels, p, p}});
    if (!clip) out.push_back({e + "patch_embedding.bias", {D}});
    out.push_back({e + "position_embedding.weight", {v.tokens(), D}});
    if (clip) {
        out.push_back({"vision_tower.vision_model.pre_layrnorm.weight", {D}});
        out.push_back({"vision_tower.vision_model.pre_layrnorm.bias", {D}});
    }
    for (int l = 0; l < v.nLayers; ++l) {
        const auto q = fmt::format("vision_tower.vision_model.encoder.layers.{}.", l);
        for (const char* n : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
            out.push_back({q + "self_attn." + n + ".weight", {D, D}});
            out.push_back({q + "self_attn." + n + ".bias", {D}});
        }
        for (const char* n : {"layer_norm1", "layer_norm2"}) {
            out.push_back({q + n + ".weight", {D}});
            out.push_back({q + n + ".bias", {D}});
        }
        out.push_back({q + "mlp.fc1.weight", {F, D}});
        out.push_back({q + "mlp.fc1.bias", {F}});
        out.push_back({q + "mlp.fc2.weight", {D, F}});
        out.push_back({q + "mlp.fc2.bias", {D}});
    }
    out.push_back({"vision_tower.vision_model.post_layernorm.weight", {D}});
    out.push_back({"vision_tower.vision_model.post_layernorm.bias", {D}});
    out.push_back({"multi_modal_projector.linear_1.weight", {textWidth, c.featureWidth()}});
    if (c.projectorBias) out.push_back({"multi_modal_projector.linear_1.bias", {textWidth}});
    out.push_back({"multi_modal_projector.linear_2.weight", {textWidth, textWidth}});
    if (c.projectorBias) out.push_back({"multi_modal_projector.linear_2.bias", {textWidth}});
}

std::int64_t llavaParameterCount(const LlavaConfig& c, std::int64_t textWidth) {
    std::vector<TensorSpec> specs;
    llavaTensors(c, textWidth, specs);
    std::int64_t n = 0;
    for (const auto& s : specs) {
        std::int64_t e = 1;
        for (const auto d : s.shape)
            e = saturatingMul(e, d);
        n = saturatingAdd(n, e);
    }
    return n;
}

Result<WeightStore> takeLlavaImageWeights(const LlavaConfig& c, std::int64_t textWidth, WeightStore& weights,
                                          const std::string& source) {
    WeightStore image = weights.takePrefixes({"vision_tower.", "multi_modal_projector."});
    std::vector<TensorSpec> specs;
    llavaTensors(c, textWidth, specs);
    std::set<std::string> known;
    for (const auto& s : specs) {
        const TensorRef* t = image.find(s.name);
        if (!t)
            return Error{fmt::format("{}: tensor '{}' is missing (vision_config: {} layers, {})", source,
                                     s.name, c.vision.nLayers, c.vision.modelType)};
        if (!isFloat(t->dtype) || t->dtype == DType::F64)
            return Error{fmt::format("{}: tensor '{}' has dtype {}, expected F32, F16 or BF16", t->file,
                                     s.name, dtypeName(t->dtype))};
        if (t->shape != s.shape)
            return Error{fmt::format("{}: tensor '{}' has shape {}, config says {}", t->file, s.name,
                                     shapeToString(t->shape), shapeToString(s.shape))};
        known.insert(s.name);
    }
    for (const auto& name : image.names())
        if (!known.count(name) && !startsWith(name, "vision_tower.vision_model.head."))
            return Error{fmt::format("{}: unexpected tensor '{}' for a {} vision tower with {} layers (wrong "
                                     "config?)",
                                     source, excerpt(name), c.vision.modelType, c.vision.nLayers)};
    return image;
}

} // namespace sinkscope
