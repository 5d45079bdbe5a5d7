// Training timelines in the trace store: every field comes back bit for bit, a step written again
// replaces the stored one, several timelines share a file with its runs, and bad points, unknown
// names and damaged rows are errors that name the file and the timeline.
#include "temp_dir.h"
#include "test_trace_util.h"

#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

TimelinePoint point(std::int64_t step, double seed, int layers = 2, int heads = 3) {
    TimelinePoint p;
    p.step = step;
    p.tokens = step * 4096;
    p.trainLoss = 8.0 - seed;
    p.valLoss = 8.1 - seed;
    p.probeLoss = 8.2 - seed / 3; // not a short binary fraction: checks the bits survive
    p.sinkRate = seed * 7.25;
    for (int l = 0; l < layers; ++l) {
        auto& row = p.alpha0.emplace_back();
        for (int h = 0; h < heads; ++h)
            row.push_back(seed / (1 + l * heads + h) / 7.0);
    }
    return p;
}

void expectSamePoints(const std::vector<TimelinePoint>& a, const std::vector<TimelinePoint>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].step, b[i].step);
        EXPECT_EQ(a[i].tokens, b[i].tokens);
        EXPECT_EQ(a[i].trainLoss, b[i].trainLoss);
        EXPECT_EQ(a[i].valLoss, b[i].valLoss);
        EXPECT_EQ(a[i].probeLoss, b[i].probeLoss);
        EXPECT_EQ(a[i].sinkRate, b[i].sinkRate);
        EXPECT_EQ(a[i].alpha0, b[i].alpha0);
    }
}

TEST(TraceTimeline, RoundTripsEveryFieldBesideTheRuns) {
    TempDir dir;
    const auto path = dir.path("t.sqlite");
    auto store = TraceStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE((*store)->writeRun(sampleRun(), {}, {}).ok());
    const std::vector<TimelinePoint> softmax = {point(0, 0.0), point(250, 1.5), point(500, 2.25)};
    ASSERT_TRUE((*store)->writeTimeline("runs/default", softmax).ok());
    ASSERT_TRUE((*store)->writeTimeline("runs/sigmoid", {point(250, 0.5, 1, 4)}).ok());

    auto list = (*store)->listTimelines();
    ASSERT_TRUE(list.ok()) << list.error().message;
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].name, "runs/default");
    EXPECT_EQ((*list)[0].points, 3);
    EXPECT_EQ((*list)[0].lastStep, 500);
    EXPECT_EQ((*list)[0].lastTokens, 500 * 4096);
    EXPECT_EQ((*list)[0].lastSinkRate, softmax[2].sinkRate);
    EXPECT_EQ((*list)[0].lastValLoss, softmax[2].valLoss);
    EXPECT_EQ((*list)[1].name, "runs/sigmoid");

    store->reset(); // read back through a new connection
    store = TraceStore::open(path, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto back = (*store)->loadTimeline("runs/default");
    ASSERT_TRUE(back.ok()) << back.error().message;
    expectSamePoints(*back, softmax);
    EXPECT_EQ((*store)->loadTimeline("runs/sigmoid")->front().alpha0, point(250, 0.5, 1, 4).alpha0);
    EXPECT_EQ((*store)->listRuns()->size(), 1u);

    // A resumed run evaluates step 500 again and goes on: the newer point replaces the old one.
    ASSERT_TRUE((*store)->writeTimeline("runs/default", {point(500, 3.0), point(750, 4.0)}).ok());
    back = (*store)->loadTimeline("runs/default");
    ASSERT_TRUE(back.ok());
    expectSamePoints(*back, {point(0, 0.0), point(250, 1.5), point(500, 3.0), point(750, 4.0)});

    ASSERT_TRUE((*store)->deleteTimeline("runs/sigmoid").ok());
    EXPECT_EQ((*store)->listTimelines()->size(), 1u);
    EXPECT_TRUE((*store)->checkIntegrity().ok());
}

TEST(TraceTimeline, BadPointsAndUnknownNamesAreClearErrors) {
    TempDir dir;
    const auto path = dir.path("t.sqlite");
    auto store = TraceStore::open(path);
    ASSERT_TRUE(store.ok());
    auto s = (*store)->writeTimeline("", {point(0, 1)});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, path + ": a timeline needs a name");

    auto ragged = point(250, 1);
    ragged.alpha0[1].pop_back();
    s = (*store)->writeTimeline("run", {point(0, 1), ragged});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message,
              path + ": timeline 'run', step 250: the alpha0 map is ragged (3 and 2 heads)");
    EXPECT_TRUE((*store)->listTimelines()->empty()) << "the good point before the bad one was kept";

    auto none = (*store)->loadTimeline("run");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().message, path + ": holds no timeline 'run' (it holds no timelines)");
    ASSERT_TRUE((*store)->writeTimeline("a", {point(0, 1)}).ok());
    ASSERT_TRUE((*store)->writeTimeline("b", {point(0, 1)}).ok());
    none = (*store)->loadTimeline("c");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().message, path + ": holds no timeline 'c' (it holds 'a', 'b')");
    s = (*store)->deleteTimeline("c");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, path + ": holds no timeline 'c'");
}

TEST(TraceTimeline, DamagedRowIsNamed) {
    TempDir dir;
    const auto path = dir.path("t.sqlite");
    {
        auto store = TraceStore::open(path);
        ASSERT_TRUE(store.ok());
        ASSERT_TRUE((*store)->writeTimeline("run", {point(0, 1), point(5, 2)}).ok());
    }
    ASSERT_EQ(execSql(path, "UPDATE timeline_points SET alpha0 = x'0102030405' WHERE step = 5"), "");
    auto store = TraceStore::open(path, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto t = (*store)->loadTimeline("run");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(
        t.error().message,
        path + ": the file is corrupt (timeline 'run', step 5: the alpha0 blob does not hold 2 x 3 values)");
}

} // namespace
