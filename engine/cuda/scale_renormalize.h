#pragma once
// ZeroTuning (and suppression, gamma = 0) on the GPU: sink entries x gamma, rows renormalised to
// their previous total. The CPU operator is sinkscope::scaleRenormalize (engine/intervene).
#include "cuda/attention_batch.h"

#include <cuda_runtime_api.h>

namespace sinkscope::cuda {

// In place on `a`. gamma outside [0, inf) (or 1) changes nothing, as on the CPU; so do rows with
// no sink mass, no other mass or R + (gamma - 1) S <= 0. Asynchronous; returns the launch error.
cudaError_t scaleRenormalize(const AttentionBatch& a, const SinkMask& sinks, double gamma,
                             cudaStream_t stream = nullptr);

} // namespace sinkscope::cuda
