#pragma once
// The sampled sequential colour maps (colormap_tables.cpp), kept apart from the logic.
#include <array>
#include <cstdint>

namespace sinkscope::colormap_tables {
extern const std::array<std::uint32_t, 256> viridis; // 0xRRGGBB, t = index / 255
extern const std::array<std::uint32_t, 256> magma;
} // namespace sinkscope::colormap_tables
