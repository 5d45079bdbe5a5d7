#pragma once
// Timing helpers shared by the benchmark programs: wall time of one call, and order statistics
// of the samples (figures are medians or percentiles, never means: a busy machine adds outliers).
#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace sinkscope::bench {

inline double timeMs(const std::function<void()>& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The sample at fraction p of the sorted samples (0 = min, 1 = max); v must not be empty.
inline double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// The upper median (v[n/2] of the sorted samples); v must not be empty.
inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace sinkscope::bench
