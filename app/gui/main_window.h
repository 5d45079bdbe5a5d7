#pragma once
// MainWindow: wiring only. The prompt and intervention panel on the left, the heatmap of the
// current head in the centre, the head grid and the output comparison on the right; all work
// goes to the EngineWorker thread, results come back as RunViews.
#include "classroom_host.h"
#include "run_view.h"

#include <QMainWindow>
#include <QThread>

class QAction;
class QFrame;
class QLabel;
class QPlainTextEdit;
class QSpinBox;
class QTableWidget;
class QTimer;
class QCheckBox;
class QComboBox;
class QDockWidget;
class QDragEnterEvent;
class QHBoxLayout;
class QDropEvent;

namespace sinkscope {
class HeadGrid;
class HeatmapCanvas;
class NormPlot;
class TokenStrip;
} // namespace sinkscope

namespace sinkscope::gui {

class EngineWorker;
class InterventionPanel;
class RunsDock;
class SweepDock;
class ImageDock;
class SideBySide;

class MainWindow : public QMainWindow, public ClassroomHost {
    Q_OBJECT
public:
    explicit MainWindow(const QString& modelPath, const QString& prompt, QWidget* parent = nullptr);
    ~MainWindow() override;

    // For tests and scripting: the latest result, the panels.
    RunViewPtr lastRun() const { return m_last; }
    InterventionPanel* interventions() const { return m_panel; }
    HeatmapCanvas* heatmap() const { return m_heatmap; }
    QTableWidget* outputTable() const { return m_top; }
    QLabel* gridCaption() const { return m_gridCaption; }
    QLabel* runNotes() const { return m_notes; }
    HeadGrid* headGrid() const { return m_grid; }
    QString errorShown() const; // the banner's message; empty when it is hidden
    QSpinBox* maxNewTokens() const { return m_maxNew; }
    QPlainTextEdit* promptEdit() const { return m_prompt; }
    bool busy() const; // a run (of this model, or of the one side by side) is being computed
    RunsDock* runsDock() const { return m_runs; }
    SideBySide* sideBySide() const { return m_side; }
    QCheckBox* fixedRange() const { return m_fixedRange; }
    QComboBox* stripSource() const { return m_stripSource; }
    TokenStrip* tokenStrip() const { return m_strip; }

    QString modelPath() const override { return m_modelPath; }
    class Classroom* classroom() const {
        return m_classroom;
    }

    // Used by the classroom scenarios (ClassroomHost) and menus; each leads to an ordinary run.
    void setPrompt(const QString& text) override;
    void loadModel(const QString& path) override;
    void setShowDiff(bool on) override;
    void selectHead(int layer, int head);
    void selectStrongestSinkHead() override; // the head with the largest alpha_0 (now and after the next run)
    void openSweep(const QString& tracePath); // the Sweep panel, raised, with this sweep trace
    void setTokenStripShown(bool shown) override;
    void setMapControlsShown(bool shown) override;
    QString pictureDemoPath() const override; // the bundled picture model; empty if none
    void openPictureDemo() override;          // it, a held-out scene and a question about it
    void openPicture(const QString& path);    // LLaVA models: the picture for the next runs ("": none)
    // The timeline of the current model's training, when it has one, beside another's (empty: alone).
    void showTrainingTimeline(const QString& compareWith) override;
    void openSigmoidModel() override; // the bundled sigmoid-attention model, when present
    // Side by side: the same prompt and interventions through another model (View > Side by side).
    void compareWithModel(const QString& path) override;
    QString sigmoidModelPath() const override; // the sigmoid twin next to the current model; empty if none
    // The rest of ClassroomHost: the window, and the panels' state as values.
    QMainWindow* hostWindow() override { return this; }
    QString promptText() const override;
    void applyInterventionPreset(const InterventionPanel::Preset& preset) override;
    bool fixedRange01() const override;
    void setFixedRange01(bool on) override;
    bool sideBySideShown() const override;
    void stopSideBySide() override;
    std::pair<int, int> currentHead() const { return {m_layer, m_head}; }
    bool exportHeadGridTo(const QString& path) { return exportHeadGrid(path); }
    // Whether closing remembers the layout (off for screenshot runs; never in classroom mode).
    void setPersistLayout(bool on) { m_persistLayout = on; }
    void resetLayout(); // View > Reset layout
    void fitToScreen(); // shrink/move the window onto its screen
    bool exportNormPlotTo(const QString& path) { return exportNormPlot(path); }

public Q_SLOTS:
    void requestRun();
    void cancelRun();
    bool exportHeatmap(const QString& path);

Q_SIGNALS:
    void runShown();
    // The head the map now shows (a click, the grid, a new run, selectHead).
    void headShown(int layer, int head);
    void runFailed(const QString& message);
    // To the worker (queued).
    void startRun(const QString& prompt, const QStringList& specs, int maxNewTokens, int focusLayer);
    void startLoad(const QString& path, bool bf16);
    void startSaveTrace(const QString& path, const QString& prompt, const QStringList& specs,
                        int maxNewTokens);
    // A training run directory (with timeline.json) to show on the timeline.
    void trainingTimelineRequested(const QString& runDir);

protected:
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    // The main panels and their wiring: main_window_panels.cpp.
    void buildUi();
    QDockWidget* buildPromptDock();
    QWidget* buildCentre();
    QFrame* buildErrorBanner();
    QHBoxLayout* buildMapControls();
    void buildOutputDock();
    void buildMetricsDock(QDockWidget* promptDock);
    void buildStatusBar();
    void connectPanels();
    void showRun(RunViewPtr view);
    void showHead();
    void showTokenWeights();
    void showMetrics();
    void openModel();
    // Analysis docks (runs, timeline, channels, catch-tag-release, span): main_window_docks.cpp.
    void buildAnalysisDocks();
    void buildSweepDock(); // the Sweep panel and File > Open sweep… (main_window_docks.cpp)
    void buildImageDock(); // the Picture panel and File > Open picture… (main_window_docks.cpp)
    void addToFileMenu(QAction* action); // before Quit; a window shortcut when there is no File menu
    void showStoredRun(RunViewPtr view);
    void buildMenus();
    // Layout: main_window_layout.cpp.
    void buildLayoutMenu();
    void restoreLayout();
    void saveLayout() const;
    void rebuildRecentMenu();
    void rememberModel(const QString& path);
    bool exportHeadGrid(const QString& path);
    bool exportNormPlot(const QString& path);
    void copyHeatmapImage();

    QThread m_thread;
    EngineWorker* m_worker = nullptr;
    RunViewPtr m_last;
    bool m_busy = false, m_pending = false;
    QMenu* m_viewMenu = nullptr;
    QByteArray m_defaultState; // the docks as built, for Reset layout
    bool m_persistLayout = true;
    bool m_loading = false;              // a model is being loaded (Esc cancels; the loaded one stays)
    QString m_loadedPath, m_loadedLabel; // the model loaded before, restored when a load fails
    int m_fetchingLayer = -1; // a layer whose maps were asked of the worker (not kept by the last run)
    bool m_saving = false;    // a save to a trace file is computing or waiting for the file (Esc stops)
    int m_layer = 0, m_head = 0;

    QPlainTextEdit* m_prompt = nullptr;
    QSpinBox* m_maxNew = nullptr;
    InterventionPanel* m_panel = nullptr;
    HeatmapCanvas* m_heatmap = nullptr;
    HeadGrid* m_grid = nullptr;
    TokenStrip* m_strip = nullptr;
    NormPlot* m_norms = nullptr;
    NormPlot *m_keyNorms = nullptr, *m_valueNorms = nullptr;
    QLabel* m_metrics = nullptr;
    QTableWidget* m_sinkTable = nullptr;
    QTableWidget* m_top = nullptr;
    QLabel *m_kl = nullptr, *m_generated = nullptr, *m_modelLabel = nullptr, *m_runLabel = nullptr;
    QCheckBox* m_showDiff = nullptr;
    QComboBox *m_colormap = nullptr, *m_scale = nullptr;
    QTimer* m_debounce = nullptr;
    QString m_modelDescription, m_device, m_modelPath;
    bool m_computeBf16 = false; // Run > Multiply in bf16 (kept in QSettings "engine/computeBf16")
    QAction* m_bf16Action = nullptr;
    RunsDock* m_runs = nullptr;
    SweepDock* m_sweep = nullptr;
    ImageDock* m_image = nullptr;
    bool m_imageSized = false;         // the Picture panel got its room once
    bool m_pictureDemoOpening = false; // openPictureDemo asked: the next picture gets room again
    bool m_sweepSized = false;         // the Sweep panel got its room once; the user's sizes stay after
    SideBySide* m_side = nullptr;
    QLabel* m_caption = nullptr; // classroom scenario text
    QLabel* m_gridCaption = nullptr;
    QCheckBox* m_fixedRange = nullptr;  // colours over 0-1 rather than each map's own range
    QComboBox* m_stripSource = nullptr; // the token strip's weights: the shown head, or its layer's mean
    QWidget* m_mapTools = nullptr;      // the controls beside the difference toggle
    // The layer mean's alpha_j, computed once per run and layer (O(H T^2)), not on every hover.
    std::vector<double> m_layerReceived;
    std::weak_ptr<const RunView> m_layerReceivedRun; // weak: an old run's maps are not kept alive
    int m_layerReceivedLayer = -1;
    QLabel* m_notes = nullptr; // why a result may look surprising (intervene/intervention_notes.h) // what
                               // the head grid shows (base or intervened alpha_0)
    QFrame* m_errorBanner = nullptr;
    QLabel* m_errorText = nullptr;
    void showError(const QString& message); // the banner above the map, until the next success
    void clearError();
    class Classroom* m_classroom = nullptr;
    class QMenu* m_recentMenu = nullptr;
    bool m_selectSinkHead = false;
};

} // namespace sinkscope::gui
