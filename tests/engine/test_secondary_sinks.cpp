// Secondary sinks (Wong et al.'s rule, docs/methods.md) on hidden states built by hand: the BOS norm
// profile fixes the checked states and each token's direction fixes the layers where it is a sink.
#include "metrics/secondary_sinks.h"

#include <cmath>
#include <gtest/gtest.h>
#include <initializer_list>

using namespace sinkscope;

namespace {

constexpr std::int64_t kDim = 3;

// numStates = L + 1 states of `tokens` tokens, all zero until set.
HiddenStates zeroStates(int numStates, std::int64_t tokens) {
    HiddenStates h;
    h.tokens = tokens;
    h.dim = kDim;
    h.states.assign(static_cast<std::size_t>(numStates),
                    std::vector<float>(static_cast<std::size_t>(tokens * kDim)));
    return h;
}

void set(HiddenStates& h, int state, std::int64_t token, float x, float y, float z = 0.0f) {
    float* v = h.states[static_cast<std::size_t>(state)].data() + token * kDim;
    v[0] = x;
    v[1] = y;
    v[2] = z;
}

// BOS (token 0) along +x with the given norm in each state.
void setBosNorms(HiddenStates& h, std::initializer_list<float> norms) {
    int l = 0;
    for (float n : norms)
        set(h, l++, 0, n, 0.0f);
}

void setRange(HiddenStates& h, std::int64_t token, int from, int to, float x, float y) {
    for (int l = from; l <= to; ++l)
        set(h, l, token, x, y);
}

struct Expected {
    std::int64_t token;
    int firstLayer;
    int layers;
    SinkRole role;
};

void expectRows(const SecondarySinkTable& t, const std::vector<Expected>& want) {
    ASSERT_EQ(t.rows.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        SCOPED_TRACE("row " + std::to_string(i));
        EXPECT_EQ(t.rows[i].token, want[i].token);
        EXPECT_EQ(t.rows[i].firstLayer, want[i].firstLayer);
        EXPECT_EQ(t.rows[i].layers, want[i].layers);
        EXPECT_EQ(sinkRoleName(t.rows[i].role), sinkRoleName(want[i].role));
    }
}

// L = 24 layers (25 states). BOS norms by state:
//   0: 200, 1: 1        (a big fall *before* the jump: ignored)
//   2..9: 100           (diff[1] = +99, the largest jump -> first checked state 2)
//   10: 90, 11..20: 100 (a dip of -10 inside, smaller than the main fall)
//   21: 2, 22..24: 1    (diff[20] = -98, the largest fall after the jump -> last checked state 20)
// Checked states 2..20: 19 states. Primary threshold max(24 - 15, 4 + 1) = 9 layers.
HiddenStates twentyFourLayerModel() {
    HiddenStates h = zeroStates(25, 9);
    setBosNorms(h, {200, 1,   100, 100, 100, 100, 100, 100, 100, 100, 90, 100, 100,
                    100, 100, 100, 100, 100, 100, 100, 100, 2,   1,   1,  1});
    for (int l = 0; l < 25; ++l) {
        set(h, l, 1, 5.0f, 0.0f); // token 1: aligned everywhere, counted only in 2..20 -> 19 layers
        set(h, l, 2, 0.0f, 1.0f); // token 2: orthogonal (cos 0) ...
        set(h, l, 3, 1.0f, 0.5f); // token 3: cos = 1 / sqrt(1.25) = 0.894 <= 0.9, not a sink ...
        // token 4 stays the zero vector: no direction, never a sink (and no 0/0 NaN)
        set(h, l, 5, 0.0f, 0.0f, 2.0f); // token 5: orthogonal inside the range ...
        set(h, l, 6, 0.0f, 3.0f);
        set(h, l, 7, 0.0f, 3.0f);
        set(h, l, 8, 0.0f, 3.0f);
    }
    setRange(h, 2, 5, 10, -7.0f, 0.0f); // ... anti-aligned (|cos| = 1) in 5..10: 6 layers, secondary
    setRange(h, 3, 12, 15, 1.0f, 0.4f); // ... cos = 1 / sqrt(1.16) = 0.928 > 0.9 in 12..15: 4 layers
    for (int l : {0, 1, 21, 22, 23, 24})
        set(h, l, 5, 1.0f, 0.0f);       // ... aligned only outside the range: no row
    setRange(h, 6, 2, 6, 1.0f, 0.0f);   // token 6: 5 layers, just above minLayers -> secondary
    setRange(h, 7, 13, 20, 1.0f, 0.0f); // token 7: 8 layers, just below 9 -> secondary
    setRange(h, 8, 2, 10, 1.0f, 0.0f);  // token 8: 9 layers, exactly the threshold -> primary
    return h;
}

TEST(SecondarySinks, TableOfAConstructedModel) {
    const auto t = secondarySinks(twentyFourLayerModel());
    EXPECT_EQ(t.firstCheckedState, 2);
    EXPECT_EQ(t.lastCheckedState, 20);
    expectRows(t, {{1, 2, 19, SinkRole::Primary},
                   {2, 5, 6, SinkRole::Secondary},
                   {3, 12, 4, SinkRole::Transient}, // 4 is not more than minLayers = 4
                   {6, 2, 5, SinkRole::Secondary},
                   {7, 13, 8, SinkRole::Secondary},
                   {8, 2, 9, SinkRole::Primary}});
}

TEST(SecondarySinks, OptionsMoveTheThresholds) {
    SecondarySinkOptions o;
    o.cosine = 0.95;      // token 3's 0.928 no longer counts
    o.minLayers = 5;      // token 6's 5 layers become transient
    o.primaryMargin = 16; // threshold max(24 - 16, 6) = 8: token 7 becomes primary
    const auto t = secondarySinks(twentyFourLayerModel(), o);
    EXPECT_EQ(t.firstCheckedState, 2);
    EXPECT_EQ(t.lastCheckedState, 20);
    expectRows(t, {{1, 2, 19, SinkRole::Primary},
                   {2, 5, 6, SinkRole::Secondary},
                   {6, 2, 5, SinkRole::Transient},
                   {7, 13, 8, SinkRole::Primary},
                   {8, 2, 9, SinkRole::Primary}});
}

TEST(SecondarySinks, WithoutAFallTheRangeRunsToTheLastState) {
    // Norms 1, 5, 5, 9, 9: diffs 4, 0, 4, 0 -> the first of the tied jumps wins (state 1); no diff after
    // it is negative, so the range is 1..4.
    HiddenStates h = zeroStates(5, 2);
    setBosNorms(h, {1, 5, 5, 9, 9});
    setRange(h, 1, 0, 4, 2.0f, 0.0f); // aligned in all 5 states, counted in 4
    const auto t = secondarySinks(h);
    EXPECT_EQ(t.firstCheckedState, 1);
    EXPECT_EQ(t.lastCheckedState, 4);
    // L = 4: threshold max(4 - 15, 5) = 5, so 4 layers are transient.
    expectRows(t, {{1, 1, 4, SinkRole::Transient}});
}

TEST(SecondarySinks, AJumpAtTheLastTransitionChecksOnlyTheLastState) {
    HiddenStates h = zeroStates(4, 3);
    setBosNorms(h, {1, 1, 1, 50}); // diffs 0, 0, 49 -> state 3 only
    setRange(h, 1, 0, 3, 1.0f, 0.0f);
    setRange(h, 2, 0, 2, 1.0f, 0.0f); // aligned, but only before the jump
    const auto t = secondarySinks(h);
    EXPECT_EQ(t.firstCheckedState, 3);
    EXPECT_EQ(t.lastCheckedState, 3);
    expectRows(t, {{1, 3, 1, SinkRole::Transient}});
}

TEST(SecondarySinks, SmallModelClampsThePrimaryThreshold) {
    // L = 6: L - 15 = -9 would make every sink primary; the threshold is clamped to minLayers + 1 = 5.
    // Norms 1, 10, 10, ...: jump into state 1, no fall -> checked 1..6 (6 states).
    HiddenStates h = zeroStates(7, 5);
    setBosNorms(h, {1, 10, 10, 10, 10, 10, 10});
    setRange(h, 1, 1, 6, 1.0f, 0.0f); // 6 layers -> primary
    setRange(h, 2, 1, 5, 1.0f, 0.0f); // 5 layers = threshold -> primary
    setRange(h, 3, 3, 6, 1.0f, 0.0f); // 4 layers -> transient (not primary as L - 15 would say)
    setRange(h, 4, 6, 6, 1.0f, 0.0f); // 1 layer -> transient
    const auto t = secondarySinks(h);
    EXPECT_EQ(t.firstCheckedState, 1);
    EXPECT_EQ(t.lastCheckedState, 6);
    expectRows(t, {{1, 1, 6, SinkRole::Primary},
                   {2, 1, 5, SinkRole::Primary},
                   {3, 3, 4, SinkRole::Transient},
                   {4, 6, 1, SinkRole::Transient}});

    SecondarySinkOptions o;
    o.minLayers = 2; // threshold max(-9, 3) = 3: 4 layers are now primary, 1 layer still transient
    expectRows(secondarySinks(h, o), {{1, 1, 6, SinkRole::Primary},
                                      {2, 1, 5, SinkRole::Primary},
                                      {3, 3, 4, SinkRole::Primary},
                                      {4, 6, 1, SinkRole::Transient}});
}

TEST(SecondarySinks, ZeroNormVectorsAreNeverSinks) {
    // BOS is the zero vector in every state: flat norms (jump = the first diff, 0) check states 1..3, but
    // nothing has a direction to align with.
    HiddenStates h = zeroStates(4, 3);
    setRange(h, 1, 0, 3, 1.0f, 0.0f);
    const auto t = secondarySinks(h);
    EXPECT_EQ(t.firstCheckedState, 1);
    EXPECT_EQ(t.lastCheckedState, 3);
    EXPECT_TRUE(t.rows.empty());

    // BOS present but token 1 zero in state 2: counted in 1 and 3 only.
    setBosNorms(h, {1, 4, 4, 4});
    set(h, 2, 1, 0.0f, 0.0f);
    expectRows(secondarySinks(h), {{1, 1, 2, SinkRole::Transient}});
}

TEST(SecondarySinks, DegenerateInputs) {
    const auto none = secondarySinks(HiddenStates{});
    EXPECT_EQ(none.firstCheckedState, 0);
    EXPECT_EQ(none.lastCheckedState, -1); // empty range
    EXPECT_TRUE(none.rows.empty());

    HiddenStates bad = zeroStates(3, 2);
    bad.states[1].pop_back(); // not tokens * dim: refuse rather than read past the end
    EXPECT_EQ(secondarySinks(bad).lastCheckedState, -1);

    // One token: the range is still found, but there is nothing besides BOS to report.
    HiddenStates bosOnly = zeroStates(3, 1);
    setBosNorms(bosOnly, {1, 8, 2});
    const auto b = secondarySinks(bosOnly);
    EXPECT_EQ(b.firstCheckedState, 1);
    EXPECT_EQ(b.lastCheckedState, 1);
    EXPECT_TRUE(b.rows.empty());

    // One state (L = 0): nothing to diff, the single state is checked.
    HiddenStates one = zeroStates(1, 2);
    set(one, 0, 0, 1.0f, 0.0f);
    set(one, 0, 1, 3.0f, 0.0f);
    const auto o = secondarySinks(one);
    EXPECT_EQ(o.firstCheckedState, 0);
    EXPECT_EQ(o.lastCheckedState, 0);
    expectRows(o, {{1, 0, 1, SinkRole::Transient}});
}

TEST(SecondarySinks, RoleNames) {
    EXPECT_EQ(sinkRoleName(SinkRole::Primary), "primary");
    EXPECT_EQ(sinkRoleName(SinkRole::Secondary), "secondary");
    EXPECT_EQ(sinkRoleName(SinkRole::Transient), "transient");
}

} // namespace
