#include "views/norm_plot.h"

#include "figures/figure_style.h"
#include "views/plot_axes.h"

#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace {
const QColor kFirst(220, 50, 32);
const QColor kHover(0, 110, 200);
const QString kYCaption = "L2 norm (log)";
} // namespace

NormPlot::NormPlot(QWidget* parent) : QWidget(parent) {
    setMinimumHeight(120);
    setMouseTracking(true);
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
    m_hoverX = m_hoverToken = -1;
    update();
}

QFont NormPlot::figureFont() {
    QFont f(figure_style::kFontFamily);
    f.setPixelSize(13); // points in SVG and PDF, pixels before the PNG's 2x
    return f;
}

NormPlot::Axes NormPlot::axes(QSizeF size, const QFont& font) const {
    Axes a;
    if (m_norms.size() < 2 || m_norms[0].empty()) return a;
    double lo = INFINITY, hi = 0;
    for (const auto& s : m_norms)
        for (float v : s)
            if (v > 0) {
                lo = std::min(lo, static_cast<double>(v));
                hi = std::max(hi, static_cast<double>(v));
            }
    if (!(hi > 0)) return a;
    a.lo = std::log10(lo);
    a.hi = std::log10(hi);
    if (a.hi - a.lo < 1e-6) a.hi = a.lo + 1;
    const QFontMetricsF fm(font);
    const double lh = fm.height(), gap = std::round(lh * 0.25), pad = std::round(lh * 0.4);
    const double top = pad, bottom = plot::kTickLen + gap + lh + gap + lh + pad;
    const double h = std::max(8.0, size.height() - top - bottom);
    a.yTicks = plot::logTicks(a.lo, a.hi, plot::ticksThatFit(h, lh));
    const double last = static_cast<double>(m_norms.size() - 1);
    const double left = pad + lh + gap + plot::widestLabel(fm, a.yTicks) + plot::kTickLen + gap;
    const double widestX = fm.horizontalAdvance(QString::number(m_norms.size() - 1));
    const double w = std::max(8.0, size.width() - left - pad - widestX / 2.0);
    a.xTicks = plot::linearTicks(0.0, last, plot::ticksThatFit(w, widestX + lh), true);
    a.area = QRectF(std::round(left), top, std::floor(w), std::floor(h));
    return a;
}

QPointF NormPlot::point(const Axes& a, std::size_t x, float v) const {
    const double px =
        a.area.left() + a.area.width() * static_cast<double>(x) / static_cast<double>(m_norms.size() - 1);
    const double py =
        a.area.bottom() - a.area.height() * (std::log10(std::max(v, 1e-30f)) - a.lo) / (a.hi - a.lo);
    return {px, py};
}

void NormPlot::paintPlot(QPainter& p, QSizeF size, const QFont& font, bool hover) const {
    p.fillRect(QRectF(QPointF(0, 0), size), Qt::white);
    p.setFont(font);
    const QColor text = figure_style::kText;
    p.setPen(text);
    const Axes a = axes(size, font);
    if (a.area.isEmpty()) {
        p.drawText(QRectF(QPointF(0, 0), size), Qt::AlignCenter, m_what + " appear after a run");
        return;
    }
    const QFontMetricsF fm(font);
    const double lh = fm.height(), gap = std::round(lh * 0.25);
    plot::drawLeftTicks(
        p, a.area, a.yTicks,
        [&](double v) { return a.area.bottom() - a.area.height() * (v - a.lo) / (a.hi - a.lo); }, text, true);
    plot::drawBottomTicks(
        p, a.area, a.xTicks,
        [&](double v) {
            return a.area.left() + a.area.width() * v / static_cast<double>(m_norms.size() - 1);
        },
        text, true);
    p.setPen(text);
    p.setBrush(Qt::NoBrush);
    p.drawRect(a.area);
    // Centred under the plot, or under the whole width when longer than the plot; elided past that.
    const QString caption = fm.elidedText(m_xAxis, Qt::ElideRight, size.width());
    const double cw = fm.horizontalAdvance(caption);
    const double cx = std::clamp(a.area.center().x() - cw / 2.0, 0.0, std::max(0.0, size.width() - cw));
    p.drawText(QPointF(cx, a.area.bottom() + plot::kTickLen + gap + lh + gap + fm.ascent()), caption);
    p.save();
    p.translate(std::round(lh * 0.4) + fm.ascent(), a.area.center().y());
    p.rotate(-90);
    p.drawText(QPointF(-fm.horizontalAdvance(kYCaption) / 2.0, 0.0), kYCaption);
    p.restore();

    p.setRenderHint(QPainter::Antialiasing);
    p.save();
    p.setClipRect(a.area.adjusted(-2, -2, 2, 2));
    const std::size_t tokens = m_norms[0].size();
    const auto path = [&](std::size_t t) {
        QPainterPath line;
        for (std::size_t s = 0; s < m_norms.size(); ++s) {
            const float v = t < m_norms[s].size() ? m_norms[s][t] : 0.0f;
            if (s == 0)
                line.moveTo(point(a, s, v));
            else
                line.lineTo(point(a, s, v));
        }
        return line;
    };
    const double scale = lh / 15.0;          // the figure's lines thicken with its type
    for (std::size_t t = tokens; t-- > 0;) { // token 0 last, on top
        p.setPen(t == 0 ? QPen(kFirst, 2.5 * scale) : QPen(QColor(0, 0, 0, 60), 1 * scale));
        p.drawPath(path(t));
    }
    const bool hot = hover && m_hoverToken >= 0 && static_cast<std::size_t>(m_hoverToken) < tokens &&
                     m_hoverX >= 0 && static_cast<std::size_t>(m_hoverX) < m_norms.size();
    if (hot) {
        const auto t = static_cast<std::size_t>(m_hoverToken), x = static_cast<std::size_t>(m_hoverX);
        p.setPen(QPen(kHover, 2));
        p.drawPath(path(t));
        p.setBrush(kHover);
        p.drawEllipse(point(a, x, t < m_norms[x].size() ? m_norms[x][t] : 0.0f), 4, 4);
    }
    p.restore();
    if (hot) {
        const QString r = readout(m_hoverX, m_hoverToken);
        const QRectF box(a.area.left() + 4, a.area.top() + 3, fm.horizontalAdvance(r) + 8, lh + 2);
        p.fillRect(box, QColor(255, 255, 255, 220));
        p.setPen(kHover.darker(130));
        p.drawText(box, Qt::AlignCenter, r);
    }
}

void NormPlot::paintEvent(QPaintEvent*) {
    QPainter p(this);
    paintPlot(p, size(), font(), true);
}

void NormPlot::paintFigure(QPainter& p, QSizeF size) const {
    paintPlot(p, size, figureFont(), false);
}

QImage NormPlot::figureImage() const {
    QImage image(kFigureSize * 2, QImage::Format_RGB32);
    image.setDevicePixelRatio(2.0);
    QPainter p(&image);
    paintFigure(p, kFigureSize);
    p.end();
    image.setDevicePixelRatio(1.0);
    const int dotsPerMeter = static_cast<int>(std::lround(2 * 72 / 0.0254)); // prints at kFigureSize points
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    return image;
}

QString NormPlot::readout(int x, int token) const {
    if (x < 0 || token < 0 || static_cast<std::size_t>(x) >= m_norms.size() ||
        static_cast<std::size_t>(token) >= m_norms[static_cast<std::size_t>(x)].size())
        return {};
    const float v = m_norms[static_cast<std::size_t>(x)][static_cast<std::size_t>(token)];
    return QString("%1 %2 · token %3%4 · norm %5")
        .arg(m_xAxis.section(' ', 0, 0))
        .arg(x)
        .arg(token)
        .arg(token == 0 ? " (first)" : "")
        .arg(v, 0, 'g', 4);
}

bool NormPlot::pointAt(QPointF pos, int& x, int& token) const {
    const Axes a = axes(size(), font());
    if (a.area.isEmpty() || !a.area.adjusted(-4, -4, 4, 4).contains(pos)) return false;
    const double last = static_cast<double>(m_norms.size() - 1);
    const auto s = static_cast<std::size_t>(std::clamp(
        std::lround((pos.x() - a.area.left()) / a.area.width() * last), 0L, static_cast<long>(last)));
    double best = INFINITY;
    for (std::size_t t = 0; t < m_norms[s].size(); ++t) {
        const double d = std::abs(point(a, s, m_norms[s][t]).y() - pos.y());
        if (d < best) {
            best = d;
            token = static_cast<int>(t);
        }
    }
    x = static_cast<int>(s);
    return std::isfinite(best);
}

void NormPlot::setHover(int x, int token) {
    if (x == m_hoverX && token == m_hoverToken) return;
    m_hoverX = x;
    m_hoverToken = token;
    update();
    Q_EMIT hovered(readout(x, token));
}

void NormPlot::mouseMoveEvent(QMouseEvent* e) {
    int x = -1, token = -1;
    if (pointAt(e->position(), x, token))
        setHover(x, token);
    else
        setHover(-1, -1);
}

void NormPlot::leaveEvent(QEvent*) {
    setHover(-1, -1);
}

} // namespace sinkscope
