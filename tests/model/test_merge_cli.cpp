// `merge` as a sweep uses it: shards traced by separate tasks merge into one trace whose runs
// export and read back as the shards' do, groups intact under new ids; a task that ran twice and
// a merge run twice add nothing; a newer, damaged or missing shard is refused in one line naming
// it, with exit 1, and the output is left as it was.
#include "cli_run.h"
#include "sqlite_exec.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "trace/trace_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

const std::string kStories = sharedModelPath("stories260K/stories260K.bin");
const std::string kIds = "1,403,407,261,378,117,29,89,300,301";

// A base run and its intervened run, one group, as one task of a sweep traces them.
std::string traceArgs(const std::string& db, const std::string& spec) {
    return "trace --db " + db + " -m " + kStories + " --token-ids " + kIds + " -i " + spec + " -n 4";
}

int errorLines(const std::string& out) {
    int n = 0;
    for (std::size_t p = out.find("sinkscope-cli: "); p != std::string::npos;
         p = out.find("sinkscope-cli: ", p + 1))
        ++n;
    return n;
}

std::vector<std::string> filesIn(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Three shards: two tasks with different interventions, and the first task run again.
struct Sweep {
    TempDir dir;
    std::vector<std::string> shards = {dir.path("task0.sqlite"), dir.path("task1.sqlite"),
                                       dir.path("task0-retry.sqlite")};
    Sweep() {
        for (std::size_t i = 0; i < shards.size(); ++i) {
            const auto r = runCli(traceArgs(shards[i], i == 1 ? "suppress:layers=2" : "suppress:layers=1-4"));
            EXPECT_EQ(r.code, 0) << r.out;
        }
    }
    std::string list() const {
        std::string s;
        for (const auto& p : shards)
            s += " " + p;
        return s;
    }
};

} // namespace

TEST(MergeCli, MergesShardsIntoOneTraceThatReadsBackTheSame) {
    Sweep sweep;
    const auto out = sweep.dir.path("all.sqlite");
    const auto merged = runCli("merge --out " + out + sweep.list());
    ASSERT_EQ(merged.code, 0) << merged.out;
    EXPECT_EQ(merged.out, "merged 4 runs from 3 shards into " + out + " (2 already there)\n");

    const auto listed = runCli("runs --db " + out + " --json");
    ASSERT_EQ(listed.code, 0) << listed.out;
    const auto runs = jsonOf(listed);
    ASSERT_EQ(runs.size(), 4u);
    std::vector<std::int64_t> ids, groups;
    for (const auto& r : runs) {
        ids.push_back(r["id"]);
        groups.push_back(r["group"]);
    }
    EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(groups, (std::vector<std::int64_t>{1, 1, 3, 3}));
    EXPECT_EQ(runs[1]["interventions"], nlohmann::json::array({"suppress:layers=1-4"}));
    EXPECT_EQ(runs[3]["interventions"], nlohmann::json::array({"suppress:layers=2"}));

    // Task 1's intervened run (its id 2) is the merged run 4: the same map, metrics and tokens.
    for (const auto& [db, id] : {std::pair{sweep.shards[1], 2}, std::pair{out, 4}}) {
        const auto npy = sweep.dir.path("l2h3-" + std::to_string(id) + ".npy");
        const auto r =
            runCli("export --db " + db + " --run " + std::to_string(id) + " --layer 2 --head 3 --out " + npy);
        ASSERT_EQ(r.code, 0) << r.out;
    }
    EXPECT_EQ(readBytes(sweep.dir.path("l2h3-2.npy")), readBytes(sweep.dir.path("l2h3-4.npy")));
    auto shard = TraceStore::openReadOnly(sweep.shards[1]);
    auto all = TraceStore::openReadOnly(out);
    ASSERT_TRUE(shard.ok() && all.ok());
    for (const auto& [from, to] : {std::pair{1, 3}, std::pair{2, 4}}) {
        auto a = (*shard)->loadRun(from), b = (*all)->loadRun(to);
        ASSERT_TRUE(a.ok() && b.ok());
        EXPECT_EQ(a->metricsJson, b->metricsJson);
        EXPECT_EQ(a->tokenIds, b->tokenIds);
        EXPECT_EQ(a->generatedText, b->generatedText);
        EXPECT_EQ(a->createdAt, b->createdAt);
        auto mapsA = (*shard)->listMaps(from), mapsB = (*all)->listMaps(to);
        ASSERT_TRUE(mapsA.ok() && mapsB.ok());
        EXPECT_FALSE(mapsA->empty());
        EXPECT_EQ(*mapsA, *mapsB);
    }
}

TEST(MergeCli, MergingAgainAddsNothing) {
    Sweep sweep;
    const auto out = sweep.dir.path("all.sqlite");
    const auto first = runCli("merge --json --out " + out + sweep.list());
    ASSERT_EQ(first.code, 0) << first.out;
    const auto report = jsonOf(first);
    EXPECT_EQ(report["merged_runs"], 4);
    EXPECT_EQ(report["present_runs"], 2);
    EXPECT_EQ(report["shards"], 3);
    EXPECT_EQ(report["created"], true);
    EXPECT_EQ(report["out"], out);
    const auto bytes = readBytes(out);

    const auto again = runCli("merge --out " + out + sweep.list());
    ASSERT_EQ(again.code, 0) << again.out;
    EXPECT_EQ(again.out, "merged 0 runs from 3 shards into " + out + " (6 already there)\n");
    EXPECT_EQ(readBytes(out), bytes);
    const auto one = runCli("merge --out " + out + " " + sweep.shards[1]);
    EXPECT_EQ(one.out, "merged 0 runs from 1 shard into " + out + " (2 already there)\n");
    EXPECT_EQ(jsonOf(runCli("runs --db " + out + " --json")).size(), 4u);
}

TEST(MergeCli, BadShardsAreRefusedInOneLineAndTheOutputIsKept) {
    Sweep sweep;
    const auto out = sweep.dir.path("all.sqlite");
    ASSERT_EQ(runCli("merge --out " + out + " " + sweep.shards[0]).code, 0);
    const auto before = readBytes(out);
    const auto files = filesIn(sweep.dir.path());

    // A shard from a newer SinkScope.
    const auto newer = sweep.dir.path("newer.sqlite");
    std::filesystem::copy_file(sweep.shards[1], newer);
    ASSERT_EQ(execSql(newer, "UPDATE meta SET value = '4' WHERE key = 'schema_version'"), "");
    auto r = runCli("merge --out " + out + " " + sweep.shards[1] + " " + newer);
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "sinkscope-cli: " + newer +
                         ": written by a newer SinkScope (schema 4, this build merges up to 3): update "
                         "SinkScope to merge it\n");

    // A shard with a page of its maps overwritten.
    std::string bytes = readBytes(sweep.shards[1]);
    const auto blob = bytes.rfind("SSMP");
    ASSERT_NE(blob, std::string::npos);
    const std::size_t page = blob / 4096;
    std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(page * 4096),
              bytes.begin() + static_cast<std::ptrdiff_t>((page + 1) * 4096), '\xff');
    const auto damaged = sweep.dir.write("damaged.sqlite", bytes);
    r = runCli("merge --out " + out + " " + sweep.shards[1] + " " + damaged);
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out.rfind("sinkscope-cli: " + damaged + ": the file is corrupt (", 0), 0u) << r.out;
    EXPECT_EQ(errorLines(r.out), 1) << r.out;

    // Missing, and not a trace at all.
    const auto text = sweep.dir.write("notes.txt", "not a trace\n");
    for (const auto& bad : {sweep.dir.path("missing.sqlite"), text}) {
        r = runCli("merge --out " + out + " " + sweep.shards[1] + " " + bad);
        EXPECT_EQ(r.code, 1);
        EXPECT_EQ(r.out.rfind("sinkscope-cli: " + bad + ": ", 0), 0u) << r.out;
        EXPECT_EQ(errorLines(r.out), 1) << r.out;
    }
    EXPECT_EQ(readBytes(out), before);

    // Nothing is created when the output is new.
    const auto fresh = sweep.dir.path("fresh.sqlite");
    r = runCli("merge --out " + fresh + " " + sweep.shards[1] + " " + damaged);
    EXPECT_EQ(r.code, 1);
    EXPECT_FALSE(std::filesystem::exists(fresh));
    auto now = filesIn(sweep.dir.path());
    std::erase(now, "newer.sqlite");
    std::erase(now, "damaged.sqlite");
    std::erase(now, "notes.txt");
    EXPECT_EQ(now, files);
}
