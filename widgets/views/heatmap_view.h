#pragma once
// HeatmapView: one attention map drawn by the shared figure renderer (the same picture the CLI
// exports), scaled to the widget; the mouse wheel zooms, dragging pans, hovering reads out the
// query token, key token and weight.
#include "figures/figures.h"

#include <QImage>
#include <QWidget>

namespace sinkscope {

class HeatmapView : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapView(QWidget* parent = nullptr);
    void setFigure(HeatmapFigure figure);
    const HeatmapFigure& figure() const { return m_figure; }
    const QImage& image() const { return m_image; }
    void resetView();

Q_SIGNALS:
    void hovered(const QString& readout);
    void cellClicked(qint64 row, qint64 col);

protected:
    void paintEvent(QPaintEvent*) override;
    void wheelEvent(QWheelEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;

private:
    QRectF imageRect() const;
    bool cellAt(QPointF widgetPos, std::int64_t& row, std::int64_t& col) const;
    HeatmapFigure m_figure;
    QImage m_image;
    QRectF m_mapRect; // where the cells are, in figure points
    double m_zoom = 1.0;
    QPointF m_pan, m_dragStart, m_pressPos;
};

} // namespace sinkscope
