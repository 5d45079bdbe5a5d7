#pragma once
// Ready-made observers for the common captures. Torch-free: they only see MatrixViews.
#include "metrics/secondary_sinks.h"
#include "metrics/sink_metrics.h"
#include "model/observer.h"

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace sinkscope {

// Accumulates alpha[k] (column importance) for every (layer, head) over the rows it sees, up to
// an optional row limit (e.g. the prompt only, ignoring generated steps). Heads may arrive from
// the engine's worker threads (each head has its own accumulator).
class ColumnImportanceObserver : public ForwardObserver {
public:
    ColumnImportanceObserver(int layers, int heads, std::int64_t rowLimit = -1);
    bool wantsAttention(int layer, int head) override;
    bool concurrentAttention() const override { return true; }
    void onAttention(int layer, int head, const MatrixView& weights) override;

    // alpha[k] of one head; empty if it saw nothing.
    std::vector<double> alpha(int layer, int head) const;
    // alpha[0] as a [layer][head] table.
    std::vector<std::vector<double>> alpha0() const;

private:
    int m_layers, m_heads;
    std::int64_t m_rowLimit;
    std::int64_t m_rowsSeen = 0; // queries fully processed (all layers and heads)
    std::vector<ColumnImportanceAccumulator> m_acc;
};

// Keeps a full copy of every attention row of the wanted heads (all heads by default). Heads may
// arrive from the engine's worker threads (each head has its own rows).
class AttentionRecorder : public ForwardObserver {
public:
    AttentionRecorder(int layers, int heads);
    bool wantsAttention(int layer, int head) override;
    bool concurrentAttention() const override { return true; }
    void onAttention(int layer, int head, const MatrixView& weights) override;

    // Square [T, T] matrix of one head over all rows seen so far; zeros where nothing was seen.
    std::vector<float> matrix(int layer, int head, std::int64_t T) const;

private:
    struct Row {
        std::int64_t pos;
        std::vector<float> values;
    };
    int m_layers, m_heads;
    std::vector<std::vector<Row>> m_rows;
};

// Keeps the causal part of the attention of every wanted head (row i: keys 0..i) as IEEE half
// floats, in one buffer per head sized for `tokens` positions: T(T+1)/2 x 2 bytes per head, about
// a quarter of a dense float32 copy, so that a full capture's memory is known before the pass
// (predictedBytes). Values keep 11 significant bits (relative error <= 2^-11; weights below 2^-24
// read 0). Rows at positions >= tokens are dropped. Safe for the engine's worker threads: each
// head is written by one call, into its own buffer (concurrentAttention).
class HalfAttentionCapture : public ForwardObserver {
public:
    // wanted[layer * heads + head]; empty: every head.
    HalfAttentionCapture(int layers, int heads, std::int64_t tokens, std::vector<bool> wanted = {});
    bool wantsAttention(int layer, int head) override;
    bool concurrentAttention() const override { return true; }
    void onAttention(int layer, int head, const MatrixView& w) override;

    std::int64_t tokens() const { return m_tokens; }
    std::int64_t bytes() const; // held for attention values (allocated for every wanted head)
    // What a capture of `maps` heads over `tokens` positions holds.
    static std::int64_t predictedBytes(std::int64_t maps, std::int64_t tokens);
    // Rows of one head received so far (0: not captured).
    std::int64_t rows(int layer, int head) const;
    // Row `query` of one head, keys 0..query, as float32 into out (query + 1 values).
    void row(int layer, int head, std::int64_t query, float* out) const;
    // Dense [tokens, tokens] float32 copy: zeros above the diagonal and in rows not received.
    std::vector<float> matrix(int layer, int head) const;

private:
    std::size_t index(int layer, int head) const;
    int m_layers, m_heads;
    std::int64_t m_tokens;
    std::vector<std::unique_ptr<std::uint16_t[]>> m_maps; // null: not wanted
    std::vector<std::int64_t> m_rows;
};

// Keeps the residual stream of every state (L + 1 of them) as HiddenStates.
class HiddenStateRecorder : public ForwardObserver {
public:
    explicit HiddenStateRecorder(int states) { m_h.states.resize(static_cast<std::size_t>(states)); }
    bool wantsHiddenStates() override { return true; }
    void onHiddenStates(int state, std::int64_t first, const float* data, std::int64_t count,
                        std::int64_t dim) override;
    const HiddenStates& states() const { return m_h; }
    HiddenStates take() { return std::move(m_h); } // leaves the recorder empty

private:
    HiddenStates m_h;
};

// Hands one pass to two observers, each seeing only what it asked for: one pass instead of two.
class ObserverFanout : public ForwardObserver {
public:
    ObserverFanout(ForwardObserver& a, ForwardObserver& b) : m_a(a), m_b(b) {}
    bool wantsAttention(int l, int h) override { return m_a.wantsAttention(l, h) | m_b.wantsAttention(l, h); }
    void onAttention(int l, int h, const MatrixView& w) override;
    bool wantsScores(int l, int h) override { return m_a.wantsScores(l, h) | m_b.wantsScores(l, h); }
    void onScores(int l, int h, const MatrixView& z) override;
    bool wantsHiddenNorms() override { return m_a.wantsHiddenNorms() | m_b.wantsHiddenNorms(); }
    void onHiddenNorms(int state, std::int64_t first, const float* n, std::int64_t count) override;
    bool wantsHiddenStates() override { return m_a.wantsHiddenStates() | m_b.wantsHiddenStates(); }
    void onHiddenStates(int state, std::int64_t first, const float* d, std::int64_t count,
                        std::int64_t dim) override;
    bool wantsHeadValues(int l) override { return m_a.wantsHeadValues(l) | m_b.wantsHeadValues(l); }
    void onHeadValues(int l, int h, std::int64_t first, const float* v, std::int64_t count,
                      std::int64_t headDim) override;
    void onOutputProjection(int l, int h, const float* wo, std::int64_t dModel,
                            std::int64_t headDim) override;
    bool wantsKvNorms(int l) override { return m_a.wantsKvNorms(l) | m_b.wantsKvNorms(l); }
    bool cancelled() override { return m_a.cancelled() || m_b.cancelled(); }
    void onKvNorms(int l, int h, std::int64_t first, const float* k, const float* v,
                   std::int64_t count) override;

private:
    ForwardObserver& m_a;
    ForwardObserver& m_b;
};

} // namespace sinkscope
