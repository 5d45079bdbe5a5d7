#include "figures/curve_painter.h"

#include "figures/figure_style.h"
#include "figures/labels.h"
#include "figures/scale.h"

#include <QPainterPath>

#include <algorithm>
#include <array>
#include <cmath>

namespace sinkscope {

namespace {

namespace fs = figure_style;

constexpr int kMaxTicks = 6;
constexpr double kHeadroom = 0.04;  // of the range on each side, so markers on the edge stay whole
constexpr double kLegendGap = 12.0; // plot to legend
constexpr double kSwatch = 18.0;    // a legend entry's line sample
constexpr double kMarker = 2.2;     // marker radius
constexpr std::size_t kMaxNameChars = 48;

// Tableau 10, distinguishable in colour and in print; past ten the palette repeats dashed.
const std::array<QColor, 10> kPalette = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                                         QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                                         QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                                         QColor(23, 190, 207)};

QPen seriesPen(std::size_t i) {
    QPen pen(kPalette[i % kPalette.size()], 1.3);
    if (i >= kPalette.size()) pen.setStyle(Qt::DashLine);
    return pen;
}

// The nominal range of some values (a single value widened so the axis has a span).
std::pair<double, double> rangeOf(const std::vector<double>& v, double widen) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    if (*hi > *lo) return {*lo, *hi};
    return {*lo - widen, *hi + widen};
}

double axisValue(double v, bool log) {
    return log ? std::log10(v) : v;
}

} // namespace

CurvePainter::CurvePainter(const CurveFigure& f) : m_f(f) {
    fitRanges();
    layout();
}

void CurvePainter::fitRanges() {
    std::vector<double> xs, ys;
    for (const CurveSeries& s : m_f.series) {
        for (double x : s.xs)
            xs.push_back(axisValue(x, m_f.logX));
        ys.insert(ys.end(), s.ys.begin(), s.ys.end());
        m_names.push_back(fs::qstr(displayLabel(s.name, kMaxNameChars)));
    }
    auto [xlo, xhi] = rangeOf(xs, m_f.logX ? 0.5 : std::max(1.0, std::abs(xs.front()) * 0.1));
    auto [ylo, yhi] = rangeOf(ys, std::max(1.0, std::abs(ys.front()) * 0.1));
    if (!std::isnan(m_f.yMin)) ylo = m_f.yMin;
    if (!std::isnan(m_f.yMax)) yhi = m_f.yMax;
    if (ylo >= yhi) { // one end fixed, every point beyond it: a unit span from that end
        if (std::isnan(m_f.yMin))
            ylo = yhi - 1.0;
        else
            yhi = ylo + 1.0;
    }
    m_xTicks = colourbarTicks(ColourRange{xlo, xhi, m_f.logX}, kMaxTicks);
    m_yTicks = colourbarTicks(ColourRange{ylo, yhi, false}, kMaxTicks);
    m_x = {xlo - kHeadroom * (xhi - xlo), xhi + kHeadroom * (xhi - xlo)};
    m_y = {ylo - kHeadroom * (yhi - ylo), yhi + kHeadroom * (yhi - ylo)};
}

void CurvePainter::layout() {
    const QFontMetricsF tick = fs::metrics(fs::font(fs::kTickPt)), axis = fs::metrics(fs::font(fs::kAxisPt));
    const QFontMetricsF title = fs::metrics(fs::font(fs::kTitlePt, true)), legend = tick;
    for (const Tick& t : m_yTicks)
        m_yTickWidth = std::max(m_yTickWidth, tick.horizontalAdvance(fs::qstr(t.label)));
    for (const QString& name : m_names)
        m_legendWidth = std::max(m_legendWidth, kSwatch + 4.0 + legend.horizontalAdvance(name));

    const double top = fs::kPad + (m_f.title.empty() ? 0.0 : title.height() + 6.0);
    const double left =
        fs::kPad + (m_f.yLabel.empty() ? 0.0 : axis.height() + 4.0) + m_yTickWidth + 3.0 + fs::kTickLen;
    m_plot = QRectF(left, top, kPlotWidth, kPlotHeight);
    const double legendHeight = legend.lineSpacing() * static_cast<double>(m_names.size());
    m_legend = QRectF(m_plot.right() + kLegendGap, top, m_legendWidth, legendHeight);
    const double bottom = m_plot.bottom() + fs::kTickLen + tick.height() + 4.0 +
                          (m_f.xLabel.empty() ? 0.0 : axis.height() + 2.0) + fs::kPad;
    const double titleRight = fs::kPad + title.horizontalAdvance(fs::qstr(m_f.title)) + fs::kPad;
    m_size = QSizeF(std::max(m_legend.right() + fs::kPad, titleRight),
                    std::max(bottom, m_legend.bottom() + fs::kPad));
}

QPointF CurvePainter::toPoint(double x, double y) const {
    const double tx = (axisValue(x, m_f.logX) - m_x.lo) / (m_x.hi - m_x.lo);
    const double ty = (y - m_y.lo) / (m_y.hi - m_y.lo);
    return {m_plot.left() + tx * m_plot.width(), m_plot.bottom() - ty * m_plot.height()};
}

void CurvePainter::paint(QPainter& p) const {
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    p.fillRect(QRectF(QPointF(0, 0), m_size), fs::kBackground);
    paintAxes(p);
    paintSeries(p);
    paintLegend(p);
    if (!m_f.title.empty()) {
        const QFont font = fs::font(fs::kTitlePt, true);
        p.setFont(font);
        p.setPen(fs::kText);
        p.drawText(QPointF(fs::kPad, fs::kPad + fs::metrics(font).ascent()), fs::qstr(m_f.title));
    }
}

void CurvePainter::paintAxes(QPainter& p) const {
    paintTicks(p);
    p.setPen(QPen(fs::kFrame, fs::kFrameWidth));
    p.setBrush(Qt::NoBrush);
    p.drawRect(m_plot);
    const QFont axisFont = fs::font(fs::kAxisPt);
    const QFontMetricsF am = fs::metrics(axisFont), tm = fs::metrics(fs::font(fs::kTickPt));
    p.setFont(axisFont);
    p.setPen(fs::kText);
    const double xLabelTop = m_plot.bottom() + fs::kTickLen + tm.height() + 4.0;
    const QString xLabel = fs::qstr(m_f.xLabel), yLabel = fs::qstr(m_f.yLabel);
    p.drawText(QPointF(m_plot.center().x() - am.horizontalAdvance(xLabel) / 2.0, xLabelTop + am.ascent()),
               xLabel);
    p.save();
    p.translate(fs::kPad + am.ascent(), m_plot.center().y() + am.horizontalAdvance(yLabel) / 2.0);
    p.rotate(-90.0); // reads bottom to top, beside the axis
    p.drawText(QPointF(0.0, 0.0), yLabel);
    p.restore();
}

// Tick values are in axis units (log10 on a log axis): placed directly, not through toPoint.
void CurvePainter::paintTicks(QPainter& p) const {
    const QFont tickFont = fs::font(fs::kTickPt);
    const QFontMetricsF tm = fs::metrics(tickFont);
    const QPen grid(QColor(225, 225, 225), 0.5), tickPen(fs::kFrame, fs::kFrameWidth);
    p.setFont(tickFont);
    for (const Tick& t : m_yTicks) {
        const double y = m_plot.bottom() - (t.value - m_y.lo) / (m_y.hi - m_y.lo) * m_plot.height();
        p.setPen(grid);
        p.drawLine(QPointF(m_plot.left(), y), QPointF(m_plot.right(), y));
        p.setPen(tickPen);
        p.drawLine(QPointF(m_plot.left() - fs::kTickLen, y), QPointF(m_plot.left(), y));
        p.setPen(fs::kText);
        const QString label = fs::qstr(t.label);
        p.drawText(QPointF(m_plot.left() - fs::kTickLen - 3.0 - tm.horizontalAdvance(label),
                           y + (tm.ascent() - tm.descent()) / 2.0),
                   label);
    }
    for (const Tick& t : m_xTicks) {
        const double x = m_plot.left() + (t.value - m_x.lo) / (m_x.hi - m_x.lo) * m_plot.width();
        p.setPen(tickPen);
        p.drawLine(QPointF(x, m_plot.bottom()), QPointF(x, m_plot.bottom() + fs::kTickLen));
        p.setPen(fs::kText);
        const QString label = fs::qstr(t.label);
        p.drawText(
            QPointF(x - tm.horizontalAdvance(label) / 2.0, m_plot.bottom() + fs::kTickLen + tm.ascent()),
            label);
    }
}

void CurvePainter::paintSeries(QPainter& p) const {
    p.save();
    p.setClipRect(m_plot);
    for (std::size_t i = 0; i < m_f.series.size(); ++i) {
        const CurveSeries& s = m_f.series[i];
        QPainterPath path;
        for (std::size_t k = 0; k < s.xs.size(); ++k) {
            const QPointF pt = toPoint(s.xs[k], s.ys[k]);
            if (k == 0)
                path.moveTo(pt);
            else
                path.lineTo(pt);
        }
        const QPen pen = seriesPen(i);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
        p.setPen(QPen(pen.color(), 0.8));
        p.setBrush(pen.color());
        for (std::size_t k = 0; k < s.xs.size(); ++k)
            p.drawEllipse(toPoint(s.xs[k], s.ys[k]), kMarker, kMarker);
    }
    p.restore();
}

void CurvePainter::paintLegend(QPainter& p) const {
    const QFont font = fs::font(fs::kTickPt);
    const QFontMetricsF fm = fs::metrics(font);
    p.setFont(font);
    for (std::size_t i = 0; i < m_names.size(); ++i) {
        const double y = m_legend.top() + fm.lineSpacing() * (static_cast<double>(i) + 0.5);
        const QPen pen = seriesPen(i);
        p.setPen(pen);
        p.drawLine(QPointF(m_legend.left(), y), QPointF(m_legend.left() + kSwatch, y));
        p.setBrush(pen.color());
        p.setPen(QPen(pen.color(), 0.8));
        p.drawEllipse(QPointF(m_legend.left() + kSwatch / 2.0, y), kMarker, kMarker);
        p.setPen(fs::kText);
        p.drawText(QPointF(m_legend.left() + kSwatch + 4.0, y + (fm.ascent() - fm.descent()) / 2.0),
                   m_names[i]);
    }
}

} // namespace sinkscope
