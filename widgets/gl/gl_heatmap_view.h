#pragma once
// GlHeatmapView: the interactive attention heatmap on the GPU (QOpenGLWidget drawing with the GLSL
// shaders in shaders/). The map lives in a HeatmapPyramid; a frame draws only the tiles on screen,
// at the level of detail matching the zoom, uploading a tile the first time it is needed (LRU
// cache), so an 8192-token map pans and zooms without ever being uploaded whole. Dear ImGui draws
// the overlays inside the canvas: token labels along the axes once cells are big enough to read,
// the hover readout with a crosshair, a colour bar, a layer x head minimap (G) and view info (I).
//
// Input: wheel or +/- zooms (about the cursor), drag or arrow keys pan, 0 fits, click selects a
// cell (cellClicked), click in the minimap opens that head (headClicked).
//
// A QOpenGLWindow (placed in the widget tree by HeatmapCanvas's window container), not a
// QOpenGLWidget: a QOpenGLWidget makes Qt compose the whole top-level window through GL on every
// frame, which under software GL (Mesa llvmpipe, e.g. Xvfb or a VM) cost 5-40 ms per frame while
// drawing the canvas itself took 1-7 ms (bench_gui). A window of its own swaps just the canvas.
//
// Its code: gl_heatmap_view.cpp (figure, view, frame), gl_heatmap_tiles.cpp (GPU tiles),
// gl_heatmap_overlay.cpp (ImGui overlay), gl_heatmap_input.cpp (mouse and keys).
#include "figures/figures.h"
#include "gl/heatmap_pyramid.h"

#include <QElapsedTimer>
#include <QOpenGLExtraFunctions>
#include <QOpenGLWindow>
#include <QPointF>

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

struct ImDrawList;
struct ImGuiContext;
class QOpenGLShaderProgram;

namespace sinkscope {

class GlHeatmapView : public QOpenGLWindow, protected QOpenGLExtraFunctions {
    Q_OBJECT
public:
    GlHeatmapView();
    ~GlHeatmapView() override;

    void setFigure(HeatmapFigure figure);
    const HeatmapFigure& figure() const { return m_figure; }
    const HeatmapPyramid& pyramid() const { return m_pyramid; }

    // Layer x head overview drawn as a minimap (values in [0, 1], e.g. alpha_0; marked = sink head).
    void setHeadOverview(int layers, int heads, std::vector<double> values, std::vector<bool> marked,
                         int currentLayer, int currentHead);
    void setOverlays(bool info, bool minimap);

    // The view: pixels per level-0 cell and the cell at the top-left corner of the map area.
    void resetView();
    void setView(double pixelsPerCell, QPointF topLeftCell);
    void zoomAbout(double factor, QPointF widgetPos);
    double pixelsPerCell() const { return m_ppc; }
    QPointF widgetPosOfCell(double row, double col) const; // centre of a cell: (row + 0.5, col + 0.5)
    QPointF topLeftCell() const { return m_topLeft; }

    struct FrameStats {
        int level = 0, tilesDrawn = 0, tilesUploaded = 0, tilesCached = 0;
        double paintMs = 0; // paintGL until the GPU finished (only with setProfiling(true))
    };
    // Benchmarks: finish the GPU work inside paintGL so its cost can be told from composition.
    void setProfiling(bool on) { m_profiling = on; }
    FrameStats lastFrame() const { return m_stats; }
    static constexpr int kMaxCachedTiles = 384; // 48 MiB of R16 tiles

Q_SIGNALS:
    void hovered(const QString& readout);
    void cellClicked(qint64 row, qint64 col);
    void headClicked(int layer, int head);

protected:
    void initializeGL() override;
    void resizeGL(int w, int h) override;
    void paintGL() override;
    void wheelEvent(QWheelEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    bool event(QEvent* e) override; // the pointer leaving
    void keyPressEvent(QKeyEvent* e) override;

private:
    QRectF mapArea() const;                  // widget pixels where cells are drawn
    QPointF cellAt(QPointF widgetPos) const; // level-0 cell coordinates (fractional)
    bool hoveredCell(std::int64_t& row, std::int64_t& col) const;
    QRectF minimapRect() const;
    void panBy(QPointF pixels);

    // Tiles on the GPU (gl_heatmap_tiles.cpp).
    void initRenderer();
    void releaseRenderer();
    unsigned tileTexture(int level, std::int64_t tx, std::int64_t ty);
    void dropTiles();
    void uploadColormap();
    void drawTiles();
    std::vector<unsigned> visibleTileQuads(); // fills m_vertices; one texture per quad
    void drawQuads(const std::vector<unsigned>& textures);

    // The ImGui overlay (gl_heatmap_overlay.cpp).
    void initOverlay();
    void shutdownOverlay();
    void drawOverlay();
    void drawAxisLabels(ImDrawList* dl);
    void drawColourBar(ImDrawList* dl);
    void drawHover(ImDrawList* dl);
    void drawMinimap(ImDrawList* dl);
    void drawViewInfo(ImDrawList* dl);

    HeatmapFigure m_figure;
    HeatmapPyramid m_pyramid;
    double m_ppc = 1.0;
    QPointF m_topLeft;
    bool m_atFit = true; // refit on resize until the user zooms or pans

    // Input state, handed to ImGui each frame.
    QPointF m_mouse{-1, -1}, m_pressPos, m_lastDrag;
    bool m_mouseDown = false, m_dragged = false, m_mouseInside = false;
    bool m_showInfo = false, m_showMinimap = true, m_profiling = false;

    struct Overview {
        int layers = 0, heads = 0, layer = -1, head = -1;
        std::vector<double> values;
        std::vector<bool> marked;
    } m_overview;

    // GL resources (valid between initializeGL and the destructor).
    std::unique_ptr<QOpenGLShaderProgram> m_program;
    unsigned m_vao = 0, m_vbo = 0, m_colormapTex = 0;
    bool m_colormapDirty = true;
    using TileKey = std::tuple<int, std::int64_t, std::int64_t>;
    struct Tile {
        unsigned texture = 0;
        std::list<TileKey>::iterator lru;
    };
    std::map<TileKey, Tile> m_tiles;
    std::list<TileKey> m_lru; // most recently used first
    std::vector<std::uint16_t> m_tileBuffer;
    std::vector<float> m_vertices;
    FrameStats m_stats;
    ImGuiContext* m_imgui = nullptr;
    QElapsedTimer m_clock;
};

} // namespace sinkscope
