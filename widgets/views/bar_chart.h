#pragma once
// BarChart: one bar per labelled item (e.g. tag share per caught token), left to right from a zero
// baseline, the value printed on the bar when there is room. Non-finite values leave a gap.
#include <QString>
#include <QWidget>
#include <cmath>
#include <vector>

namespace sinkscope {

class BarChart : public QWidget {
    Q_OBJECT
public:
    explicit BarChart(QWidget* parent = nullptr);
    // maxValue: the top of the axis (NaN: the largest value).
    void setBars(std::vector<QString> labels, std::vector<double> values, const QString& valueLabel,
                 double maxValue = NAN);
    const std::vector<double>& values() const { return m_values; }
    QSize sizeHint() const override { return {300, 150}; }
    QSize minimumSizeHint() const override { return {120, 90}; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    std::vector<QString> m_labels;
    std::vector<double> m_values;
    QString m_valueLabel;
    double m_max = 1;
};

} // namespace sinkscope
