#include "views/curve_plot.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace {
constexpr double kLeft = 46, kRight = 10, kTop = 18, kBottom = 20;

QString number(double v) {
    return std::abs(v) >= 1e4 || (v != 0 && std::abs(v) < 1e-2)
               ? QString::number(v, 'g', 3)
               : QString::number(v, 'f', std::abs(v) < 10 ? 2 : 0);
}
} // namespace

CurvePlot::CurvePlot(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void CurvePlot::setData(std::vector<double> x, std::vector<Series> series, const QString& yLabel) {
    m_x = std::move(x);
    m_series = std::move(series);
    m_yLabel = yLabel;
    m_yMin = m_xMin = INFINITY;
    m_yMax = m_xMax = -INFINITY;
    for (double v : m_x) {
        m_xMin = std::min(m_xMin, v);
        m_xMax = std::max(m_xMax, v);
    }
    for (const auto& s : m_series) {
        const auto& xs = xsOf(s);
        for (std::size_t i = 0; i < s.y.size() && i < xs.size(); ++i)
            if (std::isfinite(s.y[i]) && std::isfinite(xs[i])) {
                m_yMin = std::min(m_yMin, s.y[i]);
                m_yMax = std::max(m_yMax, s.y[i]);
                m_xMin = std::min(m_xMin, xs[i]);
                m_xMax = std::max(m_xMax, xs[i]);
            }
    }
    if (!std::isfinite(m_xMin)) m_xMin = 0, m_xMax = 1;
    if (!std::isfinite(m_yMin)) m_yMin = 0, m_yMax = 1;
    if (m_yMax - m_yMin < 1e-12) m_yMax = m_yMin + 1; // a flat curve still gets an axis
    const double pad = 0.05 * (m_yMax - m_yMin);
    m_yMin = m_yMin >= 0 ? std::max(0.0, m_yMin - pad) : m_yMin - pad; // rates and losses stay >= 0
    m_yMax += pad;
    m_current = std::min(m_current, static_cast<int>(m_x.size()) - 1);
    update();
}

void CurvePlot::setCurrent(int index) {
    m_current = index;
    update();
}

QRectF CurvePlot::plotRect() const {
    return QRectF(kLeft, kTop, std::max(1.0, width() - kLeft - kRight),
                  std::max(1.0, height() - kTop - kBottom));
}

double CurvePlot::xAt(double x) const {
    const QRectF r = plotRect();
    if (m_xMax <= m_xMin) return r.center().x();
    return r.left() + (x - m_xMin) / (m_xMax - m_xMin) * r.width();
}

void CurvePlot::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    const QRectF r = plotRect();
    const QColor text = palette().text().color();
    p.setPen(QPen(palette().mid().color(), 1));
    p.drawRect(r);
    if (m_x.empty()) return;
    auto yAt = [&](double y) { return r.bottom() - (y - m_yMin) / (m_yMax - m_yMin) * r.height(); };

    p.setPen(text);
    const QFontMetricsF fm(font());
    for (double y : {m_yMin, (m_yMin + m_yMax) / 2, m_yMax})
        p.drawText(QRectF(0, yAt(y) - fm.height() / 2, kLeft - 4, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, number(y));
    p.drawText(QRectF(r.left(), r.bottom() + 2, r.width(), kBottom - 2), Qt::AlignLeft | Qt::AlignTop,
               QString::number(m_xMin, 'f', 0));
    p.drawText(QRectF(r.left(), r.bottom() + 2, r.width(), kBottom - 2), Qt::AlignRight | Qt::AlignTop,
               QString::number(m_xMax, 'f', 0));
    p.drawText(QRectF(r.left(), r.bottom() + 2, r.width(), kBottom - 2), Qt::AlignHCenter | Qt::AlignTop,
               "step");

    // Legend on the top band: "— name" per series, then the y label.
    double lx = r.left();
    for (const auto& s : m_series) {
        p.setPen(QPen(s.colour, 2, s.x.empty() ? Qt::SolidLine : Qt::DashLine));
        p.drawLine(QPointF(lx, kTop / 2), QPointF(lx + 14, kTop / 2));
        p.setPen(text);
        p.drawText(QPointF(lx + 18, kTop / 2 + fm.ascent() / 2 - 1), s.name);
        lx += 26 + fm.horizontalAdvance(s.name);
    }
    // Beside a long legend the label would be cut at its start: then the legend says enough.
    if (fm.horizontalAdvance(m_yLabel) <= r.right() - lx)
        p.drawText(QRectF(lx, 0, r.right() - lx, kTop), Qt::AlignRight | Qt::AlignVCenter, m_yLabel);

    p.save();
    p.setClipRect(r.adjusted(-4, -4, 4, 4));
    for (const auto& s : m_series) {
        const auto& xs = xsOf(s);
        QPainterPath path;
        bool open = false;
        for (std::size_t i = 0; i < xs.size() && i < s.y.size(); ++i) {
            if (!std::isfinite(s.y[i])) {
                open = false; // a gap
                continue;
            }
            const QPointF pt(xAt(xs[i]), yAt(s.y[i]));
            if (open)
                path.lineTo(pt);
            else
                path.moveTo(pt);
            open = true;
        }
        p.setPen(QPen(s.colour, 1.6, s.x.empty() ? Qt::SolidLine : Qt::DashLine));
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
        p.setBrush(s.colour);
        p.setPen(Qt::NoPen);
        for (std::size_t i = 0; i < xs.size() && i < s.y.size(); ++i)
            if (std::isfinite(s.y[i])) p.drawEllipse(QPointF(xAt(xs[i]), yAt(s.y[i])), 2.2, 2.2);
    }
    p.restore();

    if (m_current >= 0 && m_current < static_cast<int>(m_x.size())) {
        const double cx = xAt(m_x[static_cast<std::size_t>(m_current)]);
        p.setPen(QPen(palette().highlight().color(), 1.5, Qt::DashLine));
        p.drawLine(QPointF(cx, r.top()), QPointF(cx, r.bottom()));
        for (const auto& s : m_series) {
            if (!s.x.empty()) continue; // another run's points: none of them is "this checkpoint"
            const double y = static_cast<std::size_t>(m_current) < s.y.size()
                                 ? s.y[static_cast<std::size_t>(m_current)]
                                 : NAN;
            if (!std::isfinite(y)) continue;
            p.setPen(QPen(s.colour.darker(150), 1.5));
            p.setBrush(palette().base());
            p.drawEllipse(QPointF(cx, yAt(y)), 4, 4);
        }
    }
}

void CurvePlot::mousePressEvent(QMouseEvent* e) {
    if (m_x.empty()) return;
    int best = 0;
    for (int i = 1; i < static_cast<int>(m_x.size()); ++i)
        if (std::abs(xAt(m_x[static_cast<std::size_t>(i)]) - e->position().x()) <
            std::abs(xAt(m_x[static_cast<std::size_t>(best)]) - e->position().x()))
            best = i;
    setCurrent(best);
    Q_EMIT picked(best);
}

} // namespace sinkscope
