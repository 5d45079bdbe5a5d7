// A training run's timeline.json (trace/timeline_file.h): points come back bit for bit, with and
// without the lesson measurements; what the trainer describes beside them is kept; older files
// without probe_loss still read; a damaged or missing file is an error naming it.
#include "temp_dir.h"
#include "trace/timeline_file.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

TimelinePoint point(std::int64_t step, double seed) {
    TimelinePoint p;
    p.step = step;
    p.tokens = step * 4096;
    p.trainLoss = 8.0 - seed;
    p.valLoss = 8.1 - seed;
    p.probeLoss = 8.2 - seed / 3; // not a short binary fraction: checks the bits survive
    p.sinkRate = seed * 7.25;
    p.alpha0 = {{seed / 7.0, 0.1}, {0.2, seed / 11.0}};
    return p;
}

TEST(TimelineFile, PointsRoundTrip) {
    TempDir dir;
    auto lesson = point(250, 2);
    lesson.streamPplWindow = 40.5;
    lesson.streamPplSinks = 12.25;
    lesson.suppressionKl = 1.0 / 3;
    const std::vector<TimelinePoint> points{point(0, 0), lesson};
    ASSERT_TRUE(writeTimelineFile(dir.path(), points, nlohmann::json::object()).ok());
    auto back = readTimeline(dir.path());
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->size(), 2u);
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto &a = points[i], &b = (*back)[i];
        EXPECT_EQ(a.step, b.step);
        EXPECT_EQ(a.tokens, b.tokens);
        EXPECT_EQ(a.trainLoss, b.trainLoss);
        EXPECT_EQ(a.valLoss, b.valLoss);
        EXPECT_EQ(a.probeLoss, b.probeLoss);
        EXPECT_EQ(a.sinkRate, b.sinkRate);
        EXPECT_EQ(a.alpha0, b.alpha0);
        EXPECT_EQ(a.streamPplWindow, b.streamPplWindow);
        EXPECT_EQ(a.streamPplSinks, b.streamPplSinks);
        EXPECT_EQ(a.suppressionKl, b.suppressionKl);
    }
    // The points alone are the file's points with nothing beside them.
    EXPECT_EQ(timelinePointsJson(points), readBytes(dir.path(kTimelineFileName)));
}

TEST(TimelineFile, KeepsWhatTheTrainerWritesBesideThePoints) {
    TempDir dir;
    const nlohmann::json about{{"probe", {{"count", 100}, {"eps", 0.3}}}};
    ASSERT_TRUE(writeTimelineFile(dir.path(), {point(0, 1)}, about).ok());
    const auto text = readBytes(dir.path("timeline.json"));
    EXPECT_EQ(text.back(), '\n');
    const auto j = nlohmann::json::parse(text);
    EXPECT_EQ(j.at("probe"), about.at("probe"));
    ASSERT_EQ(j.at("points").size(), 1u);
    // The lesson ratio is written for readers of the file; it is not read back.
    auto lesson = point(5, 1);
    lesson.streamPplWindow = 30.0;
    lesson.streamPplSinks = 10.0;
    EXPECT_EQ(nlohmann::json::parse(timelinePointsJson({lesson}))["points"][0]["stream_ratio"], 3.0);
}

TEST(TimelineFile, ReadsFilesWithoutProbeLoss) {
    TempDir dir;
    dir.write("timeline.json", R"({"points": [{"step": 5, "tokens": 10, "train_loss": 3.5, "val_loss": 3.75,
        "sink_rate": 12.5, "alpha0": [[0.5]]}]})");
    auto t = readTimeline(dir.path());
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_EQ(t->size(), 1u);
    EXPECT_EQ(t->front().probeLoss, 0.0);
    EXPECT_EQ(t->front().sinkRate, 12.5);
    EXPECT_FALSE(t->front().streamPplWindow);
}

TEST(TimelineFile, ErrorsNameTheFile) {
    TempDir dir;
    auto missing = readTimeline(dir.path());
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find(dir.path("timeline.json")), std::string::npos)
        << missing.error().message;
    for (const char* text : {"{", R"({"points": [{"step": 1}]})", R"({"points": [{"step": "x"}]})", "{}"}) {
        SCOPED_TRACE(text);
        dir.write("timeline.json", text);
        auto t = readTimeline(dir.path());
        ASSERT_FALSE(t);
        EXPECT_EQ(t.error().message.rfind(dir.path() + "/timeline.json: ", 0), 0u) << t.error().message;
    }
}

} // namespace
