// Intervention operators against hand-computed matrices (formulas: docs/methods.md, operators.h).
// Every expected number is written out with the arithmetic that gives it.
#include "intervene/operators.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <vector>

using namespace sinkscope;

namespace {

using Rows = std::vector<std::vector<double>>;

// Stands in the entries beyond the causal limit (and in row padding): an operator that writes
// there shows up as a changed sentinel.
constexpr float kBeyond = 7.0f;
constexpr double kTol = 1e-6;
constexpr double kInf = std::numeric_limits<double>::infinity();

// A row-major attention matrix; rows are given up to the causal limit and padded with kBeyond
// up to `stride` columns.
struct Matrix {
    std::vector<float> data;
    std::int64_t rows = 0, cols = 0, stride = 0, firstRow = 0;

    Matrix(const Rows& causalRows, std::int64_t cols_, std::int64_t firstRow_ = 0, std::int64_t stride_ = 0)
        : rows(static_cast<std::int64_t>(causalRows.size())), cols(cols_), stride(stride_ ? stride_ : cols_),
          firstRow(firstRow_) {
        data.assign(static_cast<std::size_t>(rows * stride), kBeyond);
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::size_t j = 0; j < causalRows[static_cast<std::size_t>(r)].size(); ++j)
                data[static_cast<std::size_t>(r * stride) + j] =
                    static_cast<float>(causalRows[static_cast<std::size_t>(r)][j]);
    }
    MutableMatrixView view() { return {data.data(), rows, cols, stride, firstRow}; }
    double at(std::int64_t r, std::int64_t c) const { return data[static_cast<std::size_t>(r * stride + c)]; }
};

// Checks the causal part against `expected` and that everything else still holds kBeyond.
void expectMatrix(const Matrix& m, const Rows& expected) {
    ASSERT_EQ(static_cast<std::int64_t>(expected.size()), m.rows);
    for (std::int64_t r = 0; r < m.rows; ++r) {
        const auto& row = expected[static_cast<std::size_t>(r)];
        const auto visible = static_cast<std::int64_t>(row.size());
        for (std::int64_t c = 0; c < visible; ++c)
            EXPECT_NEAR(m.at(r, c), row[static_cast<std::size_t>(c)], kTol) << "row " << r << " col " << c;
        for (std::int64_t c = visible; c < m.stride; ++c)
            EXPECT_EQ(m.at(r, c), kBeyond) << "row " << r << " col " << c << " beyond the causal limit";
    }
}

// Causal 4x4, rows summing to 1; column 0 is the sink.
const Rows kA{{1.0}, {0.8, 0.2}, {0.5, 0.3, 0.2}, {0.4, 0.1, 0.2, 0.3}};

// ---------------------------------------------------------------- scaleRenormalize (ZeroTuning)

TEST(InterventionOperators, SuppressRenormalizesOntoTheOtherTokens) {
    Matrix m(kA, 4);
    scaleRenormalize(m.view(), {0}, 0.0);
    expectMatrix(m, {{1.0},                          // row 0: only the sink to see, unchanged
                     {0.0, 1.0},                     // 0.2 / 0.2
                     {0.0, 0.6, 0.4},                // 0.3 / 0.5, 0.2 / 0.5
                     {0.0, 1.0 / 6, 2.0 / 6, 0.5}}); // 0.1 / 0.6, 0.2 / 0.6, 0.3 / 0.6
}

TEST(InterventionOperators, ZeroTuningGamma4) {
    Matrix m(kA, 4);
    scaleRenormalize(m.view(), {0}, 4.0);
    // A'[i,0] = 4 A / (1 + 3 A), A'[i,j] = A / (1 + 3 A[i,0]).
    expectMatrix(m, {{1.0},                                          // 4 / 4
                     {3.2 / 3.4, 0.2 / 3.4},                         // 1 + 3 * 0.8 = 3.4
                     {0.8, 0.12, 0.08},                              // 1 + 3 * 0.5 = 2.5
                     {1.6 / 2.2, 0.1 / 2.2, 0.2 / 2.2, 0.3 / 2.2}}); // 1 + 3 * 0.4 = 2.2
}

TEST(InterventionOperators, GammaOneIsTheIdentity) {
    Matrix m(kA, 4);
    const std::vector<float> before = m.data;
    scaleRenormalize(m.view(), {0, 2}, 1.0);
    EXPECT_EQ(m.data, before);
}

TEST(InterventionOperators, RowWithAllMassOnTheSinkIsLeftAlone) {
    // Row 2 puts everything on the sink: gamma = 0 would divide by 1 - 1 = 0.
    Matrix m({{1.0}, {0.5, 0.5}, {1.0, 0.0, 0.0}}, 3);
    scaleRenormalize(m.view(), {0}, 0.0);
    expectMatrix(m, {{1.0}, {0.0, 1.0}, {1.0, 0.0, 0.0}});
    for (float v : m.data)
        EXPECT_FALSE(std::isnan(v));
}

TEST(InterventionOperators, RowsSummingToLessThanOneKeepTheirTotal) {
    // R = 0.5 (a sink-logit model's row), S = 0.2, non-sink mass 0.3.
    Matrix s({{0.2, 0.1, 0.2}}, 3, 2);
    scaleRenormalize(s.view(), {0}, 0.0);
    expectMatrix(s, {{0.0, 0.1 * 0.5 / 0.3, 0.2 * 0.5 / 0.3}}); // x R / (R - S): 1/6, 1/3

    Matrix z({{0.2, 0.1, 0.2}}, 3, 2);
    scaleRenormalize(z.view(), {0}, 2.0);
    // R + (g-1) S = 0.5 + 0.2 = 0.7: sink 2 * 0.2 * 0.5 / 0.7, others x 0.5 / 0.7.
    expectMatrix(z, {{0.2 / 0.7, 0.05 / 0.7, 0.1 / 0.7}});
    EXPECT_NEAR(z.at(0, 0) + z.at(0, 1) + z.at(0, 2), 0.5, kTol);
}

TEST(InterventionOperators, ExplicitSinkSetZeroAndTwo) {
    Matrix s(kA, 4);
    scaleRenormalize(s.view(), {0, 2}, 0.0);
    expectMatrix(s, {{1.0},
                     {0.0, 1.0},               // column 2 not visible yet: S = 0.8
                     {0.0, 1.0, 0.0},          // S = 0.7, others 0.3
                     {0.0, 0.25, 0.0, 0.75}}); // S = 0.6: 0.1 / 0.4, 0.3 / 0.4

    Matrix z(kA, 4);
    scaleRenormalize(z.view(), {0, 2}, 4.0);
    expectMatrix(z, {{1.0},
                     {3.2 / 3.4, 0.2 / 3.4},
                     {2.0 / 3.1, 0.3 / 3.1, 0.8 / 3.1},              // 0.3 + 4 * 0.7 = 3.1
                     {1.6 / 2.8, 0.1 / 2.8, 0.8 / 2.8, 0.3 / 2.8}}); // 0.4 + 4 * 0.6 = 2.8
}

TEST(InterventionOperators, SinksARowCannotSeeAreIgnoredForThatRow) {
    Matrix m(kA, 4);
    scaleRenormalize(m.view(), {2}, 0.0);
    expectMatrix(m, {{1.0},
                     {0.8, 0.2},                 // no visible sink: unchanged
                     {0.625, 0.375, 0.0},        // 0.5 / 0.8, 0.3 / 0.8
                     {0.5, 0.125, 0.0, 0.375}}); // 0.4 / 0.8, 0.1 / 0.8, 0.3 / 0.8

    Matrix outside(kA, 4);
    scaleRenormalize(outside.view(), {-1, 4, 99}, 0.0); // none of them is a column
    expectMatrix(outside, kA);
}

TEST(InterventionOperators, DuplicateAndUnsortedSinksCountOnce) {
    Matrix once(kA, 4), twice(kA, 4);
    fixedFraction(once.view(), {0, 2}, 0.4);
    fixedFraction(twice.view(), {2, 0, 2, 0}, 0.4);
    EXPECT_EQ(once.data, twice.data);
}

TEST(InterventionOperators, OutOfRangeGammaLeavesTheMatrixAlone) {
    Matrix m(kA, 4);
    scaleRenormalize(m.view(), {0}, -1.0);
    scaleRenormalize(m.view(), {0}, kInf);
    scaleRenormalize(m.view(), {0}, std::nan(""));
    expectMatrix(m, kA);
}

TEST(InterventionOperators, GenerationStepRowMatchesThePrefillRow) {
    // One decoded row: query 3 against keys 0..3, as a KV-cache step delivers it.
    Matrix step({{0.4, 0.1, 0.2, 0.3}}, 4, 3);
    scaleRenormalize(step.view(), {0}, 4.0);
    expectMatrix(step, {{1.6 / 2.2, 0.1 / 2.2, 0.2 / 2.2, 0.3 / 2.2}});

    // Rows 1-2 of a 3-column view: row 1 sees two keys, column 2 stays untouched.
    Matrix mid({{0.8, 0.2}, {0.5, 0.3, 0.2}}, 3, 1);
    scaleRenormalize(mid.view(), {0}, 0.0);
    expectMatrix(mid, {{0.0, 1.0}, {0.0, 0.6, 0.4}});
}

TEST(InterventionOperators, RowStridePaddingIsNotTouched) {
    Matrix m(kA, 4, 0, 6); // two padding floats per row, filled with kBeyond
    scaleRenormalize(m.view(), {0}, 0.0);
    expectMatrix(m, {{1.0}, {0.0, 1.0}, {0.0, 0.6, 0.4}, {0.0, 1.0 / 6, 2.0 / 6, 0.5}});
}

// ---------------------------------------------------------------- fixedFraction (ACT)

TEST(InterventionOperators, ActBeta04) {
    Matrix m(kA, 4);
    fixedFraction(m.view(), {0}, 0.4);
    // Sink x 0.4; others x (1 - 0.4 S) / (1 - S).
    expectMatrix(m, {{1.0},                      // row 0 as is
                     {0.32, 0.68},               // (1 - 0.32) / 0.2 = 3.4
                     {0.2, 0.48, 0.32},          // (1 - 0.2) / 0.5 = 1.6
                     {0.16, 0.14, 0.28, 0.42}}); // (1 - 0.16) / 0.6 = 1.4
}

TEST(InterventionOperators, ActWithSinksZeroAndTwo) {
    Matrix m(kA, 4);
    fixedFraction(m.view(), {0, 2}, 0.4);
    expectMatrix(m, {{1.0},
                     {0.32, 0.68},               // only column 0 visible
                     {0.2, 0.72, 0.08},          // S = 0.7: (1 - 0.28) / 0.3 = 2.4
                     {0.16, 0.19, 0.08, 0.57}}); // S = 0.6: (1 - 0.24) / 0.4 = 1.9
}

TEST(InterventionOperators, ActLeavesRowsWithoutSinkMassAlone) {
    // S_i = 0 in every row: column 1 is the sink and row 1 gives it nothing; row 0 cannot see it.
    Matrix m({{1.0}, {0.7, 0.0}, {0.5, 0.0, 0.5}}, 3);
    fixedFraction(m.view(), {1}, 0.4);
    expectMatrix(m, {{1.0}, {0.7, 0.0}, {0.5, 0.0, 0.5}});
}

TEST(InterventionOperators, ActOnARowSummingToLessThanOne) {
    Matrix m({{0.2, 0.1, 0.2}}, 3, 2);
    fixedFraction(m.view(), {0}, 0.4);
    // R = 0.5, S = 0.2: others x (0.5 - 0.08) / 0.3 = 1.4.
    expectMatrix(m, {{0.08, 0.14, 0.28}});
}

TEST(InterventionOperators, ActBetaZeroIsSuppressionAndBetaOneTheIdentity) {
    Matrix zero(kA, 4), suppress(kA, 4), one(kA, 4);
    fixedFraction(zero.view(), {0}, 0.0);
    scaleRenormalize(suppress.view(), {0}, 0.0);
    for (std::size_t i = 0; i < zero.data.size(); ++i)
        EXPECT_NEAR(zero.data[i], suppress.data[i], kTol);
    fixedFraction(one.view(), {0}, 1.0);
    expectMatrix(one, kA);
}

TEST(InterventionOperators, ActOutOfRangeBetaLeavesTheMatrixAlone) {
    Matrix m(kA, 4);
    fixedFraction(m.view(), {0}, 1.5);
    fixedFraction(m.view(), {0}, -0.1);
    fixedFraction(m.view(), {0}, std::nan(""));
    expectMatrix(m, kA);
}

// ---------------------------------------------------------------- redistribute (VAR)

TEST(InterventionOperators, RedistributeToAPartlyVisibleSpan) {
    Matrix m(kA, 4);
    redistribute(m.view(), {0}, 0.6, TokenSpan{2, 3});
    // Sink x 0.4; 0.6 S goes to the visible part of tokens 2-3 in proportion to their weight.
    expectMatrix(m, {{1.0},                       // span invisible: unchanged
                     {0.8, 0.2},                  // span invisible: unchanged
                     {0.2, 0.3, 0.5},             // only token 2 visible: 0.2 + 0.6 * 0.5
                     {0.16, 0.1, 0.296, 0.444}}); // 0.24 over 0.5: x 1.48; token 1 untouched
}

TEST(InterventionOperators, RedistributeSkipsSinksInsideTheSpan) {
    Matrix m(kA, 4);
    redistribute(m.view(), {0}, 0.6, TokenSpan{0, 2});
    expectMatrix(m, {{1.0},
                     {0.32, 0.68},              // 0.48 onto 0.2: x 3.4
                     {0.2, 0.48, 0.32},         // 0.3 onto 0.5: x 1.6
                     {0.16, 0.18, 0.36, 0.3}}); // 0.24 onto 0.3: x 1.8; token 3 outside the span
}

TEST(InterventionOperators, RedistributeLeavesRowsWhoseSpanHasNoWeight) {
    Matrix m({{1.0}, {0.9, 0.1}, {0.6, 0.4, 0.0}}, 3);
    redistribute(m.view(), {0}, 0.6, TokenSpan{2, 2}); // row 2's token 2 has weight 0
    expectMatrix(m, {{1.0}, {0.9, 0.1}, {0.6, 0.4, 0.0}});

    Matrix beyond(kA, 4);
    redistribute(beyond.view(), {0}, 0.6, TokenSpan{5, 9}); // past every column
    expectMatrix(beyond, kA);

    Matrix empty(kA, 4);
    redistribute(empty.view(), {0}, 0.6, TokenSpan{3, 2});
    expectMatrix(empty, kA);
}

TEST(InterventionOperators, RedistributeAllOrNothing) {
    Matrix none(kA, 4);
    redistribute(none.view(), {0}, 0.0, TokenSpan{1, 3});
    expectMatrix(none, kA);

    Matrix all(kA, 4);
    redistribute(all.view(), {0}, 1.0, TokenSpan{1, 1});
    expectMatrix(all, {{1.0}, {0.0, 1.0}, {0.0, 0.8, 0.2}, {0.0, 0.5, 0.2, 0.3}});
}

// ---------------------------------------------------------------- composition

TEST(InterventionOperators, ZeroTuningThenActDiffersFromActThenZeroTuning) {
    Matrix ztFirst(kA, 4), actFirst(kA, 4);
    scaleRenormalize(ztFirst.view(), {0}, 4.0);
    fixedFraction(ztFirst.view(), {0}, 0.4);
    // Row 3 after ZeroTuning: 16/22, 1/22, 2/22, 3/22; then ACT: sink 0.4 * 16/22 = 6.4/22,
    // others x (6/22 + 0.6 * 16/22) / (6/22) = 2.6.
    expectMatrix(
        ztFirst,
        {{1.0}, {0.37647059, 0.62352941}, {0.32, 0.408, 0.272}, {6.4 / 22, 2.6 / 22, 5.2 / 22, 7.8 / 22}});

    fixedFraction(actFirst.view(), {0}, 0.4);
    scaleRenormalize(actFirst.view(), {0}, 4.0);
    // Row 3 after ACT: 0.16, 0.14, 0.28, 0.42; then ZeroTuning: 0.84 + 4 * 0.16 = 1.48.
    expectMatrix(actFirst, {{1.0},
                            {0.65306122, 0.34693878}, // 1.28 / 1.96, 0.68 / 1.96
                            {0.5, 0.3, 0.2},          // 0.8 / 1.6, 0.48 / 1.6, 0.32 / 1.6
                            {0.64 / 1.48, 0.14 / 1.48, 0.28 / 1.48, 0.42 / 1.48}});
    EXPECT_GT(std::abs(ztFirst.at(3, 0) - actFirst.at(3, 0)), 0.1);
}

// ---------------------------------------------------------------- sinkLogitSoftmax

// Scores as ln(k), so that e^z = k and every weight is a ratio of small integers. Masked: -inf.
Rows logScores(const Rows& weights) {
    Rows out = weights;
    for (auto& row : out)
        for (auto& v : row)
            v = std::log(v);
    return out;
}

struct ScoreMatrix {
    std::vector<float> data;
    std::int64_t rows, cols;
    ScoreMatrix(const Rows& causal, std::int64_t cols_)
        : rows(static_cast<std::int64_t>(causal.size())), cols(cols_) {
        data.assign(static_cast<std::size_t>(rows * cols), -std::numeric_limits<float>::infinity());
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::size_t j = 0; j < causal[static_cast<std::size_t>(r)].size(); ++j)
                data[static_cast<std::size_t>(r * cols) + j] =
                    static_cast<float>(causal[static_cast<std::size_t>(r)][j]);
    }
    MatrixView view() const { return {data.data(), rows, cols, cols, 0}; }
};

// Rows of weights (causal part) from `sinkLogitSoftmax` into a buffer prefilled with kBeyond.
Matrix softmaxInto(const ScoreMatrix& z, double b) {
    Matrix out(Rows(static_cast<std::size_t>(z.rows)), z.cols);
    sinkLogitSoftmax(z.view(), b, out.view());
    return out;
}

void expectWeights(const Matrix& m, const Rows& expected) {
    for (std::int64_t r = 0; r < m.rows; ++r)
        for (std::int64_t c = 0; c < m.cols; ++c) {
            const auto& row = expected[static_cast<std::size_t>(r)];
            const double want =
                c < static_cast<std::int64_t>(row.size()) ? row[static_cast<std::size_t>(c)] : 0.0;
            EXPECT_NEAR(m.at(r, c), want, kTol) << "row " << r << " col " << c;
        }
}

const Rows kExp{{1.0}, {3.0, 1.0}, {2.0, 1.0, 4.0}}; // e^z per row

TEST(InterventionOperators, SoftmaxOneAddsOneToTheDenominator) {
    const ScoreMatrix z(logScores(kExp), 3);
    // b = 0: e^b = 1 joins the denominator.
    expectWeights(softmaxInto(z, 0.0), {{0.5},                // 1 / (1 + 1)
                                        {0.6, 0.2},           // 3 / 5, 1 / 5
                                        {0.25, 0.125, 0.5}}); // 2 / 8, 1 / 8, 4 / 8
}

TEST(InterventionOperators, SinkLogitMinusInfinityIsPlainSoftmax) {
    const ScoreMatrix z(logScores(kExp), 3);
    expectWeights(softmaxInto(z, -kInf), {{1.0}, {0.75, 0.25}, {2.0 / 7, 1.0 / 7, 4.0 / 7}});
}

TEST(InterventionOperators, LearnedSinkLogit) {
    const ScoreMatrix z(logScores(kExp), 3);
    // b = ln 3: e^b = 3.
    expectWeights(softmaxInto(z, std::log(3.0)), {{0.25}, {3.0 / 7, 1.0 / 7}, {0.2, 0.1, 0.4}});
}

TEST(InterventionOperators, SinkLogitIsStableForHugeScores) {
    // A naive e^z overflows at 1e4; subtracting m = max(b, max z) keeps every exponent <= 0.
    const ScoreMatrix big({{1e4}, {1e4, 1e4}}, 2);
    expectWeights(softmaxInto(big, 0.0), {{1.0}, {0.5, 0.5}}); // e^(0 - 1e4) = 0 next to e^0
    expectWeights(softmaxInto(big, 1e4), {{0.5}, {1.0 / 3, 1.0 / 3}});

    // b dominates: the row goes (almost) entirely to the sink, without 0/0.
    const ScoreMatrix small({{0.0}, {-1e4, -1e4}}, 2);
    expectWeights(softmaxInto(small, 1e4), {{0.0}, {0.0, 0.0}});
    expectWeights(softmaxInto(small, -kInf), {{1.0}, {0.5, 0.5}});
    expectWeights(softmaxInto(small, 0.0), {{0.5}, {0.0, 0.0}});
}

TEST(InterventionOperators, SinkLogitRowsOfMinusInfinityStayZero) {
    const float ninf = -std::numeric_limits<float>::infinity();
    ScoreMatrix z({{0.0}, {0.0, 0.0}}, 2);
    z.data = {ninf, ninf, ninf, ninf}; // every key masked (padding)
    const Matrix plain = softmaxInto(z, -kInf);
    const Matrix one = softmaxInto(z, 0.0);
    for (std::size_t i = 0; i < plain.data.size(); ++i) {
        EXPECT_EQ(plain.data[i], 0.0f);
        EXPECT_EQ(one.data[i], 0.0f);
    }
}

TEST(InterventionOperators, SinkLogitPlusInfinityGivesZerosNotNan) {
    const ScoreMatrix z(logScores(kExp), 3);
    expectWeights(softmaxInto(z, kInf), {{0.0}, {0.0, 0.0}, {0.0, 0.0, 0.0}});
}

TEST(InterventionOperators, SinkLogitInPlaceZeroesTheMaskedEntries) {
    ScoreMatrix z(logScores(kExp), 3);
    const MatrixView scores = z.view();
    sinkLogitSoftmax(scores, 0.0, MutableMatrixView{z.data.data(), z.rows, z.cols, z.cols, 0});
    const std::vector<float> want{0.5f, 0.0f, 0.0f, 0.6f, 0.2f, 0.0f, 0.25f, 0.125f, 0.5f};
    for (std::size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(z.data[i], want[i], kTol) << i;
}

TEST(InterventionOperators, SinkLogitGenerationStep) {
    // One row for query 2 against keys 0..2.
    std::vector<float> z{static_cast<float>(std::log(2.0)), 0.0f, static_cast<float>(std::log(4.0))};
    std::vector<float> out(3, kBeyond);
    sinkLogitSoftmax(MatrixView{z.data(), 1, 3, 3, 2}, 0.0, MutableMatrixView{out.data(), 1, 3, 3, 2});
    EXPECT_NEAR(out[0], 0.25, kTol);
    EXPECT_NEAR(out[1], 0.125, kTol);
    EXPECT_NEAR(out[2], 0.5, kTol);
}

TEST(InterventionOperators, SinkLogitRefusesMismatchedShapes) {
    const ScoreMatrix z(logScores(kExp), 3);
    std::vector<float> out(4, kBeyond);
    sinkLogitSoftmax(z.view(), 0.0, MutableMatrixView{out.data(), 2, 2, 2, 0});
    for (float v : out)
        EXPECT_EQ(v, kBeyond);
}

// ---------------------------------------------------------------- detectSinkColumns

TEST(InterventionOperators, DetectSinkColumns) {
    Matrix m(kA, 4);
    for (std::int64_t r = 0; r < 4; ++r)
        for (std::int64_t c = r + 1; c < 4; ++c)
            m.data[static_cast<std::size_t>(r * 4 + c)] = 0.0f; // a real attention matrix
    const MatrixView a = m.view().view();
    // alpha = (1 + 0.8 + 0.5 + 0.4) / 4 = 0.675, (0.2 + 0.3 + 0.1) / 3 = 0.2, (0.2 + 0.2) / 2 = 0.2, 0.3.
    EXPECT_EQ(detectSinkColumns(a, 0.25, false), (std::vector<std::int64_t>{0, 3}));
    EXPECT_EQ(detectSinkColumns(a, 0.25, true), (std::vector<std::int64_t>{3}));
    EXPECT_EQ(detectSinkColumns(a, 0.1, false), (std::vector<std::int64_t>{0, 1, 2, 3}));
    EXPECT_EQ(detectSinkColumns(a, 0.1, true), (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(detectSinkColumns(a, 0.5, true), (std::vector<std::int64_t>{}));
    EXPECT_EQ(detectSinkColumns(a, 0.9, false), (std::vector<std::int64_t>{}));
    EXPECT_EQ(detectSinkColumns(a, 0.9, true), (std::vector<std::int64_t>{}));
}

} // namespace
