#include "views/head_grid.h"

#include "figures/colormap.h"

#include <QFontMetricsF>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace {
constexpr int kLabel = 28; // room for the layer / head labels at the default font

// The labels' room grows with the font (classroom mode's large type) so "L11" and "h15" fit.
double labelSpace(const QFontMetricsF& fm) {
    return std::max<double>(kLabel, fm.horizontalAdvance("L00") + 2);
}
} // namespace

HeadGrid::HeadGrid(QWidget* parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(160, 120);
    setToolTip(
        "alpha_0 per (layer, head): click opens a head, shift-click selects heads for an intervention scope");
}

void HeadGrid::setValues(const std::vector<std::vector<double>>& values, double threshold) {
    const bool rowsChanged = values.size() != m_values.size();
    m_values = values;
    m_threshold = threshold;
    if (rowsChanged) updateGeometry(); // the minimum height follows the layer count
    update();
}

void HeadGrid::setFrameValues(const std::vector<std::vector<double>>& values) {
    m_frameValues = values;
    update();
}

bool HeadGrid::framed(int layer, int head) const {
    const auto& v = m_frameValues.empty() ? m_values : m_frameValues;
    if (layer < 0 || layer >= static_cast<int>(v.size())) return false;
    const auto& row = v[static_cast<std::size_t>(layer)];
    return head >= 0 && head < static_cast<int>(row.size()) &&
           row[static_cast<std::size_t>(head)] > m_threshold;
}

void HeadGrid::setCurrent(int layer, int head) {
    m_layer = layer;
    m_head = head;
    update();
}

void HeadGrid::clearSelection() {
    m_selection.clear();
    update();
    Q_EMIT selectionChanged();
}

void HeadGrid::setLit(const std::set<std::pair<int, int>>& heads) {
    m_lit = heads;
    update();
}

QSize HeadGrid::sizeHint() const {
    return {320, 240};
}

// A row per layer at least a line of text tall, so that a small model's values stay readable when
// the panel above or below takes the room (classroom type on a 720-line screen squeezed the rows
// to slivers); a deep model asks for eight lines in all and its rows get what they get.
QSize HeadGrid::minimumSizeHint() const {
    const QFontMetricsF fm(font());
    const double label = labelSpace(fm);
    const int rows = std::clamp(static_cast<int>(m_values.size()), 1, 8);
    return {static_cast<int>(std::ceil(2 * label)), static_cast<int>(std::ceil(label + rows * fm.height()))};
}

QRectF HeadGrid::cellRect(int layer, int head) const {
    const int layers = static_cast<int>(m_values.size());
    const int heads = layers ? static_cast<int>(m_values[0].size()) : 1;
    const double label = labelSpace(QFontMetricsF(font()));
    const double w = (width() - label) / static_cast<double>(std::max(heads, 1));
    const double h = (height() - label) / static_cast<double>(std::max(layers, 1));
    return {label + head * w, label + layer * h, w, h};
}

void HeadGrid::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().window());
    if (m_values.empty()) return;
    const int layers = static_cast<int>(m_values.size()), heads = static_cast<int>(m_values[0].size());
    p.setPen(palette().windowText().color());
    const double label = labelSpace(QFontMetricsF(font()));
    // The values in the cells: the widget's font, made smaller where "0.00" would not fit a cell
    // (many heads, or classroom mode's large type), and left out below 7 pt.
    QFont valueFont = font();
    {
        const QRectF cell = cellRect(0, 0).adjusted(1, 1, -1, -1);
        const QFontMetricsF fm(valueFont);
        const double fit =
            std::min((cell.width() - 4) / fm.horizontalAdvance("0.00"), (cell.height() - 2) / fm.height());
        if (fit < 1.0 && valueFont.pointSizeF() > 0) valueFont.setPointSizeF(valueFont.pointSizeF() * fit);
        if (fit < 1.0 && valueFont.pointSizeF() <= 0)
            valueFont.setPixelSize(static_cast<int>(valueFont.pixelSize() * fit));
    }
    const bool values =
        valueFont.pointSizeF() > 0 ? valueFont.pointSizeF() >= 7.0 : valueFont.pixelSize() >= 9;
    for (int h = 0; h < heads; ++h)
        p.drawText(QRectF(cellRect(0, h).left(), 0, cellRect(0, h).width(), label), Qt::AlignCenter,
                   QString("h%1").arg(h));
    for (int l = 0; l < layers; ++l) {
        p.setPen(palette().windowText().color());
        p.drawText(QRectF(0, cellRect(l, 0).top(), label, cellRect(l, 0).height()), Qt::AlignCenter,
                   QString("L%1").arg(l));
        for (int h = 0; h < heads; ++h) {
            const double v = m_values[static_cast<std::size_t>(l)][static_cast<std::size_t>(h)];
            const Rgb c = colormapRgb(Colormap::Viridis, v);
            const QRectF r = cellRect(l, h).adjusted(1, 1, -1, -1);
            p.fillRect(r, QColor(c.r, c.g, c.b));
            p.setPen(lightness(c) > 55 ? Qt::black : Qt::white);
            if (values) {
                p.setFont(valueFont);
                p.drawText(r, Qt::AlignCenter, QString::number(v, 'f', 2));
                p.setFont(font());
            }
            if (framed(l, h)) {
                p.setPen(QPen(QColor(220, 50, 32), 2));
                p.drawRect(r.adjusted(1, 1, -1, -1));
            }
            if (m_lit.count({l, h})) {
                p.setPen(QPen(QColor(255, 190, 0), 3));
                p.drawRect(r.adjusted(4, 4, -4, -4));
            }
            if (m_selection.count({l, h})) {
                p.setPen(QPen(QColor(30, 144, 255), 3, Qt::DashLine));
                p.drawRect(r.adjusted(2, 2, -2, -2));
            }
        }
    }
    if (m_layer >= 0 && m_head >= 0) {
        p.setPen(QPen(palette().highlight().color(), 3));
        p.drawRect(cellRect(m_layer, m_head));
    }
}

void HeadGrid::mousePressEvent(QMouseEvent* e) {
    for (int l = 0; l < static_cast<int>(m_values.size()); ++l)
        for (int h = 0; h < static_cast<int>(m_values[0].size()); ++h) {
            if (!cellRect(l, h).contains(e->position())) continue;
            if (e->modifiers() & Qt::ShiftModifier) {
                if (!m_selection.erase({l, h})) m_selection.insert({l, h});
                update();
                Q_EMIT selectionChanged();
            } else {
                setCurrent(l, h);
                Q_EMIT headActivated(l, h);
            }
            return;
        }
}

void HeadGrid::keyPressEvent(QKeyEvent* e) {
    if (m_values.empty()) return QWidget::keyPressEvent(e);
    const int layers = static_cast<int>(m_values.size()), heads = static_cast<int>(m_values[0].size());
    int l = m_layer, h = m_head;
    switch (e->key()) {
    case Qt::Key_Up:
        l = std::max(0, l - 1);
        break;
    case Qt::Key_Down:
        l = std::min(layers - 1, l + 1);
        break;
    case Qt::Key_Left:
        h = std::max(0, h - 1);
        break;
    case Qt::Key_Right:
        h = std::min(heads - 1, h + 1);
        break;
    default:
        return QWidget::keyPressEvent(e);
    }
    setCurrent(l, h);
    Q_EMIT headActivated(l, h);
}

} // namespace sinkscope
