#pragma once
// Ready-made observers for the common captures. Torch-free: they only see MatrixViews.
#include "metrics/sink_metrics.h"
#include "model/observer.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

// Accumulates alpha[k] (column importance) for every (layer, head) over the rows it sees, up to
// an optional row limit (e.g. the prompt only, ignoring generated steps).
class ColumnImportanceObserver : public ForwardObserver {
public:
    ColumnImportanceObserver(int layers, int heads, std::int64_t rowLimit = -1);
    bool wantsAttention(int layer, int head) override;
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

// Keeps a full copy of every attention row of the wanted heads (all heads by default).
class AttentionRecorder : public ForwardObserver {
public:
    AttentionRecorder(int layers, int heads);
    bool wantsAttention(int layer, int head) override;
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

} // namespace sinkscope
