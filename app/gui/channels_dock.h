#pragma once
// ChannelsDock: the sink dimensions of the unmodified run (docs/methods.md, "Beyond the first
// token"): r_l[t, d] = |h_l[t, d]| / rms(h_l[t]) of one residual state as a tokens × channels
// map drawn at the window's resolution (ChannelMapView: zoom and scroll along thousands of
// channels), a slider over the states 0..L, the sink dimensions D_sink marked on their columns and
// the state's sink tokens (phi_l(t) >= tau) on their rows; hovering a cell reads out its token,
// channel and r under the map and through hovered(). The same sink tokens are marked on the
// window's token strip, beside alpha. Values come from the engine (channelRatios, sinkDimensions);
// "Export…" draws the figure that `sinkscope-cli metrics --channels-out` draws.
#include "figures/figures.h"
#include "run_view.h"

#include <QDockWidget>

class QLabel;
class QSlider;

namespace sinkscope {
class ChannelMapView;
class TokenStrip;
} // namespace sinkscope

namespace sinkscope::gui {

class ChannelsDock : public QDockWidget {
    Q_OBJECT
public:
    // strip: the window's token strip, which gets the sink-token marks (may be null).
    explicit ChannelsDock(TokenStrip* strip, QWidget* parent = nullptr);

    void setRun(RunViewPtr view);
    int state() const;
    void setState(int state);
    // The figure of the current state (empty when the run has no hidden states), and the one on
    // screen (drawn only while the dock is visible).
    HeatmapFigure currentFigure() const;
    const HeatmapFigure& shownFigure() const;
    bool exportFigure(const QString& path);

    QSlider* slider() const { return m_slider; }
    ChannelMapView* view() const { return m_view; }
    QLabel* readout() const { return m_readout; }
    // "token 'the' (#3) · channel d121 · r = 6.5" for a cell of the shown map.
    QString cellReadout(std::int64_t row, std::int64_t col) const;

Q_SIGNALS:
    void hovered(const QString& readout);
    void failed(const QString& message);

private:
    void showState();
    void markStrip();

    RunViewPtr m_run;
    TokenStrip* m_strip;
    QSlider* m_slider = nullptr;
    QLabel* m_info = nullptr;
    QLabel* m_readout = nullptr;
    ChannelMapView* m_view = nullptr;
    bool m_stale = false; // the heatmap waits until the dock is shown
    // On screen: docks tabbed behind another stay isVisible(), so this follows visibilityChanged.
    bool m_onScreen = false;
    bool m_roomGiven = false;
};

} // namespace sinkscope::gui
