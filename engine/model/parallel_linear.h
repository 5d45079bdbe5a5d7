#pragma once
// One thread pool per inference pass. LibTorch runs its own kernels on OpenMP threads and the
// GEMMs on OpenBLAS's threads; with as many threads as cores in each pool, the two fight for
// the cores: OpenMP workers spin after every parallel region while OpenBLAS's workers want the
// same cores, and a 64-token GPT-2-sized pass spends most of its time spinning and yielding
// (measured on 2 cores: 29 % in libgomp's spin loop, 16 % in sched_yield, 14 % in the GEMM
// kernel; OMP_WAIT_POLICY=PASSIVE in the environment avoids the spinning too, but only when set
// before the process starts). While a BlasThreadScope is alive, OpenBLAS runs single-threaded in the calling
// thread and splitLinear() splits each GEMM's output columns over LibTorch's threads instead: every part of
// the pass then runs on the OpenMP threads. Private to the engine.
#include <ATen/ATen.h>
#include <cstdint>
#include <unordered_map>

namespace sinkscope::detail {

// Scopes nest and may be alive on several threads at once: the first one holds OpenBLAS at one
// thread, the last one out restores its count. A scope for a pass that records gradients (the
// trainer's) does nothing: autograd's GEMMs stay on OpenBLAS's threads.
class BlasThreadScope {
public:
    explicit BlasThreadScope(bool inference);
    ~BlasThreadScope();
    BlasThreadScope(const BlasThreadScope&) = delete;
    BlasThreadScope& operator=(const BlasThreadScope&) = delete;

private:
    bool m_active = false;
};

// The precision of weight products on this thread while a scope is alive (nested scopes restore
// the outer one): kFloat, or kBFloat16 for bf16 GEMMs (activations rounded to bf16, fp32
// accumulation inside the GEMM, results back in float32).
// GGUF weights kept block-quantized: a uint8 tensor [rows, row bytes] whose data pointer maps to
// its ggml type and logical column count.
struct QuantizedMatrix {
    std::uint32_t ggmlType = 0;
    std::int64_t cols = 0;
};
using QuantizedMatrices = std::unordered_map<const void*, QuantizedMatrix>;

class ComputeScope {
public:
    // `quantized` (may be null) names the block-quantized weights of the model being run.
    explicit ComputeScope(at::ScalarType compute, const QuantizedMatrices* quantized = nullptr);
    ~ComputeScope();
    ComputeScope(const ComputeScope&) = delete;
    ComputeScope& operator=(const ComputeScope&) = delete;

private:
    at::ScalarType m_outer;
    const QuantizedMatrices* m_outerQuantized;
};

// A block-quantized weight's rows [first, first + n) as float32 [n, cols]; the weight must be one
// the current ComputeScope names (else std::invalid_argument).
at::Tensor dequantizeRows(const at::Tensor& w, std::int64_t first, std::int64_t n);

// at::linear(x, w, b) with float32 x; inside a BlasThreadScope, large enough products on the CPU
// without gradients are split over LibTorch's threads by output columns (each part one
// single-threaded GEMM). Weights kept in BF16/F16 are multiplied in the ComputeScope's precision:
// in float32 each block of rows is widened into a scratch tensor just before its GEMM (exact, and
// no float32 copy of the whole model), in bf16 directly. Block-quantized weights (uint8, named by
// the ComputeScope) are decoded block of rows by block of rows the same way, in float32.
at::Tensor splitLinear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b = {});

} // namespace sinkscope::detail
