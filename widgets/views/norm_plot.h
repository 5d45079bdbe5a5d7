#pragma once
// NormPlot: hidden-state norm per state (x: state 0..L, y: L2 norm, log scale) with one line per
// token, the first token in red, so massive activations stand out at a glance.
#include <QWidget>
#include <vector>

namespace sinkscope {

class NormPlot : public QWidget {
    Q_OBJECT
public:
    explicit NormPlot(QWidget* parent = nullptr);
    // norms[state][token]
    void setNorms(const std::vector<std::vector<float>>& norms);
    QSize sizeHint() const override { return {320, 160}; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    std::vector<std::vector<float>> m_norms;
};

} // namespace sinkscope
