#include "train/sink_probe.h"

#include "session/capture.h"

#include <c10/core/GradMode.h>

namespace sinkscope::detail {

namespace {
at::Tensor toTensor(const std::vector<std::int64_t>& v, int rows, int cols, std::size_t offset = 0) {
    return at::tensor(at::ArrayRef<std::int64_t>(v.data() + offset, static_cast<std::size_t>(rows) *
                                                                        static_cast<std::size_t>(cols)),
                      at::kLong)
        .view({rows, cols});
}
} // namespace

double batchLoss(const ModelConfig& c, const TransformerWeights& w, const Batch& b) {
    c10::NoGradGuard noGrad;
    ForwardContext ctx;
    at::Tensor logits = projectLogits(c, w, forwardHidden(c, w, toTensor(b.inputs, b.rows, b.cols), ctx));
    return at::cross_entropy_loss(logits.view({-1, logits.size(-1)}),
                                  toTensor(b.targets, b.rows, b.cols).view({-1}))
        .item<double>();
}

void probeSinks(const ModelConfig& c, const TransformerWeights& w, const Batch& probes, double eps,
                TimelinePoint& point) {
    c10::NoGradGuard noGrad;
    point.alpha0.assign(static_cast<std::size_t>(c.nLayers),
                        std::vector<double>(static_cast<std::size_t>(c.nHeads), 0.0));
    std::size_t above = 0, total = 0;
    double loss = 0.0;
    for (int r = 0; r < probes.rows; ++r) {
        ColumnImportanceObserver obs(c.nLayers, c.nHeads);
        ForwardContext ctx{&obs, nullptr};
        const std::size_t off = static_cast<std::size_t>(r) * static_cast<std::size_t>(probes.cols);
        at::Tensor logits =
            projectLogits(c, w, forwardHidden(c, w, toTensor(probes.inputs, 1, probes.cols, off), ctx));
        loss += at::cross_entropy_loss(logits.view({-1, logits.size(-1)}),
                                       toTensor(probes.targets, 1, probes.cols, off).view({-1}))
                    .item<double>();
        const auto a0 = obs.alpha0();
        for (int l = 0; l < c.nLayers; ++l)
            for (int h = 0; h < c.nHeads; ++h) {
                const double a = a0[static_cast<std::size_t>(l)][static_cast<std::size_t>(h)];
                point.alpha0[static_cast<std::size_t>(l)][static_cast<std::size_t>(h)] += a / probes.rows;
                above += a > eps ? 1 : 0;
                ++total;
            }
    }
    point.probeLoss = loss / std::max(1, probes.rows);
    point.sinkRate = total ? 100.0 * static_cast<double>(above) / static_cast<double>(total) : 0.0;
}

} // namespace sinkscope::detail
