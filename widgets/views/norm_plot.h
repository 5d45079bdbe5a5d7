#pragma once
// NormPlot: a norm per token along the depth of the model (x: state or layer, y: L2 norm, log
// scale) with one line per token, the first token in red, so massive activations (hidden states)
// or the sink's unusual keys and values stand out at a glance. Both axes carry ticks from the
// figures' tick logic (figures/ticks.h: powers of ten, or 1-2-5 within a decade; whole states).
// Hovering picks the line nearest the cursor at the nearest state: highlighted, read out in the
// plot and through hovered(). paintFigure draws the same plot at any size (the export).
#include "figures/ticks.h"

#include <QFont>
#include <QRectF>
#include <QWidget>
#include <vector>

class QPainter;

namespace sinkscope {

class NormPlot : public QWidget {
    Q_OBJECT
public:
    explicit NormPlot(QWidget* parent = nullptr);
    // norms[x][token], x = state (hidden states) or layer (keys, values)
    void setNorms(const std::vector<std::vector<float>>& norms);
    // What is plotted: the placeholder before a run, the x axis caption; defaults: hidden states.
    void setCaptions(const QString& what, const QString& xAxis);
    QSize sizeHint() const override { return {320, 160}; }

    struct Axes {
        QRectF area;               // the plot's frame
        double lo = 0.0, hi = 1.0; // log10 of the y range
        std::vector<Tick> xTicks, yTicks;
    };
    // The layout at `size` with `font` (what the widget and the export draw); empty axes without data.
    Axes axes(QSizeF size, const QFont& font) const;

    // The export: kFigureSize in points (SVG, PDF) or pixels at twice that (PNG), in figureFont().
    static constexpr QSize kFigureSize{720, 360};
    static QFont figureFont();
    void paintFigure(QPainter& p, QSizeF size) const;
    QImage figureImage() const; // kFigureSize × 2 pixels

    QString readout(int x, int token) const;
    // The line nearest `pos` at the nearest x; false without data or off the plot.
    bool pointAt(QPointF pos, int& x, int& token) const;

Q_SIGNALS:
    void hovered(const QString& readout); // empty when the mouse leaves the plot

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent*) override;

private:
    void paintPlot(QPainter& p, QSizeF size, const QFont& font, bool hover) const;
    QPointF point(const Axes& a, std::size_t x, float v) const;
    void setHover(int x, int token);

    std::vector<std::vector<float>> m_norms;
    QString m_what = "hidden-state norms", m_xAxis = "state (layer input; last: output)";
    int m_hoverX = -1, m_hoverToken = -1;
};

} // namespace sinkscope
