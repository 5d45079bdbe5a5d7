#pragma once
// SideBySide: a second heatmap right of the main one, on the same colour scale, in one of two
// modes: the unmodified run beside the intervened one (same model), or the same prompt and
// interventions through another model (e.g. the bundled default beside its sigmoid-attention twin),
// which gets its own EngineWorker on its own thread so that both models stay loaded. The window
// asks it for the right-hand figure when it draws the main one; `sinkscope-cli export --beside`
// draws the same pair from a trace file.
#include "map_figure.h"
#include "run_view.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>

namespace sinkscope {
class HeatmapCanvas;
}

namespace sinkscope::gui {

class EngineWorker;

class SideBySide : public QObject {
    Q_OBJECT
public:
    enum class Mode { Off, BaseIntervened, Model };

    explicit SideBySide(QObject* parent = nullptr);
    ~SideBySide() override;

    HeatmapCanvas* canvas() const { return m_canvas; } // placed by the window; hidden when Off
    Mode mode() const { return m_mode; }
    QString modelPath() const { return m_modelPath; } // Model mode: the other model
    RunViewPtr run() const { return m_run; }          // Model mode: its latest run
    QString error() const { return m_error; }         // Model mode: why it has no run
    bool busy() const { return m_mode == Mode::Model && (m_loading || m_busy); }

    void showBaseAndIntervened();
    // Loads the model at path (a second copy in memory) and runs the window's prompt through it.
    void compareWithModel(const QString& path, bool bf16);
    void stop();
    void cancel(); // Esc: stops the other model's run or load in progress

    // Model mode: the window's prompt and interventions, through the other model (coalesced while
    // it is busy; no generation: the map and alpha_0 are what is compared).
    void runPrompt(const QString& prompt, const QStringList& specs, int focusLayer);

    // Draws the map beside the main one, `left` (whose scale and colours it follows), for
    // (layer, head) of the window's run `main`; shown: what the main map shows (Base in the
    // BaseIntervened mode, whose right side is the intervened map). Sets one colour range on both
    // figures (left is updated: the window draws it after this call). Returns the right figure.
    const HeatmapFigure& drawBeside(HeatmapFigure& left, const RunView& main, MapShown shown, int layer,
                                    int head);

Q_SIGNALS:
    void changed();                 // mode, the other model's run, load or error: redraw
    void hovered(const QString& s); // readout of the right-hand map
    // To the other model's worker (queued).
    void startRun(const QString& prompt, const QStringList& specs, int maxNewTokens, int focusLayer);
    void startLoad(const QString& path, bool bf16);

private:
    void ensureWorker();

    HeatmapCanvas* m_canvas = nullptr;
    Mode m_mode = Mode::Off;
    QThread m_thread;
    EngineWorker* m_worker = nullptr;
    QString m_modelPath, m_error;
    RunViewPtr m_run;
    bool m_loading = false, m_busy = false, m_pending = false;
    QString m_prompt;
    QStringList m_specs;
    int m_focusLayer = 0;
};

} // namespace sinkscope::gui
