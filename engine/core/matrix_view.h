#pragma once
// MatrixView: a non-owning, row-major view of float32 values, the currency between the forward
// pass, metrics and widgets. Attention views cover query rows [firstRow, firstRow + rows) against
// key columns [0, cols); during generation with a KV cache a step delivers one row at a time.
#include <cstdint>

namespace sinkscope {

struct MatrixView {
    const float* data = nullptr;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::int64_t rowStride = 0; // elements between rows (>= cols)
    std::int64_t firstRow = 0;  // absolute position of row 0
    // A windowed layer's rows see keys i-window+1 .. i only (0: every earlier key). Metrics average
    // a key's weight over the rows that can see it, never counting a hidden key as a zero.
    std::int64_t window = 0;

    float at(std::int64_t r, std::int64_t c) const { return data[r * rowStride + c]; }
    const float* row(std::int64_t r) const { return data + r * rowStride; }
};

} // namespace sinkscope
