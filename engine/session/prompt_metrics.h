#pragma once
// PromptMetricsObserver: everything `metrics` reports for one prompt, captured in one forward
// pass: column importance alpha[k] and mean row entropy per (layer, head), the residual stream
// per state (hidden-state norms, the cosine-to-BOS rule) and key/value norms per token.
// Torch-free: it only sees views.
#include "metrics/catch_tag_release.h"
#include "metrics/secondary_sinks.h"
#include "metrics/sink_metrics.h"
#include "metrics/span_heads.h"
#include "model/observer.h"
#include "session/capture.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace sinkscope {

// What to measure beyond the first token (catch-tag-release per head, span-centric heads); it
// needs the heads' value vectors and output projections, captured only when asked for.
struct BeyondOptions {
    bool catchTagRelease = false;
    CtrOptions ctr;
    std::optional<std::pair<std::int64_t, std::int64_t>> span; // inclusive token span
    SpanHeadOptions spanOptions;
    // Per layer, the sink set of the span ratio (a picture's visual sinks, metrics/visual_sinks.h);
    // empty: {ctr.sink} in every layer.
    std::vector<std::vector<std::int64_t>> spanSinks;
};

class PromptMetricsObserver : public ForwardObserver {
public:
    PromptMetricsObserver(int layers, int heads, BeyondOptions beyond = {});

    bool wantsAttention(int, int) override { return true; }
    void onAttention(int layer, int head, const MatrixView& weights) override;
    bool wantsHiddenStates() override { return true; }
    void onHiddenStates(int state, std::int64_t first, const float* data, std::int64_t count,
                        std::int64_t dim) override {
        m_states.onHiddenStates(state, first, data, count, dim);
    }
    bool wantsKvNorms(int) override { return true; }
    void onKvNorms(int layer, int head, std::int64_t first, const float* keyNorms, const float* valueNorms,
                   std::int64_t count) override;

    bool wantsHeadValues(int) override { return m_beyond.catchTagRelease; }
    void onHeadValues(int layer, int head, std::int64_t first, const float* values, std::int64_t count,
                      std::int64_t headDim) override;
    void onOutputProjection(int layer, int head, const float* wo, std::int64_t dModel,
                            std::int64_t headDim) override;

    std::vector<double> alpha(int layer, int head) const;
    // Per (layer, head), filled by the prompt pass when asked for ([layer][head]).
    const std::vector<std::vector<CtrScore>>& catchTagRelease() const { return m_ctr; }
    const std::vector<std::vector<SpanHeadScore>>& spanHeads() const { return m_span; }
    std::vector<std::vector<double>> alphaAt(std::int64_t k) const; // [layer][head]
    std::vector<std::vector<double>> entropy() const;               // [layer][head]
    const HiddenStates& hiddenStates() const { return m_states.states(); }
    // Moves the residual stream out (no copy); hiddenStates() and hiddenNorms() are empty after.
    HiddenStates takeHiddenStates() { return m_states.take(); }
    std::vector<std::vector<float>> hiddenNorms() const; // [state][token]
    const std::vector<float>& keyNorms(int layer, int head) const { return m_keyNorms[index(layer, head)]; }
    const std::vector<float>& valueNorms(int layer, int head) const {
        return m_valueNorms[index(layer, head)];
    }

private:
    std::size_t index(int layer, int head) const { return static_cast<std::size_t>(layer * m_heads + head); }
    int m_layers, m_heads;
    std::vector<ColumnImportanceAccumulator> m_alpha;
    std::vector<double> m_entropySum;
    std::vector<std::int64_t> m_entropyRows;
    HiddenStateRecorder m_states;
    std::vector<std::vector<float>> m_keyNorms, m_valueNorms;
    BeyondOptions m_beyond;
    std::vector<std::vector<float>> m_values, m_wo; // per (layer, head), while the layer runs
    std::int64_t m_headDim = 0, m_dModel = 0;
    std::vector<std::vector<CtrScore>> m_ctr;
    std::vector<std::vector<SpanHeadScore>> m_span;
};

} // namespace sinkscope
