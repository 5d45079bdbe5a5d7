#pragma once
// HeatmapCanvas: the heatmap panel of the window. It holds the GPU canvas (GlHeatmapView) when the
// platform offers OpenGL 3.3, else the QPainter view (HeatmapView) — e.g. on the offscreen platform,
// over remote X without GLX, or when SINKSCOPE_SOFTWARE_HEATMAP=1 — so the app always has a heatmap.
#include "figures/figures.h"

#include <QImage>
#include <QWidget>

#include <vector>

class QLabel;

namespace sinkscope {

class GlHeatmapView;
class HeatmapView;

class HeatmapCanvas : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapCanvas(QWidget* parent = nullptr);

    // Whether this process can create an OpenGL 3.3 core context (checked once).
    static bool openGlAvailable();

    void setFigure(HeatmapFigure figure);
    const HeatmapFigure& figure() const;
    void setHeadOverview(int layers, int heads, std::vector<double> values, std::vector<bool> marked,
                         int currentLayer, int currentHead);
    void resetView();
    QImage grabImage(); // what is on screen, for screenshots and the clipboard

    bool accelerated() const { return m_gl != nullptr; }
    GlHeatmapView* glView() const { return m_gl; }
    HeatmapView* rasterView() const { return m_raster; }

Q_SIGNALS:
    void hovered(const QString& readout);
    void cellClicked(qint64 row, qint64 col);
    void headClicked(int layer, int head);

protected:
    void resizeEvent(QResizeEvent* e) override;

private:
    GlHeatmapView* m_gl = nullptr; // a native window inside m_glContainer
    QWidget* m_glContainer = nullptr;
    HeatmapView* m_raster = nullptr;
    QLabel* m_title = nullptr; // the figure's title above the GL view (the raster view paints its own)
    QString m_fullTitle;       // elided into m_title to the canvas's width (its tooltip holds it whole)
    void showTitle();
};

} // namespace sinkscope
