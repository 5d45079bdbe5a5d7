#include "figures/colormap.h"

#include "figures/colormap_tables.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace sinkscope {

namespace {

struct Anchor {
    double t;
    double r, g, b;
};

// Our diverging map: saturated ends of similar lightness (L* ~35) so neither sign dominates, easing
// through lighter tints into pure white at the centre (data value 0).
constexpr std::array<Anchor, 5> kDiverging = {{
    {0.0, 35, 75, 160},
    {0.25, 125, 165, 220},
    {0.5, 255, 255, 255},
    {0.75, 235, 140, 120},
    {1.0, 170, 25, 40},
}};

Rgb unpack(std::uint32_t rgb) {
    return {static_cast<std::uint8_t>(rgb >> 16), static_cast<std::uint8_t>(rgb >> 8),
            static_cast<std::uint8_t>(rgb)};
}

std::uint8_t toByte(double v) {
    return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

Rgb mix(double r0, double g0, double b0, double r1, double g1, double b1, double w) {
    return {toByte(r0 + (r1 - r0) * w), toByte(g0 + (g1 - g0) * w), toByte(b0 + (b1 - b0) * w)};
}

Rgb fromTable(const std::array<std::uint32_t, 256>& table, double t) {
    const double x = t * 255.0;
    const auto i = static_cast<std::size_t>(std::min(static_cast<int>(x), 254));
    const Rgb a = unpack(table[i]), b = unpack(table[i + 1]);
    return mix(a.r, a.g, a.b, b.r, b.g, b.b, x - static_cast<double>(i));
}

Rgb diverging(double t) {
    for (std::size_t k = 1; k < kDiverging.size(); ++k) {
        const Anchor& a = kDiverging[k - 1];
        const Anchor& b = kDiverging[k];
        if (t <= b.t || k + 1 == kDiverging.size()) {
            return mix(a.r, a.g, a.b, b.r, b.g, b.b, (t - a.t) / (b.t - a.t));
        }
    }
    return {255, 255, 255};
}

double linearise(std::uint8_t c) {
    const double v = c / 255.0;
    return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return out;
}

} // namespace

Rgb colormapRgb(Colormap c, double t) {
    t = std::isnan(t) ? 0.0 : std::clamp(t, 0.0, 1.0);
    switch (c) {
    case Colormap::Viridis:
        return fromTable(colormap_tables::viridis, t);
    case Colormap::Magma:
        return fromTable(colormap_tables::magma, t);
    case Colormap::Grey: {
        // White (low) to black (high): the print convention for attention maps, and "not stored"
        // cells (white background) then read like zero attention.
        const std::uint8_t v = toByte(255.0 * (1.0 - t));
        return {v, v, v};
    }
    case Colormap::Diverging:
        return diverging(t);
    }
    return {};
}

std::array<Rgb, 256> colormapTable(Colormap c) {
    std::array<Rgb, 256> table;
    for (std::size_t i = 0; i < table.size(); ++i)
        table[i] = colormapRgb(c, static_cast<double>(i) / 255.0);
    return table;
}

double lightness(Rgb c) {
    const double y = 0.2126 * linearise(c.r) + 0.7152 * linearise(c.g) + 0.0722 * linearise(c.b);
    return y > 216.0 / 24389.0 ? 116.0 * std::cbrt(y) - 16.0 : y * 24389.0 / 27.0;
}

Result<Colormap> parseColormap(std::string_view name) {
    const std::string n = lower(name);
    if (n == "viridis") return Colormap::Viridis;
    if (n == "magma") return Colormap::Magma;
    if (n == "grey" || n == "gray") return Colormap::Grey;
    if (n == "diverging") return Colormap::Diverging;
    return Error{"unknown colormap \"" + std::string(name) + "\" (use viridis, magma, grey or diverging)"};
}

const char* colormapName(Colormap c) {
    switch (c) {
    case Colormap::Viridis:
        return "viridis";
    case Colormap::Magma:
        return "magma";
    case Colormap::Grey:
        return "grey";
    case Colormap::Diverging:
        return "diverging";
    }
    return "?";
}

} // namespace sinkscope
