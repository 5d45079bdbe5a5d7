#include "cuda/sink_logit_softmax.h"
#include "cuda/softmax_row.cuh"

namespace sinkscope::cuda {

namespace {

__global__ void sinkLogitSoftmaxKernel(AttentionBatch scores, double b, AttentionBatch out) {
    __shared__ double scratch[32];
    for (std::int64_t i = blockIdx.x; i < scores.count * scores.rows; i += gridDim.x) {
        const std::int64_t m = i / scores.rows, r = i % scores.rows;
        const float* z = scores.row(m, r);
        float* o = out.row(m, r);
        const std::int64_t visible = scores.visible(r);
        const SoftmaxRow s = softmaxRow(z, visible, b, scratch);
        // Each thread reads z[j] before writing o[j] for its own j: in place is safe.
        for (std::int64_t j = threadIdx.x; j < scores.cols; j += blockDim.x)
            o[j] = j < visible ? s.prob(z[j]) : 0.0f;
    }
}

} // namespace

cudaError_t sinkLogitSoftmax(const AttentionBatch& scores, double b, const AttentionBatch& out,
                             cudaStream_t stream) {
    if (!validLayout(scores) || !validLayout(out) || out.count != scores.count || out.rows != scores.rows ||
        out.cols != scores.cols || out.firstRow != scores.firstRow)
        return cudaErrorInvalidValue;
    if (scores.count == 0 || scores.rows == 0 || scores.cols == 0) return cudaSuccess;
    sinkLogitSoftmaxKernel<<<gridFor(scores.count * scores.rows), kRowBlock, 0, stream>>>(scores, b, out);
    return cudaGetLastError();
}

} // namespace sinkscope::cuda
