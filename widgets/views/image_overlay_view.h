#pragma once
// ImageOverlayView: the picture a vision-language model sees, scaled to fit the widget with its
// aspect ratio kept (letterboxed), each image-token patch tinted by a value (e.g. one query token's
// attention) and chosen patches framed (e.g. visual sink tokens), with a colour bar beside it. The
// picture, tint and frames are painted by figures/image_overlay_painter.h, as in the exported
// figure, so screen and file agree. Hovering a patch reads out its row, column, index and value
// (hovered(), patchHovered(), and a tooltip); clicking one emits patchClicked(). Without a picture
// it shows a line of text saying so.
#include "figures/image_overlay.h"
#include "figures/image_overlay_painter.h"

#include <QImage>
#include <QString>
#include <QWidget>

#include <cstdint>
#include <optional>
#include <vector>

namespace sinkscope {

class ImageOverlayView : public QWidget {
    Q_OBJECT
public:
    explicit ImageOverlayView(QWidget* parent = nullptr);

    // The picture, as a QImage (any format; a null image clears it) or as HWC 8-bit RGB bytes
    // (width * height * 3; other sizes clear it). The grid and marks stay.
    void setPicture(const QImage& image);
    void setPicture(int width, int height, std::vector<std::uint8_t> rgb);
    // rows * cols values, row-major; a grid that does not fit the values or the picture is not drawn.
    void setGrid(int rows, int cols, std::vector<float> values);
    void setMarkedPatches(std::vector<std::int64_t> patches);
    void setOpacity(double opacity); // clamped to 0..1
    void setColormap(Colormap colormap);
    // Everything at once (what an export of the view writes: figure()).
    void setFigure(ImageOverlayFigure figure);
    const ImageOverlayFigure& figure() const { return m_figure; }

    bool hasPicture() const { return m_layers.has_value(); }
    QString emptyText() const { return m_emptyText; }
    void setEmptyText(const QString& text);

    // Geometry in widget pixels, for hit tests and tests: where the picture lies (empty without one)
    // and the colour bar (empty without a grid).
    QRectF pictureRect() const { return m_picture; }
    QRectF colourBarRect() const { return m_bar; }
    int patchAt(QPointF pos) const; // -1: outside the picture, or no grid
    QRectF patchRect(int index) const;
    // "patch row 3, col 5 (#77) · attention weight = 0.0123 · visual sink token"
    QString readout(int index) const;

    QSize sizeHint() const override { return {360, 300}; }
    QSize minimumSizeHint() const override { return {120, 100}; }

Q_SIGNALS:
    void hovered(const QString& readout); // empty when the mouse leaves the patches
    void patchHovered(int index);         // -1 when the mouse leaves the patches
    void patchClicked(int index);

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void changeEvent(QEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent*) override;
    bool event(QEvent* e) override;

private:
    void rebuild();
    void relayout();
    void setHover(int index);

    ImageOverlayFigure m_figure;
    std::optional<ImageOverlayLayers> m_layers; // set when the picture is
    QString m_emptyText;
    QRectF m_picture, m_bar;
    int m_hover = -1;
};

} // namespace sinkscope
