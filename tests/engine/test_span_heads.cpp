// Span-centric head scores (docs/methods.md, "Beyond the first token") on small attention maps whose
// entries are dyadic, so that mass and ratio come out exact and the >= thresholds can be hit exactly.
#include "metrics/span_heads.h"

#include <cmath>
#include <gtest/gtest.h>
#include <vector>

using namespace sinkscope;

namespace {

MatrixView view(const std::vector<float>& a, std::int64_t t) {
    return MatrixView{a.data(), t, t, t, 0};
}

// T = 6, span V = [1, 3], queries Q = rows 4 and 5. Rows 0..3 are at or before the span's end and do
// not count, however much they look at it (row 3 puts everything on token 1).
//   row 4: span = 0.125 + 0.125 + 0.25 = 0.5,     outside the sinks {0, 2}: 0.125 + 0.25 = 0.375
//   row 5: span = 0.0625 + 0.0625 + 0.125 = 0.25, outside the sinks: 0.0625 + 0.125 = 0.1875
//   mass = (0.5 + 0.25) / 2 = 0.375; ratio = (0.375 + 0.1875) / 0.75 = 0.75
const std::vector<float> kMap{
    1.0f,  0.0f,    0.0f,    0.0f,   0.0f,   0.0f,   //
    0.5f,  0.5f,    0.0f,    0.0f,   0.0f,   0.0f,   //
    0.25f, 0.25f,   0.5f,    0.0f,   0.0f,   0.0f,   //
    0.0f,  1.0f,    0.0f,    0.0f,   0.0f,   0.0f,   //
    0.25f, 0.125f,  0.125f,  0.25f,  0.25f,  0.0f,   //
    0.5f,  0.0625f, 0.0625f, 0.125f, 0.125f, 0.125f, //
};
const std::vector<std::int64_t> kSinks{0, 2};

} // namespace

TEST(SpanHeads, MassAndRatioWithASinkInsideTheSpan) {
    const SpanHeadScore s = spanHeadScore(view(kMap, 6), 1, 3, kSinks);
    EXPECT_TRUE(s.defined);
    EXPECT_EQ(s.mass, 0.375);
    EXPECT_EQ(s.ratio, 0.75);
    EXPECT_TRUE(s.selected); // 0.375 >= 0.2 and 0.75 >= 0.6
}

TEST(SpanHeads, SinksOutsideTheSpanDoNotMatter) {
    // Only sink 2 lies in V; {2} and {2, 0, 5, 2} give the same ratio as {0, 2}.
    EXPECT_EQ(spanHeadScore(view(kMap, 6), 1, 3, {2}).ratio, 0.75);
    EXPECT_EQ(spanHeadScore(view(kMap, 6), 1, 3, {2, 0, 5, 2}).ratio, 0.75);
    // No sinks: all span attention is non-sink, ratio = 1.
    EXPECT_EQ(spanHeadScore(view(kMap, 6), 1, 3, {}).ratio, 1.0);
    // The whole span is sinks: ratio 0, mass unchanged, not selected.
    const SpanHeadScore all = spanHeadScore(view(kMap, 6), 1, 3, {1, 2, 3});
    EXPECT_EQ(all.mass, 0.375);
    EXPECT_EQ(all.ratio, 0.0);
    EXPECT_FALSE(all.selected);
}

TEST(SpanHeads, ThresholdsAreInclusive) {
    SpanHeadOptions o;
    o.minMass = 0.375; // == mass
    o.minRatio = 0.75; // == ratio
    EXPECT_TRUE(spanHeadScore(view(kMap, 6), 1, 3, kSinks, o).selected);
    o.minMass = std::nextafter(0.375, 1.0);
    EXPECT_FALSE(spanHeadScore(view(kMap, 6), 1, 3, kSinks, o).selected);
    o.minMass = 0.375;
    o.minRatio = std::nextafter(0.75, 1.0);
    const SpanHeadScore s = spanHeadScore(view(kMap, 6), 1, 3, kSinks, o);
    EXPECT_FALSE(s.selected);
    EXPECT_TRUE(s.defined); // below a threshold is still a defined score
}

TEST(SpanHeads, OneQueryRow) {
    // Span [1, 4]: Q = {5} alone; span = 0.0625 + 0.0625 + 0.125 + 0.125 = 0.375 = mass;
    // outside the sinks {0, 2}: 0.375 - 0.0625 = 0.3125, ratio = 0.3125 / 0.375 = 5/6.
    const SpanHeadScore s = spanHeadScore(view(kMap, 6), 1, 4, kSinks);
    EXPECT_TRUE(s.defined);
    EXPECT_EQ(s.mass, 0.375);
    EXPECT_NEAR(s.ratio, 5.0 / 6.0, 1e-15);
    EXPECT_TRUE(s.selected);
}

TEST(SpanHeads, NoQueriesIsUndefined) {
    // The span reaches the last token: nothing comes after it.
    const SpanHeadScore s = spanHeadScore(view(kMap, 6), 2, 5, kSinks);
    EXPECT_FALSE(s.defined);
    EXPECT_FALSE(s.selected);
    EXPECT_EQ(s.mass, 0.0);
    EXPECT_EQ(s.ratio, 0.0);
}

TEST(SpanHeads, SpanWithoutAttentionIsDefinedButNeverSelected) {
    // T = 3, span [1, 1], Q = {2}, and row 2 puts everything on token 0: mass 0, ratio 0/0 -> 0.
    const std::vector<float> a{1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
    SpanHeadOptions o;
    o.minMass = 0.0;
    o.minRatio = 0.0;
    const SpanHeadScore s = spanHeadScore(view(a, 3), 1, 1, {}, o);
    EXPECT_TRUE(s.defined);
    EXPECT_EQ(s.mass, 0.0);
    EXPECT_EQ(s.ratio, 0.0);
    EXPECT_FALSE(s.selected);
}

TEST(SpanHeads, InvalidSpansAreUndefined) {
    EXPECT_FALSE(spanHeadScore(view(kMap, 6), 3, 1, kSinks).defined);  // first > last
    EXPECT_FALSE(spanHeadScore(view(kMap, 6), -1, 2, kSinks).defined); // starts before token 0
    EXPECT_FALSE(spanHeadScore(view(kMap, 6), 4, 6, kSinks).defined);  // ends past the last token
}

TEST(SpanHeads, PartialMapScoresTheRowsItHolds) {
    // Rows 4 and 5 alone, at their absolute positions: the same queries, the same score.
    const MatrixView tail{kMap.data() + 4 * 6, 2, 6, 6, 4};
    const SpanHeadScore s = spanHeadScore(tail, 1, 3, kSinks);
    EXPECT_EQ(s.mass, 0.375);
    EXPECT_EQ(s.ratio, 0.75);
}
