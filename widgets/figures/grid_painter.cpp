#include "figures/grid_painter.h"

#include "figures/figure_style.h"
#include "figures/map_image.h"
#include "figures/ticks.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace sinkscope {

namespace fs = figure_style;

namespace {
constexpr double kTargetWidth = 560.0; // thumbnails shrink so the grid fits about this width
constexpr double kMinThumb = 28.0, kMaxThumb = 72.0;
constexpr double kGap = 6.0;
constexpr double kHeaderGap = 3.0;
constexpr double kColorbarGap = 16.0;
constexpr double kMinColorbar = 120.0, kMaxColorbar = 320.0;
constexpr double kMarkWidth = 1.6;
constexpr int kMaxThumbPx = 512;

std::size_t index(const GridFigure& f, int layer, int head) {
    return static_cast<std::size_t>(layer) * static_cast<std::size_t>(f.heads) +
           static_cast<std::size_t>(head);
}
} // namespace

GridPainter::GridPainter(const GridFigure& f) : m_f(f) {
    const double pixel = 72.0 / f.dpi;
    m_thumb =
        std::max(1.0, std::round(std::clamp(kTargetWidth / f.heads, kMinThumb, kMaxThumb) / pixel)) * pixel;
    // Thumbnail pixels stop at kMaxThumbPx (over 500 dpi already): many heads at a high dpi would
    // otherwise hold gigabytes of thumbnails; drawImage scales them up.
    const int thumbPx = std::min(kMaxThumbPx, static_cast<int>(std::lround(m_thumb / pixel)));

    // One pass: transform, widen the shared range, pool. Only thumbnails are kept, so a grid of
    // many long maps costs one map's transform at a time.
    RangeFinder finder;
    const bool diverging = f.colormap == Colormap::Diverging && f.scale != MapScale::Log;
    std::vector<std::vector<float>> pooled;
    std::vector<std::pair<std::int64_t, std::int64_t>> shapes;
    for (const HeatmapFigure& cell : f.cells) {
        const auto values = transformValues(cell.values.data(), cell.rows, cell.cols, f.scale);
        finder.add(values);
        const std::int64_t r = std::min<std::int64_t>(cell.rows, thumbPx),
                           c = std::min<std::int64_t>(cell.cols, thumbPx);
        pooled.push_back(maxPool(values, cell.rows, cell.cols, r, c, diverging));
        shapes.emplace_back(r, c);
    }
    m_range = finder.finish(f.scale, f.colormap, NAN, NAN);
    for (std::size_t i = 0; i < pooled.size(); ++i) {
        const QImage img = colourImage(pooled[i], shapes[i].first, shapes[i].second, m_range, f.colormap);
        m_thumbs.push_back(img.scaled(thumbPx, thumbPx, Qt::IgnoreAspectRatio, Qt::FastTransformation));
    }

    const QFontMetricsF titleFm = fs::metrics(fs::font(fs::kTitlePt, true));
    const QFontMetricsF axisFm = fs::metrics(fs::font(fs::kAxisPt));
    const QFontMetricsF headerFm = fs::metrics(fs::font(fs::kTokenPt));
    const QFontMetricsF smallFm = fs::metrics(fs::font(fs::kSmallPt));
    m_titleText = fs::qstr(f.title);
    m_layerLabelWidth = headerFm.horizontalAdvance(QString::number(f.layers - 1));

    const double valueBand = f.cellValue.empty() ? 0.0 : smallFm.height() + 1.0;
    m_gapX = kGap;
    m_gapY = kGap + valueBand;
    const double titleBand = m_titleText.isEmpty() ? 0.0 : titleFm.height() + 8.0;
    const double top = fs::kPad + titleBand + axisFm.height() + kHeaderGap + headerFm.height() + kHeaderGap;
    const double left = fs::kPad + axisFm.height() + kHeaderGap + m_layerLabelWidth + kHeaderGap;
    m_origin = QPointF(std::ceil(left / pixel) * pixel, std::ceil(top / pixel) * pixel);
    const double gridW = f.heads * m_thumb + (f.heads - 1) * m_gapX;
    const double gridH = f.layers * m_thumb + (f.layers - 1) * m_gapY + valueBand;

    std::vector<std::string> legend;
    if (!f.cellValue.empty()) legend.push_back("number under each head: " + f.cellValueLabel);
    if (std::find(f.marked.begin(), f.marked.end(), true) != f.marked.end())
        legend.push_back("red frame: " + f.markedLabel);
    for (const std::string& part : legend)
        m_legendText += (m_legendText.isEmpty() ? QString() : QStringLiteral("   ·   ")) + fs::qstr(part);
    m_legend = QRectF(m_origin.x(), m_origin.y() + gridH + kGap, smallFm.horizontalAdvance(m_legendText),
                      m_legendText.isEmpty() ? 0.0 : smallFm.height());

    const double barHeight = std::clamp(gridH, kMinColorbar, kMaxColorbar);
    m_colorbar.emplace(f.colormap, m_range, fs::qstr(f.colorbarLabel), barHeight);
    m_colorbarPos = QPointF(m_origin.x() + gridW + kColorbarGap, m_origin.y());
    const QRectF bar = colorbarBounds();

    const double tw = titleFm.horizontalAdvance(m_titleText);
    m_title = QRectF(std::max(fs::kPad, m_origin.x() + gridW / 2.0 - tw / 2.0), fs::kPad, tw,
                     m_titleText.isEmpty() ? 0.0 : titleFm.height());
    const double width = std::max({bar.right(), m_legend.right(), m_title.right()});
    const double height = std::max({m_origin.y() + gridH, m_legend.bottom(), bar.bottom()});
    m_size = QSizeF(width + fs::kPad, height + fs::kPad);
}

QRectF GridPainter::cellRect(int layer, int head) const {
    return {m_origin.x() + head * (m_thumb + m_gapX), m_origin.y() + layer * (m_thumb + m_gapY), m_thumb,
            m_thumb};
}

void GridPainter::paint(QPainter& p) const {
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    p.fillRect(QRectF(QPointF(0, 0), m_size), fs::kBackground);

    const QFont smallFont = fs::font(fs::kSmallPt);
    const QFontMetricsF smallFm = fs::metrics(smallFont);
    for (int l = 0; l < m_f.layers; ++l) {
        for (int h = 0; h < m_f.heads; ++h) {
            const QRectF r = cellRect(l, h);
            const std::size_t i = index(m_f, l, h);
            p.save();
            p.setRenderHint(QPainter::SmoothPixmapTransform, false);
            p.drawImage(r, m_thumbs[i]);
            p.restore();
            const bool marked = i < m_f.marked.size() && m_f.marked[i];
            p.setBrush(Qt::NoBrush);
            if (marked) {
                p.setPen(QPen(fs::kMarked, kMarkWidth));
                p.drawRect(r.adjusted(-kMarkWidth / 2, -kMarkWidth / 2, kMarkWidth / 2, kMarkWidth / 2));
            } else {
                p.setPen(QPen(fs::kFrame, fs::kFrameWidth * 0.75));
                p.drawRect(r);
            }
            if (i < m_f.cellValue.size()) {
                const QString text = fs::qstr(formatValue(m_f.cellValue[i]));
                p.setFont(smallFont);
                p.setPen(fs::kText);
                p.drawText(QPointF(r.center().x() - smallFm.horizontalAdvance(text) / 2.0,
                                   r.bottom() + 1.0 + kMarkWidth / 2 + smallFm.ascent()),
                           text);
            }
        }
    }
    paintHeaders(p);
    m_colorbar->paint(p, m_colorbarPos);

    if (!m_legendText.isEmpty()) {
        p.setFont(smallFont);
        p.setPen(fs::kText);
        p.drawText(QPointF(m_legend.left(), m_legend.top() + smallFm.ascent()), m_legendText);
    }
    if (!m_titleText.isEmpty()) {
        const QFont titleFont = fs::font(fs::kTitlePt, true);
        p.setFont(titleFont);
        p.setPen(fs::kText);
        p.drawText(QPointF(m_title.left(), m_title.top() + fs::metrics(titleFont).ascent()), m_titleText);
    }
}

// "head" and the head numbers above the columns, "layer" and the layer numbers left of the rows.
void GridPainter::paintHeaders(QPainter& p) const {
    const QFont headerFont = fs::font(fs::kTokenPt);
    const QFontMetricsF fm = fs::metrics(headerFont);
    const QFont axisFont = fs::font(fs::kAxisPt);
    const QFontMetricsF afm = fs::metrics(axisFont);
    p.setPen(fs::kText);
    p.setFont(headerFont);
    for (int h = 0; h < m_f.heads; ++h) {
        const QString text = QString::number(h);
        const QRectF r = cellRect(0, h);
        p.drawText(
            QPointF(r.center().x() - fm.horizontalAdvance(text) / 2.0, r.top() - kHeaderGap - fm.descent()),
            text);
    }
    for (int l = 0; l < m_f.layers; ++l) {
        const QString text = QString::number(l);
        const QRectF r = cellRect(l, 0);
        p.drawText(QPointF(r.left() - kHeaderGap - fm.horizontalAdvance(text),
                           r.center().y() + (fm.ascent() - fm.descent()) / 2.0),
                   text);
    }
    const QRectF first = cellRect(0, 0);
    const QRectF last = cellRect(m_f.layers - 1, m_f.heads - 1);
    p.setFont(axisFont);
    const QString head = QStringLiteral("head"), layer = QStringLiteral("layer");
    p.drawText(QPointF((first.left() + last.right()) / 2.0 - afm.horizontalAdvance(head) / 2.0,
                       first.top() - kHeaderGap - fm.height() - kHeaderGap - afm.descent()),
               head);
    p.save();
    p.translate(first.left() - kHeaderGap - m_layerLabelWidth - kHeaderGap - afm.descent(),
                (first.top() + last.bottom()) / 2.0 + afm.horizontalAdvance(layer) / 2.0);
    p.rotate(-90.0);
    p.drawText(QPointF(0.0, 0.0), layer);
    p.restore();
}

} // namespace sinkscope
