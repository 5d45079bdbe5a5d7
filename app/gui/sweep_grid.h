#pragma once
// SweepGrid: the sweep's table as a heatmap — rows models (with their checkpoint), columns
// interventions, each cell coloured by its Sink rate on a fixed 0–100 % scale (viridis, as the
// exported figure) with the number written in it. Clicking a cell picks it (cellPicked), which
// the Sweep panel turns into the runs behind it.
#include <QStringList>
#include <QWidget>
#include <vector>

namespace sinkscope::gui {

class SweepGrid : public QWidget {
    Q_OBJECT
public:
    explicit SweepGrid(QWidget* parent = nullptr);

    // values: rows.size() x cols.size(), row-major, percent; NaN: no runs for that pair.
    void setData(QStringList rows, QStringList cols, std::vector<double> values);
    void setPicked(int row, int col); // -1: none
    int rows() const { return static_cast<int>(m_rows.size()); }
    int cols() const { return static_cast<int>(m_cols.size()); }
    QRect cellRect(int row, int col) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return {200, 80}; }

Q_SIGNALS:
    void cellPicked(int row, int col);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent* e) override;
    bool event(QEvent* e) override; // tooltips: the full labels and the value

private:
    int labelWidth() const;
    int headerHeight() const;
    QStringList m_rows, m_cols;
    std::vector<double> m_values;
    int m_pickedRow = -1, m_pickedCol = -1;
};

} // namespace sinkscope::gui
