#pragma once
// The capture kernel: softmax over a batch of attention score rows that, in the same kernel,
// writes the probabilities, an fp16 copy for the trace store and the column sums behind alpha_k,
// so capturing a layer needs no second pass over its probabilities (each row is read three times,
// max, sum and write, from cache rather than memory).
#include "cuda/attention_batch.h"

#include <cmath>
#include <cstdint>
#include <cuda_runtime_api.h>

namespace sinkscope::cuda {

struct SoftmaxOutputs {
    AttentionBatch probs;              // same shape as the scores; may be the scores (in place)
    std::uint16_t* probsF16 = nullptr; // IEEE half bits, dense [count][rows][cols]; null: skipped
    // [count][cols], added to (zero it first; successive row blocks of a generation accumulate).
    // alpha_k = columnSums[m][k] / rowsSeeingKey(scores, k). Null: skipped.
    float* columnSums = nullptr;
};

// Row-wise softmax of `scores` (masked entries may hold anything: only keys a row can see are
// read; the rest of each output row is written as 0), with an optional sink logit b (-inf:
// plain softmax). Asynchronous on `stream`; returns the launch error (cudaErrorInvalidValue
// for mismatched shapes).
cudaError_t softmaxWithColumnSums(const AttentionBatch& scores, const SoftmaxOutputs& out,
                                  cudaStream_t stream = nullptr, double sinkLogit = -INFINITY);

} // namespace sinkscope::cuda
