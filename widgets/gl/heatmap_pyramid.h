#pragma once
// Level-of-detail store of one heatmap for the GL canvas. Long prompts make maps of tens of
// millions of cells; uploading them whole would stall the GPU (and llvmpipe) for every change, so
// the map is kept as colour positions quantised to 16 bits, in a pyramid of 2x2 max-pooled levels
// (a thin sink column survives any zoom-out), cut into square tiles the canvas uploads only when
// they are on screen. Qt- and GL-free so it is tested on its own.
#include "figures/figures.h"
#include "figures/scale.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

class HeatmapPyramid {
public:
    static constexpr int kTile = 256;              // tile side in texels
    static constexpr std::uint16_t kEmpty = 65535; // "not stored" (e.g. the causal upper triangle)
    static constexpr std::uint16_t kTop = 65534;   // colour position 1

    HeatmapPyramid() = default;
    // Applies the figure's scale and colour range exactly as the exported figure does, so the
    // canvas and an exported PNG agree. The figure must pass validateHeatmap.
    explicit HeatmapPyramid(const HeatmapFigure& f);

    bool empty() const { return m_levels.empty(); }
    int levels() const { return static_cast<int>(m_levels.size()); }
    std::int64_t rows(int level) const { return m_levels[static_cast<std::size_t>(level)].rows; }
    std::int64_t cols(int level) const { return m_levels[static_cast<std::size_t>(level)].cols; }
    std::int64_t tilesX(int level) const { return (cols(level) + kTile - 1) / kTile; }
    std::int64_t tilesY(int level) const { return (rows(level) + kTile - 1) / kTile; }
    // Cells of level 0 covered by one texel of `level`.
    static std::int64_t span(int level) { return std::int64_t{1} << level; }

    std::uint16_t at(int level, std::int64_t row, std::int64_t col) const {
        const Level& l = m_levels[static_cast<std::size_t>(level)];
        return l.texels[static_cast<std::size_t>(row * l.cols + col)];
    }
    // One tile, row-major kTile x kTile, padded with kEmpty beyond the map's edge.
    void copyTile(int level, std::int64_t tx, std::int64_t ty, std::uint16_t* out) const;

    // The coarsest level whose texels are still no larger than one screen pixel, given how many
    // level-0 cells one pixel spans (so zoomed-in views use full detail).
    int levelFor(double cellsPerPixel) const;

    const ColourRange& range() const { return m_range; }
    static double toPosition(std::uint16_t q) { return q == kEmpty ? -1.0 : q / double(kTop); }

private:
    struct Level {
        std::int64_t rows = 0, cols = 0;
        std::vector<std::uint16_t> texels;
    };
    std::vector<Level> m_levels;
    ColourRange m_range;
    bool m_byMagnitude = false; // diverging maps pool by distance from the centre (0 in data)
};

} // namespace sinkscope
