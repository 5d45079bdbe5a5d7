#include "views/heatmap_canvas.h"

#include "gl/gl_heatmap_view.h"
#include "views/heatmap_view.h"

#include <QGuiApplication>
#include <QLabel>
#include <QOpenGLContext>
#include <QVBoxLayout>
#include <algorithm>

namespace sinkscope {

bool HeatmapCanvas::openGlAvailable() {
    static const bool available = [] {
        if (qEnvironmentVariableIntValue("SINKSCOPE_SOFTWARE_HEATMAP") != 0) return false;
        // GL surfaces crash on these platforms in Qt 6.4 rather than failing cleanly.
        const QString platform = QGuiApplication::platformName();
        if (platform == "offscreen" || platform == "minimal") return false;
        QOpenGLContext context;
        QSurfaceFormat format;
        format.setVersion(3, 3);
        format.setProfile(QSurfaceFormat::CoreProfile);
        context.setFormat(format);
        return context.create() && context.format().version() >= qMakePair(3, 3);
    }();
    return available;
}

HeatmapCanvas::HeatmapCanvas(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    if (openGlAvailable()) {
        // What the map shows (model, layer, head, base / intervened / difference) in words; the GL
        // view draws cells and labels only.
        m_title = new QLabel;
        m_title->setObjectName("mapTitle");
        // One line, elided to the canvas's width: a wrapped label's minimum height grows without
        // bound as the window narrows, and this one must never widen or heighten the window.
        m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
        layout->addWidget(m_title);
        m_gl = new GlHeatmapView;
        m_glContainer = QWidget::createWindowContainer(m_gl, this);
        m_glContainer->setFocusPolicy(Qt::StrongFocus);
        m_glContainer->setMinimumSize(240, 200);
        layout->addWidget(m_glContainer, 1);
        connect(m_gl, &GlHeatmapView::hovered, this, &HeatmapCanvas::hovered);
        connect(m_gl, &GlHeatmapView::cellClicked, this, &HeatmapCanvas::cellClicked);
        connect(m_gl, &GlHeatmapView::headClicked, this, &HeatmapCanvas::headClicked);
    } else {
        m_raster = new HeatmapView;
        layout->addWidget(m_raster);
        connect(m_raster, &HeatmapView::hovered, this, &HeatmapCanvas::hovered);
        connect(m_raster, &HeatmapView::cellClicked, this, &HeatmapCanvas::cellClicked);
    }
    setFocusProxy(m_gl ? m_glContainer : static_cast<QWidget*>(m_raster));
}

void HeatmapCanvas::setFigure(HeatmapFigure figure) {
    if (m_gl) {
        m_fullTitle = QString::fromStdString(figure.title);
        showTitle();
        m_gl->setFigure(std::move(figure));
    } else
        m_raster->setFigure(std::move(figure));
}

void HeatmapCanvas::showTitle() {
    if (!m_title) return;
    m_title->setVisible(!m_fullTitle.isEmpty());
    m_title->setToolTip(m_fullTitle);
    m_title->setText(
        m_title->fontMetrics().elidedText(m_fullTitle, Qt::ElideMiddle, std::max(40, width() - 8)));
}

void HeatmapCanvas::resizeEvent(QResizeEvent* e) {
    QWidget::resizeEvent(e);
    showTitle();
}

const HeatmapFigure& HeatmapCanvas::figure() const {
    return m_gl ? m_gl->figure() : m_raster->figure();
}

void HeatmapCanvas::setHeadOverview(int layers, int heads, std::vector<double> values,
                                    std::vector<bool> marked, int currentLayer, int currentHead) {
    if (m_gl)
        m_gl->setHeadOverview(layers, heads, std::move(values), std::move(marked), currentLayer, currentHead);
}

void HeatmapCanvas::resetView() {
    if (m_gl)
        m_gl->resetView();
    else
        m_raster->resetView();
}

QImage HeatmapCanvas::grabImage() {
    if (m_gl) return m_gl->isExposed() ? m_gl->grabFramebuffer() : QImage();
    return m_raster->grab().toImage();
}

} // namespace sinkscope
