#pragma once
// PcScatter: points on their first two principal components (e.g. a head's outputs for the tokens
// it caught), the origin at their mean, and one direction drawn as an arrow from the origin (the
// head's tag u), scaled to the plot since only its direction matters next to the points. Points
// carry labels shown beside them when there are few, and on hover.
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
        QString label;
    };
    explicit PcScatter(QWidget* parent = nullptr);
    void setData(std::vector<Point> points, QPointF arrow, const QString& arrowLabel, const QString& xLabel,
                 const QString& yLabel);
    const std::vector<Point>& points() const { return m_points; }
    QPointF arrow() const { return m_arrow; }
    QSize sizeHint() const override { return {260, 220}; }
    QSize minimumSizeHint() const override { return {140, 120}; }

protected:
    void paintEvent(QPaintEvent*) override;
    bool event(QEvent* e) override;

private:
    QRectF plotRect() const;
    QPointF toWidget(double x, double y) const;
    std::vector<Point> m_points;
    QPointF m_arrow;
    QString m_arrowLabel, m_xLabel, m_yLabel;
    double m_extent = 1; // half the side of the square data window around the origin
};

} // namespace sinkscope
