#include "views/pc_scatter.h"

#include <QHelpEvent>
#include <QPainter>
#include <QPolygonF>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace {
constexpr double kMargin = 22;
constexpr std::size_t kLabelled = 24; // more points than this: labels on hover only
} // namespace

PcScatter::PcScatter(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void PcScatter::setData(std::vector<Point> points, QPointF arrow, const QString& arrowLabel,
                        const QString& xLabel, const QString& yLabel) {
    m_points = std::move(points);
    m_arrow = arrow;
    m_arrowLabel = arrowLabel;
    m_xLabel = xLabel;
    m_yLabel = yLabel;
    m_extent = 0;
    for (const auto& pt : m_points)
        m_extent = std::max({m_extent, std::abs(pt.x), std::abs(pt.y)});
    if (!(m_extent > 0)) m_extent = 1;
    m_extent *= 1.15;
    update();
}

QRectF PcScatter::plotRect() const {
    const double side = std::max(1.0, std::min(width(), height()) - 2 * kMargin);
    return {(width() - side) / 2, (height() - side) / 2, side, side};
}

// Equal scales on both axes, so angles (the arrow against the points' spread) read true.
QPointF PcScatter::toWidget(double x, double y) const {
    const QRectF r = plotRect();
    return {r.center().x() + x / m_extent * r.width() / 2, r.center().y() - y / m_extent * r.height() / 2};
}

void PcScatter::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    const QRectF r = plotRect();
    const QColor text = palette().text().color();
    p.setPen(QPen(palette().mid().color(), 1, Qt::DotLine));
    p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()));
    p.drawLine(QPointF(r.center().x(), r.top()), QPointF(r.center().x(), r.bottom()));
    p.setPen(QPen(palette().mid().color(), 1));
    p.drawRect(r);
    p.setPen(text);
    p.drawText(QRectF(r.left(), r.bottom() + 2, r.width(), kMargin - 2), Qt::AlignHCenter | Qt::AlignTop,
               m_xLabel);
    p.save();
    p.translate(r.left() - 4, r.center().y());
    p.rotate(-90);
    p.drawText(QRectF(-r.height() / 2, -kMargin + 2, r.height(), kMargin - 2),
               Qt::AlignHCenter | Qt::AlignBottom, m_yLabel);
    p.restore();
    if (m_points.empty()) {
        p.drawText(r, Qt::AlignCenter | Qt::TextWordWrap,
                   "fewer than two caught tokens:\nno principal components");
        return;
    }

    const double norm = std::hypot(m_arrow.x(), m_arrow.y());
    if (norm > 0) {
        const QPointF dir(m_arrow.x() / norm, m_arrow.y() / norm);
        const QPointF from = toWidget(0, 0),
                      to = toWidget(dir.x() * m_extent * 0.85, dir.y() * m_extent * 0.85);
        const QPointF d = to - from;
        const double len = std::hypot(d.x(), d.y());
        const QPointF u(d.x() / len, d.y() / len), n(-u.y(), u.x());
        const QColor arrowColour(214, 39, 40);
        p.setPen(QPen(arrowColour, 2));
        p.drawLine(from, to);
        p.setBrush(arrowColour);
        p.setPen(Qt::NoPen);
        p.drawPolygon(QPolygonF({to, to - 9 * u + 4.5 * n, to - 9 * u - 4.5 * n}));
        p.setPen(arrowColour);
        p.drawText(to + QPointF(4, -4), m_arrowLabel);
    }
    const bool labelled = m_points.size() <= kLabelled;
    for (const auto& pt : m_points) {
        const QPointF w = toWidget(pt.x, pt.y);
        p.setPen(QPen(QColor(31, 119, 180).darker(130), 1));
        p.setBrush(QColor(31, 119, 180));
        p.drawEllipse(w, 3.5, 3.5);
        if (labelled) {
            p.setPen(text);
            p.drawText(w + QPointF(5, 4), pt.label);
        }
    }
}

bool PcScatter::event(QEvent* e) {
    if (e->type() != QEvent::ToolTip) return QWidget::event(e);
    const auto* help = static_cast<QHelpEvent*>(e);
    for (const auto& pt : m_points) {
        const QPointF w = toWidget(pt.x, pt.y);
        if (std::hypot(w.x() - help->pos().x(), w.y() - help->pos().y()) <= 5) {
            QToolTip::showText(
                help->globalPos(),
                QString("%1\nPC1 %2, PC2 %3").arg(pt.label).arg(pt.x, 0, 'g', 3).arg(pt.y, 0, 'g', 3), this);
            return true;
        }
    }
    QToolTip::hideText();
    return true;
}

} // namespace sinkscope
