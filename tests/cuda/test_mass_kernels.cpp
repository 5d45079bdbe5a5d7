// The mass-moving intervention kernels (ZeroTuning / suppression, ACT, VAR redistribution)
// against engine/intervene's CPU operators, on softmax rows with strong sinks, with one sink set
// shared by all heads and with a sink set per head.
#include "core/matrix_view.h"
#include "cuda/fixed_fraction.h"
#include "cuda/redistribute.h"
#include "cuda/scale_renormalize.h"
#include "cuda_test_support.h"
#include "intervene/operators.h"

#include <functional>
#include <limits>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

class MassKernels : public CudaTest {};

using CpuOp = std::function<void(const MutableMatrixView&, const std::vector<std::int64_t>&)>;
using GpuOp = std::function<cudaError_t(const cuda::AttentionBatch&, const cuda::SinkMask&)>;

// Softmax rows (the CPU operator's output) for the operators to move mass in.
std::vector<float> attention(const Shape& s) {
    std::vector<float> a = randomScores(s, 11);
    for (std::int64_t m = 0; m < s.count; ++m) {
        MutableMatrixView v{a.data() + m * s.matrixStride(), s.rows, s.cols, s.rowStride, s.firstRow};
        sinkLogitSoftmax(v.view(), -std::numeric_limits<double>::infinity(), v);
    }
    return a;
}

// Matrix m's sinks: {0} and, per head, a second column that differs between heads.
std::vector<std::int64_t> sinksOf(std::int64_t m, bool perHead) {
    return perHead ? std::vector<std::int64_t>{0, 3 + m} : std::vector<std::int64_t>{0, 3};
}

void checkParity(const CpuOp& cpu, const GpuOp& gpu) {
    for (const bool perHead : {false, true})
        for (const Shape& s : testShapes()) {
            SCOPED_TRACE(testing::Message()
                         << "count " << s.count << " rows " << s.rows << " cols " << s.cols << " firstRow "
                         << s.firstRow << (perHead ? " per-head sinks" : ""));
            const std::vector<float> before = attention(s);
            std::vector<float> want = before;
            std::vector<std::uint8_t> mask(static_cast<std::size_t>((perHead ? s.count : 1) * s.cols), 0);
            for (std::int64_t m = 0; m < s.count; ++m) {
                const auto sinks = sinksOf(m, perHead);
                cpu({want.data() + m * s.matrixStride(), s.rows, s.cols, s.rowStride, s.firstRow}, sinks);
                if (perHead || m == 0)
                    for (auto j : sinks)
                        mask[static_cast<std::size_t>((perHead ? m : 0) * s.cols + j)] = 1;
            }
            ASSERT_GT(normalizedError(before, want), 1e-3)
                << "the CPU operator changed nothing: a vacuous test";
            DeviceBuffer<float> a(before);
            DeviceBuffer<std::uint8_t> m(mask);
            ASSERT_CUDA(gpu(s.on(a.get()), {m.get(), perHead ? s.cols : 0}));
            const auto got = a.toHost();
            EXPECT_LT(normalizedError(got, want), 1e-6);
            EXPECT_TRUE(paddingUntouched(got, want));
        }
}

TEST_F(MassKernels, SuppressionMatchesTheCpuOperator) {
    checkParity([](const MutableMatrixView& a, const auto& sinks) { scaleRenormalize(a, sinks, 0.0); },
                [](const cuda::AttentionBatch& a, const cuda::SinkMask& m) {
                    return cuda::scaleRenormalize(a, m, 0.0);
                });
}

TEST_F(MassKernels, ZeroTuningMatchesTheCpuOperator) {
    for (const double gamma : {0.25, 4.0})
        checkParity(
            [gamma](const MutableMatrixView& a, const auto& sinks) { scaleRenormalize(a, sinks, gamma); },
            [gamma](const cuda::AttentionBatch& a, const cuda::SinkMask& m) {
                return cuda::scaleRenormalize(a, m, gamma);
            });
}

TEST_F(MassKernels, ActMatchesTheCpuOperator) {
    checkParity([](const MutableMatrixView& a, const auto& sinks) { fixedFraction(a, sinks, 0.4); },
                [](const cuda::AttentionBatch& a, const cuda::SinkMask& m) {
                    return cuda::fixedFraction(a, m, 0.4);
                });
}

TEST_F(MassKernels, RedistributionMatchesTheCpuOperator) {
    // The span starts before a sink (column 3 is skipped) and reaches past short rows' ends.
    const TokenSpan span{2, 40};
    checkParity([&](const MutableMatrixView& a, const auto& sinks) { redistribute(a, sinks, 0.6, span); },
                [&](const cuda::AttentionBatch& a, const cuda::SinkMask& m) {
                    return cuda::redistribute(a, m, 0.6, span.first, span.last);
                });
}

// Host-side checks: they need no device and run everywhere.
TEST(MassKernelsHost, ParametersTheCpuIgnoresLaunchNothing) {
    float* fake = reinterpret_cast<float*>(16);
    const std::uint8_t* mask = reinterpret_cast<const std::uint8_t*>(16);
    const cuda::AttentionBatch a{fake, 1, 4, 4, 4, 16, 0};
    // A launch on a fake pointer without a device would fail: cudaSuccess proves none happened.
    for (double gamma :
         {1.0, -0.5, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()})
        EXPECT_EQ(cuda::scaleRenormalize(a, {mask, 0}, gamma), cudaSuccess) << gamma;
    for (double beta : {1.0, 1.5, -0.1, std::numeric_limits<double>::quiet_NaN()})
        EXPECT_EQ(cuda::fixedFraction(a, {mask, 0}, beta), cudaSuccess) << beta;
    EXPECT_EQ(cuda::redistribute(a, {mask, 0}, 0.0, 1, 2), cudaSuccess);
    EXPECT_EQ(cuda::redistribute(a, {mask, 0}, 0.5, 3, 2), cudaSuccess); // empty span
    EXPECT_EQ(cuda::scaleRenormalize(a, {nullptr, 0}, 0.0), cudaErrorInvalidValue);
    EXPECT_EQ(cuda::fixedFraction(a, {mask, -4}, 0.5), cudaErrorInvalidValue);
}

} // namespace
