#pragma once
// NormPlot: a norm per token along the depth of the model (x: state or layer, y: L2 norm, log
// scale) with one line per token, the first token in red, so massive activations (hidden states)
// or the sink's unusual keys and values stand out at a glance.
#include <QWidget>
#include <vector>

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

protected:
    void paintEvent(QPaintEvent*) override;

private:
    std::vector<std::vector<float>> m_norms;
    QString m_what = "hidden-state norms", m_xAxis = "state (layer input; last: output)";
};

} // namespace sinkscope
