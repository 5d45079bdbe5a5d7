#pragma once
// Lays out and paints a CurveFigure (title, framed plot with ticks and grid lines, axis labels,
// a legend right of the plot) onto a QPainter whose device works in points; see figure_output.h.
#include "figures/curve_figure.h"
#include "figures/ticks.h"

#include <QPainter>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include <vector>

namespace sinkscope {

class CurvePainter {
public:
    // f must pass validateCurves and outlive the painter.
    explicit CurvePainter(const CurveFigure& f);

    QSizeF size() const { return m_size; } // points
    void paint(QPainter& p) const;

    // Geometry, for tests.
    QRectF plotRect() const { return m_plot; }
    const std::vector<Tick>& xTicks() const { return m_xTicks; }
    const std::vector<Tick>& yTicks() const { return m_yTicks; }

    static constexpr double kPlotWidth = 360.0, kPlotHeight = 220.0;

private:
    struct Axis {
        double lo = 0.0, hi = 1.0; // drawn range, in axis units (log10 on a log axis)
    };
    void fitRanges(); // axis ranges, ticks, legend names
    void layout();    // geometry, in points
    QPointF toPoint(double x, double y) const;
    void paintAxes(QPainter& p) const;
    void paintTicks(QPainter& p) const;
    void paintSeries(QPainter& p) const;
    void paintLegend(QPainter& p) const;

    const CurveFigure& m_f;
    Axis m_x, m_y;
    std::vector<Tick> m_xTicks, m_yTicks;
    std::vector<QString> m_names;
    double m_yTickWidth = 0.0, m_legendWidth = 0.0;
    QRectF m_plot, m_legend;
    QSizeF m_size;
};

} // namespace sinkscope
