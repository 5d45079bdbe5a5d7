#pragma once
// TraceCapture: an observer that keeps what a trace stores — attention (and, on request,
// pre-softmax scores) of every (step, layer, head) and the hidden-state / key / value norms —
// for the trace store. Step 0 is the prompt pass, step s the s-th generated token.
// Attention is kept as the store keeps it: the causal part of each row (keys up to the query's
// position) in fp16, which the store's codec then writes unchanged (it stores fp16 with the same
// rounding), so the file is what a float32 capture would give while a 4096-token prompt on a
// GPT-2-small shape holds 2.4 GB here instead of 9.7 GB of dense float32. Scores (and any map
// that is not causal) stay float32, as the store keeps them. A CaptureSelection narrows the maps
// kept (a big model's every map may not fit); alpha_0 of the prompt is still taken from every
// head as its map passes, so the trace's metrics do not depend on the selection. Torch-free.
#include "io/model_config.h"
#include "model/observer.h"
#include "session/capture_selection.h"
#include "trace/trace_store.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

class TraceCapture : public ForwardObserver {
public:
    TraceCapture(const ModelConfig& config, bool scores, CaptureSelection selection = {});

    bool wantsAttention(int, int) override { return true; }
    void onAttention(int layer, int head, const MatrixView& w) override;
    bool wantsScores(int layer, int head) override { return m_scores && m_selection.contains(layer, head); }
    void onScores(int layer, int head, const MatrixView& z) override;
    bool wantsHiddenNorms() override { return true; }
    void onHiddenNorms(int state, std::int64_t first, const float* n, std::int64_t count) override;
    bool wantsKvNorms(int) override { return true; }
    void onKvNorms(int layer, int head, std::int64_t first, const float* k, const float* v,
                   std::int64_t count) override;

    // Maps in the order received; map(i) expands one to the store's dense float32 form.
    std::size_t mapCount() const { return m_maps.size(); }
    AttentionMap map(std::size_t i) const;
    std::int64_t bytes() const; // held for map values
    // alpha_0 of every head over the prompt rows ([layer][head]; windowed layers average over
    // the rows that see token 0), whichever maps are kept.
    const std::vector<std::vector<double>>& promptAlpha0() const { return m_alpha0; }
    // What bytes() will come to for a prompt of `promptTokens` followed by `newTokens` generated
    // ones (each fed back but the last), plus the one dense float32 map being written at a time;
    // `layers` x `heads` maps kept.
    static std::int64_t predictedBytes(int layers, int heads, std::int64_t promptTokens,
                                       std::int64_t newTokens, bool scores);
    // Norms merged over steps: one series per (kind, layer, head) covering every token seen.
    std::vector<NormSeries> norms() const;

private:
    struct Kept {
        MapKind kind = MapKind::Attention;
        int step = 0, layer = 0, head = 0;
        std::int64_t firstRow = 0, rows = 0, cols = 0;
        std::vector<std::uint16_t> half; // causal attention: each row's keys 0..position, fp16
        std::vector<float> full;         // otherwise: rows x cols float32
    };
    int stepOf(std::int64_t firstRow);
    void keep(MapKind kind, int layer, int head, const MatrixView& v);

    int m_layers, m_heads;
    std::vector<int> m_windows;
    bool m_scores;
    CaptureSelection m_selection;
    std::vector<std::vector<double>> m_alpha0;
    std::int64_t m_promptRows = -1;
    std::vector<Kept> m_maps;
    std::vector<NormSeries> m_norms;
};

} // namespace sinkscope
