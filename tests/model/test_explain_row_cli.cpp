// `sinkscope-cli run --explain-row LAYER,HEAD,QUERY`: the row's scores and weights as the engine's
// row explanation gives them (softmax of the scores = the weights; suppression: 0 on token 0, sum 1),
// the same row as the ordinary intervened run's alpha_0 reads, and one-line errors for bad rows.
#include "cli_run.h"
#include "test_paths.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace sinkscope::test;

namespace {

const std::string kStories = sharedModelPath("stories260K/stories260K.bin");
const std::string kIds = "--token-ids 1,461,392,284,265,300,41,77";

double sum(const nlohmann::json& a) {
    double s = 0;
    for (const auto& v : a)
        s += v.get<double>();
    return s;
}

} // namespace

TEST(ExplainRowCli, JsonGivesTheScoresAndTheirSoftmax) {
    const auto r = runCli("run --model " + kStories + " " + kIds + " --explain-row 1,3,6 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    EXPECT_EQ(j["layer"], 1);
    EXPECT_EQ(j["head"], 3);
    EXPECT_EQ(j["query"], 6);
    EXPECT_EQ(j["weighting"], "softmax");
    EXPECT_EQ(j["tokens"].size(), 7u);
    EXPECT_FALSE(j.contains("intervened"));
    const auto& z = j["base"]["scores"];
    const auto& w = j["base"]["weights"];
    ASSERT_EQ(z.size(), 7u);
    ASSERT_EQ(w.size(), 7u);
    double mx = -1e30, total = 0;
    for (const auto& v : z)
        mx = std::max(mx, v.get<double>());
    for (const auto& v : z)
        total += std::exp(v.get<double>() - mx);
    for (std::size_t k = 0; k < z.size(); ++k)
        EXPECT_NEAR(std::exp(z[k].get<double>() - mx) / total, w[k].get<double>(), 1e-5);
    EXPECT_NEAR(sum(w), 1.0, 1e-5);
    EXPECT_NEAR(j["base"]["row_sum"].get<double>(), 1.0, 1e-5);
    EXPECT_EQ(j["base"]["mass_on_first"], w[0]);
    EXPECT_TRUE(j["base"]["extra_logit"].is_null());
}

TEST(ExplainRowCli, SuppressionShowsBothRows) {
    const auto r = runCli("run --model " + kStories + " " + kIds + " --explain-row 3,1,7 -i suppress --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    ASSERT_TRUE(j.contains("intervened"));
    EXPECT_EQ(j["interventions_on_head"], nlohmann::json::array({"suppress"}));
    EXPECT_GT(j["base"]["mass_on_first"].get<double>(), 0.0);
    EXPECT_EQ(j["intervened"]["mass_on_first"].get<double>(), 0.0);
    EXPECT_NEAR(sum(j["intervened"]["weights"]), 1.0, 1e-5);
    EXPECT_NEAR(sum(j["base"]["weights"]), 1.0, 1e-5);
}

TEST(ExplainRowCli, HumanTableShowsTheSinkLogitColumn) {
    const auto r = runCli("run --model " + kStories + " " + kIds + " --explain-row 3,1,7 -i sinklogit:b=1");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("layer 3 head 1, query 7"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("softmax: w_j = e^z_j / sum_k e^z_k"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("intervention on this head: sinklogit:b=1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(extra logit)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mass on token 0"), std::string::npos) << r.out;
}

TEST(ExplainRowCli, BadRowsAreOneLineErrors) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"1,3", "give LAYER,HEAD,QUERY as three whole numbers"},
        {"a,b,c", "give LAYER,HEAD,QUERY"},
        {"9,0,0", "layer 9 is out of range (the model has 5 layers, 0-4)"},
        {"0,8,0", "head 8 is out of range (the model has 8 heads, 0-7)"},
        {"0,0,8", "query 8 is out of range (the prompt has 8 tokens, 0-7)"},
    };
    for (const auto& [row, message] : cases) {
        const auto r = runCli("run --model " + kStories + " " + kIds + " --explain-row " + row);
        EXPECT_EQ(r.code, 1) << row << ": " << r.out;
        EXPECT_NE(r.out.find(message), std::string::npos) << row << ": " << r.out;
        // One error line (the model's "note:" lines may precede it).
        std::size_t errors = 0;
        for (std::size_t pos = 0; (pos = r.out.find("sinkscope-cli: ", pos)) != std::string::npos; ++pos)
            ++errors;
        EXPECT_EQ(errors, 1u) << r.out;
    }
}
