// `sweep` as a user runs it: 2 models x 2 interventions x 3 prompts in two worker processes make
// four done shards and one merged trace whose runs hold the alpha_0 that `trace` gives each prompt
// alone; running it again redoes nothing, and after a crash only the unfinished task; a task whose
// model is broken fails on its own, with its error recorded, while the others finish and merge
// (exit 1); a bad spec key is one line naming it; --dry-run lists the tasks and writes nothing.
#include "cli_run.h"
#include "temp_dir.h"
#include "trace/run_metrics.h"
#include "trace/trace_store.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>

using namespace sinkscope;
using namespace sinkscope::test;
namespace fs = std::filesystem;

namespace {

// The bundled models have tokenizers, so the prompts file holds text as a user's would.
std::string bundled(const std::string& name) {
    return std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/" + name;
}
const std::vector<std::string> kPrompts = {"Once upon a time", "The cat sat", "A little girl"};
const std::string kSuppress = "suppress:layers=1-4";

struct SweepDir {
    TempDir dir;
    std::string spec, out;
    explicit SweepDir(const std::vector<std::string>& models) {
        std::string prompts;
        for (const auto& p : kPrompts)
            prompts += p + "\n";
        dir.write("prompts.txt", prompts);
        spec = dir.write("spec.json", nlohmann::json{{"models", models},
                                                     {"prompts_file", "prompts.txt"},
                                                     {"interventions", {"none", kSuppress}}}
                                          .dump());
        out = dir.path("sweep.sqlite");
    }
    std::string shard(int i) const {
        return dir.path("sweep.sqlite.shards/task-" + std::to_string(i) + ".sqlite");
    }
    std::string mark(int i, const std::string& ext) const {
        return dir.path("sweep.sqlite.shards/task-" + std::to_string(i) + "." + ext);
    }
};

std::vector<RunSummary> runsOf(const std::string& path) {
    auto store = TraceStore::openReadOnly(path);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    if (!store) return {};
    auto runs = (*store)->listRuns();
    EXPECT_TRUE(runs.ok());
    return runs ? *runs : std::vector<RunSummary>{};
}

std::vector<std::vector<double>> alpha0Of(const std::string& path, std::int64_t id) {
    auto store = TraceStore::openReadOnly(path);
    EXPECT_TRUE(store.ok());
    auto run = (*store)->loadRun(id);
    EXPECT_TRUE(run.ok());
    return readRunMetrics(run->metricsJson, run->layers, run->heads).alpha0;
}

} // namespace

TEST(SweepCli, TwoModelsTwoInterventionsInTwoWorkersMergeIntoOneTrace) {
    const std::vector<std::string> models = {bundled("default"), bundled("sigmoid")};
    SweepDir s(models);
    const auto r = runCli("sweep " + s.spec + " --out " + s.out + " --workers 2");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out, "sweep: 4 tasks (0 failed), 12 runs in " + s.out + "\n");
    for (int i = 0; i < 4; ++i) {
        EXPECT_TRUE(fs::exists(s.mark(i, "done"))) << i;
        EXPECT_FALSE(fs::exists(s.mark(i, "error"))) << i;
        EXPECT_EQ(runsOf(s.shard(i)).size(), 3u) << i;
    }
    const auto runs = runsOf(s.out);
    ASSERT_EQ(runs.size(), 12u);

    // Each merged run against `trace` of its prompt alone, through the same model and intervention.
    TempDir alone;
    std::map<std::string, int> seen;
    for (const auto& run : runs) {
        const std::string iv = run.interventions.empty() ? "none" : run.interventions.at(0);
        ASSERT_TRUE(iv == "none" || iv == kSuppress) << iv;
        ASSERT_TRUE(run.modelPath == models[0] || run.modelPath == models[1]) << run.modelPath;
        ++seen[run.modelPath + " " + iv];
        const auto db = alone.path("run" + std::to_string(run.id) + ".sqlite");
        auto merged = TraceStore::openReadOnly(s.out);
        ASSERT_TRUE(merged.ok());
        auto record = (*merged)->loadRun(run.id);
        ASSERT_TRUE(record.ok());
        std::string ids;
        for (auto id : record->tokenIds)
            ids += (ids.empty() ? "" : ",") + std::to_string(id);
        std::string args = "trace --db " + db + " -m " + run.modelPath + " --token-ids " + ids;
        if (iv != "none") args += " -i " + iv + " --only-intervened";
        const auto t = runCli(args);
        ASSERT_EQ(t.code, 0) << t.out;
        const auto expected = alpha0Of(db, 1), got = alpha0Of(s.out, run.id);
        ASSERT_EQ(got.size(), expected.size());
        ASSERT_FALSE(got.empty());
        for (std::size_t l = 0; l < got.size(); ++l) {
            ASSERT_EQ(got[l].size(), expected[l].size());
            for (std::size_t h = 0; h < got[l].size(); ++h)
                EXPECT_NEAR(got[l][h], expected[l][h], 1e-6) << run.id << " layer " << l << " head " << h;
        }
        // store "metrics" (the default) keeps no maps.
        auto store = TraceStore::openReadOnly(s.out);
        ASSERT_TRUE(store.ok());
        auto maps = (*store)->listMaps(run.id);
        ASSERT_TRUE(maps.ok());
        EXPECT_TRUE(maps->empty());
    }
    EXPECT_EQ(seen.size(), 4u);
    for (const auto& [key, n] : seen)
        EXPECT_EQ(n, 3) << key;

    // Again: every task is done, so nothing is traced and the merge adds nothing.
    std::vector<fs::file_time_type> times;
    for (int i = 0; i < 4; ++i)
        times.push_back(fs::last_write_time(s.shard(i)));
    const auto again = runCli("sweep " + s.spec + " --out " + s.out + " --workers 2");
    ASSERT_EQ(again.code, 0) << again.out;
    EXPECT_EQ(again.out, "sweep: 4 tasks (0 failed), 12 runs in " + s.out + "\n");
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(fs::last_write_time(s.shard(i)), times[static_cast<std::size_t>(i)]) << i;
    EXPECT_EQ(runsOf(s.out).size(), 12u);
}

TEST(SweepCli, ABrokenModelFailsItsTasksWhileTheOthersFinish) {
    TempDir models;
    // Present (the spec's check passes) but not a model: the task's load fails.
    const auto broken = models.write("broken/config.json", "{\"model_type\": \"llama\"");
    SweepDir s({bundled("default"), fs::path(broken).parent_path().string()});
    const auto r = runCli("sweep " + s.spec + " --out " + s.out + " --workers 2");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("sweep: 4 tasks (2 failed), 6 runs in " + s.out + "\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sinkscope-cli: sweep task 2 ("), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sinkscope-cli: sweep task 3 ("), std::string::npos) << r.out;
    for (int i : {0, 1}) {
        EXPECT_TRUE(fs::exists(s.mark(i, "done"))) << i;
        EXPECT_FALSE(fs::exists(s.mark(i, "error"))) << i;
    }
    for (int i : {2, 3}) {
        EXPECT_FALSE(fs::exists(s.mark(i, "done"))) << i;
        const auto error = readBytes(s.mark(i, "error"));
        EXPECT_NE(error.find("broken"), std::string::npos) << error;
        EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << error;
        EXPECT_NE(r.out.find(error.substr(0, error.size() - 1)), std::string::npos) << r.out;
    }
    EXPECT_EQ(runsOf(s.out).size(), 6u);
}

TEST(SweepCli, RerunAfterACrashRedoesOnlyTheUnfinishedTaskFromScratch) {
    SweepDir s({bundled("default")});
    const auto first = runCli("sweep " + s.spec + " --out " + s.out);
    ASSERT_EQ(first.code, 0) << first.out;
    // Task 1 as a crash leaves it: no done mark, a partial shard (here: not even a trace).
    fs::remove(s.mark(1, "done"));
    s.dir.write("sweep.sqlite.shards/task-1.sqlite", "half a shard");
    const auto kept = fs::last_write_time(s.shard(0));
    const auto again = runCli("sweep " + s.spec + " --out " + s.out);
    ASSERT_EQ(again.code, 0) << again.out;
    EXPECT_EQ(again.out, "sweep: 2 tasks (0 failed), 6 runs in " + s.out + "\n");
    EXPECT_EQ(fs::last_write_time(s.shard(0)), kept);
    EXPECT_TRUE(fs::exists(s.mark(1, "done")));
    EXPECT_EQ(runsOf(s.shard(1)).size(), 3u);
    EXPECT_EQ(runsOf(s.out).size(), 6u);
}

TEST(SweepCli, ABadSpecKeyIsOneLineNamingIt) {
    TempDir d;
    d.write("prompts.txt", "Once upon a time\n");
    const auto typo =
        d.write("typo.json", R"({"models": [")" + bundled("default") +
                                 R"("], "prompts_file": "prompts.txt", "interventon": ["none"]})");
    auto r = runCli("sweep " + typo + " --out " + d.path("out.sqlite"));
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out.rfind("sinkscope-cli: " + typo + ": unknown key \"interventon\"", 0), 0u) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;

    const auto badSpec =
        d.write("bad.json", R"({"models": [")" + bundled("default") +
                                R"("], "prompts_file": "prompts.txt", "interventions": ["nonsense:x"]})");
    r = runCli("sweep " + badSpec + " --out " + d.path("out.sqlite"));
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out.rfind("sinkscope-cli: " + badSpec + ": \"interventions\": \"nonsense:x\"", 0), 0u)
        << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;

    const auto store =
        d.write("store.json", R"({"models": [")" + bundled("default") +
                                  R"("], "prompts_file": "prompts.txt", "store": "everything"})");
    r = runCli("sweep " + store + " --out " + d.path("out.sqlite"));
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "sinkscope-cli: " + store +
                         ": \"store\": \"everything\" is not \"metrics\" (no maps) or \"maps\"\n");

    const auto missing = d.write("missing.json", R"({"models": [")" + d.path("nowhere") +
                                                     R"("], "prompts_file": "prompts.txt"})");
    r = runCli("sweep " + missing + " --out " + d.path("out.sqlite"));
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out.rfind("sinkscope-cli: " + missing + ": \"models\": \"" + d.path("nowhere") +
                              "\" does not exist",
                          0),
              0u)
        << r.out;
    EXPECT_FALSE(fs::exists(d.path("out.sqlite")));
    EXPECT_FALSE(fs::exists(d.path("out.sqlite.shards")));
}

TEST(SweepCli, DryRunListsTheTasksAndWritesNothing) {
    SweepDir s({bundled("default"), bundled("sigmoid")});
    const auto r = runCli("sweep " + s.spec + " --out " + s.out + " --dry-run");
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string expected =
        "task 0: model " + bundled("default") + ", intervention none, 3 prompts -> " + s.shard(0) + "\n" +
        "task 1: model " + bundled("default") + ", intervention " + kSuppress + ", 3 prompts -> " +
        s.shard(1) + "\n" + "task 2: model " + bundled("sigmoid") + ", intervention none, 3 prompts -> " +
        s.shard(2) + "\n" + "task 3: model " + bundled("sigmoid") + ", intervention " + kSuppress +
        ", 3 prompts -> " + s.shard(3) + "\n";
    EXPECT_EQ(r.out, expected);
    EXPECT_FALSE(fs::exists(s.out));
    EXPECT_FALSE(fs::exists(s.dir.path("sweep.sqlite.shards")));
}

TEST(SweepCli, AnIntervenedTaskStoresItsKlFromTheUnmodifiedRun) {
    SweepDir s({bundled("default")});
    const auto r = runCli("sweep " + s.spec + " --out " + s.out);
    ASSERT_EQ(r.code, 0) << r.out;
    auto merged = TraceStore::openReadOnly(s.out);
    ASSERT_TRUE(merged.ok());
    int intervened = 0;
    for (const auto& run : runsOf(s.out)) {
        auto record = (*merged)->loadRun(run.id);
        ASSERT_TRUE(record.ok());
        const auto metrics = readRunMetrics(record->metricsJson, record->layers, record->heads);
        if (run.interventions.empty()) {
            EXPECT_FALSE(metrics.klFromBase.has_value()) << run.id;
            continue;
        }
        ++intervened;
        ASSERT_TRUE(metrics.klFromBase.has_value()) << run.id;
        // `trace` of the prompt with its base: the intervened run's KL is the same number.
        TempDir alone;
        std::string ids;
        for (auto id : record->tokenIds)
            ids += (ids.empty() ? "" : ",") + std::to_string(id);
        const auto db = alone.path("t.sqlite");
        const auto t = runCli("trace --db " + db + " -m " + bundled("default") + " --token-ids " + ids +
                              " -i " + kSuppress);
        ASSERT_EQ(t.code, 0) << t.out;
        auto store = TraceStore::openReadOnly(db);
        ASSERT_TRUE(store.ok());
        auto expected = (*store)->loadRun(2);
        ASSERT_TRUE(expected.ok());
        const auto want = readRunMetrics(expected->metricsJson, expected->layers, expected->heads);
        ASSERT_TRUE(want.klFromBase.has_value());
        EXPECT_GT(*want.klFromBase, 0.0);
        EXPECT_NEAR(*metrics.klFromBase, *want.klFromBase, 1e-6) << run.id;
    }
    EXPECT_EQ(intervened, 3);
}

TEST(SweepCli, AModelWithoutATokenizerTakesItsPromptsAsIdsLines) {
    const std::string stories = std::string(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
    TempDir d;
    d.write("ids.txt", "ids: 1, 403, 407, 261\nids: 1, 9, 10, 11, 12\n");
    const auto spec = d.write("spec.json", nlohmann::json{{"models", {stories}},
                                                          {"prompts_file", "ids.txt"},
                                                          {"interventions", {"none", "suppress"}}}
                                               .dump());
    const auto r = runCli("sweep " + spec + " --out " + d.path("s.sqlite"));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out, "sweep: 2 tasks (0 failed), 4 runs in " + d.path("s.sqlite") + "\n");
    auto store = TraceStore::openReadOnly(d.path("s.sqlite"));
    ASSERT_TRUE(store.ok());
    auto first = (*store)->loadRun(1);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->tokenIds, (std::vector<std::int32_t>{1, 403, 407, 261}));

    // An id past the vocabulary fails the task in one line naming it.
    d.write("ids.txt", "ids: 1, 999999\n");
    const auto bad = runCli("sweep " + spec + " --out " + d.path("bad.sqlite"));
    EXPECT_EQ(bad.code, 1) << bad.out;
    EXPECT_NE(bad.out.find("999999"), std::string::npos) << bad.out;
}
