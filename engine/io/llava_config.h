#pragma once
// The image half of a LLaVA checkpoint (config.json model_type "llava"): the vision tower (CLIP
// or SigLIP), which of its hidden states feed the projector, the projector, and the token the
// prompt marks image positions with. The language model is read as a plain llama / qwen2 config
// into ModelConfig itself, so it loads and runs exactly as that model does.
#include "core/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sinkscope {

enum class VisionTower {
    Clip,   // CLIPVisionModel: class token, conv without bias, pre_layrnorm
    Siglip, // SiglipVisionModel: no class token, conv with bias, no pre-layernorm
};
// ACT2FN names a LLaVA config uses for its tower and projector.
enum class VisionActivation { QuickGelu, GeluErf, GeluTanh, Silu };

struct VisionConfig {
    VisionTower tower = VisionTower::Clip;
    std::string modelType = "clip_vision_model";
    int dModel = 768;
    int dFf = 3072;
    int nLayers = 12;
    int nHeads = 12;
    int channels = 3;
    int imageSize = 224;
    int patchSize = 32;
    VisionActivation activation = VisionActivation::QuickGelu;
    double normEps = 1e-5;

    int headDim() const { return dModel / nHeads; }
    int gridSize() const { return imageSize / patchSize; }
    int patches() const { return gridSize() * gridSize(); }
    // Tokens the encoder runs on: the patches, plus CLIP's class token first.
    int tokens() const { return patches() + (tower == VisionTower::Clip ? 1 : 0); }
};

struct LlavaConfig {
    VisionConfig vision;
    // vision_feature_layer as indices into the tower's hidden states (0 = the encoder's input,
    // nLayers = the last layer's output), Python's negative indices resolved; a list concatenates
    // the states along features in this order.
    std::vector<int> featureLayers{};
    std::string selectStrategy = "default"; // "default" drops the first token, "full" keeps all
    std::int32_t imageTokenId = 32000;
    int configSeqLength = 576; // image_seq_length as written (LlavaConfig's default when absent)
    VisionActivation projectorActivation = VisionActivation::GeluErf;
    bool projectorBias = true;

    bool dropsFirstToken() const { return selectStrategy == "default"; }
    // Image tokens per image: the processor's count (LlavaProcessor: the tower's tokens, minus one
    // under "default"), not image_seq_length, which the model never reads.
    int imageTokens() const { return vision.tokens() - (dropsFirstToken() ? 1 : 0); }
    // The projector's input width: the tower's width times the number of selected states.
    int featureWidth() const { return vision.dModel * static_cast<int>(featureLayers.size()); }
};

const char* visionActivationName(VisionActivation a);

// The image half of a config.json: nullopt when its model_type is not "llava". The language model
// half is what loadHfConfig reads from the same file. Errors name the file, the field and the value.
Result<std::optional<LlavaConfig>> readLlavaConfigFile(const std::string& path);
// The same from config.json text; `source` names the file in messages.
Result<std::optional<LlavaConfig>> parseLlavaConfig(const std::string& jsonText, const std::string& source);

} // namespace sinkscope
