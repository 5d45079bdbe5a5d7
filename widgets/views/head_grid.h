#pragma once
// HeadGrid: every (layer, head) as a cell coloured by a value per head (alpha_0 by default),
// sink heads (value above a threshold) framed. Click opens a head; shift-click adds it to or
// removes it from the selection used as an intervention scope. Keyboard: arrows move the
// current head.
#include <QWidget>
#include <set>
#include <utility>
#include <vector>

namespace sinkscope {

class HeadGrid : public QWidget {
    Q_OBJECT
public:
    explicit HeadGrid(QWidget* parent = nullptr);

    void setValues(const std::vector<std::vector<double>>& values, double threshold);
    // Which heads get the red sink frame, by other values than the colours (e.g. the colours show
    // an intervened run and the frames the unmodified run's sink heads); empty: by the colours.
    void setFrameValues(const std::vector<std::vector<double>>& values);
    bool framed(int layer, int head) const; // whether (layer, head) has the sink frame
    void setCurrent(int layer, int head);   // (-1, -1): no current head (a read-only overview)
    std::pair<int, int> current() const { return {m_layer, m_head}; }
    const std::vector<std::vector<double>>& values() const { return m_values; }
    const std::set<std::pair<int, int>>& selection() const { return m_selection; }
    void clearSelection();
    // Heads to light up (e.g. the span-centric heads of a marked span): a gold frame.
    void setLit(const std::set<std::pair<int, int>>& heads);
    const std::set<std::pair<int, int>>& lit() const { return m_lit; }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void headActivated(int layer, int head);
    void selectionChanged();

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;

private:
    QRectF cellRect(int layer, int head) const;
    std::vector<std::vector<double>> m_values, m_frameValues;
    double m_threshold = 0.3;
    int m_layer = 0, m_head = 0;
    std::set<std::pair<int, int>> m_selection, m_lit;
};

} // namespace sinkscope
