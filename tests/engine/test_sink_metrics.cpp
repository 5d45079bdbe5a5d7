// Sink metrics on hand-computed attention matrices (definitions: docs/methods.md).
#include "metrics/sink_metrics.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace sinkscope;

namespace {

// 3x3 causal attention: rows sum to 1.
const std::vector<float> kA{1.0f, 0.0f, 0.0f, //
                            0.6f, 0.4f, 0.0f, //
                            0.5f, 0.2f, 0.3f};

MatrixView view(const std::vector<float>& a, std::int64_t rows, std::int64_t cols, std::int64_t first = 0) {
    return MatrixView{a.data(), rows, cols, cols, first};
}

TEST(SinkMetrics, ColumnImportanceAveragesOverQueriesThatSeeTheKey) {
    const auto alpha = columnImportance(view(kA, 3, 3));
    ASSERT_EQ(alpha.size(), 3u);
    EXPECT_NEAR(alpha[0], (1.0 + 0.6 + 0.5) / 3.0, 1e-7);
    EXPECT_NEAR(alpha[1], (0.4 + 0.2) / 2.0, 1e-7);
    EXPECT_NEAR(alpha[2], 0.3, 1e-7);
    EXPECT_NEAR(columnImportanceAt(view(kA, 3, 3), 1), 0.3, 1e-7);
}

TEST(SinkMetrics, AccumulatorGivesTheSameAnswerRowByRow) {
    ColumnImportanceAccumulator acc;
    acc.addRows(view(kA, 2, 3));                        // rows 0-1 (prefill)
    acc.addRows(MatrixView{kA.data() + 6, 1, 3, 3, 2}); // row 2 (a generation step)
    EXPECT_NEAR(acc.alphaAt(0), 0.7, 1e-7);
    EXPECT_NEAR(acc.alphaAt(1), 0.3, 1e-7);
    EXPECT_EQ(acc.alphaAt(7), 0.0);
}

TEST(SinkMetrics, SinkRateIsThePercentageAboveEps) {
    EXPECT_DOUBLE_EQ(sinkRate({0.9, 0.1, 0.31, 0.3}, 0.3), 50.0);
    EXPECT_DOUBLE_EQ(sinkRate({}, 0.3), 0.0);
}

TEST(SinkMetrics, EntropyOfRows) {
    const double h1 = -(0.6 * std::log(0.6) + 0.4 * std::log(0.4));
    const double h2 = -(0.5 * std::log(0.5) + 0.2 * std::log(0.2) + 0.3 * std::log(0.3));
    EXPECT_NEAR(meanRowEntropy(view(kA, 3, 3)), (0.0 + h1 + h2) / 3.0, 1e-6);
}

} // namespace
