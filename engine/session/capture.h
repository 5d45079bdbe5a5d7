#pragma once
// Ready-made observers for the common captures: column importance (alpha), dense and half-float
// attention maps. Torch-free: they only see MatrixViews.
#include "metrics/secondary_sinks.h"
#include "metrics/sink_metrics.h"
#include "model/observer.h"
#include "model/observer_tools.h" // ObserverFanout, HiddenStateRecorder: most captures pair with them

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

} // namespace sinkscope
