#include "cuda/softmax_alpha.h"
#include "cuda/softmax_row.cuh"

#include <cuda_fp16.h>

namespace sinkscope::cuda {

namespace {

// Rows per block when column sums go through shared memory: each thread owns the same columns
// in every row of its tile, so it sums them privately and the block issues one atomicAdd per
// column per tile instead of one per entry (column 0 is hit by every row: atomics on it would
// serialise).
constexpr std::int64_t kTileRows = 16;
// 48 KiB is what a block gets without opting in; 1 KiB of it stays for the reduction scratch.
constexpr std::int64_t kMaxSharedColumns = (48 * 1024 - 1024) / sizeof(float);

__global__ void softmaxAlphaKernel(AttentionBatch scores, SoftmaxOutputs out, double b, std::int64_t tileRows,
                                   bool sharedSums) {
    extern __shared__ float columnAcc[];
    __shared__ double scratch[32];
    const std::int64_t tilesPerMatrix = (scores.rows + tileRows - 1) / tileRows;
    for (std::int64_t tile = blockIdx.x; tile < scores.count * tilesPerMatrix; tile += gridDim.x) {
        const std::int64_t m = tile / tilesPerMatrix;
        const std::int64_t r0 = (tile % tilesPerMatrix) * tileRows;
        const std::int64_t r1 = r0 + tileRows < scores.rows ? r0 + tileRows : scores.rows;
        const std::int64_t tileVisible = scores.visible(r1 - 1); // the tile's widest row
        if (sharedSums)
            for (std::int64_t j = threadIdx.x; j < tileVisible; j += blockDim.x)
                columnAcc[j] = 0.0f;
        for (std::int64_t r = r0; r < r1; ++r) {
            const float* z = scores.row(m, r);
            float* p = out.probs.row(m, r);
            __half* h = out.probsF16
                            ? reinterpret_cast<__half*>(out.probsF16) + (m * scores.rows + r) * scores.cols
                            : nullptr;
            const std::int64_t visible = scores.visible(r);
            const SoftmaxRow s = softmaxRow(z, visible, b, scratch);
            for (std::int64_t j = threadIdx.x; j < scores.cols; j += blockDim.x) {
                const float v = j < visible ? s.prob(z[j]) : 0.0f;
                p[j] = v; // after softmaxRow's last barrier: every read of z (maybe p) is done
                if (h) h[j] = __float2half_rn(v);
                if (j >= visible || !out.columnSums) continue;
                if (sharedSums)
                    columnAcc[j] += v;
                else
                    atomicAdd(out.columnSums + m * scores.cols + j, v);
            }
        }
        if (sharedSums && out.columnSums)
            for (std::int64_t j = threadIdx.x; j < tileVisible; j += blockDim.x)
                atomicAdd(out.columnSums + m * scores.cols + j, columnAcc[j]);
        __syncthreads(); // columnAcc is reset by the next tile
    }
}

} // namespace

cudaError_t softmaxWithColumnSums(const AttentionBatch& scores, const SoftmaxOutputs& out,
                                  cudaStream_t stream, double sinkLogit) {
    const AttentionBatch& p = out.probs;
    if (!validLayout(scores) || !validLayout(p) || p.count != scores.count || p.rows != scores.rows ||
        p.cols != scores.cols || p.firstRow != scores.firstRow)
        return cudaErrorInvalidValue;
    if (scores.count == 0 || scores.rows == 0 || scores.cols == 0) return cudaSuccess;
    const bool sharedSums = out.columnSums && scores.cols <= kMaxSharedColumns;
    const std::int64_t tileRows = sharedSums ? kTileRows : 1;
    const std::int64_t tiles = scores.count * ((scores.rows + tileRows - 1) / tileRows);
    const std::size_t shared = sharedSums ? static_cast<std::size_t>(scores.cols) * sizeof(float) : 0;
    softmaxAlphaKernel<<<gridFor(tiles), kRowBlock, shared, stream>>>(scores, out, sinkLogit, tileRows,
                                                                      sharedSums);
    return cudaGetLastError();
}

} // namespace sinkscope::cuda
