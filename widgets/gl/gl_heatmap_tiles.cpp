// GlHeatmapView's tiles on the GPU: the shader program and buffers, the colormap texture, the
// LRU cache of R16 tile textures and the frame's draw of the tiles on screen at one level of detail.
#include "gl/gl_heatmap_view.h"

#include "figures/colormap.h"

#include <QOpenGLShaderProgram>

#include <algorithm>
#include <cmath>

namespace sinkscope {

void GlHeatmapView::initRenderer() {
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
}

void GlHeatmapView::releaseRenderer() {
    dropTiles();
    glDeleteTextures(1, &m_colormapTex);
    glDeleteBuffers(1, &m_vbo);
    glDeleteVertexArrays(1, &m_vao);
    m_program.reset();
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

void GlHeatmapView::drawTiles() {
    const std::vector<unsigned> textures = visibleTileQuads();
    m_stats.tilesDrawn = static_cast<int>(textures.size());
    if (!textures.empty()) drawQuads(textures);
}

std::vector<unsigned> GlHeatmapView::visibleTileQuads() {
    const QRectF area = mapArea();
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

    // Quads clipped to the map's extent, so padding texels are never drawn; one texture per quad.
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
    return textures;
}

void GlHeatmapView::drawQuads(const std::vector<unsigned>& textures) {
    const QRectF area = mapArea();
    const qreal dpr = devicePixelRatio();
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

} // namespace sinkscope
