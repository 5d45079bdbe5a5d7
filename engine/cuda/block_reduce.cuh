#pragma once
// Block-wide reductions for kernels that give one block a row: every thread gets the result.
// blockDim.x must be a multiple of 32 (kernels here use 256); `scratch` holds 32 values.
#include <cuda_runtime.h>

namespace sinkscope::cuda {

struct SumOp {
    template <typename T> __device__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {
    template <typename T> __device__ T operator()(T a, T b) const { return a > b ? a : b; }
};

template <typename T, typename Op> __device__ T blockReduce(T v, Op op, T* scratch) {
    for (int offset = 16; offset > 0; offset >>= 1)
        v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads(); // the previous call's readers are done with scratch
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    // Every thread folds the warp results itself: no second broadcast step.
    T r = scratch[0];
    for (int w = 1; w < static_cast<int>(blockDim.x >> 5); ++w)
        r = op(r, scratch[w]);
    return r;
}

constexpr int kRowBlock = 256;

// Blocks for a grid-stride loop over `items` rows: enough to fill any current GPU, few enough
// that the index fits the grid limit.
inline unsigned gridFor(long long items) {
    constexpr long long kMaxBlocks = 1 << 20;
    return static_cast<unsigned>(items < 1 ? 1 : (items < kMaxBlocks ? items : kMaxBlocks));
}

} // namespace sinkscope::cuda
