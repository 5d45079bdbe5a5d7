#pragma once
// TraceCapture: an observer that keeps what a trace stores — attention (and, on request,
// pre-softmax scores) of every (step, layer, head) and the hidden-state / key / value norms —
// in the trace store's own types. Step 0 is the prompt pass, step s the s-th generated token.
// Torch-free.
#include "model/observer.h"
#include "trace/trace_store.h"

#include <vector>

namespace sinkscope {

class TraceCapture : public ForwardObserver {
public:
    TraceCapture(int layers, int heads, bool scores);

    bool wantsAttention(int, int) override { return true; }
    void onAttention(int layer, int head, const MatrixView& w) override;
    bool wantsScores(int, int) override { return m_scores; }
    void onScores(int layer, int head, const MatrixView& z) override;
    bool wantsHiddenNorms() override { return true; }
    void onHiddenNorms(int state, std::int64_t first, const float* n, std::int64_t count) override;
    bool wantsKvNorms(int) override { return true; }
    void onKvNorms(int layer, int head, std::int64_t first, const float* k, const float* v,
                   std::int64_t count) override;

    const std::vector<AttentionMap>& maps() const { return m_maps; }
    // Norms merged over steps: one series per (kind, layer, head) covering every token seen.
    std::vector<NormSeries> norms() const;

private:
    int stepOf(std::int64_t firstRow);
    void keep(MapKind kind, int layer, int head, const MatrixView& v);

    int m_layers, m_heads;
    bool m_scores;
    std::int64_t m_promptRows = -1;
    std::vector<AttentionMap> m_maps;
    std::vector<NormSeries> m_norms;
};

} // namespace sinkscope
