#pragma once
// ImageDock: the picture of a LLaVA prompt (issue "visual attention sinks") with one query token's
// attention over its patch grid — the selected head, the mean of its layer, or the mean of the
// layer's image-centric heads (VAR's head selection: span-centric heads with the picture as the span
// and BOS + the visual sink tokens as the sink set) — on the unmodified or the intervened run, the
// layer's visual sink tokens framed. "Open picture…" asks the engine for a picture; "VAR" puts
// var:p=0.6 into the intervention panel; "Export…" writes the overlay figure that `sinkscope-cli
// run --image F --overlay-out` writes.
#include "figures/image_overlay.h"
#include "run_view.h"

#include <QDockWidget>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace sinkscope {
class ImageOverlayView;
} // namespace sinkscope

namespace sinkscope::gui {

class InterventionPanel;

class ImageDock : public QDockWidget {
    Q_OBJECT
public:
    enum class Heads { Selected, LayerMean, ImageCentric };

    explicit ImageDock(InterventionPanel* panel, QWidget* parent = nullptr);

    void setRun(RunViewPtr view);
    void setHead(int layer, int head);
    void setImageDescription(const QString& path, const QString& description);
    void setQuery(std::int64_t query);
    // A token selected on the window's token strip: the query shown, when it reads the picture
    // (a token after the image block); others leave the query as it is.
    void selectToken(int index);
    std::int64_t query() const;
    void setHeads(Heads heads);
    void setIntervened(bool on);
    // The overlay of the current choices (empty figure without a picture).
    ImageOverlayFigure currentFigure() const;
    // The image-centric heads of a layer on the unmodified run (mass >= 0.2, ratio >= 0.6).
    std::vector<int> imageCentricHeads(int layer) const;
    bool exportFigure(const QString& path);
    ImageOverlayView* view() const { return m_view; }
    QLabel* readout() const { return m_readout; }

Q_SIGNALS:
    void openRequested(); // "Open picture…"
    void clearRequested();
    void hovered(const QString& readout);
    void failed(const QString& message);

private:
    void refresh();

    RunViewPtr m_run;
    InterventionPanel* m_panel;
    int m_layer = 0, m_head = 0;
    QLabel* m_info = nullptr;
    QLabel* m_readout = nullptr;
    QSpinBox* m_query = nullptr;
    QComboBox* m_heads = nullptr;
    QCheckBox* m_intervened = nullptr;
    QPushButton *m_var = nullptr, *m_export = nullptr;
    ImageOverlayView* m_view = nullptr;
};

} // namespace sinkscope::gui
