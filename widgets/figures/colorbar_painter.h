#pragma once
// The colorbar beside a map: a vertical gradient (lo at the bottom), ticks with numbers on its
// right (powers of ten on log scales) and its label rotated along it.
#include "figures/scale.h"
#include "figures/ticks.h"

#include <QPainter>
#include <QRectF>
#include <QString>

#include <vector>

namespace sinkscope {

class ColorbarPainter {
public:
    ColorbarPainter(Colormap colormap, ColourRange range, const QString& label, double barHeight);

    double width() const { return m_width; } // from the bar's left edge to the label's far side
    double barHeight() const { return m_barHeight; }
    const std::vector<Tick>& ticks() const { return m_ticks; }

    // Everything drawn, bar at topLeft; tick labels may reach half a line above and below the bar.
    QRectF bounds(QPointF topLeft) const;
    void paint(QPainter& p, QPointF topLeft) const;

    static constexpr double kBarWidth = 10.0;

private:
    double tickY(double value, double top) const;

    Colormap m_colormap;
    ColourRange m_range;
    QString m_label;
    double m_barHeight;
    std::vector<Tick> m_ticks;
    double m_tickLabelWidth = 0.0;
    double m_width = 0.0;
};

} // namespace sinkscope
