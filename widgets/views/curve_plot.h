#pragma once
// CurvePlot: a few series over one x axis (e.g. losses over training steps), lines with a dot per
// point, the current point marked by a vertical line. Non-finite y values are gaps. Clicking
// picks the nearest point (picked(index)). A series may bring its own x values (a comparison).
#include <QColor>
#include <QString>
#include <QWidget>
#include <vector>

namespace sinkscope {

class CurvePlot : public QWidget {
    Q_OBJECT
public:
    struct Series {
        QString name;
        QColor colour;
        std::vector<double> y; // one per x
        // Its own x values instead of the plot's (another run's checkpoints on this run's axis):
        // drawn dashed, neither marked at the current point nor picked.
        std::vector<double> x = {};
    };

    explicit CurvePlot(QWidget* parent = nullptr);
    void setData(std::vector<double> x, std::vector<Series> series, const QString& yLabel);
    void setCurrent(int index);
    int current() const { return m_current; }
    const std::vector<Series>& series() const { return m_series; }
    QSize sizeHint() const override { return {320, 140}; }
    QSize minimumSizeHint() const override { return {160, 90}; }

Q_SIGNALS:
    void picked(int index);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent* e) override;

private:
    QRectF plotRect() const;
    double xAt(double x) const;
    std::vector<double> m_x;
    std::vector<Series> m_series;
    QString m_yLabel;
    const std::vector<double>& xsOf(const Series& s) const { return s.x.empty() ? m_x : s.x; }
    double m_xMin = 0, m_xMax = 1;
    double m_yMin = 0, m_yMax = 1;
    int m_current = -1;
};

} // namespace sinkscope
