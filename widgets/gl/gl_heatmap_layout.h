#pragma once
// The pixel layout around GlHeatmapView's map: the margins that leave room for the axis labels and
// the colour bar, and the minimap's cell size. Shared by the view's geometry, the overlay that
// draws into the margins and the input handling that hit-tests the minimap, so the three agree.
namespace sinkscope::heatmap_layout {

constexpr float kLeft = 84, kRight = 64, kTop = 22, kBottom = 26; // margins for labels, colour bar
constexpr float kMiniCell = 11;                                   // minimap cell, pixels

} // namespace sinkscope::heatmap_layout
