#include "model/parallel_linear.h"

#include "io/gguf_dequant.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>
#include <algorithm>
#include <dlfcn.h>
#include <mutex>
#include <stdexcept>

namespace sinkscope::detail {

namespace {

using GetThreads = int (*)();
using SetThreads = void (*)(int);

struct OpenBlas {
    GetThreads get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    SetThreads set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    std::mutex mutex;
    int scopes = 0;    // scopes alive, all threads
    int restore = 0;   // OpenBLAS's count before the first of them
    bool held = false; // OpenBLAS held at one thread (it had more)
};

OpenBlas& openBlas() {
    static OpenBlas o;
    return o;
}

thread_local int t_scopes = 0; // scopes alive on this thread
thread_local at::ScalarType t_compute = at::kFloat;
thread_local const QuantizedMatrices* t_quantized = nullptr;

// Rows of a BF16/F16 weight widened to float32 at a time: 4 MiB of scratch at 4096 columns.
constexpr std::int64_t kWidenRows = 256;

// Below this many flops a product is not split: waking a thread would cost more than it saves.
constexpr std::int64_t kMinSplitFlops = 4'000'000;

} // namespace

BlasThreadScope::BlasThreadScope(bool inference) {
    OpenBlas& o = openBlas();
    if (!inference || !o.get || !o.set) return;
    m_active = true;
    ++t_scopes;
    std::lock_guard<std::mutex> lock(o.mutex);
    if (o.scopes++ == 0) {
        o.restore = o.get();
        o.held = o.restore > 1;
        if (o.held) o.set(1);
    }
}

BlasThreadScope::~BlasThreadScope() {
    if (!m_active) return;
    --t_scopes;
    OpenBlas& o = openBlas();
    std::lock_guard<std::mutex> lock(o.mutex);
    if (--o.scopes == 0 && o.held) {
        o.set(o.restore);
        o.held = false;
    }
}

ComputeScope::ComputeScope(at::ScalarType compute, const QuantizedMatrices* quantized)
    : m_outer(t_compute), m_outerQuantized(t_quantized) {
    t_compute = compute;
    if (quantized) t_quantized = quantized;
}

ComputeScope::~ComputeScope() {
    t_compute = m_outer;
    t_quantized = m_outerQuantized;
}

at::Tensor dequantizeRows(const at::Tensor& w, std::int64_t first, std::int64_t n) {
    const auto it = t_quantized ? t_quantized->find(w.data_ptr()) : QuantizedMatrices::const_iterator{};
    if (!t_quantized || it == t_quantized->end())
        throw std::invalid_argument("a uint8 weight that no ComputeScope names as block-quantized");
    const std::int64_t cols = it->second.cols, rowBytes = w.size(1);
    at::Tensor out = at::empty({n, cols}, at::TensorOptions().dtype(at::kFloat));
    const auto* src = static_cast<const std::uint8_t*>(w.data_ptr()) + first * rowBytes;
    for (std::int64_t r = 0; r < n; ++r)
        dequantizeBlocks(it->second.ggmlType, src + r * rowBytes, out.data_ptr<float>() + r * cols,
                         static_cast<std::size_t>(cols));
    return out;
}

namespace {

// x (float32) times a weight kept in BF16/F16.
at::Tensor mixedLinear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    const bool quantized = w.scalar_type() == at::kByte;
    if (t_compute == at::kBFloat16 && w.scalar_type() == at::kBFloat16) {
        const at::Tensor bias = b.defined() ? b.to(at::kBFloat16) : b;
        return at::linear(x.to(at::kBFloat16), w, bias).to(at::kFloat);
    }
    if (!x.device().is_cpu() && !quantized) return at::linear(x, w.to(x.scalar_type()), b);
    // Float32 from narrower weights: widen kWidenRows output rows at a time, in parallel over row
    // blocks when a BlasThreadScope holds OpenBLAS at one thread.
    const std::int64_t K = x.size(-1), N = w.size(0);
    const at::Tensor x2 = x.reshape({-1, K}).contiguous();
    at::Tensor out = at::empty({x2.size(0), N}, x.options());
    auto widened = [&](std::int64_t n0, std::int64_t n) {
        return quantized ? dequantizeRows(w, n0, n) : w.narrow(0, n0, n).to(at::kFloat);
    };
    const std::int64_t blocks = (N + kWidenRows - 1) / kWidenRows;
    auto run = [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t blk = begin; blk < end; ++blk) {
            const std::int64_t n0 = blk * kWidenRows, n = std::min(kWidenRows, N - n0);
            at::Tensor o = out.narrow(1, n0, n);
            const at::Tensor wt = widened(n0, n).t();
            if (b.defined())
                at::addmm_out(o, b.narrow(0, n0, n), x2, wt);
            else
                at::mm_out(o, x2, wt);
        }
    };
    if (t_scopes > 0 && openBlas().held && !at::in_parallel_region()) {
        const at::ThreadLocalState state;
        at::parallel_for(0, blocks, 1, [&](std::int64_t begin, std::int64_t end) {
            at::ThreadLocalStateGuard guard(state);
            run(begin, end);
        });
    } else {
        run(0, blocks);
    }
    std::vector<std::int64_t> sizes = x.sizes().vec();
    sizes.back() = N;
    return out.view(sizes);
}

} // namespace

at::Tensor splitLinear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    if (w.scalar_type() != x.scalar_type() && !x.requires_grad()) return mixedLinear(x, w, b);
    const std::int64_t parts = at::get_num_threads();
    if (t_scopes == 0 || !openBlas().held || parts < 2 || !x.device().is_cpu() ||
        x.scalar_type() != at::kFloat || x.requires_grad() || w.requires_grad() || at::in_parallel_region())
        return at::linear(x, w, b);
    const std::int64_t K = x.size(-1), N = w.size(0);
    const at::Tensor x2 = x.reshape({-1, K});
    const std::int64_t M = x2.size(0);
    if (2 * M * N * K < kMinSplitFlops) return at::linear(x, w, b);

    at::Tensor out = at::empty({M, N}, x.options());
    const std::int64_t chunk = ((N + parts - 1) / parts + 15) / 16 * 16; // column blocks of 16
    const at::ThreadLocalState state; // inference mode and the rest, for the worker threads
    at::parallel_for(0, parts, 1, [&](std::int64_t begin, std::int64_t end) {
        at::ThreadLocalStateGuard guard(state);
        for (std::int64_t p = begin; p < end; ++p) {
            const std::int64_t n0 = p * chunk, n = std::min(chunk, N - n0);
            if (n <= 0) continue;
            at::Tensor o = out.narrow(1, n0, n);
            const at::Tensor wt = w.narrow(0, n0, n).t();
            if (b.defined())
                at::addmm_out(o, b.narrow(0, n0, n), x2, wt);
            else
                at::mm_out(o, x2, wt);
        }
    });
    std::vector<std::int64_t> sizes = x.sizes().vec();
    sizes.back() = N;
    return out.view(sizes);
}

} // namespace sinkscope::detail
