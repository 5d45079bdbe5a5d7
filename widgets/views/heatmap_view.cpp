#include "views/heatmap_view.h"

#include "figures/figure_image.h"
#include "figures/heatmap_painter.h"

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
    m_dragStart = e->position();
}

void HeatmapView::mouseMoveEvent(QMouseEvent* e) {
    if (e->buttons() & Qt::LeftButton) {
        m_pan += e->position() - m_dragStart;
        m_dragStart = e->position();
        update();
        return;
    }
    const QRectF r = imageRect();
    if (!r.contains(e->position()) || m_figure.rows == 0) return;
    // Widget position -> image pixel -> figure points (the renderer lays out in points at 72 dpi).
    const double toPoints = 72.0 / m_figure.dpi;
    const QPointF pixel = (e->position() - r.topLeft()) * (m_image.width() / r.width());
    const QPointF pt = pixel * toPoints;
    const QRectF map = m_mapRect;
    if (!map.contains(pt)) {
        Q_EMIT hovered(QString());
        return;
    }
    const auto col = std::min<std::int64_t>(
        m_figure.cols - 1, static_cast<std::int64_t>((pt.x() - map.left()) / map.width() * m_figure.cols));
    const auto row = std::min<std::int64_t>(
        m_figure.rows - 1, static_cast<std::int64_t>((pt.y() - map.top()) / map.height() * m_figure.rows));
    const float v = m_figure.values[static_cast<std::size_t>(row * m_figure.cols + col)];
    auto label = [](const std::vector<std::string>& l, std::int64_t i) {
        return i < static_cast<std::int64_t>(l.size())
                   ? QString::fromStdString(l[static_cast<std::size_t>(i)])
                   : QString();
    };
    Q_EMIT hovered(std::isnan(v) ? QString("query %1 '%2' cannot see key %3 '%4' (causal)")
                                       .arg(row)
                                       .arg(label(m_figure.rowLabels, row))
                                       .arg(col)
                                       .arg(label(m_figure.colLabels, col))
                                 : QString("query %1 '%2' → key %3 '%4': %5")
                                       .arg(row)
                                       .arg(label(m_figure.rowLabels, row))
                                       .arg(col)
                                       .arg(label(m_figure.colLabels, col))
                                       .arg(static_cast<double>(v), 0, 'g', 4));
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
