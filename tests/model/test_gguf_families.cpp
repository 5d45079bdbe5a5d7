// GGUF files of every architecture SinkScope reads, written as llama.cpp's converter writes them
// (tools/make_gguf_families.py): each must load with its embedded vocabulary and give the NumPy
// reference's logits, attention per query head, hidden-state norms and greedy continuation. The
// lossless conversions (BF16/F16/F32, as the checkpoint was stored) must also give the logits of
// the checkpoint directory they were converted from; the K-quant files are checked against the
// reference run on the weights they decode to. Files the engine cannot read are refused with one
// line naming the value.
#include "cli_run.h"
#include "golden.h"
#include "greedy_check.h"
#include "model/model.h"
#include "norm_recorder.h"
#include "session/capture.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

constexpr double kTol = 1e-4;

struct Case {
    const char* golden; // tests/data/golden/<golden>.safetensors
    const char* file;   // tests/data/models/gguf/<file>.gguf
    const char* hfDir;  // tests/data/models/<hfDir>: the checkpoint a lossless file was converted from
};

// The checkpoints' own goldens: the generator checks that these files decode to exactly the
// checkpoint's weights (tiny_gemma2_gguf / tiny_gemma3_gguf are the variants GGUF can express:
// query_pre_attn_scalar = head_dim, Gemma 3's sliding pattern 6).
const Case kLossless[] = {
    {"tiny_llama3_rope", "tiny_llama3_rope_bf16", "tiny_llama3_rope"}, // rope_freqs tensor
    {"tiny_llama_linear", "tiny_llama_linear_bf16", "tiny_llama_linear"},
    {"tiny_llama_yarn", "tiny_llama_yarn_bf16", "tiny_llama_yarn"},
    {"tiny_qwen2", "tiny_qwen2_f16", "tiny_qwen2"},
    {"tiny_qwen3", "tiny_qwen3_bf16", "tiny_qwen3"},
    {"tiny_gemma", "tiny_gemma_bf16", "tiny_gemma"},
    {"tiny_gemma2_gguf", "tiny_gemma2_gguf_bf16", "tiny_gemma2_gguf"},
    {"tiny_gemma3_gguf", "tiny_gemma3_gguf_bf16", "tiny_gemma3_gguf"},
    {"tiny_phi3", "tiny_phi3_bf16", "tiny_phi3"},
    {"tiny_phi3_longrope", "tiny_phi3_longrope_f16", "tiny_phi3_longrope"},       // long factors
    {"tiny_phi3_longrope_cross", "tiny_phi3_longrope_f16", "tiny_phi3_longrope"}, // short ones
    {"tiny_pythia", "tiny_pythia_f16", "tiny_pythia"},
    {"tiny_neox_sequential", "tiny_neox_sequential_f32", "tiny_neox_sequential"},
    {"tiny_olmo2", "tiny_olmo2_bf16", "tiny_olmo2"},
};

const Case kQuantized[] = {
    {"gguf_llama_q4_k", "llama_q4_k", nullptr},   {"gguf_qwen2_q5_k", "qwen2_q5_k", nullptr},
    {"gguf_qwen3_q6_k", "qwen3_q6_k", nullptr},   {"gguf_gemma_q4_k", "gemma_q4_k", nullptr},
    {"gguf_gemma2_q3_k", "gemma2_q3_k", nullptr}, {"gguf_gemma3_q4_k", "gemma3_q4_k", nullptr},
    {"gguf_phi3_q2_k", "phi3_q2_k", nullptr},     {"gguf_gptneox_q4_k", "gptneox_q4_k", nullptr},
    {"gguf_olmo2_q5_k", "olmo2_q5_k", nullptr},
};

std::string ggufPath(const Case& c) {
    return dataPath(std::string("models/gguf/") + c.file + ".gguf");
}
Golden goldenOf(const Case& c) {
    return loadGolden(dataPath(std::string("golden/") + c.golden + ".safetensors"));
}

class GgufFamilyTest : public ::testing::TestWithParam<Case> {};

TEST_P(GgufFamilyTest, LoadsWithTheEmbeddedVocabulary) {
    const auto golden = goldenOf(GetParam());
    auto model = Model::load(ggufPath(GetParam()));
    ASSERT_TRUE(model.ok()) << model.error().message;
    EXPECT_NE(model.value()->describe().find("GGUF"), std::string::npos) << model.value()->describe();
    ASSERT_EQ(golden.logitsShape.size(), 2u);
    EXPECT_EQ(model.value()->config().vocabSize, golden.logitsShape[1]);
    ASSERT_NE(model.value()->tokenizer(), nullptr) << "the vocabulary embedded in the file";
    EXPECT_EQ(model.value()->tokenizer()->vocabSize(), golden.logitsShape[1]);
}

TEST_P(GgufFamilyTest, ForwardMatchesReference) {
    const auto golden = goldenOf(GetParam());
    auto model = Model::load(ggufPath(GetParam()));
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

TEST_P(GgufFamilyTest, GreedyGenerationWithCacheMatchesReference) {
    const auto golden = goldenOf(GetParam());
    auto model = Model::load(ggufPath(GetParam()));
    ASSERT_TRUE(model.ok()) << model.error().message;
    GenerationOptions g;
    g.maxNewTokens = static_cast<int>(golden.greedyIds.size());
    g.stopAtEos = false;
    auto out = model.value()->generate(golden.tokenIds, g, nullptr);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(greedyMismatch(*model.value(), golden.tokenIds, out->generated, golden.greedyIds), "");
}

// A lossless conversion is the checkpoint: the engine must not tell the two apart.
class GgufLosslessTest : public ::testing::TestWithParam<Case> {};

TEST_P(GgufLosslessTest, GivesTheLogitsOfTheCheckpointDirectory) {
    const auto golden = goldenOf(GetParam());
    auto gguf = Model::load(ggufPath(GetParam()));
    auto hf = Model::load(dataPath(std::string("models/") + GetParam().hfDir));
    ASSERT_TRUE(gguf.ok()) << gguf.error().message;
    ASSERT_TRUE(hf.ok()) << hf.error().message;
    auto a = gguf.value()->forward(golden.tokenIds, nullptr, /*allLogits=*/true);
    auto b = hf.value()->forward(golden.tokenIds, nullptr, /*allLogits=*/true);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->logits.size(), b->logits.size());
    EXPECT_LE(worstRelativeError(a->logits, b->logits, kTol), 1.0);
}

auto caseName = [](const auto& param) { return std::string(param.param.golden); };

INSTANTIATE_TEST_SUITE_P(Lossless, GgufFamilyTest, ::testing::ValuesIn(kLossless), caseName);
INSTANTIATE_TEST_SUITE_P(KQuant, GgufFamilyTest, ::testing::ValuesIn(kQuantized), caseName);
INSTANTIATE_TEST_SUITE_P(Lossless, GgufLosslessTest, ::testing::ValuesIn(kLossless), caseName);

// One line naming the file and the value, from the engine and from the CLI (exit 1).
struct Refused {
    const char* file;  // tests/data/models/gguf/bad/<file>.gguf
    const char* value; // what the line must name
};

class GgufRefusedTest : public ::testing::TestWithParam<Refused> {};

TEST_P(GgufRefusedTest, OneLineNamesTheValue) {
    const auto path = dataPath(std::string("models/gguf/bad/") + GetParam().file + ".gguf");
    auto m = Model::load(path);
    ASSERT_FALSE(m.ok()) << "loaded " << path;
    const auto& message = m.error().message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(GetParam().value), std::string::npos) << message;

    const auto r = runCli("run --model " + path + " --token-ids 1,2,3");
    EXPECT_EQ(r.code, 1) << r.out;
    const auto first = r.out.find("sinkscope-cli: ");
    ASSERT_NE(first, std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("sinkscope-cli: ", first + 1), std::string::npos) << r.out;
    const auto line = r.out.substr(first, r.out.find('\n', first) - first);
    EXPECT_NE(line.find(GetParam().value), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Files, GgufRefusedTest,
                         ::testing::Values(Refused{"unknown_architecture", "mamba"},
                                           Refused{"unknown_rope_scaling", "xpos"},
                                           Refused{"iq2_xxs_tensor", "IQ2_XXS"}),
                         [](const auto& param) { return std::string(param.param.file); });

} // namespace
