#pragma once
// BarChart: one bar per labelled item (e.g. tag share per caught token), left to right from a zero
// baseline, drawn at the widget's resolution in its font: a value axis with ticks (figures/ticks.h),
// item labels under the bars (turned upright when the bars are narrow, thinned when they are too
// narrow even for that), the value printed on the bar when there is room. Hovering a bar highlights
// it and reads out its name and value (hovered(), and a tooltip). Non-finite values leave a gap.
#include "figures/ticks.h"

#include <QString>
#include <QWidget>
#include <cmath>
#include <vector>

namespace sinkscope {

class BarChart : public QWidget {
    Q_OBJECT
public:
    explicit BarChart(QWidget* parent = nullptr);
    // maxValue: the top of the axis (NaN: the largest value). Clears the names (setNames).
    void setBars(std::vector<QString> labels, std::vector<double> values, const QString& valueLabel,
                 double maxValue = NAN);
    // What the hover readout calls each item ("token 'the' (#3)"; default: its label) and its value
    // ("tag share"): "token 'the' (#3) · tag share = 0.42".
    void setNames(std::vector<QString> names, const QString& valueName);
    const std::vector<double>& values() const { return m_values; }

    // Geometry in widget pixels, for hit tests and tests.
    QRectF plotRect() const { return m_area; }
    QRectF barRect(std::size_t i) const;
    int barAt(QPointF pos) const; // -1: none
    QString readout(std::size_t i) const;
    struct Label {
        std::size_t index;
        QString text;
        QRectF rect; // unrotated extent in widget pixels (upright labels: their bounding box)
    };
    const std::vector<Label>& labels() const { return m_labelRects; }
    bool labelsUpright() const { return m_upright; }
    const std::vector<Tick>& valueTicks() const { return m_ticks; }

    // The minimum on purpose: the dock's scroll area sizes its contents by their hints (its
    // word-wrapped summary makes it height-for-width), and the plots are to fill the dock.
    QSize sizeHint() const override { return minimumSizeHint(); }
    QSize minimumSizeHint() const override { return {120, 90}; }

Q_SIGNALS:
    void hovered(const QString& readout); // empty when the mouse leaves the bars

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void changeEvent(QEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent*) override;
    bool event(QEvent* e) override;

private:
    void relayout();
    void setHover(int i);

    std::vector<QString> m_labels, m_names;
    std::vector<double> m_values;
    QString m_valueLabel, m_valueName;
    double m_max = 1;
    QRectF m_area;
    std::vector<Tick> m_ticks;
    std::vector<Label> m_labelRects;
    bool m_upright = false;
    int m_hover = -1;
};

} // namespace sinkscope
