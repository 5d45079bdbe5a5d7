// sinkscope-cli as a user runs it: JSON output keys, human tables, and one-line errors.
#include "cli_run.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace sinkscope::test;

namespace {

const std::string kStories = sharedModelPath("stories260K/stories260K.bin");

TEST(Cli, RunJsonHasTheDocumentedKeys) {
    const auto r =
        runCli("run --model " + kStories + " --token-ids 1,461,392,284,265 --max-new-tokens 4 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto start = r.out.find('{');
    ASSERT_NE(start, std::string::npos) << r.out;
    const auto j = nlohmann::json::parse(r.out.substr(start));
    EXPECT_EQ(j["token_ids"], (std::vector<int>{1, 461, 392, 284, 265}));
    EXPECT_EQ(j["tokens"].size(), 5u);
    ASSERT_EQ(j["next_token_topk"].size(), 10u);
    double last = 2.0;
    for (const auto& t : j["next_token_topk"]) {
        EXPECT_LE(t["prob"].get<double>(), last);
        last = t["prob"].get<double>();
    }
    EXPECT_EQ(j["generated_ids"].size(), 4u);
    EXPECT_TRUE(j.contains("generated_text"));
    ASSERT_EQ(j["alpha0"].size(), 5u);    // layers
    ASSERT_EQ(j["alpha0"][0].size(), 8u); // heads
    for (const auto& layer : j["alpha0"])
        for (const auto& a : layer)
            EXPECT_TRUE(a.get<double>() > 0.0 && a.get<double>() <= 1.0);
}

TEST(Cli, RunHumanOutputShowsTablesAndTopTokens) {
    const auto r = runCli("run --model " + kStories + " --token-ids 1,461,392");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("next-token top-10"), std::string::npos);
    EXPECT_NE(r.out.find("alpha_0"), std::string::npos);
    EXPECT_NE(r.out.find("L4"), std::string::npos);
}

TEST(Cli, ErrorsAreOneLineAndNonZero) {
    for (const std::string& args : std::vector<std::string>{"run --model /nonexistent --token-ids 1",
                                                            "run --model " + kStories + " --token-ids 1,x",
                                                            "run --model " + kStories + " --token-ids 1,9999",
                                                            "run --model " + kStories + " --prompt hello"}) {
        const auto r = runCli(args);
        EXPECT_NE(r.code, 0) << args;
        EXPECT_NE(r.out.find("sinkscope-cli: "), std::string::npos) << args << " -> " << r.out;
        // exactly one error line; informational "note:" lines may precede it
        std::size_t errors = 0, pos = 0;
        while ((pos = r.out.find("sinkscope-cli: ", pos)) != std::string::npos)
            ++errors, ++pos;
        EXPECT_EQ(errors, 1u) << r.out;
    }
}

} // namespace

TEST(Cli, CompareShowsBaseAgainstIntervened) {
    const auto r =
        runCli("compare --model " + kStories +
               " --token-ids 1,403,407,261,378,117 -i suppress -i zerotune:gamma=2,layers=1 -n 6 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    EXPECT_EQ(j["interventions"].size(), 2u);
    EXPECT_GT(j["kl"].get<double>(), 0.0);
    EXPECT_EQ(j["base"]["next_token_topk"].size(), 10u);
    EXPECT_EQ(j["intervened"]["generated_ids"].size(), 6u);
    // Suppression leaves row 0 alone and zeroes column 0 elsewhere: alpha_0 = 1/T after.
    EXPECT_NEAR(j["intervened"]["alpha0"][0][0].get<double>(), 1.0 / 6.0, 1e-6);
    EXPECT_GT(j["base"]["alpha0"][0][0].get<double>(), 1.0 / 6.0);
    EXPECT_TRUE(j.contains("first_divergence"));
    const auto human = runCli("compare --model " + kStories + " --token-ids 1,403,407,261 -i suppress -n 3");
    ASSERT_EQ(human.code, 0) << human.out;
    EXPECT_NE(human.out.find("KL(base || intervened)"), std::string::npos) << human.out;
    EXPECT_NE(human.out.find("generated (intervened)"), std::string::npos) << human.out;
}

TEST(Cli, MalformedInterventionPointsAtTheBadPart) {
    const auto r = runCli("run --model " + kStories + " --token-ids 1,2,3 --intervention zerotune:gama=4");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("\"gama=4\""), std::string::npos) << r.out;
    const auto range =
        runCli("run --model " + kStories + " --token-ids 1,2,3 --intervention suppress:layers=9");
    EXPECT_EQ(range.code, 1);
    EXPECT_NE(range.out.find("layer 9"), std::string::npos) << range.out;
}

TEST(Cli, RunWithAnInterventionKeepsItsJsonKeys) {
    const auto r = runCli("run --model " + kStories + " --token-ids 1,403,407,261 -i suppress --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    for (const char* key :
         {"token_ids", "tokens", "next_token_topk", "generated_ids", "generated_text", "alpha0"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_NEAR(j["alpha0"][2][3].get<double>(), 0.25, 1e-6);
}

TEST(Cli, MetricsReportsSinkRateAndTables) {
    TempDir dir;
    const auto file = dir.write("prompts.txt", "Once upon a time\n");
    // stories260K has no tokenizer here: prompts come as --token-ids.
    const auto r = runCli("metrics --model " + kStories + " --token-ids 1,403,407,261,378,117,29,89 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    EXPECT_EQ(j["alpha0_mean"].size(), 5u);
    EXPECT_EQ(j["hidden_norms"].size(), 6u); // states 0..L
    EXPECT_EQ(j["hidden_norms"][0].size(), 8u);
    EXPECT_TRUE(j.contains("secondary_sinks"));
    const double rate = j["sink_rate"].get<double>();
    int above = 0;
    for (const auto& layer : j["alpha0_mean"])
        for (const auto& a : layer)
            above += a.get<double>() > 0.3 ? 1 : 0;
    EXPECT_NEAR(rate, 100.0 * above / 40.0, 1e-9);
    const auto noTok = runCli("metrics --model " + kStories + " --prompts-file " + file);
    EXPECT_EQ(noTok.code, 1);
    EXPECT_NE(noTok.out.find("no tokenizer"), std::string::npos) << noTok.out;
}

TEST(Cli, StreamPplPrintsOneRowPerSetting) {
    TempDir dir;
    std::string ids = "1";
    for (int i = 0; i < 80; ++i)
        ids += "," + std::to_string((i * 37 + 11) % 512);
    const auto file = dir.write("ids.txt", ids);
    const auto r = runCli("stream-ppl --model " + kStories + " --token-ids-file " + file +
                          " --window 16 --sinks 0,4 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    ASSERT_EQ(j["rows"].size(), 3u);
    EXPECT_TRUE(j["rows"][0]["sinks"].is_null());
    EXPECT_EQ(j["rows"][1]["sinks"], 0);
    EXPECT_EQ(j["rows"][2]["predicted"], 80);
    const auto bad = runCli("stream-ppl --model " + kStories + " --token-ids-file " + file + " --sinks 0,x");
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.out.find("--sinks"), std::string::npos) << bad.out;
}

TEST(Cli, MetricsBeyondTheFirstToken) {
    const auto r =
        runCli("metrics --model " + kStories +
               " --token-ids 1,461,392,284,265,447,465,465,465,465,473,315 --span 2-5 --theta 0.25 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    EXPECT_DOUBLE_EQ(j["sink_dims"]["tau"].get<double>(), 4.0); // min(20, sqrt(64) / 2)
    EXPECT_EQ(j["sink_dims"]["per_layer"].size(), 6u);          // states 0..L
    EXPECT_EQ(j["sink_dims"]["per_layer"][0].size(), 3u);
    ASSERT_EQ(j["ctr"].size(), 5u);
    ASSERT_EQ(j["ctr"][0].size(), 8u);
    for (const auto& layer : j["ctr"])
        for (const auto& head : layer) {
            EXPECT_TRUE(head.contains("caught") && head.contains("tag_share") && head.contains("pc1_var") &&
                        head.contains("pc1_cos_tag"));
            if (head["caught"].get<int>() < 2) {
                EXPECT_TRUE(head["pc1_var"].is_null());
            }
        }
    ASSERT_EQ(j["span_heads"].size(), 5u);
    for (const auto& layer : j["span_heads"])
        for (const auto& head : layer)
            EXPECT_EQ(head["selected"].get<bool>(),
                      head["mass"].get<double>() >= 0.2 && head["ratio"].get<double>() >= 0.6);
    const auto badSpan = runCli("metrics --model " + kStories + " --token-ids 1,2,3 --span 2-9");
    EXPECT_EQ(badSpan.code, 1);
    EXPECT_NE(badSpan.out.find("--span 2-9"), std::string::npos) << badSpan.out;
}

TEST(Cli, RedistributeInSpanCentricHeadsOnly) {
    const std::string ids = " --token-ids 1,461,392,284,265,447,465,465,465,465,473,315";
    const auto all = runCli("compare --model " + kStories + ids + " -i redistribute:p=0.6,to=2-5 --json");
    const auto span =
        runCli("compare --model " + kStories + ids + " -i redistribute:p=0.6,to=2-5,heads=span --json");
    ASSERT_EQ(all.code, 0) << all.out;
    ASSERT_EQ(span.code, 0) << span.out;
    const double klAll = jsonOf(all)["kl"], klSpan = jsonOf(span)["kl"];
    EXPECT_GT(klAll, 0.0);
    EXPECT_NE(klAll, klSpan) << "heads=span selects fewer heads than all";
    const auto wrong = runCli("run --model " + kStories + ids + " -i suppress:heads=span");
    EXPECT_EQ(wrong.code, 1);
    EXPECT_NE(wrong.out.find("heads=span"), std::string::npos) << wrong.out;
}

// run/timeline.json with checkpoints at steps 0 and 50 (Sink^0.3 0 and 50 %).
static void writeTwoCheckpointTimeline(const TempDir& dir) {
    dir.write("run/timeline.json", R"({"probe": {"count": 2}, "points": [
        {"step": 0, "tokens": 0, "train_loss": 0, "val_loss": 5.5, "probe_loss": 5.5, "sink_rate": 0,
         "alpha0": [[0.1, 0.2], [0.1, 0.1]]},
        {"step": 50, "tokens": 4096, "train_loss": 4.0, "val_loss": 4.2, "probe_loss": 4.3, "sink_rate": 50,
         "alpha0": [[0.1, 0.8], [0.9, 0.1]]}]})");
}

TEST(Cli, TimelineDrawsTheAlpha0MapOfACheckpoint) {
    TempDir dir;
    writeTwoCheckpointTimeline(dir);
    const auto drawn = runCli("timeline --run " + dir.path("run") + " --step 50 --out " + dir.path("a0.svg"));
    ASSERT_EQ(drawn.code, 0) << drawn.out;
    EXPECT_NE(drawn.out.find("step 50"), std::string::npos) << drawn.out;
    const std::string svg = readBytes(dir.path("a0.svg"));
    EXPECT_NE(svg.find("Sink^0.3 = 50.0 %"), std::string::npos);
    const auto missing = runCli("timeline --run " + dir.path("run") + " --step 7 --out " + dir.path("b.png"));
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.out.find("steps 0, 50"), std::string::npos) << missing.out;
}

// --curves draws Sink^0.3 over training tokens beside other timelines (--versus): a run directory,
// or TRACE:NAME, as the Training timeline panel's "Compare with". A bad source is one line naming
// it, exit 1, and no figure.
TEST(Cli, TimelineCurvesCompareRunsAtEqualTokens) {
    TempDir dir;
    writeTwoCheckpointTimeline(dir);
    dir.write("weaker/timeline.json", R"({"probe": {"count": 2}, "points": [
        {"step": 0, "tokens": 0, "train_loss": 0, "val_loss": 5.5, "probe_loss": 5.5, "sink_rate": 0,
         "alpha0": [[0.1, 0.2], [0.1, 0.1]]},
        {"step": 25, "tokens": 8192, "train_loss": 4.0, "val_loss": 4.2, "probe_loss": 4.3, "sink_rate": 12.5,
         "alpha0": [[0.1, 0.3], [0.4, 0.1]]}]})");
    const auto trace = dir.path("t.sqlite");
    ASSERT_EQ(runCli("timeline --run " + dir.path("weaker") + " --trace " + trace + " --name older").code, 0);
    const auto drawn = runCli("timeline --run " + dir.path("run") + " --versus " + dir.path("weaker") +
                              " --versus " + trace + ":older --curves " + dir.path("c.svg"));
    ASSERT_EQ(drawn.code, 0) << drawn.out;
    EXPECT_NE(drawn.out.find("(3 timelines)"), std::string::npos) << drawn.out;
    const std::string svg = readBytes(dir.path("c.svg"));
    for (const char* text : {"run", "weaker", "older", "training tokens (millions)"})
        EXPECT_NE(svg.find(text), std::string::npos) << text;

    const std::vector<std::pair<std::string, std::string>> bad = {
        {dir.path("none"), dir.path("none") + ": no such run directory or trace file"},
        {trace, trace + ": a trace file needs the timeline's name, " + trace + ":NAME"},
        {trace + ":nope", trace + ": holds no timeline 'nope'"},
    };
    for (const auto& [source, message] : bad) {
        const auto r = runCli("timeline --run " + dir.path("run") + " --versus " + source + " --curves " +
                              dir.path("bad.svg"));
        EXPECT_EQ(r.code, 1) << source;
        EXPECT_NE(r.out.find("--versus " + message), std::string::npos) << r.out;
        EXPECT_FALSE(std::filesystem::exists(dir.path("bad.svg"))) << source;
    }
    const auto both = runCli("timeline --run " + dir.path("run") + " --out " + dir.path("a.svg") +
                             " --curves " + dir.path("b.svg"));
    EXPECT_EQ(both.code, 1);
    EXPECT_NE(both.out.find("give one"), std::string::npos) << both.out;
}

// `timeline --run DIR --trace FILE` stores a run's timeline; `--trace FILE` alone lists what a file
// holds, and with --name prints, exports and draws it as from the run directory.
TEST(Cli, TimelineGoesIntoATraceFileAndComesBack) {
    TempDir dir;
    writeTwoCheckpointTimeline(dir);
    const auto trace = dir.path("t.sqlite");
    const auto stored = runCli("timeline --run " + dir.path("run") + " --trace " + trace + " --json");
    ASSERT_EQ(stored.code, 0) << stored.out;
    EXPECT_NE(
        stored.out.find("stored 2 checkpoints of " + dir.path("run") + " in " + trace + " as timeline 'run'"),
        std::string::npos)
        << stored.out;

    const auto list = runCli("timeline --trace " + trace);
    ASSERT_EQ(list.code, 0) << list.out;
    EXPECT_NE(list.out.find("run                           2        50         4096   4.2000     50.0%"),
              std::string::npos)
        << list.out;

    const auto fromFile = runCli("timeline --run " + dir.path("run") + " --json");
    const auto fromTrace = runCli("timeline --trace " + trace + " --name run --json");
    ASSERT_EQ(fromTrace.code, 0) << fromTrace.out;
    EXPECT_EQ(jsonOf(fromTrace)["points"], jsonOf(fromFile)["points"]);

    const auto drawn =
        runCli("timeline --trace " + trace + " --name run --step 50 --out " + dir.path("a0.svg"));
    ASSERT_EQ(drawn.code, 0) << drawn.out;
    EXPECT_NE(readBytes(dir.path("a0.svg")).find("Sink^0.3 = 50.0 %"), std::string::npos);
    const auto step = runCli("timeline --trace " + trace + " --name run --step 7 --out " + dir.path("b.png"));
    EXPECT_EQ(step.code, 1);
    EXPECT_NE(step.out.find("--step 7: " + trace + ", timeline 'run' has checkpoints at steps 0, 50"),
              std::string::npos)
        << step.out;

    const auto unknown = runCli("timeline --trace " + trace + " --name nope");
    EXPECT_EQ(unknown.code, 1);
    EXPECT_NE(unknown.out.find(trace + ": holds no timeline 'nope' (it holds 'run')"), std::string::npos)
        << unknown.out;
    const auto missing = runCli("timeline --trace " + dir.path("none.sqlite"));
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.out.find("none.sqlite: no such trace file"), std::string::npos) << missing.out;
    EXPECT_FALSE(std::filesystem::exists(dir.path("none.sqlite")));
    const auto neither = runCli("timeline");
    EXPECT_EQ(neither.code, 1);
    EXPECT_NE(neither.out.find("give --run DIR or --trace FILE"), std::string::npos) << neither.out;
}

TEST(Cli, MetricsDrawsTheChannelsOfAState) {
    TempDir dir;
    const std::string ids = " --token-ids 1,461,392,284,265,447,465,465,465,465,473,315";
    const auto drawn = runCli("metrics --model " + kStories + ids + " --channels-out " + dir.path("c.svg") +
                              " --state 3 --json");
    ASSERT_EQ(drawn.code, 0) << drawn.out;
    EXPECT_TRUE(jsonOf(drawn).contains("sink_dims")); // --json output stays one JSON object
    const std::string svg = readBytes(dir.path("c.svg"));
    EXPECT_NE(svg.find("state 3 (entering layer 3)"), std::string::npos);
    const auto bad =
        runCli("metrics --model " + kStories + ids + " --channels-out " + dir.path("d.png") + " --state 9");
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.out.find("--state 9: the model has states 0..5"), std::string::npos) << bad.out;
}
