#include "gl/heatmap_pyramid.h"

#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace {
std::uint16_t quantise(double position) {
    if (std::isnan(position)) return HeatmapPyramid::kEmpty;
    return static_cast<std::uint16_t>(std::lround(std::clamp(position, 0.0, 1.0) * HeatmapPyramid::kTop));
}

// The texel of larger value (or larger distance from the centre for diverging maps); empty
// texels lose to any stored one.
std::uint16_t pool(std::uint16_t a, std::uint16_t b, bool byMagnitude) {
    if (a == HeatmapPyramid::kEmpty) return b;
    if (b == HeatmapPyramid::kEmpty) return a;
    if (!byMagnitude) return std::max(a, b);
    constexpr int mid = HeatmapPyramid::kTop / 2;
    return std::abs(int(a) - mid) >= std::abs(int(b) - mid) ? a : b;
}
} // namespace

HeatmapPyramid::HeatmapPyramid(const HeatmapFigure& f) {
    if (f.rows <= 0 || f.cols <= 0) return;
    m_byMagnitude = f.colormap == Colormap::Diverging;
    {
        const std::vector<float> transformed = transformValues(f.values.data(), f.rows, f.cols, f.scale);
        RangeFinder finder;
        finder.add(transformed);
        m_range = finder.finish(f.scale, f.colormap, f.vmin, f.vmax);
        Level base{f.rows, f.cols, std::vector<std::uint16_t>(transformed.size())};
        for (std::size_t i = 0; i < transformed.size(); ++i)
            base.texels[i] = quantise(m_range.position(transformed[i]));
        m_levels.push_back(std::move(base));
    }
    while (m_levels.back().rows > kTile || m_levels.back().cols > kTile) {
        const Level& fine = m_levels.back();
        Level coarse{(fine.rows + 1) / 2, (fine.cols + 1) / 2, {}};
        coarse.texels.resize(static_cast<std::size_t>(coarse.rows * coarse.cols));
        for (std::int64_t r = 0; r < coarse.rows; ++r) {
            const std::int64_t r0 = 2 * r, r1 = std::min(2 * r + 1, fine.rows - 1);
            for (std::int64_t c = 0; c < coarse.cols; ++c) {
                const std::int64_t c0 = 2 * c, c1 = std::min(2 * c + 1, fine.cols - 1);
                const auto v = [&](std::int64_t rr, std::int64_t cc) {
                    return fine.texels[static_cast<std::size_t>(rr * fine.cols + cc)];
                };
                coarse.texels[static_cast<std::size_t>(r * coarse.cols + c)] =
                    pool(pool(v(r0, c0), v(r0, c1), m_byMagnitude), pool(v(r1, c0), v(r1, c1), m_byMagnitude),
                         m_byMagnitude);
            }
        }
        m_levels.push_back(std::move(coarse));
    }
}

void HeatmapPyramid::copyTile(int level, std::int64_t tx, std::int64_t ty, std::uint16_t* out) const {
    const Level& l = m_levels[static_cast<std::size_t>(level)];
    std::fill(out, out + kTile * kTile, kEmpty);
    const std::int64_t r0 = ty * kTile, c0 = tx * kTile;
    const std::int64_t nr = std::clamp<std::int64_t>(l.rows - r0, 0, kTile);
    const std::int64_t nc = std::clamp<std::int64_t>(l.cols - c0, 0, kTile);
    for (std::int64_t r = 0; r < nr; ++r)
        std::copy_n(l.texels.data() + (r0 + r) * l.cols + c0, nc, out + r * kTile);
}

int HeatmapPyramid::levelFor(double cellsPerPixel) const {
    if (empty() || !(cellsPerPixel > 1.0)) return 0;
    const int level = static_cast<int>(std::floor(std::log2(cellsPerPixel)));
    return std::clamp(level, 0, levels() - 1);
}

} // namespace sinkscope
