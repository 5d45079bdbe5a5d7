// rowNorms: the L2 norm per token behind massive activations and key/value norms (docs/methods.md).
#include "metrics/sink_metrics.h"

#include <cmath>
#include <gtest/gtest.h>
#include <vector>

using namespace sinkscope;

namespace {

TEST(RowNorms, NormOfEachRow) {
    const std::vector<float> m{3.0f,  4.0f,  // sqrt(9 + 16) = 5
                               0.0f,  0.0f,  // 0
                               -1.0f, 0.0f,  // 1: signs do not matter
                               1e4f,  1e4f}; // 1e4 * sqrt(2) = 14142.1356, a massive activation
    const auto n = rowNorms(m.data(), 4, 2);
    ASSERT_EQ(n.size(), 4u);
    EXPECT_FLOAT_EQ(n[0], 5.0f);
    EXPECT_FLOAT_EQ(n[1], 0.0f);
    EXPECT_FLOAT_EQ(n[2], 1.0f);
    EXPECT_FLOAT_EQ(n[3], 14142.135623730952f);
}

TEST(RowNorms, ShapesAtTheEdges) {
    const std::vector<float> m{2.0f, 0.0f, 0.0f, 0.0f, 1.0f, 2.0f};
    EXPECT_TRUE(rowNorms(m.data(), 0, 3).empty());
    const auto one = rowNorms(m.data(), 2, 3); // rows are dim apart: (2, 0, 0) and (0, 1, 2)
    ASSERT_EQ(one.size(), 2u);
    EXPECT_FLOAT_EQ(one[0], 2.0f);
    EXPECT_FLOAT_EQ(one[1], std::sqrt(5.0f));
    const auto empty = rowNorms(m.data(), 3, 0); // D = 0: every row has norm 0
    EXPECT_EQ(empty, (std::vector<float>{0.0f, 0.0f, 0.0f}));
}

} // namespace
