#include "figures/heatmap_painter.h"

#include "figures/colormap.h"
#include "figures/figure_style.h"
#include "figures/labels.h"
#include "figures/map_image.h"

#include <QPolygonF>

#include <algorithm>
#include <cmath>
#include <string>

namespace sinkscope {

namespace fs = figure_style;

namespace {
constexpr double kTargetSide = 480.0;    // a map shrinks its cells to about this size (points)
constexpr double kMaxCell = 20.0;        // ... and never grows them beyond this
constexpr double kMaxLabelWidth = 110.0; // longer token labels are elided
constexpr double kLabelGap = 2.0;        // tick mark to its label
constexpr double kAxisGap = 4.0;         // token labels to the axis caption
constexpr double kTitleGap = 8.0;
constexpr double kColorbarGap = 14.0;
constexpr double kMinColorbar = 120.0; // room for at least three ticks and the label
constexpr std::int64_t kMaxEmbeddedSide = 4096;
constexpr double kMark = 5.0;      // marked row / column triangles
constexpr double kMarkFrame = 3.0; // cells at least this wide get a frame around a marked column / row

// Cell size in points: fits kTargetSide, at least one device pixel, snapped to whole pixels so all
// cells are equally wide in the PNG.
double cellSize(std::int64_t n, double pixel) {
    const double ideal = std::clamp(kTargetSide / static_cast<double>(n), pixel, kMaxCell);
    return std::max(1.0, std::round(ideal / pixel)) * pixel;
}

QString labelFor(const std::vector<std::string>& labels, std::int64_t i) {
    if (labels.empty()) return QString::number(i);
    return fs::qstr(displayLabel(labels[static_cast<std::size_t>(i)]));
}
} // namespace

HeatmapPainter::HeatmapPainter(const HeatmapFigure& f) : m_f(f) {
    m_values = transformValues(f.values.data(), f.rows, f.cols, f.scale);
    RangeFinder finder;
    finder.add(m_values);
    m_range = finder.finish(f.scale, f.colormap, f.vmin, f.vmax);

    m_pixel = 72.0 / f.dpi;
    m_cellW = cellSize(f.cols, m_pixel);
    m_cellH = cellSize(f.rows, m_pixel);
    m_titleText = fs::qstr(f.title);
    m_xAxisText = fs::qstr(f.xLabel);
    m_yAxisText = fs::qstr(f.yLabel);
    std::string barLabel = f.colorbarLabel;
    if (f.scale == MapScale::RowNormalized) barLabel += barLabel.empty() ? "÷ row max" : " (÷ row max)";

    const QFontMetricsF titleFm = fs::metrics(fs::font(fs::kTitlePt, true));
    const QFontMetricsF axisFm = fs::metrics(fs::font(fs::kAxisPt));
    const QFontMetricsF tokenFm = fs::metrics(fs::font(fs::kTokenPt));

    // Left to right: y caption, row labels, ticks, map. Positions are snapped to device pixels so
    // the map image lands on whole pixels in the PNG.
    const auto snap = [&](double x) { return std::ceil(x / m_pixel - 1e-9) * m_pixel; };
    layoutLabels();
    double rowLabelWidth = 0.0, colLabelHeight = 0.0;
    for (const AxisLabel& l : m_yLabels)
        rowLabelWidth = std::max(rowLabelWidth, l.rect.width());
    for (const AxisLabel& l : m_xLabels)
        colLabelHeight = std::max(colLabelHeight, l.rect.height());
    const double yCaption = m_yAxisText.isEmpty() ? 0.0 : axisFm.height() + kAxisGap;
    const double titleBand = m_titleText.isEmpty() ? 0.0 : titleFm.height() + kTitleGap;
    // Marks sit in their own bands: above the map for columns, right of it for rows.
    const double colMarks = f.markedCols.empty() ? 0.0 : kMark + 1.0;
    const double rowMarks = f.markedRows.empty() ? 0.0 : kMark + 1.0;
    m_map = QRectF(snap(fs::kPad + yCaption + rowLabelWidth + kLabelGap + fs::kTickLen),
                   snap(fs::kPad + titleBand + colMarks), m_cellW * static_cast<double>(f.cols),
                   m_cellH * static_cast<double>(f.rows));
    for (AxisLabel& l : m_yLabels)
        l.rect.moveTo(m_map.left() + l.rect.left(), m_map.top() + l.rect.top());
    for (AxisLabel& l : m_xLabels)
        l.rect.moveTo(m_map.left() + l.rect.left(), m_map.bottom() + l.rect.top());

    const double labelsBottom = m_map.bottom() + fs::kTickLen + kLabelGap + colLabelHeight;
    m_colorbar.emplace(f.colormap, m_range, fs::qstr(barLabel), std::max(m_map.height(), kMinColorbar));
    m_colorbarPos = QPointF(m_map.right() + rowMarks + kColorbarGap, m_map.top());
    const QRectF bar = colorbarBounds();

    // Captions centred on the map; when longer than the map they start at its edge and grow away
    // from it, so they never run into the other axis.
    const double yw = axisFm.horizontalAdvance(m_yAxisText);
    m_yAxis = QRectF(fs::kPad, std::max(m_map.top(), m_map.center().y() - yw / 2.0), axisFm.height(), yw);
    const double xw = axisFm.horizontalAdvance(m_xAxisText);
    m_xAxis = QRectF(std::max(m_map.left(), m_map.center().x() - xw / 2.0), labelsBottom + kAxisGap, xw,
                     m_xAxisText.isEmpty() ? 0.0 : axisFm.height());
    if (m_xAxis.right() > bar.left() && m_xAxis.top() < bar.bottom())
        m_xAxis.moveTop(bar.bottom() + kAxisGap);

    double width = std::max({bar.right(), m_xAxis.right(), m_map.right() + tokenFm.height()});
    double height = std::max({labelsBottom, m_xAxis.bottom(), m_yAxis.bottom(), bar.bottom()});
    const double tw = titleFm.horizontalAdvance(m_titleText);
    m_title = QRectF(std::max(fs::kPad, m_map.center().x() - tw / 2.0), fs::kPad, tw,
                     m_titleText.isEmpty() ? 0.0 : titleFm.height());
    width = std::max(width, m_title.right());
    m_size = QSizeF(width + fs::kPad, height + fs::kPad);
}

// Label rects relative to the map's top-left (rows) or bottom-left (columns); the constructor moves
// them once the map is placed.
void HeatmapPainter::layoutLabels() {
    const QFontMetricsF fm = fs::metrics(fs::font(fs::kTokenPt));
    const double across = fm.height() + 1.0; // a label's size across its axis, with 1 pt air
    const auto elided = [&](const std::vector<std::string>& labels, std::int64_t i) {
        return fm.elidedText(labelFor(labels, i), Qt::ElideRight, kMaxLabelWidth);
    };
    for (std::int64_t r : thinnedIndices(m_f.rows, labelStride(m_cellH, across))) {
        const QString text = elided(m_f.rowLabels, r);
        const double w = fm.horizontalAdvance(text);
        const double cy = (static_cast<double>(r) + 0.5) * m_cellH;
        m_yLabels.push_back(
            {r, text, QRectF(-fs::kTickLen - kLabelGap - w, cy - fm.height() / 2.0, w, fm.height())});
    }
    for (std::int64_t c : thinnedIndices(m_f.cols, labelStride(m_cellW, across))) {
        const QString text = elided(m_f.colLabels, c);
        const double w = fm.horizontalAdvance(text);
        const double cx = (static_cast<double>(c) + 0.5) * m_cellW;
        m_xLabels.push_back(
            {c, text, QRectF(cx - fm.height() / 2.0, fs::kTickLen + kLabelGap, fm.height(), w)});
    }
}

void HeatmapPainter::paint(QPainter& p, bool vector) const {
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    p.fillRect(QRectF(QPointF(0, 0), m_size), fs::kBackground);

    paintCells(p, vector);
    p.setPen(QPen(fs::kFrame, fs::kFrameWidth));
    p.setBrush(Qt::NoBrush);
    p.drawRect(m_map);
    paintMarks(p);
    paintLabels(p);
    m_colorbar->paint(p, m_colorbarPos);

    if (!m_titleText.isEmpty()) {
        const QFont titleFont = fs::font(fs::kTitlePt, true);
        p.setFont(titleFont);
        p.setPen(fs::kText);
        p.drawText(QPointF(m_title.left(), m_title.top() + fs::metrics(titleFont).ascent()), m_titleText);
    }
}

void HeatmapPainter::paintCells(QPainter& p, bool vector) const {
    if (vector && m_f.rows * m_f.cols <= kMaxVectorCells) {
        // Each cell reaches a little into its right and lower neighbours, which are painted later
        // over it: without that, viewers show hairline seams between abutting rectangles.
        const auto table = colormapTable(m_f.colormap);
        const double ow = std::min(0.25, m_cellW * 0.1), oh = std::min(0.25, m_cellH * 0.1);
        const auto stored = [&](std::int64_t r, std::int64_t c) {
            return r < m_f.rows && c < m_f.cols &&
                   !std::isnan(m_values[static_cast<std::size_t>(r * m_f.cols + c)]);
        };
        p.setPen(Qt::NoPen);
        for (std::int64_t r = 0; r < m_f.rows; ++r) {
            for (std::int64_t c = 0; c < m_f.cols; ++c) {
                if (!stored(r, c)) continue;
                const double t = m_range.position(m_values[static_cast<std::size_t>(r * m_f.cols + c)]);
                const Rgb& rgb = table[static_cast<std::size_t>(std::lround(t * 255.0))];
                const QRectF cell(m_map.left() + static_cast<double>(c) * m_cellW,
                                  m_map.top() + static_cast<double>(r) * m_cellH,
                                  m_cellW + (stored(r, c + 1) ? ow : 0.0),
                                  m_cellH + (stored(r + 1, c) ? oh : 0.0));
                p.fillRect(cell, QColor(rgb.r, rgb.g, rgb.b));
            }
        }
        return;
    }
    // One image with whole device pixels per cell: exact in the PNG, crisp when embedded. Embedded
    // images stop growing at kMaxEmbeddedSide (still one pixel per cell at least): viewers scale them.
    const QImage cells = colourImage(m_values, m_f.rows, m_f.cols, m_range, m_f.colormap);
    const auto factor = [&](double cell, std::int64_t n) {
        const auto f = static_cast<int>(std::lround(cell / m_pixel));
        return vector ? static_cast<int>(std::clamp<std::int64_t>(kMaxEmbeddedSide / n, 1, f)) : f;
    };
    const QImage image = enlarge(cells, factor(m_cellW, m_f.cols), factor(m_cellH, m_f.rows));
    p.save();
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(m_map, image);
    p.restore();
}

void HeatmapPainter::paintLabels(QPainter& p) const {
    const QFont tokenFont = fs::font(fs::kTokenPt);
    const QFontMetricsF fm = fs::metrics(tokenFont);
    const double baseline = (fm.ascent() - fm.descent()) / 2.0; // centres glyphs on the tick
    const QPen tickPen(fs::kFrame, fs::kFrameWidth);
    p.setFont(tokenFont);
    for (const AxisLabel& l : m_yLabels) {
        const double cy = l.rect.center().y();
        p.setPen(tickPen);
        p.drawLine(QPointF(m_map.left() - fs::kTickLen, cy), QPointF(m_map.left(), cy));
        p.setPen(fs::kText);
        p.drawText(QPointF(l.rect.left(), cy + baseline), l.text);
    }
    for (const AxisLabel& l : m_xLabels) {
        const double cx = l.rect.center().x();
        p.setPen(tickPen);
        p.drawLine(QPointF(cx, m_map.bottom()), QPointF(cx, m_map.bottom() + fs::kTickLen));
        p.setPen(fs::kText);
        p.save();
        p.translate(cx, l.rect.top());
        p.rotate(-90.0); // reads bottom to top, ending at the map
        p.drawText(QPointF(-l.rect.height(), baseline), l.text);
        p.restore();
    }

    const QFont axisFont = fs::font(fs::kAxisPt);
    const QFontMetricsF afm = fs::metrics(axisFont);
    p.setFont(axisFont);
    p.setPen(fs::kText);
    if (!m_xAxisText.isEmpty())
        p.drawText(QPointF(m_xAxis.left(), m_xAxis.top() + afm.ascent()), m_xAxisText);
    if (!m_yAxisText.isEmpty()) {
        p.save();
        p.translate(m_yAxis.left() + afm.ascent(), m_yAxis.bottom());
        p.rotate(-90.0);
        p.drawText(QPointF(0.0, 0.0), m_yAxisText);
        p.restore();
    }
}

void HeatmapPainter::paintMarks(QPainter& p) const {
    if (m_f.markedCols.empty() && m_f.markedRows.empty()) return;
    p.save();
    const double top = m_map.top(), right = m_map.right();
    for (auto c : m_f.markedCols) {
        const QRectF column(m_map.left() + static_cast<double>(c) * m_cellW, top, m_cellW, m_map.height());
        p.setPen(Qt::NoPen);
        p.setBrush(fs::kMarked);
        const double cx = column.center().x();
        p.drawPolygon(QPolygonF({QPointF(cx - kMark / 2, top - kMark - 1),
                                 QPointF(cx + kMark / 2, top - kMark - 1), QPointF(cx, top - 1)}));
        if (m_cellW >= kMarkFrame) {
            p.setPen(QPen(fs::kMarked, fs::kFrameWidth));
            p.setBrush(Qt::NoBrush);
            p.drawRect(column);
        }
    }
    for (auto r : m_f.markedRows) {
        const QRectF row(m_map.left(), top + static_cast<double>(r) * m_cellH, m_map.width(), m_cellH);
        p.setPen(Qt::NoPen);
        p.setBrush(fs::kMarked);
        const double cy = row.center().y();
        p.drawPolygon(QPolygonF({QPointF(right + 1, cy), QPointF(right + kMark + 1, cy - kMark / 2),
                                 QPointF(right + kMark + 1, cy + kMark / 2)}));
        if (m_cellH >= kMarkFrame) {
            p.setPen(QPen(fs::kMarked, fs::kFrameWidth));
            p.setBrush(Qt::NoBrush);
            p.drawRect(row);
        }
    }
    p.restore();
}

} // namespace sinkscope
