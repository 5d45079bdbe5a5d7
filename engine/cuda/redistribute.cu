#include "cuda/redistribute.h"
#include "cuda/row_mass.cuh"

namespace sinkscope::cuda {

namespace {

__global__ void redistributeKernel(AttentionBatch a, SinkMask sinks, double p, std::int64_t first,
                                   std::int64_t last) {
    __shared__ double scratch[32];
    for (std::int64_t i = blockIdx.x; i < a.count * a.rows; i += gridDim.x) {
        const std::int64_t m = i / a.rows, r = i % a.rows;
        float* row = a.row(m, r);
        const std::int64_t visible = a.visible(r);
        const std::uint8_t* isSink = maskFor(sinks, m);
        const std::int64_t lo = first > 0 ? first : 0;
        const std::int64_t hi = last < visible - 1 ? last : visible - 1;
        double sink = 0.0, receiving = 0.0;
        for (std::int64_t j = threadIdx.x; j < visible; j += blockDim.x) {
            if (isSink[j])
                sink += row[j];
            else if (j >= lo && j <= hi)
                receiving += row[j];
        }
        sink = blockReduce(sink, SumOp{}, scratch);
        receiving = blockReduce(receiving, SumOp{}, scratch);
        if (sink <= 0.0 || receiving <= 0.0) continue;
        const double gain = 1.0 + p * sink / receiving;
        for (std::int64_t j = threadIdx.x; j < visible; j += blockDim.x) {
            if (isSink[j])
                row[j] = static_cast<float>(row[j] * (1.0 - p));
            else if (j >= lo && j <= hi)
                row[j] = static_cast<float>(row[j] * gain);
        }
    }
}

} // namespace

cudaError_t redistribute(const AttentionBatch& a, const SinkMask& sinks, double p, std::int64_t targetFirst,
                         std::int64_t targetLast, cudaStream_t stream) {
    if (!validLayout(a) || (!sinks.data && a.cols > 0) || sinks.matrixStride < 0)
        return cudaErrorInvalidValue;
    if (!(p >= 0.0 && p <= 1.0) || p == 0.0 || targetLast < targetFirst) return cudaSuccess; // NaN included
    if (a.count == 0 || a.rows == 0 || a.cols == 0) return cudaSuccess;
    redistributeKernel<<<gridFor(a.count * a.rows), kRowBlock, 0, stream>>>(a, sinks, p, targetFirst,
                                                                            targetLast);
    return cudaGetLastError();
}

} // namespace sinkscope::cuda
