#pragma once
// Attention-sink metrics over one head's causal attention (definitions: docs/methods.md).
#include "core/matrix_view.h"
#include "metrics/method_defaults.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

// alpha[k] = (1/(T-k)) * sum_{i>=k} A[i,k] over a full square T x T attention matrix
// (firstRow must be 0 and rows == cols). With a window W the mean is over the rows that see k,
// i = k .. k+W-1 (docs/methods.md, "Windowed layers").
std::vector<double> columnImportance(const MatrixView& attention);

// alpha[k] for one key k only (cheaper when only the first token matters).
double columnImportanceAt(const MatrixView& attention, std::int64_t k);

// Sink_k^eps in percent: share of alpha values (one per sample x layer x head) above eps.
double sinkRate(const std::vector<double>& alphaK, double eps = kSinkEpsilon);

// Mean over rows of the row entropy -sum_j A[i,j] log A[i,j] (natural log), over the causal part.
double meanRowEntropy(const MatrixView& attention);

// L2 norm of each row of a [T, D] row-major matrix: massive activations per (layer, token) and the
// key/value norms per token. Accumulated in double; returned as float like the tensors it summarises.
std::vector<float> rowNorms(const float* data, std::int64_t rows, std::int64_t dim);

// Accumulates alpha[k] incrementally from rows delivered in any order (prefill + generation steps).
class ColumnImportanceAccumulator {
public:
    void addRows(const MatrixView& attention);
    // alpha[k] over the rows seen so far; keys never seen by any row get 0.
    std::vector<double> alpha() const;
    double alphaAt(std::int64_t k) const;

private:
    std::vector<double> m_sum;
    std::vector<std::int64_t> m_count;
};

} // namespace sinkscope
