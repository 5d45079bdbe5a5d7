#include "metrics/sink_metrics.h"

#include <algorithm>
#include <cmath>

namespace sinkscope {

std::vector<double> columnImportance(const MatrixView& a) {
    ColumnImportanceAccumulator acc;
    acc.addRows(a);
    return acc.alpha();
}

double columnImportanceAt(const MatrixView& a, std::int64_t k) {
    double sum = 0.0;
    std::int64_t n = 0;
    for (std::int64_t r = 0; r < a.rows; ++r) {
        const std::int64_t i = a.firstRow + r;
        if (i < k || k >= a.cols || (a.window > 0 && k <= i - a.window)) continue;
        sum += a.at(r, k);
        ++n;
    }
    return n ? sum / static_cast<double>(n) : 0.0;
}

double sinkRate(const std::vector<double>& alphaK, double eps) {
    if (alphaK.empty()) return 0.0;
    std::size_t above = 0;
    for (double a : alphaK)
        above += a > eps ? 1 : 0;
    return 100.0 * static_cast<double>(above) / static_cast<double>(alphaK.size());
}

double meanRowEntropy(const MatrixView& a) {
    if (a.rows == 0) return 0.0;
    double total = 0.0;
    for (std::int64_t r = 0; r < a.rows; ++r) {
        const std::int64_t visible = std::min(a.cols, a.firstRow + r + 1);
        double h = 0.0;
        for (std::int64_t j = 0; j < visible; ++j) {
            const double p = a.at(r, j);
            if (p > 0.0) h -= p * std::log(p);
        }
        total += h;
    }
    return total / static_cast<double>(a.rows);
}

std::vector<float> rowNorms(const float* data, std::int64_t rows, std::int64_t dim) {
    std::vector<float> out(static_cast<std::size_t>(std::max<std::int64_t>(rows, 0)), 0.0f);
    for (std::int64_t r = 0; r < rows; ++r) {
        // Massive activations reach 1e3-1e4 per channel, so squares reach 1e8 and a float sum over
        // thousands of channels would drift in its last digits; double keeps the returned float accurate.
        double s = 0.0;
        for (std::int64_t d = 0; d < dim; ++d) {
            const double x = data[r * dim + d];
            s += x * x;
        }
        out[static_cast<std::size_t>(r)] = static_cast<float>(std::sqrt(s));
    }
    return out;
}

void ColumnImportanceAccumulator::addRows(const MatrixView& a) {
    if (static_cast<std::int64_t>(m_sum.size()) < a.cols) {
        m_sum.resize(static_cast<std::size_t>(a.cols), 0.0);
        m_count.resize(static_cast<std::size_t>(a.cols), 0);
    }
    for (std::int64_t r = 0; r < a.rows; ++r) {
        const std::int64_t i = a.firstRow + r;
        const std::int64_t visible = std::min(a.cols, i + 1); // query i sees keys 0..i
        const std::int64_t first = a.window > 0 ? std::max<std::int64_t>(0, i - a.window + 1) : 0;
        const float* row = a.row(r);
        for (std::int64_t k = first; k < visible; ++k) {
            m_sum[static_cast<std::size_t>(k)] += row[k];
            ++m_count[static_cast<std::size_t>(k)];
        }
    }
}

std::vector<double> ColumnImportanceAccumulator::alpha() const {
    std::vector<double> out(m_sum.size(), 0.0);
    for (std::size_t k = 0; k < m_sum.size(); ++k)
        if (m_count[k]) out[k] = m_sum[k] / static_cast<double>(m_count[k]);
    return out;
}

double ColumnImportanceAccumulator::alphaAt(std::int64_t k) const {
    if (k < 0 || k >= static_cast<std::int64_t>(m_sum.size()) || m_count[static_cast<std::size_t>(k)] == 0)
        return 0.0;
    return m_sum[static_cast<std::size_t>(k)] / static_cast<double>(m_count[static_cast<std::size_t>(k)]);
}

} // namespace sinkscope
