#pragma once
// Fused causal attention for training, softmax or sigmoid weights: one pass per (batch, head) that
// computes only the lower triangle, keeps the weights for the backward pass, and has a hand-written
// backward.
// Versus matmul + mask + softmax + matmul in ATen it skips the masked half, never writes the
// masked scores, and avoids ATen's per-matrix loop for batched small GEMMs. Private to the engine.
#include <ATen/ATen.h>
#include <optional>

namespace sinkscope::detail {

// q: [B, H, T, hd] already scaled by 1/sqrt(hd); k, v: [B, Hkv, T, hd], H a multiple of Hkv;
// positions 0..T-1 (no cache). Returns [B, H, T, hd]; differentiable in q, k and v.
// Weights: softmax over the row, or with sigmoidBias b the unnormalised sigmoid(z + b).
at::Tensor fusedCausalAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                std::optional<float> sigmoidBias = std::nullopt);

} // namespace sinkscope::detail
