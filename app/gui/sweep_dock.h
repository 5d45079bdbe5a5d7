#pragma once
// SweepDock: the results of a sweep (the desktop twin of `sinkscope-cli sweep-report`). Opens a
// sweep trace, shows the table the papers print — Sink_1^ε, α₀ mean ± std and range, KL from the
// unmodified run per model, checkpoint and intervention — beside the same numbers as a heatmap
// and, when a model was swept at several checkpoints, as curves over training steps. Picking a row
// or a cell names the runs behind it, and "Show runs" opens them in the Runs panel. The table and
// the figures export as `sweep-report --csv` / `--out` write them. The trace is read on a thread
// of its own, so a large sweep never freezes the window.
#include "sweep/sweep_report.h"

#include <QDockWidget>
#include <QList>
#include <memory>

class QAction;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QTableWidget;
class QTabWidget;
class QThread;

namespace sinkscope {
class CurvePlot;
}

namespace sinkscope::gui {

class SweepGrid;

class SweepDock : public QDockWidget {
    Q_OBJECT
public:
    explicit SweepDock(QWidget* parent = nullptr);
    ~SweepDock() override;

    // Asynchronous: reportShown() follows once the report is read, failed(message) otherwise (what
    // was shown stays).
    void openSweep(const QString& path);
    QString sweepPath() const { return m_path; }
    const SweepReport& report() const { return m_report; }
    bool busy() const { return m_reading != nullptr; }

    QTableWidget* table() const { return m_table; }
    SweepGrid* grid() const { return m_grid; }
    CurvePlot* curves() const { return m_curves; }
    QTabWidget* views() const { return m_views; }
    void setGroupedBy(const std::vector<GroupKey>& keys); // re-reads the report

    // The runs of the selected row (empty when none is selected).
    std::vector<std::int64_t> selectedRuns() const;
    void selectRow(int row);

    bool exportCsv(const QString& path);
    bool exportFigures(const QString& path); // the paths written go to the status line

public Q_SLOTS:
    void chooseSweep();
    void showSelectedRuns();

Q_SIGNALS:
    void reportShown();
    void failed(const QString& message);
    // "Show runs": open this trace in the Runs panel with these runs selected.
    void showRuns(const QString& tracePath, const QList<qint64>& ids);

private:
    QHBoxLayout* buildTopRow();
    QTableWidget* buildTable();
    void read(const QString& path, std::vector<GroupKey> keys);
    void display(const QString& path, SweepReport report);
    void fillTable();
    void fillGrid();
    void fillCurves();
    void rowChanged();
    void say(const QString& text);
    std::vector<GroupKey> checkedKeys() const;

    QString m_path;
    SweepReport m_report;
    QThread* m_reading = nullptr;
    int m_generation = 0;
    // Grid cell -> table row, row-major over the grid.
    std::vector<int> m_cellRow;
    QLabel *m_file = nullptr, *m_status = nullptr, *m_drill = nullptr;
    QAction *m_byModel = nullptr, *m_byCheckpoint = nullptr, *m_byIntervention = nullptr;
    QPushButton *m_showRuns = nullptr, *m_csv = nullptr, *m_figure = nullptr;
    QTableWidget* m_table = nullptr;
    QTabWidget* m_views = nullptr;
    SweepGrid* m_grid = nullptr;
    CurvePlot* m_curves = nullptr;
};

} // namespace sinkscope::gui
