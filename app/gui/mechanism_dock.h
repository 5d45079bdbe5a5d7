#pragma once
// MechanismDock, "Mechanism (one query row)": how one row of the shown head's map comes about, for
// the selected query token (the last one until one is selected): the pre-softmax scores z_j of its
// keys, the model's rule that turns them into weights, and the weights — with the row sum and the
// mass on the first token printed, and, under an intervention, the intervened row beside the
// unmodified one. The scores are the engine's own (EngineWorker::explainRow, the engine call of
// `sinkscope-cli run --explain-row`), computed when the dock is on screen and the row changes; the
// weights are the rows of the maps the window holds (the engine's where a layer's maps were not
// kept). Long rows show the heaviest keys plus the first token and the query itself.
#include "explained_row.h"
#include "run_view.h"

#include <QDockWidget>
#include <tuple>

class QBoxLayout;
class QLabel;
class QSpinBox;
class QTimer;

namespace sinkscope {
class RowMechanismView;
class TokenStrip;
} // namespace sinkscope

namespace sinkscope::gui {

class MechanismDock : public QDockWidget {
    Q_OBJECT
public:
    // strip: the window's token strip, whose selected token is the query (may be null).
    explicit MechanismDock(TokenStrip* strip, QWidget* parent = nullptr);

    void setRun(RunViewPtr view);
    void setHead(int layer, int head);
    void setKeysShown(int keys);

    std::int64_t query() const; // the row shown: the strip's selected token, else the last one
    ExplainedRowPtr explained() const { return m_row; }
    RowMechanismView* view() const { return m_view; }
    QLabel* summary() const { return m_summary; }
    QLabel* caption() const { return m_caption; }
    QLabel* status() const { return m_status; }
    // The row's sum and its weight on token 0 as shown (unmodified, and intervened when there is
    // one); NaN when no row is shown.
    double rowSum(bool intervened) const;
    // The height at which the panel shows its contents without scrolling (inside the window's
    // scroll area, main_window_layout.cpp).
    int heightWanted() const;
    // In a main window: grows the panel to two fifths of the window's height, or to what its
    // contents need (at most half), unless the user has made it smaller since it last grew.
    void growToFit();
    double massOnFirst(bool intervened) const;

public Q_SLOTS:
    void showRow(sinkscope::gui::ExplainedRowPtr row);

protected:
    void resizeEvent(QResizeEvent* e) override;

Q_SIGNALS:
    // To the worker: explain this row under these interventions.
    void requested(quint64 promptSerial, int layer, int head, qint64 query, const QStringList& specs);
    void shown(); // a row's numbers are on screen (tests wait on it)
    void hovered(const QString& readout);

private:
    void refresh();
    void showExplained();
    void clear(const QString& why);
    QStringList specs() const;
    // A row of the window's map (keys 0..query), or the engine's when the layer's maps were not kept.
    std::vector<float> weightsOf(bool intervened) const;

    RunViewPtr m_run;
    ExplainedRowPtr m_row;
    TokenStrip* m_strip;
    int m_layer = 0, m_head = 0;
    bool m_onScreen = false;
    std::tuple<std::uint64_t, int, int, std::int64_t, QStringList> m_asked{0, -1, -1, -1, {}};
    std::vector<float> m_base, m_after; // the weights shown
    QSpinBox* m_keys = nullptr;
    QLabel *m_summary = nullptr, *m_caption = nullptr, *m_change = nullptr, *m_status = nullptr;
    RowMechanismView* m_view = nullptr;
    QBoxLayout* m_layout = nullptr; // the words above the bars, or beside them
    QWidget* m_text = nullptr;
    QTimer* m_debounce = nullptr;
    int m_grownTo = 0;
};

} // namespace sinkscope::gui
