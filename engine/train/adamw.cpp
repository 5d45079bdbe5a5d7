#include "train/adamw.h"

#include <c10/core/GradMode.h>
#include <cmath>

namespace sinkscope::detail {

AdamW::AdamW(std::vector<NamedParam> params, double beta1, double beta2, double eps, double weightDecay)
    : m_params(std::move(params)), m_beta1(beta1), m_beta2(beta2), m_eps(eps), m_wd(weightDecay) {
    for (const auto& p : m_params) {
        m_m.push_back(at::zeros_like(*p.tensor));
        m_v.push_back(at::zeros_like(*p.tensor));
    }
}

void AdamW::step(double lr, std::int64_t t) {
    c10::NoGradGuard noGrad;
    const double c1 = 1.0 - std::pow(m_beta1, static_cast<double>(t));
    const double c2 = 1.0 - std::pow(m_beta2, static_cast<double>(t));
    for (std::size_t i = 0; i < m_params.size(); ++i) {
        at::Tensor& p = *m_params[i].tensor;
        const at::Tensor& g = p.grad();
        if (!g.defined()) continue;
        if (m_params[i].decay && m_wd > 0) p.mul_(1.0 - lr * m_wd);
        m_m[i].mul_(m_beta1).add_(g, 1.0 - m_beta1);
        m_v[i].mul_(m_beta2).addcmul_(g, g, 1.0 - m_beta2);
        // p -= lr * (m / c1) / (sqrt(v / c2) + eps)
        at::Tensor denom = (m_v[i] / c2).sqrt_().add_(m_eps);
        p.addcdiv_(m_m[i], denom, -lr / c1);
    }
}

void AdamW::zeroGrad() {
    for (auto& p : m_params)
        if (p.tensor->grad().defined()) p.tensor->mutable_grad() = at::Tensor();
}

double AdamW::clipGradNorm(double maxNorm) {
    c10::NoGradGuard noGrad;
    double total = 0.0;
    for (auto& p : m_params)
        if (p.tensor->grad().defined()) total += p.tensor->grad().pow(2).sum().item<double>();
    const double norm = std::sqrt(total);
    if (maxNorm > 0 && norm > maxNorm) {
        const double scale = maxNorm / (norm + 1e-6);
        for (auto& p : m_params)
            if (p.tensor->grad().defined()) p.tensor->mutable_grad().mul_(scale);
    }
    return norm;
}

} // namespace sinkscope::detail
