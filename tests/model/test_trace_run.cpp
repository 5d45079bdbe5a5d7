// Tracing a prompt into a file (model/trace_run.h): the base and intervened runs are stored in
// one transaction, all or none (also when the second one fails), and a group that could not be
// stored (a busy file) is left intact, so it can be stored again without running the model again
// (the desktop's Retry saving).
#include "intervene/intervention.h"
#include "model/model.h"
#include "model/trace_run.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "trace/trace_store.h"

#include <chrono>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <utility>
#include <vector>

using namespace sinkscope;
using namespace sinkscope::test;

TEST(TraceRun, GroupIsStoredWholeOrNotAtAllAndCanBeStoredAgain) {
    auto model = Model::load(sharedModelPath("stories260K/stories260K.bin"));
    ASSERT_TRUE(model.ok()) << model.error().message;
    auto iv = parseIntervention("suppress:layers=1-4");
    ASSERT_TRUE(iv.ok()) << iv.error().message;
    TempDir dir;
    const auto path = dir.path("runs.sqlite");
    auto store = TraceStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    TraceRunOptions o;
    o.modelPath = "stories260K";
    o.generation.maxNewTokens = 3;
    auto group = computeTraceGroup(**model, {1, 403, 407, 261, 378}, {*iv}, o);
    ASSERT_TRUE(group.ok()) << group.error().message;
    ASSERT_EQ(group->sides.size(), 2u);

    // Another connection holds the write lock: the store gives up after its limit and writes
    // nothing, not the base run alone.
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    (*store)->setWriteWait({std::chrono::seconds(1), {}});
    auto runs = storeTraceGroup(*group, **store);
    ASSERT_FALSE(runs.ok());
    EXPECT_NE(runs.error().message.find("the file is busy"), std::string::npos) << runs.error().message;
    ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(other);
    EXPECT_TRUE((*store)->listRuns()->empty());

    // The intervened run fails after the base run was written: neither is stored.
    {
        TraceGroup broken;
        for (const auto& side : group->sides)
            broken.sides.push_back({side.side, side.record, nullptr});
        broken.sides[0].capture = std::move(group->sides[0].capture);
        broken.sides[1].capture = std::move(group->sides[1].capture);
        broken.sides[1].record.layers = -1;
        auto failed = storeTraceGroup(broken, **store);
        ASSERT_FALSE(failed.ok());
        EXPECT_NE(failed.error().message.find("-1 layers"), std::string::npos) << failed.error().message;
        EXPECT_TRUE((*store)->listRuns()->empty()) << "half a group was stored";
        group->sides[0].capture = std::move(broken.sides[0].capture);
        group->sides[1].capture = std::move(broken.sides[1].capture);
    }

    // Once the file is free, the same group is stored, both runs in one group.
    runs = storeTraceGroup(*group, **store);
    ASSERT_TRUE(runs.ok()) << runs.error().message;
    ASSERT_EQ(runs->size(), 2u);
    EXPECT_EQ((*runs)[0].side, "base");
    EXPECT_EQ((*runs)[1].side, "intervened");
    auto listed = (*store)->listRuns();
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].group, (*runs)[0].id);
    EXPECT_EQ((*listed)[1].group, (*runs)[0].id);
    EXPECT_EQ((*listed)[1].interventions, std::vector<std::string>{"suppress:layers=1-4"});
    const auto base = (*store)->listMaps((*runs)[0].id);
    const auto intervened = (*store)->listMaps((*runs)[1].id);
    ASSERT_TRUE(base.ok() && intervened.ok());
    EXPECT_EQ(base->size(), group->sides[0].capture->mapCount());
    EXPECT_EQ(*base, *intervened);
    EXPECT_GT(base->size(), 0u);
}

// A windowed model's runs record each layer's window in their settings, so that a reader of the
// stored maps (the desktop's stored runs) can average a key over the rows that see it; a model
// without windows records none.
TEST(TraceRun, SettingsNameTheLayersWindows) {
    TraceRunOptions o;
    o.generation.maxNewTokens = 1;
    for (const auto& [path, windows] : std::vector<std::pair<std::string, nlohmann::json>>{
             {dataPath("models/tiny_qwen3_window"), nlohmann::json::array({0, 0, 6})},
             {sharedModelPath("stories260K/stories260K.bin"), nlohmann::json()}}) {
        auto model = Model::load(path);
        ASSERT_TRUE(model.ok()) << model.error().message;
        o.modelPath = path;
        auto group = computeTraceGroup(**model, {1, 5, 9, 14, 3, 22, 41, 7, 18, 30}, {}, o);
        ASSERT_TRUE(group.ok()) << group.error().message;
        ASSERT_EQ(group->sides.size(), 1u);
        const auto settings = nlohmann::json::parse(group->sides[0].record.settingsJson);
        EXPECT_EQ(settings.value("windows", nlohmann::json()), windows) << path;
        EXPECT_EQ(settings["device"], "cpu");
    }
}
