// GlHeatmapView: construction, the figure and overview it shows, the view (zoom and pan) with its
// coordinate mapping, and the frame's order. Tiles: gl_heatmap_tiles.cpp; overlay:
// gl_heatmap_overlay.cpp; input: gl_heatmap_input.cpp.
#include "gl/gl_heatmap_view.h"

#include "gl/gl_heatmap_layout.h"

#include <QOpenGLShaderProgram>

#include <algorithm>

namespace sinkscope {

namespace {
constexpr double kMaxPixelsPerCell = 64.0;
using namespace heatmap_layout;
} // namespace

GlHeatmapView::GlHeatmapView() : QOpenGLWindow(QOpenGLWindow::NoPartialUpdate) {
    QSurfaceFormat format;
    format.setVersion(3, 3);
    format.setProfile(QSurfaceFormat::CoreProfile);
    setFormat(format);
    setMinimumSize(QSize(240, 200));
    m_tileBuffer.resize(HeatmapPyramid::kTile * HeatmapPyramid::kTile);
    m_clock.start();
}

GlHeatmapView::~GlHeatmapView() {
    if (!m_imgui || !context()) return; // never shown: no GL resources
    makeCurrent();
    releaseRenderer();
    shutdownOverlay();
    doneCurrent();
}

void GlHeatmapView::setFigure(HeatmapFigure figure) {
    const bool sameShape = figure.rows == m_figure.rows && figure.cols == m_figure.cols;
    const bool sameColours = figure.colormap == m_figure.colormap;
    m_figure = std::move(figure);
    m_pyramid = HeatmapPyramid(m_figure);
    if (m_imgui) {
        makeCurrent();
        dropTiles();
        doneCurrent();
    }
    if (!sameColours) m_colormapDirty = true;
    if (!sameShape || m_atFit) resetView(); // an intervention toggle keeps the user's zoom
    update();
}

void GlHeatmapView::setHeadOverview(int layers, int heads, std::vector<double> values,
                                    std::vector<bool> marked, int currentLayer, int currentHead) {
    m_overview = {layers, heads, currentLayer, currentHead, std::move(values), std::move(marked)};
    update();
}

void GlHeatmapView::setOverlays(bool info, bool minimap) {
    m_showInfo = info;
    m_showMinimap = minimap;
    update();
}

QRectF GlHeatmapView::mapArea() const {
    return QRectF(kLeft, kTop, std::max(1.0, width() - double(kLeft + kRight)),
                  std::max(1.0, height() - double(kTop + kBottom)));
}

QPointF GlHeatmapView::cellAt(QPointF widgetPos) const {
    return m_topLeft + (widgetPos - mapArea().topLeft()) / m_ppc;
}

QPointF GlHeatmapView::widgetPosOfCell(double row, double col) const {
    return mapArea().topLeft() + (QPointF(col + 0.5, row + 0.5) - m_topLeft) * m_ppc;
}

void GlHeatmapView::resetView() {
    m_atFit = true;
    if (m_pyramid.empty()) return;
    const QRectF area = mapArea();
    const double rows = double(m_figure.rows), cols = double(m_figure.cols);
    m_ppc = std::min(area.width() / cols, area.height() / rows);
    m_topLeft = QPointF(-(area.width() / m_ppc - cols) / 2, -(area.height() / m_ppc - rows) / 2);
    update();
}

void GlHeatmapView::setView(double pixelsPerCell, QPointF topLeftCell) {
    m_ppc = std::clamp(pixelsPerCell, 1e-6, kMaxPixelsPerCell);
    m_topLeft = topLeftCell;
    m_atFit = false;
    update();
}

void GlHeatmapView::zoomAbout(double factor, QPointF widgetPos) {
    if (m_pyramid.empty()) return;
    const QPointF cell = cellAt(widgetPos);
    const QRectF area = mapArea();
    const double fit = std::min(area.width() / double(m_figure.cols), area.height() / double(m_figure.rows));
    m_ppc = std::clamp(m_ppc * factor, fit / 4, std::max(fit, kMaxPixelsPerCell));
    m_topLeft = cell - (widgetPos - area.topLeft()) / m_ppc; // the cell under the cursor stays put
    m_atFit = false;
    update();
}

void GlHeatmapView::panBy(QPointF pixels) {
    m_topLeft -= pixels / m_ppc;
    m_atFit = false;
    update();
}

bool GlHeatmapView::hoveredCell(std::int64_t& row, std::int64_t& col) const {
    if (m_pyramid.empty() || !m_mouseInside || !mapArea().contains(m_mouse)) return false;
    const QPointF c = cellAt(m_mouse);
    if (c.x() < 0 || c.y() < 0 || c.x() >= double(m_figure.cols) || c.y() >= double(m_figure.rows))
        return false;
    row = static_cast<std::int64_t>(c.y());
    col = static_cast<std::int64_t>(c.x());
    return true;
}

QRectF GlHeatmapView::minimapRect() const {
    if (!m_showMinimap || m_overview.layers <= 0 || m_overview.heads <= 0) return {};
    const QRectF area = mapArea();
    const QSizeF size(m_overview.heads * kMiniCell, m_overview.layers * kMiniCell);
    // On a small canvas the minimap would hide the map itself: the head grid dock shows the same.
    if (size.width() > area.width() / 3 || size.height() > area.height() / 3) return {};
    return QRectF(area.right() - size.width() - 8, area.top() + 22, size.width(), size.height());
}

void GlHeatmapView::initializeGL() {
    initializeOpenGLFunctions();
    initRenderer();
    initOverlay();
}

void GlHeatmapView::resizeGL(int, int) {
    if (m_atFit) resetView();
}

void GlHeatmapView::paintGL() {
    QElapsedTimer paintClock;
    paintClock.start();
    m_stats = {};
    const qreal dpr = devicePixelRatio();
    glViewport(0, 0, int(width() * dpr), int(height() * dpr));
    glClearColor(0.96f, 0.96f, 0.96f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    if (!m_pyramid.empty() && m_program->isLinked()) drawTiles();
    drawOverlay();
    m_stats.tilesCached = static_cast<int>(m_tiles.size());
    if (m_profiling) {
        glFinish();
        m_stats.paintMs = double(paintClock.nsecsElapsed()) / 1e6;
    }
}

} // namespace sinkscope
