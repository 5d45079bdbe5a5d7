#pragma once
// Lays out and paints one attention heatmap figure (title, map, token labels, axis labels,
// colorbar) onto any QPainter whose device works in points (72 dpi logical); see figure_files.cpp.
#include "figures/colorbar_painter.h"
#include "figures/figures.h"
#include "figures/scale.h"

#include <QPainter>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace sinkscope {

class HeatmapPainter {
public:
    // f must pass validateHeatmap and outlive the painter.
    explicit HeatmapPainter(const HeatmapFigure& f);

    QSizeF size() const { return m_size; } // points

    // vector: the target is SVG/PDF: small maps are drawn as rectangles, large ones as one image.
    void paint(QPainter& p, bool vector) const;

    // Maps up to this many cells become rectangles in vector output.
    static constexpr std::int64_t kMaxVectorCells = 128 * 128;

    struct AxisLabel {
        std::int64_t index; // row or column
        QString text;
        QRectF rect; // where the text lands, in points
    };
    // Geometry, for tests and for the GUI (hover, hit tests).
    QRectF mapRect() const { return m_map; }
    QRectF titleRect() const { return m_title; }
    QRectF colorbarBounds() const { return m_colorbar->bounds(m_colorbarPos); }
    const std::vector<AxisLabel>& xLabels() const { return m_xLabels; }
    const std::vector<AxisLabel>& yLabels() const { return m_yLabels; }
    const ColourRange& range() const { return m_range; }

private:
    void layoutLabels();
    void paintCells(QPainter& p, bool vector) const;
    void paintLabels(QPainter& p) const;
    void paintMarks(QPainter& p) const;

    const HeatmapFigure& m_f;
    std::vector<float> m_values; // transformed by the figure's scale
    ColourRange m_range;
    double m_cellW = 0.0, m_cellH = 0.0, m_pixel = 1.0; // m_pixel: one device pixel in points
    QRectF m_map, m_title, m_xAxis, m_yAxis;
    QString m_titleText, m_xAxisText, m_yAxisText;
    std::vector<AxisLabel> m_xLabels, m_yLabels;
    std::optional<ColorbarPainter> m_colorbar;
    QPointF m_colorbarPos;
    QSizeF m_size;
};

} // namespace sinkscope
