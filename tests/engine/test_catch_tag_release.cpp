// Catch, tag, release (docs/methods.md, "Beyond the first token") on hand-made heads: small causal maps,
// value vectors and W_O slices whose outputs o_i = wo * sum_j A[i,j] v_j and tag u = wo * v_s are worked
// out in the comments. Also the Jacobi eigen-solver the PCA rests on.
#include "metrics/catch_tag_release.h"
#include "metrics/symmetric_eigen.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <vector>

using namespace sinkscope;

namespace {

constexpr double kTol = 1e-12;

MatrixView view(const std::vector<float>& a, std::int64_t t) {
    return MatrixView{a.data(), t, t, t, 0};
}

using Tokens = std::vector<std::int64_t>;

// The PCA head: T = 6, hs = 2, D = 3, wo = [[1,0],[0,1],[0,0]] (outputs are the values, padded with 0).
// Rows 1..4 put 0.5 on the sink 0 and 0.5 on themselves; row 5 puts only 0.25 on the sink.
//   v0 = (1,1) -> u = (1,1,0), |u| = sqrt 2
//   o1 = 0.5 (1,1) + 0.5 (4,0)  = (2.5, 0.5)     o2 = 0.5 (1,1) + 0.5 (-4,0) = (-1.5, 0.5)
//   o3 = 0.5 (1,1) + 0.5 (0,2)  = (0.5, 1.5)     o4 = 0.5 (1,1) + 0.5 (0,-2) = (0.5, -0.5)
//   mean (0.5, 0.5); centred (2,0), (-2,0), (0,1), (0,-1): scatter diag(8, 2), trace 10
//   -> PC1 = x (share 8/10), PC2 = y; cos(PC1, u) = 1/sqrt 2; u projects (1, 1).
const std::vector<float> kPcaMap{
    1.0f,  0.0f, 0.0f, 0.0f, 0.0f, 0.0f,  //
    0.5f,  0.5f, 0.0f, 0.0f, 0.0f, 0.0f,  //
    0.5f,  0.0f, 0.5f, 0.0f, 0.0f, 0.0f,  //
    0.5f,  0.0f, 0.0f, 0.5f, 0.0f, 0.0f,  //
    0.5f,  0.0f, 0.0f, 0.0f, 0.5f, 0.0f,  //
    0.25f, 0.0f, 0.0f, 0.0f, 0.0f, 0.75f, //
};
const std::vector<float> kPcaValues{1, 1, 4, 0, -4, 0, 0, 2, 0, -2, 1, 0};
const std::vector<float> kPlaneWo{1, 0, 0, 1, 0, 0};

CtrScore pcaHead(const CtrOptions& o = {}) {
    return catchTagRelease(view(kPcaMap, 6), kPcaValues.data(), 2, kPlaneWo.data(), 3, o);
}

} // namespace

TEST(SymmetricEigen, TwoByTwo) {
    // [[2,1],[1,2]]: eigenvalues 3 and 1, eigenvectors (1,1)/sqrt 2 and (1,-1)/sqrt 2.
    const SymmetricEigen e = symmetricEigen({2, 1, 1, 2}, 2);
    ASSERT_EQ(e.values.size(), 2u);
    EXPECT_NEAR(e.values[0], 3.0, kTol);
    EXPECT_NEAR(e.values[1], 1.0, kTol);
    EXPECT_NEAR(std::abs(e.vectors[0 * 2 + 0]), 1.0 / std::sqrt(2.0), kTol);
    EXPECT_NEAR(e.vectors[0 * 2 + 0], e.vectors[1 * 2 + 0], kTol);
    EXPECT_NEAR(e.vectors[0 * 2 + 1], -e.vectors[1 * 2 + 1], kTol);
    EXPECT_TRUE(symmetricEigen({}, 0).values.empty());
}

TEST(SymmetricEigen, ReconstructsTheMatrix) {
    // A dense, indefinite 4 x 4 matrix: A = V diag(values) V^T with V orthonormal.
    const std::vector<double> a{4, 1, -2, 2, 1, 2, 0, 1, -2, 0, 3, -2, 2, 1, -2, -1};
    const SymmetricEigen e = symmetricEigen(a, 4);
    for (std::size_t k = 1; k < 4; ++k)
        EXPECT_GE(e.values[k - 1], e.values[k]);
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j) {
            double r = 0.0, id = 0.0;
            for (std::size_t k = 0; k < 4; ++k) {
                r += e.vectors[i * 4 + k] * e.values[k] * e.vectors[j * 4 + k];
                id += e.vectors[k * 4 + i] * e.vectors[k * 4 + j];
            }
            EXPECT_NEAR(r, a[i * 4 + j], 1e-12);
            EXPECT_NEAR(id, i == j ? 1.0 : 0.0, 1e-12);
        }
    // The trace is the sum of the eigenvalues: 4 + 2 + 3 - 1 = 8.
    EXPECT_NEAR(e.values[0] + e.values[1] + e.values[2] + e.values[3], 8.0, 1e-12);
}

TEST(CatchTagRelease, CaughtSetTagShareAndPca) {
    const CtrScore s = pcaHead();
    // Row 5 has A[5,0] = 0.25 < 0.3; the sink's own row 0 is never caught.
    EXPECT_EQ(s.caught, 4);
    EXPECT_EQ(s.caughtTokens, (Tokens{1, 2, 3, 4}));
    // A[i,0] |u| / |o_i| = 0.5 sqrt 2 / |o_i| with |o_i|^2 = 6.5, 2.5, 2.5, 0.5.
    const double half = 0.5 * std::sqrt(2.0);
    const std::vector<double> shares{half / std::sqrt(6.5), half / std::sqrt(2.5), half / std::sqrt(2.5),
                                     1.0};
    ASSERT_EQ(s.tagSharePerToken.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_NEAR(s.tagSharePerToken[i], shares[i], kTol);
    ASSERT_TRUE(s.tagShare.has_value());
    EXPECT_NEAR(*s.tagShare, (shares[0] + shares[1] + shares[2] + shares[3]) / 4.0, kTol);
    ASSERT_TRUE(s.pc1Var.has_value());
    EXPECT_NEAR(*s.pc1Var, 0.8, kTol);
    ASSERT_TRUE(s.pc1CosTag.has_value());
    EXPECT_NEAR(*s.pc1CosTag, 1.0 / std::sqrt(2.0), kTol);
    // PCs are oriented so that u projects non-negatively: PC1 = +x, PC2 = +y.
    ASSERT_EQ(s.pcProjection.size(), 4u);
    const double want[4][2] = {{2, 0}, {-2, 0}, {0, 1}, {0, -1}};
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_NEAR(s.pcProjection[i][0], want[i][0], kTol);
        EXPECT_NEAR(s.pcProjection[i][1], want[i][1], kTol);
    }
    EXPECT_NEAR(s.tagProjection[0], 1.0, kTol);
    EXPECT_NEAR(s.tagProjection[1], 1.0, kTol);
}

TEST(CatchTagRelease, ThetaIsInclusive) {
    CtrOptions o;
    o.theta = 0.5; // == A[i,0] for rows 1..4
    EXPECT_EQ(pcaHead(o).caughtTokens, (Tokens{1, 2, 3, 4}));
    o.theta = 0.25; // row 5 joins
    EXPECT_EQ(pcaHead(o).caughtTokens, (Tokens{1, 2, 3, 4, 5}));
    o.theta = std::nextafter(0.5, 1.0); // nothing is caught
    const CtrScore none = pcaHead(o);
    EXPECT_EQ(none.caught, 0);
    EXPECT_TRUE(none.caughtTokens.empty());
    EXPECT_FALSE(none.tagShare.has_value());
    EXPECT_FALSE(none.pc1Var.has_value());
    EXPECT_FALSE(none.pc1CosTag.has_value());
    EXPECT_TRUE(none.tagSharePerToken.empty());
    EXPECT_TRUE(none.pcProjection.empty());
    EXPECT_EQ(none.tagProjection[0], 0.0);
    EXPECT_EQ(none.tagProjection[1], 0.0);
}

TEST(CatchTagRelease, GramPathInFourDimensions) {
    // hs = 4, D = 5, wo = I_4 padded with a zero row: three caught rows (n = 3 <= 4 = rank of wo).
    //   v0 = (2,0,0,2) -> u = (2,0,0,2), |u| = 2 sqrt 2; row i puts 0.5 on the sink and 0.5 on itself
    //   o1 = (1,0,0,1) + 0.5 (6,2,2,0)  = (4,1,1,1)    |o1|^2 = 19
    //   o2 = (1,0,0,1) + 0.5 (-6,2,2,0) = (-2,1,1,1)   |o2|^2 = 7
    //   o3 = (1,0,0,1) + 0.5 (0,-4,2,0) = (1,-2,1,1)   |o3|^2 = 7
    //   mean (1,0,1,1); centred (3,1,0,0), (-3,1,0,0), (0,-2,0,0): scatter diag(18, 6), trace 24
    //   -> PC1 = x, share 18/24 = 0.75, cos(PC1, u) = 2 / (2 sqrt 2); PC2 = y (u projects 0 on it).
    const std::vector<float> a{1, 0, 0, 0, 0.5f, 0.5f, 0, 0, 0.5f, 0, 0.5f, 0, 0.5f, 0, 0, 0.5f};
    const std::vector<float> v{2, 0, 0, 2, 6, 2, 2, 0, -6, 2, 2, 0, 0, -4, 2, 0};
    const std::vector<float> wo{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    const CtrScore s = catchTagRelease(view(a, 4), v.data(), 4, wo.data(), 5);
    EXPECT_EQ(s.caughtTokens, (Tokens{1, 2, 3}));
    // A[i,0] |u| / |o_i| = 0.5 * 2 sqrt 2 / |o_i|.
    const std::vector<double> shares{std::sqrt(2.0 / 19.0), std::sqrt(2.0 / 7.0), std::sqrt(2.0 / 7.0)};
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_NEAR(s.tagSharePerToken[i], shares[i], kTol);
    EXPECT_NEAR(*s.tagShare, (shares[0] + shares[1] + shares[2]) / 3.0, kTol);
    EXPECT_NEAR(*s.pc1Var, 0.75, kTol);
    EXPECT_NEAR(*s.pc1CosTag, 1.0 / std::sqrt(2.0), kTol);
    const double want[3][2] = {{3, 1}, {-3, 1}, {0, -2}};
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_NEAR(s.pcProjection[i][0], want[i][0], kTol);
        // u is orthogonal to PC2, so PC2's sign is not pinned by the orientation rule.
        EXPECT_NEAR(std::abs(s.pcProjection[i][1]), std::abs(want[i][1]), kTol);
    }
    EXPECT_NEAR(s.tagProjection[0], 2.0, kTol);
    EXPECT_NEAR(s.tagProjection[1], 0.0, kTol);
}

TEST(CatchTagRelease, NonOrthogonalWoAndTwoCaughtTokens) {
    // hs = 2, D = 3, wo = [[1,1],[0,1],[1,0]]: wo (x,y) = (x+y, y, x), not an isometry.
    //   v0 = (1,0) -> u = (1,0,1), |u| = sqrt 2;  wo v1 = wo (0,1) = (1,1,0);  wo v2 = wo (1,-1) = (0,-1,1)
    //   row 1: 0.5, 0.5        -> o1 = (0.5,0,0.5) + (0.5,0.5,0)      = (1, 0.5, 0.5)    |o1|^2 = 1.5
    //   row 2: 0.75, 0, 0.25   -> o2 = (0.75,0,0.75) + (0,-0.25,0.25) = (0.75, -0.25, 1) |o2|^2 = 1.625
    //   centred +-x with x = (o1 - o2)/2 = (0.125, 0.375, -0.25), |x|^2 = 7/32: two points lie on a line,
    //   so PC1 = +-x/|x| carries all the variance; u.x = 0.125 - 0.25 = -0.125,
    //   cos = 0.125 / (sqrt 2 sqrt(7/32)) = 0.5 / sqrt 7. PC1 is oriented along -x (u projects positively).
    const std::vector<float> a{1, 0, 0, 0.5f, 0.5f, 0, 0.75f, 0, 0.25f};
    const std::vector<float> v{1, 0, 0, 1, 1, -1};
    const std::vector<float> wo{1, 1, 0, 1, 1, 0};
    const CtrScore s = catchTagRelease(view(a, 3), v.data(), 2, wo.data(), 3);
    EXPECT_EQ(s.caughtTokens, (Tokens{1, 2}));
    const double share1 = 0.5 * std::sqrt(2.0) / std::sqrt(1.5);    // = 1/sqrt 3
    const double share2 = 0.75 * std::sqrt(2.0) / std::sqrt(1.625); // = 0.832...
    EXPECT_NEAR(s.tagSharePerToken[0], share1, kTol);
    EXPECT_NEAR(s.tagSharePerToken[1], share2, kTol);
    EXPECT_NEAR(*s.tagShare, (share1 + share2) / 2.0, kTol);
    EXPECT_NEAR(*s.pc1Var, 1.0, kTol);
    EXPECT_NEAR(*s.pc1CosTag, 0.5 / std::sqrt(7.0), kTol);
    const double x = std::sqrt(7.0 / 32.0);
    EXPECT_NEAR(s.pcProjection[0][0], -x, kTol);
    EXPECT_NEAR(s.pcProjection[1][0], x, kTol);
    EXPECT_EQ(s.pcProjection[0][1], 0.0); // one direction only: no PC2
    EXPECT_EQ(s.pcProjection[1][1], 0.0);
    EXPECT_NEAR(s.tagProjection[0], 0.125 / x, kTol);
    EXPECT_EQ(s.tagProjection[1], 0.0);
}

TEST(CatchTagRelease, OutputsVaryingAlongTheTagAreCollinearWithIt) {
    // hs = 2, D = 3, wo = [[2,0],[0,0],[0,3]]: wo (x,y) = (2x, 0, 3y).
    //   v0 = (1,0) -> u = (2,0,0), |u| = 2; v1 = (0,4) -> wo v1 = (0,0,12); v2..v4 = 0.
    //   Each caught row puts 0.25 on token 1, the rest on the sink or on a zero value, so
    //   o_i = A[i,0] u + (0,0,3): rows 1..3 have A[i,0] = 0.75, 0.5, 0.375 (row 4: 0.25, not caught)
    //   o = (1.5,0,3), (1,0,3), (0.75,0,3); mean x = 3.25/3 = 13/12; centred x = 5/12, -1/12, -4/12.
    //   All variance is along u: PC1 = u/|u|, share 1, cos 1; u projects |u| = 2 on it.
    const std::vector<float> a{
        1,      0,     0,     0,      0,    //
        0.75f,  0.25f, 0,     0,      0,    //
        0.5f,   0.25f, 0.25f, 0,      0,    //
        0.375f, 0.25f, 0,     0.375f, 0,    //
        0.25f,  0.25f, 0,     0,      0.5f, //
    };
    const std::vector<float> v{1, 0, 0, 4, 0, 0, 0, 0, 0, 0};
    const std::vector<float> wo{2, 0, 0, 0, 0, 3};
    const CtrScore s = catchTagRelease(view(a, 5), v.data(), 2, wo.data(), 3);
    EXPECT_EQ(s.caughtTokens, (Tokens{1, 2, 3}));
    // A[i,0] |u| / |o_i|: 1.5 / sqrt(2.25 + 9), 1 / sqrt(1 + 9), 0.75 / sqrt(0.5625 + 9).
    const std::vector<double> shares{1.5 / std::sqrt(11.25), 1.0 / std::sqrt(10.0), 0.75 / std::sqrt(9.5625)};
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_NEAR(s.tagSharePerToken[i], shares[i], kTol);
    EXPECT_NEAR(*s.pc1Var, 1.0, kTol);
    EXPECT_NEAR(*s.pc1CosTag, 1.0, kTol);
    const std::vector<double> proj{5.0 / 12.0, -1.0 / 12.0, -4.0 / 12.0};
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_NEAR(s.pcProjection[i][0], proj[i], kTol);
        EXPECT_EQ(s.pcProjection[i][1], 0.0);
    }
    EXPECT_NEAR(s.tagProjection[0], 2.0, kTol);
    EXPECT_EQ(s.tagProjection[1], 0.0);
}

TEST(CatchTagRelease, OneCaughtTokenHasNoPca) {
    // T = 2: row 1 = (0.5, 0.5), v0 = (1,0), v1 = (0,1), wo = I_2: o1 = (0.5, 0.5), u = (1, 0);
    // share = 0.5 * 1 / sqrt(0.5) = sqrt(0.5).
    const std::vector<float> a{1, 0, 0.5f, 0.5f};
    const std::vector<float> v{1, 0, 0, 1};
    const std::vector<float> wo{1, 0, 0, 1};
    const CtrScore s = catchTagRelease(view(a, 2), v.data(), 2, wo.data(), 2);
    EXPECT_EQ(s.caught, 1);
    EXPECT_NEAR(*s.tagShare, std::sqrt(0.5), kTol);
    EXPECT_FALSE(s.pc1Var.has_value());
    EXPECT_FALSE(s.pc1CosTag.has_value());
    ASSERT_EQ(s.pcProjection.size(), 1u);
    EXPECT_EQ(s.pcProjection[0][0], 0.0);
    EXPECT_EQ(s.pcProjection[0][1], 0.0);
}

TEST(CatchTagRelease, ZeroOutputsAreSkippedInTheTagShare) {
    // wo = I_2. Row 1 mixes v0 = (1,0) and v1 = (-1,0) equally: o1 = 0 -> NaN, skipped.
    // Row 2 = (0.5, 0, 0.5) with v2 = (0,1): o2 = (0.5, 0.5), share = 0.5 / sqrt 0.5 = sqrt 0.5.
    const std::vector<float> a{1, 0, 0, 0.5f, 0.5f, 0, 0.5f, 0, 0.5f};
    const std::vector<float> v{1, 0, -1, 0, 0, 1};
    const std::vector<float> wo{1, 0, 0, 1};
    const CtrScore s = catchTagRelease(view(a, 3), v.data(), 2, wo.data(), 2);
    EXPECT_EQ(s.caught, 2);
    EXPECT_TRUE(std::isnan(s.tagSharePerToken[0]));
    EXPECT_NEAR(s.tagSharePerToken[1], std::sqrt(0.5), kTol);
    EXPECT_NEAR(*s.tagShare, std::sqrt(0.5), kTol);
    // Two distinct outputs (0,0) and (0.5,0.5): PC1 along (1,1), share 1, cos with u = (1,0) is 1/sqrt 2.
    EXPECT_NEAR(*s.pc1Var, 1.0, kTol);
    EXPECT_NEAR(*s.pc1CosTag, 1.0 / std::sqrt(2.0), kTol);

    // Only row 1, zero output: every share skipped -> no tag share.
    const std::vector<float> one{1, 0, 0.5f, 0.5f};
    const CtrScore z = catchTagRelease(view(one, 2), v.data(), 2, wo.data(), 2);
    EXPECT_EQ(z.caught, 1);
    EXPECT_FALSE(z.tagShare.has_value());
}

TEST(CatchTagRelease, NullSpaceOfWoGivesZeroOutputAndTag) {
    // wo = [[1,3],[2,6],[0,0]] has rank 1: wo (x,y) = (x + 3y) (1,2,0), so z = (3,-1) maps to 0 (and
    // the eigenvectors of W = wo^T wo = [[5,15],[15,45]] are not exact in binary, so this also checks
    // that their rounding does not leave a small non-zero output).
    // v0 = (3,-1): u = 0. Row 1 = (0.5, 0.5) with v1 = (3,-1): z = (3,-1), o1 = 0 -> NaN share.
    // Row 2 = (0.5, 0, 0.5) with v2 = (0,1): z = (1.5,0), o2 = (1.5,3,0) -> share 0.5 |u| / |o2| = 0.
    const std::vector<float> a{1, 0, 0, 0.5f, 0.5f, 0, 0.5f, 0, 0.5f};
    const std::vector<float> v{3, -1, 3, -1, 0, 1};
    const std::vector<float> wo{1, 3, 2, 6, 0, 0};
    const CtrScore s = catchTagRelease(view(a, 3), v.data(), 2, wo.data(), 3);
    ASSERT_EQ(s.tagSharePerToken.size(), 2u);
    EXPECT_TRUE(std::isnan(s.tagSharePerToken[0]));
    EXPECT_EQ(s.tagSharePerToken[1], 0.0);
    EXPECT_EQ(*s.tagShare, 0.0);
    // Outputs 0 and (1.5,3,0): PC1 along (1,2,0), share 1; no cosine with a zero tag.
    EXPECT_NEAR(*s.pc1Var, 1.0, kTol);
    EXPECT_FALSE(s.pc1CosTag.has_value());
    // Centred outputs are -+(0.75,1.5,0), |.| = 0.75 sqrt 5.
    EXPECT_NEAR(std::abs(s.pcProjection[0][0]), 0.75 * std::sqrt(5.0), kTol);
    EXPECT_NEAR(std::abs(s.pcProjection[1][0]), 0.75 * std::sqrt(5.0), kTol);
}

TEST(CatchTagRelease, ZeroTagHasNoCosine) {
    // The PCA head with v0 = 0: u = 0, so every share is 0 and cos(PC1, u) is undefined; the centred
    // outputs are 0.5 v_i: (2,0), (-2,0), (0,1), (0,-1) as before, PC1 share 0.8.
    std::vector<float> v = kPcaValues;
    v[0] = v[1] = 0.0f;
    const CtrScore s = catchTagRelease(view(kPcaMap, 6), v.data(), 2, kPlaneWo.data(), 3);
    EXPECT_EQ(s.caught, 4);
    EXPECT_EQ(*s.tagShare, 0.0);
    EXPECT_NEAR(*s.pc1Var, 0.8, kTol);
    EXPECT_FALSE(s.pc1CosTag.has_value());
    EXPECT_EQ(s.tagProjection[0], 0.0);
}

TEST(CatchTagRelease, IdenticalOutputsHaveNoVariance) {
    // Seven rows 1..7 with the same mix 0.4 v0 + 0.6 v1 of non-dyadic values: identical outputs, whose
    // mean (a sum of seven, divided by 7) differs from them by rounding only; that is not variance.
    constexpr std::int64_t T = 8;
    std::vector<float> a(T * T, 0.0f);
    a[0] = 1.0f;
    for (std::int64_t i = 1; i < T; ++i) {
        a[static_cast<std::size_t>(i * T)] = 0.4f;
        a[static_cast<std::size_t>(i * T + 1)] = 0.6f;
    }
    std::vector<float> v(T * 2, 5.0f);
    const float head[4] = {0.1f, 0.3f, 0.7f, 0.2f}; // v0, v1
    std::copy(head, head + 4, v.begin());
    const std::vector<float> wo{0.3f, 0.1f, 0.7f, 0.9f, 0.2f, 0.6f};
    const CtrScore s = catchTagRelease(view(a, T), v.data(), 2, wo.data(), 3);
    EXPECT_EQ(s.caught, 7);
    EXPECT_TRUE(s.tagShare.has_value());
    EXPECT_FALSE(s.pc1Var.has_value());
    EXPECT_FALSE(s.pc1CosTag.has_value());
    ASSERT_EQ(s.pcProjection.size(), 7u);
    EXPECT_EQ(s.pcProjection[6][0], 0.0);
}

TEST(CatchTagRelease, OtherSinkPosition) {
    // Sink s = 1 in the PCA head: C = {i > 1 : A[i,1] >= 0.3}; only row 1 attends to token 1, and row 1
    // is the sink itself, so nothing is caught. With theta = 0 every row after the sink is caught.
    CtrOptions o;
    o.sink = 1;
    EXPECT_EQ(pcaHead(o).caught, 0);
    o.theta = 0.0;
    EXPECT_EQ(pcaHead(o).caughtTokens, (Tokens{2, 3, 4, 5}));
    o.sink = 6; // outside the map
    EXPECT_EQ(pcaHead(o).caught, 0);
    o.sink = -1;
    EXPECT_EQ(pcaHead(o).caught, 0);
}

namespace {

// The implementation works in coordinates of range(wo) (rank 4 here); this recomputes everything the
// literal way (o_i = wo * sum_j A[i,j] v_j in R^D, PCA of the D x D scatter) on a dense, irregular head.
// Returns the number of caught tokens.
std::int64_t crossCheck(double theta) {
    constexpr std::int64_t T = 9, hs = 4, D = 6;
    std::vector<float> a(T * T, 0.0f), v(T * hs), wo(D * hs);
    for (std::int64_t i = 0; i < T; ++i) {
        double sum = 0.0;
        for (std::int64_t j = 0; j <= i; ++j)
            sum += (j == 0 ? 2.0 : 0.0) + 0.1 * static_cast<double>((i * 7 + j * 3) % 5 + 1);
        for (std::int64_t j = 0; j <= i; ++j)
            a[static_cast<std::size_t>(i * T + j)] = static_cast<float>(
                ((j == 0 ? 2.0 : 0.0) + 0.1 * static_cast<double>((i * 7 + j * 3) % 5 + 1)) / sum);
    }
    for (std::size_t k = 0; k < v.size(); ++k)
        v[k] = static_cast<float>(static_cast<double>((k * 37 + 11) % 17) / 4.0 - 2.0);
    for (std::size_t k = 0; k < wo.size(); ++k)
        wo[k] = static_cast<float>(static_cast<double>((k * 53 + 5) % 13) / 6.0 - 1.0);
    CtrOptions o;
    o.theta = theta;
    const CtrScore s = catchTagRelease(view(a, T), v.data(), hs, wo.data(), D, o);
    if (s.caught < 2) return s.caught;

    auto out = [&](const std::vector<double>& z) {
        std::vector<double> r(D, 0.0);
        for (std::int64_t d = 0; d < D; ++d)
            for (std::int64_t k = 0; k < hs; ++k)
                r[static_cast<std::size_t>(d)] +=
                    static_cast<double>(wo[static_cast<std::size_t>(d * hs + k)]) *
                    z[static_cast<std::size_t>(k)];
        return r;
    };
    auto dotD = [](const std::vector<double>& x, const std::vector<double>& y) {
        double r = 0.0;
        for (std::size_t k = 0; k < x.size(); ++k)
            r += x[k] * y[k];
        return r;
    };
    std::vector<double> v0(v.begin(), v.begin() + hs);
    const std::vector<double> u = out(v0);
    std::vector<std::vector<double>> outputs;
    std::vector<double> mean(D, 0.0);
    double shares = 0.0;
    for (std::size_t c = 0; c < s.caughtTokens.size(); ++c) {
        const std::int64_t i = s.caughtTokens[c];
        std::vector<double> z(hs, 0.0);
        for (std::int64_t j = 0; j <= i; ++j)
            for (std::int64_t k = 0; k < hs; ++k)
                z[static_cast<std::size_t>(k)] +=
                    static_cast<double>(a[static_cast<std::size_t>(i * T + j)]) *
                    static_cast<double>(v[static_cast<std::size_t>(j * hs + k)]);
        outputs.push_back(out(z));
        const double share = static_cast<double>(a[static_cast<std::size_t>(i * T)]) * std::sqrt(dotD(u, u)) /
                             std::sqrt(dotD(outputs.back(), outputs.back()));
        EXPECT_NEAR(s.tagSharePerToken[c], share, 1e-12);
        shares += share;
        for (std::int64_t d = 0; d < D; ++d)
            mean[static_cast<std::size_t>(d)] += outputs.back()[static_cast<std::size_t>(d)];
    }
    EXPECT_NEAR(*s.tagShare, shares / static_cast<double>(s.caught), 1e-12);
    for (double& m : mean)
        m /= static_cast<double>(s.caught);
    std::vector<double> scatter(D * D, 0.0);
    for (auto& x : outputs) {
        for (std::int64_t d = 0; d < D; ++d)
            x[static_cast<std::size_t>(d)] -= mean[static_cast<std::size_t>(d)];
        for (std::int64_t p = 0; p < D; ++p)
            for (std::int64_t q = 0; q < D; ++q)
                scatter[static_cast<std::size_t>(p * D + q)] +=
                    x[static_cast<std::size_t>(p)] * x[static_cast<std::size_t>(q)];
    }
    const SymmetricEigen e = symmetricEigen(scatter, D);
    double trace = 0.0;
    for (double l : e.values)
        trace += l;
    EXPECT_NEAR(*s.pc1Var, e.values[0] / trace, 1e-10);
    std::vector<double> pc1(D), pc2(D);
    for (std::int64_t d = 0; d < D; ++d) {
        pc1[static_cast<std::size_t>(d)] = e.vectors[static_cast<std::size_t>(d * D)];
        pc2[static_cast<std::size_t>(d)] = e.vectors[static_cast<std::size_t>(d * D + 1)];
    }
    EXPECT_NEAR(*s.pc1CosTag, std::abs(dotD(pc1, u)) / std::sqrt(dotD(u, u)), 1e-10);
    for (std::size_t c = 0; c < outputs.size(); ++c) {
        EXPECT_NEAR(std::abs(s.pcProjection[c][0]), std::abs(dotD(outputs[c], pc1)), 1e-10);
        EXPECT_NEAR(std::abs(s.pcProjection[c][1]), std::abs(dotD(outputs[c], pc2)), 1e-10);
    }
    EXPECT_NEAR(s.tagProjection[0], std::abs(dotD(u, pc1)), 1e-10);
    EXPECT_NEAR(s.tagProjection[1], std::abs(dotD(u, pc2)), 1e-10);
    return s.caught;
}

} // namespace

TEST(CatchTagRelease, MatchesADirectComputationInOutputSpace) {
    EXPECT_EQ(crossCheck(0.25), 8); // more caught tokens than the rank of wo: the scatter-matrix path
    EXPECT_EQ(crossCheck(0.7), 3);  // fewer: the Gram-matrix path
}
