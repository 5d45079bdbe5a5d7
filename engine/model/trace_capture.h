#pragma once
// TraceCapture: an observer that keeps what a trace stores — attention (and, on request,
// pre-softmax scores) of every (step, layer, head) and the hidden-state / key / value norms —
// for the trace store. Step 0 is the prompt pass, step s the s-th generated token.
// Attention is kept as the store keeps it: the causal part of each row (keys up to the query's
// position) in fp16, which the store's codec then writes unchanged (it stores fp16 with the same
// rounding), so the file is what a float32 capture would give while a 4096-token prompt on a
// GPT-2-small shape holds 2.4 GB here instead of 9.7 GB of dense float32. Scores (and any map
// that is not causal) stay float32, as the store keeps them. Torch-free.
#include "model/observer.h"
#include "trace/trace_store.h"

#include <cstdint>
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

    // Maps in the order received; map(i) expands one to the store's dense float32 form.
    std::size_t mapCount() const { return m_maps.size(); }
    AttentionMap map(std::size_t i) const;
    std::int64_t bytes() const; // held for map values
    // What bytes() will come to for a prompt of `promptTokens` followed by `newTokens` generated
    // ones (each fed back but the last), plus the one dense float32 map being written at a time.
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
    bool m_scores;
    std::int64_t m_promptRows = -1;
    std::vector<Kept> m_maps;
    std::vector<NormSeries> m_norms;
};

} // namespace sinkscope
