#pragma once
// Token labels for figure axes: raw token bytes made printable, and thinned so they never overlap.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

// Printable UTF-8 for a token: invalid UTF-8 -> U+FFFD, control characters escaped (\n, \t, \r,
// \xNN; C1 controls and other invisible code points as \u{NNNN}), an empty or all-space token shown
// as ␣ per space so it is visible, and more than maxChars code points elided with "…".
std::string displayLabel(std::string_view raw, std::size_t maxChars = 24);

// Labels along an axis sit `pitch` apart and each needs `extent` (its size across the axis
// direction plus spacing). The result k is the smallest stride with k * pitch >= extent: drawing
// every k-th label (0, k, 2k, ...) never overlaps. Always >= 1.
int labelStride(double pitch, double extent);

// Indices 0, stride, 2 * stride, ... below count. Position 0 (the usual sink) is always labelled.
std::vector<std::int64_t> thinnedIndices(std::int64_t count, int stride);

} // namespace sinkscope
