#include "views/plot_axes.h"

#include <QLinearGradient>

#include <algorithm>
#include <cmath>

namespace sinkscope::plot {

namespace {
constexpr double kGap = 3.0; // tick mark to its label
constexpr int kGradientStops = 64;

bool allWhole(const std::vector<Tick>& ticks) {
    return std::all_of(ticks.begin(), ticks.end(),
                       [](const Tick& t) { return std::abs(t.value - std::round(t.value)) < 1e-9; });
}
} // namespace

int ticksThatFit(double length, double labelExtent) {
    if (!(labelExtent > 0.0)) return 2;
    return std::max(2, static_cast<int>(length / (2.0 * labelExtent)) + 1);
}

std::vector<Tick> linearTicks(double lo, double hi, int maxTicks, bool integers) {
    if (!(hi > lo)) return {{lo, formatNumber(lo, integers ? 0 : 2)}};
    const ColourRange range{lo, hi, false};
    if (!integers) return colourbarTicks(range, maxTicks);
    // Fewer ticks mean coarser steps; a step of at least one is whole unless it is 2.5.
    for (int n = std::max(2, maxTicks); n >= 2; --n) {
        std::vector<Tick> ticks = colourbarTicks(range, n);
        if (allWhole(ticks) && !ticks.empty()) return ticks;
    }
    std::vector<Tick> ticks; // a span below two: every whole value in it
    for (double v = std::ceil(lo); v <= hi; v += 1.0)
        ticks.push_back({v, formatNumber(v, 0)});
    return ticks;
}

std::vector<Tick> logTicks(double log10Lo, double log10Hi, int maxTicks) {
    if (!(log10Hi > log10Lo)) log10Hi = log10Lo + 1.0;
    return colourbarTicks(ColourRange{log10Lo, log10Hi, true}, maxTicks);
}

double widestLabel(const QFontMetricsF& fm, const std::vector<Tick>& ticks) {
    double w = 0.0;
    for (const Tick& t : ticks)
        w = std::max(w, fm.horizontalAdvance(QString::fromStdString(t.label)));
    return w;
}

void drawLeftTicks(QPainter& p, const QRectF& area, const std::vector<Tick>& ticks,
                   const std::function<double(double)>& toY, const QColor& text, bool grid) {
    const QFontMetricsF fm(p.font());
    for (const Tick& t : ticks) {
        const double y = toY(t.value);
        if (y < area.top() - 0.5 || y > area.bottom() + 0.5) continue;
        if (grid) {
            p.setPen(QPen(QColor(0, 0, 0, 28), 1));
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        }
        p.setPen(QPen(text, 1));
        p.drawLine(QPointF(area.left() - kTickLen, y), QPointF(area.left(), y));
        const QString label = QString::fromStdString(t.label);
        const double w = fm.horizontalAdvance(label);
        p.drawText(QPointF(area.left() - kTickLen - kGap - w, y + (fm.ascent() - fm.descent()) / 2.0), label);
    }
}

void drawBottomTicks(QPainter& p, const QRectF& area, const std::vector<Tick>& ticks,
                     const std::function<double(double)>& toX, const QColor& text, bool grid) {
    const QFontMetricsF fm(p.font());
    for (const Tick& t : ticks) {
        const double x = toX(t.value);
        if (x < area.left() - 0.5 || x > area.right() + 0.5) continue;
        if (grid) {
            p.setPen(QPen(QColor(0, 0, 0, 28), 1));
            p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
        }
        p.setPen(QPen(text, 1));
        p.drawLine(QPointF(x, area.bottom()), QPointF(x, area.bottom() + kTickLen));
        const QString label = QString::fromStdString(t.label);
        const double w = fm.horizontalAdvance(label);
        p.drawText(QPointF(x - w / 2.0, area.bottom() + kTickLen + kGap + fm.ascent()), label);
    }
}

std::vector<Tick> colourBarTicks(const ColourRange& range, double height, double lineHeight) {
    const int fit = ticksThatFit(height, lineHeight);
    std::vector<Tick> ticks;
    for (int n = fit; n <= fit + 4; ++n) {
        ticks = colourbarTicks(range, n);
        if (ticks.size() >= 2) break;
    }
    return ticks;
}

double colourBarThickness(const QFontMetricsF& fm) {
    return std::round(fm.height() * 0.7);
}

double colourBarWidth(const QFontMetricsF& fm, const ColourRange& range, double height,
                      const QString& label) {
    const auto ticks = colourBarTicks(range, height, fm.height());
    double w = colourBarThickness(fm) + kTickLen + kGap + widestLabel(fm, ticks);
    if (!label.isEmpty()) w += kGap * 2 + fm.height();
    return w;
}

void drawColourBar(QPainter& p, const QRectF& bar, Colormap colormap, const ColourRange& range,
                   const QString& label, const QColor& text) {
    QLinearGradient gradient(bar.bottomLeft(), bar.topLeft());
    for (int i = 0; i <= kGradientStops; ++i) {
        const double t = static_cast<double>(i) / kGradientStops;
        const Rgb c = colormapRgb(colormap, t);
        gradient.setColorAt(t, QColor(c.r, c.g, c.b));
    }
    p.fillRect(bar, gradient);
    p.setPen(QPen(text, 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(bar);
    const QFontMetricsF fm(p.font());
    const auto ticks = colourBarTicks(range, bar.height(), fm.height());
    const auto toY = [&](double v) {
        return bar.bottom() - (v - range.lo) / (range.hi - range.lo) * bar.height();
    };
    for (const Tick& t : ticks) {
        const double y = toY(t.value);
        p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + kTickLen, y));
        p.drawText(QPointF(bar.right() + kTickLen + kGap, y + (fm.ascent() - fm.descent()) / 2.0),
                   QString::fromStdString(t.label));
    }
    if (label.isEmpty()) return;
    const double x = bar.right() + kTickLen + kGap + widestLabel(fm, ticks) + kGap * 2 + fm.ascent();
    const QString shown = fm.elidedText(label, Qt::ElideRight, bar.height());
    p.save();
    p.translate(x, bar.center().y());
    p.rotate(-90.0); // reads bottom to top, like a y-axis caption
    p.drawText(QPointF(-fm.horizontalAdvance(shown) / 2.0, 0.0), shown);
    p.restore();
}

} // namespace sinkscope::plot
