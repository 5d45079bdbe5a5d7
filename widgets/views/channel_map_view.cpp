#include "views/channel_map_view.h"

#include "figures/figure_style.h"
#include "figures/labels.h"
#include "views/plot_axes.h"
#include "views/pooled_image.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPolygonF>
#include <QScrollBar>
#include <QStyle>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sinkscope {

namespace fs = figure_style;

namespace {
constexpr int kScrollUnits = 16; // scroll bar steps per cell: smooth panning of fractional windows
constexpr double kMinColumns = 8.0, kMinRows = 4.0;
constexpr double kWheelStep = 1.0015; // per 1/8 degree of wheel: one notch zooms by about 20 %

bool contains(const std::vector<std::int64_t>& v, std::int64_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}
} // namespace

ChannelMapView::ChannelMapView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    m_hScroll = new QScrollBar(Qt::Horizontal, this);
    m_vScroll = new QScrollBar(Qt::Vertical, this);
    m_hScroll->setToolTip("channels on screen (wheel: zoom, Shift+wheel or drag: scroll)");
    m_vScroll->setToolTip("tokens on screen (Ctrl+wheel: zoom, drag: scroll)");
    m_hScroll->hide();
    m_vScroll->hide();
    connect(m_hScroll, &QScrollBar::valueChanged, this,
            [this](int v) { showColumns(static_cast<double>(v) / kScrollUnits, m_cols.count); });
    connect(m_vScroll, &QScrollBar::valueChanged, this,
            [this](int v) { showRows(static_cast<double>(v) / kScrollUnits, m_rows.count); });
    setToolTip("wheel: zoom the channels · Ctrl+wheel: the tokens · drag: pan · double-click: show all");
}

QSize ChannelMapView::minimumSizeHint() const {
    const QFontMetricsF fm(font());
    return {static_cast<int>(fm.height() * 16), static_cast<int>(fm.height() * 7)};
}

void ChannelMapView::setFigure(HeatmapFigure figure) {
    // Another map of the same shape (the next residual state) keeps the channels on screen.
    const bool sameShape = figure.rows == m_figure.rows && figure.cols == m_figure.cols;
    m_figure = std::move(figure);
    // A linear map is drawn from the figure's own values: no second tokens × channels buffer.
    m_transformed =
        m_figure.scale == MapScale::Linear || m_figure.rows == 0
            ? std::vector<float>{}
            : transformValues(m_figure.values.data(), m_figure.rows, m_figure.cols, m_figure.scale);
    RangeFinder finder;
    finder.add(m_transformed.empty() ? m_figure.values : m_transformed);
    m_range = finder.finish(m_figure.scale, m_figure.colormap, m_figure.vmin, m_figure.vmax);
    if (!sameShape) {
        m_rows = {0.0, static_cast<double>(std::max<std::int64_t>(1, m_figure.rows)), m_figure.rows};
        m_cols = {0.0, static_cast<double>(std::max<std::int64_t>(1, m_figure.cols)), m_figure.cols};
    }
    m_hoverRow = m_hoverCol = -1;
    measureRowLabels();
    relayout();
}

void ChannelMapView::showColumns(double first, double count) {
    if (m_cols.n == 0) return;
    const double n = static_cast<double>(m_cols.n);
    m_cols.count = std::clamp(count, std::min(n, kMinColumns), n);
    m_cols.first = std::clamp(first, 0.0, n - m_cols.count);
    relayout();
}

void ChannelMapView::showRows(double first, double count) {
    if (m_rows.n == 0) return;
    const double n = static_cast<double>(m_rows.n);
    m_rows.count = std::clamp(count, std::min(n, kMinRows), n);
    m_rows.first = std::clamp(first, 0.0, n - m_rows.count);
    relayout();
}

void ChannelMapView::showAll() {
    showRows(0.0, static_cast<double>(m_rows.n));
    showColumns(0.0, static_cast<double>(m_cols.n));
}

double ChannelMapView::toX(double col) const {
    return m_map.left() + (col - m_cols.first) / m_cols.count * m_map.width();
}

double ChannelMapView::toY(double row) const {
    return m_map.top() + (row - m_rows.first) / m_rows.count * m_map.height();
}

bool ChannelMapView::cellAt(QPointF pos, std::int64_t& row, std::int64_t& col) const {
    if (m_figure.rows == 0 || !m_map.contains(pos)) return false;
    const double c = m_cols.first + (pos.x() - m_map.left()) / m_map.width() * m_cols.count;
    const double r = m_rows.first + (pos.y() - m_map.top()) / m_map.height() * m_rows.count;
    col = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(c)), 0, m_cols.n - 1);
    row = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(r)), 0, m_rows.n - 1);
    return true;
}

QPointF ChannelMapView::cellCentre(std::int64_t row, std::int64_t col) const {
    return {toX(static_cast<double>(col) + 0.5), toY(static_cast<double>(row) + 0.5)};
}

// The widest row label sets the left margin; measured once per figure and font, over every token so
// the map does not shift while scrolling. Very long tokens are elided at about ten characters.
void ChannelMapView::measureRowLabels() {
    const QFontMetricsF fm(font());
    const double cap = fm.horizontalAdvance(QString(10, QChar('n')));
    double w = fm.horizontalAdvance(QString::number(std::max<std::int64_t>(0, m_figure.rows - 1)));
    for (const std::string& label : m_figure.rowLabels) {
        w = std::max(w, fm.horizontalAdvance(fs::qstr(displayLabel(label))));
        if (w >= cap) break;
    }
    m_rowLabelWidth = std::min(w, cap);
}

void ChannelMapView::relayout() {
    m_imageStale = true;
    m_rowLabels.clear();
    m_colLabels.clear();
    m_markLabels.clear();
    m_barTicks.clear();
    if (m_figure.rows == 0) {
        m_map = m_bar = {};
        m_hScroll->hide();
        m_vScroll->hide();
        update();
        return;
    }
    const QFontMetricsF fm(font());
    const double lh = fm.height(), gap = std::round(lh * 0.25), pad = std::round(lh * 0.4);
    const double mark = std::round(lh * 0.55);
    const double scrollBar = style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, this);
    const bool hScroll = m_cols.count < static_cast<double>(m_cols.n) - 1e-9;
    const bool vScroll = m_rows.count < static_cast<double>(m_rows.n) - 1e-9;
    const double rowMarks = m_figure.markedRows.empty() ? 0.0 : mark + gap;

    const double top = pad + (m_figure.markedCols.empty() ? 0.0 : lh + mark + gap);
    const double yCaption = m_figure.yLabel.empty() ? 0.0 : lh + gap;
    const double left = std::round(pad + yCaption + m_rowLabelWidth + gap + plot::kTickLen);
    const double bottom = plot::kTickLen + gap + lh + (m_figure.xLabel.empty() ? 0.0 : gap + lh) +
                          (hScroll ? gap + scrollBar : 0.0) + pad;
    const double mapH = std::max(8.0, std::floor(height() - top - bottom));
    const QString barLabel = fs::qstr(m_figure.colorbarLabel);
    const double barW = plot::colourBarWidth(fm, m_range, mapH, barLabel);
    const double right = rowMarks + (vScroll ? scrollBar + gap : 0.0) + 3 * gap + barW + pad;
    const double mapW = std::max(8.0, std::floor(width() - left - right));
    m_map = QRectF(left, top, mapW, mapH);
    const double afterMarks = m_map.right() + rowMarks + gap;
    m_bar = QRectF(std::round(afterMarks + (vScroll ? scrollBar + gap : 0.0) + 2 * gap), top,
                   plot::colourBarThickness(fm), mapH);
    m_barTicks = plot::colourBarTicks(m_range, mapH, lh);

    m_hScroll->setVisible(hScroll);
    m_vScroll->setVisible(vScroll);
    if (hScroll) m_hScroll->setGeometry(QRectF(left, height() - pad - scrollBar, mapW, scrollBar).toRect());
    if (vScroll) m_vScroll->setGeometry(QRectF(afterMarks, top, scrollBar, mapH).toRect());
    syncScrollBars();
    layoutLabels();
    update();
}

void ChannelMapView::syncScrollBars() {
    const auto sync = [](QScrollBar* bar, const MapWindow& w) {
        const QSignalBlocker quiet(bar);
        bar->setRange(0, static_cast<int>(std::lround((static_cast<double>(w.n) - w.count) * kScrollUnits)));
        bar->setPageStep(std::max(1, static_cast<int>(std::lround(w.count * kScrollUnits))));
        bar->setSingleStep(std::max(1, static_cast<int>(std::lround(w.count * kScrollUnits / 10))));
        bar->setValue(static_cast<int>(std::lround(w.first * kScrollUnits)));
    };
    sync(m_hScroll, m_cols);
    sync(m_vScroll, m_rows);
}

void ChannelMapView::layoutLabels() {
    const QFontMetricsF fm(font());
    const double lh = fm.height();
    const auto rowText = [&](std::int64_t r) {
        const QString full = m_figure.rowLabels.empty()
                                 ? QString::number(r)
                                 : fs::qstr(displayLabel(m_figure.rowLabels[static_cast<std::size_t>(r)]));
        return fm.elidedText(full, Qt::ElideRight, m_rowLabelWidth + 0.5);
    };
    const auto rowLabel = [&](std::int64_t r) {
        const QString text = rowText(r);
        const double w = fm.horizontalAdvance(text);
        const double y = toY(static_cast<double>(r) + 0.5);
        return AxisLabel{r, text, QRectF(m_map.left() - plot::kTickLen - 3.0 - w, y - lh / 2.0, w, lh)};
    };
    const auto visible = [&](const QRectF& r, bool vertical) {
        return vertical ? r.center().y() >= m_map.top() && r.center().y() <= m_map.bottom()
                        : r.center().x() >= m_map.left() && r.center().x() <= m_map.right();
    };
    // Sink tokens are always named; the other rows every `stride` rows where they fit between them.
    std::vector<AxisLabel> marked;
    for (std::int64_t r : m_figure.markedRows)
        if (r >= 0 && r < m_rows.n)
            if (AxisLabel l = rowLabel(r); visible(l.rect, true)) marked.push_back(l);
    const double pitch = m_map.height() / m_rows.count;
    const int stride = labelStride(pitch, lh + 1.0);
    const auto firstRow = static_cast<std::int64_t>(std::floor(m_rows.first));
    const auto lastRow =
        std::min<std::int64_t>(m_rows.n, static_cast<std::int64_t>(std::ceil(m_rows.first + m_rows.count)));
    for (std::int64_t r = (firstRow + stride - 1) / stride * stride; r < lastRow; r += stride) {
        if (contains(m_figure.markedRows, r)) continue;
        AxisLabel l = rowLabel(r);
        if (!visible(l.rect, true)) continue;
        const bool clash = std::any_of(marked.begin(), marked.end(), [&](const AxisLabel& m) {
            return std::abs(m.rect.center().y() - l.rect.center().y()) < lh + 1.0;
        });
        if (!clash) m_rowLabels.push_back(std::move(l));
    }
    m_rowLabels.insert(m_rowLabels.end(), marked.begin(), marked.end());
    std::sort(m_rowLabels.begin(), m_rowLabels.end(),
              [](const AxisLabel& a, const AxisLabel& b) { return a.index < b.index; });

    // Channel numbers: nice whole numbers from the figures' tick logic, at the cells' centres.
    const double widest = fm.horizontalAdvance(QString::number(std::max<std::int64_t>(0, m_cols.n - 1)));
    const double lo = std::max(0.0, std::ceil(m_cols.first - 0.5));
    const double hi =
        std::min(static_cast<double>(m_cols.n - 1), std::floor(m_cols.first + m_cols.count - 0.5));
    if (hi >= lo)
        for (const Tick& t : plot::linearTicks(lo, hi, plot::ticksThatFit(m_map.width(), widest), true)) {
            const auto c = static_cast<std::int64_t>(std::lround(t.value));
            const QString text = fs::qstr(t.label);
            const double w = fm.horizontalAdvance(text);
            const double x = toX(static_cast<double>(c) + 0.5);
            m_colLabels.push_back(
                {c, text, QRectF(x - w / 2.0, m_map.bottom() + plot::kTickLen + 3.0, w, lh)});
        }

    // Sink dimensions named above their marks, left to right, none over another.
    std::vector<std::int64_t> cols = m_figure.markedCols;
    std::sort(cols.begin(), cols.end());
    const double mark = std::round(lh * 0.55);
    double freeFrom = -1e9;
    for (std::int64_t c : cols) {
        if (c < 0 || c >= m_cols.n) continue;
        const QString text = QString("d%1").arg(c);
        const double w = fm.horizontalAdvance(text);
        const double x = toX(static_cast<double>(c) + 0.5);
        const QRectF r(x - w / 2.0, m_map.top() - mark - 1.0 - lh, w, lh);
        if (!visible(r, false) || r.left() < freeFrom) continue;
        m_markLabels.push_back({c, text, r});
        freeFrom = r.right() + fm.horizontalAdvance(' ');
    }
}

void ChannelMapView::renderMap() {
    m_imageStale = false;
    m_image = QImage(); // the old image goes before the new one is made
    const double dpr = devicePixelRatioF();
    const QSize pixels(std::max(1, static_cast<int>(std::lround(m_map.width() * dpr))),
                       std::max(1, static_cast<int>(std::lround(m_map.height() * dpr))));
    const bool linear = m_transformed.empty();
    PooledImage pooled =
        pooledImage(linear ? m_figure.values.data() : m_transformed.data(), m_rows, m_cols, m_map, pixels,
                    m_range, m_figure.colormap, fs::kBackground.rgb(), linear);
    m_image = std::move(pooled.image);
    m_imageRect = pooled.target;
}

void ChannelMapView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), fs::kBackground);
    p.setPen(fs::kText);
    if (m_figure.rows == 0) {
        p.drawText(rect(), Qt::AlignCenter, "run a prompt to see its residual channels");
        return;
    }
    if (m_imageStale) renderMap();
    const QFontMetricsF fm(font());
    const double lh = fm.height(), mark = std::round(lh * 0.55);
    p.save();
    p.setClipRect(m_map);
    p.drawImage(m_imageRect, m_image);
    p.restore();

    p.setRenderHint(QPainter::Antialiasing);
    // Marked columns (sink dimensions): a triangle above the map, and a frame where cells are wide.
    const double cellW = m_map.width() / m_cols.count, cellH = m_map.height() / m_rows.count;
    p.setBrush(fs::kMarked);
    for (std::int64_t c : m_figure.markedCols) {
        const double x = toX(static_cast<double>(c) + 0.5);
        if (x < m_map.left() || x > m_map.right()) continue;
        p.setPen(Qt::NoPen);
        p.drawPolygon(
            QPolygonF({QPointF(x, m_map.top() - 1.0), QPointF(x - mark / 2.0, m_map.top() - 1.0 - mark),
                       QPointF(x + mark / 2.0, m_map.top() - 1.0 - mark)}));
        if (cellW >= 3.0) {
            p.setPen(QPen(fs::kMarked, 1.5));
            p.setBrush(Qt::NoBrush);
            p.drawRect(
                QRectF(toX(static_cast<double>(c)), m_map.top(), cellW, m_map.height()).intersected(m_map));
            p.setBrush(fs::kMarked);
        }
    }
    for (std::int64_t r : m_figure.markedRows) {
        const double y = toY(static_cast<double>(r) + 0.5);
        if (y < m_map.top() || y > m_map.bottom()) continue;
        p.setPen(Qt::NoPen);
        p.drawPolygon(
            QPolygonF({QPointF(m_map.right() + 1.0, y), QPointF(m_map.right() + 1.0 + mark, y - mark / 2.0),
                       QPointF(m_map.right() + 1.0 + mark, y + mark / 2.0)}));
        if (cellH >= 3.0) {
            p.setPen(QPen(fs::kMarked, 1.5));
            p.setBrush(Qt::NoBrush);
            p.drawRect(
                QRectF(m_map.left(), toY(static_cast<double>(r)), m_map.width(), cellH).intersected(m_map));
            p.setBrush(fs::kMarked);
        }
    }
    p.setBrush(Qt::NoBrush);
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setPen(QPen(fs::kFrame, 1));
    p.drawRect(m_map);

    // The hovered cell, framed (at least a few pixels, so a one-pixel channel still shows).
    if (m_hoverRow >= 0) {
        QRectF cell(toX(static_cast<double>(m_hoverCol)), toY(static_cast<double>(m_hoverRow)), cellW, cellH);
        const QPointF c = cell.center();
        cell.setSize(cell.size().expandedTo(QSizeF(5, 5)));
        cell.moveCenter(c);
        p.save();
        p.setClipRect(m_map.adjusted(-3, -3, 3, 3));
        p.setPen(QPen(Qt::white, 3));
        p.drawRect(cell);
        p.setPen(QPen(QColor(0, 120, 215), 1.5));
        p.drawRect(cell);
        p.restore();
    }

    for (const AxisLabel& l : m_rowLabels) {
        const bool marked = contains(m_figure.markedRows, l.index);
        p.setPen(marked ? fs::kMarked : fs::kText);
        const double y = l.rect.center().y();
        p.drawLine(QPointF(m_map.left() - plot::kTickLen, y), QPointF(m_map.left(), y));
        p.drawText(QPointF(l.rect.left(), l.rect.top() + fm.ascent()), l.text);
    }
    p.setPen(fs::kText);
    for (const AxisLabel& l : m_colLabels) {
        const double x = l.rect.center().x();
        p.drawLine(QPointF(x, m_map.bottom()), QPointF(x, m_map.bottom() + plot::kTickLen));
        p.drawText(QPointF(l.rect.left(), l.rect.top() + fm.ascent()), l.text);
    }
    p.setPen(fs::kMarked);
    for (const AxisLabel& l : m_markLabels)
        p.drawText(QPointF(l.rect.left(), l.rect.top() + fm.ascent()), l.text);

    p.setPen(fs::kText);
    const double gap = std::round(lh * 0.25);
    if (!m_figure.xLabel.empty()) {
        const QString caption =
            fs::qstr(m_figure.xLabel) +
            (m_cols.count < static_cast<double>(m_cols.n) - 1e-9
                 ? QString(" (%1–%2 of %3)")
                       .arg(static_cast<std::int64_t>(m_cols.first))
                       .arg(static_cast<std::int64_t>(std::ceil(m_cols.first + m_cols.count)) - 1)
                       .arg(m_cols.n)
                 : QString(" (%1 channels)").arg(m_cols.n));
        const double w = fm.horizontalAdvance(caption);
        const double y = m_map.bottom() + plot::kTickLen + 3.0 + lh + gap;
        p.drawText(QPointF(std::max(m_map.left(), m_map.center().x() - w / 2.0), y + fm.ascent()), caption);
    }
    if (!m_figure.yLabel.empty()) {
        const QString caption = fm.elidedText(fs::qstr(m_figure.yLabel), Qt::ElideRight, m_map.height());
        p.save();
        p.translate(std::round(lh * 0.4) + fm.ascent(), m_map.center().y());
        p.rotate(-90.0);
        p.drawText(QPointF(-fm.horizontalAdvance(caption) / 2.0, 0.0), caption);
        p.restore();
    }
    plot::drawColourBar(p, m_bar, m_figure.colormap, m_range, fs::qstr(m_figure.colorbarLabel), fs::kText);
}

void ChannelMapView::resizeEvent(QResizeEvent*) {
    relayout();
}

void ChannelMapView::changeEvent(QEvent* e) {
    if (e->type() == QEvent::FontChange) {
        measureRowLabels();
        relayout();
    }
    QWidget::changeEvent(e);
}

void ChannelMapView::zoom(MapWindow& w, double factor, double anchor) {
    const double n = static_cast<double>(w.n);
    const double minimum = std::min(n, &w == &m_cols ? kMinColumns : kMinRows);
    const double count = std::clamp(w.count * factor, minimum, n);
    const double first = anchor - (anchor - w.first) * count / w.count;
    if (&w == &m_cols)
        showColumns(first, count);
    else
        showRows(first, count);
}

void ChannelMapView::wheelEvent(QWheelEvent* e) {
    if (m_figure.rows == 0 || m_map.isEmpty()) return;
    const QPoint delta = e->angleDelta();
    const QPointF pos = e->position();
    const double colAnchor = m_cols.first + (pos.x() - m_map.left()) / m_map.width() * m_cols.count;
    const double rowAnchor = m_rows.first + (pos.y() - m_map.top()) / m_map.height() * m_rows.count;
    const int along = delta.y() != 0 ? delta.y() : delta.x();
    if ((e->modifiers() & Qt::ShiftModifier) || delta.y() == 0) // scroll the channels sideways
        showColumns(m_cols.first - along / 120.0 * m_cols.count / 10.0, m_cols.count);
    else if (e->modifiers() & Qt::ControlModifier)
        zoom(m_rows, std::pow(kWheelStep, -along), std::clamp(rowAnchor, 0.0, static_cast<double>(m_rows.n)));
    else
        zoom(m_cols, std::pow(kWheelStep, -along), std::clamp(colAnchor, 0.0, static_cast<double>(m_cols.n)));
    std::int64_t row = 0, col = 0;
    if (cellAt(pos, row, col)) setHover(row, col);
    e->accept();
}

void ChannelMapView::mousePressEvent(QMouseEvent* e) {
    m_dragFrom = e->position();
}

void ChannelMapView::mouseMoveEvent(QMouseEvent* e) {
    if ((e->buttons() & Qt::LeftButton) && !m_map.isEmpty()) {
        const QPointF d = e->position() - m_dragFrom;
        m_dragFrom = e->position();
        const double dc = -d.x() / m_map.width() * m_cols.count, dr = -d.y() / m_map.height() * m_rows.count;
        m_cols.first = std::clamp(m_cols.first + dc, 0.0, static_cast<double>(m_cols.n) - m_cols.count);
        m_rows.first = std::clamp(m_rows.first + dr, 0.0, static_cast<double>(m_rows.n) - m_rows.count);
        relayout();
    }
    std::int64_t row = 0, col = 0;
    if (cellAt(e->position(), row, col))
        setHover(row, col);
    else
        setHover(-1, -1);
}

void ChannelMapView::mouseDoubleClickEvent(QMouseEvent*) {
    showAll();
}

void ChannelMapView::leaveEvent(QEvent*) {
    setHover(-1, -1);
}

void ChannelMapView::setHover(std::int64_t row, std::int64_t col) {
    if (row == m_hoverRow && col == m_hoverCol) return;
    m_hoverRow = row;
    m_hoverCol = col;
    update();
    Q_EMIT cellHovered(row, col);
}

void ChannelMapView::keyPressEvent(QKeyEvent* e) {
    const double centre = m_cols.first + m_cols.count / 2.0;
    switch (e->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoom(m_cols, 0.8, centre);
        break;
    case Qt::Key_Minus:
        zoom(m_cols, 1.25, centre);
        break;
    case Qt::Key_0:
        showAll();
        break;
    case Qt::Key_Left:
        showColumns(m_cols.first - m_cols.count / 10.0, m_cols.count);
        break;
    case Qt::Key_Right:
        showColumns(m_cols.first + m_cols.count / 10.0, m_cols.count);
        break;
    case Qt::Key_Up:
        showRows(m_rows.first - std::max(1.0, m_rows.count / 10.0), m_rows.count);
        break;
    case Qt::Key_Down:
        showRows(m_rows.first + std::max(1.0, m_rows.count / 10.0), m_rows.count);
        break;
    default:
        QWidget::keyPressEvent(e);
    }
}

} // namespace sinkscope
