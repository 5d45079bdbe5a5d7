#include "model/causal_attention_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

// Compiled with -O3 -ffast-math -fopenmp-simd (see CMakeLists): the exp loops become calls to
// glibc's vector expf (libmvec), and the clones below pick AVX-512 or AVX2 at run time.
#define SINKSCOPE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace sinkscope::detail {

namespace {
// t[d][j] = x[j][d]: keys and values transposed so that the score loops run along j.
void transpose(const float* x, float* t, int T, int hd) {
    for (int j = 0; j < T; ++j)
        for (int d = 0; d < hd; ++d)
            t[d * T + j] = x[j * hd + d];
}

// Scores of one row (n of them) become weights in place.
inline void weigh(float* s, int n, CausalWeighting w) {
    if (w.sigmoid) {
        // -ffast-math assumes no infinities: the argument is kept where exp(-x) stays finite
        // (sigmoid(-80) = 1.8e-35, so the floor changes nothing a float can tell apart).
#pragma omp simd
        for (int j = 0; j < n; ++j)
            s[j] = 1.0f / (1.0f + std::exp(-std::max(s[j] + w.bias, -80.0f)));
        return;
    }
    float m = s[0];
    for (int j = 1; j < n; ++j)
        m = std::max(m, s[j]);
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < n; ++j) {
        s[j] = std::exp(s[j] - m);
        sum += s[j];
    }
    const float inv = 1.0f / sum;
#pragma omp simd
    for (int j = 0; j < n; ++j)
        s[j] *= inv;
}
} // namespace

SINKSCOPE_CLONES
void causalAttentionForward(const float* q, const float* k, const float* v, float* o, float* p, int G, int T,
                            int hd, CausalWeighting w, float* scratch) {
    float* kt = scratch; // [hd][T]
    transpose(k, kt, T, hd);
    for (int g = 0; g < G; ++g) {
        const float* qg = q + static_cast<std::int64_t>(g) * T * hd;
        float* og = o + static_cast<std::int64_t>(g) * T * hd;
        float* pg = p + static_cast<std::int64_t>(g) * T * T;
        for (int i = 0; i < T; ++i) {
            float* s = pg + static_cast<std::int64_t>(i) * T;
            const int n = i + 1;
            const float* qi = qg + static_cast<std::int64_t>(i) * hd;
            std::fill(s, s + n, 0.0f);
            for (int d = 0; d < hd; ++d) {
                const float qd = qi[d];
                const float* kd = kt + static_cast<std::int64_t>(d) * T;
#pragma omp simd
                for (int j = 0; j < n; ++j)
                    s[j] += qd * kd[j];
            }
            weigh(s, n, w);
            float* oi = og + static_cast<std::int64_t>(i) * hd;
            std::fill(oi, oi + hd, 0.0f);
            for (int j = 0; j < n; ++j) {
                const float pj = s[j];
                const float* vj = v + static_cast<std::int64_t>(j) * hd;
#pragma omp simd
                for (int d = 0; d < hd; ++d)
                    oi[d] += pj * vj[d];
            }
        }
    }
}

SINKSCOPE_CLONES
void causalAttentionBackward(const float* q, const float* k, const float* v, const float* o, const float* p,
                             const float* dO, float* dQ, float* dK, float* dV, int G, int T, int hd,
                             CausalWeighting w, float* scratch) {
    float* vt = scratch;                                     // [hd][T]
    float* ds = scratch + static_cast<std::int64_t>(T) * hd; // [T]
    transpose(v, vt, T, hd);
    std::fill(dK, dK + static_cast<std::int64_t>(T) * hd, 0.0f);
    std::fill(dV, dV + static_cast<std::int64_t>(T) * hd, 0.0f);
    for (int g = 0; g < G; ++g) {
        const std::int64_t off = static_cast<std::int64_t>(g) * T * hd;
        const float* pg = p + static_cast<std::int64_t>(g) * T * T;
        for (int i = 0; i < T; ++i) {
            const int n = i + 1;
            const float* pi = pg + static_cast<std::int64_t>(i) * T;
            const float* doi = dO + off + static_cast<std::int64_t>(i) * hd;
            const float* oi = o + off + static_cast<std::int64_t>(i) * hd;
            const float* qi = q + off + static_cast<std::int64_t>(i) * hd;
            // dP_ij = dO_i . v_j; softmax: D_i = dO_i . o_i, dS_ij = P_ij (dP_ij - D_i);
            // sigmoid: dS_ij = dP_ij P_ij (1 - P_ij).
            std::fill(ds, ds + n, 0.0f);
            for (int d = 0; d < hd; ++d) {
                const float g_ = doi[d];
                const float* vd = vt + static_cast<std::int64_t>(d) * T;
#pragma omp simd
                for (int j = 0; j < n; ++j)
                    ds[j] += g_ * vd[j];
            }
            if (w.sigmoid) {
#pragma omp simd
                for (int j = 0; j < n; ++j)
                    ds[j] *= pi[j] * (1.0f - pi[j]);
            } else {
                float D = 0.0f;
#pragma omp simd reduction(+ : D)
                for (int d = 0; d < hd; ++d)
                    D += doi[d] * oi[d];
#pragma omp simd
                for (int j = 0; j < n; ++j)
                    ds[j] = pi[j] * (ds[j] - D);
            }
            float* dqi = dQ + off + static_cast<std::int64_t>(i) * hd;
            std::fill(dqi, dqi + hd, 0.0f);
            for (int j = 0; j < n; ++j) {
                const float sj = ds[j], pj = pi[j];
                const float* kj = k + static_cast<std::int64_t>(j) * hd;
                float* dkj = dK + static_cast<std::int64_t>(j) * hd;
                float* dvj = dV + static_cast<std::int64_t>(j) * hd;
#pragma omp simd
                for (int d = 0; d < hd; ++d) {
                    dqi[d] += sj * kj[d];
                    dkj[d] += sj * qi[d];
                    dvj[d] += pj * doi[d];
                }
            }
        }
    }
}

} // namespace sinkscope::detail
