#pragma once
// Plain-pointer kernel behind causalAttentionInference: causal softmax attention of one query
// head over a whole prompt (queries and keys at positions 0..T-1), computing only the lower
// triangle, in register-blocked tiles (4 query rows x 32 keys for the scores, 4 rows x 32 output
// columns for the weighted sum). Matrices are row-major with a contiguous last dimension and any
// row stride.
#include <cstdint>

namespace sinkscope::detail {

struct HeadOperands {
    const float* q = nullptr; // [T][hd]
    std::int64_t qStride = 0;
    const float* k = nullptr; // [T][hd]
    std::int64_t kStride = 0;
    const float* v = nullptr; // [T][hd]
    std::int64_t vStride = 0;
    float* o = nullptr; // [T][hd], written
    std::int64_t oStride = 0;
};

// Floats of scratch that causalHeadAttention needs.
std::int64_t causalHeadScratchFloats(std::int64_t T, std::int64_t hd);

// o_i = sum_{j<=i} p_ij v_j with p_i = softmax_j(scale * q_i . k_j). When p is not null it
// receives the probabilities, T rows of pStride (>= T) floats, zeros above the diagonal.
void causalHeadAttention(const HeadOperands& x, std::int64_t T, std::int64_t hd, float scale, float* p,
                         std::int64_t pStride, float* scratch);

// The same in two steps, for passes that change the probabilities in between (interventions):
// p as above (x.v and x.o unused) and, when scores is not null, the scaled scores q_i . k_j for
// j <= i in the same layout (entries above the diagonal are not written); then o from p (x.q and
// x.k unused; scratch of causalHeadScratchFloats). Unchanged heads come out bit for bit as
// causalHeadAttention computes them.
void causalHeadProbabilities(const HeadOperands& x, std::int64_t T, std::int64_t hd, float scale, float* p,
                             std::int64_t pStride, float* scores, float* scratch);
void causalHeadWeightedSum(const HeadOperands& x, const float* p, std::int64_t pStride, std::int64_t T,
                           std::int64_t hd, float* scratch);

} // namespace sinkscope::detail
