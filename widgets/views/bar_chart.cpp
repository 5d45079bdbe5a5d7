#include "views/bar_chart.h"

#include "figures/labels.h"
#include "views/plot_axes.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

namespace sinkscope {

namespace {
const QColor kBar(44, 160, 44);
} // namespace

BarChart::BarChart(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setMouseTracking(true);
}

void BarChart::setBars(std::vector<QString> labels, std::vector<double> values, const QString& valueLabel,
                       double maxValue) {
    m_labels = std::move(labels);
    m_values = std::move(values);
    m_names.clear();
    m_valueName.clear();
    m_valueLabel = valueLabel;
    m_max = maxValue;
    if (!std::isfinite(m_max)) {
        m_max = 0;
        for (double v : m_values)
            if (std::isfinite(v)) m_max = std::max(m_max, v);
    }
    if (m_max <= 0) m_max = 1;
    m_hover = -1;
    relayout();
}

void BarChart::setNames(std::vector<QString> names, const QString& valueName) {
    m_names = std::move(names);
    m_valueName = valueName;
}

QString BarChart::readout(std::size_t i) const {
    if (i >= m_values.size()) return {};
    const QString name = i < m_names.size()    ? m_names[i]
                         : i < m_labels.size() ? m_labels[i]
                                               : QString::number(i);
    const QString value = std::isfinite(m_values[i]) ? QString::number(m_values[i], 'f', 3) : QString("–");
    return m_valueName.isEmpty() ? QString("%1: %2").arg(name, value)
                                 : QString("%1 · %2 = %3").arg(name, m_valueName, value);
}

void BarChart::relayout() {
    m_labelRects.clear();
    const QFontMetricsF fm(font());
    const double lh = fm.height(), gap = std::round(lh * 0.25), pad = std::round(lh * 0.3);
    const double top = pad + lh + gap; // the value caption's line
    const double cap = fm.horizontalAdvance(QString(10, QChar('n')));
    double widestItem = 0.0;
    for (const QString& l : m_labels)
        widestItem = std::max(widestItem, std::min(cap, fm.horizontalAdvance(l)));
    // The value axis: its numbers' width sets the left margin (two passes: ticks depend on height).
    const auto ticksFor = [&](double h) { return plot::linearTicks(0.0, m_max, plot::ticksThatFit(h, lh)); };
    double left = pad + plot::widestLabel(fm, ticksFor(height() * 0.6)) + plot::kTickLen + gap;
    const double n = static_cast<double>(std::max<std::size_t>(1, m_values.size()));
    const double slot = std::max(1.0, width() - left - pad) / n;
    m_upright = slot < widestItem + gap;
    const double labelBand = m_upright ? std::min({widestItem, cap, std::max(lh, height() * 0.35)})
                                       : (m_labels.empty() ? 0.0 : lh);
    const double bottom = plot::kTickLen + gap + labelBand + pad;
    const double areaH = std::max(4.0, height() - top - bottom);
    m_ticks = ticksFor(areaH);
    left = pad + plot::widestLabel(fm, m_ticks) + plot::kTickLen + gap;
    m_area = QRectF(std::round(left), top, std::max(4.0, width() - left - pad), areaH);

    // Labels under the bars; upright ones every k-th bar where bars are narrower than a line.
    const double pitch = m_area.width() / n;
    const int stride = m_upright ? labelStride(pitch, lh + 1.0) : 1;
    for (std::size_t i = 0; i < m_labels.size() && i < m_values.size();
         i += static_cast<std::size_t>(stride)) {
        const double x = m_area.left() + pitch * (static_cast<double>(i) + 0.5);
        const double y = m_area.bottom() + plot::kTickLen + gap;
        if (m_upright) {
            const QString text = fm.elidedText(m_labels[i], Qt::ElideRight, labelBand);
            const double w = fm.horizontalAdvance(text);
            m_labelRects.push_back({i, text, QRectF(x - lh / 2.0, y, lh, w)});
        } else {
            const QString text = fm.elidedText(m_labels[i], Qt::ElideRight, pitch - gap);
            const double w = fm.horizontalAdvance(text);
            m_labelRects.push_back({i, text, QRectF(x - w / 2.0, y, w, lh)});
        }
    }
    update();
}

QRectF BarChart::barRect(std::size_t i) const {
    if (i >= m_values.size()) return {};
    const double slot = m_area.width() / static_cast<double>(m_values.size());
    const double bar = std::max(1.0, slot * 0.75);
    const double x = m_area.left() + slot * static_cast<double>(i) + (slot - bar) / 2;
    const double v = m_values[i];
    const double h = std::isfinite(v) ? std::clamp(v / m_max, 0.0, 1.0) * m_area.height() : 0.0;
    return {x, m_area.bottom() - h, bar, h};
}

// The whole column of a bar counts, so short bars are as easy to hover as tall ones.
int BarChart::barAt(QPointF pos) const {
    if (m_values.empty() || pos.x() < m_area.left() || pos.x() >= m_area.right() || pos.y() < m_area.top() ||
        pos.y() > m_area.bottom() + plot::kTickLen + QFontMetricsF(font()).height())
        return -1;
    const auto i =
        static_cast<int>((pos.x() - m_area.left()) / m_area.width() * static_cast<double>(m_values.size()));
    return std::clamp(i, 0, static_cast<int>(m_values.size()) - 1);
}

void BarChart::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    const QColor text = palette().text().color();
    const QFontMetricsF fm(font());
    const double lh = fm.height();
    p.setPen(text);
    p.drawText(QRectF(m_area.left(), 0, std::max(0.0, width() - m_area.left()), m_area.top()),
               Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(m_valueLabel, Qt::ElideRight, width() - m_area.left()));
    plot::drawLeftTicks(
        p, m_area, m_ticks, [this](double v) { return m_area.bottom() - v / m_max * m_area.height(); }, text,
        true);
    p.setPen(QPen(palette().mid().color(), 1));
    p.drawLine(m_area.bottomLeft(), m_area.bottomRight());
    p.drawLine(m_area.bottomLeft(), m_area.topLeft());
    if (m_values.empty()) {
        p.setPen(text);
        p.drawText(m_area, Qt::AlignCenter, "nothing to show");
        return;
    }
    const double valueWidth = fm.horizontalAdvance("0.00") + 4;
    for (std::size_t i = 0; i < m_values.size(); ++i) {
        const QRectF r = barRect(i);
        if (r.height() <= 0) continue;
        const bool hot = static_cast<int>(i) == m_hover;
        p.fillRect(r, hot ? kBar.darker(140) : kBar);
        const QString value = QString::number(m_values[i], 'f', 2);
        if (r.width() >= valueWidth && r.height() > lh) {
            p.setPen(Qt::white);
            p.drawText(r, Qt::AlignHCenter | Qt::AlignTop, value);
        } else if (hot) { // no room on the bar: above it
            p.setPen(text);
            const double w = fm.horizontalAdvance(value);
            p.drawText(QPointF(std::clamp(r.center().x() - w / 2.0, 0.0, width() - w),
                               std::max(r.top() - 2.0, lh) - fm.descent()),
                       value);
        }
    }
    p.setPen(text);
    for (const Label& l : m_labelRects) {
        const bool hot = static_cast<int>(l.index) == m_hover;
        QFont f = font();
        f.setBold(hot);
        p.setFont(f);
        if (!m_upright) {
            p.drawText(QPointF(l.rect.left(), l.rect.top() + fm.ascent()), l.text);
            continue;
        }
        p.save(); // upright, read bottom to top, ending at the axis
        p.translate(l.rect.left() + fm.ascent(), l.rect.top());
        p.rotate(-90.0);
        p.drawText(QPointF(-l.rect.height(), 0.0), l.text);
        p.restore();
    }
}

void BarChart::resizeEvent(QResizeEvent*) {
    relayout();
}

void BarChart::changeEvent(QEvent* e) {
    if (e->type() == QEvent::FontChange) relayout();
    QWidget::changeEvent(e);
}

void BarChart::setHover(int i) {
    if (i == m_hover) return;
    m_hover = i;
    update();
    Q_EMIT hovered(i >= 0 ? readout(static_cast<std::size_t>(i)) : QString());
}

void BarChart::mouseMoveEvent(QMouseEvent* e) {
    setHover(barAt(e->position()));
}

void BarChart::leaveEvent(QEvent*) {
    setHover(-1);
}

bool BarChart::event(QEvent* e) {
    if (e->type() != QEvent::ToolTip) return QWidget::event(e);
    const auto* help = static_cast<QHelpEvent*>(e);
    const int i = barAt(help->pos());
    if (i >= 0)
        QToolTip::showText(help->globalPos(), readout(static_cast<std::size_t>(i)), this);
    else
        QToolTip::hideText();
    return true;
}

} // namespace sinkscope
