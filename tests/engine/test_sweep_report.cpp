// The sweep report (sweep/sweep_report.h) over a trace written here with known metrics: 2 models x
// 2 checkpoints x {none, suppress} x 3 prompts. Every statistic is checked against values worked
// out in the test, for the default grouping and for subsets; damaged metrics, mixed thresholds, a
// foreign file and bad --by keys each give what the header promises; CSV fields are quoted per
// RFC 4180.
#include "sweep/sweep_report.h"
#include "temp_dir.h"
#include "trace/run_metrics.h"
#include "trace/trace_store.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

const std::string kSuppress = "suppress:layers=1";
const std::vector<double> kOffsets = {-0.1, 0.0, 0.1}; // alpha_0 of the 3 prompts around a base

// Model m (0, 1) at checkpoint c (0: step500, 1: step10000); its runs' alpha_0 centre on base().
std::string modelPath(int m, int c) {
    return std::string("/sweeps/") + (m == 0 ? "alpha" : "beta") + (c == 0 ? "/step500" : "/step10000");
}
double base(int m, int c, bool suppressed) {
    return 0.27 + 0.1 * m + 0.2 * c - (suppressed ? 0.15 : 0.0);
}

// A 2 x 2 table whose mean is a; the stored sink rate counts its entries above 0.3, as the engine does.
RunMetrics metricsOf(double a, std::optional<double> kl) {
    RunMetrics m;
    m.alpha0 = {{a + 0.04, a - 0.04}, {a, a}};
    int above = 0;
    for (const auto& row : m.alpha0)
        for (double v : row)
            above += v > 0.3;
    m.sinkRate = 100.0 * above / 4.0;
    m.klFromBase = kl;
    return m;
}

RunRecord runOf(const std::string& model, std::vector<std::string> interventions,
                const std::string& metrics) {
    RunRecord r;
    r.model.path = model;
    r.interventions = std::move(interventions);
    r.metricsJson = metrics;
    r.layers = 2;
    r.heads = 2;
    r.promptText = "p";
    return r;
}

// Written in an order unlike the sorted one (beta first, step10000 first, suppress before none).
std::string writeSweep(const TempDir& dir) {
    const std::string path = dir.path("sweep.sqlite");
    auto store = TraceStore::open(path);
    EXPECT_TRUE(store.ok());
    for (int m : {1, 0})
        for (int c : {1, 0})
            for (bool s : {true, false})
                for (std::size_t p = 0; p < kOffsets.size(); ++p) {
                    const auto kl =
                        s ? std::optional<double>(0.1 * static_cast<double>(p + 1)) : std::nullopt;
                    const auto json = encodeRunMetrics(metricsOf(base(m, c, s) + kOffsets[p], kl));
                    const auto iv = s ? std::vector<std::string>{kSuppress} : std::vector<std::string>{};
                    EXPECT_TRUE((*store)->writeRun(runOf(modelPath(m, c), iv, json), {}, {}).ok());
                }
    return path;
}

// The sink rate of one run of metricsOf(a): worked out from the table's four entries.
double runRate(double a) {
    return metricsOf(a, std::nullopt).sinkRate;
}

SweepReport report(const std::string& path, const std::vector<GroupKey>& by = allGroupKeys()) {
    auto r = readSweepReport(path, by);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : SweepReport{};
}

} // namespace

TEST(SweepReport, OneRowPerModelCheckpointAndInterventionWithItsStatistics) {
    TempDir dir;
    const auto rep = report(writeSweep(dir));
    ASSERT_EQ(rep.rows.size(), 8u);
    const double spread = 0.1 * std::sqrt(2.0 / 3.0); // population std of {-0.1, 0, 0.1}
    std::size_t i = 0;
    for (int m : {0, 1})
        for (int c : {0, 1})
            for (bool s : {false, true}) {
                SCOPED_TRACE(i);
                const ReportRow& row = rep.rows[i++];
                const double b = base(m, c, s);
                EXPECT_EQ(row.model, m == 0 ? "/sweeps/alpha" : "/sweeps/beta");
                EXPECT_EQ(row.checkpoint, c == 0 ? "step500" : "step10000");
                EXPECT_EQ(row.step, c == 0 ? 500 : 10000);
                EXPECT_EQ(row.intervention, s ? kSuppress : "none");
                EXPECT_EQ(row.prompts, 3);
                EXPECT_EQ(row.unreadable, 0);
                EXPECT_NEAR(row.sinkRate, (runRate(b - 0.1) + runRate(b) + runRate(b + 0.1)) / 3.0, 1e-9);
                EXPECT_DOUBLE_EQ(row.sinkEps, 0.3);
                EXPECT_NEAR(row.alpha0Mean, b, 1e-12);
                EXPECT_NEAR(row.alpha0Std, spread, 1e-12);
                EXPECT_NEAR(row.alpha0Min, b - 0.1, 1e-12);
                EXPECT_NEAR(row.alpha0Max, b + 0.1, 1e-12);
                EXPECT_EQ(row.klMean.has_value(), s);
                if (s) {
                    EXPECT_NEAR(*row.klMean, 0.2, 1e-12);
                }
                EXPECT_EQ(row.runIds.size(), 3u);
            }
    // One group worked out in full: alpha step500, none: alpha_0 0.17, 0.27, 0.37, whose tables
    // (0.21 0.13 / 0.17 0.17; 0.31 0.23 / 0.27 0.27; 0.41 0.33 / 0.37 0.37) hold 0, 1 and 4
    // entries above 0.3: rates 0, 25, 100 -> 41.67 %.
    EXPECT_NEAR(rep.rows[0].sinkRate, 125.0 / 3.0, 1e-9);
    EXPECT_NEAR(rep.rows[0].alpha0Mean, 0.27, 1e-12);
    EXPECT_NEAR(rep.rows[0].alpha0Std, 0.0816496581, 1e-9);
    // Run ids: beta was written first, so alpha's none runs of step500 are the last three.
    EXPECT_EQ(rep.rows[0].runIds, (std::vector<std::int64_t>{22, 23, 24}));
}

TEST(SweepReport, GroupsBySubsetsOfTheKeys) {
    TempDir dir;
    const auto path = writeSweep(dir);
    // By model: 12 runs each, over both checkpoints and both interventions.
    auto rep = report(path, {GroupKey::Model});
    ASSERT_EQ(rep.rows.size(), 2u);
    for (int m : {0, 1}) {
        const ReportRow& row = rep.rows[static_cast<std::size_t>(m)];
        EXPECT_EQ(row.model, m == 0 ? "/sweeps/alpha" : "/sweeps/beta");
        EXPECT_EQ(row.intervention, "");
        EXPECT_EQ(row.checkpoint, "");
        EXPECT_EQ(row.step, -1);
        EXPECT_EQ(row.prompts, 12);
        double rate = 0, alpha = 0;
        for (int c : {0, 1})
            for (bool s : {false, true})
                for (double o : kOffsets) {
                    rate += runRate(base(m, c, s) + o) / 12.0;
                    alpha += (base(m, c, s) + o) / 12.0;
                }
        EXPECT_NEAR(row.sinkRate, rate, 1e-9);
        EXPECT_NEAR(row.alpha0Mean, alpha, 1e-12);
        EXPECT_NEAR(row.alpha0Min, base(m, 0, true) - 0.1, 1e-12);
        EXPECT_NEAR(row.alpha0Max, base(m, 1, false) + 0.1, 1e-12);
        ASSERT_TRUE(row.klMean.has_value()); // from the 6 suppressed runs only
        EXPECT_NEAR(*row.klMean, 0.2, 1e-12);
    }
    // By intervention: none first although suppress was written first.
    rep = report(path, {GroupKey::Intervention});
    ASSERT_EQ(rep.rows.size(), 2u);
    EXPECT_EQ(rep.rows[0].intervention, "none");
    EXPECT_EQ(rep.rows[1].intervention, kSuppress);
    EXPECT_EQ(rep.rows[0].model, "");
    EXPECT_EQ(rep.rows[0].prompts, 12);
    EXPECT_FALSE(rep.rows[0].klMean.has_value());
    // By model and checkpoint: steps in numeric order (500 before 10000).
    rep = report(path, {GroupKey::Model, GroupKey::Checkpoint});
    ASSERT_EQ(rep.rows.size(), 4u);
    EXPECT_EQ(rep.rows[0].checkpoint, "step500");
    EXPECT_EQ(rep.rows[1].checkpoint, "step10000");
    EXPECT_EQ(rep.rows[1].prompts, 6);
    EXPECT_NEAR(rep.rows[1].alpha0Mean, (base(0, 1, false) + base(0, 1, true)) / 2.0, 1e-12);
}

TEST(SweepReport, InterventionsAreJoinedAndKeepTheirFirstSeenOrder) {
    TempDir dir;
    const auto path = dir.path("t.sqlite");
    {
        auto store = TraceStore::open(path);
        ASSERT_TRUE(store.ok());
        const auto json = encodeRunMetrics(metricsOf(0.5, std::nullopt));
        for (const auto& iv : std::vector<std::vector<std::string>>{
                 {"zerotune:gamma=4"}, {"sinklogit:b=-inf", "suppress:layers=0"}, {}, {"zerotune:gamma=4"}})
            ASSERT_TRUE((*store)->writeRun(runOf("/m/plain", iv, json), {}, {}).ok());
    }
    const auto rep = report(path);
    ASSERT_EQ(rep.rows.size(), 3u);
    EXPECT_EQ(rep.rows[0].intervention, "none");
    EXPECT_EQ(rep.rows[1].intervention, "zerotune:gamma=4");
    EXPECT_EQ(rep.rows[1].runIds, (std::vector<std::int64_t>{1, 4}));
    EXPECT_EQ(rep.rows[2].intervention, "sinklogit:b=-inf + suppress:layers=0");
    EXPECT_EQ(rep.rows[0].model, "/m/plain");
    EXPECT_EQ(rep.rows[0].checkpoint, "");
    EXPECT_EQ(rep.rows[0].step, -1);
}

TEST(SweepReport, DamagedMetricsCountAsPromptsButNotInTheStatistics) {
    TempDir dir;
    const auto path = dir.path("t.sqlite");
    {
        auto store = TraceStore::open(path);
        ASSERT_TRUE(store.ok());
        for (const std::string& json :
             {encodeRunMetrics(metricsOf(0.4, std::nullopt)), std::string("{not json"),
              std::string(R"({"alpha0": [[0.5]], "sink_rate_0.3": 50})"), // not 2 x 2
              std::string(R"({"alpha0": [[0.5, 0.5], [0.5, 0.5]], "sink_rate_0.3": "high"})"),
              encodeRunMetrics(metricsOf(0.6, std::nullopt))})
            ASSERT_TRUE((*store)->writeRun(runOf("/m/x", {}, json), {}, {}).ok());
    }
    const auto rep = report(path);
    ASSERT_EQ(rep.rows.size(), 1u);
    EXPECT_EQ(rep.rows[0].prompts, 5);
    EXPECT_EQ(rep.rows[0].unreadable, 3);
    EXPECT_NEAR(rep.rows[0].alpha0Mean, 0.5, 1e-12);
    EXPECT_NEAR(rep.rows[0].alpha0Std, 0.1, 1e-12);
    EXPECT_NEAR(rep.rows[0].sinkRate, (runRate(0.4) + runRate(0.6)) / 2.0, 1e-9);
    EXPECT_EQ(rep.rows[0].runIds.size(), 5u);
}

TEST(SweepReport, AGroupMixingSinkThresholdsIsAnErrorNamingTheRuns) {
    TempDir dir;
    const auto path = dir.path("t.sqlite");
    {
        auto store = TraceStore::open(path);
        ASSERT_TRUE(store.ok());
        RunMetrics m = metricsOf(0.5, std::nullopt);
        ASSERT_TRUE((*store)->writeRun(runOf("/m/x", {}, encodeRunMetrics(m)), {}, {}).ok());
        m.eps = 0.5;
        ASSERT_TRUE((*store)->writeRun(runOf("/m/x", {}, encodeRunMetrics(m)), {}, {}).ok());
        ASSERT_TRUE((*store)->writeRun(runOf("/m/y", {}, encodeRunMetrics(m)), {}, {}).ok());
    }
    const auto r = readSweepReport(path, allGroupKeys());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, path + ": runs 1 and 2 used different sink thresholds (eps 0.3 and 0.5) "
                                        "(model /m/x, intervention none)");
    // Grouped by intervention, runs 1-3 share a group: the same error, for that group.
    const auto all = readSweepReport(path, {GroupKey::Intervention});
    ASSERT_FALSE(all.ok());
    EXPECT_NE(all.error().message.find("(intervention none)"), std::string::npos) << all.error().message;
}

TEST(SweepReport, AFileThatIsNotATraceIsOneErrorNamingIt) {
    TempDir dir;
    const auto text = dir.write("notes.sqlite", "these are notes, not a trace\n");
    auto r = readSweepReport(text, allGroupKeys());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
    const auto missing = dir.path("nowhere.sqlite");
    r = readSweepReport(missing, allGroupKeys());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(missing), std::string::npos) << r.error().message;
}

TEST(SweepReport, ParsesGroupKeysAndNamesUnknownOnes) {
    auto keys = parseGroupKeys("checkpoint,model");
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(*keys, (std::vector<GroupKey>{GroupKey::Model, GroupKey::Checkpoint}));
    keys = parseGroupKeys("model,intervention,checkpoint");
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(*keys, allGroupKeys());
    EXPECT_EQ(
        parseGroupKeys("modle,intervention,ckpt").error().message,
        "--by: unknown keys \"modle\", \"ckpt\" (use model, intervention, checkpoint, separated by commas)");
    EXPECT_EQ(parseGroupKeys("").error().message,
              "--by: unknown key \"\" (use model, intervention, checkpoint, separated by commas)");
    EXPECT_EQ(parseGroupKeys("model,model").error().message, "--by: \"model\" given twice");
}

TEST(SweepReport, CsvQuotesFieldsPerRfc4180AndLeavesMissingValuesEmpty) {
    EXPECT_EQ(csvField("plain"), "plain");
    EXPECT_EQ(csvField("a,b"), "\"a,b\"");
    EXPECT_EQ(csvField("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csvField("two\nlines"), "\"two\nlines\"");
    SweepReport rep;
    ReportRow row;
    row.model = "/m/a,b";
    row.intervention = "suppress:layers=1-4,heads=0|\"x\"";
    row.prompts = 2;
    row.sinkRate = 100.0 / 3.0;
    row.sinkEps = 0.3;
    row.alpha0Mean = 0.5;
    row.alpha0Std = 0.0;
    row.alpha0Min = 0.5;
    row.alpha0Max = 0.5;
    rep.rows.push_back(row);
    row.checkpoint = "step7";
    row.step = 7;
    row.klMean = 1e-7;
    row.sinkRate = std::nan("");
    rep.rows.push_back(row);
    EXPECT_EQ(sweepReportCsv(rep),
              "model,intervention,checkpoint,step,prompts,sink_rate,sink_eps,alpha0_mean,alpha0_std,"
              "alpha0_min,alpha0_max,kl_mean\n"
              "\"/m/a,b\",\"suppress:layers=1-4,heads=0|\"\"x\"\"\",,,2,33.3333333,0.3,0.5,0,0.5,0.5,\n"
              "\"/m/a,b\",\"suppress:layers=1-4,heads=0|\"\"x\"\"\",step7,7,2,,0.3,0.5,0,0.5,0.5,1e-07\n");
    TempDir dir;
    const auto out = dir.path("report.csv");
    ASSERT_TRUE(writeSweepReportCsv(rep, out).ok());
    EXPECT_EQ(readBytes(out), sweepReportCsv(rep));
    const auto bad = writeSweepReportCsv(rep, dir.path("no/such/dir/report.csv"));
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("no/such/dir/report.csv"), std::string::npos);
}
