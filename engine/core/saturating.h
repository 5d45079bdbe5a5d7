#pragma once
// Sizes computed from the numbers a model file declares: each number is bounded on its own, but
// their products are not, so they are multiplied and added without overflow, saturating at
// INT64_MAX (which no real file size reaches, so a comparison with one fails as it should).
#include <cstdint>
#include <limits>

namespace sinkscope {

inline std::int64_t saturatingMul(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<std::int64_t>::max() : r;
}

inline std::int64_t saturatingAdd(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<std::int64_t>::max() : r;
}

} // namespace sinkscope
