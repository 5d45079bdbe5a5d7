#pragma once
// Plain-pointer kernels behind fusedCausalAttention, one (batch, key/value head) group at a time.
// Layouts are row-major: q/o/dO [G][T][hd] for the G query heads sharing k/v [T][hd];
// p [G][T][T] (only j <= i is written and read).
#include <cstdint>

namespace sinkscope::detail {

// How scores become weights: softmax across the row, or sigmoid(z + bias) with no normalisation.
struct CausalWeighting {
    bool sigmoid = false;
    float bias = 0.0f;
};

void causalAttentionForward(const float* q, const float* k, const float* v, float* o, float* p, int G, int T,
                            int hd, CausalWeighting w, float* scratch /* 2 * T * hd + T floats */);

void causalAttentionBackward(const float* q, const float* k, const float* v, const float* o, const float* p,
                             const float* dO, float* dQ, float* dK, float* dV, int G, int T, int hd,
                             CausalWeighting w, float* scratch /* T * hd + T floats */);

} // namespace sinkscope::detail
