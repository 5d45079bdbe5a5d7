// The engine against the independent NumPy reference (tools/): logits, attention per query head,
// hidden-state norms and greedy generation, for every supported format and family (RoPE scaling
// llama3, linear, dynamic and yarn; Qwen3's q/k norms; sliding windows of Mistral, Qwen2/3, Phi-3 and
// Gemma 2/3 over sequences longer than the window; Gemma 1-3, GPT-NeoX, Phi-3, OLMo-2 and OPT).
#include "golden.h"
#include "greedy_check.h"
#include "model/model.h"
#include "norm_recorder.h"
#include "session/capture.h"
#include "test_paths.h"

#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

constexpr double kTol = 1e-4;

struct Case {
    const char* name;
    std::string modelPath;
};

class GoldenTest : public ::testing::TestWithParam<Case> {};

TEST_P(GoldenTest, ForwardMatchesReference) {
    const auto golden = loadGolden(dataPath(std::string("golden/") + GetParam().name + ".safetensors"));
    auto model = Model::load(GetParam().modelPath);
    ASSERT_TRUE(model.ok()) << model.error().message;
    const auto& c = model.value()->config();
    const auto T = static_cast<std::int64_t>(golden.tokenIds.size());
    ASSERT_EQ(golden.attentionShape, (std::vector<std::int64_t>{c.nLayers, c.nHeads, T, T}));

    NormRecorder rec(c.nLayers, c.nHeads, T);
    auto out = model.value()->forward(golden.tokenIds, &rec, /*allLogits=*/true);
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_EQ(out->rows, T);
    EXPECT_LE(worstRelativeError(out->logits, golden.logits, kTol), 1.0) << "logits";

    std::vector<float> attention;
    for (int l = 0; l < c.nLayers; ++l)
        for (int h = 0; h < c.nHeads; ++h) {
            const auto m = rec.matrix(l, h, T);
            attention.insert(attention.end(), m.begin(), m.end());
        }
    EXPECT_LE(worstRelativeError(attention, golden.attention, kTol), 1.0) << "attention";
    EXPECT_LE(worstRelativeError(rec.norms(), golden.hiddenNorms, kTol), 1.0) << "hidden-state norms";
}

TEST_P(GoldenTest, GreedyGenerationWithCacheMatchesReference) {
    const auto golden = loadGolden(dataPath(std::string("golden/") + GetParam().name + ".safetensors"));
    auto model = Model::load(GetParam().modelPath);
    ASSERT_TRUE(model.ok()) << model.error().message;
    GenerationOptions g;
    g.maxNewTokens = static_cast<int>(golden.greedyIds.size());
    g.stopAtEos = false;
    auto out = model.value()->generate(golden.tokenIds, g, nullptr);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(greedyMismatch(*model.value(), golden.tokenIds, out->generated, golden.greedyIds), "");
}

INSTANTIATE_TEST_SUITE_P(
    Models, GoldenTest,
    ::testing::Values(Case{"tiny_gpt2", dataPath("models/tiny_gpt2")},
                      Case{"tiny_llama", dataPath("models/tiny_llama")},
                      Case{"tiny_qwen2", dataPath("models/tiny_qwen2")},
                      Case{"tiny_llama3_rope", dataPath("models/tiny_llama3_rope")},
                      Case{"tiny_llama_linear", dataPath("models/tiny_llama_linear")},
                      Case{"tiny_llama_dynamic", dataPath("models/tiny_llama_dynamic")},
                      Case{"tiny_llama_yarn", dataPath("models/tiny_llama_yarn")},
                      Case{"tiny_qwen3", dataPath("models/tiny_qwen3")},
                      Case{"tiny_mistral_window", dataPath("models/tiny_mistral_window")},
                      Case{"tiny_qwen2_window", dataPath("models/tiny_qwen2_window")},
                      Case{"tiny_qwen3_window", dataPath("models/tiny_qwen3_window")},
                      Case{"tiny_gemma", dataPath("models/tiny_gemma")},
                      Case{"tiny_gemma2", dataPath("models/tiny_gemma2")},
                      Case{"tiny_gemma3", dataPath("models/tiny_gemma3")},
                      Case{"tiny_gemma3_v5", dataPath("models/tiny_gemma3_v5")},
                      Case{"tiny_gemma2_gguf", dataPath("models/tiny_gemma2_gguf")},
                      Case{"tiny_gemma3_gguf", dataPath("models/tiny_gemma3_gguf")},
                      Case{"tiny_pythia", dataPath("models/tiny_pythia")},
                      Case{"tiny_neox_sequential", dataPath("models/tiny_neox_sequential")},
                      Case{"tiny_phi3", dataPath("models/tiny_phi3")},
                      Case{"tiny_phi3_longrope", dataPath("models/tiny_phi3_longrope")},
                      Case{"tiny_phi3_longrope_cross", dataPath("models/tiny_phi3_longrope")},
                      Case{"tiny_olmo2", dataPath("models/tiny_olmo2")},
                      Case{"tiny_opt", dataPath("models/tiny_opt")},
                      Case{"tiny_opt_postln", dataPath("models/tiny_opt_postln")},
                      Case{"stories260k", sharedModelPath("stories260K/stories260K.bin")}),
    [](const auto& param) { return std::string(param.param.name); });

} // namespace
