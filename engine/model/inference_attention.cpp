#include "model/inference_attention.h"

#include "model/inference_attention_kernels.h"

#include <ATen/Parallel.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace sinkscope::detail {

namespace {

// Below this much work per task a pass stays on fewer threads: waking a thread costs more than
// it saves (and far more on a loaded machine, where the wake-up waits for a time slice).
constexpr std::int64_t kMinTaskFlops = 2'000'000;

at::Tensor withContiguousRows(const at::Tensor& t) {
    return t.stride(-1) == 1 ? t : t.contiguous();
}

// Pointers into q [B, H, T, hd] (may be undefined: weighted sums only), k, v [B, Hkv, T, hd] and
// out [B, T, H, hd] for head bh (batch-major).
struct Heads {
    at::Tensor q, k, v;
    std::int64_t B, H, T, hd, G;
    float scale;

    Heads(const at::Tensor& qIn, const at::Tensor& kIn, const at::Tensor& vIn)
        : Heads(qIn.size(0), qIn.size(1), kIn, vIn) {
        q = withContiguousRows(qIn);
    }
    Heads(std::int64_t batch, std::int64_t heads, const at::Tensor& kIn, const at::Tensor& vIn)
        : k(withContiguousRows(kIn)), v(withContiguousRows(vIn)), B(batch), H(heads), T(k.size(2)),
          hd(k.size(3)), G(heads / k.size(1)),
          scale(static_cast<float>(1.0 / std::sqrt(static_cast<double>(k.size(3))))) {}

    HeadOperands operands(std::int64_t bh, float* out) const {
        const std::int64_t b = bh / H, h = bh % H, kv = h / G;
        HeadOperands x;
        if (q.defined()) {
            x.q = q.data_ptr<float>() + b * q.stride(0) + h * q.stride(1);
            x.qStride = q.stride(2);
        }
        x.k = k.data_ptr<float>() + b * k.stride(0) + kv * k.stride(1);
        x.kStride = k.stride(2);
        x.v = v.data_ptr<float>() + b * v.stride(0) + kv * v.stride(1);
        x.vStride = v.stride(2);
        if (out) {
            x.o = out + (b * T * H + h) * hd;
            x.oStride = H * hd;
        }
        return x;
    }
    std::int64_t headFlops() const { return 2 * T * T * hd; } // q.k and p.v over the lower triangle
    std::int64_t grain() const {
        return std::max<std::int64_t>(1, kMinTaskFlops / std::max<std::int64_t>(1, headFlops()));
    }
};

std::int64_t threadIndex(std::int64_t threads) {
    return std::min<std::int64_t>(at::get_thread_num(), threads - 1);
}

} // namespace

bool inferenceAttentionApplies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
    for (const at::Tensor* t : {&q, &k, &v})
        if (!t->device().is_cpu() || t->scalar_type() != at::kFloat || t->requires_grad()) return false;
    return true;
}

at::Tensor causalAttentionInference(const at::Tensor& qIn, const at::Tensor& kIn, const at::Tensor& vIn,
                                    int layer, ForwardObserver* observer) {
    const Heads s(qIn, kIn, vIn);
    const std::int64_t H = s.H, T = s.T;
    at::Tensor out = at::empty({s.B, T, H, s.hd}, s.k.options());
    if (s.B != 1) observer = nullptr;

    std::vector<char> wanted(static_cast<std::size_t>(H), 0);
    bool any = false;
    if (observer)
        for (std::int64_t h = 0; h < H; ++h)
            any |=
                (wanted[static_cast<std::size_t>(h)] = observer->wantsAttention(layer, static_cast<int>(h)));
    const bool concurrent = any && observer->concurrentAttention();

    const std::int64_t threads = std::max(1, at::get_num_threads());
    const std::int64_t scratchFloats = causalHeadScratchFloats(T, s.hd);
    at::Tensor scratch = at::empty({threads, scratchFloats}, s.k.options());
    at::Tensor probs = any ? at::empty({threads, T, T}, s.k.options()) : at::Tensor();
    float* op = out.data_ptr<float>();

    // Computes head bh with thread tid's buffers; returns its probabilities, or null if unwanted.
    auto head = [&](std::int64_t bh, std::int64_t tid) -> float* {
        const bool keep = bh < H && wanted[static_cast<std::size_t>(bh)];
        float* p = keep ? probs.data_ptr<float>() + tid * T * T : nullptr;
        causalHeadAttention(s.operands(bh, op), T, s.hd, s.scale, p, T,
                            scratch.data_ptr<float>() + tid * scratchFloats);
        return p;
    };
    auto view = [&](const float* p) { return MatrixView{p, T, T, T, 0}; };

    if (!any || concurrent) {
        at::parallel_for(0, s.B * H, s.grain(), [&](std::int64_t begin, std::int64_t end) {
            const std::int64_t tid = threadIndex(threads);
            for (std::int64_t bh = begin; bh < end; ++bh)
                if (const float* p = head(bh, tid))
                    observer->onAttention(layer, static_cast<int>(bh), view(p));
        });
        return out.permute({0, 2, 1, 3});
    }
    // The observer is called on this thread: heads go in waves of one per thread, each wave's
    // wanted heads handed over in order once it is done.
    const std::int64_t wave = s.headFlops() >= kMinTaskFlops ? threads : 1;
    std::vector<const float*> done(static_cast<std::size_t>(wave));
    for (std::int64_t h0 = 0; h0 < H; h0 += wave) {
        const std::int64_t h1 = std::min(H, h0 + wave);
        at::parallel_for(h0, h1, 1, [&](std::int64_t begin, std::int64_t end) {
            const std::int64_t tid = threadIndex(threads);
            for (std::int64_t h = begin; h < end; ++h)
                done[static_cast<std::size_t>(h - h0)] = head(h, tid);
        });
        for (std::int64_t h = h0; h < h1; ++h)
            if (const float* p = done[static_cast<std::size_t>(h - h0)])
                observer->onAttention(layer, static_cast<int>(h), view(p));
    }
    return out.permute({0, 2, 1, 3});
}

at::Tensor causalProbabilities(const at::Tensor& qIn, const at::Tensor& kIn, at::Tensor* scores) {
    const Heads s(qIn, kIn, kIn);
    const std::int64_t T = s.T;
    at::Tensor probs = at::empty({s.B, s.H, T, T}, s.k.options());
    if (scores) *scores = at::full({s.B, s.H, T, T}, -std::numeric_limits<float>::infinity(), s.k.options());
    const std::int64_t threads = std::max(1, at::get_num_threads());
    const std::int64_t scratchFloats = causalHeadScratchFloats(T, s.hd);
    at::Tensor scratch = at::empty({threads, scratchFloats}, s.k.options());
    at::parallel_for(0, s.B * s.H, s.grain(), [&](std::int64_t begin, std::int64_t end) {
        const std::int64_t tid = threadIndex(threads);
        for (std::int64_t bh = begin; bh < end; ++bh)
            causalHeadProbabilities(s.operands(bh, nullptr), T, s.hd, s.scale,
                                    probs.data_ptr<float>() + bh * T * T, T,
                                    scores ? scores->data_ptr<float>() + bh * T * T : nullptr,
                                    scratch.data_ptr<float>() + tid * scratchFloats);
    });
    return probs;
}

at::Tensor causalWeightedSum(const at::Tensor& probsIn, const at::Tensor& v) {
    const at::Tensor probs = probsIn.contiguous();
    const std::int64_t B = probs.size(0), H = probs.size(1), T = probs.size(2);
    const Heads s(B, H, v, v);
    at::Tensor out = at::empty({B, T, H, s.hd}, v.options());
    const std::int64_t threads = std::max(1, at::get_num_threads());
    const std::int64_t scratchFloats = causalHeadScratchFloats(T, s.hd);
    at::Tensor scratch = at::empty({threads, scratchFloats}, v.options());
    at::parallel_for(0, B * H, s.grain(), [&](std::int64_t begin, std::int64_t end) {
        const std::int64_t tid = threadIndex(threads);
        for (std::int64_t bh = begin; bh < end; ++bh)
            causalHeadWeightedSum(s.operands(bh, out.data_ptr<float>()), probs.data_ptr<float>() + bh * T * T,
                                  T, T, s.hd, scratch.data_ptr<float>() + tid * scratchFloats);
    });
    return out.permute({0, 2, 1, 3});
}

} // namespace sinkscope::detail
