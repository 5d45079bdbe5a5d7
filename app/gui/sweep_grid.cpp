#include "sweep_grid.h"

#include "figures/colormap.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace sinkscope::gui {

namespace {

constexpr int kCellHeight = 26;
constexpr int kMinCellWidth = 64;
constexpr int kMaxCellWidth = 150;
constexpr int kMaxLabel = 260; // longer model paths are elided from the left (the name is last)

} // namespace

SweepGrid::SweepGrid(QWidget* parent) : QWidget(parent) {
    setMouseTracking(false);
    setFocusPolicy(Qt::ClickFocus);
    setAccessibleName("Sink rate by model and intervention");
}

void SweepGrid::setData(QStringList rows, QStringList cols, std::vector<double> values) {
    m_rows = std::move(rows);
    m_cols = std::move(cols);
    m_values = std::move(values);
    m_pickedRow = m_pickedCol = -1;
    updateGeometry();
    update();
}

void SweepGrid::setPicked(int row, int col) {
    m_pickedRow = row;
    m_pickedCol = col;
    update();
}

int SweepGrid::labelWidth() const {
    int w = 40;
    for (const QString& r : m_rows)
        w = std::max(w, fontMetrics().horizontalAdvance(r) + 24);
    return std::min(w, kMaxLabel);
}

int SweepGrid::headerHeight() const {
    return fontMetrics().height() + 10;
}

QRect SweepGrid::cellRect(int row, int col) const {
    if (m_cols.isEmpty()) return {};
    const int left = labelWidth();
    // Wide enough for "100.0 %", never so wide that a row reads as one bar.
    const int cellW =
        std::clamp((width() - left - 4) / static_cast<int>(m_cols.size()), kMinCellWidth, kMaxCellWidth);
    return {left + col * cellW, headerHeight() + row * kCellHeight, cellW, kCellHeight};
}

QSize SweepGrid::sizeHint() const {
    const int w = labelWidth() + std::max<int>(1, static_cast<int>(m_cols.size())) * 110 + 4;
    return {w, headerHeight() + std::max<int>(1, static_cast<int>(m_rows.size())) * kCellHeight + 4};
}

void SweepGrid::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    if (m_rows.isEmpty() || m_cols.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, "Open a sweep trace to see its Sink rates");
        return;
    }
    const QFontMetrics fm = fontMetrics();
    p.setPen(palette().color(QPalette::Text));
    for (int c = 0; c < m_cols.size(); ++c) {
        const QRect cell = cellRect(0, c);
        const QRect head(cell.left(), 0, cell.width(), headerHeight());
        p.drawText(head.adjusted(4, 0, -4, 0), Qt::AlignCenter,
                   fm.elidedText(m_cols[c], Qt::ElideRight, head.width() - 8));
    }
    for (int r = 0; r < m_rows.size(); ++r) {
        const QRect label(0, headerHeight() + r * kCellHeight, labelWidth(), kCellHeight);
        p.setPen(palette().color(QPalette::Text));
        p.drawText(label.adjusted(4, 0, -8, 0), Qt::AlignVCenter | Qt::AlignRight,
                   fm.elidedText(m_rows[r], Qt::ElideLeft, label.width() - 12));
        for (int c = 0; c < m_cols.size(); ++c) {
            const QRect cell = cellRect(r, c).adjusted(1, 1, -1, -1);
            const double v = m_values[static_cast<std::size_t>(r * m_cols.size() + c)];
            if (!std::isfinite(v)) {
                p.fillRect(cell, palette().alternateBase());
                p.setPen(palette().color(QPalette::PlaceholderText));
                p.drawText(cell, Qt::AlignCenter, "–");
                continue;
            }
            const Rgb rgb = colormapRgb(Colormap::Viridis, std::clamp(v / 100.0, 0.0, 1.0));
            p.fillRect(cell, QColor(rgb.r, rgb.g, rgb.b));
            p.setPen(lightness(rgb) > 55 ? Qt::black : Qt::white);
            p.drawText(cell, Qt::AlignCenter, QString::number(v, 'f', 1) + " %");
        }
    }
    if (m_pickedRow >= 0 && m_pickedCol >= 0) {
        p.setPen(QPen(palette().color(QPalette::Highlight), 3));
        p.setBrush(Qt::NoBrush);
        p.drawRect(cellRect(m_pickedRow, m_pickedCol).adjusted(1, 1, -2, -2));
    }
}

void SweepGrid::mousePressEvent(QMouseEvent* e) {
    for (int r = 0; r < m_rows.size(); ++r)
        for (int c = 0; c < m_cols.size(); ++c)
            if (cellRect(r, c).contains(e->position().toPoint())) {
                setPicked(r, c);
                Q_EMIT cellPicked(r, c);
                return;
            }
}

bool SweepGrid::event(QEvent* e) {
    if (e->type() != QEvent::ToolTip) return QWidget::event(e);
    const auto* help = static_cast<QHelpEvent*>(e);
    for (int r = 0; r < m_rows.size(); ++r)
        for (int c = 0; c < m_cols.size(); ++c)
            if (cellRect(r, c).contains(help->pos())) {
                const double v = m_values[static_cast<std::size_t>(r * m_cols.size() + c)];
                QToolTip::showText(help->globalPos(),
                                   QString("%1\n%2\nSink rate %3 — click for its runs")
                                       .arg(m_rows[r], m_cols[c],
                                            std::isfinite(v) ? QString::number(v, 'f', 2) + " %" : "no runs"),
                                   this);
                return true;
            }
    QToolTip::hideText();
    e->ignore();
    return true;
}

} // namespace sinkscope::gui
