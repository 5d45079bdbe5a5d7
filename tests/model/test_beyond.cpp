// Sink dimensions, catch-tag-release and span-centric heads on stories260K, captured by the
// engine, against float64 values from an independent NumPy implementation
// (tools/make_beyond_golden.py -> tests/data/golden/beyond_stories260k.json).
#include "metrics/sink_dimensions.h"
#include "model/model.h"
#include "session/prompt_metrics.h"
#include "test_paths.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

nlohmann::json golden() {
    std::ifstream in(dataPath("golden/beyond_stories260k.json"));
    return nlohmann::json::parse(in);
}

void expectOptional(const std::optional<double>& got, const nlohmann::json& want, double tol,
                    const std::string& what) {
    if (want.is_null()) {
        EXPECT_FALSE(got.has_value()) << what;
        return;
    }
    ASSERT_TRUE(got.has_value()) << what;
    EXPECT_NEAR(*got, want.get<double>(), tol) << what;
}

} // namespace

TEST(Beyond, Stories260KMatchesTheIndependentImplementation) {
    const auto g = golden();
    auto m = Model::load(sharedModelPath("stories260K/stories260K.bin"));
    ASSERT_TRUE(m.ok()) << m.error().message;
    const auto& c = (*m)->config();
    BeyondOptions beyond;
    beyond.catchTagRelease = true;
    beyond.ctr = CtrOptions{g["theta"].get<double>(), g["sink"].get<std::int64_t>()};
    beyond.span = std::make_pair(g["span"][0].get<std::int64_t>(), g["span"][1].get<std::int64_t>());
    PromptMetricsObserver obs(c.nLayers, c.nHeads, beyond);
    ASSERT_TRUE((*m)->forward(g["token_ids"].get<std::vector<std::int32_t>>(), &obs).ok());

    const auto dims = sinkDimensions(obs.hiddenStates());
    const auto& gd = g["sink_dims"];
    EXPECT_DOUBLE_EQ(dims.tau, gd["tau"].get<double>());
    EXPECT_EQ(dims.dims, gd["dims"].get<std::vector<std::int64_t>>());
    EXPECT_NEAR(dims.largestR, gd["largest_r"].get<double>(), 1e-3);
    ASSERT_EQ(dims.perState.size(), gd["per_state"].size());
    for (std::size_t s = 0; s < dims.perState.size(); ++s)
        for (std::size_t k = 0; k < 3; ++k) {
            EXPECT_EQ(dims.perState[s][k].dim, gd["per_state"][s][k][0].get<std::int64_t>()) << "state " << s;
            EXPECT_EQ(dims.perState[s][k].token, gd["per_state"][s][k][1].get<std::int64_t>())
                << "state " << s;
            EXPECT_NEAR(dims.perState[s][k].value, gd["per_state"][s][k][2].get<double>(), 1e-3)
                << "state " << s;
        }

    for (int l = 0; l < c.nLayers; ++l)
        for (int h = 0; h < c.nHeads; ++h) {
            const auto& want = g["ctr"][static_cast<std::size_t>(l)][static_cast<std::size_t>(h)];
            const auto& got = obs.catchTagRelease()[static_cast<std::size_t>(l)][static_cast<std::size_t>(h)];
            const std::string where = "layer " + std::to_string(l) + " head " + std::to_string(h);
            EXPECT_EQ(got.caught, want["caught"].get<std::int64_t>()) << where;
            expectOptional(got.tagShare, want["tag_share"], 1e-3, where + " tag_share");
            expectOptional(got.pc1Var, want["pc1_var"], 1e-3, where + " pc1_var");
            expectOptional(got.pc1CosTag, want["pc1_cos_tag"], 1e-3, where + " pc1_cos_tag");
            const auto& span = obs.spanHeads()[static_cast<std::size_t>(l)][static_cast<std::size_t>(h)];
            const auto& wantSpan = g["span_heads"][static_cast<std::size_t>(l)][static_cast<std::size_t>(h)];
            EXPECT_NEAR(span.mass, wantSpan["mass"].get<double>(), 1e-4) << where;
            EXPECT_NEAR(span.ratio, wantSpan["ratio"].get<double>(), 1e-4) << where;
        }
}
