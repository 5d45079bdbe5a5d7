// Sink dimensions (docs/methods.md, "Beyond the first token") on residual streams built by hand, where
// every r can be worked out on paper: r = |h[t,d]| / sqrt(sum_d h[t,d]^2 / D).
#include "metrics/sink_dimensions.h"

#include <cmath>
#include <gtest/gtest.h>
#include <vector>

using namespace sinkscope;

namespace {

constexpr std::int64_t kDim = 16;

// numStates states of `tokens` tokens, every entry `fill`.
HiddenStates filled(int numStates, std::int64_t tokens, float fill, std::int64_t dim = kDim) {
    HiddenStates h;
    h.tokens = tokens;
    h.dim = dim;
    h.states.assign(static_cast<std::size_t>(numStates),
                    std::vector<float>(static_cast<std::size_t>(tokens * dim), fill));
    return h;
}

float& at(HiddenStates& h, int state, std::int64_t token, std::int64_t d) {
    return h.states[static_cast<std::size_t>(state)][static_cast<std::size_t>(token * h.dim + d)];
}

// A token of ones with channel 5 = 100: sum of squares 10000 + 15 = 10015, rms = sqrt(10015 / 16),
// r[5] = 100 / sqrt(625.9375) = 3.99700..., r elsewhere = 1 / sqrt(625.9375) = 0.03997...
const double kMassiveR = 100.0 / std::sqrt(10015.0 / 16.0);
// A token of ones with channel 2 = 3: sum of squares 9 + 15 = 24, rms = sqrt(1.5),
// r[2] = 3 / sqrt(1.5) = sqrt(6) = 2.449..., r elsewhere = 1 / sqrt(1.5) = 0.816...
const double kBumpR = std::sqrt(6.0);

// Three states (L = 2) of three tokens, all ones (r = 1 everywhere) except:
//   state 0: token 1 has channel 2 = 3          (r = sqrt 6, in one state only)
//   state 1: token 0 has channel 5 = 100        (r = 3.997)
//   state 2: tokens 0 and 2 have channel 5 = 100
HiddenStates oneMassiveChannel() {
    HiddenStates h = filled(3, 3, 1.0f);
    at(h, 0, 1, 2) = 3.0f;
    at(h, 1, 0, 5) = 100.0f;
    at(h, 2, 0, 5) = 100.0f;
    at(h, 2, 2, 5) = 100.0f;
    return h;
}

void expectPeak(const ChannelPeak& p, std::int64_t dim, std::int64_t token, double value) {
    EXPECT_EQ(p.dim, dim);
    EXPECT_EQ(p.token, token);
    EXPECT_NEAR(p.value, value, 1e-12);
}

using Tokens = std::vector<std::int64_t>;

} // namespace

TEST(SinkDimensions, OneMassiveChannelWithDefaultTau) {
    const SinkDimensions s = sinkDimensions(oneMassiveChannel());
    EXPECT_DOUBLE_EQ(s.tau, 2.0); // min(20, sqrt(16) / 2)
    // Channel 5 peaks at 3.997 >= 2 in states 1 and 2: 2 >= ceil(3 / 2) = 2 states. Channel 2 peaks at
    // 2.449 >= 2 in state 0 only. Every other peak is 1.
    EXPECT_EQ(s.dims, Tokens{5});
    ASSERT_EQ(s.perState.size(), 3u);
    // State 0: channel 2 at token 1; then the r = 1 ties (token 0 reaches it first), lower dims first.
    ASSERT_EQ(s.perState[0].size(), 3u);
    expectPeak(s.perState[0][0], 2, 1, kBumpR);
    expectPeak(s.perState[0][1], 0, 0, 1.0);
    expectPeak(s.perState[0][2], 1, 0, 1.0);
    // States 1 and 2: channel 5 at token 0 (in state 2 token 2 ties with it; the first token wins), then
    // r = 1 from token 1 (token 0's other channels are only 0.04).
    for (int l = 1; l <= 2; ++l) {
        SCOPED_TRACE("state " + std::to_string(l));
        ASSERT_EQ(s.perState[static_cast<std::size_t>(l)].size(), 3u);
        expectPeak(s.perState[static_cast<std::size_t>(l)][0], 5, 0, kMassiveR);
        expectPeak(s.perState[static_cast<std::size_t>(l)][1], 0, 1, 1.0);
        expectPeak(s.perState[static_cast<std::size_t>(l)][2], 1, 1, 1.0);
    }
    // phi_l(t) = r_l[t, 5]: state 0 has 1, 1/sqrt(1.5), 1 (< 2); state 1 only token 0; state 2 tokens 0, 2.
    ASSERT_EQ(s.sinkTokens.size(), 3u);
    EXPECT_EQ(s.sinkTokens[0], Tokens{});
    EXPECT_EQ(s.sinkTokens[1], Tokens{0});
    EXPECT_EQ(s.sinkTokens[2], (Tokens{0, 2}));
    EXPECT_NEAR(s.largestR, kMassiveR, 1e-12);
}

TEST(SinkDimensions, DefaultTauIsCappedAtTwenty) {
    // sqrt(1600) / 2 = 20 and sqrt(4096) / 2 = 32 -> 20; sqrt(4) / 2 = 1.
    EXPECT_DOUBLE_EQ(sinkDimensions(filled(1, 1, 1.0f, 1600)).tau, 20.0);
    EXPECT_DOUBLE_EQ(sinkDimensions(filled(1, 1, 1.0f, 4096)).tau, 20.0);
    EXPECT_DOUBLE_EQ(sinkDimensions(filled(1, 1, 1.0f, 4)).tau, 1.0);
}

TEST(SinkDimensions, ExplicitTau) {
    const HiddenStates h = oneMassiveChannel();
    // tau = 2.4 still admits channel 2 (2.449) in state 0, but one state of three is not enough.
    SinkDimensionsOptions o;
    o.tau = 2.4;
    EXPECT_EQ(sinkDimensions(h, o).dims, Tokens{5});
    // tau = 1: every channel peaks at >= 1 in all three states, so every channel is a sink dimension,
    // and every token has some channel with r >= 1 (a token of ones has r = 1 everywhere).
    o.tau = 1.0;
    const SinkDimensions all = sinkDimensions(h, o);
    EXPECT_DOUBLE_EQ(all.tau, 1.0);
    EXPECT_EQ(all.dims.size(), 16u);
    for (const auto& tokens : all.sinkTokens)
        EXPECT_EQ(tokens, (Tokens{0, 1, 2}));
    // tau = 4 is above every r (3.997): no sink dimensions, so no sink tokens, but one entry per state.
    o.tau = 4.0;
    const SinkDimensions none = sinkDimensions(h, o);
    EXPECT_TRUE(none.dims.empty());
    ASSERT_EQ(none.sinkTokens.size(), 3u);
    for (const auto& tokens : none.sinkTokens)
        EXPECT_TRUE(tokens.empty());
    EXPECT_EQ(none.perState.size(), 3u);
    EXPECT_NEAR(none.largestR, kMassiveR, 1e-12);
}

TEST(SinkDimensions, RExactlyTauCounts) {
    // Token 0 has ones in channels 0..3 and zeros elsewhere: mean square 4/16 = 1/4, rms = 1/2, so
    // r = 1 / (1/2) = 2 exactly (all exact in binary) = the default tau for D = 16.
    HiddenStates h = filled(1, 2, 0.0f);
    for (std::int64_t d = 0; d < 4; ++d)
        at(h, 0, 0, d) = 1.0f;
    for (std::int64_t d = 0; d < kDim; ++d)
        at(h, 0, 1, d) = 1.0f; // token 1 all ones: r = 1
    const SinkDimensions s = sinkDimensions(h);
    EXPECT_EQ(s.perState[0][0].value, 2.0);
    EXPECT_EQ(s.dims, (Tokens{0, 1, 2, 3}));
    EXPECT_EQ(s.sinkTokens[0], Tokens{0});
    // Just above it, nothing qualifies.
    SinkDimensionsOptions o;
    o.tau = std::nextafter(2.0, 3.0);
    EXPECT_TRUE(sinkDimensions(h, o).dims.empty());
}

TEST(SinkDimensions, MajorityOfStatesEdge) {
    // Channel 5 massive (r = 3.997 >= 2) in exactly half of 4 states: ceil(4 / 2) = 2, so it counts.
    HiddenStates four = filled(4, 2, 1.0f);
    at(four, 1, 0, 5) = 100.0f;
    at(four, 3, 1, 5) = 100.0f;
    const SinkDimensions even = sinkDimensions(four);
    EXPECT_EQ(even.dims, Tokens{5});
    // phi is evaluated in every state, including those where the channel is quiet.
    EXPECT_EQ(even.sinkTokens, (std::vector<Tokens>{{}, {0}, {}, {1}}));

    // Massive in 2 of 5 states: ceil(5 / 2) = 3 are needed, so it does not count; in 3 of 5 it does.
    HiddenStates five = filled(5, 2, 1.0f);
    at(five, 0, 0, 5) = 100.0f;
    at(five, 4, 0, 5) = 100.0f;
    EXPECT_TRUE(sinkDimensions(five).dims.empty());
    at(five, 2, 1, 5) = 100.0f;
    EXPECT_EQ(sinkDimensions(five).dims, Tokens{5});

    // One state (L = 0): ceil(1 / 2) = 1.
    HiddenStates one = filled(1, 1, 1.0f);
    at(one, 0, 0, 9) = 100.0f;
    EXPECT_EQ(sinkDimensions(one).dims, Tokens{9});
}

TEST(SinkDimensions, ZeroTokenVectorsHaveRZero) {
    // Token 1 is all zeros in every state: r = 0 there (not 0/0), so it never peaks and is never a sink.
    HiddenStates h = filled(3, 2, 0.0f);
    for (int l = 0; l < 3; ++l) {
        for (std::int64_t d = 0; d < kDim; ++d)
            at(h, l, 0, d) = 1.0f;
        at(h, l, 0, 5) = 100.0f;
    }
    const SinkDimensions s = sinkDimensions(h);
    EXPECT_EQ(s.dims, Tokens{5});
    for (const auto& tokens : s.sinkTokens)
        EXPECT_EQ(tokens, Tokens{0});
    EXPECT_NEAR(s.largestR, kMassiveR, 1e-12);

    // Everything zero: every peak is r = 0 at token 0, no sink dimensions, no NaN anywhere.
    const SinkDimensions z = sinkDimensions(filled(2, 3, 0.0f));
    EXPECT_TRUE(z.dims.empty());
    EXPECT_EQ(z.largestR, 0.0);
    ASSERT_EQ(z.perState.size(), 2u);
    expectPeak(z.perState[0][0], 0, 0, 0.0);
    expectPeak(z.perState[0][2], 2, 0, 0.0);
}

TEST(SinkDimensions, TopChannelsIsClamped) {
    SinkDimensionsOptions o;
    o.topChannels = 40; // more than D = 4
    const SinkDimensions s = sinkDimensions(filled(2, 1, 1.0f, 4), o);
    ASSERT_EQ(s.perState.size(), 2u);
    EXPECT_EQ(s.perState[0].size(), 4u);
    o.topChannels = 0;
    EXPECT_TRUE(sinkDimensions(filled(2, 1, 1.0f, 4), o).perState[1].empty());
}

TEST(SinkDimensions, MalformedStatesGiveOnlyTau) {
    HiddenStates h = filled(2, 3, 1.0f);
    h.states[1].pop_back(); // not tokens * dim
    const SinkDimensions s = sinkDimensions(h);
    EXPECT_DOUBLE_EQ(s.tau, 2.0);
    EXPECT_TRUE(s.dims.empty());
    EXPECT_TRUE(s.perState.empty());
    EXPECT_TRUE(s.sinkTokens.empty());
    EXPECT_TRUE(sinkDimensions(HiddenStates{}).perState.empty());
}

TEST(SinkDimensions, ChannelRatiosOfOneState) {
    const HiddenStates h = oneMassiveChannel();
    const std::vector<float> r = channelRatios(h, 1);
    ASSERT_EQ(r.size(), static_cast<std::size_t>(3 * kDim));
    EXPECT_NEAR(r[5], kMassiveR, 1e-5);                       // token 0, channel 5
    EXPECT_NEAR(r[0], 1.0 / std::sqrt(10015.0 / 16.0), 1e-6); // token 0, another channel
    EXPECT_NEAR(r[kDim + 5], 1.0, 1e-6);                      // token 1: all ones
    // The view's values meet tau exactly where sinkDimensions found the sink tokens.
    const SinkDimensions s = sinkDimensions(h);
    for (std::size_t l = 0; l < 3; ++l) {
        const auto rl = channelRatios(h, l);
        Tokens above;
        for (std::int64_t t = 0; t < 3; ++t)
            if (rl[static_cast<std::size_t>(t * kDim + 5)] >= s.tau) above.push_back(t);
        EXPECT_EQ(above, s.sinkTokens[l]) << "state " << l;
    }
    EXPECT_TRUE(channelRatios(h, 3).empty());
    EXPECT_TRUE(channelRatios(HiddenStates{}, 0).empty());
}
