#pragma once
// SpanDock: span-centric heads (docs/methods.md, "Beyond the first token") of the token span marked
// on the window's token strip by dragging: every head scored on the unmodified run's attention with
// the engine's spanHeadScore (mass, ratio; sink set {0}, as `sinkscope-cli metrics --span A-B`),
// the selected ones lit in the head grid and listed here, and a button that puts the span into the
// intervention panel's custom SPEC as redistribute:...,to=A-B,heads=span (VAR's recipe).
#include "metrics/span_heads.h"
#include "run_view.h"

#include <QDockWidget>
#include <vector>

class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace sinkscope {
class HeadGrid;
class TokenStrip;
} // namespace sinkscope

namespace sinkscope::gui {

class InterventionPanel;

class SpanDock : public QDockWidget {
    Q_OBJECT
public:
    // The window's strip (where spans are marked), grid (where heads light up) and intervention
    // panel (where the span goes); any may be null.
    SpanDock(TokenStrip* strip, HeadGrid* grid, InterventionPanel* panel, QWidget* parent = nullptr);

    void setRun(RunViewPtr view);
    void setSpan(int first, int last);
    void clearSpan();
    std::pair<int, int> span() const { return {m_first, m_last}; }
    // [layer][head] for the current span and run; empty without a span.
    const std::vector<std::vector<SpanHeadScore>>& scores() const { return m_scores; }
    QTableWidget* table() const { return m_table; }
    void useInIntervention();

Q_SIGNALS:
    void scored();

private:
    void score();

    RunViewPtr m_run;
    TokenStrip* m_strip;
    HeadGrid* m_grid;
    InterventionPanel* m_panel;
    int m_first = -1, m_last = -1;
    std::vector<std::vector<SpanHeadScore>> m_scores;
    QLabel* m_label = nullptr;
    QDoubleSpinBox *m_minMass = nullptr, *m_minRatio = nullptr;
    QTableWidget* m_table = nullptr;
    QPushButton* m_use = nullptr;
};

} // namespace sinkscope::gui
