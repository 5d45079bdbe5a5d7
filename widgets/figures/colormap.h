#pragma once
// Colour tables of the figures. Sequential maps run dark to light with monotone lightness so
// greyscale prints keep the order; the diverging map is white at its centre (0 in data units).
#include "figures/figures.h"

#include <array>
#include <cstdint>

namespace sinkscope {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Rgb&) const = default;
};

// Colour at t in [0, 1] (clamped), interpolated between the 256 table entries. NaN gives t = 0.
Rgb colormapRgb(Colormap c, double t);

// 256 entries for index = round(t * 255); what image rendering uses.
std::array<Rgb, 256> colormapTable(Colormap c);

// CIELAB lightness L* (0..100) of an sRGB colour; for tests and for picking readable text colours.
double lightness(Rgb c);

} // namespace sinkscope
