// GlHeatmapView's input: wheel and keys zoom, drag and arrow keys pan, a click selects a cell or,
// in the minimap, a head. The state the overlay needs (pointer, button) is kept for its next frame.
#include "gl/gl_heatmap_view.h"

#include "figures/readout.h"
#include "gl/gl_heatmap_layout.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace sinkscope {

using heatmap_layout::kMiniCell;

void GlHeatmapView::wheelEvent(QWheelEvent* e) {
    zoomAbout(std::pow(1.0015, e->angleDelta().y()), e->position());
}

void GlHeatmapView::mousePressEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton) return;
    m_mouseDown = true;
    m_dragged = false;
    m_pressPos = m_lastDrag = e->position();
    update();
}

void GlHeatmapView::mouseReleaseEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton) return;
    m_mouseDown = false;
    if (!m_dragged) {
        const QRectF mini = minimapRect();
        std::int64_t row = 0, col = 0;
        if (mini.contains(e->position())) {
            const QPointF p = (e->position() - mini.topLeft()) / kMiniCell;
            Q_EMIT headClicked(std::min(int(p.y()), m_overview.layers - 1),
                               std::min(int(p.x()), m_overview.heads - 1));
        } else if (hoveredCell(row, col)) {
            Q_EMIT cellClicked(row, col);
        }
    }
    update();
}

void GlHeatmapView::mouseMoveEvent(QMouseEvent* e) {
    m_mouse = e->position();
    m_mouseInside = true;
    if (m_mouseDown) {
        if ((m_mouse - m_pressPos).manhattanLength() > 3) m_dragged = true;
        if (m_dragged) panBy(m_mouse - m_lastDrag);
        m_lastDrag = m_mouse;
        return;
    }
    std::int64_t row = 0, col = 0;
    Q_EMIT hovered(hoveredCell(row, col) ? QString::fromStdString(cellReadout(m_figure, row, col))
                                         : QString());
    update();
}

bool GlHeatmapView::event(QEvent* e) {
    if (e->type() == QEvent::Leave) {
        m_mouseInside = false;
        Q_EMIT hovered(QString());
        update();
    }
    return QOpenGLWindow::event(e);
}

void GlHeatmapView::keyPressEvent(QKeyEvent* e) {
    const QPointF centre = mapArea().center();
    switch (e->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomAbout(1.25, centre);
        break;
    case Qt::Key_Minus:
        zoomAbout(1 / 1.25, centre);
        break;
    case Qt::Key_0:
        resetView();
        break;
    case Qt::Key_Left:
        panBy({40, 0});
        break;
    case Qt::Key_Right:
        panBy({-40, 0});
        break;
    case Qt::Key_Up:
        panBy({0, 40});
        break;
    case Qt::Key_Down:
        panBy({0, -40});
        break;
    case Qt::Key_I:
        setOverlays(!m_showInfo, m_showMinimap);
        break;
    case Qt::Key_G:
        setOverlays(m_showInfo, !m_showMinimap);
        break;
    default:
        QOpenGLWindow::keyPressEvent(e);
    }
}

} // namespace sinkscope
