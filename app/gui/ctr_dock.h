#pragma once
// CtrDock: catch, tag, release (docs/methods.md, "Beyond the first token") for the selected head
// of the unmodified run: the tokens it catches (A[i, sink] >= theta) highlighted on the window's
// token strip, the tag share of each caught token as bars, and the head's outputs for the caught
// tokens on their first two principal components with the tag direction u drawn as an arrow;
// hovering a bar or a point names its token and value under the plots.
// theta is settable; the numbers come from the engine worker (catchTagRelease), computed when the
// dock is shown, the prompt changes or theta changes.
#include "ctr_view.h"
#include "run_view.h"

#include <QDockWidget>

class QDoubleSpinBox;
class QLabel;
class QTimer;

namespace sinkscope {
class BarChart;
class PcScatter;
class TokenStrip;
} // namespace sinkscope

namespace sinkscope::gui {

class CtrDock : public QDockWidget {
    Q_OBJECT
public:
    // strip: the window's token strip, which gets the caught tokens highlighted (may be null).
    explicit CtrDock(TokenStrip* strip, QWidget* parent = nullptr);

    void setRun(RunViewPtr view);
    void setHead(int layer, int head);
    void setTheta(double theta);
    double theta() const;

    CtrViewPtr scores() const { return m_ctr; }
    BarChart* bars() const { return m_bars; }
    PcScatter* scatter() const { return m_scatter; }
    QLabel* summary() const { return m_summary; }
    QLabel* readout() const { return m_readout; } // the hovered bar's or point's token and value

public Q_SLOTS:
    void showScores(sinkscope::gui::CtrViewPtr view);

Q_SIGNALS:
    // To the worker: compute every head at this theta for the current prompt.
    void requested(double theta);
    void shown(); // a head's scores are on screen (tests wait on it)

private:
    void requestIfNeeded();
    void showHead();
    void markStrip(bool on);

    RunViewPtr m_run;
    CtrViewPtr m_ctr;
    TokenStrip* m_strip;
    int m_layer = 0, m_head = 0;
    // On screen: docks tabbed behind another stay isVisible(), so this follows visibilityChanged.
    bool m_onScreen = false;
    bool m_roomGiven = false;
    double m_requestedTheta = -1;
    std::uint64_t m_requestedSerial = 0;
    QDoubleSpinBox* m_theta = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_readout = nullptr;
    BarChart* m_bars = nullptr;
    PcScatter* m_scatter = nullptr;
    QTimer* m_debounce = nullptr;
};

} // namespace sinkscope::gui
