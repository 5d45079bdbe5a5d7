#include "views/bar_chart.h"

#include <QPainter>
#include <algorithm>

namespace sinkscope {

namespace {
constexpr double kLeft = 36, kRight = 6, kTop = 16, kBottom = 18;
}

BarChart::BarChart(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void BarChart::setBars(std::vector<QString> labels, std::vector<double> values, const QString& valueLabel,
                       double maxValue) {
    m_labels = std::move(labels);
    m_values = std::move(values);
    m_valueLabel = valueLabel;
    m_max = maxValue;
    if (!std::isfinite(m_max)) {
        m_max = 0;
        for (double v : m_values)
            if (std::isfinite(v)) m_max = std::max(m_max, v);
    }
    if (m_max <= 0) m_max = 1;
    update();
}

void BarChart::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    const QColor text = palette().text().color();
    const QRectF area(kLeft, kTop, std::max(1.0, width() - kLeft - kRight),
                      std::max(1.0, height() - kTop - kBottom));
    p.setPen(text);
    p.drawText(QRectF(kLeft, 0, std::max(0.0, width() - kLeft), kTop), Qt::AlignLeft | Qt::AlignVCenter,
               m_valueLabel); // right of the axis numbers, which reach up into this band
    p.setPen(QPen(palette().mid().color(), 1));
    p.drawLine(area.bottomLeft(), area.bottomRight());
    p.drawLine(area.bottomLeft(), area.topLeft());
    p.setPen(text);
    const QFontMetricsF fm(font());
    p.drawText(QRectF(0, area.top() - fm.height() / 2, kLeft - 4, fm.height()),
               Qt::AlignRight | Qt::AlignVCenter, QString::number(m_max, 'g', 3));
    p.drawText(QRectF(0, area.bottom() - fm.height() / 2, kLeft - 4, fm.height()),
               Qt::AlignRight | Qt::AlignVCenter, "0");
    if (m_values.empty()) {
        p.drawText(area, Qt::AlignCenter, "nothing to show");
        return;
    }
    const double slot = area.width() / static_cast<double>(m_values.size());
    const double bar = std::max(1.0, slot * 0.75);
    for (std::size_t i = 0; i < m_values.size(); ++i) {
        const double x = area.left() + slot * static_cast<double>(i) + (slot - bar) / 2;
        const double v = m_values[i];
        if (std::isfinite(v)) {
            const double h = std::clamp(v / m_max, 0.0, 1.0) * area.height();
            const QRectF r(x, area.bottom() - h, bar, h);
            p.fillRect(r, QColor(44, 160, 44));
            if (bar > fm.horizontalAdvance("0.00") + 2 && h > fm.height())
                p.setPen(Qt::white),
                    p.drawText(r, Qt::AlignHCenter | Qt::AlignTop, QString::number(v, 'f', 2));
        }
        if (i < m_labels.size() && slot > 14) {
            p.setPen(text);
            p.drawText(QRectF(x - (slot - bar) / 2, area.bottom() + 2, slot, kBottom - 2),
                       Qt::AlignHCenter | Qt::AlignTop, fm.elidedText(m_labels[i], Qt::ElideRight, slot));
        }
    }
}

} // namespace sinkscope
