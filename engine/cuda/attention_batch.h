#pragma once
// AttentionBatch: `count` attention matrices (one per head, or per batch x head) in device memory,
// the unit every kernel in this folder works on. The layout matches MatrixView's: matrix m, query
// row r (absolute position firstRow + r) sees keys 0 .. firstRow + r (causal); entries beyond are
// masked. Plain data, usable from host C++ without CUDA headers.
#include <cstdint>

#if defined(__CUDACC__)
#define SINKSCOPE_HOST_DEVICE __host__ __device__
#else
#define SINKSCOPE_HOST_DEVICE
#endif

namespace sinkscope::cuda {

struct AttentionBatch {
    float* data = nullptr;         // device memory
    std::int64_t count = 1;        // matrices
    std::int64_t rows = 0;         // query rows per matrix
    std::int64_t cols = 0;         // keys per row
    std::int64_t rowStride = 0;    // elements between rows (>= cols)
    std::int64_t matrixStride = 0; // elements between matrices (>= rows * rowStride when count > 1)
    std::int64_t firstRow = 0;     // absolute position of row 0

    SINKSCOPE_HOST_DEVICE float* row(std::int64_t m, std::int64_t r) const {
        return data + m * matrixStride + r * rowStride;
    }
    // Keys row r can see: firstRow + r + 1, clipped to [0, cols].
    SINKSCOPE_HOST_DEVICE std::int64_t visible(std::int64_t r) const {
        const std::int64_t v = firstRow + r + 1;
        return v < 0 ? 0 : (v > cols ? cols : v);
    }
};

// Sink columns as a 0/1 byte per key: matrix m uses data[m * matrixStride .. + cols), so
// matrixStride 0 shares one mask between all matrices and cols gives each its own (per-head
// sinks, as sinks=auto detects them).
struct SinkMask {
    const std::uint8_t* data = nullptr; // device memory
    std::int64_t matrixStride = 0;
};

// Whether a batch's sizes and strides describe memory a kernel can walk (no overlapping rows,
// no null data for a non-empty batch).
inline bool validLayout(const AttentionBatch& a) {
    if (a.count < 0 || a.rows < 0 || a.cols < 0 || a.rowStride < a.cols) return false;
    if (a.count > 1 && a.matrixStride < a.rows * a.rowStride) return false;
    return a.data != nullptr || a.count == 0 || a.rows == 0 || a.cols == 0;
}

// Rows of the batch that see key k (absolute row index >= k): the divisor that turns the column
// sums of softmaxWithColumnSums into alpha_k, the mean attention key k receives.
inline std::int64_t rowsSeeingKey(const AttentionBatch& a, std::int64_t k) {
    const std::int64_t from = k > a.firstRow ? k : a.firstRow;
    const std::int64_t n = a.firstRow + a.rows - from;
    return n < 0 ? 0 : n;
}

} // namespace sinkscope::cuda
