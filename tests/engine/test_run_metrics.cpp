// The metrics a trace file keeps with each run (trace/run_metrics.h): the encoder writes the JSON
// trace files have always held, the decoder reads it back exactly, and each malformed field gives
// one error naming it (strict) or reads as absent on its own (readRunMetrics, for display).
#include "trace/run_metrics.h"

#include <gtest/gtest.h>

using namespace sinkscope;

namespace {

RunMetrics sample() {
    RunMetrics m;
    m.alpha0 = {{0.5, 0.25}, {0.75, 1.0 / 3}};
    m.sinkRate = 50.0;
    m.klFromBase = 0.125;
    return m;
}

TEST(RunMetrics, EncodesTheKeysOfEveryStoredTrace) {
    // Byte for byte what trace_run wrote before the record was typed (nlohmann, keys sorted).
    RunMetrics m = sample();
    m.alpha0 = {{0.5, 0.25}, {0.75, 0.125}};
    EXPECT_EQ(encodeRunMetrics(m),
              R"({"alpha0":[[0.5,0.25],[0.75,0.125]],"kl_from_base":0.125,"sink_rate_0.3":50.0})");
    m.klFromBase.reset();
    EXPECT_EQ(encodeRunMetrics(m), R"({"alpha0":[[0.5,0.25],[0.75,0.125]],"sink_rate_0.3":50.0})");
    EXPECT_EQ(sinkRateKey(0.3), "sink_rate_0.3");
    EXPECT_EQ(sinkRateKey(0.5), "sink_rate_0.5");
}

TEST(RunMetrics, RoundTripsEveryField) {
    for (bool withKl : {true, false}) {
        RunMetrics m = sample();
        if (!withKl) m.klFromBase.reset();
        auto back = decodeRunMetrics(encodeRunMetrics(m), 2, 2);
        ASSERT_TRUE(back) << back.error().message;
        EXPECT_EQ(back->alpha0, m.alpha0); // bit for bit, 1/3 included
        EXPECT_EQ(back->sinkRate, m.sinkRate);
        EXPECT_EQ(back->eps, kSinkEpsilon);
        EXPECT_EQ(back->klFromBase, m.klFromBase);
    }
    // Another threshold is stored under its own key and read back under it.
    RunMetrics m = sample();
    m.eps = 0.5;
    auto back = decodeRunMetrics(encodeRunMetrics(m), 2, 2, 0.5);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->eps, 0.5);
    EXPECT_EQ(back->sinkRate, 50.0);
    EXPECT_EQ(decodeRunMetrics(encodeRunMetrics(m), 2, 2).error().message, "run metrics: no sink_rate_0.3");
}

TEST(RunMetrics, ReadsIntegersAsNumbers) {
    auto m = decodeRunMetrics(R"({"alpha0": [[1, 0]], "sink_rate_0.3": 50})", 1, 2);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->alpha0, (std::vector<std::vector<double>>{{1.0, 0.0}}));
    EXPECT_EQ(m->sinkRate, 50.0);
    EXPECT_FALSE(m->klFromBase);
}

TEST(RunMetrics, EachMalformedFieldIsOneErrorNamingIt) {
    const std::string rate = R"("sink_rate_0.3": 25)";
    const struct {
        std::string json, error;
    } cases[] = {
        {"not json", "run metrics: not a JSON object"},
        {"[1, 2]", "run metrics: not a JSON object"},
        {"", "run metrics: not a JSON object"},
        {"{" + rate + "}", "run metrics: no alpha0"},
        {R"({"alpha0": "wide", )" + rate + "}", "run metrics: alpha0 is not a 1 x 2 table of numbers"},
        {R"({"alpha0": [[0.5]], )" + rate + "}", "run metrics: alpha0 is not a 1 x 2 table of numbers"},
        {R"({"alpha0": [], )" + rate + "}", "run metrics: alpha0 is not a 1 x 2 table of numbers"},
        {R"({"alpha0": [["x", 0.1]], )" + rate + "}", "run metrics: alpha0 is not a 1 x 2 table of numbers"},
        {R"({"alpha0": [[0.5, 0.1], [0.2, 0.3]], )" + rate + "}",
         "run metrics: alpha0 is not a 1 x 2 table of numbers"},
        {R"({"alpha0": [0.5, 0.1], )" + rate + "}", "run metrics: alpha0 is not a 1 x 2 table of numbers"},
        {R"({"alpha0": [[0.5, 0.1]]})", "run metrics: no sink_rate_0.3"},
        {R"({"alpha0": [[0.5, 0.1]], "sink_rate_0.3": "many"})",
         "run metrics: sink_rate_0.3 is not a number"},
        {R"({"alpha0": [[0.5, 0.1]], )" + rate + R"(, "kl_from_base": "far"})",
         "run metrics: kl_from_base is not a number"},
        {R"({"alpha0": [[0.5, 0.1]], )" + rate + R"(, "kl_from_base": null})",
         "run metrics: kl_from_base is not a number"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.json);
        auto m = decodeRunMetrics(c.json, 1, 2);
        ASSERT_FALSE(m);
        EXPECT_EQ(m.error().message, c.error);
    }
}

TEST(RunMetrics, ForDisplayAMalformedFieldReadsAsAbsentOnItsOwn) {
    // The stored-run view still shows the sink rate and KL of a file whose alpha0 is damaged, and
    // the grid export still marks sink heads when only the KL is.
    auto m = readRunMetrics(R"({"alpha0": "wide", "sink_rate_0.3": 50.0, "kl_from_base": 0.5})", 1, 2);
    EXPECT_TRUE(m.alpha0.empty());
    EXPECT_EQ(m.sinkRate, 50.0);
    EXPECT_EQ(m.klFromBase, 0.5);
    m = readRunMetrics(R"({"alpha0": [[0.5, 0.1]], "sink_rate_0.3": "x", "kl_from_base": "far"})", 1, 2);
    EXPECT_EQ(m.alpha0, (std::vector<std::vector<double>>{{0.5, 0.1}}));
    EXPECT_EQ(m.sinkRate, 0.0);
    EXPECT_FALSE(m.klFromBase);
    for (const char* json : {"not json", "{}", "[]", R"({"sink_rate_0.3": null})"}) {
        SCOPED_TRACE(json);
        m = readRunMetrics(json, 1, 2);
        EXPECT_TRUE(m.alpha0.empty());
        EXPECT_EQ(m.sinkRate, 0.0);
        EXPECT_FALSE(m.klFromBase);
    }
}

} // namespace
