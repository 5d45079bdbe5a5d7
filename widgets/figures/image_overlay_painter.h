#pragma once
// Paints attention over a picture (figures/image_overlay.h). ImageOverlayLayers holds the picture,
// its colour tint and its frames and draws them into any rectangle: the exported figure paints them
// at their printed size (ImageOverlayPainter, with title, colorbar and legend), ImageOverlayView at
// the widget's size, so screen and file agree on every colour.
#include "figures/colorbar_painter.h"
#include "figures/image_overlay.h"
#include "figures/scale.h"

#include <QColor>
#include <QImage>
#include <QPainter>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace sinkscope {

class ImageOverlayLayers {
public:
    // Copies what it draws. The picture must hold width * height * 3 bytes. A grid that does not fit
    // (no rows, a value count other than gridRows * gridCols, more patches than pixels) is left out:
    // the picture alone is drawn. Marked patches outside the grid are ignored.
    explicit ImageOverlayLayers(const ImageOverlayFigure& f);

    const QImage& picture() const { return m_picture; } // width x height, RGB32
    // gridCols x gridRows, premultiplied: the colormap at alpha = opacity, transparent where a patch
    // has no value. Null without a grid.
    const QImage& tint() const { return m_tint; }
    bool hasGrid() const { return !m_tint.isNull(); }
    int gridRows() const { return m_rows; }
    int gridCols() const { return m_cols; }
    const std::vector<std::int64_t>& marked() const { return m_marked; }
    const ColourRange& range() const { return m_range; }
    Colormap colormap() const { return m_colormap; }
    QString colorbarLabel() const { return m_barLabel; } // with the scale's note, e.g. " (÷ max)"

    struct Style {
        double frameWidth = 1.5; // marked patches, in the painter's units
        // SVG / PDF: images are embedded enlarged by whole factors (each output pixel `pixel` units)
        // so that viewers which smooth images keep picture pixels and patch edges sharp.
        bool vector = false;
        double pixel = 1.0;
    };

    // Picture, tint and frames over `target`, the picture's whole extent (the caller keeps the
    // aspect ratio). The picture is enlarged nearest-neighbour and reduced smoothly.
    void paint(QPainter& p, const QRectF& target, const Style& style) const;

    // Where patch `index` lies when the picture fills `target`.
    QRectF patchRect(const QRectF& target, std::int64_t index) const;
    // The patch under `pos`, or -1 (outside the picture, or no grid).
    std::int64_t patchAt(const QRectF& target, QPointF pos) const;

    // The frame of a marked patch around `cell`: a dark halo under a bright line, visible on light
    // and dark pictures and on every colormap. Also the legend's sample.
    static void paintFrame(QPainter& p, const QRectF& cell, double width);
    static const QColor kFrameColour;

private:
    void paintPicture(QPainter& p, const QRectF& target, const Style& style) const;

    QImage m_picture, m_tint;
    int m_rows = 0, m_cols = 0;
    std::vector<std::int64_t> m_marked;
    ColourRange m_range;
    Colormap m_colormap = Colormap::Magma;
    QString m_barLabel;
};

// The whole figure laid out in points: title, picture at about kImageOverlaySide points, colorbar,
// and a legend for the frames when patches are marked.
class ImageOverlayPainter {
public:
    explicit ImageOverlayPainter(const ImageOverlayFigure& f); // f must pass validateImageOverlay

    QSizeF size() const { return m_size; } // points
    void paint(QPainter& p, bool vector) const;

    // Geometry in points, for tests.
    QRectF pictureRect() const { return m_pictureRect; }
    QRectF legendRect() const { return m_legend; }
    QRectF colorbarBounds() const { return m_colorbar->bounds(m_colorbarPos); }
    const ImageOverlayLayers& layers() const { return m_layers; }

private:
    ImageOverlayLayers m_layers;
    double m_pixel = 1.0; // one PNG pixel in points
    QRectF m_pictureRect, m_title, m_legend;
    QString m_titleText, m_legendText;
    std::optional<ColorbarPainter> m_colorbar;
    QPointF m_colorbarPos;
    QSizeF m_size;
};

} // namespace sinkscope
