#pragma once
// Greedy decoding checked without depending on bit-exact arithmetic. Two logits that tie to a few
// ulps may be ordered either way on another CPU or BLAS kernel, so a greedy token is right when it
// is an argmax up to a tolerance, and an expected greedy sequence is followed until the first
// near tie, after which the continuations may legitimately differ.
#include "model/model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope::test {

// Tolerance on logits, relative to max(1, |largest logit|): far above float32 rounding over a
// forward pass of the test models, far below a real preference between two tokens.
constexpr double kGreedyTieTolerance = 1e-4;

// Whether `chosen` is within the tolerance of the largest of the `vocab` logits.
inline bool isArgmaxUpToTie(const float* logits, std::int64_t vocab, std::int32_t chosen,
                            double tol = kGreedyTieTolerance) {
    if (chosen < 0 || chosen >= vocab) return false;
    const float best = *std::max_element(logits, logits + vocab);
    return static_cast<double>(best) - logits[chosen] <=
           tol * std::max(1.0, std::abs(static_cast<double>(best)));
}

// Empty when `generated` follows `expected` (same length) until the first difference and that
// difference is a near tie in the model's own logits for the common prefix; otherwise what is wrong.
inline std::string greedyMismatch(const Model& model, const std::vector<std::int32_t>& prompt,
                                  const std::vector<std::int32_t>& generated,
                                  const std::vector<std::int32_t>& expected) {
    if (generated.size() != expected.size())
        return "generated " + std::to_string(generated.size()) + " tokens, expected " +
               std::to_string(expected.size());
    for (std::size_t s = 0; s < expected.size(); ++s) {
        if (generated[s] == expected[s]) continue;
        auto prefix = prompt;
        prefix.insert(prefix.end(), expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(s));
        auto out = model.forward(prefix, nullptr, /*allLogits=*/false);
        if (!out.ok()) return out.error().message;
        const float* row = out->logits.data();
        if (isArgmaxUpToTie(row, out->vocab, generated[s]) && isArgmaxUpToTie(row, out->vocab, expected[s]))
            return {}; // a near tie: either choice is greedy; what follows is not comparable
        return "step " + std::to_string(s) + ": generated " + std::to_string(generated[s]) + " (logit " +
               std::to_string(row[generated[s]]) + "), expected " + std::to_string(expected[s]) + " (logit " +
               std::to_string(row[expected[s]]) + ")";
    }
    return {};
}

} // namespace sinkscope::test
