#pragma once
// Axes of the interactive plots, drawn at the widget's own resolution in the painter's font (so
// they follow the application's font, e.g. classroom mode's larger type). Tick positions and labels
// come from the figures' tick logic (figures/ticks.h), so a plot on screen and its exported figure
// agree on what they label.
#include "figures/colormap.h"
#include "figures/scale.h"
#include "figures/ticks.h"

#include <QColor>
#include <QFontMetricsF>
#include <QPainter>
#include <QRectF>
#include <QString>

#include <functional>
#include <vector>

namespace sinkscope::plot {

// How many tick labels of `labelExtent` pixels (along the axis) fit on `length` pixels with a
// label's worth of air between them; at least 2.
int ticksThatFit(double length, double labelExtent);

// Ticks of a linear axis lo..hi (lo < hi), at most maxTicks. integers: only whole values (an axis of
// indices: layers, channels); when the nicest step is fractional, a coarser whole step is used.
std::vector<Tick> linearTicks(double lo, double hi, int maxTicks, bool integers = false);

// Ticks of a log axis in log10 units (powers of ten, or 1-2-5 within a decade).
std::vector<Tick> logTicks(double log10Lo, double log10Hi, int maxTicks);

// Tick marks outside `area` and their labels: along the left edge (y = toY(value)) or the bottom edge
// (x = toX(value)). Ticks whose position falls outside the area are skipped. `grid`: a light line
// across the area at each tick.
void drawLeftTicks(QPainter& p, const QRectF& area, const std::vector<Tick>& ticks,
                   const std::function<double(double)>& toY, const QColor& text, bool grid);
void drawBottomTicks(QPainter& p, const QRectF& area, const std::vector<Tick>& ticks,
                     const std::function<double(double)>& toX, const QColor& text, bool grid);

// Widest label of the ticks in the painter's font (for the left margin).
double widestLabel(const QFontMetricsF& fm, const std::vector<Tick>& ticks);

inline constexpr double kTickLen = 4.0;

// A vertical colour bar at `bar` (lo at the bottom), its ticks and numbers on its right and `label`
// rotated beside them. colourBarWidth: everything right of bar.left() for a bar of `height`.
double colourBarWidth(const QFontMetricsF& fm, const ColourRange& range, double height, const QString& label);
void drawColourBar(QPainter& p, const QRectF& bar, Colormap colormap, const ColourRange& range,
                   const QString& label, const QColor& text);

// The colour bar's ticks for a bar `height` pixels tall in lines `lineHeight` tall: as many as fit
// two lines apart, and never fewer than two (a lone 0 gives no scale).
std::vector<Tick> colourBarTicks(const ColourRange& range, double height, double lineHeight);

// The bar's width in pixels for the painter's font (about two thirds of a line).
double colourBarThickness(const QFontMetricsF& fm);

} // namespace sinkscope::plot
