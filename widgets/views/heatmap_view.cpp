#include "views/heatmap_view.h"

#include "figures/figure_image.h"
#include "figures/heatmap_painter.h"
#include "figures/readout.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <cmath>

namespace sinkscope {

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(240, 200);
}

void HeatmapView::setFigure(HeatmapFigure figure) {
    m_figure = std::move(figure);
    m_image = m_figure.rows > 0 ? renderHeatmap(m_figure) : QImage();
    m_mapRect = m_figure.rows > 0 ? HeatmapPainter(m_figure).mapRect() : QRectF();
    update();
}

void HeatmapView::resetView() {
    m_zoom = 1.0;
    m_pan = {};
    update();
}

QRectF HeatmapView::imageRect() const {
    if (m_image.isNull()) return {};
    const QSizeF fit = QSizeF(m_image.size()).scaled(size(), Qt::KeepAspectRatio) * m_zoom;
    return {QPointF((width() - fit.width()) / 2, (height() - fit.height()) / 2) + m_pan, fit};
}

void HeatmapView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), Qt::white);
    if (m_image.isNull()) {
        p.drawText(rect(), Qt::AlignCenter, "run a prompt to see its attention");
        return;
    }
    p.setRenderHint(QPainter::SmoothPixmapTransform, m_zoom < 1.0);
    p.drawImage(imageRect(), m_image);
}

void HeatmapView::wheelEvent(QWheelEvent* e) {
    const double factor = std::pow(1.0015, e->angleDelta().y());
    const QPointF before = e->position() - imageRect().topLeft();
    m_zoom = std::clamp(m_zoom * factor, 0.25, 32.0);
    // Keep the point under the cursor where it was.
    m_pan += before - before * factor;
    update();
}

void HeatmapView::mousePressEvent(QMouseEvent* e) {
    m_dragStart = m_pressPos = e->position();
}

void HeatmapView::mouseReleaseEvent(QMouseEvent* e) {
    std::int64_t row = 0, col = 0;
    if ((e->position() - m_pressPos).manhattanLength() <= 3 && cellAt(e->position(), row, col))
        Q_EMIT cellClicked(row, col);
}

bool HeatmapView::cellAt(QPointF widgetPos, std::int64_t& row, std::int64_t& col) const {
    const QRectF r = imageRect();
    if (!r.contains(widgetPos) || m_figure.rows == 0) return false;
    // Widget position -> image pixel -> figure points (the renderer lays out in points at 72 dpi).
    const double toPoints = 72.0 / m_figure.dpi;
    const QPointF pt = (widgetPos - r.topLeft()) * (m_image.width() / r.width()) * toPoints;
    if (!m_mapRect.contains(pt)) return false;
    col = std::min<std::int64_t>(
        m_figure.cols - 1,
        static_cast<std::int64_t>((pt.x() - m_mapRect.left()) / m_mapRect.width() * m_figure.cols));
    row = std::min<std::int64_t>(
        m_figure.rows - 1,
        static_cast<std::int64_t>((pt.y() - m_mapRect.top()) / m_mapRect.height() * m_figure.rows));
    return true;
}

void HeatmapView::mouseMoveEvent(QMouseEvent* e) {
    if (e->buttons() & Qt::LeftButton) {
        m_pan += e->position() - m_dragStart;
        m_dragStart = e->position();
        update();
        return;
    }
    std::int64_t row = 0, col = 0;
    Q_EMIT hovered(cellAt(e->position(), row, col) ? QString::fromStdString(cellReadout(m_figure, row, col))
                                                   : QString());
}

void HeatmapView::keyPressEvent(QKeyEvent* e) {
    switch (e->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        m_zoom = std::min(32.0, m_zoom * 1.25);
        break;
    case Qt::Key_Minus:
        m_zoom = std::max(0.25, m_zoom / 1.25);
        break;
    case Qt::Key_0:
        resetView();
        return;
    case Qt::Key_Left:
        m_pan.rx() += 40;
        break;
    case Qt::Key_Right:
        m_pan.rx() -= 40;
        break;
    case Qt::Key_Up:
        m_pan.ry() += 40;
        break;
    case Qt::Key_Down:
        m_pan.ry() -= 40;
        break;
    default:
        return QWidget::keyPressEvent(e);
    }
    update();
}

} // namespace sinkscope
