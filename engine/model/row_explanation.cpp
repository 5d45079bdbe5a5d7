#include "model/row_explanation.h"

#include "model/model_impl.h"
#include "model/observer.h"
#include "model/prepared_prompt.h"

#include <cmath>
#include <fmt/format.h>

namespace sinkscope {

namespace {

// Copies keys 0..query of one row of one head's scores and weights as the pass hands them over.
class RowCapture : public ForwardObserver {
public:
    RowCapture(int layer, int head, std::int64_t query) : m_layer(layer), m_head(head), m_query(query) {}
    bool wantsScores(int layer, int head) override { return layer == m_layer && head == m_head; }
    void onScores(int, int, const MatrixView& z) override { copyRow(z, m_row.scores); }
    bool wantsAttention(int layer, int head) override { return layer == m_layer && head == m_head; }
    void onAttention(int, int, const MatrixView& w) override { copyRow(w, m_row.weights); }

    bool complete() const {
        const auto n = static_cast<std::size_t>(m_query + 1);
        return m_row.scores.size() == n && m_row.weights.size() == n;
    }
    AttentionRowPass take() { return std::move(m_row); }

private:
    void copyRow(const MatrixView& v, std::vector<float>& out) const {
        const std::int64_t r = m_query - v.firstRow;
        if (r < 0 || r >= v.rows || m_query >= v.cols) return;
        out.assign(v.row(r), v.row(r) + m_query + 1);
    }
    int m_layer, m_head;
    std::int64_t m_query;
    AttentionRowPass m_row;
};

Error outOfRange(const char* what, std::int64_t value, std::int64_t count, const char* unit) {
    return Error{fmt::format("{} {} is out of range (the {} has {} {}, 0-{})", what, value,
                             std::string_view(unit) == "tokens" ? "prompt" : "model", count, unit,
                             count - 1)};
}

// The b a sink-logit model adds to every row of this head (its learned value, or the configured one).
float modelSinkLogit(const Model& model, int layer, int head) {
    const auto& m = model.impl();
    if (m.config.attention != AttentionKind::SinkLogit) return std::numeric_limits<float>::quiet_NaN();
    const at::Tensor& learned = m.weights.layers[static_cast<std::size_t>(layer)].sinks;
    if (learned.defined()) return learned.to(at::kCPU, at::kFloat)[head].item<float>();
    return m.config.sinkLogit;
}

Result<AttentionRowPass> capturedRow(const PreparedPrompt& prompt, int layer, int head, std::int64_t query,
                                     const Interventions& interventions) {
    RowCapture capture(layer, head, query);
    if (auto st = prompt.observeThrough(layer, interventions, &capture); !st) return st.error();
    if (!capture.complete())
        return Error{fmt::format("the pass did not report row {} of layer {} head {}", query, layer, head)};
    return capture.take();
}

} // namespace

Result<RowExplanation> explainRow(const Model& model, const PreparedPrompt& prompt, int layer, int head,
                                  std::int64_t query, const Interventions& interventions) {
    const ModelConfig& c = model.config();
    const auto T = static_cast<std::int64_t>(prompt.ids().size());
    if (layer < 0 || layer >= c.nLayers) return outOfRange("layer", layer, c.nLayers, "layers");
    if (head < 0 || head >= c.nHeads) return outOfRange("head", head, c.nHeads, "heads");
    if (query < 0 || query >= T) return outOfRange("query", query, T, "tokens");

    RowExplanation out;
    out.layer = layer;
    out.head = head;
    out.query = query;
    out.weighting = c.attention;
    out.sigmoidBias = c.sigmoidBias;
    auto base = capturedRow(prompt, layer, head, query, {});
    if (!base) return base.error();
    out.base = std::move(base.value());
    out.base.extraLogit = modelSinkLogit(model, layer, head);
    if (interventions.empty()) return out;

    float extra = out.base.extraLogit;
    for (const auto& iv : interventions) {
        if (iv.kind == InterventionKind::Stream || !iv.appliesTo(layer, head)) continue;
        out.onThisHead.push_back(iv.spec);
        if (iv.kind == InterventionKind::SinkLogit) // replaces the softmax, the model's own b included
            extra = std::isfinite(iv.sinkLogit) ? static_cast<float>(iv.sinkLogit)
                                                : std::numeric_limits<float>::quiet_NaN();
    }
    for (const auto& iv : interventions)
        if (iv.kind == InterventionKind::Stream) {
            // Not an error: the unmodified row is still worth showing.
            out.note = fmt::format("{}: under a streaming cache a row sees the cached keys, not the prompt; "
                                   "only the unmodified row is shown",
                                   iv.spec);
            return out;
        }
    auto after = capturedRow(prompt, layer, head, query, interventions);
    if (!after) return after.error();
    out.intervened = std::move(after.value());
    out.intervened->extraLogit = extra;
    return out;
}

} // namespace sinkscope
