#include "model/inference_attention_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

// Compiled with -O3 -ffast-math -ffp-contract=fast -fopenmp-simd (see CMakeLists): the exp loop
// calls glibc's vector expf (libmvec), products fuse into FMAs, and the clones below pick
// AVX-512, AVX2 + FMA or baseline code at run time.
#define SINKSCOPE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace sinkscope::detail {

namespace {

constexpr std::int64_t kRows = 4;   // query rows per tile
constexpr std::int64_t kLanes = 16; // floats per vector
constexpr std::int64_t kCols = 32;  // keys (scores) or output columns (weighted sum) per tile

// 16 floats; lowered to whatever the clone's instruction set has (1 zmm, 2 ymm or 4 xmm).
typedef float Vec __attribute__((vector_size(64), aligned(4)));

[[gnu::always_inline]] inline Vec load(const float* p) {
    Vec v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
[[gnu::always_inline]] inline void store(float* p, const Vec& v) {
    std::memcpy(p, &v, sizeof v);
}
// Stores the first n (<= 16) lanes.
[[gnu::always_inline]] inline void storeFirst(float* p, const Vec& v, std::int64_t n) {
    if (n >= kLanes) {
        store(p, v);
        return;
    }
    float tmp[kLanes];
    store(tmp, v);
    std::memcpy(p, tmp, sizeof(float) * static_cast<std::size_t>(n));
}

constexpr std::int64_t roundUp(std::int64_t n, std::int64_t m) {
    return (n + m - 1) / m * m;
}

// Keys transposed and scaled into kt [hd][Tpad] (zeros past T), so that score tiles run along keys.
[[gnu::always_inline]] inline void prepareKeys(const HeadOperands& x, std::int64_t T, std::int64_t Tpad,
                                               std::int64_t hd, float scale, float* kt) {
    for (std::int64_t j = 0; j < T; ++j) {
        const float* kj = x.k + j * x.kStride;
        for (std::int64_t d = 0; d < hd; ++d)
            kt[d * Tpad + j] = scale * kj[d];
    }
    for (std::int64_t d = 0; d < hd; ++d)
        std::fill(kt + d * Tpad + T, kt + (d + 1) * Tpad, 0.0f);
}

// Values are read in whole vectors: rows padded to a multiple of 16 into vp when the head size is not.
struct Values {
    const float* v;
    std::int64_t stride;
};
[[gnu::always_inline]] inline Values prepareValues(const HeadOperands& x, std::int64_t T, std::int64_t hd,
                                                   float* vp) {
    if (hd % kLanes == 0) return {x.v, x.vStride};
    const std::int64_t hdPad = roundUp(hd, kLanes);
    for (std::int64_t j = 0; j < T; ++j) {
        std::memcpy(vp + j * hdPad, x.v + j * x.vStride, sizeof(float) * static_cast<std::size_t>(hd));
        std::fill(vp + j * hdPad + hd, vp + (j + 1) * hdPad, 0.0f);
    }
    return {vp, hdPad};
}

// Scores of the rows qr[0..kRows) against keys [0, n), 32 keys at a time, into s (kRows rows of
// Tpad floats; Tpad >= j0 + 32 for every j0 < n).
SINKSCOPE_CLONES [[gnu::noinline]] void scoreTile(const float* const* qr, const float* kt, std::int64_t Tpad,
                                                  std::int64_t hd, std::int64_t n, float* s) {
    for (std::int64_t j0 = 0; j0 < n; j0 += kCols) {
        Vec a0[kRows] = {}, a1[kRows] = {};
        const float* kd = kt + j0;
        for (std::int64_t d = 0; d < hd; ++d, kd += Tpad) {
            const Vec k0 = load(kd), k1 = load(kd + kLanes);
#pragma GCC unroll 4
            for (std::int64_t r = 0; r < kRows; ++r) {
                const float q = qr[r][d];
                a0[r] += k0 * q;
                a1[r] += k1 * q;
            }
        }
#pragma GCC unroll 4
        for (std::int64_t r = 0; r < kRows; ++r) {
            store(s + r * Tpad + j0, a0[r]);
            store(s + r * Tpad + j0 + kLanes, a1[r]);
        }
    }
}

// Softmax of sr[0, len) in place, then zeros in [len, n).
SINKSCOPE_CLONES [[gnu::noinline]] void softmaxRow(float* sr, std::int64_t len, std::int64_t n) {
    float m = sr[0];
#pragma omp simd reduction(max : m)
    for (std::int64_t j = 0; j < len; ++j)
        m = std::max(m, sr[j]);
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (std::int64_t j = 0; j < len; ++j) {
        sr[j] = std::exp(sr[j] - m);
        sum += sr[j];
    }
    const float inv = 1.0f / sum;
#pragma omp simd
    for (std::int64_t j = 0; j < len; ++j)
        sr[j] *= inv;
    std::fill(sr + len, sr + n, 0.0f);
}

// o rows [i0, i0 + rows) = p rows . v over keys [0, n), 32 output columns at a time. pr holds
// kRows row pointers (a short tile repeats its last row; those results are not stored).
SINKSCOPE_CLONES [[gnu::noinline]] void weightedSumTile(const float* const* pr, const Values& val,
                                                        std::int64_t n, std::int64_t hd,
                                                        const HeadOperands& x, std::int64_t i0,
                                                        std::int64_t rows) {
    const std::int64_t hdPad = roundUp(hd, kLanes);
    for (std::int64_t c0 = 0; c0 < hdPad; c0 += kCols) {
        const bool two = c0 + kLanes < hdPad;
        Vec a0[kRows] = {}, a1[kRows] = {};
        if (two) {
            for (std::int64_t j = 0; j < n; ++j) {
                const float* vj = val.v + j * val.stride + c0;
                const Vec v0 = load(vj), v1 = load(vj + kLanes);
#pragma GCC unroll 4
                for (std::int64_t r = 0; r < kRows; ++r) {
                    const float w = pr[r][j];
                    a0[r] += v0 * w;
                    a1[r] += v1 * w;
                }
            }
        } else {
            for (std::int64_t j = 0; j < n; ++j) {
                const Vec v0 = load(val.v + j * val.stride + c0);
#pragma GCC unroll 4
                for (std::int64_t r = 0; r < kRows; ++r)
                    a0[r] += v0 * pr[r][j];
            }
        }
        const std::int64_t width = std::min(kCols, hd - c0);
        for (std::int64_t r = 0; r < rows; ++r) {
            float* orow = x.o + (i0 + r) * x.oStride + c0;
            storeFirst(orow, a0[r], width);
            if (width > kLanes) storeFirst(orow + kLanes, a1[r], width - kLanes);
        }
    }
}

} // namespace

std::int64_t causalHeadScratchFloats(std::int64_t T, std::int64_t hd) {
    const std::int64_t Tpad = roundUp(T, kCols), hdPad = roundUp(hd, kLanes);
    return hd * Tpad + kRows * Tpad + (hd % kLanes ? T * hdPad : 0);
}

// The three entry points call the same (not inlined) tile functions above, so a head computed by
// the fused kernel and the same head computed in two steps (probabilities, then the weighted sum)
// agree bit for bit: inlined copies could be vectorised differently (e.g. which elements of a row
// take the vector or the scalar exp).

SINKSCOPE_CLONES
void causalHeadAttention(const HeadOperands& x, std::int64_t T, std::int64_t hd, float scale, float* p,
                         std::int64_t pStride, float* scratch) {
    const std::int64_t Tpad = roundUp(T, kCols);
    float* kt = scratch;       // [hd][Tpad]
    float* s = kt + hd * Tpad; // [kRows][Tpad]: one tile's scores, then probabilities
    prepareKeys(x, T, Tpad, hd, scale, kt);
    const Values val = prepareValues(x, T, hd, s + kRows * Tpad);
    for (std::int64_t i0 = 0; i0 < T; i0 += kRows) {
        const std::int64_t rows = std::min(kRows, T - i0), n = i0 + rows; // keys 0..n-1 are needed
        const float* qr[kRows];
        const float* sr[kRows];
        for (std::int64_t r = 0; r < kRows; ++r) {
            qr[r] = x.q + (i0 + std::min(r, rows - 1)) * x.qStride;
            sr[r] = s + std::min(r, rows - 1) * Tpad;
        }
        scoreTile(qr, kt, Tpad, hd, n, s);
        for (std::int64_t r = 0; r < rows; ++r) {
            const std::int64_t len = i0 + r + 1;
            softmaxRow(s + r * Tpad, len, n);
            if (p) {
                float* pr = p + (i0 + r) * pStride;
                std::memcpy(pr, s + r * Tpad, sizeof(float) * static_cast<std::size_t>(len));
                std::fill(pr + len, pr + T, 0.0f);
            }
        }
        weightedSumTile(sr, val, n, hd, x, i0, rows);
    }
}

SINKSCOPE_CLONES
void causalHeadProbabilities(const HeadOperands& x, std::int64_t T, std::int64_t hd, float scale, float* p,
                             std::int64_t pStride, float* scores, float* scratch) {
    const std::int64_t Tpad = roundUp(T, kCols);
    float* kt = scratch;
    float* s = kt + hd * Tpad;
    prepareKeys(x, T, Tpad, hd, scale, kt);
    for (std::int64_t i0 = 0; i0 < T; i0 += kRows) {
        const std::int64_t rows = std::min(kRows, T - i0), n = i0 + rows;
        const float* qr[kRows];
        for (std::int64_t r = 0; r < kRows; ++r)
            qr[r] = x.q + (i0 + std::min(r, rows - 1)) * x.qStride;
        scoreTile(qr, kt, Tpad, hd, n, s);
        for (std::int64_t r = 0; r < rows; ++r) {
            const std::int64_t len = i0 + r + 1;
            if (scores)
                std::memcpy(scores + (i0 + r) * pStride, s + r * Tpad,
                            sizeof(float) * static_cast<std::size_t>(len));
            softmaxRow(s + r * Tpad, len, n);
            float* pr = p + (i0 + r) * pStride;
            std::memcpy(pr, s + r * Tpad, sizeof(float) * static_cast<std::size_t>(len));
            std::fill(pr + len, pr + T, 0.0f);
        }
    }
}

SINKSCOPE_CLONES
void causalHeadWeightedSum(const HeadOperands& x, const float* p, std::int64_t pStride, std::int64_t T,
                           std::int64_t hd, float* scratch) {
    const Values val = prepareValues(x, T, hd, scratch);
    for (std::int64_t i0 = 0; i0 < T; i0 += kRows) {
        const std::int64_t rows = std::min(kRows, T - i0), n = i0 + rows;
        const float* pr[kRows];
        for (std::int64_t r = 0; r < kRows; ++r)
            pr[r] = p + (i0 + std::min(r, rows - 1)) * pStride;
        weightedSumTile(pr, val, n, hd, x, i0, rows);
    }
}

} // namespace sinkscope::detail
