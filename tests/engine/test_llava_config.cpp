// LLaVA's config.json: the published llava-1.5-7b-hf file (which leaves out every text size and
// the vision tower's activation and epsilon) read with transformers' config-class defaults, the
// tiny fixtures' fields, and one clear line for each bad field.
#include "io/llava_config.h"
#include "io/llava_weights.h"
#include "io/model_config.h"
#include "io/model_directory.h"
#include "io/weight_spec.h"
#include "test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

LlavaConfig llavaOf(const std::string& path) {
    auto l = readLlavaConfigFile(path);
    EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().message);
    EXPECT_TRUE(l.ok() && l->has_value());
    return l.ok() && l->has_value() ? **l : LlavaConfig{};
}

std::string tinyConfig() {
    return R"({"model_type": "llava", "image_token_index": 100, "vision_feature_layer": -2,
      "text_config": {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64,
                      "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 104},
      "vision_config": {"hidden_size": 24, "image_size": 32, "intermediate_size": 48,
                        "num_attention_heads": 3, "num_hidden_layers": 3, "patch_size": 8}})";
}

// The error for tinyConfig() with `key` (top level, or inside `part`) set to `value`.
std::string errorWith(const std::string& part, const std::string& key, const nlohmann::json& value) {
    auto j = nlohmann::json::parse(tinyConfig());
    (part.empty() ? j : j[part])[key] = value;
    auto text = parseHfConfig(j.dump(), "cfg.json");
    if (!text) return text.error().message;
    auto l = parseLlavaConfig(j.dump(), "cfg.json");
    return l.ok() ? "" : l.error().message;
}

} // namespace

TEST(LlavaConfig, PublishedLlava15GetsTheConfigClassDefaults) {
    const std::string path = dataPath("configs/llava/llava-1.5-7b-hf.config.json");
    auto text = loadHfConfig(path);
    ASSERT_TRUE(text.ok()) << text.error().message;
    // LlamaConfig's sizes: llava-1.5's text_config names only the vocabulary and the context.
    EXPECT_EQ(text->family, Family::Llama);
    EXPECT_EQ(text->modelType, "llama");
    EXPECT_EQ(text->nLayers, 32);
    EXPECT_EQ(text->nHeads, 32);
    EXPECT_EQ(text->nKvHeads, 32);
    EXPECT_EQ(text->dModel, 4096);
    EXPECT_EQ(text->dFf, 11008);
    EXPECT_EQ(text->vocabSize, 32064);
    EXPECT_EQ(text->maxPositions, 4096);
    const LlavaConfig l = llavaOf(path);
    EXPECT_EQ(l.vision.tower, VisionTower::Clip);
    EXPECT_EQ(l.vision.dModel, 1024);
    EXPECT_EQ(l.vision.nLayers, 24);
    EXPECT_EQ(l.vision.nHeads, 16);
    EXPECT_EQ(l.vision.activation, VisionActivation::QuickGelu); // CLIPVisionConfig's default
    EXPECT_DOUBLE_EQ(l.vision.normEps, 1e-5);
    EXPECT_EQ(l.vision.tokens(), 577);
    EXPECT_EQ(l.featureLayers, std::vector<int>{23}); // -2 of 25 hidden states
    EXPECT_TRUE(l.dropsFirstToken());
    EXPECT_EQ(l.imageTokens(), 576);
    EXPECT_EQ(l.configSeqLength, 576);
    EXPECT_EQ(l.imageTokenId, 32000);
    EXPECT_EQ(l.projectorActivation, VisionActivation::GeluErf);
    EXPECT_TRUE(l.projectorBias);
    EXPECT_EQ(parameterCount(*text) + llavaParameterCount(l, text->dModel), 7063427072LL);
}

TEST(LlavaConfig, TinyFixtures) {
    const LlavaConfig clip = llavaOf(dataPath("models/tiny_llava/config.json"));
    EXPECT_EQ(clip.featureLayers, std::vector<int>{2});
    EXPECT_EQ(clip.imageTokens(), 16);
    EXPECT_EQ(clip.imageTokenId, 100);

    const LlavaConfig siglip = llavaOf(dataPath("models/tiny_llava_siglip_qwen2/config.json"));
    EXPECT_EQ(siglip.vision.tower, VisionTower::Siglip);
    EXPECT_EQ(siglip.vision.activation, VisionActivation::GeluTanh); // SiglipVisionConfig's default
    EXPECT_DOUBLE_EQ(siglip.vision.normEps, 1e-6);
    EXPECT_EQ(siglip.featureLayers, std::vector<int>{3});
    EXPECT_FALSE(siglip.dropsFirstToken());
    EXPECT_EQ(siglip.imageTokens(), 16);
    EXPECT_EQ(siglip.imageTokenId, 94);
    auto qwen = loadHfConfig(dataPath("models/tiny_llava_siglip_qwen2/config.json"));
    ASSERT_TRUE(qwen.ok()) << qwen.error().message;
    EXPECT_EQ(qwen->modelType, "qwen2");
    EXPECT_EQ(qwen->nKvHeads, 2);
    EXPECT_TRUE(qwen->tieEmbeddings);
    EXPECT_TRUE(qwen->qkvBias);

    const LlavaConfig layers = llavaOf(dataPath("models/tiny_llava_layers/config.json"));
    EXPECT_EQ(layers.featureLayers, (std::vector<int>{1, 3}));
    EXPECT_EQ(layers.imageTokens(), 17); // "full" keeps the class token
    EXPECT_EQ(layers.featureWidth(), 48);
    EXPECT_FALSE(layers.projectorBias);
    EXPECT_EQ(layers.vision.activation, VisionActivation::GeluErf);
    EXPECT_DOUBLE_EQ(layers.vision.normEps, 1e-6);
    EXPECT_EQ(layers.configSeqLength, 576); // absent: LlavaConfig's default, which the model never reads
}

TEST(LlavaConfig, ImageTokenIdIsAnAliasAndTextOnlyConfigsHaveNoImageHalf) {
    auto j = nlohmann::json::parse(tinyConfig());
    j.erase("image_token_index");
    j["image_token_id"] = 7;
    auto l = parseLlavaConfig(j.dump(), "cfg.json");
    ASSERT_TRUE(l.ok() && l->has_value()) << (l.ok() ? "" : l.error().message);
    EXPECT_EQ((*l)->imageTokenId, 7);
    auto plain = readLlavaConfigFile(dataPath("models/tiny_llama/config.json"));
    ASSERT_TRUE(plain.ok());
    EXPECT_FALSE(plain->has_value());
}

TEST(LlavaConfig, BadFieldsGetOneLineNamingFieldAndValue) {
    EXPECT_EQ(
        errorWith("", "vision_feature_layer", 4),
        "cfg.json: vision_feature_layer must be an integer or a non-empty list of integers in -4..3 (the "
        "vision tower's 4 hidden states), got 4");
    for (const auto& bad : {nlohmann::json::array({-1, "x"}), nlohmann::json::array(), nlohmann::json(-5)})
        EXPECT_EQ(
            errorWith("", "vision_feature_layer", bad).rfind("cfg.json: vision_feature_layer must be", 0), 0u)
            << bad.dump();
    EXPECT_EQ(errorWith("", "vision_feature_select_strategy", "pooled"),
              "cfg.json: vision_feature_select_strategy 'pooled' is not supported (default, full)");
    EXPECT_EQ(
        errorWith("", "projector_hidden_act", "swoosh"),
        "cfg.json: projector_hidden_act 'swoosh' is not supported (quick_gelu, gelu, gelu_pytorch_tanh, "
        "gelu_new, gelu_fast, silu)");
    EXPECT_EQ(errorWith("", "image_token_index", -1),
              "cfg.json: field 'image_token_index' must be a token id, got -1");
    // 2^32 + 1 would wrap onto id 1, a real token.
    EXPECT_EQ(errorWith("", "image_token_index", 4294967297LL),
              "cfg.json: field 'image_token_index' must be a token id, got 4294967297");
    EXPECT_EQ(errorWith("", "multimodal_projector_bias", "yes"),
              "cfg.json: field 'multimodal_projector_bias' must be true or false, got \"yes\"");
    EXPECT_EQ(errorWith("vision_config", "model_type", "vit"),
              "cfg.json vision_config: model_type 'vit' is not supported (clip_vision_model, "
              "siglip_vision_model)");
    EXPECT_EQ(errorWith("vision_config", "hidden_size", -24),
              "cfg.json vision_config: field 'hidden_size' must be a positive integer, got -24");
    EXPECT_EQ(errorWith("vision_config", "num_attention_heads", 5),
              "cfg.json vision_config: hidden_size 24 is not divisible by 5 heads");
    EXPECT_EQ(errorWith("vision_config", "patch_size", 64),
              "cfg.json vision_config: patch_size 64 is larger than image_size 32");
    EXPECT_EQ(errorWith("text_config", "model_type", "gpt2"),
              "cfg.json: text_config model_type \"gpt2\" is not supported for llava (llama, qwen2)");
    EXPECT_EQ(errorWith("text_config", "hidden_size", 0),
              "cfg.json text_config: field 'hidden_size' must be a positive integer, got 0");
    EXPECT_EQ(errorWith("", "text_config", 3), "cfg.json: field 'text_config' must be an object, got 3");
    EXPECT_EQ(errorWith("", "vision_config", "clip"),
              "cfg.json: field 'vision_config' must be an object, got \"clip\"");
}

// Both layouts map onto the plain causal-LM names plus the image half's, which is split off and
// checked against the config.
TEST(LlavaWeights, BothLayoutsMapToOneSetOfNames) {
    for (const char* name : {"tiny_llava", "tiny_llava_siglip_qwen2", "tiny_llava_layers"}) {
        auto files = openModelFiles(dataPath(std::string("models/") + name));
        ASSERT_TRUE(files.ok()) << name << ": " << files.error().message;
        ASSERT_TRUE(files->llava.has_value()) << name;
        EXPECT_TRUE(files->weights.find("model.embed_tokens.weight")) << name;
        EXPECT_TRUE(files->weights.find("model.norm.weight")) << name;
        EXPECT_EQ(files->weights.find("lm_head.weight") != nullptr, !files->config.tieEmbeddings) << name;
        EXPECT_EQ(files->weights.size(), static_cast<std::size_t>(expectedTensorCount(files->config)))
            << name;
        EXPECT_TRUE(files->imageWeights.find("vision_tower.vision_model.embeddings.patch_embedding.weight"))
            << name;
        EXPECT_TRUE(files->imageWeights.find("multi_modal_projector.linear_2.weight")) << name;
        for (const auto& n : files->weights.names())
            EXPECT_TRUE(n.rfind("model.", 0) == 0 || n.rfind("lm_head.", 0) == 0) << name << ": " << n;
    }
}
