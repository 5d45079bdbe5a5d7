#pragma once
// The sink and non-sink mass of one row, summed in double as the CPU operators do (so "no mass
// left" tests exactly zero, and long rows do not drift). Called by every thread of the block.
#include "cuda/attention_batch.h"
#include "cuda/block_reduce.cuh"

namespace sinkscope::cuda {

struct RowMass {
    double sink = 0.0;
    double other = 0.0; // summed separately, not R - S, as on the CPU
};

__device__ inline RowMass rowMass(const float* row, std::int64_t visible, const std::uint8_t* isSink,
                                  double* scratch) {
    RowMass m;
    for (std::int64_t j = threadIdx.x; j < visible; j += blockDim.x)
        (isSink[j] ? m.sink : m.other) += row[j];
    m.sink = blockReduce(m.sink, SumOp{}, scratch);
    m.other = blockReduce(m.other, SumOp{}, scratch);
    return m;
}

// Multiplies the row's visible sink entries by sinkScale and the others by otherScale (rounded
// to float once, as the CPU does).
__device__ inline void scaleRow(float* row, std::int64_t visible, const std::uint8_t* isSink,
                                double sinkScale, double otherScale) {
    for (std::int64_t j = threadIdx.x; j < visible; j += blockDim.x)
        row[j] = static_cast<float>(row[j] * (isSink[j] ? sinkScale : otherScale));
}

// The batch's matrix and row for a grid-stride index; the matrix's sink mask.
__device__ inline const std::uint8_t* maskFor(const SinkMask& mask, std::int64_t m) {
    return mask.data + m * mask.matrixStride;
}

} // namespace sinkscope::cuda
