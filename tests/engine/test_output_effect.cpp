// Output-effect metrics on hand-computed logits (definitions: docs/methods.md, "Output effect").
#include "metrics/output_effect.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <vector>

using namespace sinkscope;

namespace {

const float kLog3 = static_cast<float>(std::log(3.0));
// float(log 3) is off by ~3e-8, which moves these results by less than 1e-7.
constexpr double kFloatTol = 1e-7;

std::int64_t len(const std::vector<float>& v) {
    return static_cast<std::int64_t>(v.size());
}

TEST(OutputEffect, LogSoftmaxOfSmallRows) {
    const std::vector<float> even{0.0f, 0.0f};
    const auto a = logSoftmax(even.data(), len(even));
    ASSERT_EQ(a.size(), 2u);
    EXPECT_DOUBLE_EQ(a[0], -std::log(2.0)); // p = (1/2, 1/2)
    EXPECT_DOUBLE_EQ(a[1], -std::log(2.0));

    const std::vector<float> skew{kLog3, 0.0f};
    const auto b = logSoftmax(skew.data(), len(skew));
    EXPECT_NEAR(b[0], std::log(0.75), kFloatTol); // p = (3/4, 1/4): e^{log 3} / (3 + 1)
    EXPECT_NEAR(b[1], std::log(0.25), kFloatTol);
    EXPECT_TRUE(logSoftmax(even.data(), 0).empty());
}

TEST(OutputEffect, LogSoftmaxIsStableForLargeLogits) {
    // Naive exp(1e4) overflows; after subtracting the max the row is (0, 0) and (0, -1e4).
    const std::vector<float> big{1e4f, 1e4f};
    const auto a = logSoftmax(big.data(), len(big));
    EXPECT_DOUBLE_EQ(a[0], -std::log(2.0));
    EXPECT_DOUBLE_EQ(a[1], -std::log(2.0));

    const std::vector<float> spread{-1e4f, 0.0f}; // e^{-1e4} underflows to 0 but its log stays finite
    const auto b = logSoftmax(spread.data(), len(spread));
    EXPECT_DOUBLE_EQ(b[0], -1e4);
    EXPECT_DOUBLE_EQ(b[1], 0.0);
}

TEST(OutputEffect, KlOfTwoPointDistributions) {
    const std::vector<float> p{0.0f, 0.0f};  // (1/2, 1/2)
    const std::vector<float> q{kLog3, 0.0f}; // (3/4, 1/4)
    // KL(p||q) = 1/2 ln((1/2)/(3/4)) + 1/2 ln((1/2)/(1/4)) = 1/2 ln(2/3 * 2) = 1/2 ln(4/3) = 0.143841036...
    EXPECT_NEAR(klDivergence(p.data(), q.data(), 2), 0.14384103622589042, kFloatTol);
    // KL(q||p) = 3/4 ln(3/2) + 1/4 ln(1/2) = 0.304098831 - 0.173286795 = 0.130812036: KL is not symmetric.
    EXPECT_NEAR(klDivergence(q.data(), p.data(), 2), 0.13081203594113697, kFloatTol);
}

TEST(OutputEffect, KlOfIdenticalOrShiftedRowsIsZero) {
    const std::vector<float> a{1.5f, -2.0f, 3.25f, 0.0f};
    EXPECT_EQ(klDivergence(a.data(), a.data(), len(a)), 0.0);
    // Adding a constant to every logit leaves the distribution unchanged.
    const std::vector<float> shifted{101.5f, 98.0f, 103.25f, 100.0f};
    EXPECT_NEAR(klDivergence(a.data(), shifted.data(), len(a)), 0.0, 1e-12);
    EXPECT_GE(klDivergence(a.data(), shifted.data(), len(a)), 0.0); // never a negative rounding residue
}

TEST(OutputEffect, KlIsStableForLargeLogits) {
    // p = (1/2, 1/2); q = (e, 1) / (1 + e) once 1e4 is subtracted.
    // KL = -ln 2 - 1/2 (ln q0 + ln q1) = -ln 2 - 1/2 (1 - 2 ln(1 + e)) = ln(1 + e) - ln 2 - 1/2
    //    = 1.313261688 - 0.693147181 - 0.5 = 0.120114507
    const std::vector<float> p{1e4f, 1e4f};
    const std::vector<float> q{10001.0f, 1e4f};
    const double kl = klDivergence(p.data(), q.data(), 2);
    EXPECT_TRUE(std::isfinite(kl));
    EXPECT_NEAR(kl, 0.12011450695827752, 1e-12);
}

TEST(OutputEffect, KlWithMaskedTokens) {
    const float inf = std::numeric_limits<float>::infinity();
    // A token the base cannot emit contributes 0 * log(0 / q) = 0: KL((1, 0) || (1/2, 1/2)) = ln 2.
    const std::vector<float> masked{0.0f, -inf};
    const std::vector<float> even{0.0f, 0.0f};
    EXPECT_DOUBLE_EQ(klDivergence(masked.data(), even.data(), 2), std::log(2.0));
    // The other way round the intervened run gives probability 0 to a possible token: KL = +inf.
    EXPECT_EQ(klDivergence(even.data(), masked.data(), 2), inf);
}

// Logits with a three-way tie at the top: order by logit, then by id.
const std::vector<float> kTied{1.0f, 3.0f, 3.0f, 2.0f, 3.0f};

TEST(OutputEffect, TopKOrdersTiesByLowerId) {
    const auto top = topK(kTied.data(), len(kTied), 3);
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0].id, 1);
    EXPECT_EQ(top[1].id, 2);
    EXPECT_EQ(top[2].id, 4);
    // Z = e^1 + 3 e^3 + e^2; p(3) = e^3 / Z = 20.0855 / 70.3653 = 0.285452100
    for (const auto& t : top)
        EXPECT_NEAR(t.prob, 0.28545210004761323, 1e-12);

    const auto all = topK(kTied.data(), len(kTied), 99); // k is clamped to n
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all[3].id, 3);
    EXPECT_NEAR(all[3].prob, 0.10501195904673061, 1e-12); // e^2 / Z
    EXPECT_EQ(all[4].id, 0);
    EXPECT_NEAR(all[4].prob, 0.038631740810429645, 1e-12); // e^1 / Z
    EXPECT_TRUE(topK(kTied.data(), len(kTied), 0).empty());
    EXPECT_TRUE(topK(kTied.data(), len(kTied), -3).empty());
}

TEST(OutputEffect, RankOfAgreesWithTopK) {
    // Tokens 1, 2, 4 tie at 3 (ranks 0, 1, 2 by id), then token 3 (logit 2), then token 0 (logit 1).
    EXPECT_EQ(rankOf(kTied.data(), len(kTied), 1), 0);
    EXPECT_EQ(rankOf(kTied.data(), len(kTied), 2), 1);
    EXPECT_EQ(rankOf(kTied.data(), len(kTied), 4), 2);
    EXPECT_EQ(rankOf(kTied.data(), len(kTied), 3), 3);
    EXPECT_EQ(rankOf(kTied.data(), len(kTied), 0), 4);
    const auto all = topK(kTied.data(), len(kTied), 5);
    for (std::size_t r = 0; r < all.size(); ++r)
        EXPECT_EQ(rankOf(kTied.data(), len(kTied), all[r].id), static_cast<std::int64_t>(r));
    EXPECT_EQ(rankOf(kTied.data(), len(kTied), 5), -1);
    EXPECT_EQ(rankOf(kTied.data(), len(kTied), -1), -1);
}

TEST(OutputEffect, NextTokenEffectOfAReversedRow) {
    const std::vector<float> base{2.0f, 1.0f, 0.0f};
    const std::vector<float> after{0.0f, 1.0f, 2.0f};
    const auto e = nextTokenEffect(base.data(), after.data(), 3, 2);
    // Both rows share Z = 1 + e + e^2 = 11.107337927; log(p/q) = (2, 0, -2), so
    // KL = (2 e^2 - 2 * 1) / Z = 2 (e^2 - 1) / Z = 12.778112198 / 11.107337927 = 1.150420765
    EXPECT_NEAR(e.kl, 1.1504207652088827, 1e-12);
    ASSERT_EQ(e.baseTop.size(), 2u);
    EXPECT_EQ(e.baseTop[0].id, 0);
    EXPECT_NEAR(e.baseTop[0].prob, 0.6652409557748219, 1e-12); // e^2 / Z
    EXPECT_EQ(e.baseTop[1].id, 1);
    EXPECT_NEAR(e.baseTop[1].prob, 0.24472847105479764, 1e-12); // e / Z
    ASSERT_EQ(e.intervenedTop.size(), 2u);
    EXPECT_EQ(e.intervenedTop[0].id, 2);
    EXPECT_EQ(e.intervenedTop[1].id, 1);
    EXPECT_EQ(e.baseTop1, 0);
    EXPECT_EQ(e.intervenedTop1, 2);
    EXPECT_TRUE(e.top1Changed);
    EXPECT_EQ(e.baseTop1RankAfter, 2);                            // last of three after the flip
    EXPECT_NEAR(e.baseTop1ProbAfter, 0.09003057317038046, 1e-12); // 1 / Z
}

TEST(OutputEffect, NextTokenEffectWithoutChange) {
    const std::vector<float> row{0.0f, 5.0f, 1.0f};
    const auto e = nextTokenEffect(row.data(), row.data(), 3, 0); // k = 0 still reports the top-1
    EXPECT_EQ(e.kl, 0.0);
    EXPECT_TRUE(e.baseTop.empty());
    EXPECT_TRUE(e.intervenedTop.empty());
    EXPECT_EQ(e.baseTop1, 1);
    EXPECT_EQ(e.intervenedTop1, 1);
    EXPECT_FALSE(e.top1Changed);
    EXPECT_EQ(e.baseTop1RankAfter, 0);
    // p(1) = e^5 / (1 + e^5 + e) = 148.413159 / 152.131441 = 0.975558...
    EXPECT_NEAR(e.baseTop1ProbAfter, std::exp(5.0) / (1.0 + std::exp(5.0) + std::exp(1.0)), 1e-12);
    EXPECT_NEAR(e.baseTop1ProbAfter, 0.97555875, 1e-7);
}

TEST(OutputEffect, FirstDivergence) {
    using V = std::vector<std::int32_t>;
    EXPECT_FALSE(firstDivergence(V{1, 2, 3}, V{1, 2, 3}).has_value());
    EXPECT_FALSE(firstDivergence(V{}, V{}).has_value());
    EXPECT_EQ(firstDivergence(V{1, 2}, V{1, 2, 3}), 2u); // strict prefix: diverges at the shorter length
    EXPECT_EQ(firstDivergence(V{1, 2, 3}, V{1, 2}), 2u);
    EXPECT_EQ(firstDivergence(V{}, V{5}), 0u);
    EXPECT_EQ(firstDivergence(V{1, 2, 3}, V{1, 9, 3}), 1u); // middle
    EXPECT_EQ(firstDivergence(V{7, 2}, V{1, 2}), 0u);
    EXPECT_EQ(firstDivergence(V{1, 2, 3, 4}, V{1, 2, 3, 5, 6}), 3u); // the mismatch comes before the length
}

TEST(OutputEffect, TokenNll) {
    const std::vector<float> even{0.0f, 0.0f};
    EXPECT_DOUBLE_EQ(tokenNll(even.data(), 2, 0), std::log(2.0)); // -ln(1/2)
    const std::vector<float> skew{kLog3, 0.0f};
    EXPECT_NEAR(tokenNll(skew.data(), 2, 1), std::log(4.0), kFloatTol);       // -ln(1/4)
    EXPECT_NEAR(tokenNll(skew.data(), 2, 0), std::log(4.0 / 3.0), kFloatTol); // -ln(3/4)
    const std::vector<float> spread{-1e4f, 0.0f};
    EXPECT_DOUBLE_EQ(tokenNll(spread.data(), 2, 0), 1e4); // stable: no exp(-1e4) = 0 -> -log(0)
    EXPECT_TRUE(std::isnan(tokenNll(even.data(), 2, 2)));
    EXPECT_TRUE(std::isnan(tokenNll(even.data(), 2, -1)));
}

TEST(OutputEffect, PerplexityOfAUniformDistributionIsTheVocabularySize) {
    constexpr std::int64_t kVocab = 50;
    const std::vector<float> uniform(kVocab, 7.5f); // any constant: p = 1/50 for every token
    PerplexityAccumulator acc;
    for (std::int32_t t = 0; t < 10; ++t)
        acc.add(tokenNll(uniform.data(), kVocab, t * 3));
    EXPECT_EQ(acc.count(), 10);
    EXPECT_NEAR(acc.meanNll(), 3.912023005428146, 1e-12); // ln 50
    EXPECT_NEAR(acc.perplexity(), 50.0, 1e-9);
}

TEST(OutputEffect, PerplexityIsExpOfTheMeanNll) {
    PerplexityAccumulator acc;
    EXPECT_EQ(acc.count(), 0);
    EXPECT_EQ(acc.meanNll(), 0.0);
    EXPECT_EQ(acc.perplexity(), 1.0); // exp(0): no tokens, no surprise
    acc.add(std::log(2.0));
    acc.add(std::log(8.0));
    // mean = (ln 2 + 3 ln 2) / 2 = 2 ln 2 = ln 4 -> perplexity 4 (the geometric mean of 2 and 8)
    EXPECT_NEAR(acc.meanNll(), 2.0 * std::log(2.0), 1e-15);
    EXPECT_NEAR(acc.perplexity(), 4.0, 1e-12);
}

} // namespace
