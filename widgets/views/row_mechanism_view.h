#pragma once
// RowMechanismView: one attention row taught step by step, one column per key: on top the
// pre-softmax score z_j of each key (bars up or down from zero), in the middle the rule that turns
// scores into weights, below the weight each key gets (a 0–1 axis, so that a row that must sum to
// 1 and parks its mass on the first token shows as one tall bar). A run under an intervention
// draws two bars per key, the unmodified one and the intervened one side by side. Keys left out of
// a long row are summed in one pale "rest" column, so the weights drawn still add up to the row
// sum; an extra logit column (a sink logit b) is hatched: it takes weight but passes no value on.
// Hovering a column shows its numbers. The view only paints what it is given; how many columns
// fit its width (columnsThatFit) is for the caller to respect.
#include <QString>
#include <QWidget>
#include <cmath>
#include <cstdint>
#include <vector>

namespace sinkscope {

struct RowMechanism {
    enum class Kind { Key, Rest, ExtraLogit };
    struct Column {
        Kind kind = Kind::Key;
        QString token;                   // the key's text; Rest: how many keys it sums; ExtraLogit: "b"
        std::int64_t key = -1;           // Key: the key's position; Rest: the number of keys summed
        float score = NAN, weight = NAN; // unmodified run (score -inf: a hidden key)
        float scoreAfter = NAN, weightAfter = NAN; // intervened run; NaN when there is none
    };
    std::vector<Column> columns; // keys in order, then the rest, then the extra logit
    std::int64_t query = -1;     // the query's own key is marked
    bool hasAfter = false;
    QString rule;      // how scores become weights, drawn between the bands
    QString afterName; // the intervention, for the legend
};

class RowMechanismView : public QWidget {
    Q_OBJECT
public:
    explicit RowMechanismView(QWidget* parent = nullptr);
    void setRow(RowMechanism row);
    const RowMechanism& row() const { return m_row; }
    // How many columns the current width shows with a readable label each.
    int columnsThatFit() const;
    // The column under a point (-1: none), and the text its hover shows.
    int columnAt(QPointF pos) const;
    QString readout(int column) const;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void hovered(const QString& readout);
    void fitChanged(); // columnsThatFit() changed with the width

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void leaveEvent(QEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;

private:
    struct Geometry {
        QRectF scores, rule, weights, labels;
        // Where values map to: the bands less room for the numbers printed beyond a bar's end.
        QRectF scorePlot, weightPlot;
        double slot = 0;
        double lo = 0, hi = 1; // the score axis
        bool compact = false;  // short of height: no numbers at the bars, no position line
        double yScore(double z) const {
            return scorePlot.bottom() - (z - lo) / (hi - lo) * scorePlot.height();
        }
        double yWeight(double w) const { return weightPlot.bottom() - w * weightPlot.height(); }
    };
    Geometry geometry() const;
    double gutter() const;
    double minSlot() const;
    QFont valueFont() const; // the numbers printed at the bars
    void paintColumn(QPainter& p, const Geometry& g, std::size_t i) const;
    RowMechanism m_row;
    int m_hover = -1;
    int m_fit = -1;
};

} // namespace sinkscope
