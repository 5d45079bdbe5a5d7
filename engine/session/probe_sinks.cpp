#include "session/probe_sinks.h"

#include "session/capture.h"

#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace {
// -log softmax(logits)[target], stable.
double crossEntropy(const float* logits, std::int64_t vocab, std::int32_t target) {
    const float m = *std::max_element(logits, logits + vocab);
    double sum = 0;
    for (std::int64_t i = 0; i < vocab; ++i)
        sum += std::exp(static_cast<double>(logits[i]) - m);
    return std::log(sum) + m - logits[target];
}
} // namespace

Result<SinkProbeResult> runSinkProbe(const Model& model,
                                     const std::vector<std::vector<std::int32_t>>& sequences, double eps) {
    const auto& c = model.config();
    SinkProbeResult r;
    r.alpha0.assign(static_cast<std::size_t>(c.nLayers),
                    std::vector<double>(static_cast<std::size_t>(c.nHeads), 0.0));
    if (sequences.empty()) return Error{"sink probe: no sequences"};
    std::size_t above = 0, total = 0, predicted = 0;
    for (const auto& seq : sequences) {
        ColumnImportanceObserver obs(c.nLayers, c.nHeads);
        auto out = model.forward(seq, &obs, /*allLogits=*/true);
        if (!out) return out.error();
        for (std::size_t i = 0; i + 1 < seq.size(); ++i, ++predicted)
            r.meanLoss += crossEntropy(out->logits.data() + static_cast<std::int64_t>(i) * out->vocab,
                                       out->vocab, seq[i + 1]);
        const auto a0 = obs.alpha0();
        for (std::size_t l = 0; l < a0.size(); ++l)
            for (std::size_t h = 0; h < a0[l].size(); ++h) {
                r.alpha0[l][h] += a0[l][h] / static_cast<double>(sequences.size());
                above += a0[l][h] > eps ? 1 : 0;
                ++total;
            }
    }
    r.sinkRate = 100.0 * static_cast<double>(above) / static_cast<double>(total);
    r.meanLoss /= static_cast<double>(std::max<std::size_t>(1, predicted));
    return r;
}

double largestAlpha0(const std::vector<std::vector<double>>& alpha0) {
    double best = 0;
    for (const auto& layer : alpha0)
        for (double a : layer)
            best = std::max(best, a);
    return best;
}

} // namespace sinkscope
