#pragma once
// MainWindow: wiring only. The prompt and intervention panel on the left, the heatmap of the
// current head in the centre, the head grid and the output comparison on the right; all work
// goes to the EngineWorker thread, results come back as RunViews.
#include "run_view.h"

#include <QMainWindow>
#include <QThread>

class QLabel;
class QPlainTextEdit;
class QSpinBox;
class QTableWidget;
class QTimer;
class QCheckBox;

namespace sinkscope {
class HeadGrid;
class HeatmapCanvas;
class NormPlot;
class TokenStrip;
} // namespace sinkscope

namespace sinkscope::gui {

class EngineWorker;
class InterventionPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const QString& modelPath, const QString& prompt, QWidget* parent = nullptr);
    ~MainWindow() override;

    // For tests and scripting: the latest result, the panels.
    RunViewPtr lastRun() const { return m_last; }
    InterventionPanel* interventions() const { return m_panel; }
    HeatmapCanvas* heatmap() const { return m_heatmap; }
    QTableWidget* outputTable() const { return m_top; }
    QSpinBox* maxNewTokens() const { return m_maxNew; }
    QPlainTextEdit* promptEdit() const { return m_prompt; }
    bool busy() const { return m_busy; }

public Q_SLOTS:
    void requestRun();
    void cancelRun();
    bool exportHeatmap(const QString& path);

Q_SIGNALS:
    void runShown();
    void runFailed(const QString& message);
    // To the worker (queued).
    void startRun(const QString& prompt, const QStringList& specs, int maxNewTokens);
    void startLoad(const QString& path);

private:
    void buildUi();
    void showRun(RunViewPtr view);
    void showHead();
    void showTokenWeights();
    void showMetrics();
    void openModel();

    QThread m_thread;
    EngineWorker* m_worker = nullptr;
    RunViewPtr m_last;
    bool m_busy = false, m_pending = false;
    int m_layer = 0, m_head = 0;

    QPlainTextEdit* m_prompt = nullptr;
    QSpinBox* m_maxNew = nullptr;
    InterventionPanel* m_panel = nullptr;
    HeatmapCanvas* m_heatmap = nullptr;
    HeadGrid* m_grid = nullptr;
    TokenStrip* m_strip = nullptr;
    NormPlot* m_norms = nullptr;
    QLabel* m_metrics = nullptr;
    QTableWidget* m_sinkTable = nullptr;
    QTableWidget* m_top = nullptr;
    QLabel *m_kl = nullptr, *m_generated = nullptr, *m_modelLabel = nullptr, *m_runLabel = nullptr;
    QCheckBox* m_showDiff = nullptr;
    QTimer* m_debounce = nullptr;
    QString m_modelDescription, m_device, m_modelPath;
};

} // namespace sinkscope::gui
