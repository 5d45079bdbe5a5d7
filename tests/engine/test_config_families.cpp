// config.json of every supported family: the published configs of the models researchers study
// parse to the right family, features and parameter count (tools/make_expected_configs.py counts
// them independently from the Hugging Face tensor layout); family details that decide numbers
// (which layers are windowed, rotary width, scales, soft-caps) follow the config classes' rules.
#include "io/model_config.h"
#include "io/weight_spec.h"
#include "test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

nlohmann::json readJson(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return nlohmann::json::parse(s.str());
}

ModelConfig parsed(const nlohmann::json& j) {
    auto c = parseHfConfig(j.dump(), "c.json");
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? *c : ModelConfig{};
}

std::string refusal(const nlohmann::json& j) {
    auto c = parseHfConfig(j.dump(), "c.json");
    return c.ok() ? "accepted" : c.error().message;
}

nlohmann::json base(const std::string& type, int layers = 4) {
    return {{"model_type", type},
            {"num_hidden_layers", layers},
            {"num_attention_heads", 4},
            {"hidden_size", 64},
            {"intermediate_size", 128},
            {"vocab_size", 100},
            {"max_position_embeddings", 512}};
}

std::vector<int> windows(const ModelConfig& c) {
    std::vector<int> w;
    for (int l = 0; l < c.nLayers; ++l)
        w.push_back(c.windowOf(l));
    return w;
}

} // namespace

TEST(RealConfigs, EveryPublishedConfigParsesWithItsParameterCount) {
    const auto expected = readJson(dataPath("configs/expected.json"));
    ASSERT_GE(expected.size(), 17u);
    for (const auto& [name, e] : expected.items()) {
        SCOPED_TRACE(name);
        auto c = loadHfConfig(dataPath("configs/" + e["file"].get<std::string>()));
        ASSERT_TRUE(c.ok()) << c.error().message;
        EXPECT_EQ(c->modelType, e["model_type"].get<std::string>());
        EXPECT_EQ(parameterCount(*c), e["parameters"].get<std::int64_t>());
        EXPECT_EQ(expectedTensorCount(*c), e["tensors"].get<std::int64_t>());
        // The count is the architecture's, so the config written back must give it again.
        auto back = parseHfConfig(toHfConfigJson(*c), "back.json");
        ASSERT_TRUE(back.ok()) << back.error().message;
        EXPECT_EQ(parameterCount(*back), parameterCount(*c));
        EXPECT_EQ(modelFeatures(*back), modelFeatures(*c));
    }
}

TEST(RealConfigs, FeaturesAreTheOnesTheModelCardsName) {
    auto load = [](const char* f) {
        auto c = loadHfConfig(dataPath(std::string("configs/") + f));
        EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
        return c.ok() ? *c : ModelConfig{};
    };
    const auto gemma2 = load("gemma-2-2b.config.json");
    EXPECT_EQ(gemma2.family, Family::Gemma);
    EXPECT_EQ(modelFeatures(gemma2),
              (std::vector<std::string>{"window 4096 (13 of 26 layers)", "soft-cap 50/30", "GQA 8:4"}));
    EXPECT_DOUBLE_EQ(gemma2.scoreScale(), 1.0 / 16.0); // query_pre_attn_scalar 256
    const auto gemma3 = load("gemma-3-1b-pt.config.json");
    EXPECT_EQ(gemma3.windowOf(4), 512);
    EXPECT_EQ(gemma3.windowOf(5), 0); // every sixth layer is global
    EXPECT_EQ(gemma3.localRopeTheta, 10000.0);
    EXPECT_EQ(gemma3.ropeTheta, 1e6);
    EXPECT_EQ(gemma3.qkNorm, QkNorm::PerHead);
    EXPECT_EQ(gemma3.attnSoftcap, 0.0f);
    const auto pythia = load("pythia-160m.config.json");
    EXPECT_EQ(pythia.family, Family::GptNeox);
    EXPECT_EQ(pythia.rotaryDims(), 16); // 25 % of 64
    EXPECT_EQ(pythia.layout, BlockLayout::Parallel);
    EXPECT_FALSE(pythia.tieEmbeddings);
    const auto phi35 = load("Phi-3.5-mini-instruct.config.json");
    EXPECT_EQ(phi35.rope.type, RopeScalingType::Longrope);
    EXPECT_EQ(phi35.rope.originalMaxPositions, 4096);
    EXPECT_NEAR(phi35.rope.attentionFactor, std::sqrt(1 + std::log(32.0) / std::log(4096.0)), 1e-12);
    const auto phi3 = load("Phi-3-mini-4k-instruct.config.json");
    EXPECT_EQ(modelFeatures(phi3)[0], "window 2047");
    const auto opt350 = load("opt-350m.config.json");
    EXPECT_EQ(opt350.layout, BlockLayout::PostLn);
    EXPECT_EQ(opt350.tokenEmbedDim(), 512);
    EXPECT_FALSE(opt350.finalNorm);
    const auto olmo = load("OLMo-2-0425-1B.config.json");
    EXPECT_EQ(olmo.qkNorm, QkNorm::FullWidth);
    EXPECT_EQ(olmo.layout, BlockLayout::PostSublayer);
    const auto mistral = load("Mistral-7B-v0.1.config.json");
    EXPECT_EQ(windows(mistral), std::vector<int>(32, 4096));
    const auto qwen25 = load("Qwen2.5-0.5B.config.json");
    EXPECT_TRUE(modelFeatures(qwen25).size() == 1 && modelFeatures(qwen25)[0] == "GQA 14:2"); // no window
}

// Qwen2Config / Qwen3Config: windows only with use_sliding_window, on layers >= max_window_layers;
// layer_types, when given, decides alone.
TEST(ConfigWindows, QwenFollowsUseSlidingWindowAndMaxWindowLayers) {
    for (const char* type : {"qwen2", "qwen3"}) {
        auto j = base(type);
        j["sliding_window"] = 8;
        j["max_window_layers"] = 2;
        EXPECT_EQ(windows(parsed(j)), (std::vector<int>{0, 0, 0, 0})) << type;
        j["use_sliding_window"] = true;
        EXPECT_EQ(windows(parsed(j)), (std::vector<int>{0, 0, 8, 8})) << type;
        j["max_window_layers"] = 0;
        EXPECT_EQ(windows(parsed(j)), (std::vector<int>{8, 8, 8, 8})) << type;
        j["layer_types"] = {"sliding_attention", "full_attention", "full_attention", "sliding_attention"};
        EXPECT_EQ(windows(parsed(j)), (std::vector<int>{8, 0, 0, 8})) << type;
        j["layer_types"] = {"sliding_attention"};
        EXPECT_EQ(refusal(j),
                  "c.json: layer_types must list one entry per layer (4), got [\"sliding_attention\"]");
    }
}

TEST(ConfigWindows, MistralDefaultsTo4096AndNullTurnsItOff) {
    auto j = base("mistral");
    EXPECT_EQ(windows(parsed(j)), (std::vector<int>{4096, 4096, 4096, 4096}));
    j["sliding_window"] = nullptr;
    EXPECT_EQ(windows(parsed(j)), (std::vector<int>{0, 0, 0, 0}));
    j["sliding_window"] = 0;
    EXPECT_EQ(refusal(j), "c.json: field 'sliding_window' must be a positive integer, got 0");
    // Llama has no windows, whatever the config says.
    auto llama = base("llama");
    llama["sliding_window"] = 16;
    EXPECT_EQ(windows(parsed(llama)), (std::vector<int>{0, 0, 0, 0}));
}

// Fields a config leaves out take the HF config class's defaults (configuration_<family>.py):
// Qwen2Config and Qwen3Config 32768 positions and untied embeddings (an lm_head.weight of its
// own), MistralConfig 4096 * 32 positions, LlamaConfig 2048.
TEST(ConfigFamilies, LeftOutFieldsTakeTheConfigClassDefaults) {
    for (const char* type : {"qwen2", "qwen3", "mistral", "llama"}) {
        auto j = base(type);
        j.erase("max_position_embeddings");
        j.erase("tie_word_embeddings");
        const auto c = parsed(j);
        EXPECT_FALSE(c.tieEmbeddings) << type;
        const std::string t = type;
        EXPECT_EQ(c.maxPositions, t == "mistral" ? 131072 : t == "llama" ? 2048 : 32768) << type;
        j["tie_word_embeddings"] = true;
        EXPECT_TRUE(parsed(j).tieEmbeddings) << type;
    }
}

TEST(ConfigWindows, GemmaPatternsMakeEveryNthLayerGlobal) {
    auto g2 = base("gemma2");
    g2["sliding_window"] = 16;
    EXPECT_EQ(windows(parsed(g2)), (std::vector<int>{16, 0, 16, 0}));
    auto g3 = base("gemma3_text", 7);
    g3["sliding_window"] = 32;
    EXPECT_EQ(windows(parsed(g3)), (std::vector<int>{32, 32, 32, 32, 32, 0, 32}));
    g3["sliding_window_pattern"] = 3;
    EXPECT_EQ(windows(parsed(g3)), (std::vector<int>{32, 32, 0, 32, 32, 0, 32}));
}

TEST(ConfigFamilies, GemmaDefaultsAndCaps) {
    const auto g1 = parsed(base("gemma"));
    EXPECT_EQ(g1.headDim, 256); // GemmaConfig's default, whatever hidden / heads is
    EXPECT_TRUE(g1.embedScale);
    EXPECT_EQ(g1.normKind, NormType::RmsPlusOne);
    EXPECT_EQ(g1.activation, Activation::GeluTanh);
    EXPECT_DOUBLE_EQ(g1.scoreScale(), 1.0 / 16.0);
    auto j = base("gemma2");
    j["head_dim"] = 16;
    j["query_pre_attn_scalar"] = 144;
    auto g2 = parsed(j);
    EXPECT_DOUBLE_EQ(g2.scoreScale(), 1.0 / 12.0);
    EXPECT_EQ(g2.attnSoftcap, 50.0f);
    EXPECT_EQ(g2.finalSoftcap, 30.0f);
    j["attn_logit_softcapping"] = nullptr;
    j["final_logit_softcapping"] = -1;
    EXPECT_EQ(refusal(j), "c.json: field 'final_logit_softcapping' must be positive or null, got -1");
    j["final_logit_softcapping"] = nullptr;
    g2 = parsed(j);
    EXPECT_EQ(g2.attnSoftcap, 0.0f);
    EXPECT_EQ(g2.finalSoftcap, 0.0f);
}

TEST(ConfigFamilies, PartialRotaryFollowsIntHeadDimTimesFactor) {
    auto neox = base("gpt_neox");
    neox["rotary_pct"] = 0.25;
    EXPECT_EQ(parsed(neox).rotaryDims(), 4); // head 16
    neox["rotary_pct"] = 0.1;                // int(1.6) = 1: odd
    EXPECT_EQ(refusal(neox),
              "c.json: the rotary dimension 1 (head_dim 16 x 0.1) must be even and at least 2");
    auto phi = base("phi3");
    phi["partial_rotary_factor"] = 0.75;
    EXPECT_EQ(parsed(phi).rotaryDims(), 12);
    auto llama = base("llama");
    llama["partial_rotary_factor"] = 0.5;
    EXPECT_EQ(
        refusal(llama),
        "c.json: partial_rotary_factor 0.5 is not supported for model_type 'llama' (RoPE on the whole head)");
}

TEST(ConfigFamilies, OptLayoutsAndRefusals) {
    auto j = nlohmann::json{
        {"model_type", "opt"}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},      {"hidden_size", 64},
        {"ffn_dim", 256},      {"vocab_size", 100},      {"max_position_embeddings", 128}};
    auto pre = parsed(j);
    EXPECT_EQ(pre.layout, BlockLayout::PreNorm);
    EXPECT_TRUE(pre.finalNorm);
    EXPECT_EQ(pre.positionOffset, 2);
    EXPECT_EQ(pre.activation, Activation::Relu);
    j["do_layer_norm_before"] = false;
    j["word_embed_proj_dim"] = 32;
    auto post = parsed(j);
    EXPECT_EQ(post.layout, BlockLayout::PostLn);
    EXPECT_FALSE(post.finalNorm);
    EXPECT_EQ(post.tokenEmbedDim(), 32);
    j["layer_norm_elementwise_affine"] = false;
    EXPECT_EQ(refusal(j), "c.json: layer_norm_elementwise_affine false is not supported");
}

TEST(ConfigFamilies, RefusalsNameTheValue) {
    EXPECT_EQ(refusal(base("mamba")),
              "c.json: model_type 'mamba' is not supported (gpt2, llama, mistral, qwen2, "
              "qwen3, gemma, gemma2, gemma3_text, gpt_neox, phi3, olmo2, opt, llava)");
    EXPECT_NE(refusal(base("gemma3")).find("model_type 'gemma3' is Gemma 3's image+text model"),
              std::string::npos);
    auto phi = base("phi3");
    phi["rope_scaling"] = {{"type", "longrope"}, {"short_factor", {1.0, 2.0}}, {"long_factor", {1.0, 2.0}}};
    EXPECT_EQ(refusal(phi), "c.json: rope_scaling long_factor and short_factor have 2 entries, the 16 rotary "
                            "dimensions need 8");
    phi["rope_scaling"] = {{"type", "mrope"}};
    EXPECT_EQ(refusal(phi),
              "c.json: rope_scaling type 'mrope' is not supported (llama3, linear, dynamic, yarn, longrope)");
    auto act = base("olmo2");
    act["hidden_act"] = "gelu";
    EXPECT_EQ(refusal(act), "c.json: hidden_act 'gelu' is not supported (silu)");
}
