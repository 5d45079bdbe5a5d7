#include "model/causal_attention.h"

#include "model/causal_attention_kernels.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <vector>

namespace sinkscope::detail {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Shape {
    std::int64_t B, H, Hkv, T, hd, G;
    explicit Shape(const at::Tensor& q, const at::Tensor& k)
        : B(q.size(0)), H(q.size(1)), Hkv(k.size(1)), T(q.size(2)), hd(q.size(3)), G(q.size(1) / k.size(1)) {}
};

// Work splits by (batch, key/value head): the G query heads sharing one k/v stay together so
// that their gradients into k and v accumulate without races.
template <typename Fn> void forEachGroup(const Shape& s, std::int64_t scratchFloats, Fn&& fn) {
    at::parallel_for(0, s.B * s.Hkv, 1, [&](std::int64_t begin, std::int64_t end) {
        std::vector<float> scratch(static_cast<std::size_t>(scratchFloats));
        for (std::int64_t g = begin; g < end; ++g)
            fn(g, scratch.data());
    });
}

struct CausalAttentionFunction : public torch::autograd::Function<CausalAttentionFunction> {
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& qIn, const at::Tensor& kIn,
                              const at::Tensor& vIn, bool sigmoid, double bias) {
        const CausalWeighting w{sigmoid, static_cast<float>(bias)};
        const at::Tensor q = qIn.contiguous(), k = kIn.contiguous(), v = vIn.contiguous();
        const Shape s(q, k);
        at::Tensor o = at::empty_like(q), p = at::empty({s.B, s.H, s.T, s.T}, q.options());
        const float *qp = q.data_ptr<float>(), *kp = k.data_ptr<float>(), *vp = v.data_ptr<float>();
        float *op = o.data_ptr<float>(), *pp = p.data_ptr<float>();
        const std::int64_t qStride = s.G * s.T * s.hd, kvStride = s.T * s.hd, pStride = s.G * s.T * s.T;
        forEachGroup(s, 2 * s.T * s.hd + s.T, [&](std::int64_t g, float* scratch) {
            causalAttentionForward(qp + g * qStride, kp + g * kvStride, vp + g * kvStride, op + g * qStride,
                                   pp + g * pStride, static_cast<int>(s.G), static_cast<int>(s.T),
                                   static_cast<int>(s.hd), w, scratch);
        });
        ctx->save_for_backward({q, k, v, o, p});
        ctx->saved_data["sigmoid"] = sigmoid;
        ctx->saved_data["bias"] = bias;
        return o;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const at::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &o = saved[3], &p = saved[4];
        const at::Tensor dO = grads[0].contiguous();
        const CausalWeighting w{ctx->saved_data["sigmoid"].toBool(),
                                static_cast<float>(ctx->saved_data["bias"].toDouble())};
        const Shape s(q, k);
        at::Tensor dQ = at::empty_like(q), dK = at::empty_like(k), dV = at::empty_like(v);
        const std::int64_t qStride = s.G * s.T * s.hd, kvStride = s.T * s.hd, pStride = s.G * s.T * s.T;
        forEachGroup(s, s.T * s.hd + s.T, [&](std::int64_t g, float* scratch) {
            causalAttentionBackward(q.data_ptr<float>() + g * qStride, k.data_ptr<float>() + g * kvStride,
                                    v.data_ptr<float>() + g * kvStride, o.data_ptr<float>() + g * qStride,
                                    p.data_ptr<float>() + g * pStride, dO.data_ptr<float>() + g * qStride,
                                    dQ.data_ptr<float>() + g * qStride, dK.data_ptr<float>() + g * kvStride,
                                    dV.data_ptr<float>() + g * kvStride, static_cast<int>(s.G),
                                    static_cast<int>(s.T), static_cast<int>(s.hd), w, scratch);
        });
        return {dQ, dK, dV, at::Tensor(), at::Tensor()}; // no gradient for the weighting
    }
};

} // namespace

at::Tensor fusedCausalAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                std::optional<float> sigmoidBias) {
    return CausalAttentionFunction::apply(q, k, v, sigmoidBias.has_value(), sigmoidBias.value_or(0.0f));
}

} // namespace sinkscope::detail
