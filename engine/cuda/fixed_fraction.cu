#include "cuda/fixed_fraction.h"
#include "cuda/row_mass.cuh"

namespace sinkscope::cuda {

namespace {

__global__ void fixedFractionKernel(AttentionBatch a, SinkMask sinks, double beta) {
    __shared__ double scratch[32];
    for (std::int64_t i = blockIdx.x; i < a.count * a.rows; i += gridDim.x) {
        const std::int64_t m = i / a.rows, r = i % a.rows;
        float* row = a.row(m, r);
        const std::int64_t visible = a.visible(r);
        const std::uint8_t* isSink = maskFor(sinks, m);
        const RowMass mass = rowMass(row, visible, isSink, scratch);
        if (mass.sink <= 0.0 || mass.other <= 0.0) continue;
        scaleRow(row, visible, isSink, beta,
                 (mass.other + (1.0 - beta) * mass.sink) / mass.other); // (R - bS) / (R - S)
    }
}

} // namespace

cudaError_t fixedFraction(const AttentionBatch& a, const SinkMask& sinks, double beta, cudaStream_t stream) {
    if (!validLayout(a) || (!sinks.data && a.cols > 0) || sinks.matrixStride < 0)
        return cudaErrorInvalidValue;
    if (!(beta >= 0.0 && beta <= 1.0) || beta == 1.0) return cudaSuccess; // NaN included
    if (a.count == 0 || a.rows == 0 || a.cols == 0) return cudaSuccess;
    fixedFractionKernel<<<gridFor(a.count * a.rows), kRowBlock, 0, stream>>>(a, sinks, beta);
    return cudaGetLastError();
}

} // namespace sinkscope::cuda
