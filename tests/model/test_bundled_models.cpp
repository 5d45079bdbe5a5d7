// The bundled models (assets/models/*, made by `sinkscope-cli export-model`): each loads through
// the ordinary path, speaks through its tokenizer, and its sink probe gives exactly the figures
// recorded when it was exported. Together they show the contrast they are bundled for: the
// softmax default model has an attention sink, its sigmoid twin (same recipe, same data) has none.
#include "model/image_input.h"
#include "model/model.h"
#include "picture_answers.h"
#include "session/probe_sinks.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"
#include "train/export_run.h"
#include "train/vlm_trainer.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <string_view>
#include <vector>

using namespace sinkscope;

namespace {

std::string bundled(const std::string& name) {
    return std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/" + name;
}

struct Bundled {
    std::unique_ptr<Model> model;
    SinkProbeResult probe;
};

// Loads the model once and reruns its recorded sink probe on it. The record was made on the machine
// that trained the model; another CPU or BLAS kernel rounds differently, so the loss agrees to a
// relative 1e-5, and a (sequence, head) whose alpha_0 lies within rounding of eps may fall on either
// side: the rate may differ by a couple of such flips, never more.
Bundled loadAndReproduceRecordedProbe(const std::string& dir) {
    auto m = Model::load(dir);
    EXPECT_TRUE(m.ok()) << m.error().message;
    if (!m.ok()) return {};
    EXPECT_NE(m.value()->tokenizer(), nullptr);
    auto recorded = readRecordedProbe(dir);
    EXPECT_TRUE(recorded.ok()) << recorded.error().message;
    if (!recorded.ok()) return {std::move(*m), {}};
    auto probe = runSinkProbe(**m, recorded->sequences, recorded->eps);
    EXPECT_TRUE(probe.ok()) << probe.error().message;
    if (!probe.ok()) return {std::move(*m), {}};
    const auto& c = m.value()->config();
    const double oneFlip = 100.0 / (static_cast<double>(recorded->sequences.size()) * c.nLayers * c.nHeads);
    EXPECT_NEAR(probe->sinkRate, recorded->recorded.sinkRate, 2 * oneFlip + 1e-9) << dir;
    EXPECT_NEAR(probe->meanLoss, recorded->recorded.meanLoss, 1e-5 * recorded->recorded.meanLoss) << dir;
    return {std::move(*m), *probe};
}

// The documents of a corpus file (tools/corpus/README.md: separated by a line "<|endoftext|>").
std::vector<std::string> corpusDocuments(const std::string& path) {
    std::string text = test::readBytes(path);
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    std::vector<std::string> docs;
    constexpr std::string_view sep = "\n<|endoftext|>\n";
    for (std::size_t at = 0;;) {
        const auto next = text.find(sep, at);
        docs.push_back(text.substr(at, next - at));
        if (next == std::string::npos) break;
        at = next + sep.size();
    }
    return docs;
}

TEST(DefaultModel, LoadsAndReproducesItsRecordedSinkProbe) {
    const auto b = loadAndReproduceRecordedProbe(bundled("default"));
    // The sink the model is bundled to show: about half of the (sequence, layer, head) triples put
    // over 30 % of their attention on BOS (recorded 49.2 %), one head about two thirds (0.67).
    EXPECT_GT(b.probe.sinkRate, 40.0);
    EXPECT_GT(largestAlpha0(b.probe.alpha0), 0.5);
}

// Held-out documents of the real training corpus (tests/data/corpus/val_sample.txt: Austen, the
// KJV, a State of the Union address and Moby Dick, cut from val.txt of scripts/prepare_corpus.sh)
// come back byte for byte through the tokenizer the default model was trained with, curly quotes
// and dashes included, and at the compression a BPE learned on English gives.
TEST(DefaultModel, TokenizerRoundTripsHeldOutCorpusText) {
    auto tok = loadHfTokenizerJson(bundled("default") + "/tokenizer.json");
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    const auto docs = corpusDocuments(test::dataPath("corpus/val_sample.txt"));
    ASSERT_EQ(docs.size(), 4u);
    for (const auto& doc : docs) {
        auto ids = (*tok)->encode(doc, true);
        ASSERT_TRUE(ids.ok()) << ids.error().message;
        ASSERT_FALSE(ids->empty());
        EXPECT_EQ(ids->front(), *(*tok)->bosId());
        EXPECT_EQ((*tok)->decode({ids->begin() + 1, ids->end()}), doc) << doc.substr(0, 60);
        // Merges learned on English: over 3 bytes a token (3.6-4.1 here; bytes alone would be 1).
        EXPECT_GT(static_cast<double>(doc.size()) / static_cast<double>(ids->size()), 3.0)
            << doc.substr(0, 60);
    }
}

TEST(SigmoidModel, LoadsAndHasNoAttentionSink) {
    const auto b = loadAndReproduceRecordedProbe(bundled("sigmoid"));
    ASSERT_NE(b.model, nullptr);
    EXPECT_EQ(b.model->config().attention, AttentionKind::Sigmoid);
    EXPECT_LT(b.probe.sinkRate, 1.0);
    EXPECT_LT(largestAlpha0(b.probe.alpha0), 0.3);
}

} // namespace

// The picture demo (`train-vlm --export`, bf16): a LLaVA model around the bundled default language
// model whose held-out answers, measured again through the app's own image path, are those its
// timeline records (within a few answers: the record was made in float32 on the training machine).
TEST(BundledModels, PictureDemoAnswersAsRecorded) {
    const std::string dir = bundled("picture-demo");
    if (!std::filesystem::exists(dir + "/config.json")) GTEST_SKIP() << "no picture demo bundled";
    auto model = Model::load(dir);
    ASSERT_TRUE(model.ok()) << model.error().message;
    ASSERT_NE(llavaConfig(**model), nullptr);
    auto recipeText = test::readBytes(dir + "/training_recipe.json");
    auto recipe = parseVlmRecipe(recipeText, dir + "/training_recipe.json");
    ASSERT_TRUE(recipe.ok()) << recipe.error().message;
    auto timeline = readVlmTimeline(dir);
    ASSERT_TRUE(timeline.ok()) << timeline.error().message;
    ASSERT_FALSE(timeline->empty());
    const VlmPoint& recorded = timeline->back();
    const test::HeldOutAnswers measured = test::measureHeldOutAnswers(**model, dir, *recipe);
    EXPECT_EQ(measured.questions, recorded.questions);
    EXPECT_NEAR(measured.exact, recorded.exactMatch * recorded.questions, 4.0);
    EXPECT_NEAR(measured.loss, recorded.valLoss, 0.03 * recorded.valLoss);
    // The language model inside is the bundled default's: a text prompt gives its logits.
    auto lm = Model::load(bundled("default"));
    ASSERT_TRUE(lm.ok());
    auto ids = (*lm)->tokenizer()->encode("The ball went very high and", true);
    ASSERT_TRUE(ids.ok());
    auto a = (*lm)->forward(*ids, nullptr), b = (*model)->forward(*ids, nullptr);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->logits, b->logits);
}
