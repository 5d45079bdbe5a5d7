// The sink-logit softmax kernel against engine/intervene's CPU operator, across b from plain
// softmax (-inf) through finite logits to the limits (+inf, NaN, beyond float range) and rows
// with nothing to weigh.
#include "core/matrix_view.h"
#include "cuda/sink_logit_softmax.h"
#include "cuda_test_support.h"
#include "intervene/operators.h"

#include <limits>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

class SinkLogitSoftmaxKernel : public CudaTest {};

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<float> cpu(const Shape& s, std::vector<float> v, double b) {
    for (std::int64_t m = 0; m < s.count; ++m) {
        MutableMatrixView w{v.data() + m * s.matrixStride(), s.rows, s.cols, s.rowStride, s.firstRow};
        sinkLogitSoftmax(w.view(), b, w);
    }
    return v;
}

TEST_F(SinkLogitSoftmaxKernel, MatchesTheCpuOperator) {
    for (const double b : {-kInf, -2.0, 0.0, 5.0})
        for (const Shape& s : testShapes()) {
            SCOPED_TRACE(testing::Message() << "b " << b << " cols " << s.cols);
            const auto scores = randomScores(s, 3);
            const auto want = cpu(s, scores, b);
            DeviceBuffer<float> in(scores), out(std::vector<float>(scores.size(), kPadding));
            ASSERT_CUDA(cuda::sinkLogitSoftmax(s.on(in.get()), b, s.on(out.get())));
            const auto got = out.toHost();
            EXPECT_LT(normalizedError(got, want), 1e-6);
            EXPECT_TRUE(paddingUntouched(got, want));
            // In place gives the same.
            ASSERT_CUDA(cuda::sinkLogitSoftmax(s.on(in.get()), b, s.on(in.get())));
            EXPECT_LT(normalizedError(in.toHost(), want), 1e-6);
        }
}

TEST_F(SinkLogitSoftmaxKernel, LimitsGiveZerosNeverNaN) {
    const Shape s{2, 4, 4, 4, 0};
    auto scores = randomScores(s, 5);
    for (std::int64_t j = 0; j < 4; ++j)
        scores[static_cast<std::size_t>(2 * 4 + j)] =
            -std::numeric_limits<float>::infinity(); // row 2: all masked
    for (const double b : {kInf, std::numeric_limits<double>::quiet_NaN(), -kInf, 1e39}) {
        const auto want = cpu(s, scores, b);
        DeviceBuffer<float> a(scores);
        ASSERT_CUDA(cuda::sinkLogitSoftmax(s.on(a.get()), b, s.on(a.get())));
        const auto got = a.toHost();
        for (std::size_t i = 0; i < got.size(); ++i) {
            ASSERT_FALSE(std::isnan(got[i])) << "b " << b << " at " << i;
            if (want[i] == 0.0f) {
                EXPECT_EQ(got[i], 0.0f) << "b " << b << " at " << i;
            }
        }
        EXPECT_LT(normalizedError(got, want), 1e-6) << "b " << b;
    }
}

} // namespace
