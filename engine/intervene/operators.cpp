// The mass-moving operators and sink detection. Sums are taken in double: a row of a long prompt
// holds thousands of small weights next to one large sink entry, and float sums would drift.
#include "intervene/operators.h"

#include "metrics/sink_metrics.h"

#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace {

// Sink membership by column, built once per call; positions no row can see are simply absent.
std::vector<char> sinkMask(const std::vector<std::int64_t>& sinks, std::int64_t cols) {
    std::vector<char> mask(static_cast<std::size_t>(std::max<std::int64_t>(cols, 0)), 0);
    for (std::int64_t s : sinks)
        if (s >= 0 && s < cols) mask[static_cast<std::size_t>(s)] = 1;
    return mask;
}

// Keys 0 .. firstRow + r: the causal limit, clipped to the view.
std::int64_t visibleCols(const MutableMatrixView& a, std::int64_t r) {
    return std::clamp<std::int64_t>(a.firstRow + r + 1, 0, a.cols);
}

struct RowMass {
    double sink = 0.0;
    double other = 0.0; // summed separately, not R - S: "no mass left" must test exactly zero
};

RowMass rowMass(const float* row, std::int64_t visible, const std::vector<char>& isSink) {
    RowMass m;
    for (std::int64_t j = 0; j < visible; ++j)
        (isSink[static_cast<std::size_t>(j)] ? m.sink : m.other) += row[j];
    return m;
}

void scaleRow(float* row, std::int64_t visible, const std::vector<char>& isSink, double sinkScale,
              double otherScale) {
    for (std::int64_t j = 0; j < visible; ++j)
        row[j] = static_cast<float>(row[j] * (isSink[static_cast<std::size_t>(j)] ? sinkScale : otherScale));
}

bool inUnitInterval(double v) {
    return v >= 0.0 && v <= 1.0; // false for NaN
}

} // namespace

void scaleRenormalize(const MutableMatrixView& a, const std::vector<std::int64_t>& sinks, double gamma) {
    // Outside gamma >= 0 the result would hold negative weights: refuse rather than corrupt.
    if (!(gamma >= 0.0) || !std::isfinite(gamma) || gamma == 1.0) return;
    const auto isSink = sinkMask(sinks, a.cols);
    for (std::int64_t r = 0; r < a.rows; ++r) {
        float* row = &a.at(r, 0);
        const std::int64_t visible = visibleCols(a, r);
        const RowMass m = rowMass(row, visible, isSink);
        const double denom = m.other + gamma * m.sink; // R + (g-1) S
        if (m.sink <= 0.0 || m.other <= 0.0 || denom <= 0.0) continue;
        const double otherScale = (m.sink + m.other) / denom;
        scaleRow(row, visible, isSink, gamma * otherScale, otherScale);
    }
}

void fixedFraction(const MutableMatrixView& a, const std::vector<std::int64_t>& sinks, double beta) {
    if (!inUnitInterval(beta) || beta == 1.0) return;
    const auto isSink = sinkMask(sinks, a.cols);
    for (std::int64_t r = 0; r < a.rows; ++r) {
        float* row = &a.at(r, 0);
        const std::int64_t visible = visibleCols(a, r);
        const RowMass m = rowMass(row, visible, isSink);
        if (m.sink <= 0.0 || m.other <= 0.0) continue;
        scaleRow(row, visible, isSink, beta,
                 (m.other + (1.0 - beta) * m.sink) / m.other); // (R - bS) / (R - S)
    }
}

void redistribute(const MutableMatrixView& a, const std::vector<std::int64_t>& sinks, double p,
                  const TokenSpan& target) {
    if (!inUnitInterval(p) || p == 0.0 || target.empty()) return;
    const auto isSink = sinkMask(sinks, a.cols);
    for (std::int64_t r = 0; r < a.rows; ++r) {
        float* row = &a.at(r, 0);
        const std::int64_t visible = visibleCols(a, r);
        const std::int64_t lo = std::max<std::int64_t>(target.first, 0);
        const std::int64_t hi = std::min(target.last, visible - 1);
        double sink = 0.0, receiving = 0.0;
        for (std::int64_t j = 0; j < visible; ++j)
            if (isSink[static_cast<std::size_t>(j)]) sink += row[j];
        for (std::int64_t j = lo; j <= hi; ++j)
            if (!isSink[static_cast<std::size_t>(j)]) receiving += row[j];
        if (sink <= 0.0 || receiving <= 0.0) continue;
        const double gain = 1.0 + p * sink / receiving;
        for (std::int64_t j = 0; j < visible; ++j)
            if (isSink[static_cast<std::size_t>(j)]) row[j] = static_cast<float>(row[j] * (1.0 - p));
        for (std::int64_t j = lo; j <= hi; ++j)
            if (!isSink[static_cast<std::size_t>(j)]) row[j] = static_cast<float>(row[j] * gain);
    }
}

std::vector<std::int64_t> detectSinkColumns(const MatrixView& a, double threshold, bool skipFirst) {
    const std::vector<double> alpha = columnImportance(a);
    std::vector<std::int64_t> out;
    for (std::size_t j = 0; j < alpha.size(); ++j)
        if (alpha[j] > threshold) out.push_back(static_cast<std::int64_t>(j));
    if (skipFirst && !out.empty()) out.erase(out.begin());
    return out;
}

} // namespace sinkscope
