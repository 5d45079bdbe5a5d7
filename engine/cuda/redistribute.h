#pragma once
// VAR's redistribution on the GPU: sink entries x (1 - p), the freed p S to the visible non-sink
// entries of the target span [first, last], in proportion. The CPU operator is
// sinkscope::redistribute (engine/intervene).
#include "cuda/attention_batch.h"

#include <cstdint>
#include <cuda_runtime_api.h>

namespace sinkscope::cuda {

// In place on `a`. p outside (0, 1] or an empty span changes nothing, as on the CPU; so do rows
// whose receiving entries sum to 0. Asynchronous; returns the launch error.
cudaError_t redistribute(const AttentionBatch& a, const SinkMask& sinks, double p, std::int64_t targetFirst,
                         std::int64_t targetLast, cudaStream_t stream = nullptr);

} // namespace sinkscope::cuda
