#pragma once
// Span-centric heads (VAR's head selection with a marked token span in the image's place;
// docs/methods.md, "Beyond the first token"): heads whose later queries attend to the span, and
// mostly to its non-sink tokens.
#include "core/matrix_view.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

struct SpanHeadOptions {
    double minMass = 0.2;
    double minRatio = 0.6;
};

struct SpanHeadScore {
    double mass = 0;
    double ratio = 0;
    bool selected = false; // defined && mass >= minMass && ratio >= minRatio
    bool defined = false;
};

// One head's square causal attention over T tokens (firstRow 0, rows == cols == T; a partial map scores
// the rows it holds, by absolute position firstRow + r), the span V = [first, last] (inclusive), the
// queries Q = the rows after the span (i > last) and the sink set S (token positions; those outside V,
// and repeats, do not matter).
//   mass  = (1/|Q|) sum_{i in Q} sum_{j in V} A[i,j]
//   ratio = sum_{i in Q} sum_{j in V\S} A[i,j] / sum_{i in Q} sum_{j in V} A[i,j]
// defined = false (mass, ratio 0, not selected) when Q is empty or the span is empty or not inside
// [0, cols). When Q is not empty but gives the span no attention at all, the score is defined with
// mass = 0 and ratio = 0 (0/0 read as "no share on non-sink span tokens") and is never selected, whatever
// the thresholds: a head that ignores the span cannot be span-centric.
SpanHeadScore spanHeadScore(const MatrixView& attention, std::int64_t first, std::int64_t last,
                            const std::vector<std::int64_t>& sinks, const SpanHeadOptions& o = {});

} // namespace sinkscope
