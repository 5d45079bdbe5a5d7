#pragma once
// ChannelMapView: a tokens × channels map (e.g. r_l[t, d] of one residual state) drawn at the
// widget's own resolution in its font: token labels on the rows, channel numbers on the columns, the
// figure's marked columns (sink dimensions) named above the map and its marked rows (sink tokens)
// flagged right of it and labelled, and a colour bar with ticks. It fills whatever room it gets.
//
// The wheel zooms the channel axis around the cursor (Shift+wheel: the token axis), dragging or
// the scroll bars pan, +/− and the arrow keys do the same, double-click or 0 shows everything.
// Where several cells share a screen pixel the pixel shows their largest value, so one massive
// channel among thousands stays visible. Memory: the figure's values (the view keeps no copy on a
// linear scale) and one image of the map's on-screen pixels, whatever the zoom.
#include "figures/figures.h"
#include "figures/scale.h"
#include "figures/ticks.h"
#include "views/pooled_image.h"

#include <QImage>
#include <QWidget>

#include <cstdint>
#include <vector>

class QScrollBar;

namespace sinkscope {

class ChannelMapView : public QWidget {
    Q_OBJECT
public:
    struct AxisLabel {
        std::int64_t index; // row or column
        QString text;
        QRectF rect; // where the text lands, in widget pixels
    };

    explicit ChannelMapView(QWidget* parent = nullptr);

    // rows = tokens (rowLabels), cols = channels. A map of another shape is shown whole; one of the
    // same shape (the next state of the same prompt) keeps the zoom.
    void setFigure(HeatmapFigure figure);
    const HeatmapFigure& figure() const { return m_figure; }

    // Geometry in widget pixels, for hit tests and tests.
    QRectF mapRect() const { return m_map; }
    QRectF colourBarRect() const { return m_bar; }
    const std::vector<AxisLabel>& rowLabels() const { return m_rowLabels; }
    const std::vector<AxisLabel>& columnLabels() const { return m_colLabels; }        // channel numbers
    const std::vector<AxisLabel>& markedColumnLabels() const { return m_markLabels; } // "d121"
    const std::vector<Tick>& colourBarTicks() const { return m_barTicks; }

    // The part on screen, in cells (fractional at the edges). show*: clamped to the map.
    double firstColumn() const { return m_cols.first; }
    double shownColumns() const { return m_cols.count; }
    double firstRow() const { return m_rows.first; }
    double shownRows() const { return m_rows.count; }
    void showColumns(double first, double count);
    void showRows(double first, double count);
    void showAll();

    bool cellAt(QPointF pos, std::int64_t& row, std::int64_t& col) const;
    QPointF cellCentre(std::int64_t row, std::int64_t col) const; // may lie off the map when scrolled away
    // Bytes of the drawn map image (bounded by the map's size on screen, not by the figure).
    qsizetype imageBytes() const { return m_image.sizeInBytes(); }

    // Small on purpose: the dock's scroll area sizes its contents by their hints (a word-wrapped
    // label makes it height-for-width), and the map is to fill the dock, not to make it scroll.
    QSize sizeHint() const override { return minimumSizeHint(); }
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    // The cell under the mouse; (-1, -1) when it leaves the map.
    void cellHovered(qint64 row, qint64 col);

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void changeEvent(QEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;

private:
    void relayout();
    void layoutLabels();
    void measureRowLabels();
    void syncScrollBars();
    void renderMap();
    void zoom(MapWindow& w, double factor, double anchor);
    double toX(double col) const;
    double toY(double row) const;
    void setHover(std::int64_t row, std::int64_t col);

    HeatmapFigure m_figure;
    std::vector<float> m_transformed; // only for scales other than linear
    ColourRange m_range;
    MapWindow m_rows, m_cols;
    double m_rowLabelWidth = 0.0;
    QRectF m_map, m_bar;
    std::vector<AxisLabel> m_rowLabels, m_colLabels, m_markLabels;
    std::vector<Tick> m_barTicks;
    QImage m_image; // the map's visible cells, one pixel per device pixel at most
    QRectF m_imageRect;
    bool m_imageStale = true;
    QScrollBar *m_hScroll = nullptr, *m_vScroll = nullptr;
    QPointF m_dragFrom;
    std::int64_t m_hoverRow = -1, m_hoverCol = -1;
};

} // namespace sinkscope
