#pragma once
// The attention operators behind the interventions, on one head's weights in place. Pure
// functions over float rows, shared by the forward pass (CPU tensors' memory) and the tests.
//
// Rows are queries firstRow + r seeing keys 0 .. firstRow + r (causal); entries beyond are zero
// and stay zero. Rows need not sum to one (sink-logit and sigmoid models): each operator keeps a
// row's total R_i and moves mass within it, which reduces to the published formulas when R_i = 1.
// A row with nothing to move mass onto (for example row 0, whose only key is the sink) is left
// exactly as it is: never a division by zero.
#include "core/matrix_view.h"
#include "intervene/intervention.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

struct MutableMatrixView {
    float* data = nullptr;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::int64_t rowStride = 0;
    std::int64_t firstRow = 0;
    // A windowed layer's window (MatrixView::window): the operators need not know it (hidden keys
    // hold zeros and stay zero), but sink detection on view() must average over visible rows.
    std::int64_t window = 0;

    float& at(std::int64_t r, std::int64_t c) const { return data[r * rowStride + c]; }
    MatrixView view() const { return {data, rows, cols, rowStride, firstRow, window}; }
};

// ZeroTuning: A'[i,j in S] = g A[i,j] R_i / (R_i + (g-1) S_i), A'[i,j not in S] = A[i,j] R_i / (R_i + (g-1)
// S_i), S_i = sum of the row's visible sink entries. gamma >= 0; rows with R_i + (g-1) S_i <= 0 (or with no
// non-sink mass when g != 1) are unchanged.
void scaleRenormalize(const MutableMatrixView& a, const std::vector<std::int64_t>& sinks, double gamma);

// ACT: sink entries x beta; the other visible entries x (R_i - beta S_i) / (R_i - S_i). Rows with
// S_i = 0 or R_i - S_i <= 0 are unchanged.
void fixedFraction(const MutableMatrixView& a, const std::vector<std::int64_t>& sinks, double beta);

// VAR: sink entries x (1 - p); the freed p S_i goes to the visible entries of `target` that are
// not sinks, in proportion to their weights. Rows where those entries sum to 0 are unchanged.
void redistribute(const MutableMatrixView& a, const std::vector<std::int64_t>& sinks, double p,
                  const TokenSpan& target);

// Softmax with a sink logit b over pre-softmax scores (masked entries -inf):
// out[i,j] = e^(z_ij - m) / (e^(b - m) + sum_k e^(z_ik - m)), m = max(b, max_k z_ik).
// b = -inf gives plain softmax. `scores` and `out` have the same shape (may alias).
void sinkLogitSoftmax(const MatrixView& scores, double b, const MutableMatrixView& out);

// Columns whose column importance alpha[j] (over the full square prompt matrix: firstRow 0,
// rows == cols; on a windowed layer, a.window set, the mean over the rows that see key j) exceeds
// threshold, ascending; with skipFirst the lowest is dropped (ACT).
std::vector<std::int64_t> detectSinkColumns(const MatrixView& a, double threshold, bool skipFirst);

} // namespace sinkscope
