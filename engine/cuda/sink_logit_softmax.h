#pragma once
// The sink-logit intervention on the GPU: softmax with an extra logit b per row,
// out[i,j] = e^(z_ij - m) / (e^(b - m) + sum_k e^(z_ik - m)), m = max(b, max_k z_ik).
// The CPU operator is sinkscope::sinkLogitSoftmax (engine/intervene/operators.h).
#include "cuda/attention_batch.h"

#include <cuda_runtime_api.h>

namespace sinkscope::cuda {

// b = -inf: plain softmax; b = +inf or NaN: all zeros. `out` has the scores' shape and may be
// the scores. Entries a row cannot see are written as 0. Asynchronous; returns the launch error
// (cudaErrorInvalidValue for mismatched shapes).
cudaError_t sinkLogitSoftmax(const AttentionBatch& scores, double b, const AttentionBatch& out,
                             cudaStream_t stream = nullptr);

} // namespace sinkscope::cuda
