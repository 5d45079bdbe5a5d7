// The lesson measurements at checkpoints (train/lesson_probe.h): the StreamingLLM ratio and the
// all-head suppression KL land in timeline.json, agree with `stream-ppl` and `compare` on the
// saved checkpoint, reach a run started without them once it is resumed with them, and older
// timelines without the fields still load.
#include "cli_run.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "tiny_training.h"
#include "train/lesson_probe.h"
#include "train/trainer.h"

#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

const char* kPrompts = "the quiet river\n\nfirst token of the garden letter\n";

NewRunInputs withLesson(const Corpus& corpus, const TempDir& dir, const TrainConfig& r) {
    auto in = corpus.inputs(r);
    in.lesson = {dir.path("heldout.txt"), dir.path("prompts.txt")};
    return in;
}

TEST(TrainLesson, CheckpointsRecordTheStreamingRatioAndSuppressionKlOfTheSavedModel) {
    Corpus corpus;
    TempDir runs;
    // A few hundred tokens: the 64-token window evicts most, and nothing is cut at kLessonTokens.
    runs.write("heldout.txt", corpusText(4, 7));
    runs.write("prompts.txt", kPrompts);
    auto r = tinyRecipe();
    r.totalSteps = 4;
    ASSERT_TRUE(startTraining(runs.path("r"), withLesson(corpus, runs, r), {}).ok());
    auto timeline = readTimeline(runs.path("r"));
    ASSERT_TRUE(timeline.ok()) << timeline.error().message;
    ASSERT_EQ(timeline->size(), 2u); // step 0 (nothing saved to load yet) and step 4
    EXPECT_FALSE(timeline->front().streamPplWindow.has_value());
    const auto& p = timeline->back();
    ASSERT_TRUE(p.streamPplWindow && p.streamPplSinks && p.suppressionKl);
    EXPECT_GT(*p.streamPplWindow, 1.0);
    EXPECT_GT(*p.streamPplSinks, 1.0);
    EXPECT_GE(*p.suppressionKl, 0.0);

    // The same numbers from the CLI on the checkpoint the point was measured on.
    const auto ck = runs.path("r/checkpoint");
    auto stream = runCli("stream-ppl -m " + ck + " --text-file " + runs.path("heldout.txt") +
                         " --window 64 --sinks 0,4 --no-full --json");
    ASSERT_EQ(stream.code, 0) << stream.out;
    const auto rows = jsonOf(stream)["rows"];
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_NEAR(rows[0]["perplexity"].get<double>(), *p.streamPplWindow, 1e-6 * *p.streamPplWindow);
    EXPECT_NEAR(rows[1]["perplexity"].get<double>(), *p.streamPplSinks, 1e-6 * *p.streamPplSinks);
    double kl = 0;
    for (const char* prompt : {"the quiet river", "first token of the garden letter"}) {
        auto c = runCli("compare -m " + ck + " -p \"" + prompt + "\" -i suppress -n 0 --json");
        ASSERT_EQ(c.code, 0) << c.out;
        kl += jsonOf(c)["kl"].get<double>() / 2;
    }
    EXPECT_NEAR(kl, *p.suppressionKl, 1e-6 + 1e-5 * kl);

    std::ifstream f(runs.path("r/timeline.json"));
    const auto j = nlohmann::json::parse(f);
    EXPECT_EQ(j["lesson"]["window"], kLessonWindow);
    EXPECT_EQ(j["lesson"]["prompts"], 2);
    EXPECT_GT(j["lesson"]["heldout_tokens"].get<int>(), 2 * kLessonWindow);
    EXPECT_LT(j["lesson"]["heldout_tokens"].get<int>(), kLessonTokens);
    EXPECT_NEAR(j["points"][1]["stream_ratio"].get<double>(), *p.streamPplWindow / *p.streamPplSinks, 1e-9);

    // `timeline --run` shows the columns, with "-" at step 0 (measured on saved checkpoints only).
    auto table = runCli("timeline --run " + runs.path("r"));
    ASSERT_EQ(table.code, 0) << table.out;
    EXPECT_NE(table.out.find("stream ratio"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find(fmt::format("{:.3f}", *p.streamPplWindow / *p.streamPplSinks)),
              std::string::npos)
        << table.out;
}

TEST(TrainLesson, ARunStartedWithoutTheTextsMeasuresThemAfterAResume) {
    Corpus corpus;
    TempDir runs;
    runs.write("heldout.txt", corpusText(12, 7));
    runs.write("prompts.txt", kPrompts);
    auto r = tinyRecipe();
    r.totalSteps = 8;
    int polls = 0;
    TrainCallbacks stopEarly;
    stopEarly.shouldStop = [&] { return ++polls > 4; };
    ASSERT_TRUE(startTraining(runs.path("r"), corpus.inputs(r), stopEarly).ok());
    ASSERT_TRUE(
        resumeTraining(runs.path("r"), 0, {}, {runs.path("heldout.txt"), runs.path("prompts.txt")}).ok());
    auto timeline = readTimeline(runs.path("r"));
    ASSERT_TRUE(timeline.ok()) << timeline.error().message;
    ASSERT_GE(timeline->size(), 3u);
    EXPECT_FALSE((*timeline)[1].streamPplWindow.has_value()) << "step 4 was saved before the texts came";
    EXPECT_TRUE(timeline->back().streamPplWindow.has_value());
    EXPECT_TRUE(timeline->back().suppressionKl.has_value());
    EXPECT_TRUE(std::filesystem::exists(runs.path("r/data/heldout.txt")));
}

TEST(TrainLesson, UnusableTextsAreRefusedBeforeTrainingWithTheFileNamed) {
    Corpus corpus;
    TempDir runs;
    runs.write("heldout.txt", "too short");
    runs.write("prompts.txt", kPrompts);
    auto r = tinyRecipe();
    r.totalSteps = 2;
    auto s = startTraining(runs.path("short"), withLesson(corpus, runs, r), {});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("heldout.txt"), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("too few"), std::string::npos) << s.error().message;

    runs.write("heldout.txt", corpusText(12, 7));
    std::string many;
    for (int i = 0; i <= kLessonPrompts; ++i)
        many += "the river\n";
    runs.write("prompts.txt", many);
    s = startTraining(runs.path("many"), withLesson(corpus, runs, r), {});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("lesson_prompts.txt: 65 prompts, more than 64"), std::string::npos)
        << s.error().message;

    auto missing = corpus.inputs(r);
    missing.lesson = {runs.path("absent.txt"), ""};
    s = startTraining(runs.path("missing"), missing, {});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("absent.txt"), std::string::npos) << s.error().message;
}

TEST(TrainLesson, TimelinesWithoutTheFieldsStillLoad) {
    // The first bundled default model's timeline (tests/data/timelines/default-v1) predates the
    // lesson fields.
    const std::string v1 = dataPath("timelines/default-v1");
    auto old = readTimeline(v1);
    ASSERT_TRUE(old.ok()) << old.error().message;
    ASSERT_FALSE(old->empty());
    auto table = runCli("timeline --run " + v1);
    ASSERT_EQ(table.code, 0) << table.out;
    EXPECT_EQ(table.out.find("stream ratio"), std::string::npos) << table.out;
    for (const auto& p : *old) {
        EXPECT_FALSE(p.streamPplWindow || p.streamPplSinks || p.suppressionKl);
        EXPECT_FALSE(p.alpha0.empty());
    }
    // And the fields round-trip through the format when present.
    TimelinePoint p = old->back();
    p.streamPplWindow = 40.0;
    p.streamPplSinks = 20.0;
    p.suppressionKl = 1.5;
    TempDir dir;
    dir.write("timeline.json", timelinePointsJson({old->front(), p}));
    auto back = readTimeline(dir.path(""));
    ASSERT_TRUE(back.ok()) << back.error().message;
    ASSERT_EQ(back->size(), 2u);
    EXPECT_FALSE(back->front().suppressionKl.has_value());
    EXPECT_DOUBLE_EQ(*back->back().streamPplWindow, 40.0);
    EXPECT_DOUBLE_EQ(*back->back().streamPplSinks, 20.0);
    EXPECT_DOUBLE_EQ(*back->back().suppressionKl, 1.5);
}

} // namespace
