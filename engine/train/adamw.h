#pragma once
// AdamW with decoupled weight decay (Loshchilov & Hutter), written with ATen ops so that its
// state is ours to checkpoint by parameter name. Private to the training library.
#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace sinkscope::detail {

struct NamedParam {
    std::string name;
    at::Tensor* tensor; // points into TransformerWeights
    bool decay;         // matrices decay; norm gains and sink logits do not
};

class AdamW {
public:
    AdamW(std::vector<NamedParam> params, double beta1, double beta2, double eps, double weightDecay);

    // One update with learning rate lr; `step` counts from 1 for bias correction.
    void step(double lr, std::int64_t stepNumber);
    void zeroGrad();
    // Scales gradients so their global L2 norm is at most maxNorm; returns the norm before.
    double clipGradNorm(double maxNorm);

    const std::vector<NamedParam>& params() const { return m_params; }
    std::vector<at::Tensor>& firstMoments() { return m_m; }
    std::vector<at::Tensor>& secondMoments() { return m_v; }

private:
    std::vector<NamedParam> m_params;
    std::vector<at::Tensor> m_m, m_v;
    double m_beta1, m_beta2, m_eps, m_wd;
};

} // namespace sinkscope::detail
