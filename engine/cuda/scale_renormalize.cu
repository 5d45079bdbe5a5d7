#include "cuda/row_mass.cuh"
#include "cuda/scale_renormalize.h"

#include <cmath>

namespace sinkscope::cuda {

namespace {

__global__ void scaleRenormalizeKernel(AttentionBatch a, SinkMask sinks, double gamma) {
    __shared__ double scratch[32];
    for (std::int64_t i = blockIdx.x; i < a.count * a.rows; i += gridDim.x) {
        const std::int64_t m = i / a.rows, r = i % a.rows;
        float* row = a.row(m, r);
        const std::int64_t visible = a.visible(r);
        const std::uint8_t* isSink = maskFor(sinks, m);
        const RowMass mass = rowMass(row, visible, isSink, scratch);
        const double denom = mass.other + gamma * mass.sink; // R + (g - 1) S
        if (mass.sink <= 0.0 || mass.other <= 0.0 || denom <= 0.0) continue;
        const double otherScale = (mass.sink + mass.other) / denom;
        scaleRow(row, visible, isSink, gamma * otherScale, otherScale);
    }
}

} // namespace

cudaError_t scaleRenormalize(const AttentionBatch& a, const SinkMask& sinks, double gamma,
                             cudaStream_t stream) {
    if (!validLayout(a) || (!sinks.data && a.cols > 0) || sinks.matrixStride < 0)
        return cudaErrorInvalidValue;
    // Outside gamma >= 0 the result would hold negative weights: refuse rather than corrupt.
    if (!(gamma >= 0.0) || !std::isfinite(gamma) || gamma == 1.0) return cudaSuccess;
    if (a.count == 0 || a.rows == 0 || a.cols == 0) return cudaSuccess;
    scaleRenormalizeKernel<<<gridFor(a.count * a.rows), kRowBlock, 0, stream>>>(a, sinks, gamma);
    return cudaGetLastError();
}

} // namespace sinkscope::cuda
