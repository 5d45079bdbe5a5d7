#include "intervene/operators.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sinkscope {

void sinkLogitSoftmax(const MatrixView& scores, double b, const MutableMatrixView& out) {
    // A mismatched pair would read or write outside one of the buffers.
    if (scores.rows != out.rows || scores.cols != out.cols || scores.firstRow != out.firstRow) return;
    constexpr double kNegInf = -std::numeric_limits<double>::infinity();
    // b = +inf (or NaN) is the limit where the sink takes everything: zeros, never NaN.
    const bool sinkTakesAll = std::isnan(b) || b == -kNegInf;
    std::vector<double> e(static_cast<std::size_t>(std::max<std::int64_t>(scores.cols, 0)));
    for (std::int64_t r = 0; r < scores.rows; ++r) {
        const float* z = scores.row(r);
        float* o = &out.at(r, 0);
        const std::int64_t visible = std::clamp<std::int64_t>(scores.firstRow + r + 1, 0, scores.cols);
        // Subtracting the max over the row *and b* keeps every exponent <= 0: no overflow at any scale.
        double m = b;
        for (std::int64_t j = 0; j < visible; ++j)
            m = std::max(m, static_cast<double>(z[j]));
        double denom = 0.0;
        if (!sinkTakesAll && m != kNegInf) {
            denom = b == kNegInf ? 0.0 : std::exp(b - m);
            for (std::int64_t j = 0; j < visible; ++j)
                denom += e[static_cast<std::size_t>(j)] = std::exp(static_cast<double>(z[j]) - m);
        }
        // denom >= 1 whenever it is set (the max term is e^0); 0 marks a row with nothing to weigh
        // (all -inf with b = -inf): it stays all zeros instead of 0/0.
        for (std::int64_t j = 0; j < visible; ++j)
            o[j] = denom > 0.0 ? static_cast<float>(e[static_cast<std::size_t>(j)] / denom) : 0.0f;
        // Masked scores are -inf and their weight is e^-inf = 0, whatever `out` held there before.
        std::fill(o + visible, o + scores.cols, 0.0f);
    }
}

} // namespace sinkscope
