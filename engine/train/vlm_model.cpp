#include "train/vlm_model.h"

#include "core/atomic_file.h"
#include "io/llava_weights.h"
#include "io/weight_spec.h"
#include "io/weight_store.h"
#include "train/train_model.h"

#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope::detail {

namespace {

using nlohmann::json;

const std::string kTower = "vision_tower.vision_model.";
const std::string kProjector = "multi_modal_projector.";

std::string layerName(std::size_t l, const char* part) {
    return fmt::format("{}encoder.layers.{}.{}", kTower, l, part);
}

json llavaConfigJson(const LlavaConfig& lc, const ModelConfig& text) {
    const VisionConfig& v = lc.vision;
    json j;
    j["model_type"] = "llava";
    j["architectures"] = {"LlavaForConditionalGeneration"};
    j["image_token_index"] = lc.imageTokenId;
    j["image_seq_length"] = lc.imageTokens();
    j["vision_feature_layer"] = -1;
    j["vision_feature_select_strategy"] = lc.selectStrategy;
    j["projector_hidden_act"] = visionActivationName(lc.projectorActivation);
    j["multimodal_projector_bias"] = lc.projectorBias;
    j["tie_word_embeddings"] = text.tieEmbeddings;
    j["text_config"] = json::parse(toHfConfigJson(text));
    j["vision_config"] = {{"model_type", "siglip_vision_model"},
                          {"hidden_size", v.dModel},
                          {"intermediate_size", v.dFf},
                          {"num_hidden_layers", v.nLayers},
                          {"num_attention_heads", v.nHeads},
                          {"num_channels", v.channels},
                          {"image_size", v.imageSize},
                          {"patch_size", v.patchSize},
                          {"hidden_act", visionActivationName(v.activation)},
                          {"layer_norm_eps", v.normEps},
                          {"vision_use_head", false}};
    return j;
}

json preprocessorJson(const LlavaConfig& lc) {
    const int s = lc.vision.imageSize;
    return {{"image_processor_type", "SiglipImageProcessor"},
            {"do_resize", true},
            {"size", {{"height", s}, {"width", s}}},
            {"resample", 3},
            {"do_rescale", true},
            {"rescale_factor", 1.0 / 255.0},
            {"do_normalize", true},
            {"image_mean", {0.5, 0.5, 0.5}},
            {"image_std", {0.5, 0.5, 0.5}},
            {"do_convert_rgb", true}};
}

} // namespace

VisionWeights initVisionWeights(const LlavaConfig& c, std::int64_t textWidth, double initStd,
                                std::uint64_t seed) {
    at::manual_seed(seed);
    const VisionConfig& v = c.vision;
    const std::int64_t D = v.dModel, F = v.dFf,
                       in = static_cast<std::int64_t>(v.channels) * v.patchSize * v.patchSize;
    auto normal = [&](std::vector<std::int64_t> shape) { return at::randn(shape, at::kFloat) * initStd; };
    VisionWeights w;
    w.patchW = normal({D, in});
    w.patchB = at::zeros({D});
    w.posEmb = normal({v.patches(), D});
    for (int l = 0; l < v.nLayers; ++l) {
        VisionLayerWeights lw;
        lw.norm1W = at::ones({D});
        lw.norm1B = at::zeros({D});
        lw.norm2W = at::ones({D});
        lw.norm2B = at::zeros({D});
        for (auto* m : {&lw.wq, &lw.wk, &lw.wv})
            *m = normal({D, D});
        // Output projections scaled by 1/sqrt(2L), as the language model's (train_model.cpp).
        lw.wo = normal({D, D}) / std::sqrt(2.0 * v.nLayers);
        lw.fc1W = normal({F, D});
        lw.fc2W = normal({D, F}) / std::sqrt(2.0 * v.nLayers);
        for (auto* b : {&lw.bq, &lw.bk, &lw.bv, &lw.bo, &lw.fc2B})
            *b = at::zeros({D});
        lw.fc1B = at::zeros({F});
        w.layers.push_back(std::move(lw));
    }
    w.proj1W = normal({textWidth, static_cast<std::int64_t>(c.featureWidth())});
    w.proj1B = at::zeros({textWidth});
    w.proj2W = normal({textWidth, textWidth});
    w.proj2B = at::zeros({textWidth});
    for (auto& p : visionParameters(w))
        p.tensor->requires_grad_(true);
    return w;
}

std::vector<NamedParam> visionParameters(VisionWeights& w) {
    std::vector<NamedParam> out;
    const std::string e = kTower + "embeddings.";
    out.push_back({e + "patch_embedding.weight", &w.patchW, true});
    out.push_back({e + "patch_embedding.bias", &w.patchB, false});
    out.push_back({e + "position_embedding.weight", &w.posEmb, false});
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        auto& lw = w.layers[l];
        const std::pair<const char*, at::Tensor*> gains[] = {
            {"layer_norm1.weight", &lw.norm1W}, {"layer_norm1.bias", &lw.norm1B},
            {"layer_norm2.weight", &lw.norm2W}, {"layer_norm2.bias", &lw.norm2B},
            {"self_attn.q_proj.bias", &lw.bq},  {"self_attn.k_proj.bias", &lw.bk},
            {"self_attn.v_proj.bias", &lw.bv},  {"self_attn.out_proj.bias", &lw.bo},
            {"mlp.fc1.bias", &lw.fc1B},         {"mlp.fc2.bias", &lw.fc2B}};
        const std::pair<const char*, at::Tensor*> matrices[] = {
            {"self_attn.q_proj.weight", &lw.wq}, {"self_attn.k_proj.weight", &lw.wk},
            {"self_attn.v_proj.weight", &lw.wv}, {"self_attn.out_proj.weight", &lw.wo},
            {"mlp.fc1.weight", &lw.fc1W},        {"mlp.fc2.weight", &lw.fc2W}};
        for (const auto& [name, t] : matrices)
            out.push_back({layerName(l, name), t, true});
        for (const auto& [name, t] : gains)
            out.push_back({layerName(l, name), t, false});
    }
    out.push_back({kProjector + "linear_1.weight", &w.proj1W, true});
    out.push_back({kProjector + "linear_1.bias", &w.proj1B, false});
    out.push_back({kProjector + "linear_2.weight", &w.proj2W, true});
    out.push_back({kProjector + "linear_2.bias", &w.proj2B, false});
    return out;
}

Status saveLlavaDirectory(const std::string& dir, const LlavaConfig& lc, const ModelConfig& text,
                          TransformerWeights& lm, VisionWeights& vision, DType dtype) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{fmt::format("{}: cannot create: {}", dir, ec.message())};
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    // The llava-hf layout: the causal LM's names under language_model.
    for (const auto& p : namedParameters(text, lm))
        tensors.emplace_back("language_model." + p.name, *p.tensor);
    const VisionConfig& v = lc.vision;
    for (const auto& p : visionParameters(vision)) {
        at::Tensor t = *p.tensor;
        if (p.name == kTower + "embeddings.patch_embedding.weight") // the Conv2d's own shape
            t = t.reshape({v.dModel, v.channels, v.patchSize, v.patchSize});
        tensors.emplace_back(p.name, t);
    }
    tensors.emplace_back(kTower + "post_layernorm.weight", at::ones({v.dModel}));
    tensors.emplace_back(kTower + "post_layernorm.bias", at::zeros({v.dModel}));
    if (auto s = saveTensors(dir + "/model.safetensors", tensors, dtype); !s) return s;
    if (auto s = writeFileAtomically(dir + "/config.json", llavaConfigJson(lc, text).dump(2) + "\n"); !s)
        return s;
    return writeFileAtomically(dir + "/preprocessor_config.json", preprocessorJson(lc).dump(2) + "\n");
}

Result<VisionWeights> loadTrainableVision(const std::string& dir, const LlavaConfig& lc,
                                          std::int64_t textWidth) {
    const std::string path = dir + "/model.safetensors";
    auto store = WeightStore::openSafetensors(path);
    if (!store) return store.error();
    if (auto s = mapLlavaLayout(*store, path); !s) return s.error();
    auto image = takeLlavaImageWeights(lc, textWidth, *store, path);
    if (!image) return image.error();
    auto w = visionWeightsFromStore(lc, *image, at::kCPU);
    if (!w) return Error{fmt::format("{}: {}", path, w.error().message)};
    for (auto& p : visionParameters(*w))
        p.tensor->requires_grad_(true);
    return w;
}

Result<TransformerWeights> loadFrozenLanguageModel(const std::string& dir, const ModelConfig& c) {
    const std::string path = dir + "/model.safetensors";
    auto store = WeightStore::openSafetensors(path);
    if (!store) return store.error();
    if (auto s = validateWeights(c, *store, path); !s) return s.error();
    auto built = weightsFromStore(c, *store, at::kCPU);
    if (!built) return built.error();
    TransformerWeights w = std::move(built.value());
    if (c.tieEmbeddings) w.lmHead = w.embed;
    return w;
}

} // namespace sinkscope::detail
