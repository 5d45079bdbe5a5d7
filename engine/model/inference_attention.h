#pragma once
// Causal softmax attention for inference passes over a whole prompt (no gradients, queries and
// keys at positions 0..T-1), with capture: each head is computed on its own (lower triangle only,
// register-blocked tiles), and a wanted head's probabilities are written once into a per-thread
// [T, T] buffer that the observer reads. Working memory is bounded by threads x T^2 floats
// instead of a layer's [heads, T, T] scores and probabilities. Private to the engine.
#include "model/observer.h"

#include <ATen/ATen.h>

namespace sinkscope::detail {

// Whether causalAttentionInference takes tensors of this kind (CPU float32, no gradients).
bool inferenceAttentionApplies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

// q: [B, H, T, hd], k and v: [B, Hkv, T, hd] (H a multiple of Hkv; any strides with a contiguous
// last dimension). Returns [B, H, T, hd] as a view of a [B, T, H, hd] tensor, so that merging the
// heads back into [B, T, H * hd] needs no copy. The observer (B == 1 only) is asked about every
// head on the calling thread, and receives the wanted heads' attention on the calling thread, or
// from worker threads when it declares concurrentAttention().
at::Tensor causalAttentionInference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int layer,
                                    ForwardObserver* observer);

// The same in two steps, for passes that change the probabilities in between (interventions) or
// show the scores: probabilities [B, H, T, T] (zeros above the diagonal) and, when asked for,
// the scaled scores (-inf above the diagonal); then the weighted sum of v, returned as
// causalAttentionInference returns it. A head whose probabilities were not changed comes out bit
// for bit as causalAttentionInference computes it.
at::Tensor causalProbabilities(const at::Tensor& q, const at::Tensor& k, at::Tensor* scores);
at::Tensor causalWeightedSum(const at::Tensor& probs, const at::Tensor& v);

} // namespace sinkscope::detail
