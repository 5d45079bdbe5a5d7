#include "views/image_overlay_view.h"

#include "figures/figure_style.h"
#include "views/plot_axes.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace {
constexpr double kFrameWidth = 2.0; // marked patches, widget pixels
} // namespace

ImageOverlayView::ImageOverlayView(QWidget* parent)
    : QWidget(parent), m_emptyText(QStringLiteral("no picture to show")) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setMouseTracking(true);
}

void ImageOverlayView::setPicture(const QImage& image) {
    if (image.isNull()) {
        setPicture(0, 0, {});
        return;
    }
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(rgb.width()) * rgb.height() * 3);
    const auto row = static_cast<std::size_t>(rgb.width()) * 3;
    for (int y = 0; y < rgb.height(); ++y)
        std::copy_n(rgb.constScanLine(y), row, bytes.data() + static_cast<std::size_t>(y) * row);
    setPicture(rgb.width(), rgb.height(), std::move(bytes));
}

void ImageOverlayView::setPicture(int width, int height, std::vector<std::uint8_t> rgb) {
    m_figure.width = width;
    m_figure.height = height;
    m_figure.rgb = std::move(rgb);
    rebuild();
}

void ImageOverlayView::setGrid(int rows, int cols, std::vector<float> values) {
    m_figure.gridRows = rows;
    m_figure.gridCols = cols;
    m_figure.values = std::move(values);
    rebuild();
}

void ImageOverlayView::setMarkedPatches(std::vector<std::int64_t> patches) {
    m_figure.markedPatches = std::move(patches);
    rebuild();
}

void ImageOverlayView::setOpacity(double opacity) {
    m_figure.opacity = std::isfinite(opacity) ? std::clamp(opacity, 0.0, 1.0) : 0.0;
    rebuild();
}

void ImageOverlayView::setColormap(Colormap colormap) {
    m_figure.colormap = colormap;
    rebuild();
}

void ImageOverlayView::setFigure(ImageOverlayFigure figure) {
    m_figure = std::move(figure);
    rebuild();
}

void ImageOverlayView::setEmptyText(const QString& text) {
    m_emptyText = text;
    update();
}

void ImageOverlayView::rebuild() {
    const auto bytes = static_cast<std::size_t>(std::max(0, m_figure.width)) *
                       static_cast<std::size_t>(std::max(0, m_figure.height)) * 3;
    if (m_figure.width > 0 && m_figure.height > 0 && m_figure.rgb.size() == bytes)
        m_layers.emplace(m_figure);
    else
        m_layers.reset();
    relayout();
    if (m_hover >= 0 && (!m_layers || m_hover >= m_layers->gridRows() * m_layers->gridCols()))
        setHover(-1); // the patch is gone
    else if (m_hover >= 0)
        Q_EMIT hovered(readout(m_hover)); // same patch, new value
}

// The picture and the colour bar side by side, centred, as large as the widget allows.
void ImageOverlayView::relayout() {
    m_picture = m_bar = QRectF();
    if (m_layers) {
        const QFontMetricsF fm(font());
        const double pad = std::round(fm.height() * 0.5), gap = std::round(fm.height() * 0.6);
        const QRectF area = QRectF(rect()).adjusted(pad, pad, -pad, -pad);
        const bool bar = m_layers->hasGrid();
        const double barW =
            bar ? gap + plot::colourBarWidth(fm, m_layers->range(), area.height(), m_layers->colorbarLabel())
                : 0.0;
        const double w = m_figure.width, h = m_figure.height;
        const double s = std::max(0.0, std::min((area.width() - barW) / w, area.height() / h));
        const double pw = std::round(w * s), ph = std::round(h * s);
        if (pw >= 1.0 && ph >= 1.0) {
            const double left = std::round(area.left() + (area.width() - pw - barW) / 2.0);
            const double top = std::round(area.top() + (area.height() - ph) / 2.0);
            m_picture = QRectF(left, top, pw, ph);
            if (bar) m_bar = QRectF(m_picture.right() + gap, top, plot::colourBarThickness(fm), ph);
        }
    }
    update();
}

int ImageOverlayView::patchAt(QPointF pos) const {
    return m_layers ? static_cast<int>(m_layers->patchAt(m_picture, pos)) : -1;
}

QRectF ImageOverlayView::patchRect(int index) const {
    if (!m_layers || index < 0 || index >= m_layers->gridRows() * m_layers->gridCols()) return {};
    return m_layers->patchRect(m_picture, index);
}

QString ImageOverlayView::readout(int index) const {
    if (!m_layers || index < 0 || index >= m_layers->gridRows() * m_layers->gridCols()) return {};
    const int cols = m_layers->gridCols();
    const float v = m_figure.values[static_cast<std::size_t>(index)];
    QString text = QString("patch row %1, col %2 (#%3)").arg(index / cols).arg(index % cols).arg(index);
    const QString value = std::isfinite(v) ? QString::number(v, 'g', 4) : QStringLiteral("no value");
    const QString name = figure_style::qstr(m_figure.colorbarLabel);
    text += name.isEmpty() ? ": " + value : QString(" · %1 = %2").arg(name, value);
    const auto& marked = m_layers->marked();
    if (std::find(marked.begin(), marked.end(), index) != marked.end())
        text += " · " + figure_style::qstr(m_figure.markedLabel);
    return text;
}

void ImageOverlayView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    const QColor text = palette().text().color();
    if (!m_layers || m_picture.isEmpty()) {
        p.setPen(text);
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, m_emptyText);
        return;
    }
    m_layers->paint(p, m_picture, {kFrameWidth, false, 1.0});
    if (!m_bar.isEmpty())
        plot::drawColourBar(p, m_bar, m_layers->colormap(), m_layers->range(), m_layers->colorbarLabel(),
                            text);
    if (m_hover >= 0) { // white over black: visible on any picture
        const QRectF cell = m_layers->patchRect(m_picture, m_hover);
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(Qt::black, 3.0));
        p.drawRect(cell);
        p.setPen(QPen(Qt::white, 1.0));
        p.drawRect(cell);
    }
}

void ImageOverlayView::resizeEvent(QResizeEvent*) {
    relayout();
}

void ImageOverlayView::changeEvent(QEvent* e) {
    if (e->type() == QEvent::FontChange) relayout();
    QWidget::changeEvent(e);
}

void ImageOverlayView::setHover(int index) {
    if (index == m_hover) return;
    m_hover = index;
    update();
    Q_EMIT patchHovered(index);
    Q_EMIT hovered(readout(index));
}

void ImageOverlayView::mouseMoveEvent(QMouseEvent* e) {
    setHover(patchAt(e->position()));
}

void ImageOverlayView::mousePressEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton) return QWidget::mousePressEvent(e);
    if (const int i = patchAt(e->position()); i >= 0) Q_EMIT patchClicked(i);
}

void ImageOverlayView::leaveEvent(QEvent*) {
    setHover(-1);
}

bool ImageOverlayView::event(QEvent* e) {
    if (e->type() != QEvent::ToolTip) return QWidget::event(e);
    const auto* help = static_cast<QHelpEvent*>(e);
    if (const int i = patchAt(help->pos()); i >= 0)
        QToolTip::showText(help->globalPos(), readout(i), this);
    else
        QToolTip::hideText();
    return true;
}

} // namespace sinkscope
