// `sweep-report` on a real sweep: the bundled default and sigmoid models x {none, suppress} over a
// prompts file. Each model's unmodified row must give the Sink_1^0.3 and alpha_0 that `metrics
// --prompts-file` reports for the same model and prompts, so the table cannot drift from the
// definition the rest of SinkScope uses; the CSV, the table and the figures come from one report.
#include "cli_run.h"
#include "temp_dir.h"
#include "trace/run_metrics.h"
#include "trace/trace_store.h"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace sinkscope;
using namespace sinkscope::test;
namespace fs = std::filesystem;

namespace {

std::string bundled(const std::string& name) {
    return std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/" + name;
}
const std::string kSuppress = "suppress:layers=1-4";

// The report's CSV (no quoted fields in this sweep) as rows of name -> value.
std::vector<std::map<std::string, std::string>> readCsv(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    std::vector<std::string> header;
    std::vector<std::map<std::string, std::string>> rows;
    auto split = [](const std::string& l) {
        std::vector<std::string> fields;
        std::stringstream s(l);
        std::string f;
        while (std::getline(s, f, ','))
            fields.push_back(f);
        if (!l.empty() && l.back() == ',') fields.emplace_back();
        return fields;
    };
    std::getline(in, line);
    header = split(line);
    while (std::getline(in, line)) {
        const auto fields = split(line);
        EXPECT_EQ(fields.size(), header.size()) << line;
        auto& row = rows.emplace_back();
        for (std::size_t i = 0; i < std::min(fields.size(), header.size()); ++i)
            row[header[i]] = fields[i];
    }
    return rows;
}

// The mean of every number in a JSON value (a number or nested arrays of them).
void collect(const nlohmann::json& j, double& sum, int& n) {
    if (j.is_number()) {
        sum += j.get<double>();
        ++n;
    } else if (j.is_array()) {
        for (const auto& v : j)
            collect(v, sum, n);
    }
}

// A trace of one model's checkpoints (no model needed: the report reads stored metrics only).
std::string checkpointTrace(const TempDir& d, const std::vector<int>& steps) {
    const auto path = d.path("ckpt.sqlite");
    auto store = TraceStore::open(path);
    EXPECT_TRUE(store.ok());
    for (int step : steps)
        for (bool suppressed : {false, true}) {
            RunRecord r;
            r.model.path = "/runs/tiny/step" + std::to_string(step);
            if (suppressed) r.interventions = {kSuppress};
            RunMetrics m;
            m.alpha0 = {{0.5, 0.1}};
            m.sinkRate = suppressed ? 10.0 : 50.0;
            r.metricsJson = encodeRunMetrics(m);
            r.layers = 1;
            r.heads = 2;
            EXPECT_TRUE((*store)->writeRun(r, {}, {}).ok());
        }
    return path;
}

} // namespace

TEST(SweepReportCli, CheckpointsDrawCurvesBesideTheTable) {
    TempDir d;
    // Steps 0..10000 span four decades: a log axis, every step shifted by one for step 0.
    auto trace = checkpointTrace(d, {0, 100, 10000});
    auto r = runCli("sweep-report " + trace + " --out " + d.path("rates.svg"));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("wrote " + d.path("rates.svg") + "\nwrote " + d.path("rates-table.svg")),
              std::string::npos)
        << r.out;
    auto svg = readBytes(d.path("rates.svg"));
    EXPECT_NE(svg.find(">checkpoint step + 1<"), std::string::npos);
    EXPECT_NE(svg.find(">tiny · none<"), std::string::npos);
    EXPECT_NE(svg.find(">tiny · " + kSuppress + "<"), std::string::npos);
    EXPECT_NE(svg.find(">Sink_1^0.3 (%)<"), std::string::npos);
    const auto table = readBytes(d.path("rates-table.svg"));
    EXPECT_NE(table.find(">tiny · step100<"), std::string::npos);
    EXPECT_NE(table.find(">none<"), std::string::npos);

    // Steps within two decades: a linear axis of the steps themselves.
    TempDir e;
    trace = checkpointTrace(e, {100, 200, 400});
    r = runCli("sweep-report " + trace + " --out " + e.path("rates.svg"));
    ASSERT_EQ(r.code, 0) << r.out;
    svg = readBytes(e.path("rates.svg"));
    EXPECT_NE(svg.find(">checkpoint step<"), std::string::npos);
    EXPECT_NE(svg.find(">400<"), std::string::npos); // a linear tick

    // Grouped without checkpoints there is no curve: the table is FIG itself.
    r = runCli("sweep-report " + trace + " --by model,intervention --out " + e.path("flat.png"));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_TRUE(fs::exists(e.path("flat.png")));
    EXPECT_FALSE(fs::exists(e.path("flat-table.png")));
    r = runCli("sweep-report " + trace + " --out " + e.path("rates.jpg"));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find(e.path("rates.jpg")), std::string::npos) << r.out;
}

TEST(SweepReportCli, UnmodifiedRowsMatchTheMetricsOfTheSamePrompts) {
    TempDir d;
    const auto prompts = d.write("prompts.txt", "Once upon a time\nThe cat sat on the mat\nA little girl\n");
    const std::vector<std::string> models = {bundled("default"), bundled("sigmoid")};
    const auto spec = d.write("spec.json", nlohmann::json{{"models", models},
                                                          {"prompts_file", "prompts.txt"},
                                                          {"interventions", {"none", kSuppress}}}
                                               .dump());
    const auto out = d.path("sweep.sqlite");
    const auto sweep = runCli("sweep " + spec + " --out " + out + " --workers 2");
    ASSERT_EQ(sweep.code, 0) << sweep.out;

    const auto csv = d.path("report.csv");
    const auto r = runCli("sweep-report " + out + " --csv " + csv + " --out " + d.path("rates.svg"));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("Sink_1^0.3 %"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("wrote " + csv), std::string::npos) << r.out;
    EXPECT_TRUE(fs::exists(d.path("rates.svg"))); // no checkpoints: the table figure only
    EXPECT_FALSE(fs::exists(d.path("rates-table.svg")));

    const auto rows = readCsv(readBytes(csv));
    ASSERT_EQ(rows.size(), 4u);
    for (std::size_t m = 0; m < models.size(); ++m) {
        const auto& none = rows[2 * m];
        const auto& suppressed = rows[2 * m + 1];
        EXPECT_EQ(none.at("model"), models[m]);
        EXPECT_EQ(none.at("intervention"), "none");
        EXPECT_EQ(suppressed.at("intervention"), kSuppress);
        EXPECT_EQ(none.at("prompts"), "3");
        EXPECT_EQ(none.at("checkpoint"), "");
        EXPECT_EQ(none.at("sink_eps"), "0.3");

        const auto metrics = runCli("metrics -m " + models[m] + " --prompts-file " + prompts + " --json");
        ASSERT_EQ(metrics.code, 0) << metrics.out;
        const auto j = jsonOf(metrics);
        EXPECT_NEAR(std::stod(none.at("sink_rate")), j.at("sink_rate").get<double>(), 1e-6) << models[m];
        double sum = 0;
        int n = 0;
        collect(j.at("alpha0_mean"), sum, n);
        ASSERT_GT(n, 0);
        EXPECT_NEAR(std::stod(none.at("alpha0_mean")), sum / n, 1e-6) << models[m];
    }

    // --json carries the same rows, with the run ids behind each.
    const auto json = runCli("sweep-report " + out + " --json");
    ASSERT_EQ(json.code, 0) << json.out;
    const auto j = jsonOf(json);
    ASSERT_EQ(j.at("rows").size(), 4u);
    EXPECT_EQ(j.at("rows")[0].at("run_ids").size(), 3u);
    EXPECT_NEAR(j.at("rows")[0].at("sink_rate").get<double>(), std::stod(rows[0].at("sink_rate")), 1e-6);
}

TEST(SweepReportCli, BadInputIsOneLineNamingIt) {
    TempDir d;
    const auto notes = d.write("notes.txt", "not a trace\n");
    auto r = runCli("sweep-report " + notes);
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    EXPECT_NE(r.out.find(notes), std::string::npos) << r.out;
    r = runCli("sweep-report " + notes + " --by model,prompt");
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "sinkscope-cli: --by: unknown key \"prompt\" (use model, intervention, checkpoint, "
                     "separated by commas)\n");
}
