#include "metrics/span_heads.h"

#include <algorithm>
#include <cstddef>

namespace sinkscope {

SpanHeadScore spanHeadScore(const MatrixView& a, std::int64_t first, std::int64_t last,
                            const std::vector<std::int64_t>& sinks, const SpanHeadOptions& o) {
    SpanHeadScore out;
    if (first < 0 || last < first || last >= a.cols) return out;

    // Which span keys are sinks, so that the inner loop is a lookup rather than a search.
    std::vector<char> isSink(static_cast<std::size_t>(last - first + 1), 0);
    for (std::int64_t s : sinks)
        if (s >= first && s <= last) isSink[static_cast<std::size_t>(s - first)] = 1;

    double span = 0.0, nonSink = 0.0;
    std::int64_t queries = 0;
    for (std::int64_t r = 0; r < a.rows; ++r) {
        if (a.firstRow + r <= last) continue;
        ++queries;
        // Every query is after the span, so all span keys are inside its causal window.
        for (std::int64_t j = first; j <= last; ++j) {
            const double x = a.at(r, j);
            span += x;
            if (!isSink[static_cast<std::size_t>(j - first)]) nonSink += x;
        }
    }
    if (queries == 0) return out;

    out.defined = true;
    out.mass = span / static_cast<double>(queries);
    if (!(span > 0.0)) return out; // the span gets no attention: ratio 0/0 is reported as 0, never selected
    out.ratio = nonSink / span;
    out.selected = out.mass >= o.minMass && out.ratio >= o.minRatio;
    return out;
}

} // namespace sinkscope
