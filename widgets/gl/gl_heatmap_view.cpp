#include "gl/gl_heatmap_view.h"

#include "figures/colormap.h"
#include "figures/labels.h"
#include "figures/readout.h"

#include <QFile>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLShaderProgram>
#include <QWheelEvent>

#include <fmt/format.h>

#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace sinkscope {

namespace {
constexpr double kMaxPixelsPerCell = 64.0;
constexpr float kLeft = 84, kRight = 64, kTop = 22, kBottom = 26; // margins for labels, colour bar
constexpr float kMiniCell = 11;                                   // minimap cell, pixels
constexpr const char* kFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// Token labels need more than ImGui's Latin-1 default: punctuation, arrows, U+FFFD.
const ImWchar kGlyphRanges[] = {0x0020, 0x024F, 0x2000, 0x206F, 0x2190, 0x21FF,
                                0x2580, 0x25FF, 0xFFFD, 0xFFFD, 0};

ImU32 colourAt(Colormap c, double t) {
    const Rgb rgb = colormapRgb(c, t);
    return IM_COL32(rgb.r, rgb.g, rgb.b, 255);
}

std::string axisLabel(const std::vector<std::string>& labels, std::int64_t i, std::size_t maxChars) {
    if (labels.empty()) return std::to_string(i);
    return displayLabel(labels[static_cast<std::size_t>(i)], maxChars);
}
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
    dropTiles();
    glDeleteTextures(1, &m_colormapTex);
    glDeleteBuffers(1, &m_vbo);
    glDeleteVertexArrays(1, &m_vao);
    m_program.reset();
    ImGui::SetCurrentContext(m_imgui);
    ImGui_ImplOpenGL3_Shutdown();
    ImGui::DestroyContext(m_imgui);
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
    m_program = std::make_unique<QOpenGLShaderProgram>();
    const bool ok = m_program->addShaderFromSourceFile(QOpenGLShader::Vertex, ":/shaders/heatmap.vert") &&
                    m_program->addShaderFromSourceFile(QOpenGLShader::Fragment, ":/shaders/heatmap.frag") &&
                    m_program->link();
    if (!ok) qWarning("heatmap shaders failed to build: %s", qPrintable(m_program->log()));

    glGenVertexArrays(1, &m_vao);
    glGenBuffers(1, &m_vbo);
    glBindVertexArray(m_vao);
    glBindBuffer(GL_ARRAY_BUFFER, m_vbo);
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(float), nullptr);
    glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(float),
                          reinterpret_cast<void*>(2 * sizeof(float)));
    glEnableVertexAttribArray(0);
    glEnableVertexAttribArray(1);
    glBindVertexArray(0);
    glGenTextures(1, &m_colormapTex);
    m_colormapDirty = true;

    ImGuiContext* previous = ImGui::GetCurrentContext();
    m_imgui = ImGui::CreateContext();
    ImGui::SetCurrentContext(m_imgui);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // overlays have no layout worth persisting
    io.LogFilename = nullptr;
    if (QFile::exists(kFontPath)) io.Fonts->AddFontFromFileTTF(kFontPath, 14.0f, nullptr, kGlyphRanges);
    ImGui::StyleColorsLight();
    ImGui_ImplOpenGL3_Init("#version 330 core");
    if (previous) ImGui::SetCurrentContext(previous);
}

void GlHeatmapView::resizeGL(int, int) {
    if (m_atFit) resetView();
}

void GlHeatmapView::uploadColormap() {
    const auto table = colormapTable(m_figure.colormap);
    std::uint8_t rgba[256 * 4];
    for (std::size_t i = 0; i < table.size(); ++i) {
        rgba[4 * i] = table[i].r;
        rgba[4 * i + 1] = table[i].g;
        rgba[4 * i + 2] = table[i].b;
        rgba[4 * i + 3] = 255;
    }
    glBindTexture(GL_TEXTURE_2D, m_colormapTex);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 256, 1, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    m_colormapDirty = false;
}

unsigned GlHeatmapView::tileTexture(int level, std::int64_t tx, std::int64_t ty) {
    const TileKey key{level, tx, ty};
    if (auto it = m_tiles.find(key); it != m_tiles.end()) {
        m_lru.splice(m_lru.begin(), m_lru, it->second.lru);
        return it->second.texture;
    }
    if (m_tiles.size() >= kMaxCachedTiles) {
        const TileKey oldest = m_lru.back();
        glDeleteTextures(1, &m_tiles[oldest].texture);
        m_tiles.erase(oldest);
        m_lru.pop_back();
    }
    m_pyramid.copyTile(level, tx, ty, m_tileBuffer.data());
    GLuint texture = 0;
    glGenTextures(1, &texture);
    glBindTexture(GL_TEXTURE_2D, texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 2);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R16, HeatmapPyramid::kTile, HeatmapPyramid::kTile, 0, GL_RED,
                 GL_UNSIGNED_SHORT, m_tileBuffer.data());
    m_lru.push_front(key);
    m_tiles.emplace(key, Tile{texture, m_lru.begin()});
    ++m_stats.tilesUploaded;
    return texture;
}

void GlHeatmapView::dropTiles() {
    for (auto& [key, tile] : m_tiles)
        glDeleteTextures(1, &tile.texture);
    m_tiles.clear();
    m_lru.clear();
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

void GlHeatmapView::drawTiles() {
    const QRectF area = mapArea();
    const qreal dpr = devicePixelRatio();
    const int level = m_pyramid.levelFor(1.0 / m_ppc);
    const double tileCells = double(HeatmapPyramid::kTile * HeatmapPyramid::span(level));
    const double rows = double(m_figure.rows), cols = double(m_figure.cols);
    const QPointF first = m_topLeft, last = m_topLeft + QPointF(area.width(), area.height()) / m_ppc;
    const auto clampTile = [](double cell, double cellsPerTile, std::int64_t n) {
        return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(cell / cellsPerTile)), 0, n - 1);
    };
    const std::int64_t tx0 = clampTile(first.x(), tileCells, m_pyramid.tilesX(level));
    const std::int64_t tx1 = clampTile(last.x(), tileCells, m_pyramid.tilesX(level));
    const std::int64_t ty0 = clampTile(first.y(), tileCells, m_pyramid.tilesY(level));
    const std::int64_t ty1 = clampTile(last.y(), tileCells, m_pyramid.tilesY(level));
    m_stats.level = level;

    // Quads clipped to the map's extent, so padding texels are never drawn.
    std::vector<unsigned> textures;
    m_vertices.clear();
    for (std::int64_t ty = ty0; ty <= ty1; ++ty) {
        for (std::int64_t tx = tx0; tx <= tx1; ++tx) {
            const double x0 = double(tx) * tileCells, y0 = double(ty) * tileCells;
            const double x1 = std::min(x0 + tileCells, cols), y1 = std::min(y0 + tileCells, rows);
            if (x1 <= first.x() || y1 <= first.y() || x0 >= last.x() || y0 >= last.y()) continue;
            const float u1 = float((x1 - x0) / tileCells), v1 = float((y1 - y0) / tileCells);
            const float corners[6][4] = {{float(x0), float(y0), 0, 0},   {float(x1), float(y0), u1, 0},
                                         {float(x0), float(y1), 0, v1},  {float(x1), float(y0), u1, 0},
                                         {float(x1), float(y1), u1, v1}, {float(x0), float(y1), 0, v1}};
            for (const auto& c : corners)
                m_vertices.insert(m_vertices.end(), c, c + 4);
            textures.push_back(tileTexture(level, tx, ty));
        }
    }
    m_stats.tilesDrawn = static_cast<int>(textures.size());
    if (textures.empty()) return;

    glDisable(GL_BLEND);
    glEnable(GL_SCISSOR_TEST);
    glScissor(int(area.left() * dpr), int((height() - area.bottom()) * dpr), int(area.width() * dpr),
              int(area.height() * dpr));
    m_program->bind();
    const double w = width(), h = height();
    m_program->setUniformValue("uCellToClipScale", QVector2D(float(2 * m_ppc / w), float(-2 * m_ppc / h)));
    m_program->setUniformValue("uCellToClipOffset",
                               QVector2D(float((area.left() - m_topLeft.x() * m_ppc) * 2 / w - 1),
                                         float(1 - (area.top() - m_topLeft.y() * m_ppc) * 2 / h)));
    m_program->setUniformValue("uTile", 0);
    m_program->setUniformValue("uColormap", 1);
    m_program->setUniformValue("uBackground", QVector4D(1, 1, 1, 1)); // like the exported figures
    glActiveTexture(GL_TEXTURE1);
    if (m_colormapDirty) uploadColormap();
    glBindTexture(GL_TEXTURE_2D, m_colormapTex);
    glActiveTexture(GL_TEXTURE0);
    glBindVertexArray(m_vao);
    glBindBuffer(GL_ARRAY_BUFFER, m_vbo);
    glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(m_vertices.size() * sizeof(float)), m_vertices.data(),
                 GL_STREAM_DRAW);
    for (std::size_t i = 0; i < textures.size(); ++i) {
        glBindTexture(GL_TEXTURE_2D, textures[i]);
        glDrawArrays(GL_TRIANGLES, GLint(6 * i), 6);
    }
    glBindVertexArray(0);
    m_program->release();
    glDisable(GL_SCISSOR_TEST);
}

void GlHeatmapView::drawOverlay() {
    if (!m_imgui) return;
    ImGuiContext* previous = ImGui::GetCurrentContext();
    ImGui::SetCurrentContext(m_imgui);
    ImGuiIO& io = ImGui::GetIO();
    const qreal dpr = devicePixelRatio();
    io.DisplaySize = ImVec2(float(width()), float(height()));
    io.DisplayFramebufferScale = ImVec2(float(dpr), float(dpr));
    io.DeltaTime = std::max(1e-4f, float(m_clock.restart()) / 1000.0f);
    io.MousePos = m_mouseInside ? ImVec2(float(m_mouse.x()), float(m_mouse.y())) : ImVec2(-FLT_MAX, -FLT_MAX);
    io.MouseDown[0] = m_mouseDown;
    ImGui_ImplOpenGL3_NewFrame();
    ImGui::NewFrame();
    ImDrawList* dl = ImGui::GetForegroundDrawList();
    const ImU32 ink = IM_COL32(40, 40, 40, 255), faint = IM_COL32(120, 120, 120, 255);

    if (m_pyramid.empty()) {
        const char* text = "run a prompt to see its attention";
        const ImVec2 size = ImGui::CalcTextSize(text);
        dl->AddText(ImVec2((float(width()) - size.x) / 2, (float(height()) - size.y) / 2), faint, text);
    } else {
        const QRectF area = mapArea();
        const float lineH = ImGui::GetTextLineHeight();
        const auto cellY = [&](double r) { return float(area.top() + (r - m_topLeft.y()) * m_ppc); };
        const auto cellX = [&](double c) { return float(area.left() + (c - m_topLeft.x()) * m_ppc); };
        dl->AddText(ImVec2(4, 3), faint, "rows: query token   columns: key token");
        dl->AddRect(ImVec2(float(area.left()) - 1, float(area.top()) - 1),
                    ImVec2(float(area.right()) + 1, float(area.bottom()) + 1), IM_COL32(160, 160, 160, 255));

        // Row labels, thinned so they never overlap (position 0, the usual sink, is always shown).
        const auto rowStride = std::max<std::int64_t>(1, std::int64_t(std::ceil(lineH / m_ppc)));
        const auto r0 = std::max<std::int64_t>(0, std::int64_t(std::floor(m_topLeft.y())));
        const auto r1 = std::min<std::int64_t>(
            m_figure.rows - 1, std::int64_t(std::ceil(m_topLeft.y() + area.height() / m_ppc)));
        dl->PushClipRect(ImVec2(0, float(area.top()) - lineH / 2),
                         ImVec2(float(area.left()) - 2, float(area.bottom()) + lineH / 2));
        for (std::int64_t r = r0 - r0 % rowStride; r <= r1; r += rowStride) {
            const std::string text = axisLabel(m_figure.rowLabels, r, 10);
            const ImVec2 size = ImGui::CalcTextSize(text.c_str());
            dl->AddText(ImVec2(float(area.left()) - 5 - size.x, cellY(double(r) + 0.5) - size.y / 2), ink,
                        text.c_str());
        }
        dl->PopClipRect();
        const double colPitch = ImGui::CalcTextSize("abcdefgh").x + 6;
        const auto colStride = std::max<std::int64_t>(1, std::int64_t(std::ceil(colPitch / m_ppc)));
        const auto c0 = std::max<std::int64_t>(0, std::int64_t(std::floor(m_topLeft.x())));
        const auto c1 = std::min<std::int64_t>(m_figure.cols - 1,
                                               std::int64_t(std::ceil(m_topLeft.x() + area.width() / m_ppc)));
        dl->PushClipRect(ImVec2(float(area.left()) - 30, float(area.bottom())),
                         ImVec2(float(area.right()) + 30, float(height())));
        for (std::int64_t c = c0 - c0 % colStride; c <= c1; c += colStride) {
            const std::string text = axisLabel(m_figure.colLabels, c, 8);
            const ImVec2 size = ImGui::CalcTextSize(text.c_str());
            dl->AddText(ImVec2(cellX(double(c) + 0.5) - size.x / 2, float(area.bottom()) + 4), ink,
                        text.c_str());
        }
        dl->PopClipRect();

        // Colour bar in data units.
        const float barX = float(area.right()) + 10, barW = 12;
        const int steps = 64;
        for (int i = 0; i < steps; ++i) {
            const float yTop = float(area.top() + area.height() * i / steps);
            const float yBot = float(area.top() + area.height() * (i + 1) / steps);
            dl->AddRectFilledMultiColor(ImVec2(barX, yTop), ImVec2(barX + barW, yBot + 0.5f),
                                        colourAt(m_figure.colormap, 1.0 - double(i) / steps),
                                        colourAt(m_figure.colormap, 1.0 - double(i) / steps),
                                        colourAt(m_figure.colormap, 1.0 - double(i + 1) / steps),
                                        colourAt(m_figure.colormap, 1.0 - double(i + 1) / steps));
        }
        const ColourRange& range = m_pyramid.range();
        const auto dataUnits = [&](double v) { return range.log ? std::pow(10.0, v) : v; };
        const std::string hi = fmt::format("{:.3g}", dataUnits(range.hi));
        const std::string lo = fmt::format("{:.3g}", dataUnits(range.lo));
        dl->AddText(ImVec2(barX + barW + 3, float(area.top())), ink, hi.c_str());
        dl->AddText(ImVec2(barX + barW + 3, float(area.bottom()) - lineH), ink, lo.c_str());

        std::int64_t row = 0, col = 0;
        if (hoveredCell(row, col) && !m_mouseDown) {
            // Crosshair on the hovered query row and key column, then the readout.
            const ImU32 cross = IM_COL32(255, 255, 255, 200);
            dl->PushClipRect(ImVec2(float(area.left()), float(area.top())),
                             ImVec2(float(area.right()), float(area.bottom())));
            dl->AddRect(ImVec2(float(area.left()), cellY(double(row))),
                        ImVec2(float(area.right()), cellY(double(row) + 1)), cross);
            dl->AddRect(ImVec2(cellX(double(col)), float(area.top())),
                        ImVec2(cellX(double(col) + 1), float(area.bottom())), cross);
            dl->PopClipRect();
            ImGui::BeginTooltip();
            ImGui::TextUnformatted(cellReadout(m_figure, row, col).c_str());
            ImGui::EndTooltip();
        }

        const QRectF mini = minimapRect();
        if (!mini.isEmpty()) {
            dl->AddRectFilled(ImVec2(float(mini.left()) - 4, float(mini.top()) - lineH - 4),
                              ImVec2(float(mini.right()) + 4, float(mini.bottom()) + 4),
                              IM_COL32(255, 255, 255, 215), 3.0f);
            dl->AddText(ImVec2(float(mini.left()), float(mini.top()) - lineH - 2), ink, "heads (G)");
            for (int l = 0; l < m_overview.layers; ++l) {
                for (int hd = 0; hd < m_overview.heads; ++hd) {
                    const std::size_t i = std::size_t(l * m_overview.heads + hd);
                    const double v = i < m_overview.values.size() ? m_overview.values[i] : 0.0;
                    const ImVec2 a(float(mini.left()) + float(hd) * kMiniCell,
                                   float(mini.top()) + float(l) * kMiniCell);
                    const ImVec2 b(a.x + kMiniCell - 1, a.y + kMiniCell - 1);
                    dl->AddRectFilled(a, b, colourAt(Colormap::Viridis, std::clamp(v, 0.0, 1.0)));
                    if (i < m_overview.marked.size() && m_overview.marked[i])
                        dl->AddRect(a, b, IM_COL32(230, 40, 40, 255), 0.0f, 0, 1.5f);
                    if (l == m_overview.layer && hd == m_overview.head)
                        dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1),
                                    IM_COL32(0, 0, 0, 255), 0.0f, 0, 2.0f);
                }
            }
        }
        if (m_showInfo) {
            const std::string info = fmt::format("level {} (1 texel = {} cells a side) · {:.3g} px/cell · "
                                                 "tiles {} drawn, {} uploaded, {} cached (I)",
                                                 m_stats.level, HeatmapPyramid::span(m_stats.level), m_ppc,
                                                 m_stats.tilesDrawn, m_stats.tilesUploaded, m_tiles.size());
            const ImVec2 size = ImGui::CalcTextSize(info.c_str());
            const ImVec2 at(float(area.left()) + 6, float(area.bottom()) - size.y - 6);
            dl->AddRectFilled(ImVec2(at.x - 3, at.y - 2), ImVec2(at.x + size.x + 3, at.y + size.y + 2),
                              IM_COL32(255, 255, 255, 215), 3.0f);
            dl->AddText(at, ink, info.c_str());
        }
    }
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (previous && previous != m_imgui) ImGui::SetCurrentContext(previous);
}

void GlHeatmapView::wheelEvent(QWheelEvent* e) {
    zoomAbout(std::pow(1.0015, e->angleDelta().y()), e->position());
}

void GlHeatmapView::mousePressEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton) return;
    m_mouseDown = true;
    m_dragged = false;
    m_pressPos = m_lastDrag = e->position();
    update();
}

void GlHeatmapView::mouseReleaseEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton) return;
    m_mouseDown = false;
    if (!m_dragged) {
        const QRectF mini = minimapRect();
        std::int64_t row = 0, col = 0;
        if (mini.contains(e->position())) {
            const QPointF p = (e->position() - mini.topLeft()) / kMiniCell;
            Q_EMIT headClicked(std::min(int(p.y()), m_overview.layers - 1),
                               std::min(int(p.x()), m_overview.heads - 1));
        } else if (hoveredCell(row, col)) {
            Q_EMIT cellClicked(row, col);
        }
    }
    update();
}

void GlHeatmapView::mouseMoveEvent(QMouseEvent* e) {
    m_mouse = e->position();
    m_mouseInside = true;
    if (m_mouseDown) {
        if ((m_mouse - m_pressPos).manhattanLength() > 3) m_dragged = true;
        if (m_dragged) panBy(m_mouse - m_lastDrag);
        m_lastDrag = m_mouse;
        return;
    }
    std::int64_t row = 0, col = 0;
    Q_EMIT hovered(hoveredCell(row, col) ? QString::fromStdString(cellReadout(m_figure, row, col))
                                         : QString());
    update();
}

bool GlHeatmapView::event(QEvent* e) {
    if (e->type() == QEvent::Leave) {
        m_mouseInside = false;
        Q_EMIT hovered(QString());
        update();
    }
    return QOpenGLWindow::event(e);
}

void GlHeatmapView::keyPressEvent(QKeyEvent* e) {
    const QPointF centre = mapArea().center();
    switch (e->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomAbout(1.25, centre);
        break;
    case Qt::Key_Minus:
        zoomAbout(1 / 1.25, centre);
        break;
    case Qt::Key_0:
        resetView();
        break;
    case Qt::Key_Left:
        panBy({40, 0});
        break;
    case Qt::Key_Right:
        panBy({-40, 0});
        break;
    case Qt::Key_Up:
        panBy({0, 40});
        break;
    case Qt::Key_Down:
        panBy({0, -40});
        break;
    case Qt::Key_I:
        setOverlays(!m_showInfo, m_showMinimap);
        break;
    case Qt::Key_G:
        setOverlays(m_showInfo, !m_showMinimap);
        break;
    default:
        QOpenGLWindow::keyPressEvent(e);
    }
}

} // namespace sinkscope
