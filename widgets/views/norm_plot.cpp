#include "views/norm_plot.h"

#include <QPainter>
#include <QPainterPath>
#include <cmath>

namespace sinkscope {

NormPlot::NormPlot(QWidget* parent) : QWidget(parent) {
    setMinimumHeight(120);
    setToolTip("hidden-state L2 norm per state (log scale); red: the first token, grey: the others");
}

void NormPlot::setCaptions(const QString& what, const QString& xAxis) {
    m_what = what;
    m_xAxis = xAxis;
    setToolTip(what + " per token (log scale); red: the first token, grey: the others");
    update();
}

void NormPlot::setNorms(const std::vector<std::vector<float>>& norms) {
    m_norms = norms;
    update();
}

void NormPlot::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), Qt::white);
    p.setRenderHint(QPainter::Antialiasing);
    if (m_norms.size() < 2 || m_norms[0].empty()) {
        p.drawText(rect(), Qt::AlignCenter, m_what + " appear after a run");
        return;
    }
    double lo = INFINITY, hi = 0;
    for (const auto& s : m_norms)
        for (float v : s)
            if (v > 0) {
                lo = std::min(lo, static_cast<double>(v));
                hi = std::max(hi, static_cast<double>(v));
            }
    if (!(hi > 0)) return;
    lo = std::log10(lo);
    hi = std::log10(hi);
    if (hi - lo < 1e-6) hi = lo + 1;
    const QRectF area = QRectF(rect()).adjusted(44, 10, -10, -24);
    auto point = [&](std::size_t state, float v) {
        const double x =
            area.left() + area.width() * static_cast<double>(state) / static_cast<double>(m_norms.size() - 1);
        const double y = area.bottom() - area.height() * (std::log10(std::max(v, 1e-30f)) - lo) / (hi - lo);
        return QPointF(x, y);
    };
    p.setPen(Qt::black);
    p.drawRect(area);
    p.drawText(QRectF(0, area.top() - 6, 42, 14), Qt::AlignRight,
               QString::number(std::pow(10.0, hi), 'g', 3));
    p.drawText(QRectF(0, area.bottom() - 8, 42, 14), Qt::AlignRight,
               QString::number(std::pow(10.0, lo), 'g', 3));
    p.drawText(QRectF(area.left(), area.bottom() + 4, area.width(), 16), Qt::AlignCenter, m_xAxis);
    const std::size_t tokens = m_norms[0].size();
    for (std::size_t t = tokens; t-- > 0;) { // token 0 last, on top
        QPainterPath path;
        for (std::size_t s = 0; s < m_norms.size(); ++s) {
            const float v = t < m_norms[s].size() ? m_norms[s][t] : 0.0f;
            if (s == 0)
                path.moveTo(point(s, v));
            else
                path.lineTo(point(s, v));
        }
        p.setPen(t == 0 ? QPen(QColor(220, 50, 32), 2.5) : QPen(QColor(0, 0, 0, 60), 1));
        p.drawPath(path);
    }
}

} // namespace sinkscope
