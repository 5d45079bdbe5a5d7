#pragma once
// Issue 22's visual share of a LLaVA prompt: per layer and head, the attention mass that the text
// queries after the image put on the image positions, averaged over those queries (prompt rows
// only; generated rows are not counted). How much of what the answer's text reads is the picture.
#include "model/observer.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

class VisualShareObserver : public ForwardObserver {
public:
    // The image holds positions first..last; the prompt ends before promptEnd.
    VisualShareObserver(int layers, int heads, std::int64_t first, std::int64_t last, std::int64_t promptEnd);
    bool wantsAttention(int, int) override { return true; }
    bool concurrentAttention() const override { return true; }
    void onAttention(int layer, int head, const MatrixView& weights) override;

    // [layer][head]; 0 where no text query follows the image.
    std::vector<std::vector<double>> share() const;

private:
    int m_layers, m_heads;
    std::int64_t m_first, m_last, m_end;
    std::vector<double> m_sum;
    std::vector<std::int64_t> m_rows;
};

} // namespace sinkscope
