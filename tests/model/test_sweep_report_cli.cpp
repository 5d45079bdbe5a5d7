// `sweep-report` on a real sweep: the bundled default and sigmoid models x {none, suppress} over a
// prompts file. Each model's unmodified row must give the Sink_1^0.3 and alpha_0 that `metrics
// --prompts-file` reports for the same model and prompts, so the table cannot drift from the
// definition the rest of SinkScope uses; the CSV, the table and the figures come from one report.
#include "cli_run.h"
#include "temp_dir.h"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

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

} // namespace

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
