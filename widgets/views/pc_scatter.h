#pragma once
// PcScatter: points on their first two principal components (e.g. a head's outputs for the tokens
// it caught), the origin at their mean, and one direction drawn as an arrow from the origin (the
// head's tag u), scaled to the plot since only its direction matters next to the points. Drawn at
// the widget's resolution in its font: both axes carry ticks (figures/ticks.h) and captions, equal
// scales so angles read true. Points carry labels shown beside them when there are few; hovering a
// point highlights it and reads out its name and coordinates (hovered(), and a tooltip).
#include "figures/ticks.h"

#include <QPointF>
#include <QString>
#include <QWidget>
#include <vector>

namespace sinkscope {

class PcScatter : public QWidget {
    Q_OBJECT
public:
    struct Point {
        double x = 0, y = 0;
        QString label; // beside the point
        QString name;  // in the hover readout (empty: the label)
    };
    explicit PcScatter(QWidget* parent = nullptr);
    void setData(std::vector<Point> points, QPointF arrow, const QString& arrowLabel, const QString& xLabel,
                 const QString& yLabel);
    const std::vector<Point>& points() const { return m_points; }
    QPointF arrow() const { return m_arrow; }

    // Geometry in widget pixels, for hit tests and tests.
    QRectF plotRect() const;
    QPointF toWidget(double x, double y) const;
    int pointAt(QPointF pos) const; // the nearest point within a few pixels; -1: none
    QString readout(std::size_t i) const;
    const std::vector<Tick>& ticks() const { return m_ticks; } // the same on both axes

    // The minimum on purpose: the dock's scroll area sizes its contents by their hints (its
    // word-wrapped summary makes it height-for-width), and the plots are to fill the dock.
    QSize sizeHint() const override { return minimumSizeHint(); }
    QSize minimumSizeHint() const override { return {140, 120}; }

Q_SIGNALS:
    void hovered(const QString& readout); // empty when the mouse leaves the points

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void changeEvent(QEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent*) override;
    bool event(QEvent* e) override;

private:
    void relayout();
    void setHover(int i);
    std::vector<Point> m_points;
    QPointF m_arrow;
    QString m_arrowLabel, m_xLabel, m_yLabel;
    double m_extent = 1; // half the side of the square data window around the origin
    QRectF m_plot;
    std::vector<Tick> m_ticks;
    int m_hover = -1;
};

} // namespace sinkscope
