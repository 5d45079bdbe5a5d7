// The inference attention kernels against masked softmax attention in plain ATen ops: odd lengths
// and head sizes (tile and vector tails), grouped-query heads, strided inputs, batches; capture
// (what observers receive, on which path), and the two-step form's bit-for-bit agreement with the
// fused one; the split GEMMs of inference passes.
#include "model/blas_check.h"
#include "model/inference_attention.h"
#include "model/parallel_linear.h"

#include <ATen/ATen.h>
#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <map>
#include <mutex>

using namespace sinkscope;
namespace sd = sinkscope::detail;

namespace {

struct Shape {
    std::int64_t B, H, Hkv, T, hd;
};

struct Inputs {
    at::Tensor q, k, v;
};

// q, k, v as the model makes them: head views [B, H, T, hd] of a [B, T, H * hd] projection.
Inputs makeInputs(const Shape& s, int seed) {
    at::manual_seed(seed);
    auto heads = [&](std::int64_t n, double scale) {
        return (at::randn({s.B, s.T, n, s.hd}) * scale).transpose(1, 2);
    };
    return {heads(s.H, 1.5), heads(s.Hkv, 1.0), heads(s.Hkv, 1.0)};
}

at::Tensor referenceProbs(const Inputs& in) {
    const std::int64_t H = in.q.size(1), G = H / in.k.size(1), T = in.q.size(2);
    const auto k = in.k.repeat_interleave(G, 1);
    auto z = at::matmul(in.q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(in.q.size(3)));
    z = z.masked_fill(at::ones({T, T}, at::kBool).triu(1), -INFINITY);
    return at::softmax(z, -1);
}

at::Tensor referenceOutput(const Inputs& in) {
    const std::int64_t G = in.q.size(1) / in.k.size(1);
    return at::matmul(referenceProbs(in), in.v.repeat_interleave(G, 1));
}

// Keeps a copy of every head it is given; optionally declares itself safe for worker threads.
class Keeper : public ForwardObserver {
public:
    Keeper(bool concurrent, int skipHead = -1) : m_concurrent(concurrent), m_skip(skipHead) {}
    bool wantsAttention(int, int head) override { return head != m_skip; }
    bool concurrentAttention() const override { return m_concurrent; }
    void onAttention(int layer, int head, const MatrixView& w) override {
        std::vector<float> copy(static_cast<std::size_t>(w.rows * w.cols));
        for (std::int64_t r = 0; r < w.rows; ++r)
            std::copy(w.row(r), w.row(r) + w.cols, copy.begin() + r * w.cols);
        std::lock_guard<std::mutex> lock(m_mutex);
        EXPECT_EQ(w.firstRow, 0);
        EXPECT_TRUE(m_maps.emplace(std::make_pair(layer, head), std::move(copy)).second)
            << "head delivered twice";
    }
    std::map<std::pair<int, int>, std::vector<float>> m_maps;

private:
    bool m_concurrent;
    int m_skip;
    std::mutex m_mutex;
};

} // namespace

TEST(InferenceAttention, MatchesReferenceOverTailsGroupsAndBatches) {
    const Shape shapes[] = {{1, 1, 1, 2, 2},   {1, 3, 3, 5, 8},    {2, 6, 2, 37, 8},  {1, 4, 4, 33, 16},
                            {1, 2, 1, 70, 40}, {1, 4, 2, 131, 64}, {2, 2, 2, 64, 32}, {1, 1, 1, 1, 16}};
    int seed = 1;
    for (const auto& s : shapes) {
        const auto in = makeInputs(s, seed++);
        const auto out = sd::causalAttentionInference(in.q, in.k, in.v, 0, nullptr);
        ASSERT_EQ(out.sizes(), in.q.sizes());
        EXPECT_LT((out - referenceOutput(in)).abs().max().item<double>(), 2e-5)
            << "B " << s.B << " H " << s.H << " Hkv " << s.Hkv << " T " << s.T << " hd " << s.hd;
        // Merging heads back is free: the result is a view of a [B, T, H, hd] tensor.
        EXPECT_TRUE(out.transpose(1, 2).is_contiguous());
    }
}

TEST(InferenceAttention, CapturedHeadsAreTheReferenceProbabilitiesOnEitherThreadingPath) {
    const Shape s{1, 6, 3, 300, 24}; // heads big enough to be spread over threads
    const auto in = makeInputs(s, 7);
    const auto ref = referenceProbs(in).contiguous();
    Keeper serial(false, /*skipHead=*/4), concurrent(true, /*skipHead=*/4);
    const auto a = sd::causalAttentionInference(in.q, in.k, in.v, 3, &serial);
    const auto b = sd::causalAttentionInference(in.q, in.k, in.v, 3, &concurrent);
    EXPECT_TRUE(at::equal(a, b));
    ASSERT_EQ(serial.m_maps.size(), 5u);
    ASSERT_EQ(concurrent.m_maps.size(), 5u);
    for (const auto& [key, map] : serial.m_maps) {
        EXPECT_EQ(key.first, 3);
        EXPECT_NE(key.second, 4) << "an unwanted head was delivered";
        EXPECT_EQ(map, concurrent.m_maps.at(key)) << "head " << key.second;
        const float* r = ref.data_ptr<float>() + key.second * s.T * s.T;
        for (std::int64_t i = 0; i < s.T; ++i)
            for (std::int64_t j = 0; j < s.T; ++j) {
                const float got = map[static_cast<std::size_t>(i * s.T + j)];
                if (j > i) {
                    ASSERT_EQ(got, 0.0f) << "future key " << j << " of row " << i;
                } else {
                    ASSERT_NEAR(got, r[i * s.T + j], 1e-6) << "row " << i << " key " << j;
                }
            }
    }
}

TEST(InferenceAttention, TwoStepFormAgreesBitForBitWithTheFusedKernel) {
    for (const Shape& s : {Shape{1, 4, 2, 29, 8}, Shape{1, 2, 2, 67, 64}, Shape{2, 3, 1, 18, 20}}) {
        const auto in = makeInputs(s, 11);
        Keeper keep(true);
        const auto fused = sd::causalAttentionInference(in.q, in.k, in.v, 0, s.B == 1 ? &keep : nullptr);
        at::Tensor scores;
        const auto probs = sd::causalProbabilities(in.q, in.k, &scores);
        EXPECT_TRUE(at::equal(sd::causalWeightedSum(probs, in.v), fused)) << "T " << s.T;
        for (const auto& [key, map] : keep.m_maps)
            EXPECT_EQ(0, std::memcmp(map.data(), probs[0][key.second].contiguous().data_ptr<float>(),
                                     map.size() * sizeof(float)));
        // Scores: scaled q.k on and below the diagonal, -inf above it.
        const std::int64_t G = s.H / s.Hkv;
        auto z = at::matmul(in.q, in.k.repeat_interleave(G, 1).transpose(-1, -2)) / std::sqrt(double(s.hd));
        z = z.masked_fill(at::ones({s.T, s.T}, at::kBool).triu(1), -INFINITY);
        EXPECT_TRUE(at::allclose(scores, z, 1e-5, 1e-5));
        EXPECT_TRUE(at::equal(at::isinf(scores), at::isinf(z)));
    }
}

// Inside a scope OpenBLAS runs single-threaded and products are split over LibTorch's threads;
// the results equal at::linear's, and the thread count comes back when the last scope ends.
TEST(SplitLinear, MatchesLinearAndRestoresBlasThreads) {
    const BlasInfo before = detectBlas();
    if (!before.isOpenBlas) GTEST_SKIP() << "not OpenBLAS";
    setComputeThreads(2);
    at::manual_seed(3);
    const auto x = at::randn({2, 37, 96}), w = at::randn({530, 96}), b = at::randn({530});
    {
        const sd::BlasThreadScope outer(true);
        {
            const sd::BlasThreadScope inner(true);
            EXPECT_EQ(detectBlas().threads, 1);
            EXPECT_TRUE(at::allclose(sd::splitLinear(x, w, b), at::linear(x, w, b), 1e-5, 1e-5));
            EXPECT_TRUE(at::allclose(sd::splitLinear(x, w), at::linear(x, w), 1e-5, 1e-5));
        }
        EXPECT_EQ(detectBlas().threads, 1) << "the outer scope is still alive";
    }
    EXPECT_EQ(detectBlas().threads, 2);
    const sd::BlasThreadScope training(false); // a pass with gradients leaves OpenBLAS alone
    EXPECT_EQ(detectBlas().threads, 2);
    setComputeThreads(before.threads);
}
