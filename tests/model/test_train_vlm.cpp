// The demo picture model's trainer: an interrupted run resumes exactly where it left off, a
// checkpoint is an ordinary LLaVA directory whose language model is the frozen one it was
// attached to, and the validation loss and exact answers it records are what the engine's own
// inference path (the PNG decoded and preprocessed as the app does, batch 1, no splice of batched
// rows) measures on the same held-out scenes.
#include "cli_run.h"
#include "io/weight_store.h"
#include "model/image_input.h"
#include "model/model.h"
#include "picture_answers.h"
#include "session/image_prompt.h"
#include "temp_dir.h"
#include "tokenizer/tokenizer.h"
#include "train/shape_pictures.h"
#include "train/vlm_trainer.h"
#include "vision/png_encode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

const std::string kLm = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/default";

// A tower small enough that a few steps take about a second: 24 x 24 pictures, 9 image tokens.
VlmRecipe tinyVlmRecipe(std::int64_t steps) {
    VlmRecipe r;
    r.imageSize = 24;
    r.patchSize = 8;
    r.dModel = 16;
    r.dFf = 32;
    r.layers = 1;
    r.heads = 2;
    r.schedule.batchSize = 4;
    r.schedule.lr = 3e-3;
    r.schedule.minLr = 3e-4;
    r.schedule.warmupSteps = 1;
    r.schedule.totalSteps = steps;
    r.schedule.checkpointEvery = 2;
    r.schedule.logEvery = 1;
    r.schedule.valBatches = 2;
    r.schedule.threads = 1;
    return r;
}

VlmCallbacks quiet(std::vector<VlmPoint>* points = nullptr) {
    VlmCallbacks cb;
    cb.onCheckpoint = [points](const VlmPoint& p) {
        if (points) points->push_back(p);
    };
    return cb;
}

std::vector<float> tensorValues(const std::string& file, const std::string& name) {
    auto store = WeightStore::openSafetensors(file);
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (!store.ok()) return {};
    const TensorRef* t = store->find(name);
    EXPECT_NE(t, nullptr) << name;
    if (!t) return {};
    std::vector<float> v(static_cast<std::size_t>(t->nbytes / 4));
    std::memcpy(v.data(), t->data, t->nbytes);
    return v;
}

} // namespace

TEST(VlmTrainer, ResumedRunMatchesAnUninterruptedOne) {
    TempDir t;
    ASSERT_TRUE(startVlmTraining(t.path("straight"), kLm, tinyVlmRecipe(4), quiet()).ok());
    int steps = 0;
    VlmCallbacks stopping = quiet();
    stopping.onProgress = [&](const TrainProgress&) { ++steps; };
    stopping.shouldStop = [&] { return steps == 2; };
    auto first = startVlmTraining(t.path("split"), kLm, tinyVlmRecipe(4), stopping);
    ASSERT_TRUE(first.ok()) << first.error().message;
    auto second = resumeVlmTraining(t.path("split"), 0, quiet());
    ASSERT_TRUE(second.ok()) << second.error().message;
    for (const char* name : {"vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight",
                             "multi_modal_projector.linear_2.weight"}) {
        const auto a = tensorValues(t.path("straight/checkpoint/model.safetensors"), name);
        const auto b = tensorValues(t.path("split/checkpoint/model.safetensors"), name);
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            ASSERT_NEAR(a[i], b[i], 1e-6) << name << " [" << i << "]";
    }
    // Starting again in the same directory is refused in one line.
    auto again = startVlmTraining(t.path("straight"), kLm, tinyVlmRecipe(4), quiet());
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find("already holds a run"), std::string::npos);
}

TEST(VlmTrainer, CheckpointIsALlavaModelAroundTheFrozenLanguageModel) {
    TempDir t;
    ASSERT_TRUE(startVlmTraining(t.path("run"), kLm, tinyVlmRecipe(2), quiet()).ok());
    auto vlm = Model::load(t.path("run/checkpoint"));
    ASSERT_TRUE(vlm.ok()) << vlm.error().message;
    const LlavaConfig* l = llavaConfig(**vlm);
    ASSERT_NE(l, nullptr);
    auto lm = Model::load(kLm);
    ASSERT_TRUE(lm.ok()) << lm.error().message;
    // <image> is the id after the language model's last one, and the tokenizer knows it.
    EXPECT_EQ(l->imageTokenId, (*lm)->config().vocabSize);
    auto ids = (*vlm)->tokenizer()->encode("<image>", false);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids, std::vector<std::int32_t>{l->imageTokenId});
    // A text prompt runs exactly as on the language model alone: its weights were never touched.
    auto text = (*lm)->tokenizer()->encode("Once upon a time there was a red ball.", true);
    ASSERT_TRUE(text.ok());
    auto a = (*lm)->forward(*text, nullptr, true), b = (*vlm)->forward(*text, nullptr, true);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->logits, b->logits);
}

TEST(VlmTrainer, RecordedValidationIsWhatTheEngineMeasures) {
    TempDir t;
    const VlmRecipe recipe = tinyVlmRecipe(4);
    std::vector<VlmPoint> points;
    ASSERT_TRUE(startVlmTraining(t.path("run"), kLm, recipe, quiet(&points)).ok());
    ASSERT_FALSE(points.empty());
    const VlmPoint& last = points.back();
    auto model = Model::load(t.path("run/checkpoint"));
    ASSERT_TRUE(model.ok()) << model.error().message;
    const HeldOutAnswers measured = measureHeldOutAnswers(**model, t.path("run/checkpoint"), recipe);
    EXPECT_NEAR(last.valLoss, measured.loss, 1e-4 * measured.loss);
    EXPECT_EQ(last.questions, measured.questions);
    EXPECT_NEAR(last.exactMatch * last.questions, measured.exact, 0.5);
}

TEST(VlmTrainer, RecipeErrorsNameTheField) {
    auto bad = [](const std::string& text) {
        auto r = parseVlmRecipe(text, "r.json");
        return r.ok() ? std::string("accepted") : r.error().message;
    };
    EXPECT_EQ(bad(R"({"vision": {"size": 3}})"), "r.json: unknown field 'vision.size'");
    EXPECT_EQ(bad(R"({"vision": {"image_size": 60}})"),
              "r.json: vision.image_size 60 must be at least 24 and a multiple of patch_size 8");
    EXPECT_EQ(bad(R"({"vision": {"heads": 0}})"),
              "r.json: field 'vision.heads' must be a whole number in 1..4096, got 0");
    EXPECT_EQ(bad(R"({"pictures": {"seed": 3, "val_seed": 3}})"),
              "r.json: pictures.val_seed must differ from pictures.seed (3)");
    EXPECT_EQ(bad(R"({"schedule": {"lr": "fast"}})"),
              "r.json (schedule): field 'lr' must be a number in range, got \"fast\"");
    EXPECT_EQ(bad(R"({"extra": 1})"), "r.json: unknown field 'extra'");
    auto round = parseVlmRecipe(vlmRecipeToJson(VlmRecipe{}), "x");
    ASSERT_TRUE(round.ok()) << round.error().message;
    EXPECT_EQ(vlmRecipeToJson(*round), vlmRecipeToJson(VlmRecipe{}));
}

// Bad starts of `train-vlm` get one line naming what is wrong, exit 1, and leave no run behind.
TEST(VlmTrainer, CliRefusesBadStartsInOneLine) {
    TempDir t;
    auto noLm = runCli("train-vlm --run " + t.path("a"));
    EXPECT_EQ(noLm.code, 1);
    EXPECT_NE(noLm.out.find("a new run needs --lm DIR"), std::string::npos) << noLm.out;
    EXPECT_FALSE(std::filesystem::exists(t.path("a/recipe.json")));
    std::ofstream(t.path("bad.json")) << R"({"vision": {"image_size": 60}})";
    auto badRecipe =
        runCli("train-vlm --run " + t.path("b") + " --lm " + kLm + " --recipe " + t.path("bad.json"));
    EXPECT_EQ(badRecipe.code, 1);
    EXPECT_NE(badRecipe.out.find(
                  "bad.json: vision.image_size 60 must be at least 24 and a multiple of patch_size 8"),
              std::string::npos)
        << badRecipe.out;
    EXPECT_FALSE(std::filesystem::exists(t.path("b/recipe.json")));
    auto noRun = runCli("train-vlm --run " + t.path("c") + " --resume");
    EXPECT_EQ(noRun.code, 1);
    EXPECT_NE(noRun.out.find("no run to resume"), std::string::npos) << noRun.out;
}
