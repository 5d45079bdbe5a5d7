#include "train/vlm_recipe.h"

#include "core/json_parse.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope {

using nlohmann::json;

LlavaConfig VlmRecipe::llavaConfig(std::int32_t imageTokenId) const {
    LlavaConfig c;
    VisionConfig& v = c.vision;
    v.tower = VisionTower::Siglip;
    v.modelType = "siglip_vision_model";
    v.dModel = dModel;
    v.dFf = dFf;
    v.nLayers = layers;
    v.nHeads = heads;
    v.channels = 3;
    v.imageSize = imageSize;
    v.patchSize = patchSize;
    v.activation = VisionActivation::GeluTanh;
    v.normEps = 1e-6;
    c.featureLayers = {layers}; // vision_feature_layer -1: the last layer's output
    c.selectStrategy = "full";
    c.imageTokenId = imageTokenId;
    c.configSeqLength = v.patches();
    c.projectorActivation = VisionActivation::GeluErf;
    c.projectorBias = true;
    return c;
}

Result<VlmRecipe> parseVlmRecipe(const std::string& text, const std::string& source) {
    auto parsed = parseJson(text, source);
    if (!parsed) return parsed.error();
    const json& j = *parsed;
    if (!j.is_object()) return Error{fmt::format("{}: top level is not an object", source)};
    for (const auto& [k, v] : j.items())
        if (k != "schedule" && k != "vision" && k != "pictures" && k != "comment")
            return Error{fmt::format("{}: unknown field '{}'", source, excerpt(k))};
    VlmRecipe r;
    if (j.contains("schedule")) {
        auto s = parseTrainConfig(j["schedule"].dump(), source + " (schedule)");
        if (!s) return s.error();
        r.schedule = *s;
    }
    // Whole numbers in [lo, hi] from an object of known keys.
    auto section = [&](const char* name, std::initializer_list<std::pair<const char*, std::int64_t*>> keys,
                       std::int64_t lo, std::int64_t hi) -> Status {
        if (!j.contains(name)) return okStatus();
        const json& o = j[name];
        if (!o.is_object()) return Error{fmt::format("{}: field '{}' must be an object", source, name)};
        for (const auto& [k, v] : o.items()) {
            std::int64_t* out = nullptr;
            for (const auto& [key, dst] : keys)
                if (k == key) out = dst;
            if (!out) return Error{fmt::format("{}: unknown field '{}.{}'", source, name, excerpt(k))};
            if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi)
                return Error{fmt::format("{}: field '{}.{}' must be a whole number in {}..{}, got {}", source,
                                         name, k, lo, hi, jsonExcerpt(v))};
            *out = v.get<std::int64_t>();
        }
        return okStatus();
    };
    std::int64_t size = r.imageSize, patch = r.patchSize, d = r.dModel, f = r.dFf, l = r.layers, h = r.heads;
    if (auto s = section("vision",
                         {{"image_size", &size},
                          {"patch_size", &patch},
                          {"hidden_size", &d},
                          {"intermediate_size", &f},
                          {"layers", &l},
                          {"heads", &h}},
                         1, 4096);
        !s)
        return s.error();
    std::int64_t seed = static_cast<std::int64_t>(r.pictureSeed),
                 valSeed = static_cast<std::int64_t>(r.valPictureSeed);
    if (auto s = section("pictures", {{"seed", &seed}, {"val_seed", &valSeed}}, 0, std::int64_t{1} << 62); !s)
        return s.error();
    if (size < 24 || size % patch != 0)
        return Error{
            fmt::format("{}: vision.image_size {} must be at least 24 and a multiple of patch_size {}",
                        source, size, patch)};
    if (d % h != 0)
        return Error{fmt::format("{}: vision.hidden_size {} is not a multiple of heads {}", source, d, h)};
    if (seed == valSeed)
        return Error{fmt::format("{}: pictures.val_seed must differ from pictures.seed ({})", source, seed)};
    r.imageSize = static_cast<int>(size);
    r.patchSize = static_cast<int>(patch);
    r.dModel = static_cast<int>(d);
    r.dFf = static_cast<int>(f);
    r.layers = static_cast<int>(l);
    r.heads = static_cast<int>(h);
    r.pictureSeed = static_cast<std::uint64_t>(seed);
    r.valPictureSeed = static_cast<std::uint64_t>(valSeed);
    return r;
}

std::string vlmRecipeToJson(const VlmRecipe& r) {
    json j;
    j["schedule"] = json::parse(trainConfigToJson(r.schedule));
    j["vision"] = {{"image_size", r.imageSize},  {"patch_size", r.patchSize}, {"hidden_size", r.dModel},
                   {"intermediate_size", r.dFf}, {"layers", r.layers},        {"heads", r.heads}};
    j["pictures"] = {{"seed", r.pictureSeed}, {"val_seed", r.valPictureSeed}};
    return j.dump(1) + "\n";
}

} // namespace sinkscope
