// Sink-head map and the sink rate over prompts (definitions: docs/methods.md, "Sink head", "Sink rate").
#include "metrics/sink_heads.h"
#include "metrics/sink_metrics.h"

#include <gtest/gtest.h>

using namespace sinkscope;

namespace {

using Map = std::vector<std::vector<bool>>;

TEST(SinkHeads, MapMarksHeadsStrictlyAboveEps) {
    // Layer 0: 0.9 > 0.3 yes, 0.3 is not strictly greater, 0.31 yes; layer 1: 0.0 no, 0.2999 no.
    const std::vector<std::vector<double>> alpha0{{0.9, 0.3, 0.31}, {0.0, 0.2999}};
    EXPECT_EQ(sinkHeadMap(alpha0), (Map{{true, false, true}, {false, false}}));
    EXPECT_EQ(sinkHeadMap(alpha0, 0.3), sinkHeadMap(alpha0)); // 0.3 is the default
    EXPECT_EQ(sinkHeadMap(alpha0, 0.5), (Map{{true, false, false}, {false, false}}));
    EXPECT_EQ(sinkHeadMap(alpha0, 0.0), (Map{{true, true, true}, {false, true}})); // 0.0 > 0.0 is false
    EXPECT_TRUE(sinkHeadMap({}).empty());
}

TEST(SinkHeads, FlagsReadTheMapLayerByLayer) {
    // The head overview's and grid figures' layout: layer 0's heads, then layer 1's.
    const std::vector<std::vector<double>> alpha0{{0.9, 0.3, 0.31}, {0.0, 0.2999}};
    EXPECT_EQ(sinkHeadFlags(alpha0), (std::vector<bool>{true, false, true, false, false}));
    EXPECT_EQ(sinkHeadFlags(alpha0, 0.5), (std::vector<bool>{true, false, false, false, false}));
    EXPECT_TRUE(sinkHeadFlags({}).empty());
    EXPECT_EQ(kSinkEpsilon, 0.3); // the published threshold every default names
}

TEST(SinkHeads, SinkRateOverPromptsLayersAndHeads) {
    // 2 prompts x 2 layers x 2 heads = 8 entries.
    const std::vector<std::vector<std::vector<double>>> alpha{
        {{0.9, 0.1}, {0.5, 0.3}},  // above 0.3: 0.9, 0.5 -> 2
        {{0.31, 0.0}, {0.29, 1.0}} // above 0.3: 0.31, 1.0 -> 2
    };
    EXPECT_DOUBLE_EQ(sinkRateOver(alpha), 50.0);      // 100 * 4 / 8
    EXPECT_DOUBLE_EQ(sinkRateOver(alpha, 0.4), 37.5); // 0.9, 0.5, 1.0 -> 100 * 3 / 8
    EXPECT_DOUBLE_EQ(sinkRateOver(alpha, 1.0), 0.0);  // nothing is strictly above 1
    EXPECT_DOUBLE_EQ(sinkRateOver(alpha, -1.0), 100.0);
    // The same as sinkRate over the flattened values.
    EXPECT_DOUBLE_EQ(sinkRateOver(alpha), sinkRate({0.9, 0.1, 0.5, 0.3, 0.31, 0.0, 0.29, 1.0}));
}

TEST(SinkHeads, SinkRateOverCountsEveryEntryOnce) {
    EXPECT_DOUBLE_EQ(sinkRateOver({}), 0.0);
    EXPECT_DOUBLE_EQ(sinkRateOver({{}, {{}}}), 0.0); // prompts without entries: no division by zero
    // Ragged: 1 of 4 entries is a sink -> 25 %, not the mean of per-prompt rates (100 % and 0 % -> 50 %).
    EXPECT_DOUBLE_EQ(sinkRateOver({{{1.0}}, {{0.0, 0.0, 0.0}}}), 25.0);
}

} // namespace
