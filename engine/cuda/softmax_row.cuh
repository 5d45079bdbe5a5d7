#pragma once
// One row of softmax with an optional sink logit b, shared by the capture kernel and the
// sink-logit intervention: p_j = e^(z_j - m) / (e^(b - m) + sum_k e^(z_k - m)), m = max(b, max z).
// Same limits as the CPU operator (engine/intervene/sink_logit_softmax.cpp): b = -inf is plain
// softmax, b = +inf or NaN gives zeros, a row with nothing to weigh stays zero.
#include "cuda/block_reduce.cuh"

#include <cmath>
#include <cstdint>

namespace sinkscope::cuda {

struct SoftmaxRow {
    float max = 0.0f;
    float invDenom = 0.0f; // 0: the row is all zeros

    __device__ float prob(float z) const { return invDenom == 0.0f ? 0.0f : expf(z - max) * invDenom; }
};

// Called by every thread of the block; `scratch` holds 32 doubles.
__device__ inline SoftmaxRow softmaxRow(const float* z, std::int64_t visible, double b, double* scratch) {
    SoftmaxRow s;
    if (isnan(b) || b == INFINITY) return s; // the sink takes everything (no thread diverges here)
    double m = b;
    for (std::int64_t j = threadIdx.x; j < visible; j += blockDim.x)
        m = fmax(m, static_cast<double>(z[j]));
    m = blockReduce(m, MaxOp{}, scratch);
    if (m == -INFINITY) return s;
    const float mf = static_cast<float>(m);
    if (isinf(mf)) return s; // a finite b beyond float range: the sink takes everything, as on the CPU
    // Exponents are <= 0 after subtracting the max: no overflow. Summed in double like the CPU
    // reference: thousands of tiny weights beside one large sink entry.
    double denom = 0.0;
    for (std::int64_t j = threadIdx.x; j < visible; j += blockDim.x)
        denom += expf(z[j] - mf);
    denom = blockReduce(denom, SumOp{}, scratch);
    if (b != -INFINITY) denom += exp(b - static_cast<double>(mf)); // the same shift as every z
    s.max = mf;
    s.invDenom = static_cast<float>(1.0 / denom);
    return s;
}

} // namespace sinkscope::cuda
