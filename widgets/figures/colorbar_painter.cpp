#include "figures/colorbar_painter.h"

#include "figures/colormap.h"
#include "figures/figure_style.h"

#include <QLinearGradient>

#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace fs = figure_style;

namespace {
constexpr double kTickGap = 2.0;   // tick mark to its number
constexpr double kLabelGap = 5.0;  // numbers to the rotated label
constexpr int kGradientStops = 64; // smooth in every viewer; the maps are smooth between entries
} // namespace

ColorbarPainter::ColorbarPainter(Colormap colormap, ColourRange range, const QString& label, double barHeight)
    : m_colormap(colormap), m_range(range), m_barHeight(barHeight) {
    const QFontMetricsF tickFm = fs::metrics(fs::font(fs::kTickPt));
    // Ticks at least two lines apart so their numbers never touch.
    const int maxTicks = std::clamp(static_cast<int>(barHeight / (tickFm.height() * 2.0)) + 1, 2, 7);
    m_ticks = colourbarTicks(range, maxTicks);
    for (const Tick& t : m_ticks)
        m_tickLabelWidth = std::max(m_tickLabelWidth, tickFm.horizontalAdvance(fs::qstr(t.label)));
    const QFontMetricsF axisFm = fs::metrics(fs::font(fs::kAxisPt));
    m_label = axisFm.elidedText(label, Qt::ElideRight, barHeight);
    m_width = kBarWidth + fs::kTickLen + kTickGap + m_tickLabelWidth;
    if (!m_label.isEmpty()) m_width += kLabelGap + axisFm.height();
}

double ColorbarPainter::tickY(double value, double top) const {
    return top + m_barHeight * (1.0 - (value - m_range.lo) / (m_range.hi - m_range.lo));
}

QRectF ColorbarPainter::bounds(QPointF topLeft) const {
    const double half = fs::metrics(fs::font(fs::kTickPt)).height() / 2.0;
    return {topLeft.x(), topLeft.y() - half, m_width, m_barHeight + 2.0 * half};
}

void ColorbarPainter::paint(QPainter& p, QPointF topLeft) const {
    const QRectF bar(topLeft, QSizeF(kBarWidth, m_barHeight));
    QLinearGradient gradient(bar.bottomLeft(), bar.topLeft());
    for (int i = 0; i <= kGradientStops; ++i) {
        const double t = static_cast<double>(i) / kGradientStops;
        const Rgb c = colormapRgb(m_colormap, t);
        gradient.setColorAt(t, QColor(c.r, c.g, c.b));
    }
    p.fillRect(bar, gradient);
    p.setPen(QPen(fs::kFrame, fs::kFrameWidth));
    p.setBrush(Qt::NoBrush);
    p.drawRect(bar);

    const QFont tickFont = fs::font(fs::kTickPt);
    const QFontMetricsF fm = fs::metrics(tickFont);
    p.setFont(tickFont);
    for (const Tick& t : m_ticks) {
        const double y = tickY(t.value, bar.top());
        p.setPen(QPen(fs::kFrame, fs::kFrameWidth));
        p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + fs::kTickLen, y));
        p.setPen(fs::kText);
        p.drawText(QPointF(bar.right() + fs::kTickLen + kTickGap, y + (fm.ascent() - fm.descent()) / 2.0),
                   fs::qstr(t.label));
    }

    if (m_label.isEmpty()) return;
    const QFont axisFont = fs::font(fs::kAxisPt);
    const QFontMetricsF afm = fs::metrics(axisFont);
    const double x = bar.right() + fs::kTickLen + kTickGap + m_tickLabelWidth + kLabelGap + afm.ascent();
    p.save();
    p.setFont(axisFont);
    p.setPen(fs::kText);
    p.translate(x, bar.center().y());
    p.rotate(-90.0); // reads bottom to top, like the y-axis label
    p.drawText(QPointF(-afm.horizontalAdvance(m_label) / 2.0, 0.0), m_label);
    p.restore();
}

} // namespace sinkscope
