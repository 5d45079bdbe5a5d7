#pragma once
// Lays out and paints the layer x head overview: one max-pooled thumbnail per head on a shared
// colour range, optional numbers under them, highlighted frames for marked heads, one colorbar.
#include "figures/colorbar_painter.h"
#include "figures/figures.h"
#include "figures/scale.h"

#include <QImage>
#include <QPainter>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include <optional>
#include <vector>

namespace sinkscope {

class GridPainter {
public:
    // f must pass validateGrid and outlive the painter.
    explicit GridPainter(const GridFigure& f);

    QSizeF size() const { return m_size; } // points
    // Thumbnails are images in every format (vector output embeds them at the figure's dpi).
    void paint(QPainter& p) const;

    QRectF cellRect(int layer, int head) const; // the thumbnail, in points
    QRectF titleRect() const { return m_title; }
    QRectF colorbarBounds() const { return m_colorbar->bounds(m_colorbarPos); }
    const ColourRange& range() const { return m_range; }

private:
    void paintHeaders(QPainter& p) const;

    const GridFigure& m_f;
    ColourRange m_range;
    std::vector<QImage> m_thumbs; // thumbnail pixels at the figure's dpi
    double m_thumb = 0.0, m_gapX = 0.0, m_gapY = 0.0;
    QPointF m_origin; // top-left of the first thumbnail
    QRectF m_title, m_legend;
    QString m_titleText, m_legendText;
    double m_layerLabelWidth = 0.0;
    std::optional<ColorbarPainter> m_colorbar;
    QPointF m_colorbarPos;
    QSizeF m_size;
};

} // namespace sinkscope
