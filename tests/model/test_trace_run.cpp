// Tracing a prompt into a file (session/trace_run.h): the base and intervened runs are stored in
// one transaction, all or none (also when the second one fails), and a group that could not be
// stored (a busy file) is left intact, so it can be stored again without running the model again
// (the desktop's Retry saving).
#include "intervene/intervention.h"
#include "model/model.h"
#include "session/trace_run.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "trace/trace_store.h"

#include <chrono>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sqlite3.h>
#include <tuple>
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

// A trace may keep some maps only (a big model's every map does not fit): exactly the selected
// (layer, head) maps are kept, and the stored alpha_0 metrics still cover every head, equal to
// those of a full trace (windowed layers included).
TEST(TraceRun, NarrowedCaptureKeepsTheSelectedMapsAndEveryHeadsAlpha0) {
    const auto path = dataPath("models/tiny_qwen3_window");
    auto model = Model::load(path);
    ASSERT_TRUE(model.ok()) << model.error().message;
    const auto& c = (*model)->config();
    const std::vector<std::int32_t> ids{1, 5, 9, 14, 3, 22, 41, 7, 18, 30, 11, 2};
    TraceRunOptions o;
    o.modelPath = path;
    o.generation.maxNewTokens = 2;
    auto full = computeTraceGroup(**model, ids, {}, o);
    ASSERT_TRUE(full.ok()) << full.error().message;
    auto sel = parseCaptureSelection("1-2", "0,2", c.nLayers, c.nHeads);
    ASSERT_TRUE(sel.ok()) << sel.error().message;
    o.capture = *sel;
    auto part = computeTraceGroup(**model, ids, {}, o);
    ASSERT_TRUE(part.ok()) << part.error().message;

    const auto& kept = *part->sides[0].capture;
    std::set<std::pair<int, int>> heads;
    std::size_t fullSelected = 0;
    for (std::size_t i = 0; i < kept.mapCount(); ++i) {
        const auto m = kept.map(i);
        EXPECT_TRUE(sel->contains(m.layer, m.head)) << m.layer << "," << m.head;
        heads.insert({m.layer, m.head});
    }
    for (std::size_t i = 0; i < full->sides[0].capture->mapCount(); ++i) {
        const auto m = full->sides[0].capture->map(i);
        fullSelected += sel->contains(m.layer, m.head) ? 1 : 0;
    }
    EXPECT_EQ(heads, (std::set<std::pair<int, int>>{{1, 0}, {1, 2}, {2, 0}, {2, 2}}));
    EXPECT_EQ(kept.mapCount(), fullSelected) << "every step of the selected heads";
    EXPECT_LT(kept.bytes(), full->sides[0].capture->bytes());

    const auto a = nlohmann::json::parse(full->sides[0].record.metricsJson)["alpha0"];
    const auto b = nlohmann::json::parse(part->sides[0].record.metricsJson)["alpha0"];
    ASSERT_EQ(a.size(), static_cast<std::size_t>(c.nLayers));
    ASSERT_EQ(b.size(), a.size());
    for (std::size_t l = 0; l < a.size(); ++l)
        for (std::size_t h = 0; h < a[l].size(); ++h) {
            EXPECT_NEAR(b[l][h].get<double>(), a[l][h].get<double>(), 1e-12) << l << "," << h;
            EXPECT_GT(a[l][h].get<double>(), 0.0) << l << "," << h;
        }
    const auto settings = nlohmann::json::parse(part->sides[0].record.settingsJson);
    EXPECT_EQ(settings["captured"],
              (nlohmann::json{{"first_layer", 1}, {"last_layer", 2}, {"heads", {0, 2}}}));
    EXPECT_FALSE(nlohmann::json::parse(full->sides[0].record.settingsJson).contains("captured"));
}

TEST(TraceRun, CaptureSelectionsAreParsedAndBadOnesNamed) {
    auto all = parseCaptureSelection("all", "all", 4, 8);
    ASSERT_TRUE(all.ok());
    EXPECT_TRUE(all->everything(4, 8));
    EXPECT_EQ(all->describe(4, 8), "every layer and head");
    auto one = parseCaptureSelection("3", "5-7,1,6", 4, 8);
    ASSERT_TRUE(one.ok()) << one.error().message;
    EXPECT_EQ(one->layerCount(4), 1);
    EXPECT_EQ(one->headCount(8), 4);
    EXPECT_EQ(one->describe(4, 8), "layer 3, heads 1,5,6,7");
    EXPECT_TRUE(one->contains(3, 6));
    EXPECT_FALSE(one->contains(3, 2));
    EXPECT_FALSE(one->contains(2, 6));
    EXPECT_EQ(parseCaptureSelection("0-3", "0-7", 4, 8)->describe(4, 8), "every layer and head");
    EXPECT_EQ(parseCaptureSelection("1-3", "all", 4, 8)->firstLayers(2, 4).describe(4, 8), "layers 1-2");
    for (const auto& [layers, heads, want] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"4", "all", "--capture-layers 4: the model has 4 layers (0..3)"},
             {"2-1", "all", "--capture-layers '2-1': the range is backwards"},
             {"x", "all", "--capture-layers 'x': expected a layer number"},
             {"0", "1,,2", "--capture-heads '1,,2': expected a head number"},
             {"0", "9", "--capture-heads 9: the model has 8 heads (0..7)"},
             {"-1", "all", "--capture-layers '-1': expected a layer number"}}) {
        auto r = parseCaptureSelection(layers, heads, 4, 8);
        ASSERT_FALSE(r.ok()) << layers << " " << heads;
        EXPECT_NE(r.error().message.find(want), std::string::npos) << r.error().message;
    }
}
