#pragma once
// ACT on the GPU: sink entries x beta, the freed mass to the other visible entries in
// proportion. The CPU operator is sinkscope::fixedFraction (engine/intervene).
#include "cuda/attention_batch.h"

#include <cuda_runtime_api.h>

namespace sinkscope::cuda {

// In place on `a`. beta outside [0, 1] (or 1) changes nothing, as on the CPU; so do rows with no
// sink mass or no other mass. Asynchronous; returns the launch error.
cudaError_t fixedFraction(const AttentionBatch& a, const SinkMask& sinks, double beta,
                          cudaStream_t stream = nullptr);

} // namespace sinkscope::cuda
