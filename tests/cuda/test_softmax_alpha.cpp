// The capture kernel against the CPU path: probabilities from engine/intervene's softmax,
// alpha_k from engine/metrics, the fp16 copy from core's rounding.
#include "core/half.h"
#include "core/matrix_view.h"
#include "cuda/softmax_alpha.h"
#include "cuda_test_support.h"
#include "intervene/operators.h"
#include "metrics/sink_metrics.h"

#include <limits>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

class SoftmaxAlpha : public CudaTest {};

MutableMatrixView hostMatrix(std::vector<float>& v, const Shape& s, std::int64_t m) {
    return {v.data() + m * s.matrixStride(), s.rows, s.cols, s.rowStride, s.firstRow};
}

void checkShape(const Shape& s, double b, bool inPlace) {
    SCOPED_TRACE(testing::Message() << "count " << s.count << " rows " << s.rows << " cols " << s.cols
                                    << " firstRow " << s.firstRow << " b " << b
                                    << (inPlace ? " in place" : ""));
    const std::vector<float> scores = randomScores(s, 7);
    std::vector<float> want = scores;
    std::vector<float> wantF16(static_cast<std::size_t>(s.count * s.rows * s.cols));
    std::vector<float> wantAlpha;
    for (std::int64_t m = 0; m < s.count; ++m) {
        const MutableMatrixView w = hostMatrix(want, s, m);
        sinkLogitSoftmax(w.view(), b, w);
        for (std::int64_t r = 0; r < s.rows; ++r)
            for (std::int64_t j = 0; j < s.cols; ++j)
                wantF16[static_cast<std::size_t>((m * s.rows + r) * s.cols + j)] =
                    f16ToF32(f32ToF16(w.at(r, j)));
        const auto alpha = columnImportance(w.view());
        wantAlpha.insert(wantAlpha.end(), alpha.begin(), alpha.end());
    }

    DeviceBuffer<float> in(scores);
    DeviceBuffer<float> probs(std::vector<float>(scores.size(), kPadding));
    DeviceBuffer<std::uint16_t> half(std::vector<std::uint16_t>(wantF16.size(), 0xffff));
    DeviceBuffer<float> sums(std::vector<float>(static_cast<std::size_t>(s.count * s.cols), 0.0f));
    cuda::SoftmaxOutputs out{s.on(inPlace ? in.get() : probs.get()), half.get(), sums.get()};
    ASSERT_CUDA(cuda::softmaxWithColumnSums(s.on(in.get()), out, nullptr, b));

    const auto got = (inPlace ? in : probs).toHost();
    EXPECT_LT(normalizedError(got, want), 1e-6);
    EXPECT_TRUE(paddingUntouched(got, want));
    std::vector<float> gotF16;
    for (std::uint16_t h : half.toHost())
        gotF16.push_back(f16ToF32(h));
    EXPECT_LT(normalizedError(gotF16, wantF16), 1e-3); // half precision: 11 significant bits
    const auto gotSums = sums.toHost();
    std::vector<float> gotAlpha, wantAlphaF(wantAlpha.begin(), wantAlpha.end());
    for (std::int64_t m = 0; m < s.count; ++m)
        for (std::int64_t k = 0; k < s.cols; ++k) {
            const auto n = cuda::rowsSeeingKey(s.on(nullptr), k);
            gotAlpha.push_back(n ? gotSums[static_cast<std::size_t>(m * s.cols + k)] / static_cast<float>(n)
                                 : 0.0f);
        }
    EXPECT_LT(normalizedError(gotAlpha, wantAlphaF), 1e-5);
}

TEST_F(SoftmaxAlpha, MatchesTheCpuPathOnEveryShape) {
    for (const Shape& s : testShapes())
        checkShape(s, -std::numeric_limits<double>::infinity(), false);
}

TEST_F(SoftmaxAlpha, InPlaceAndWithASinkLogit) {
    for (const Shape& s : testShapes()) {
        checkShape(s, 0.0, true);
        checkShape(s, 8.0, false); // b above every score: most mass goes to the sink logit
    }
}

TEST_F(SoftmaxAlpha, ColumnSumsAccumulateAcrossCalls) {
    // A generation step adds its row to the prompt's sums.
    const Shape prompt{2, 5, 6, 6, 0}, step{2, 1, 6, 6, 5};
    DeviceBuffer<float> a(randomScores(prompt, 1)), b(randomScores(step, 2));
    DeviceBuffer<float> sums(std::vector<float>(12, 0.0f));
    ASSERT_CUDA(cuda::softmaxWithColumnSums(prompt.on(a.get()), {prompt.on(a.get()), nullptr, sums.get()}));
    ASSERT_CUDA(cuda::softmaxWithColumnSums(step.on(b.get()), {step.on(b.get()), nullptr, sums.get()}));
    auto pa = a.toHost(), pb = b.toHost();
    const auto got = sums.toHost();
    for (std::int64_t m = 0; m < 2; ++m)
        for (std::int64_t k = 0; k < 6; ++k) {
            double want = pb[static_cast<std::size_t>(m * 6 + k)];
            for (std::int64_t r = 0; r < 5; ++r)
                want += pa[static_cast<std::size_t>(m * 30 + r * 6 + k)];
            EXPECT_NEAR(got[static_cast<std::size_t>(m * 6 + k)], want, 1e-6) << m << "," << k;
        }
}

// Host-side checks: they need no device and run everywhere.
TEST(SoftmaxAlphaHost, RefusesMismatchedShapesBeforeLaunching) {
    float* fake = reinterpret_cast<float*>(16);
    const cuda::AttentionBatch a{fake, 1, 4, 4, 4, 16, 0};
    cuda::AttentionBatch other = a;
    other.cols = 3;
    EXPECT_EQ(cuda::softmaxWithColumnSums(a, {other, nullptr, nullptr}), cudaErrorInvalidValue);
    cuda::AttentionBatch overlapping = a;
    overlapping.rowStride = 3; // rows would overlap
    EXPECT_EQ(cuda::softmaxWithColumnSums(overlapping, {overlapping, nullptr, nullptr}),
              cudaErrorInvalidValue);
    cuda::AttentionBatch empty = a;
    empty.rows = 0;
    EXPECT_EQ(cuda::softmaxWithColumnSums(empty, {empty, nullptr, nullptr}), cudaSuccess); // nothing to do
}

TEST(SoftmaxAlphaHost, RowsSeeingKeyCountsCausalRows) {
    const cuda::AttentionBatch prefill{nullptr, 1, 5, 5, 5, 25, 0};
    EXPECT_EQ(cuda::rowsSeeingKey(prefill, 0), 5);
    EXPECT_EQ(cuda::rowsSeeingKey(prefill, 4), 1);
    const cuda::AttentionBatch decode{nullptr, 1, 2, 12, 12, 24, 10};
    EXPECT_EQ(cuda::rowsSeeingKey(decode, 0), 2);
    EXPECT_EQ(cuda::rowsSeeingKey(decode, 11), 1);
    EXPECT_EQ(cuda::rowsSeeingKey(decode, 12), 0);
}

} // namespace
