#include "views/pc_scatter.h"

#include "views/plot_axes.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPolygonF>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace {
constexpr std::size_t kLabelled = 24; // more points than this: labels on hover only
const QColor kPoint(31, 119, 180);
} // namespace

PcScatter::PcScatter(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setMouseTracking(true);
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
    m_hover = -1;
    relayout();
}

QRectF PcScatter::plotRect() const {
    return m_plot;
}

// A square plot (equal scales) as large as fits beside the y ticks and above the x ticks.
void PcScatter::relayout() {
    const QFontMetricsF fm(font());
    const double lh = fm.height(), gap = std::round(lh * 0.25), pad = std::round(lh * 0.3);
    const double bottom = plot::kTickLen + gap + lh + gap + lh + pad; // numbers, caption
    const double guess = std::max(8.0, std::min(width() * 0.8, height() - bottom - pad));
    // A tick each side of the origin at least: a lone 0 says nothing about the scale.
    const int fit = plot::ticksThatFit(guess, fm.horizontalAdvance(QString("−0.00")));
    for (int n = fit; n <= fit + 4; ++n) {
        m_ticks = plot::linearTicks(-m_extent, m_extent, n);
        if (m_ticks.size() >= 3) break;
    }
    const double left = pad + lh + gap + plot::widestLabel(fm, m_ticks) + plot::kTickLen + gap;
    const double side = std::max(8.0, std::min(width() - left - pad, height() - bottom - pad));
    const double x = left + std::max(0.0, (width() - left - pad - side) / 2.0);
    m_plot = QRectF(std::round(x), pad, std::floor(side), std::floor(side));
    update();
}

// Equal scales on both axes, so angles (the arrow against the points' spread) read true.
QPointF PcScatter::toWidget(double x, double y) const {
    const QRectF r = m_plot;
    return {r.center().x() + x / m_extent * r.width() / 2, r.center().y() - y / m_extent * r.height() / 2};
}

int PcScatter::pointAt(QPointF pos) const {
    const double reach = std::max(6.0, QFontMetricsF(font()).height() * 0.5);
    int best = -1;
    double bestDistance = reach;
    for (std::size_t i = 0; i < m_points.size(); ++i) {
        const QPointF w = toWidget(m_points[i].x, m_points[i].y);
        const double d = std::hypot(w.x() - pos.x(), w.y() - pos.y());
        if (d <= bestDistance) {
            bestDistance = d;
            best = static_cast<int>(i);
        }
    }
    return best;
}

QString PcScatter::readout(std::size_t i) const {
    if (i >= m_points.size()) return {};
    const Point& pt = m_points[i];
    return QString("%1 · PC1 %2, PC2 %3")
        .arg(pt.name.isEmpty() ? pt.label : pt.name)
        .arg(pt.x, 0, 'g', 3)
        .arg(pt.y, 0, 'g', 3);
}

void PcScatter::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    const QRectF r = m_plot;
    const QColor text = palette().text().color();
    const QFontMetricsF fm(font());
    const double lh = fm.height(), gap = std::round(lh * 0.25);
    p.setPen(QPen(palette().mid().color(), 1, Qt::DotLine));
    p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()));
    p.drawLine(QPointF(r.center().x(), r.top()), QPointF(r.center().x(), r.bottom()));
    plot::drawLeftTicks(
        p, r, m_ticks, [this](double v) { return toWidget(0, v).y(); }, text, false);
    plot::drawBottomTicks(
        p, r, m_ticks, [this](double v) { return toWidget(v, 0).x(); }, text, false);
    p.setPen(QPen(palette().mid().color(), 1));
    p.drawRect(r);
    p.setPen(text);
    const double captionY = r.bottom() + plot::kTickLen + gap + lh + gap;
    p.drawText(QRectF(r.left() - lh * 3, captionY, r.width() + lh * 6, lh), Qt::AlignHCenter | Qt::AlignTop,
               fm.elidedText(m_xLabel, Qt::ElideRight, r.width() + lh * 6));
    p.save();
    p.translate(std::round(lh * 0.3) + fm.ascent(), r.center().y());
    p.rotate(-90);
    const QString y = fm.elidedText(m_yLabel, Qt::ElideRight, r.height());
    p.drawText(QPointF(-fm.horizontalAdvance(y) / 2.0, 0.0), y);
    p.restore();
    if (m_points.empty()) {
        p.drawText(r, Qt::AlignCenter | Qt::TextWordWrap,
                   "fewer than two caught tokens:\nno principal components");
        return;
    }

    p.setRenderHint(QPainter::Antialiasing);
    const double norm = std::hypot(m_arrow.x(), m_arrow.y());
    if (norm > 0) {
        const QPointF dir(m_arrow.x() / norm, m_arrow.y() / norm);
        const QPointF from = toWidget(0, 0),
                      to = toWidget(dir.x() * m_extent * 0.85, dir.y() * m_extent * 0.85);
        const QPointF d = to - from;
        const double len = std::hypot(d.x(), d.y());
        const QPointF u(d.x() / len, d.y() / len), n(-u.y(), u.x());
        const QColor arrowColour(214, 39, 40);
        const double head = std::max(9.0, lh * 0.6);
        p.setPen(QPen(arrowColour, 2));
        p.drawLine(from, to);
        p.setBrush(arrowColour);
        p.setPen(Qt::NoPen);
        p.drawPolygon(QPolygonF({to, to - head * u + head / 2 * n, to - head * u - head / 2 * n}));
        p.setPen(arrowColour);
        const double w = fm.horizontalAdvance(m_arrowLabel);
        p.drawText(QPointF(std::clamp(to.x() + 4, 0.0, std::max(0.0, width() - w)), std::max(lh, to.y() - 4)),
                   m_arrowLabel);
    }
    const double radius = std::max(3.5, lh * 0.22);
    const bool labelled = m_points.size() <= kLabelled;
    for (std::size_t i = 0; i < m_points.size(); ++i) {
        const Point& pt = m_points[i];
        const bool hot = static_cast<int>(i) == m_hover;
        const QPointF w = toWidget(pt.x, pt.y);
        p.setPen(QPen(hot ? Qt::black : kPoint.darker(130), hot ? 2 : 1));
        p.setBrush(hot ? kPoint.darker(120) : kPoint);
        p.drawEllipse(w, hot ? radius * 1.5 : radius, hot ? radius * 1.5 : radius);
        if (labelled || hot) {
            p.setPen(text);
            QFont f = font();
            f.setBold(hot);
            p.setFont(f);
            // Right of the point, or left of it where the label would leave the widget.
            const double lw = QFontMetricsF(f).horizontalAdvance(pt.label);
            const double x =
                w.x() + radius + 2 + lw <= width() ? w.x() + radius + 2 : w.x() - radius - 2 - lw;
            p.drawText(QPointF(x, w.y() + fm.ascent() / 2.0 - 1), pt.label);
            p.setFont(font());
        }
    }
}

void PcScatter::resizeEvent(QResizeEvent*) {
    relayout();
}

void PcScatter::changeEvent(QEvent* e) {
    if (e->type() == QEvent::FontChange) relayout();
    QWidget::changeEvent(e);
}

void PcScatter::setHover(int i) {
    if (i == m_hover) return;
    m_hover = i;
    update();
    Q_EMIT hovered(i >= 0 ? readout(static_cast<std::size_t>(i)) : QString());
}

void PcScatter::mouseMoveEvent(QMouseEvent* e) {
    setHover(pointAt(e->position()));
}

void PcScatter::leaveEvent(QEvent*) {
    setHover(-1);
}

bool PcScatter::event(QEvent* e) {
    if (e->type() != QEvent::ToolTip) return QWidget::event(e);
    const auto* help = static_cast<QHelpEvent*>(e);
    if (const int i = pointAt(help->pos()); i >= 0)
        QToolTip::showText(help->globalPos(), readout(static_cast<std::size_t>(i)), this);
    else
        QToolTip::hideText();
    return true;
}

} // namespace sinkscope
